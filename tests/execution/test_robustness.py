"""Property: any valid definition runs to an Execution; failures are AWS errors, never a
Python exception escaping asl.run."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asl

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["a", "b", ""]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)
    ),
    max_leaves=8,
)
paths = st.sampled_from(
    ["$", "$.a", "$.b", "$.a.b", "$.c[0]", "$[0]", "$.a[*]", "$..a", "$$.State.Name"]
)
reference_paths = st.sampled_from(["$", "$.a", "$.b", "$.a.b", "$.r"])
templates = st.dictionaries(
    st.sampled_from(["x", "y.$", "z.$"]).filter(lambda k: True),
    st.one_of(json_values, paths),
    max_size=2,
).map(
    lambda d: {k: (v if not k.endswith(".$") or isinstance(v, str) else "$") for k, v in d.items()}
)


def _pass(draw: Any, nxt: dict) -> dict:
    state: dict[str, Any] = {"Type": "Pass", **nxt}
    if draw(st.booleans()):
        state["Parameters"] = draw(templates)
    if draw(st.booleans()):
        state["ResultPath"] = draw(st.one_of(reference_paths, st.none()))
    if draw(st.booleans()):
        state["InputPath"] = draw(st.one_of(reference_paths, st.none()))
    if draw(st.booleans()):
        state["OutputPath"] = draw(st.one_of(reference_paths, st.none()))
    return state


@st.composite
def machines(draw: Any) -> dict:
    n = draw(st.integers(1, 4))
    names = [f"S{i}" for i in range(n)]
    states: dict[str, Any] = {}
    for i, name in enumerate(names):
        nxt: dict[str, Any] = {"Next": names[i + 1]} if i + 1 < n else {"End": True}
        kind = draw(st.sampled_from(["Pass", "Choice", "Wait", "Map", "Parallel", "Fail"]))
        if kind == "Choice" and i + 1 < n:
            states[name] = {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": draw(reference_paths),
                        draw(
                            st.sampled_from(
                                ["NumericEquals", "StringEquals", "IsPresent", "IsNull"]
                            )
                        ): draw(st.sampled_from([1, "a", True])),
                        "Next": names[i + 1],
                    }
                ],
                "Default": names[i + 1],
            }
        elif kind == "Wait":
            states[name] = {"Type": "Wait", "Seconds": draw(st.integers(0, 10**6)), **nxt}
        elif kind == "Map":
            states[name] = {
                "Type": "Map",
                "ItemsPath": draw(reference_paths),
                "ItemProcessor": {
                    "StartAt": f"{name}I",
                    "States": {f"{name}I": _pass(draw, {"End": True})},
                },
                **nxt,
            }
        elif kind == "Parallel":
            states[name] = {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": f"{name}B", "States": {f"{name}B": _pass(draw, {"End": True})}}
                ],
                **nxt,
            }
        elif kind == "Fail" and i + 1 == n:
            states[name] = {"Type": "Fail", "ErrorPath": draw(reference_paths), "Cause": "c"}
        else:
            states[name] = _pass(draw, nxt)
    return {"StartAt": names[0], "States": states}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(machines(), json_values)
def test_valid_machines_always_produce_an_execution(definition: dict, data: Any) -> None:
    if any(d.severity == "error" for d in asl.validate(definition)):
        return  # only valid definitions are the subject here
    ex = asl.run(definition, data)
    assert ex.status in ("SUCCEEDED", "FAILED")
    if ex.status == "FAILED":
        assert ex.error is None or isinstance(ex.error, str)
    types = [e["type"] for e in ex.history]
    assert types[0] == "ExecutionStarted" and types[-1].startswith("Execution")


jsonata_fields = st.sampled_from(
    [
        "{% $states.input %}",
        "{% $states.input.a %}",
        "{% $states.input.a + 1 %}",
        "{% $count($states.input) %}",
        "{% $undefinedVariable %}",
        "{% $states.context.State.Name %}",
        "{% [1, 2, 3] %}",
        '{% {"k": $states.input} %}',
    ]
)


def flaky(event: Any, context: Any) -> Any:
    if isinstance(event, dict) and event.get("a") == 1:
        raise ValueError("a is one")
    return event


@st.composite
def jsonata_machines(draw: Any) -> dict:
    n = draw(st.integers(1, 3))
    names = [f"J{i}" for i in range(n)]
    states: dict[str, Any] = {}
    for i, name in enumerate(names):
        nxt: dict[str, Any] = {"Next": names[i + 1]} if i + 1 < n else {"End": True}
        kind = draw(st.sampled_from(["Pass", "Task", "Map", "Choice"]))
        if kind == "Task":
            state: dict[str, Any] = {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Arguments": draw(jsonata_fields),
                **nxt,
            }
            if draw(st.booleans()):
                state["Retry"] = [{"ErrorEquals": ["ValueError"], "MaxAttempts": 2}]
            if draw(st.booleans()):
                state["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": names[-1]}]
        elif kind == "Map":
            state = {
                "Type": "Map",
                "Items": draw(jsonata_fields),
                "ItemProcessor": {
                    "StartAt": f"{name}I",
                    "States": {
                        f"{name}I": {"Type": "Pass", "Output": draw(jsonata_fields), "End": True}
                    },
                },
                **nxt,
            }
        elif kind == "Choice" and i + 1 < n:
            state = {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.a = 1 %}", "Next": names[i + 1]}],
                "Default": names[i + 1],
            }
        else:
            state = {"Type": "Pass", **nxt}
            if draw(st.booleans()):
                state["Output"] = draw(jsonata_fields)
            if draw(st.booleans()):
                state["Assign"] = {"v": draw(jsonata_fields)}
        states[name] = state
    return {"QueryLanguage": "JSONata", "StartAt": names[0], "States": states}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jsonata_machines(), json_values)
def test_valid_jsonata_machines_always_produce_an_execution(definition: dict, data: Any) -> None:
    if any(d.severity == "error" for d in asl.validate(definition)):
        return
    ex = asl.run(definition, data, functions={"flaky": flaky}, strict=False)
    assert ex.status in ("SUCCEEDED", "FAILED")
    assert ex.error is None or isinstance(ex.error, str)
    assert [e["type"] for e in ex.history][-1].startswith("Execution")
