"""The functions Step Functions adds to JSONata, and jsonata-js compatibility of the engine."""

from __future__ import annotations

import hashlib
import math
import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asl.expressions.jsonata import JsonataEvaluationError, JsonataUndefined, compile_jsonata
from asl.expressions.jsonata_compat import js_number_text
from asl.java import JavaRandom


def evaluate(source: str, input: Any = None, variables: dict[str, Any] | None = None) -> Any:  # noqa: A002
    """Evaluate ``{% source %}`` with ``$states.input`` set to ``input``."""
    return compile_jsonata("{% " + source + " %}").evaluate({"input": input}, variables or {})


def error_of(source: str, input: Any = None) -> str:  # noqa: A002
    """The ``CODE: message`` text of the error evaluating ``source`` raises."""
    with pytest.raises(JsonataEvaluationError) as caught:
        evaluate(source, input)
    return caught.value.detail


# --- $random and java.util.Random --------------------------------------------------------


def test_java_random_matches_known_sequences() -> None:
    # new java.util.Random(42).nextDouble() and new Random(0): values printed by a JVM
    assert JavaRandom(42).next_double() == 0.7275636800328681
    generator = JavaRandom(0)
    assert generator.next_double() == 0.730967787376657
    assert generator.next_double() == 0.24053641567148587


def test_random_with_seed() -> None:
    assert evaluate("$random(42)") == 0.7275636800328681
    assert evaluate("$random($s)", variables={"s": 42}) == 0.7275636800328681
    assert evaluate("$random(7) = $random(7)") is True


def test_random_seed_is_truncated_toward_zero() -> None:
    assert evaluate("$random(42.9)") == evaluate("$random(42)")
    assert evaluate("$random(-1.7)") == evaluate("$random(-1)")


def test_random_without_seed_is_in_unit_interval() -> None:
    values = [evaluate("$random()") for _ in range(20)]
    assert all(0 <= value < 1 for value in values)
    assert len(set(values)) > 1


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_java_random_doubles_are_in_unit_interval(seed: int) -> None:
    value = JavaRandom(seed).next_double()
    assert 0 <= value < 1
    # 53 random bits: the double is an exact multiple of 2**-53
    assert (value * 2**53).is_integer()


def test_random_rejects_surplus_and_non_numbers() -> None:
    assert error_of("$random(1, 2)") == (
        'T0410: Argument 2 of function "random" does not match function signature'
    )
    assert error_of("$random('a')").startswith('T0410: Argument 1 of function "random"')


