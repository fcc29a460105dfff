"""JSONata expressions and templates: compile, evaluate, errors as AWS words them."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from asl.expressions.jsonata import (
    JsonataEvaluationError,
    JsonataExpression,
    JsonataFieldError,
    JsonataSyntaxError,
    JsonataUndefined,
    JsonataUnsupportedResult,
    compile_jsonata,
    compile_jsonata_template,
    is_jsonata,
)

STATES: dict[str, Any] = {
    "input": {"name": "Ada", "items": [1, 2, 3], "nothing": None, "price": 2.5},
    "context": {"Execution": {"Name": "run-1"}},
}


def evaluate(source: str, variables: dict[str, Any] | None = None) -> Any:
    """Evaluate ``{% source %}`` with the test's $states and the given variables."""
    return compile_jsonata("{% " + source + " %}").evaluate(STATES, variables or {})


# --- recognising expressions ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["{% 1 %}", "{%1%}", "{% $states.input %}", "{%\n$x\n%}", "{%  %}"]
)
def test_strings_between_percent_braces_are_expressions(value: str) -> None:
    assert is_jsonata(value)


@pytest.mark.parametrize(
    "value",
    [" {% 1 %}", "{% 1 %} ", "{% 1 }", "{ % 1 %}", "$states.input", "{%}", 7, None, ["{% 1 %}"]],
)
def test_anything_else_is_a_literal(value: Any) -> None:
    assert not is_jsonata(value)


def test_compiled_expression_keeps_full_text_and_inner_source() -> None:
    expression = compile_jsonata("{%  $states.input.name  %}")
    assert isinstance(expression, JsonataExpression)
    assert expression.text == "{%  $states.input.name  %}"
    assert expression.source == "$states.input.name"


# --- evaluation ------------------------------------------------------------------------------


def test_states_binding_and_variables_are_visible() -> None:
    assert evaluate("$states.input.name & ' ' & $suffix", {"suffix": "L."}) == "Ada L."
    assert evaluate("$states.context.Execution.Name") == "run-1"
    assert evaluate("$sum($states.input.items) + $one", {"one": 1}) == 7


def test_json_null_is_a_value_not_undefined() -> None:
    assert evaluate("$states.input.nothing") is None
    assert evaluate("$v", {"v": None}) is None
    assert evaluate("$exists($v)", {"v": None}) is True
    assert evaluate("$type($states.input.nothing)") == "null"
    assert evaluate("{'a': null, 'b': [null]}") == {"a": None, "b": [None]}


def test_undefined_result_raises() -> None:
    with pytest.raises(JsonataUndefined):
        evaluate("$doesNotExist")
    with pytest.raises(JsonataUndefined):
        evaluate("$states.input.missing")


def test_whole_floats_come_back_as_integers() -> None:
    assert evaluate("3 / 3") == 1
    assert type(evaluate("$sum([1.5, 1.5])")) is int
    assert evaluate("$states.input.price * 2") == 5
    assert evaluate("0.1 + 0.2") == pytest.approx(0.3)


def test_result_is_a_plain_copy() -> None:
    result = evaluate("$states.input")
    assert result == STATES["input"]
    result["name"] = "changed"
    assert STATES["input"]["name"] == "Ada"
    assert type(evaluate("[1, 2]")) is list


def test_sequences_of_one_collapse_like_jsonata_js() -> None:
    assert evaluate("$states.input.items[0]") == 1
    assert evaluate("[$states.input.items[0]]") == [1]


def test_function_result_is_unsupported() -> None:
    with pytest.raises(JsonataUnsupportedResult):
        evaluate("function($x) { $x }")
    with pytest.raises(JsonataUnsupportedResult):
        evaluate("$sum")


