"""Task states against Python Lambda handlers: result shapes, errors, retries, timeouts."""

from __future__ import annotations

import json
import random
import threading

import pytest

import asl
from asl import ast
from asl.execution.retry import backoff_delay, error_matches

ARN = "arn:aws:lambda:us-east-1:123456789012:function:{}"


def task_machine(resource: str, **fields) -> dict:
    return {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": resource, "End": True, **fields}},
    }


def test_function_arn_returns_the_handler_result_unchanged():
    for value in [None, "HelloWorld", 0.5, True, [], {}, {"a": [1, 2]}]:
        ex = asl.run(task_machine(ARN.format("f")), {}, functions={"f": lambda e, c, v=value: v})
        assert ex.status == "SUCCEEDED" and ex.output == value


def test_function_name_resolves_arns_of_any_account():
    definition = task_machine("arn:aws:lambda:eu-west-1:999999999999:function:echo")
    ex = asl.run(definition, {"x": 1}, functions={"echo": lambda e, c: e})
    assert ex.output == {"x": 1}


def test_lambda_invoke_integration_shape():
    definition = task_machine(
        "arn:aws:states:::lambda:invoke",
        Parameters={"FunctionName": "echo", "Payload.$": "$"},
    )
    ex = asl.run(definition, {"x": 1}, functions={"echo": lambda e, c: {"got": e}})
    out = ex.output
    assert out["Payload"] == {"got": {"x": 1}}
    assert out["StatusCode"] == 200 and out["ExecutedVersion"] == "$LATEST"
    assert out["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert set(out) == {
        "ExecutedVersion",
        "Payload",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
        "StatusCode",
    }
    assert [e["type"] for e in ex.history][2:5] == ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    scheduled = ex.events("TaskScheduled")[0]["taskScheduledEventDetails"]
    assert scheduled["resourceType"] == "lambda" and scheduled["resource"] == "invoke"
    assert json.loads(scheduled["parameters"]) == {"FunctionName": "echo", "Payload": {"x": 1}}


class CustomError(Exception):
    pass


def fail(event, context):
    raise CustomError("it broke")


def test_handler_exception_becomes_error_type_and_json_cause():
    ex = asl.run(task_machine(ARN.format("fail")), {}, functions={"fail": fail})
    assert ex.status == "FAILED" and ex.error == "CustomError"
    cause = json.loads(ex.cause)
    assert cause["errorMessage"] == "it broke" and cause["errorType"] == "CustomError"
    assert isinstance(cause["stackTrace"], list)
    assert '", "' in ex.cause  # the runtime's own spacing for a function ARN
    events = [e["type"] for e in ex.history]
    assert events[2:5] == [
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
    ]


def test_lambda_invoke_error_cause_is_compact_json():
    definition = task_machine(
        "arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "fail", "Payload": {}}
    )
    ex = asl.run(definition, {}, functions={"fail": fail})
    assert ex.error == "CustomError"
    assert '","' in ex.cause and '", "' not in ex.cause


def test_catch_puts_error_output_at_result_path():
    definition = task_machine(
        ARN.format("fail"),
        Catch=[{"ErrorEquals": ["CustomError"], "ResultPath": "$.error", "Next": "Handled"}],
    )
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    ex = asl.run(definition, {"keep": 1}, functions={"fail": fail})
    assert ex.status == "SUCCEEDED"
    assert ex.output["keep"] == 1 and ex.output["error"]["Error"] == "CustomError"
    assert json.loads(ex.output["error"]["Cause"])["errorMessage"] == "it broke"
    assert ex.states_entered() == ["T", "Handled"]


def test_each_retrier_counts_its_own_attempts():
    errors = iter(["A", "B", "C", "B", "B"])
    calls = []

    def flaky(event, context):
        name = next(errors)
        calls.append(name)
        raise type(name, (Exception,), {})("x")

    definition = task_machine(
        ARN.format("flaky"),
        Retry=[
            {"ErrorEquals": ["A", "B"], "MaxAttempts": 2, "IntervalSeconds": 1},
            {"ErrorEquals": ["C"], "MaxAttempts": 5, "IntervalSeconds": 5},
        ],
    )
    ex = asl.run(definition, {}, functions={"flaky": flaky})
    # A (retry 1 of 2), B (retry 2 of 2), C (retry 1 of 5), B: first retrier exhausted -> fail
    assert calls == ["A", "B", "C", "B"]
    assert ex.error == "B"


