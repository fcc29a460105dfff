"""How the Lambda runtime's results and errors surface in a Step Functions execution."""

from __future__ import annotations

import json
import time
from typing import Any

import asl
from asl.lambda_runtime import LambdaRuntime

ARN = "arn:aws:lambda:us-east-1:123456789012:function:slow"


def slow_double(event, context):
    time.sleep(0.2)  # long enough that every Map iteration is in flight at once
    return event * 2


def map_over(items: int, retry: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    task: dict[str, Any] = {"Type": "Task", "Resource": ARN, "End": True}
    if retry:
        task["Retry"] = retry
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": items,
                "ItemProcessor": {"StartAt": "Double", "States": {"Double": task}},
                "End": True,
            }
        },
    }


def test_map_above_reserved_concurrency_is_throttled() -> None:
    with LambdaRuntime() as runtime:
        runtime.register("slow", slow_double, reserved_concurrency=2)
        execution = asl.run(map_over(4), [1, 2, 3, 4], lambda_runtime=runtime)
        assert execution.status == "FAILED"
        assert execution.error == "Lambda.TooManyRequestsException"
        assert execution.cause is not None
        assert execution.cause.startswith(
            "Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: "
            "TooManyRequestsException; Request ID: "
        )
        assert execution.cause.endswith("; Proxy: null)")
        assert runtime.get_function("slow").stats.throttles >= 1


def test_a_retry_gets_throttled_iterations_through() -> None:
    retry = [
        {
            "ErrorEquals": ["Lambda.TooManyRequestsException"],
            "IntervalSeconds": 1,
            "MaxAttempts": 5,
            "BackoffRate": 1,
        }
    ]
    with LambdaRuntime() as runtime:
        runtime.register("slow", slow_double, reserved_concurrency=2)
        # Under the virtual clock too, the back-off waits for running handlers to finish.
        execution = asl.run(map_over(3, retry), [1, 2, 3], lambda_runtime=runtime)
        assert execution.status == "SUCCEEDED"
        assert execution.output == [2, 4, 6]
        stats = runtime.get_function("slow").stats
        assert stats.throttles >= 1
        assert stats.invocations == 3


def test_function_error_becomes_error_type_and_cause() -> None:
    def fail(event, context):
        raise ValueError("bad input")

    with LambdaRuntime() as runtime:
        runtime.register("fail", fail)
        definition = {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:fail",
                    "End": True,
                }
            },
        }
        execution = asl.run(definition, {}, lambda_runtime=runtime)
    assert (execution.status, execution.error) == ("FAILED", "ValueError")
    assert execution.cause is not None
    assert execution.cause.startswith('{"errorMessage": "bad input", "errorType": "ValueError"')
    assert json.loads(execution.cause)["stackTrace"]
