"""Intrinsic functions: the parser, every function, and AWS's observed edge cases.

Cases marked "recorded" come from executions recorded on AWS (LocalStack snapshot
tests); cases marked "observed" are AWS results reported by a third-party conformance
suite that runs the same expressions against AWS (intrinsicCases/States.*.ts).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from asl.errors import StatesError
from asl.expressions.intrinsics import (
    FUNCTIONS,
    MAX_NESTING,
    IntrinsicSyntaxError,
    compile_intrinsic,
    is_intrinsic,
)

CONTEXT = {"Execution": {"Input": {"start": 2, "end": 6, "step": 2}, "Name": "exec-name"}}
VARIABLES = {"csv": "a,b,c", "json1": {"a": 1}, "json2": {"b": 2}}


def run(expression: str, data: Any = None) -> Any:
    """Compile and evaluate ``expression`` on ``data``."""
    return compile_intrinsic(expression).evaluate(
        {} if data is None else data, CONTEXT, VARIABLES, field="value.$"
    )


def fails(expression: str, data: Any = None) -> StatesError:
    """The StatesError evaluating ``expression`` raises."""
    with pytest.raises(StatesError) as info:
        run(expression, data)
    return info.value


# --------------------------------------------------------------------------- results


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        # States.Format (recorded: generic.format_1 / format_2)
        ("States.Format('Formatting argument {}.', $.v)", {"v": ""}, "Formatting argument ."),
        ("States.Format('Formatting argument {}.', $.v)", {"v": None}, "Formatting argument null."),
        ("States.Format('Formatting argument {}.', $.v)", {"v": 1.1}, "Formatting argument 1.1."),
        (
            "States.Format('{} and {}', $.v, $.v)",
            {"v": {"Arg1": 1, "Arg2": []}},
            "{Arg1=1, Arg2=[]} and {Arg1=1, Arg2=[]}",
        ),
        ("States.Format('{}', $.v)", {"v": [1, "a", True]}, "[1, a, true]"),
        ("States.Format('no placeholders')", None, "no placeholders"),
        ("States.Format($.t, $.n)", {"t": "Hello {}", "n": "Ada"}, "Hello Ada"),
        ("States.Format('\\{\\} {} it\\'s \\\\', 1)", None, "{} 1 it's \\"),
        ("States.Format('  {}  ', 'x')", None, "  x  "),
        # States.StringToJson (recorded)
        ("States.StringToJson($.s)", {"s": ""}, None),
        ("States.StringToJson($.s)", {"s": " "}, None),
        ("States.StringToJson($.s)", {"s": "-0"}, 0),
        ("States.StringToJson($.s)", {"s": "1.1"}, 1.1),
        ("States.StringToJson($.s)", {"s": '"HelloWorld"'}, "HelloWorld"),
        ("States.StringToJson($.s)", {"s": ' {"a": [1, 2]} '}, {"a": [1, 2]}),
        # States.JsonToString (recorded)
        ("States.JsonToString($.v)", {"v": {"Arg1": 1, "Arg2": []}}, '{"Arg1":1,"Arg2":[]}'),
        ("States.JsonToString($.v)", {"v": "HelloWorld"}, '"HelloWorld"'),
        ("States.JsonToString($.v)", {"v": None}, "null"),
        # States.Array
        ("States.Array()", None, []),
        (
            "States.Array(42, true, false, null, 'hello', -1.5)",
            None,
            [42, True, False, None, "hello", -1.5],
        ),
        ("States.Array( $.a , States.Array(2, 3) )", {"a": 1}, [1, [2, 3]]),
        # States.ArrayPartition (recorded, and observed truncation of 2.4)
        ("States.ArrayPartition($.a, 3)", {"a": [0, 1, 2, 3]}, [[0, 1, 2], [3]]),
        ("States.ArrayPartition($.a, 1)", {"a": []}, []),
        ("States.ArrayPartition($.a, 2.6)", {"a": [1, 2, 3, 4, 5]}, [[1, 2], [3, 4], [5]]),
        ("States.ArrayPartition($.a, 2147483647)", {"a": [1, 2, 3]}, [[1, 2, 3]]),
        # States.ArrayContains (recorded; observed string/number and key-order quirks)
        ("States.ArrayContains($.a, $.v)", {"a": [[1, 2, 3], 2], "v": [1, 2, 3]}, True),
        ("States.ArrayContains($.a, $.v)", {"a": [[1, 2, 3], 2], "v": None}, False),
        ("States.ArrayContains($.a, $.v)", {"a": [], "v": None}, False),
        ("States.ArrayContains($.a, $.v)", {"a": [{"1": 2, "2": []}], "v": []}, False),
        (
            "States.ArrayContains($.a, $.v)",
            {"a": [{"1": 2, "2": []}], "v": {"1": 2, "2": []}},
            True,
        ),
        ("States.ArrayContains($.a, false)", {"a": [True, False]}, True),
        ("States.ArrayContains($.a, false)", {"a": [0, 1]}, False),
        ("States.ArrayContains($.a, null)", {"a": [1, None]}, True),
        ("States.ArrayContains($.a, true)", {"a": ["true"]}, True),
        ("States.ArrayContains($.a, $.v)", {"a": [{"a": 1, "b": 2}], "v": {"b": 2, "a": 1}}, False),
        # States.ArrayRange (documented examples; observed truncation)
        ("States.ArrayRange(1, 9, 2)", None, [1, 3, 5, 7, 9]),
        ("States.ArrayRange(0, 10, 3)", None, [0, 3, 6, 9]),
        ("States.ArrayRange(1, 9, 9)", None, [1]),
        ("States.ArrayRange(5, 1, -2)", None, [5, 3, 1]),
        ("States.ArrayRange(3, 3, -1)", None, [3]),
        ("States.ArrayRange(5, 1, 1)", None, []),
        ("States.ArrayRange(1.6, 1.4, 1)", None, [1]),
        ("States.ArrayRange(5.4, -0.6, -2.4)", None, [5, 3, 1]),
        (
            "States.ArrayRange($$.Execution.Input.start, $$.Execution.Input.end, $$.Execution.Input.step)",
            None,
            [2, 4, 6],
        ),
        # States.ArrayGetItem (observed: fractional index truncated, [] gives null)
        ("States.ArrayGetItem($.a, 1)", {"a": ["a", "b", "c"]}, "b"),
        ("States.ArrayGetItem($.a, 1.2)", {"a": [10, 20, 30]}, 20),
        ("States.ArrayGetItem($.a, 999)", {"a": []}, None),
        ("States.ArrayGetItem(States.Array('x', 'y'), 0)", None, "x"),
        # States.ArrayLength (recorded)
        ("States.ArrayLength($.a)", {"a": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, 9),
        ("States.ArrayLength(States.Array())", None, 0),
        # States.ArrayUnique (observed order: a Java HashSet's)
        ("States.ArrayUnique($.a)", {"a": [1, 2, 3, 3, 3, 4]}, [1, 2, 3, 4]),
        ("States.ArrayUnique($.a)", {"a": ["a", "b", "a", "c", "b"]}, ["a", "b", "c"]),
        ("States.ArrayUnique($.a)", {"a": [True, False, True, False]}, [False, True]),
        ("States.ArrayUnique($.a)", {"a": [[1, 2], [1, 2], [2, 1]]}, [[2, 1], [1, 2]]),
        ("States.ArrayUnique($.a)", {"a": [None, None, 1, None]}, [None, 1]),
        ("States.ArrayUnique($.a)", {"a": [1, "1", "01"]}, [1, "1", "01"]),
        (
            "States.ArrayUnique($.a)",
            {"a": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]},
            [{"a": 1, "b": 2}],
        ),
        # States.Base64Encode / Decode (observed)
        ("States.Base64Encode('hello')", None, "aGVsbG8="),
        ("States.Base64Encode('')", None, ""),
        ("States.Base64Encode($.s)", {"s": "こんにちは"}, "44GT44KT44Gr44Gh44Gv"),
        ("States.Base64Decode('4pyT')", None, "✓"),
        ("States.Base64Decode('')", None, ""),
        ("States.Base64Decode(' YWJjZA== ')", None, "abcd"),
        ("States.Base64Decode(States.Base64Encode($.s))", {"s": "round trip"}, "round trip"),
        # States.Hash (recorded and observed digests)
        ("States.Hash('input data', 'SHA-1')", None, "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        ("States.Hash('input data', 'MD5')", None, "812f45842bc6d66ee14572ce20db8e86"),
        (
            "States.Hash('hello', 'SHA-256')",
            None,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        ),
        (
            "States.Hash('🚀', 'SHA-256')",
            None,
            "ebbc0b2870eb323f2b6cffa5c493ceef81ae7eb36afc73d4e0367301631daec5",
        ),
        (
            "States.Hash(States.Format('{}:{}', 'x', 'y'), 'SHA-256')",
            None,
            "1274e286686b54fe765ec40735665b4bf789cee2a5b22124c5e0491a88e15271",
        ),
        # States.JsonMerge (recorded: shallow)
        (
            "States.JsonMerge($.a, $.b, false)",
            {"a": {"a": {"a1": 1}, "b": 2, "d": 3}, "b": {"a": {"a3": 1}, "c": 3, "d": 4}},
            {"a": {"a3": 1}, "b": 2, "c": 3, "d": 4},
        ),
        ("States.JsonMerge($json1, $json2, false)", None, {"a": 1, "b": 2}),
        ("States.JsonMerge($.a, $.b, 'false')", {"a": {"x": 1}, "b": {}}, {"x": 1}),
        # States.MathAdd (recorded rounding; observed int32 limits)
        ("States.MathAdd($.a, $.b)", {"a": 1.49, "b": 1.5}, 3),
        ("States.MathAdd($.a, $.b)", {"a": -1.5, "b": 0}, -1),
        ("States.MathAdd($.a, $.b)", {"a": -0.5, "b": 0.5}, 1),
        ("States.MathAdd($.a, $.b)", {"a": -1.51, "b": 0}, -2),
        ("States.MathAdd($.a, $.b)", {"a": 2.5, "b": 0}, 3),
        ("States.MathAdd(States.MathAdd($.a, 1), -1)", {"a": 5}, 5),
        ("States.MathAdd(2147483646, 1)", None, 2147483647),
        ("States.MathAdd(-2147483647, -1)", None, -2147483648),
        # States.StringSplit (recorded: every delimiter character splits, empties dropped)
        (
            "States.StringSplit($.s, $.d)",
            {"s": "This.is+a,test=string", "d": ".+,="},
            ["This", "is", "a", "test", "string"],
        ),
        ("States.StringSplit($.s, ',')", {"s": ",,,,"}, []),
        ("States.StringSplit($.s, ',')", {"s": ", , ,"}, [" ", " "]),
        ("States.StringSplit($.s, ',')", {"s": ""}, []),
        ("States.StringSplit($csv, ',')", None, ["a", "b", "c"]),
        ("States.StringSplit($.s, '')", {"s": "abc"}, ["abc"]),
    ],
)
def test_function_result(expression: str, data: Any, expected: Any) -> None:
    assert run(expression, data) == expected


def test_numbers_keep_their_type() -> None:
    result = run("States.Array(1, 1.0, -0, 1e2)")
    assert result == [1, 1.0, 0, 100.0]
    assert [type(v) for v in result] == [int, float, int, float]


def test_uuid_is_version_4() -> None:
    value = run("States.UUID()")
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", value
    )
    assert value != run("States.UUID()")


def test_math_random_stays_in_the_half_open_range() -> None:
    values = {run("States.MathRandom(1, 4)") for _ in range(200)}
    assert values == {1, 2, 3}


def test_math_random_seeded_is_java_util_random() -> None:
    # Observed on AWS: seed 42 over [-5, 5) gives -5 (new java.util.Random(42).nextInt(10) == 0).
    assert run("States.MathRandom(-5, 5, 42)") == -5
    assert run("States.MathRandom(0, 1000, 42)") == _java_next_int(42, 1000)
    assert run("States.MathRandom(10, 1010, -3)") == 10 + _java_next_int(-3, 1000)
    assert run("States.MathRandom(0, 16, 5)") == _java_next_int(5, 16)
    assert run("States.MathRandom(1, 100, 7)") == run("States.MathRandom(1, 100, 7)")


def _java_next_int(seed: int, bound: int) -> int:
    """A second, literal transcription of java.util.Random.nextInt(bound) for the check above."""
    state = (seed ^ 0x5DEECE66D) & ((1 << 48) - 1)
    if bound & (bound - 1) == 0:
        state = (state * 0x5DEECE66D + 0xB) & ((1 << 48) - 1)
        return (bound * (state >> 17)) >> 31
    while True:
        state = (state * 0x5DEECE66D + 0xB) & ((1 << 48) - 1)
        bits = state >> 17
        value = bits % bound
        if bits - value + (bound - 1) < 2**31:
            return value


def test_math_random_truncates_bounds() -> None:
    # Observed on AWS: (1.6, 5.4) can give 1, so bounds are truncated, not rounded.
    values = {run("States.MathRandom(1.6, 5.4)") for _ in range(300)}
    assert values == {1, 2, 3, 4}


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("States.Format('{} {}', $.a)", {"a": "x"}),
        ("States.Format('{}', 'a', 'b')", None),
        ("States.Format('Hello {', 'x')", None),
        ("States.Format('Hello {{}}', 'x')", None),
        ("States.Format('}')", None),
        ("States.Format($.t)", {"t": 123}),
        ("States.StringToJson($.s)", {"s": "{bad json}"}),
        ("States.StringToJson($.s)", {"s": "undefined"}),
        ("States.StringToJson($.s)", {"s": 123}),
        ("States.ArrayPartition('not-array', 2)", None),
        ("States.ArrayPartition($.a, 0.49)", {"a": [1]}),
        ("States.ArrayPartition($.a, -0.6)", {"a": [1]}),
        ("States.ArrayPartition($.a, '2')", {"a": [1]}),
        ("States.ArrayPartition($.a, null)", {"a": [1]}),
        ("States.ArrayContains('not-array', 'x')", None),
        ("States.ArrayRange('a', 5, 1)", None),
        ("States.ArrayRange(1, 10, 0)", None),
        ("States.ArrayRange(1, 10, 0.49)", None),
        ("States.ArrayRange(1, 1001, 1)", None),
        ("States.ArrayRange(1001, 1, -1)", None),
        ("States.ArrayGetItem('not-array', 0)", None),
        ("States.ArrayGetItem($.a, 3)", {"a": [10, 20, 30]}),
        ("States.ArrayGetItem($.a, -1)", {"a": [10, 20, 30]}),
        ("States.ArrayGetItem($.a, '1')", {"a": [10, 20, 30]}),
        ("States.ArrayLength($.o)", {"o": {"k": 1}}),
        ("States.ArrayUnique('not-array')", None),
        ("States.Base64Encode(123)", None),
        ("States.Base64Encode($.s)", {"s": "a" * 10_001}),
        ("States.Base64Decode($.s)", {"s": "A" * 10_001}),
        ("States.Hash($.s, 'SHA-256')", {"s": "a" * 10_001}),
        ("States.Hash('data', 'sha-256')", None),
        ("States.Hash('data', 'SHA256')", None),
        ("States.Hash('hello', 123)", None),
        ("States.JsonMerge($.a, $.b, true)", {"a": {}, "b": {}}),
        ("States.JsonMerge($.a, $.b, false)", {"a": None, "b": {}}),
        ("States.JsonMerge($.a, $.b, false)", {"a": {}, "b": []}),
        ("States.MathRandom(1, 1)", None),
        ("States.MathRandom(10, 5)", None),
        ("States.MathRandom(1.4, 1.6)", None),
        ("States.MathRandom('a', 10)", None),
        ("States.MathRandom(1, 10, null)", None),
        ("States.MathAdd(2147483647, 1)", None),
        ("States.MathAdd(-2147483648, -1)", None),
        ("States.MathAdd(3000000000, 1)", None),
        ("States.MathAdd('1', 2)", None),
        ("States.MathAdd(true, 1)", None),
        ("States.MathAdd(null, 1)", None),
        ("States.MathAdd(-1, $.p)", {"p": [1]}),
        ("States.StringSplit($.s, ',')", {"s": 123}),
        ("States.StringSplit($.s, $.d)", {"s": "a,b", "d": None}),
        ("States.StringSplit($.s, $.d)", {"s": "a,b", "d": [","]}),
    ],
)
def test_invalid_arguments_fail_like_aws(expression: str, data: Any) -> None:
    error = fails(expression, data)
    name = expression.split("(", 1)[0]
    # Observed on AWS: States.Runtime, cause "Invalid arguments in States.X".
    assert error.error == "States.Runtime"
    assert (error.cause or "").startswith(f"Invalid arguments in {name}")


def test_hash_accepts_non_string_data_like_aws() -> None:
    assert run("States.Hash(123, 'MD5')") == run("States.Hash('123', 'MD5')")


def test_missing_path_argument_quotes_the_input() -> None:
    error = fails("States.Base64Encode($.missing)", {})
    assert error.error == "States.Runtime"
    assert "could not be found in the input '{}'" in (error.cause or "")


# --------------------------------------------------------------------------- parser


def test_is_intrinsic() -> None:
    assert is_intrinsic("States.Format('x')")
    assert not is_intrinsic(" States.Format('x')")
    assert not is_intrinsic("$.a")
    assert not is_intrinsic("States.Format")
    assert not is_intrinsic(None)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("States.NoSuch(1)", "unknown intrinsic function 'States.NoSuch'"),
        ("States.MathAdd(1)", "States.MathAdd takes 2 arguments, got 1"),
        ("States.UUID(1)", "States.UUID takes 0 arguments, got 1"),
        ("States.MathRandom(1)", "States.MathRandom takes 2 or 3 arguments, got 1"),
        ("States.Format()", "States.Format takes at least 1 argument, got 0"),
        ("States.ArrayLength($.arr", "missing ')'"),
        ("States.Array(", "missing ')'"),
        ("States.ArrayGetItem($.arr, )", "missing argument"),
        ("States.Array(,1)", "missing argument"),
        ("States.Array($.a) trailing", "unexpected text after the closing parenthesis"),
        ("States.Array('unterminated)", "unterminated string"),
        ("States.Array('bad \\n escape')", "invalid escape"),
        ("States.Array('bad \\\" escape')", "invalid escape"),
        ("States.Array([1,2])", "expected an argument"),
        ("States.Array(1.)", "invalid number"),
        ("States.Array(.5)", "expected an argument"),
        ("States.Array(01)", "invalid number"),
        ("States.Array(1x)", "invalid number"),
        ("States.Array(True)", "expected an argument"),
        ("States.Array(nullx)", "expected an argument"),
        ("States.Array($.a[)", "invalid path argument"),
        ("States.Array 1", "expected '(' after States.Array"),
        (" States.Array()", "expected an intrinsic function name"),
        ("Stat", "expected an intrinsic function name"),
    ],
)
def test_syntax_errors_say_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(IntrinsicSyntaxError) as info:
        compile_intrinsic(expression)
    assert message in str(info.value)
    assert expression in str(info.value)


def test_nesting_limit() -> None:
    ten = "States.Array(" * MAX_NESTING + "1" + ")" * MAX_NESTING
    value = compile_intrinsic(ten).evaluate({}, {}, {})
    for _ in range(MAX_NESTING):
        assert isinstance(value, list) and len(value) == 1
        value = value[0]
    assert value == 1
    eleven = "States.Array(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1)
    with pytest.raises(IntrinsicSyntaxError, match="nested at most 10 deep"):
        compile_intrinsic(eleven)


def test_documented_nine_function_example_compiles() -> None:
    text = (
        "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem("
        "States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem("
        "States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2),"
        " '.'), 1))"
    )
    arn = "arn:aws:imagebuilder:us-east-1:123:image-recipe/recipe/1.2.3"
    assert run(text, {"ImageRecipe": {"Arn": arn}}) == "1.2"


def test_paths_with_filters_commas_and_parentheses_are_arguments() -> None:
    data = {"items": [{"x": 1, "n": "a"}, {"x": 2, "n": "b,c"}]}
    assert run("States.Array($.items[?(@.x > 1)].n, 'z')", data) == [["b,c"], "z"]
    assert run("States.ArrayLength($['items'])", data) == 2


def test_arity_can_be_deferred_to_run_time() -> None:
    # AWS accepts some wrong-arity calls at creation and fails when they run.
    intrinsic = compile_intrinsic("States.StringToJson()", check_arity=False)
    with pytest.raises(StatesError) as info:
        intrinsic.evaluate({}, {}, {})
    assert info.value.error == "States.Runtime"
    assert (info.value.cause or "").startswith("Invalid arguments in States.StringToJson")


def test_every_function_is_registered_with_a_docstring() -> None:
    assert len(FUNCTIONS) == 18
    for name, spec in FUNCTIONS.items():
        assert name.startswith("States.")
        assert spec.function.__doc__


def test_compile_rejects_non_strings() -> None:
    with pytest.raises(IntrinsicSyntaxError):
        compile_intrinsic(5)  # type: ignore[arg-type]
