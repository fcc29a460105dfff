"""Hostile arguments to every intrinsic and JSONata built-in fail as AWS fails, never as Python.

Huge integers, extreme doubles, nulls, deep or long values: an intrinsic either returns a
JSON value or raises `StatesError` (``States.Runtime``, ``Invalid arguments in States.X``);
a JSONata expression either returns a JSON value or raises `JsonataFieldError`, which the
executor reports as ``States.QueryEvaluationError``.  No cause names a Python exception.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asl.errors import StatesError
from asl.expressions.intrinsics import FUNCTIONS, compile_intrinsic
from asl.expressions.jsonata import JsonataFieldError, compile_jsonata
from asl.expressions.jsonata_functions import builtin_function_names

# Words that only a Python exception would put in a cause.
_PYTHON_TEXT = re.compile(
    r"Error\b(?!: )|Exception\b|NullValue|object has no attribute|too large to convert"
    r"|ssize_t|<class|decimal\.|Traceback|not subscriptable|unhashable"
    r"|invalid literal|NoneType|index-sized|islice"
)

_numbers = (
    st.sampled_from(
        [
            10**400,
            -(10**400),
            2**63,
            2**31,
            -(2**31) - 1,
            1e308,
            -1.7976931348623157e308,
            5e-324,
            0.5,
            -0.5,
            0,
            1e12,
            1e9,
            -1e9,
        ]
    )
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
)
_scalars = (
    st.none()
    | st.booleans()
    | _numbers
    | st.text(max_size=30)
    | st.sampled_from(
        ["x" * 20_000, "[" * 1000 + "]" * 1000, "Infinity", "NaN", "1e999", "MD5", "SHA-256", "{}"]
    )
)


def _deep(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


_values = st.recursive(
    _scalars | st.sampled_from([_deep(150), list(range(5000))]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=8,
)


def _assert_no_python_text(text: str | None) -> None:
    assert text is not None
    assert not _PYTHON_TEXT.search(text), text


def _assert_json(value: Any) -> None:
    # allow_nan=False: NaN or Infinity would be output JSON cannot hold
    json.dumps(value, allow_nan=False)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_intrinsic_with_hostile_arguments_fails_only_as_states_error(name: str, data: Any) -> None:
    spec = FUNCTIONS[name]
    top = spec.maximum if spec.maximum is not None else spec.minimum + 3
    count = data.draw(st.integers(min_value=spec.minimum, max_value=top))
    arguments = {f"a{i}": data.draw(_values) for i in range(count)}
    call = compile_intrinsic(f"{name}({', '.join('$.' + key for key in arguments)})")
    try:
        result = call.evaluate(arguments, {}, {})
    except StatesError as err:
        assert err.error == "States.Runtime"
        _assert_no_python_text(err.cause)
    else:
        _assert_json(result)


# Functions whose arguments are functions: the hostile value goes beside a lambda.
_LAMBDA = "function($v, $i) { $v }"
_CALLS = sorted(builtin_function_names() - {"eval"})


@pytest.mark.parametrize("name", _CALLS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_jsonata_builtin_with_hostile_arguments_fails_only_as_field_error(
    name: str, data: Any
) -> None:
    count = data.draw(st.integers(min_value=0, max_value=3))
    arguments = [
        data.draw(st.sampled_from(["$a0", "$a1", "$a2", "null", _LAMBDA, "1e308", "-1"]))
        for _ in range(count)
    ]
    variables = {f"a{i}": data.draw(_values) for i in range(3)}
    expression = compile_jsonata(f"{{% ${name}({', '.join(arguments)}) %}}")
    try:
        result = expression.evaluate_field({"input": {}}, variables, field="Output")
    except JsonataFieldError as err:
        _assert_no_python_text(err.cause())
    else:
        _assert_json(result)


_OPERATORS = ["+", "-", "*", "/", "%", "&", "..", "=", "<", "and", "in"]


@settings(max_examples=300, deadline=None)
@given(left=_values, right=_values, operator=st.sampled_from(_OPERATORS))
def test_jsonata_operators_with_hostile_operands_fail_only_as_field_error(
    left: Any, right: Any, operator: str
) -> None:
    text = f"[$l {operator} $r]" if operator == ".." else f"$l {operator} $r"
    expression = compile_jsonata("{% " + text + " %}")
    try:
        result = expression.evaluate_field({"input": {}}, {"l": left, "r": right}, field="Output")
    except JsonataFieldError as err:
        _assert_no_python_text(err.cause())
    else:
        _assert_json(result)


# --- one regression test per cause issue 11 names ----------------------------------------


def _jsonata_cause(text: str, **variables: Any) -> str:
    with pytest.raises(JsonataFieldError) as caught:
        compile_jsonata("{% " + text + " %}").evaluate_field(
            {"input": {}}, variables, field="Output"
        )
    return caught.value.cause()


@pytest.mark.parametrize("text", ["$n + 1", "-$n", "$n * 2", "$sum([$n, 1])", "$abs($n)"])
def test_integer_beyond_the_double_range_is_number_out_of_range(text: str) -> None:
    assert _jsonata_cause(text, n=10**400).endswith("D1001: Number out of range: null")


@pytest.mark.parametrize("text", ["$string($n)", "$n & 'x'", "$string([$n])"])
def test_string_of_an_integer_beyond_the_double_range_is_d3001(text: str) -> None:
    assert _jsonata_cause(text, n=10**400).endswith(
        "D3001: Attempting to invoke string function on Infinity or NaN"
    )


def test_number_of_an_integer_beyond_the_double_range_is_d3030() -> None:
    assert _jsonata_cause("$number($n)", n=10**400).endswith(
        "D3030: Unable to cast value to a number: null"
    )


@pytest.mark.parametrize(
    ("text", "argument"),
    [
        ("$sift(null, function($v){$v})", 1),
        ("$each(null, function($v){$v})", 1),
        ("$formatBase(null, 0.5)", 1),
        ("$uppercase(null)", 1),
        ("$parseInteger('1', null)", 2),
    ],
)
def test_null_where_a_function_wants_another_type_is_a_signature_error(
    text: str, argument: int
) -> None:
    # jsonata-js types null as "l", which only x, j and a parameters accept
    assert f"T0410: Argument {argument} of function" in _jsonata_cause(text)


@pytest.mark.parametrize(
    "text", ["$range(1, 1e308, 1)", "$range(0, 1e12, 1)", "$pad('x', 1e9)", "$pad('x', -1e300)"]
)
def test_results_far_beyond_the_payload_limit_are_refused_before_allocating(text: str) -> None:
    cause = _jsonata_cause(text)
    assert "must not exceed 16777216" in cause


def test_doubling_a_string_in_a_recursive_function_stops_at_the_size_limit() -> None:
    cause = _jsonata_cause(
        "( $double := function($s, $n) { $n = 0 ? $s : $double($s & $s, $n - 1) }; "
        "$length($double('x', 40)) )"
    )
    assert "string built by the & operator must not exceed" in cause


def test_append_doubling_an_array_stops_at_the_size_limit() -> None:
    cause = _jsonata_cause(
        "( $double := function($a, $n) { $n = 0 ? $a : $double($append($a, $a), $n - 1) }; "
        "$count($double([1], 40)) )"
    )
    assert "array built by function append must not exceed" in cause


@pytest.mark.parametrize("text", ["'1e999'", "'NaN'", "$pad('', 300, '[') & $pad('', 300, ']')"])
def test_parse_refuses_what_json_cannot_hold(text: str) -> None:
    assert _jsonata_cause(f"$parse({text})").endswith("Invalid JSON")


def _intrinsic_error(text: str, **data: Any) -> StatesError:
    with pytest.raises(StatesError) as caught:
        compile_intrinsic(text).evaluate(data, {}, {})
    return caught.value


@pytest.mark.parametrize(
    "value", ["[" * 1000 + "]" * 1000, "Infinity", "-Infinity", "NaN", "1e999", "[1e999]"]
)
def test_string_to_json_refuses_what_json_cannot_hold(value: str) -> None:
    err = _intrinsic_error("States.StringToJson($.s)", s=value)
    assert (err.error, err.cause) == ("States.Runtime", "Invalid arguments in States.StringToJson")


def test_string_to_json_accepts_nesting_within_the_limit() -> None:
    value = compile_intrinsic("States.StringToJson($.s)").evaluate(
        {"s": "[" * 100 + "]" * 100}, {}, {}
    )
    assert json.dumps(value) == "[" * 100 + "]" * 100


@pytest.mark.parametrize("algorithm", [{"a": 1}, [1], 10**400, None, math.pi])
def test_hash_with_a_non_string_algorithm_is_invalid_arguments(algorithm: Any) -> None:
    err = _intrinsic_error("States.Hash($.v, $.a)", v="x", a=algorithm)
    assert err.cause == "Invalid arguments in States.Hash"


@pytest.mark.parametrize(
    "text",
    [
        "$match($s, /(a|aa)+b/)",
        "$replace($s, /(a|aa)+b/, 'x')",
        "$contains($s, /(a|aa)+b/)",
        "$split($s, /(a|aa)+b/)",
    ],
)
def test_backtracking_regex_times_out_instead_of_blocking(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asl.expressions import jsonata_compat

    monkeypatch.setattr(jsonata_compat, "REGEX_TIMEOUT_SECONDS", 0.05)
    cause = _jsonata_cause(text, s="a" * 5_000)
    assert cause.endswith(
        "D1012: Evaluation timeout after 50 milliseconds. Check for infinite loop"
    )


def test_regex_literals_still_match_as_before() -> None:
    expression = compile_jsonata("{% $match('abcabc', /B(c)/i).groups %}")
    assert expression.evaluate({}, {}) == ["c", "c"]