# --- $partition ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$partition([1,2,3,4,5], 2)", [[1, 2], [3, 4], [5]]),
        ("$partition([1,2,3,4], 2)", [[1, 2], [3, 4]]),
        ("$partition([1,2], 5)", [[1, 2]]),
        ("$partition([1,2,3], 1.9)", [[1], [2], [3]]),
        ("$partition([1,2,3])", [[1, 2, 3]]),
        ("$partition([[1],[2]], 1)", [[[1]], [[2]]]),
    ],
)
def test_partition(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


@pytest.mark.parametrize("source", ["$partition([], 2)", "$partition([1], 0)", "$partition($x, 2)"])
def test_partition_undefined_cases(source: str) -> None:
    with pytest.raises(JsonataUndefined):
        evaluate(source)


def test_partition_errors() -> None:
    assert error_of("$partition([1,2], -2)") == "D3137: Second argument must be zero or greater"
    assert error_of("$partition('ab', 1)") == (
        'T0412: Argument 1 of function "partition" must be an array of undefined'
    )
    assert error_of("$partition([1], 'a')").startswith('T0410: Argument 2 of function "partition"')
    assert error_of("$partition([1], 1, 2)").startswith("T0410: Argument 3")


# --- $range ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$range(0, 6, 2)", [0, 2, 4, 6]),
        ("$range(0, 10, 3)", [0, 3, 6, 9]),
        ("$range(5, 1, -2)", [5, 3, 1]),
        ("$range(1, 9, 9)", 1),
        ("$range(3, 3, 1)", 3),
        ("$range(0.9, 3.7, 1.2)", [0, 1, 2, 3]),
        ("[$range(1, 9, 9)]", [1]),
    ],
)
def test_range(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


@pytest.mark.parametrize(
    "source", ["$range(1, 5, 0)", "$range(5, 1, 1)", "$range(1, 5, -1)", "$range(1, 5)"]
)
def test_range_undefined_cases(source: str) -> None:
    with pytest.raises(JsonataUndefined):
        evaluate(source)


def test_range_errors() -> None:
    assert error_of("$range(1, 'a', 1)").startswith('T0410: Argument 2 of function "range"')
    assert error_of("$range(1, 2, 1, 1)").startswith("T0410: Argument 4")


@given(
    st.integers(min_value=-50, max_value=50),
    st.integers(min_value=-50, max_value=50),
    st.integers(min_value=-7, max_value=7).filter(bool),
)
def test_range_agrees_with_python_range(start: int, end: int, step: int) -> None:
    expected = list(range(start, end + (1 if step > 0 else -1), step))
    source = f"[$range({start}, {end}, {step})]"
    if not expected:
        assert evaluate(source) == []
    else:
        assert evaluate(source) == expected


# --- $hash -----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"])
def test_hash_algorithms(algorithm: str) -> None:
    expected = hashlib.new(algorithm.replace("-", "").lower(), "héllo".encode()).hexdigest()
    assert evaluate(f"$hash('héllo', '{algorithm}')") == expected


def test_hash_known_value() -> None:
    assert evaluate("$hash('input', 'SHA-1')") == "140f86aae51ab9e1cda9b4254fe98a74eb54c1a1"


def test_hash_errors_and_undefined() -> None:
    assert error_of("$hash('a', 'sha-1')") == (
        "D3137: Hash algorithm 'sha-1' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5"
    )
    assert error_of("$hash(1, 'MD5')") == (
        'T0410: Argument 1 of function "hash" does not match function signature'
    )
    with pytest.raises(JsonataUndefined):
        evaluate("$hash('a')")


# --- $uuid and $parse ---------------------------------------------------------------------


def test_uuid_is_version_4() -> None:
    value = evaluate("$uuid()")
    assert len(value) == 36 and value[14] == "4" and value[19] in "89ab"
    assert evaluate("$uuid()") != value
    assert error_of("$uuid(1)").startswith('T0410: Argument 1 of function "uuid"')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": [1, 2.5, null, true]}', {"a": [1, 2.5, None, True]}),
        ("[1]", [1]),
        ('"s"', "s"),
        ("3.0", 3),
    ],
)
def test_parse(text: str, expected: Any) -> None:
    assert evaluate("$parse($states.input)", text) == expected


def test_parse_null_is_a_value() -> None:
    assert evaluate("$parse('null')") is None
    assert evaluate("$exists($parse('null'))") is True


@pytest.mark.parametrize("text", ["", "{", "1 2", "NaN", '{"a":1,"a":2}'])
def test_parse_rejects_what_is_not_json(text: str) -> None:
    assert error_of("$parse($states.input)", text) == "D3137: Invalid JSON"


def test_parse_as_a_function_value() -> None:
    assert evaluate("$map($states.input, $parse)", ['{"a":1}', "[2]"]) == [{"a": 1}, [2]]


def test_eval_is_removed() -> None:
    assert error_of("$eval('1')") == "T1006: Attempted to invoke a non-function"