def test_evaluation_error_carries_code_and_jsonata_js_message() -> None:
    with pytest.raises(JsonataEvaluationError) as caught:
        evaluate("$randomSeeded(1)")
    assert caught.value.code == "T1006"
    assert str(caught.value) == "T1006: Attempted to invoke a non-function"


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("'a' + 1", 'T2001: The left side of the "+" operator must evaluate to a number'),
        ("1 - 'a'", 'T2002: The right side of the "-" operator must evaluate to a number'),
        ("$sum(['a'])", 'T0412: Argument 1 of function "sum" must be an array of "numbers"'),
    ],
)
def test_error_messages_follow_jsonata_js(source: str, detail: str) -> None:
    with pytest.raises(JsonataEvaluationError) as caught:
        evaluate(source)
    assert caught.value.detail == detail


def test_eval_is_not_available() -> None:
    with pytest.raises(JsonataEvaluationError) as caught:
        evaluate("$eval('1 + 1')")
    assert caught.value.code == "T1006"


def test_now_and_millis_use_the_given_time() -> None:
    expression = compile_jsonata("{% [$now(), $millis()] %}")
    assert expression.evaluate(STATES, {}, now_millis=0) == ["1970-01-01T00:00:00.000Z", 0]


def test_the_time_may_be_given_as_a_function_called_once_and_only_when_read() -> None:
    calls: list[int] = []

    def clock() -> int:
        calls.append(1)
        return 5000 + len(calls)

    reads_time = compile_jsonata("{% [$millis(), $now(), $millis()] %}")
    assert reads_time.evaluate(STATES, {}, now_millis=clock) == [
        5001,
        "1970-01-01T00:00:05.001Z",
        5001,
    ]
    assert len(calls) == 1
    compile_jsonata("{% $states.input %}").evaluate(STATES, {}, now_millis=clock)
    compile_jsonata("{% $sum([1, 2]) %}").evaluate(STATES, {}, now_millis=clock)
    assert len(calls) == 1  # expressions that never read the time never ask for it


# --- compile errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{% 1 + %}", "Unexpected end of expression"),
        ("{% a[1,2) %}", 'Expected "]", got ","'),
        ("{% 'unterminated %}", "String literal must be terminated by a matching quote"),
        ("{%  %}", "Unexpected end of expression"),
    ],
)
def test_syntax_errors_give_the_parser_message(text: str, message: str) -> None:
    with pytest.raises(JsonataSyntaxError) as caught:
        compile_jsonata(text)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_compile_rejects_text_without_delimiters() -> None:
    with pytest.raises(JsonataSyntaxError):
        compile_jsonata("$states.input")


# --- analysis --------------------------------------------------------------------------------


def test_variable_references_exclude_locals_builtins_and_states() -> None:
    expression = compile_jsonata(
        "{% ($n := 1; $map($states.input.items, function($v) { $v + $n + $offset })"
        " ~> $sum() & $name) %}"
    )
    assert expression.variable_references() == {"offset", "name"}


def test_top_level_field_references() -> None:
    expression = compile_jsonata("{% phone & $count(items) & $states.input.a[b > 1].c %}")
    assert expression.top_level_field_references() == ["phone", "items"]
    fine = compile_jsonata("{% $map($states.input, function($v) { $v.x }) & $x.y %}")
    assert fine.top_level_field_references() == []


# --- templates -------------------------------------------------------------------------------


def test_template_evaluates_expressions_at_any_depth() -> None:
    template = compile_jsonata_template(
        {"name": "{% $states.input.name %}", "list": [1, "{% $x %}", {"deep": "{% 2 * 3 %}"}]}
    )
    assert template.dynamic
    assert template.evaluate(STATES, {"x": "X"}, field="Output") == {
        "name": "Ada",
        "list": [1, "X", {"deep": 6}],
    }


def test_static_template_is_returned_as_a_copy() -> None:
    value = {"a": [1, "$not.a.path", "{% 1 %"]}
    template = compile_jsonata_template(value)
    assert not template.dynamic
    result = template.evaluate(STATES, {}, field="Output")
    assert result == value
    result["a"].append(2)
    assert value["a"] == [1, "$not.a.path", "{% 1 %"]


