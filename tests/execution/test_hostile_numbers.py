"""Hostile numbers and operands end an execution with an AWS error, never a Python one."""

from __future__ import annotations

from typing import Any

import pytest

import asl

TASK = "arn:aws:states:::lambda:invoke"


def wait_path(then_pass: bool = False) -> dict[str, Any]:
    wait: dict[str, Any] = {"Type": "Wait", "SecondsPath": "$.s"}
    states: dict[str, Any] = {"W": wait}
    if then_pass:
        wait["Next"] = "P"
        states["P"] = {"Type": "Pass", "End": True}
    else:
        wait["End"] = True
    return {"StartAt": "W", "States": states}


@pytest.mark.parametrize("seconds", [10**20, 10**400, 1.7e308, 1e20])
def test_seconds_path_beyond_a_java_long_is_not_a_long_value(seconds: Any) -> None:
    ex = asl.run(wait_path(), {"s": seconds})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert "The SecondsPath parameter cannot be parsed as a long value: $.s ==" in ex.cause


@pytest.mark.parametrize("seconds", [10**12, 24_856 * 86400])
def test_a_wait_past_24855_days_is_too_long(seconds: int) -> None:
    ex = asl.run(wait_path(then_pass=True), {"s": seconds})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert ex.cause.endswith("Wait state delay is too long.")


def test_a_wait_beyond_the_one_year_execution_limit_times_out() -> None:
    ex = asl.run(wait_path(then_pass=True), {"s": 400 * 86400})
    assert (ex.status, ex.error) == ("TIMED_OUT", "States.Timeout")


@pytest.mark.parametrize("max_delay", [None, 3600])
def test_retry_back_off_past_float_range_ends_in_a_timeout(max_delay: int | None) -> None:
    retrier: dict[str, Any] = {"ErrorEquals": ["States.ALL"], "MaxAttempts": 99999999}
    retrier["BackoffRate"] = 2
    if max_delay is not None:
        retrier["MaxDelaySeconds"] = max_delay
        retrier["BackoffRate"] = 1.5
        retrier["MaxAttempts"] = 20
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": TASK,
                "Parameters": {"FunctionName": "f"},
                "Retry": [retrier],
                "End": True,
            }
        },
    }

    def fails(params: Any, context: Any) -> Any:
        raise RuntimeError("down")

    ex = asl.run(definition, {}, resources={TASK: fails}, max_history_events=None)
    if max_delay is None:
        assert (ex.status, ex.error) == ("TIMED_OUT", "States.Timeout")
    else:
        assert (ex.status, ex.error) == ("FAILED", "Lambda.RuntimeError")
        waits = [e["timestamp"] for e in ex.events("TaskScheduled")]
        assert max((b - a).total_seconds() for a, b in zip(waits, waits[1:], strict=False)) <= 3601


def test_a_timeout_seconds_path_of_ten_to_the_400_is_no_limit() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": TASK,
                "TimeoutSecondsPath": "$.t",
                "Parameters": {"FunctionName": "f"},
                "End": True,
            }
        },
    }
    ex = asl.run(definition, {"t": 10**400}, resources={TASK: lambda p, c: {"ok": 1}})
    assert ex.status == "SUCCEEDED", ex.cause


@pytest.mark.parametrize("state_type", ["Parallel", "Map"])
def test_machine_timeout_while_a_parallel_or_map_runs_is_timed_out(state_type: str) -> None:
    inner = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    state: dict[str, Any] = {"Type": state_type, "End": True}
    if state_type == "Parallel":
        state["Branches"] = [inner, inner]
    else:
        state["ItemProcessor"] = inner
    definition = {"StartAt": "S", "TimeoutSeconds": 1, "States": {"S": state}}
    ex = asl.run(definition, [1, 2])
    assert (ex.status, ex.error) == ("TIMED_OUT", "States.Timeout")
    assert ex.history[-1]["type"] == "ExecutionTimedOut"


@pytest.mark.parametrize("operand", [[1], 5, {"a": 1}, True, None])
def test_timestamp_path_operands_that_are_not_strings_compare_false(operand: Any) -> None:
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.a", "TimestampGreaterThanPath": "$.b", "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "End": True},
            "No": {"Type": "Pass", "End": True},
        },
    }
    ex = asl.run(definition, {"a": "2020-01-01T00:00:00Z", "b": operand})
    assert ex.status == "SUCCEEDED"
    assert ex.states_entered() == ["C", "No"]


def test_a_jsonata_max_concurrency_of_the_wrong_type_is_a_query_evaluation_error() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": "{% {'a': 1} %}",
                "End": True,
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
            }
        },
    }
    ex = asl.run(definition, [1])
    assert (ex.status, ex.error) == ("FAILED", "States.QueryEvaluationError")
    assert "Expected 'integer', but was 'object'" in ex.cause


def test_a_too_deep_input_is_named_as_the_input() -> None:
    deep: Any = []
    for _ in range(600):
        deep = [deep]
    with pytest.raises(asl.ConfigurationError, match="execution input"):
        asl.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, deep)