# --- numbers written as JavaScript writes them -------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (100.0, "100"),
        (123.456, "123.456"),
        (0.1, "0.1"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.2345e25, "1.2345e+25"),
        (-2.5e-9, "-2.5e-9"),
        (0.30000000000000004, "0.30000000000000004"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (12, "12"),
        (10**21, "1e+21"),
    ],
)
def test_js_number_text(number: float, text: str) -> None:
    assert js_number_text(number) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_js_number_text_round_trips(number: float) -> None:
    assert float(js_number_text(number)) == number


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_js_number_text_of_any_double_bit_pattern(bits: int) -> None:
    number = struct.unpack("<d", struct.pack("<Q", bits))[0]
    if math.isfinite(number):
        text = js_number_text(number)
        assert float(text) == number
        assert "e+0" not in text and "e-0" not in text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$string(1e20)", "100000000000000000000"),
        ("$string(1e21)", "1e+21"),
        ("$string(1/3)", "0.333333333333333"),
        ("$string(0.1 + 0.2)", "0.3"),
        ("$string(12345678901234567890)", "12345678901234567000"),
        ("$string(5890840712243076)", "5890840712243076"),
        (
            "$string({'a': 1e20, 'b': [1.5e-7, 'é']})",
            '{"a":100000000000000000000,"b":[1.5e-7,"é"]}',
        ),
        ("$string([1, {'a': null}], true)", '[\n  1,\n  {\n    "a": null\n  }\n]'),
        ("$string({}, true)", "{}"),
        ("$string('text')", "text"),
        ("$string(true)", "true"),
        ("$string(null)", "null"),
        ("$string(function() { 1 })", ""),
        ("'n=' & 2.50", "n=2.5"),
        ("'x' & 100000000000000000000", "x100000000000000000000"),
        ("'x' & [1.0, 2]", "x[1,2]"),
    ],
)
def test_string_and_concatenation_follow_jsonata_js(source: str, expected: str) -> None:
    assert evaluate(source) == expected


def test_string_of_input_numbers() -> None:
    assert evaluate("$string($states.input)", {"f": 2.0, "g": 1e16}) == (
        '{"f":2,"g":10000000000000000}'
    )
    assert evaluate("$string($states.input)", 9223372036854775807) == "9223372036854775807"
    assert evaluate("$string($states.input)", 2.0**63) == "9223372036854776000"


# --- arithmetic as doubles ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 / 0", "Infinity"),
        ("-1 / 0", "-Infinity"),
        ("0 / 0", "NaN"),
        ("1e308 * 10", "Infinity"),
        ("[1 / 0]", ["Infinity"]),
        ("5.5 % 2", 1.5),
        ("-5 % 3", -2),
        ("7 % 2", 1),
        ("10 / 4", 2.5),
    ],
)
def test_arithmetic_is_ieee(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


def test_non_finite_operands_are_out_of_range() -> None:
    assert error_of("1 / 0 + 1") == "D1001: Number out of range: null"
    assert error_of("$string(1 / 0)") == (
        "D3001: Attempting to invoke string function on Infinity or NaN"
    )


# --- error messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("$abs(1, 2)", 'T0410: Argument 2 of function "abs" does not match function signature'),
        ("$abs('a')", 'T0410: Argument 1 of function "abs" does not match function signature'),
        ("$number('abc')", 'D3030: Unable to cast value to a number: "abc"'),
        ("-'a'", 'D1002: Cannot negate a non-numeric value: "a"'),
        ("{'a': 1, 'a': 2}", 'D1009: Multiple key definitions evaluate to same key: "a"'),
        (
            "1 < 'a'",
            'T2009: The values 1 and "a" either side of operator "<" must be of the same data type',
        ),
        (
            "$formatBase(10, 40)",
            "D3100: The radix of the formatBase function must be between 2 and 36.  It was given 40",
        ),
        (
            "$toMillis('soon')",
            'D3110: The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given "soon"',
        ),
        (
            "$power(10, 1000)",
            "D3061: The power function has resulted in a value that cannot be represented as a JSON number: base=10, exponent=1000",
        ),
        (
            "$replace('abc', '', 'x')",
            "D3010: Second argument of replace function cannot be an empty string",
        ),
        (
            "$sort([1, 'a'])",
            "D3070: The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
        ),
        ("$error('custom')", "D3137: custom"),
        ("$assert(false, 'nope')", "D3141: nope"),
        (
            "$single([])",
            "D3139: The $single() function expected exactly 1 matching result.  Instead it matched 0.",
        ),
        (
            "$states ~> 1",
            "T2006: The right side of the function application operator ~> must be a function",
        ),
        (
            "[1..'a']",
            "T2004: The right side of the range operator (..) must evaluate to an integer",
        ),
    ],
)
def test_error_messages(source: str, detail: str) -> None:
    assert error_of(source, {"a": 1}) == detail


def test_calling_a_value_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of("$states.input()", 5) == "T1006: Attempted to invoke a non-function"
    assert capsys.readouterr().out == ""


