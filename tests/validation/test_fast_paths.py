"""The shortcuts that keep validating large definitions fast give the answers of the long way:
simple paths recognised without the path compiler, plain-JSON and nesting checks without
paths, checks shared or cached across states."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asl.expressions.paths import compile_path, compile_reference_path
from asl.expressions.templates import compile_path_or_intrinsic
from asl.loading import MAX_DEPTH, _json_value_walk, _plainly_json, json_value_problems, load
from asl.validation import validate
from asl.validation.model import Definition
from asl.validation.rules.paths import SIMPLE_INPUT_PATH, SIMPLE_PATH

# --- simple paths ---------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.from_regex(SIMPLE_PATH, fullmatch=True))
def test_every_simple_path_compiles_as_a_reference_path(text: str) -> None:
    compile_path(text)
    compile_reference_path(text)
    compile_path_or_intrinsic(text)


@settings(max_examples=100, deadline=None)
@given(st.from_regex(SIMPLE_INPUT_PATH, fullmatch=True))
def test_every_simple_input_path_is_a_reference_path_into_the_input(text: str) -> None:
    assert compile_reference_path(text).root == "$"


@pytest.mark.parametrize(
    "text",
    ["$.a..b", "$.a[*]", "$.a.length()", "$a-b", "$.", "$$x", "$.a[-1]", "$.a['b']", "States.X()"],
)
def test_paths_needing_the_compiler_are_not_simple(text: str) -> None:
    assert SIMPLE_PATH.fullmatch(text) is None


@pytest.mark.parametrize("text", ["$$.Execution.Id", "$var.x", "$$"])
def test_paths_outside_the_input_are_not_simple_input_paths(text: str) -> None:
    assert SIMPLE_PATH.fullmatch(text) is not None
    assert SIMPLE_INPUT_PATH.fullmatch(text) is None


# --- values JSON can hold -------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.sampled_from([(1, 2), b"x", {1, 2}]),
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=2), st.integers(0, 3)), children, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_values)
def test_the_quick_json_check_agrees_with_the_walk_that_names_problems(value: Any) -> None:
    assert _plainly_json(value) == (_json_value_walk(value, None) == [])


def _nested(depth: int, *leaf: Any) -> Any:
    """An array holding ``leaf`` (if given), inside ``depth`` more arrays."""
    value: Any = list(leaf)
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
@pytest.mark.parametrize("leaf", [(), (1,)])
def test_the_quick_json_check_stops_at_the_same_depth(depth: int, leaf: tuple[Any, ...]) -> None:
    value = _nested(depth, *leaf)
    assert _plainly_json(value) == (_json_value_walk(value, None) == [])
    assert _plainly_json(value) == (depth + len(leaf) <= MAX_DEPTH)


def test_values_that_contain_themselves_are_refused_quickly() -> None:
    value: dict[str, Any] = {}
    value["x"] = value
    value["y"] = value  # a breadth-first walk would meet 2**200 values
    assert not _plainly_json(value)
    assert [d.code for d in json_value_problems(value)] == ["TOO_DEEPLY_NESTED"]


def test_a_nan_deep_in_a_dict_is_named_by_its_pointer() -> None:
    document = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "End": True, "Result": [0, math.nan]}},
    }
    assert [d.path for d in json_value_problems(document)] == ["/States/A/Result/1"]


# --- nesting in text ------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 30])
def test_json_text_is_too_deep_exactly_past_max_depth(depth: int) -> None:
    text = json.dumps({"StartAt": "A", "Comment": _nested(depth - 2)})
    loaded, diagnostics = load(text)
    if depth <= MAX_DEPTH:
        assert loaded is not None and diagnostics == []
    else:
        assert loaded is None
        [diagnostic] = diagnostics
        # The first bracket past the limit: '{"StartAt": "A", "Comment": ' is 28 characters.
        assert (diagnostic.code, diagnostic.line, diagnostic.column) == (
            "TOO_DEEPLY_NESTED",
            1,
            28 + MAX_DEPTH,
        )


def test_too_deep_text_that_is_also_malformed_is_reported_as_too_deep() -> None:
    text = '{"a": ' + "[" * (MAX_DEPTH + 5) + "x"
    loaded, diagnostics = load(text)
    assert loaded is None
    assert [d.code for d in diagnostics] == ["TOO_DEEPLY_NESTED"]


def test_malformed_text_with_brackets_only_in_strings_is_a_syntax_error() -> None:
    text = '{"Comment": "' + "[" * (MAX_DEPTH * 2) + '", }'
    loaded, diagnostics = load(text)
    assert loaded is None
    # not "too deep": the brackets are in a string.  The position is the JSON decoder's:
    # the closing brace (Python 3.12 and older) or the trailing comma before it (3.13)
    comma = text.rindex(",") + 1
    assert [(d.code, d.line) for d in diagnostics] == [("INVALID_JSON_DESCRIPTION", 1)]
    assert diagnostics[0].column in (comma, len(text))


# --- shared and cached checks -----------------------------------------------------------


def _chain(count: int, **fields: Any) -> dict[str, Any]:
    """A machine of ``count`` Task states, each with ``fields``."""
    states = {
        f"S{i}": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            **fields,
            **({"Next": f"S{i + 1}"} if i + 1 < count else {"End": True}),
        }
        for i in range(count)
    }
    return {"StartAt": "S0", "States": states}


@pytest.mark.parametrize(
    ("fields", "code", "where"),
    [
        ({"InputPath": "$.a["}, "SCHEMA_VALIDATION_FAILED", "/InputPath"),
        ({"ResultPath": "$$.a"}, "SCHEMA_VALIDATION_FAILED", "/ResultPath"),
        ({"Parameters": {"a.$": "States.Nope(1)"}}, "SCHEMA_VALIDATION_FAILED", "/Parameters/a.$"),
        ({"Parameters": {"a.$": "$..a["}}, "SCHEMA_VALIDATION_FAILED", "/Parameters/a.$"),
        ({"Resource": "arn:aws:states:::lambda:nope"}, "SCHEMA_VALIDATION_FAILED", "/Resource"),
        ({"Resource": "my-function"}, "UNRECOGNIZED_RESOURCE", "/Resource"),
    ],
)
def test_a_problem_shared_by_many_states_is_reported_for_each(
    fields: dict[str, Any], code: str, where: str
) -> None:
    found = [d for d in validate(_chain(5, **fields)) if d.code == code]
    assert [d.path for d in found] == [f"/States/S{i}{where}" for i in range(5)]
    assert len({d.message for d in found}) == 1


def test_state_pointers_escape_slashes_and_tildes() -> None:
    document = {
        "StartAt": "a/b~c",
        "States": {"a/b~c": {"Type": "Pass", "InputPath": "$.[", "End": True}},
    }
    [found] = [d for d in validate(document) if d.severity == "error"]
    assert found.path == "/States/a~1b~0c/InputPath"


def test_facts_shared_by_rules_are_computed_once_per_definition() -> None:
    definition = Definition({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    calls: list[int] = []

    def compute(found: Definition) -> int:
        calls.append(1)
        return len(found.states)

    assert definition.memo("count", compute) == 1
    assert definition.memo("count", compute) == 1
    assert calls == [1]


def test_states_of_one_type_come_in_definition_order() -> None:
    states = {
        name: {"Type": kind, "End": True}
        for name, kind in [
            ("A", "Pass"),
            ("B", "Wait"),
            ("C", "Pass"),
            ("D", "Task"),
            ("E", "Pass"),
        ]
    }
    definition = Definition({"StartAt": "A", "States": states})
    assert [s.name for s in definition.states_of_type("Pass")] == ["A", "C", "E"]
    assert [s.name for s in definition.states_of_type("Pass", "Task")] == ["A", "C", "D", "E"]
    assert list(definition.states_of_type("Map")) == []
