"""A handler answering a task token with boto3, as real code does, reaches the waiting
execution in process: no server, no credentials."""

from __future__ import annotations

import json
from typing import Any

import pytest

import asl

boto3 = pytest.importorskip("boto3")

SEND = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"


def definition() -> dict[str, Any]:
    return {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": SEND,
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "Catch": [{"ErrorEquals": ["Rejected"], "Next": "No"}],
                "End": True,
            },
            "No": {"Type": "Pass", "End": True},
        },
    }


def client() -> Any:
    return boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        endpoint_url="http://127.0.0.1:9",  # nothing listens: a call reaching it would fail
    )


def test_send_task_success_from_boto3_completes_the_task() -> None:
    def send(params: Any, context: Any) -> Any:
        token = params["MessageBody"]["token"]
        answer = client().send_task_success(taskToken=token, output=json.dumps({"ok": 1}))
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
        return {"MessageId": "m"}

    ex = asl.run(definition(), {}, resources={"arn:aws:states:::sqs:sendMessage": send})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == {"ok": 1}


def test_send_task_failure_from_boto3_fails_the_task() -> None:
    def send(params: Any, context: Any) -> Any:
        client().send_task_failure(
            taskToken=params["MessageBody"]["token"], error="Rejected", cause="no"
        )
        return {"MessageId": "m"}

    ex = asl.run(definition(), {}, resources={"arn:aws:states:::sqs:sendMessage": send})
    assert ex.status == "SUCCEEDED"
    assert ex.states_entered() == ["Ask", "No"]


def test_a_closed_token_is_refused_as_aws_refuses_it() -> None:
    tokens: list[str] = []

    def send(params: Any, context: Any) -> Any:
        tokens.append(params["MessageBody"]["token"])
        client().send_task_success(taskToken=tokens[0], output="{}")
        return {"MessageId": "m"}

    asl.run(definition(), {}, resources={"arn:aws:states:::sqs:sendMessage": send})
    with pytest.raises(client().exceptions.TaskTimedOut):
        client().send_task_success(taskToken=tokens[0], output="{}")
