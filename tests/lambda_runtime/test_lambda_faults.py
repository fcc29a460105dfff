"""Injected service failures and the legacy timeout payload, for testing Retry policies."""

from __future__ import annotations

import pytest

import asl
from asl.errors import ConfigurationError
from asl.lambda_runtime import LambdaRuntime, LambdaServiceError


def test_injected_service_exception_then_success(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: "ran")
    runtime.inject_fault("f", "ServiceException", count=2)
    for _ in range(2):
        with pytest.raises(LambdaServiceError) as info:
            runtime.invoke("f", {})
        assert (info.value.code, info.value.status_code) == ("ServiceException", 500)
        assert info.value.error == "Lambda.ServiceException"
    assert runtime.invoke("f", {}).json() == "ran"
    assert runtime.get_function("f").stats.invocations == 1


def test_injected_unknown_is_a_function_error_without_type(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: "ran")
    runtime.inject_fault("f", "Unknown")
    result = runtime.invoke("f", {})
    assert result.function_error == "Unhandled"
    assert set(result.json()) == {"errorMessage"}


def test_retry_policy_recovers_from_transient_lambda_errors() -> None:
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "Retry": [
                    {
                        "ErrorEquals": [
                            "Lambda.ServiceException",
                            "Lambda.AWSLambdaException",
                            "Lambda.SdkClientException",
                        ],
                        "IntervalSeconds": 2,
                        "MaxAttempts": 6,
                        "BackoffRate": 2,
                    }
                ],
                "End": True,
            }
        },
    }
    with LambdaRuntime() as runtime:
        runtime.register("f", lambda e, c: {"done": e})
        runtime.inject_fault("f", "ServiceException")
        runtime.inject_fault("f", "AWSLambdaException")
        runtime.inject_fault("f", "SdkClientException")
        execution = asl.run(definition, 1, lambda_runtime=runtime)
    assert (execution.status, execution.output) == ("SUCCEEDED", {"done": 1})


def test_fault_count_must_be_positive(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: None)
    with pytest.raises(ConfigurationError, match="count"):
        runtime.inject_fault("f", count=0)


def test_legacy_timeout_payload_has_no_error_type(packages) -> None:
    with LambdaRuntime(timeout_format="legacy") as runtime:
        runtime.register(
            "spin", code=packages / "hang", handler_name="lambda_function.spin", timeout=1
        )
        result = runtime.invoke("spin", {})
    doc = result.json()
    assert set(doc) == {"errorMessage"}
    assert doc["errorMessage"].endswith(f"Z {result.request_id} Task timed out after 1.00 seconds")
