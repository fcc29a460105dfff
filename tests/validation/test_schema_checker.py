"""The ASL JSON Schema and its fast checker, which must agree with jsonschema."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asl.validation import schema

NAMES = schema.definition_names()


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema.schema_document())


def test_the_schema_uses_only_keywords_the_fast_checker_implements() -> None:
    allowed = schema.SUPPORTED_KEYWORDS | schema.ANNOTATIONS

    def keywords(node: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("properties", "$defs"):
                    for child in value.values():
                        found |= keywords(child)
                else:
                    found.add(key)
                    found |= keywords(value)
        elif isinstance(node, list):
            for child in node:
                found |= keywords(child)
        return found

    assert keywords(schema.schema_document()) <= allowed


def test_every_state_type_has_a_definition_per_query_language() -> None:
    for kind in ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"):
        for language in ("JSONPath", "JSONata"):
            assert f"{kind}.{language}" in NAMES


def _property_names(name: str) -> list[str]:
    return sorted(schema.schema_document()["$defs"][name].get("properties", {}))


def _scalar() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-3, max_value=300000),
        st.sampled_from([0.5, 1.0, 2.5, -1.5, 100.0, 1e9]),
        st.sampled_from(
            [
                "",
                "$.a",
                "{% 1 %}",
                "{%x",
                "Pass",
                "Task",
                "JSONata",
                "JSONPath",
                "FULL",
                "INLINE",
                "DISTRIBUTED",
                "CSV",
                "JSON",
            ]
        ),
    )


def _value(depth: int = 2) -> st.SearchStrategy[Any]:
    if depth == 0:
        return _scalar()
    child = _value(depth - 1)
    return st.one_of(
        _scalar(),
        st.lists(child, max_size=3),
        st.dictionaries(
            st.sampled_from(["a", "Next", "ErrorEquals", "Variable", "StartAt", "States"]),
            child,
            max_size=3,
        ),
    )


@st.composite
def instances(draw: st.DrawFn) -> tuple[str, Any]:
    """A definition name and a value shaped roughly like it: known fields, random values."""
    name = draw(st.sampled_from(NAMES))
    fields = _property_names(name)
    if not fields or draw(st.integers(0, 9)) == 0:
        return name, draw(_value())
    chosen = draw(st.lists(st.sampled_from(fields), max_size=6, unique=True))
    value = {field: draw(_value()) for field in chosen}
    if "Type" in fields and draw(st.booleans()):
        value["Type"] = name.split(".")[0]
    if draw(st.integers(0, 4)) == 0:
        value[draw(st.sampled_from(["Bogus", "Next", "End", "Comment"]))] = draw(_scalar())
    return name, value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_fast_checker_agrees_with_jsonschema(case: tuple[str, Any]) -> None:
    name, value = case
    reference = jsonschema.Draft202012Validator(
        {"$ref": f"#/$defs/{name}", "$defs": schema.schema_document()["$defs"]}
    )
    expected = reference.is_valid(value)
    assert schema.is_valid(value, name) is expected
    found = schema.errors(value, name)
    assert (found == []) is expected
    # the errors themselves (paths, words, order, repeats) are the ones jsonschema reports
    assert found == schema.reference_errors(value, name)


def test_jsonschema_reports_when_the_walk_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # a disagreement between the predicate and the walk never yields "invalid, no reason"
    monkeypatch.setattr(schema, "_violations", lambda *args: iter(()))
    found = schema.errors({"Type": "Pass", "Bogus": 1}, "Pass.JSONPath")
    assert [(e.path, e.message) for e in found] == [
        (("Bogus",), "The field 'Bogus' is not supported by Step Functions")
    ]


@pytest.mark.parametrize(
    ("value", "path", "message"),
    [
        (
            {"Type": "Pass", "Bogus": 1},
            ("Bogus",),
            "The field 'Bogus' is not supported by Step Functions",
        ),
        (
            {"Type": "Pass", "InputPath": 3},
            ("InputPath",),
            "The value of the field 'InputPath' must be a string or null",
        ),
        (
            {"Type": "Pass", "QueryLanguage": "X"},
            ("QueryLanguage",),
            "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
        ),
    ],
)
def test_error_messages(value: Any, path: tuple[str, ...], message: str) -> None:
    [error] = schema.errors(value, "Pass.JSONPath")
    assert (error.path, error.message) == (path, message)


def test_an_unknown_definition_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        schema.is_valid({}, "NoSuchDefinition")
