"""Payload templates: compile once, evaluate paths and intrinsics, AWS's error texts."""

from __future__ import annotations

import pytest

from asl.errors import StatesError
from asl.expressions.intrinsics import Intrinsic
from asl.expressions.paths import Path, PathNotFound, compile_path
from asl.expressions.templates import (
    TemplateSyntaxError,
    compact_json,
    compile_path_or_intrinsic,
    compile_template,
    evaluate_path_or_intrinsic,
    resolve,
)

CONTEXT = {"Execution": {"Id": "arn:exec", "Input": {"first": 1}}, "Map": {"Item": {"Index": 3}}}
VARIABLES = {"myVar": {"k": "K"}, "n": 42}


def test_static_template_is_returned_unchanged() -> None:
    source = {"a": 1, "b": [1, {"c": "x"}], "d.e": None}
    template = compile_template(source)
    assert not template.dynamic
    assert template.evaluate({"ignored": True}, CONTEXT, VARIABLES) is source


@pytest.mark.parametrize("value", [None, 1, "text", "$.not.a.path.without.suffix", [1, 2]])
def test_non_object_templates_are_static(value: object) -> None:
    template = compile_template(value)
    assert not template.dynamic
    assert template.evaluate({}, {}, {}) == value


def test_dynamic_keys_drop_the_suffix_and_select_values() -> None:
    template = compile_template(
        {
            "static": 1,
            "fromInput.$": "$.a.b[0]",
            "fromContext.$": "$$.Execution.Id",
            "fromVariable.$": "$myVar.k",
            "wholeVariable.$": "$n",
            "call.$": "States.Format('{}-{}', $.a.b[1], $n)",
            "nested": {"inner.$": "$.a.c", "list": [{"deep.$": "$$.Map.Item.Index"}, "plain"]},
        }
    )
    data = {"a": {"b": [10, 20], "c": "C"}}
    assert template.dynamic
    assert template.evaluate(data, CONTEXT, VARIABLES) == {
        "static": 1,
        "fromInput": 10,
        "fromContext": "arn:exec",
        "fromVariable": "K",
        "wholeVariable": 42,
        "call": "20-42",
        "nested": {"inner": "C", "list": [{"deep": 3}, "plain"]},
    }


def test_key_order_is_kept() -> None:
    template = compile_template({"z": 1, "a.$": "$.x", "m": 2})
    assert list(template.evaluate({"x": 0}, {}, {})) == ["z", "a", "m"]


def test_static_parts_are_shared_not_copied() -> None:
    big = {"payload": list(range(100))}
    template = compile_template({"static": big, "v.$": "$.x"})
    assert template.evaluate({"x": 1}, {}, {})["static"] is big


def test_indefinite_path_in_template_gives_a_list() -> None:
    template = compile_template({"xs.$": "$.items[?(@.x > 1)].x", "none.$": "$.items[?(@.x > 9)]"})
    data = {"items": [{"x": 1}, {"x": 2}, {"x": 3}]}
    assert template.evaluate(data, {}, {}) == {"xs": [2, 3], "none": []}


def test_missing_path_fails_with_aws_cause() -> None:
    # Recorded on AWS (test_invalid_jsonpath): States.Runtime, input quoted as compact JSON.
    template = compile_template({"value.$": "$.no_such_jsonpath"})
    with pytest.raises(StatesError) as info:
        template.evaluate({"flagged": False, "nested": {"a": [1, 2]}}, {}, {})
    assert info.value.error == "States.Runtime"
    assert info.value.cause == (
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found"
        """ in the input '{"flagged":false,"nested":{"a":[1,2]}}'"""
    )


def test_missing_context_path_quotes_the_state_input() -> None:
    template = compile_template({"value.$": "$$.Execution.Input.no_such_jsonpath"})
    with pytest.raises(StatesError) as info:
        template.evaluate({"int-literal": 0}, CONTEXT, {})
    assert info.value.cause == (
        "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$'"
        """ could not be found in the input '{"int-literal":0}'"""
    )