def test_template_undefined_names_the_field_path() -> None:
    template = compile_jsonata_template({"result": "{% $doesNotExist %}"})
    with pytest.raises(JsonataFieldError) as caught:
        template.evaluate(STATES, {}, field="Output")
    assert caught.value.kind == "undefined"
    assert caught.value.location == "Output/result"
    assert caught.value.cause() == (
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' "
        "returned nothing (undefined)."
    )


def test_template_evaluation_error_cause() -> None:
    template = compile_jsonata_template(
        {"FunctionResult": "{% $randomSeeded($states.input.FunctionInput.fst) %}"}
    )
    with pytest.raises(JsonataFieldError) as caught:
        template.evaluate({"input": {"FunctionInput": "fst"}}, {}, field="Output")
    assert caught.value.cause() == (
        "The JSONata expression '$randomSeeded($states.input.FunctionInput.fst)' specified for "
        "the field 'Output/FunctionResult' threw an error during evaluation. "
        "T1006: Attempted to invoke a non-function"
    )


def test_whole_field_expression_location_is_the_field() -> None:
    template = compile_jsonata_template("{% $doesNotExist %}")
    with pytest.raises(JsonataFieldError) as caught:
        template.evaluate(STATES, {}, field="Arguments")
    assert caught.value.location == "Arguments"


def test_unsupported_result_cause() -> None:
    template = compile_jsonata_template({"f": "{% function() { 1 } %}"})
    with pytest.raises(JsonataFieldError) as caught:
        template.evaluate(STATES, {}, field="Output")
    assert caught.value.cause() == (
        "The JSONata expression 'function() { 1 }' specified for the field 'Output/f' "
        "returned an unsupported result type."
    )


def test_array_positions_in_locations() -> None:
    template = compile_jsonata_template({"a": [0, ["{% $nope %}"]]})
    with pytest.raises(JsonataFieldError) as caught:
        template.evaluate(STATES, {}, field="Output")
    assert caught.value.location == "Output/a[1][0]"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "Expected 'array', but was 'boolean' for value: true"),
        (None, "Expected 'array', but was 'null' for value: null"),
        (1, "Expected 'array', but was 'number' for value: 1"),
        ({"foo": "bar"}, """Expected 'array', but was 'object' for value: {"foo":"bar"}"""),
        ("string", """Expected 'array', but was 'string' for value: "string\""""),
    ],
)
def test_type_mismatch_cause(value: Any, shown: str) -> None:
    error = JsonataFieldError.type_mismatch("Items", "$ItemsVar", "array", value)
    assert error.cause() == (
        f"The JSONata expression '$ItemsVar' specified for the field 'Items' returned an "
        f"unexpected result type. {shown}"
    )


def test_template_syntax_error_surfaces_at_compile_time() -> None:
    with pytest.raises(JsonataSyntaxError):
        compile_jsonata_template({"a": ["{% 1 + %}"]})


def test_importing_the_module_does_not_import_the_engine() -> None:
    code = (
        "import sys; import asl.expressions.jsonata as j; "
        "assert 'jsonata' not in sys.modules; "
        "j.compile_jsonata('{% 1 %}'); assert 'jsonata' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("source", "fields"),
    [
        ("x ? y : z", ["x", "y", "z"]),
        ("($a := x; $a)", ["x"]),
        ("[a, b] & -c", ["a", "b", "c"]),
        ("$lookup($states.input, k)", ["k"]),
        ("`top key`", ["top key"]),
        ("a.b.c & a", ["a"]),
        ("$states.input.p^(>price).n", []),
        ("$states.input ~> |p|{'q': price}|", []),
        ("$states.input.(a + b)", []),
        ("$states.input.items[$.price > 1]", []),
        ("$states.input{k: v}", []),
        ("'literal' & 1", []),
    ],
)
def test_top_level_field_reference_shapes(source: str, fields: list[str]) -> None:
    assert compile_jsonata("{% " + source + " %}").top_level_field_references() == fields


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ("$", ["$"]),
        ("$$.a", ["$$"]),
        ("$count($) & $$", ["$", "$$"]),
        ("$states.input.a[$ > 1]", []),
        ("function() { $ }", []),
    ],
)
def test_top_level_context_references(source: str, context: list[str]) -> None:
    assert compile_jsonata("{% " + source + " %}").top_level_context_references() == context


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("$a & $b.c", {"a", "b"}),
        ("$x := 1", set()),
        ("$states.input.p@$o.$o.n & $states.input.p#$i[$i > 0]", set()),
        ("$count($list) + $string($n)", {"list", "n"}),
        ("$ & $$ & $states", set()),
        ("$partition($items, $size)", {"items", "size"}),
    ],
)
def test_variable_reference_shapes(source: str, names: set[str]) -> None:
    assert compile_jsonata("{% " + source + " %}").variable_references() == names