# --- bounds ---------------------------------------------------------------------------------


def test_nesting_depth_is_bounded_as_on_aws() -> None:
    assert evaluate("+".join(["1"] * 100)) == 100
    assert error_of("+".join(["1"] * 101)).startswith("D1011: Stack overflow")
    recursive = "($f := function($n) { $n <= 0 ? 0 : 1 + $f($n - 1) }; $f(N))"
    assert evaluate(recursive.replace("N", "31")) == 31
    assert error_of(recursive.replace("N", "32")).startswith("D1011")


def test_tail_recursion_is_not_bounded_by_depth() -> None:
    assert evaluate("($f := function($n) { $n <= 0 ? 'done' : $f($n - 1) }; $f(2000))") == "done"


def test_runaway_evaluation_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from asl.expressions import jsonata_runtime

    monkeypatch.setattr(jsonata_runtime, "TIMEOUT_SECONDS", 0.05)
    assert error_of("($f := function($n) { $f($n + 1) }; $f(1))") == (
        "D1012: Evaluation timeout after 50 milliseconds. Check for infinite loop"
    )


# --- whatever jsonata-js and the port agree on stays as is --------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$round(2.5)", 2),
        ("$round(3.5)", 4),
        ("$formatNumber(1234.5, '#,##0.00')", "1,234.50"),
        ("$substring('hello', -3, 2)", "ll"),
        ("$keys({'a': 1})", "a"),
        ("$fromMillis(0)", "1970-01-01T00:00:00.000Z"),
        ("$toMillis('2024-01-01T00:00:00.123+01:00')", 1704063600123),
        ("$formatInteger(12, 'w')", "twelve"),
        ("$states.input.p^(>price).n", ["a", "b"]),
        ("$states.input.p{n: price}", {"a": 3, "b": 1}),
        ("$states.input ~> |p|{'q': price * 2}|", None),
    ],
)
def test_core_functions(source: str, expected: Any) -> None:
    data = {"p": [{"price": 3, "n": "a"}, {"price": 1, "n": "b"}]}
    result = evaluate(source, data)
    if expected is None:
        assert result == {"p": [{"price": 3, "n": "a", "q": 6}, {"price": 1, "n": "b", "q": 2}]}
        assert "q" not in data["p"][0]
    else:
        assert result == expected


# --- $sort as jsonata-js sorts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "$sort(['b1', 'a', 'b2', 'c', 'b3'], function($l, $r) { $length($l) > $length($r) })",
            ["a", "c", "b1", "b2", "b3"],
        ),
        ("$sort([5, 3, 9, 1], function($a, $b) { $a < $b })", [9, 5, 3, 1]),
        ("$sort([3, 1, 2])", [1, 2, 3]),
        ("$sort(['b', 'a'])", ["a", "b"]),
        ("$states.input ~> $sort()", [1, 2]),
    ],
)
def test_sort_is_stable_and_swaps_only_on_true(source: str, expected: Any) -> None:
    assert evaluate(source, [2, 1]) == expected


def test_sort_by_key_keeps_the_order_of_equal_keys() -> None:
    data = [{"k": 1, "i": 0}, {"k": 0, "i": 1}, {"k": 1, "i": 2}, {"k": 0, "i": 3}]
    assert evaluate("$sort($states.input, function($l, $r) { $l.k > $r.k }).i", data) == [
        1,
        3,
        0,
        2,
    ]


@pytest.mark.parametrize("source", ["$sort([1, 'a'])", "$sort([[1], [0]])"])
def test_sort_without_comparator_needs_numbers_or_strings(source: str) -> None:
    assert error_of(source).startswith("D3070: The single argument form of the sort function")


@given(st.lists(st.tuples(st.integers(0, 3), st.integers())))
def test_sort_with_comparator_equals_python_stable_sort(pairs: list[tuple[int, int]]) -> None:
    data = [{"k": k, "v": v} for k, v in pairs]
    result = evaluate("[$sort($states.input, function($l, $r) { $l.k > $r.k })]", data)
    assert result == sorted(data, key=lambda item: item["k"])
