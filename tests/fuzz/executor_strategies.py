"""Hypothesis strategies for random state machines, inputs and handlers.

Machines are built from every state type in both query languages, with fields that
hold hostile values (huge numbers, wrong types, deep nesting) as often as ordinary ones.
The property `check_execution` states what must hold for any of them.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

import asl

INVOKE = "arn:aws:states:::lambda:invoke"

HUGE = st.sampled_from(
    [10**12, 10**20, 10**400, 1.7e308, -1, -(10**30), 0.5, 2**63, 2**31, 99999999, 1e-300]
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    HUGE,
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(["2020-01-01T00:00:00Z", "*", "[", "{}", "1e999", "NaN", "Infinity"]),
)
JSON = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "c", "items", "s", "t"]), inner, max_size=4),
    ),
    max_leaves=12,
)
PATHS = st.sampled_from(
    ["$", "$.a", "$.b", "$.c", "$.items", "$.s", "$.t", "$.a[0]", "$.a.b", "$$.Execution.Input"]
)
INTRINSICS = st.sampled_from(
    [
        "States.StringToJson($.a)",
        "States.JsonToString($.a)",
        "States.Hash($.a, $.b)",
        "States.ArrayRange($.a, $.b, $.c)",
        "States.MathAdd($.a, $.b)",
        "States.Format('x{}', $.a)",
        "States.ArrayGetItem($.a, $.b)",
        "States.Base64Decode($.a)",
        "States.ArrayPartition($.a, $.b)",
        "States.StringSplit($.a, $.b)",
        "States.ArrayUnique($.a)",
        "States.MathRandom($.a, $.b)",
        "States.UUID()",
        "States.ArrayLength($.a)",
        "States.ArrayContains($.a, $.b)",
    ]
)
JSONATA = st.sampled_from(
    [
        "$states.input",
        "$states.input.a + $states.input.b",
        "$string($states.input.a)",
        "$number($states.input.a)",
        "$states.input.a & $states.input.b",
        "$sift($states.input.a, function($v){$v})",
        "$each($states.input.a, function($v){$v})",
        "$range(0, $states.input.a, 1)",
        "$pad('x', $states.input.a)",
        "$formatBase($states.input.a, $states.input.b)",
        "$count($states.input.a)",
        "$sum($states.input.items)",
        "$keys($states.input)",
        "$states.input.a * 10e300",
        "$power($states.input.a, $states.input.b)",
        "$substring($states.input.a, $states.input.b)",
        "$split($states.input.a, ',')",
        "$parse($states.input.a)",
        "$hash($states.input.a)",
        "{'x': $states.input.a}",
    ]
)


@st.composite
def payload_template(draw: Any, depth: int = 0) -> Any:
    """A JSONPath payload template (Parameters, ResultSelector, ItemSelector)."""
    out: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3, unique=True)):
        kind = draw(st.sampled_from(["const", "path", "intrinsic", "nested"]))
        if kind == "const":
            out[key] = draw(JSON)
        elif kind == "path":
            out[key + ".$"] = draw(PATHS)
        elif kind == "intrinsic":
            out[key + ".$"] = draw(INTRINSICS)
        elif depth < 2:
            out[key] = draw(payload_template(depth + 1))
    return out


def jsonata(expression: str) -> str:
    return "{% " + expression + " %}"


@st.composite
def retry_and_catch(draw: Any, names: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        retrier: dict[str, Any] = {"ErrorEquals": ["States.ALL"]}
        retrier["MaxAttempts"] = draw(st.sampled_from([0, 1, 3, 99999999]))
        retrier["BackoffRate"] = draw(st.sampled_from([1, 2, 2.5]))
        retrier["IntervalSeconds"] = draw(st.sampled_from([1, 60, 99999999]))
        if draw(st.booleans()):
            retrier["MaxDelaySeconds"] = draw(st.sampled_from([1, 3600]))
        if draw(st.booleans()):
            retrier["JitterStrategy"] = "FULL"
        fields["Retry"] = [retrier]
    if names and draw(st.booleans()):
        fields["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": draw(st.sampled_from(names))}]
    return fields


@st.composite
def state(
    draw: Any, language: str, later: list[str], depth: int, counter: list[int]
) -> dict[str, Any]:
    """One state whose transitions go to ``later`` states (so every machine ends); the
    first of ``later`` is always a target, so every state is reachable."""
    kinds = ["Pass", "Wait", "Choice", "Task"] if later else ["Pass", "Task", "Fail", "Succeed"]
    if depth < 2:
        kinds += ["Parallel", "Map"]
    kind = draw(st.sampled_from(kinds))
    body: dict[str, Any] = {"Type": kind}
    jsonpath = language == "JSONPath"
    if kind in ("Pass", "Wait", "Task", "Parallel", "Map"):
        if later:
            body["Next"] = later[0]
        else:
            body["End"] = True
    if kind == "Pass":
        if jsonpath:
            if draw(st.booleans()):
                body["Parameters"] = draw(payload_template())
            if draw(st.booleans()):
                body["Result"] = draw(JSON)
            if draw(st.booleans()):
                body["ResultPath"] = draw(st.one_of(st.none(), PATHS))
        elif draw(st.booleans()):
            body["Output"] = jsonata(draw(JSONATA))
    elif kind == "Wait":
        choice = draw(st.sampled_from(["Seconds", "SecondsPath", "TimestampPath", "Timestamp"]))
        if choice == "Seconds":
            body["Seconds"] = draw(st.integers(0, 99999999)) if jsonpath else jsonata(draw(JSONATA))
        elif choice == "SecondsPath" and jsonpath:
            body["SecondsPath"] = draw(PATHS)
        elif choice == "TimestampPath" and jsonpath:
            body["TimestampPath"] = draw(PATHS)
        else:
            body["Timestamp"] = "2030-01-01T00:00:00Z"
    elif kind == "Choice":
        target = later[0]
        if jsonpath:
            operator = draw(
                st.sampled_from(
                    [
                        ("NumericGreaterThan", draw(HUGE)),
                        ("NumericEqualsPath", draw(PATHS)),
                        ("StringMatches", "*a*a*a*b"),
                        ("StringMatchesPath", draw(PATHS)),
                        ("TimestampGreaterThanPath", draw(PATHS)),
                        ("TimestampLessThan", "2020-01-01T00:00:00Z"),
                        ("IsPresent", True),
                        ("BooleanEqualsPath", draw(PATHS)),
                        ("StringEqualsPath", draw(PATHS)),
                    ]
                )
            )
            rule = {"Variable": draw(PATHS), operator[0]: operator[1], "Next": target}
        else:
            rule = {"Condition": jsonata(draw(JSONATA)), "Next": target}
        body["Choices"] = [rule]
        if draw(st.booleans()):
            body["Default"] = draw(st.sampled_from(later))
    elif kind == "Task":
        body["Resource"] = INVOKE
        if jsonpath:
            body["Parameters"] = {"FunctionName": "fn", "Payload.$": draw(PATHS)}
            if draw(st.booleans()):
                body["TimeoutSecondsPath"] = draw(PATHS)
            if draw(st.booleans()):
                body["ResultSelector"] = draw(payload_template())
        else:
            body["Arguments"] = {"FunctionName": "fn", "Payload": jsonata(draw(JSONATA))}
        body.update(draw(retry_and_catch(later)))
    elif kind == "Fail":
        if jsonpath and draw(st.booleans()):
            body["ErrorPath"] = draw(PATHS)
            body["CausePath"] = draw(st.one_of(PATHS, INTRINSICS))
        else:
            body["Error"] = "Custom"
            body["Cause"] = "c" if jsonpath else jsonata(draw(JSONATA))
    elif kind == "Parallel":
        body["Branches"] = [draw(machine_body(language, depth + 1, counter)) for _ in range(2)]
        body.update(draw(retry_and_catch(later)))
    elif kind == "Map":
        body["ItemProcessor"] = draw(machine_body(language, depth + 1, counter))
        if jsonpath:
            body["ItemsPath"] = draw(PATHS)
            if draw(st.booleans()):
                body["ItemSelector"] = draw(payload_template())
            if draw(st.booleans()):
                body["MaxConcurrencyPath"] = draw(PATHS)
            if draw(st.booleans()):
                # tolerated failures are for distributed Maps
                body["ItemProcessor"]["ProcessorConfig"] = {
                    "Mode": "DISTRIBUTED",
                    "ExecutionType": "STANDARD",
                }
                body["ToleratedFailurePercentagePath"] = draw(PATHS)
        else:
            body["Items"] = jsonata(draw(JSONATA))
            if draw(st.booleans()):
                body["MaxConcurrency"] = jsonata(draw(JSONATA))
        body.update(draw(retry_and_catch(later)))
    return body


@st.composite
def machine_body(
    draw: Any, language: str, depth: int = 0, counter: list[int] | None = None
) -> dict[str, Any]:
    counter = [0] if counter is None else counter
    count = draw(st.integers(1, 4))
    names = []
    for _ in range(count):
        counter[0] += 1  # state names are unique across the whole machine
        names.append(f"S{counter[0]}")
    states = {}
    for i, name in enumerate(names):
        states[name] = draw(state(language, names[i + 1 :], depth, counter))
    return {"StartAt": names[0], "States": states}


@st.composite
def machines(draw: Any) -> dict[str, Any]:
    language = draw(st.sampled_from(["JSONPath", "JSONata"]))
    body = draw(machine_body(language))
    if language == "JSONata":
        body["QueryLanguage"] = "JSONata"
    if draw(st.integers(0, 4)) == 0:
        body["TimeoutSeconds"] = draw(st.sampled_from([1, 60, 3600]))
    return body


HANDLER_OUTCOMES = st.one_of(
    JSON.map(lambda value: ("return", value)),
    st.sampled_from([("raise", ValueError("bad")), ("raise", KeyError("id"))]),
)

# what a cause of an error asl names itself must never show: Python's own words
PYTHON_LEAKS = (
    "Traceback",
    "object has no attribute",
    "<class '",
    "int too large",
    "ssize_t",
    "MemoryError",
    "RecursionError",
    "NoneType",
    "NullValue",
    "TypeError",
    "not subscriptable",
    "unsupported operand",
)


def check_execution(definition: dict[str, Any], data: Any, outcome: tuple[str, Any]) -> None:
    """Whatever the machine and input, asl.run returns an Execution that ended as AWS
    ends executions, and the causes of States.* errors hold no Python text."""
    if asl.validate(definition):
        return
    kind, value = outcome

    def handler(event: Any, context: Any) -> Any:
        if kind == "raise":
            raise value
        return value

    ex = asl.run(definition, data, functions={"fn": handler}, max_history_events=2000, strict=False)
    assert ex.status in ("SUCCEEDED", "FAILED", "TIMED_OUT"), ex.status
    if ex.status == "SUCCEEDED":
        json.dumps(ex.output, allow_nan=False)  # the output is JSON
    if ex.error and ex.error.startswith("States.") and ex.cause:
        for leak in PYTHON_LEAKS:
            assert leak not in ex.cause, (ex.error, ex.cause)