def test_same_text_compiles_once() -> None:
    assert compile_jsonata("{% $states.input.a %}") is compile_jsonata("{% $states.input.a %}")


def test_evaluation_does_not_modify_its_inputs() -> None:
    variables = {"x": [3, 1, 2], "o": {"a": {"b": [1]}}}
    states = {"input": {"l": [1, 2]}}
    for source in (
        "$append($x, 9)",
        "$sort($x)",
        "[$x, 1]",
        "$o ~> |a|{'c': 1}|",
        "$states.input.l ~> $append(3)",
        "$merge([$o, {'z': 1}])",
    ):
        compile_jsonata("{% " + source + " %}").evaluate(states, variables)
    assert variables == {"x": [3, 1, 2], "o": {"a": {"b": [1]}}}
    assert states == {"input": {"l": [1, 2]}}


def test_evaluations_on_several_threads_do_not_mix() -> None:
    import threading

    expression = compile_jsonata("{% $map($states.input, function($v) { $v * $k }) & $now() %}")
    failures: list[Any] = []

    def work(k: int) -> None:
        for _ in range(50):
            result = expression.evaluate({"input": [1, 2]}, {"k": k}, now_millis=k * 1000)
            expected = f"[{k},{2 * k}]1970-01-01T00:00:0{k}.000Z"
            if result != expected:
                failures.append((k, result))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.parametrize(
    ("source", "members"),
    [
        ("$states.input.a & $states.result.Payload", {"input", "result"}),
        ("$states.errorOutput", {"errorOutput"}),
        ("$keys($states)", {""}),
        ("'$states.result is a string'", set()),
        ("$map($states.input, function($v) { $states.context.Map })", {"input", "context"}),
    ],
)
def test_states_references(source: str, members: set[str]) -> None:
    assert compile_jsonata("{% " + source + " %}").states_references() == members


def test_evaluate_field_reports_every_failure_as_a_field_error() -> None:
    for source, kind in (
        ("$nope", "undefined"),
        ("function() { 1 }", "unsupported"),
        ("$foo()", "evaluation"),
    ):
        with pytest.raises(JsonataFieldError) as caught:
            compile_jsonata("{% " + source + " %}").evaluate_field(STATES, {}, field="Seconds")
        assert caught.value.kind == kind
        assert caught.value.location == "Seconds"


def test_uncoded_evaluation_message_follows_a_colon() -> None:
    error = JsonataFieldError("evaluation", "Output", "$x", "something broke")
    assert error.cause() == (
        "The JSONata expression '$x' specified for the field 'Output' threw an error during "
        "evaluation: something broke"
    )


def test_the_process_recursion_limit_is_left_as_it_was() -> None:
    # jsonata-python raises it to 10,000 for good when imported; asl raises it only while
    # the engine parses or evaluates
    code = (
        "import sys\n"
        "before = sys.getrecursionlimit()\n"
        "from asl.expressions.jsonata import compile_jsonata\n"
        "e = compile_jsonata('{% $map([1, 2], function($v) { $v * 2 }) %}')\n"
        "assert e.evaluate({'input': {}}, {}) == [2, 4]\n"
        "print(before, sys.getrecursionlimit())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.split()
    assert after == before


def test_deeply_nested_expressions_still_parse_and_evaluate() -> None:
    depth = 60
    expression = compile_jsonata("{% " + "(" * depth + "1" + ")" * depth + " + 1 %}")
    assert expression.evaluate(STATES, {}) == 2