def test_undefined_variable_fails_like_a_missing_path() -> None:
    template = compile_template({"v.$": "$undefinedVar"})
    with pytest.raises(StatesError) as info:
        template.evaluate({}, {}, {})
    assert info.value.error == "States.Runtime"
    assert "'$undefinedVar' specified for the field 'v.$'" in (info.value.cause or "")


def test_missing_path_inside_intrinsic_names_the_field() -> None:
    template = compile_template({"h.$": "States.Hash($.missing, 'SHA-256')"})
    with pytest.raises(StatesError) as info:
        template.evaluate({}, {}, {})
    assert info.value.cause == (
        "The JSONPath '$.missing' specified for the field 'h.$' could not be found in the input '{}'"
    )


def test_intrinsic_failure_propagates() -> None:
    template = compile_template({"sum.$": "States.MathAdd($.a, 1)"})
    with pytest.raises(StatesError) as info:
        template.evaluate({"a": "NOT A NUMBER"}, {}, {})
    assert info.value.error == "States.Runtime"
    assert "Invalid arguments in States.MathAdd" in (info.value.cause or "")


# --------------------------------------------------------------------------- compile errors


def test_renamed_key_collision_is_an_error_with_pointer() -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        compile_template({"outer": {"a": 1, "a.$": "$.x"}})
    assert info.value.pointer == "/outer/a.$"
    assert "'a'" in str(info.value)


@pytest.mark.parametrize(
    ("template", "pointer"),
    [
        ({"bad.$": 23}, "/bad.$"),
        ({"bad.$": "23"}, "/bad.$"),
        ({"f": {"bad.$": [1, 2]}}, "/f/bad.$"),
        ({"f": [{"ok": 1}, {"bad.$": "$.a["}]}, "/f/1/bad.$"),
        ({"bad.$": "States.NoSuchFunction()"}, "/bad.$"),
        ({"bad.$": " States.Array('Foo', $.xyz)"}, "/bad.$"),
        ({"bad.$": "States.StringToJson('{\\\"text\\\":1}')"}, "/bad.$"),
    ],
)
def test_invalid_dynamic_values_are_reported_at_their_pointer(
    template: dict[str, object], pointer: str
) -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        compile_template(template)
    assert info.value.pointer == pointer
    assert "must be a valid JSONPath or a valid intrinsic function call" in str(info.value)


def test_pointer_escapes_slashes_and_tildes() -> None:
    with pytest.raises(TemplateSyntaxError) as info:
        compile_template({"a/b": {"c~d.$": 1}})
    assert info.value.pointer == "/a~1b/c~0d.$"


# --------------------------------------------------------------------------- helpers


def test_resolve_picks_the_root() -> None:
    assert resolve(compile_path("$.a"), {"a": 1}, CONTEXT, VARIABLES) == 1
    assert resolve(compile_path("$$.Execution.Id"), {}, CONTEXT, VARIABLES) == "arn:exec"
    assert resolve(compile_path("$myVar.k"), {}, CONTEXT, VARIABLES) == "K"
    with pytest.raises(PathNotFound, match="not defined"):
        resolve(compile_path("$other"), {}, CONTEXT, VARIABLES)


def test_compile_path_or_intrinsic() -> None:
    assert isinstance(compile_path_or_intrinsic("$.a"), Path)
    assert isinstance(compile_path_or_intrinsic("States.UUID()"), Intrinsic)


def test_evaluate_path_or_intrinsic_for_fail_paths() -> None:
    # Recorded on AWS (test_invalid_jsonpath[INVALID_JSONPATH_IN_ERRORPATH]).
    path = compile_path_or_intrinsic("$.ErrorX")
    with pytest.raises(StatesError) as info:
        evaluate_path_or_intrinsic(path, {"Error": "error-value"}, {}, {}, field="ErrorPath")
    assert info.value.cause == (
        "The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found"
        """ in the input '{"Error":"error-value"}'"""
    )
    call = compile_path_or_intrinsic("States.Format('E{}', $.n)")
    assert evaluate_path_or_intrinsic(call, {"n": 1}, {}, {}, field="ErrorPath") == "E1"


def test_compact_json_keeps_order_and_unicode() -> None:
    assert compact_json({"b": 1, "a": ["é", None]}) == '{"b":1,"a":["é",null]}'