def test_max_attempts_zero_never_retries():
    calls = []

    def once(event, context):
        calls.append(1)
        raise RuntimeError("no")

    definition = task_machine(
        ARN.format("once"), Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]
    )
    assert asl.run(definition, {}, functions={"once": once}).error == "RuntimeError"
    assert len(calls) == 1


def test_backoff_is_capped_by_max_delay_and_jittered():
    retrier = ast.Retrier(("E",), interval_seconds=2, backoff_rate=3.0, max_delay_seconds=10)
    rng = random.Random(1)
    assert [backoff_delay(retrier, n, rng) for n in (1, 2, 3)] == [2.0, 6.0, 10.0]
    jittered = ast.Retrier(("E",), interval_seconds=4, backoff_rate=2.0, jitter_strategy="FULL")
    delays = [backoff_delay(jittered, 2, random.Random(seed)) for seed in range(20)]
    assert all(0 <= d <= 8 for d in delays) and len(set(delays)) > 1


def test_error_matching_rules():
    assert error_matches(("States.ALL",), "CustomError")
    assert not error_matches(("States.ALL",), "States.Runtime")
    assert error_matches(("States.TaskFailed",), "CustomError")
    assert not error_matches(("States.TaskFailed",), "States.Timeout")
    assert error_matches(("States.Timeout",), "States.Timeout")
    assert not error_matches(("Other",), "CustomError")


def test_states_runtime_is_never_caught():
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "X",
                        "States": {"X": {"Type": "Pass", "InputPath": "$.missing", "End": True}},
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    ex = asl.run(definition, {})
    assert ex.status == "FAILED" and ex.error == "States.Runtime"


def test_task_timeout_gives_states_timeout():
    release = threading.Event()

    def hang(event, context):
        release.wait(10)
        return "late"

    try:
        ex = asl.run(
            task_machine(ARN.format("hang"), TimeoutSeconds=1), {}, functions={"hang": hang}
        )
    finally:
        release.set()
    assert ex.status == "FAILED" and ex.error == "States.Timeout" and ex.cause is None
    assert ex.events("LambdaFunctionTimedOut")[0]["lambdaFunctionTimedOutEventDetails"] == {
        "error": "States.Timeout"
    }


def test_sync_handlers_run_concurrently_in_parallel_branches():
    barrier = threading.Barrier(2, timeout=5)

    def meet(event, context):
        barrier.wait()  # breaks (BrokenBarrierError) unless both run at the same time
        return "met"

    def branch(n: int) -> dict:
        return {
            "StartAt": f"T{n}",
            "States": {f"T{n}": {"Type": "Task", "Resource": ARN.format("meet"), "End": True}},
        }

    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": [branch(1), branch(2)], "End": True}},
    }
    ex = asl.run(definition, {}, functions={"meet": meet})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == ["met", "met"]


def test_async_handlers_are_awaited():
    async def handler(event, context):
        return {"async": event["n"] + 1}

    ex = asl.run(task_machine(ARN.format("a")), {"n": 1}, functions={"a": handler})
    assert ex.output == {"async": 2}


def test_resource_without_backend_fails_with_a_hint():
    ex = asl.run(task_machine("arn:aws:states:::sqs:sendMessage", Parameters={"QueueUrl": "q"}), {})
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert "resources=" in ex.cause


def test_functions_must_be_callables():
    with pytest.raises(asl.ConfigurationError, match="callable"):
        asl.run(task_machine(ARN.format("f")), {}, functions={"f": "not a function"})


def test_context_object_in_task_parameters():
    definition = task_machine(
        ARN.format("echo"),
        Parameters={
            "name.$": "$$.State.Name",
            "retry.$": "$$.State.RetryCount",
            "exec.$": "$$.Execution.Name",
        },
    )
    ex = asl.run(definition, {}, functions={"echo": lambda e, c: e}, name="my-execution")
    assert ex.output == {"name": "T", "retry": 0, "exec": "my-execution"}
    assert ex.arn.endswith(":execution:StateMachine:my-execution")


def test_input_that_is_not_json_is_a_clear_error():
    import datetime

    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    with pytest.raises(asl.ConfigurationError, match="not JSON.*/when"):
        asl.run(definition, {"when": datetime.datetime(2024, 1, 1)})
    with pytest.raises(asl.ConfigurationError, match="keys must be strings"):
        asl.run(definition, {1: "x"})
