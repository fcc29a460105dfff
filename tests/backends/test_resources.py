"""User-registered resource handlers: results, errors named as AWS names them, history."""

from __future__ import annotations

import threading

import pytest

import asl
from asl.backends.base import parse_resource
from asl.backends.resources import ResourceBackend, service_error

SQS = "arn:aws:states:::sqs:sendMessage"


def task(resource: str, **extra: object) -> dict:
    state = {"Type": "Task", "Resource": resource, "End": True, **extra}
    return {"StartAt": "T", "States": {"T": state}}


def test_sync_handler_gets_parameters_and_context_and_runs_in_a_worker_thread():
    seen: dict = {}

    def send(parameters, context):
        seen["thread"] = threading.current_thread() is threading.main_thread()
        seen["state"] = context.state_name
        seen["execution"] = context.execution_arn
        seen["resource"] = context.resource
        return {"MessageId": "m-1", "Echo": parameters["MessageBody"]}

    definition = task(SQS, Parameters={"QueueUrl": "q", "MessageBody.$": "$.body"})
    ex = asl.run(definition, {"body": "hi"}, resources={SQS: send}, name="run-1")
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == {"MessageId": "m-1", "Echo": "hi"}
    assert seen["thread"] is False
    assert seen["state"] == "T" and seen["resource"] == SQS
    assert seen["execution"].endswith(":run-1")
    types = [e["type"] for e in ex.history]
    assert types == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    scheduled = ex.history[2]["taskScheduledEventDetails"]
    assert scheduled["resourceType"] == "sqs" and scheduled["resource"] == "sendMessage"


def test_async_handler_and_aws_sdk_resource():
    arn = "arn:aws:states:::aws-sdk:s3:getObject"

    async def get_object(parameters, context):
        return {"Body": f"{parameters['Bucket']}/{parameters['Key']}"}

    definition = task(arn, Parameters={"Bucket": "b", "Key": "k"})
    ex = asl.run(definition, {}, resources={arn: get_object})
    assert ex.output == {"Body": "b/k"}
    assert ex.history[2]["taskScheduledEventDetails"]["resourceType"] == "aws-sdk:s3"


def test_handler_registered_without_suffix_serves_the_suffixed_resource_and_exact_wins():
    calls: list[str] = []

    def base(parameters, context):
        calls.append("base")
        return 1

    def exact(parameters, context):
        calls.append("exact")
        context.send_task_success({"done": True})
        return {"MessageId": "x"}

    backend = ResourceBackend({SQS: base})
    assert backend.handles(parse_resource(SQS + ".waitForTaskToken"))
    definition = task(
        SQS + ".waitForTaskToken",
        Parameters={"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
    )
    ex = asl.run(definition, {}, resources={SQS: base, SQS + ".waitForTaskToken": exact})
    assert ex.status == "SUCCEEDED", ex.cause
    assert calls == ["exact"]
    assert ex.output == {"done": True}


def test_states_error_from_handler_passes_unchanged_and_is_caught():
    def fail(parameters, context):
        raise asl.StatesError("Custom.Error", "went wrong")

    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": SQS,
                "Catch": [{"ErrorEquals": ["Custom.Error"], "Next": "C"}],
                "End": True,
            },
            "C": {"Type": "Pass", "End": True},
        },
    }
    ex = asl.run(definition, {}, resources={SQS: fail})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"Error": "Custom.Error", "Cause": "went wrong"}
    failed = ex.events("TaskFailed")[0]["taskFailedEventDetails"]
    assert failed == {
        "resourceType": "sqs",
        "resource": "sendMessage",
        "error": "Custom.Error",
        "cause": "went wrong",
    }


class ConditionalCheckFailedException(Exception):
    pass


def test_other_exceptions_are_named_service_dot_exception():
    def put(parameters, context):
        raise ConditionalCheckFailedException("The conditional request failed")

    arn = "arn:aws:states:::dynamodb:putItem"
    ex = asl.run(task(arn), {}, resources={arn: put})
    assert ex.status == "FAILED"
    assert ex.error == "DynamoDB.ConditionalCheckFailedException"
    assert ex.cause == "The conditional request failed"


def test_botocore_style_client_errors_use_the_error_code_with_exception_suffix():
    class ClientError(Exception):
        def __init__(self) -> None:
            super().__init__("An error occurred (NoSuchKey)")
            self.response = {"Error": {"Code": "NoSuchKey", "Message": "The key does not exist"}}

    err = service_error(parse_resource("arn:aws:states:::aws-sdk:s3:getObject"), ClientError())
    assert (err.error, err.cause) == ("S3.NoSuchKeyException", "The key does not exist")
    err = service_error(parse_resource("arn:aws:states:::aws-sdk:sfn:sendTaskSuccess"), KeyError())
    assert err.error == "Sfn.KeyError"


def test_retry_applies_to_handler_errors():
    attempts: list[int] = []

    def flaky(parameters, context):
        attempts.append(context.retry_count)
        if len(attempts) < 3:
            raise TimeoutError("slow")
        return "ok"

    definition = task(SQS, Retry=[{"ErrorEquals": ["SQS.TimeoutError"], "MaxAttempts": 5}])
    ex = asl.run(definition, {}, resources={SQS: flaky})
    assert ex.output == "ok"
    assert attempts == [0, 1, 2]


def test_non_json_result_is_a_clear_runtime_error():
    ex = asl.run(task(SQS), {}, resources={SQS: lambda p, c: {"when": object()}})
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert "not a JSON value" in ex.cause


def test_handler_cannot_mutate_the_recorded_parameters():
    def mutate(parameters, context):
        parameters["QueueUrl"] = "changed"
        return None

    ex = asl.run(task(SQS, Parameters={"QueueUrl": "q"}), {}, resources={SQS: mutate})
    assert '"q"' in ex.history[2]["taskScheduledEventDetails"]["parameters"]


def test_bad_registrations_are_configuration_errors():
    with pytest.raises(asl.ConfigurationError, match="callable"):
        ResourceBackend({SQS: "nope"})  # type: ignore[dict-item]
    with pytest.raises(asl.ConfigurationError, match="Resource ARNs"):
        ResourceBackend([SQS])  # type: ignore[arg-type]


def test_a_bug_in_a_fake_service_handler_names_its_file_and_line():
    def put_item(params, context):
        return {"Item": params["Item"]["id"]}  # KeyError: 'id' (the test's own mistake)

    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "t", "Item": {}},
                "End": True,
            }
        },
    }
    ex = asl.run(definition, {}, resources={"arn:aws:states:::dynamodb:putItem": put_item})
    assert ex.error == "DynamoDB.KeyError"
    assert "KeyError raised at" in ex.cause
    assert f"{__file__}:" in ex.cause and "in put_item" in ex.cause
