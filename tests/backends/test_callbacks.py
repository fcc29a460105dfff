"""The callback pattern: tokens, heartbeats, timeouts, stale tokens, handles."""

from __future__ import annotations

import json
from collections import deque

import anyio
import pytest

import asl
from asl.backends.callbacks import (
    InvalidOutput,
    InvalidToken,
    TaskTimedOut,
    send_task_failure,
    send_task_heartbeat,
    send_task_success,
)
from asl.handle import start

pytestmark = pytest.mark.anyio

SQS = "arn:aws:states:::sqs:sendMessage"
WAIT = SQS + ".waitForTaskToken"


def waiting(**extra: object) -> dict:
    state = {
        "Type": "Task",
        "Resource": WAIT,
        "Parameters": {
            "QueueUrl.$": "$.QueueUrl",
            "MessageBody": {"Message.$": "$.Message", "TaskToken.$": "$$.Task.Token"},
        },
        "End": True,
        **extra,
    }
    return {"StartAt": "SendMessageWithWait", "States": {"SendMessageWithWait": state}}


INPUT = {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/q", "Message": "txt"}


def sqs_handler(queue: deque | None = None):
    def send(parameters, context):
        if queue is not None:
            queue.append(parameters["MessageBody"])
        return {"MD5OfMessageBody": "0" * 32, "MessageId": "m-1"}

    return send


async def test_callback_completed_through_the_handle_records_submitted_then_succeeded():
    async with start(waiting(), INPUT, resources={SQS: sqs_handler()}) as handle:
        token = await handle.wait_for_task_token("SendMessageWithWait")
        assert handle.status == "RUNNING"
        assert [e["type"] for e in handle.history][-1] == "TaskSubmitted"
        for _ in range(10):  # recorded case: multiple_heartbeat_notifications
            handle.send_task_heartbeat(token)
        handle.send_task_success(token, {"Message": "txt", "TaskToken": token})
        ex = await handle.result()
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"Message": "txt", "TaskToken": token}
    assert [e["type"] for e in ex.history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    submitted = ex.events("TaskSubmitted")[0]["taskSubmittedEventDetails"]
    assert submitted["resource"] == "sendMessage.waitForTaskToken"
    assert json.loads(submitted["output"])["MessageId"] == "m-1"
    scheduled = json.loads(ex.history[2]["taskScheduledEventDetails"]["parameters"])
    assert scheduled["MessageBody"]["TaskToken"] == token
    # the token is closed now: AWS answers TaskTimedOut
    with pytest.raises(TaskTimedOut):
        send_task_success(token, {})
    with pytest.raises(InvalidToken):
        send_task_success("NoSuchTaskToken", {})


async def test_failure_without_error_or_cause_is_caught_with_nulls():
    definition = waiting(
        Catch=[
            {"ErrorEquals": ["States.Runtime"], "ResultPath": "$.runtime", "Next": "Runtime"},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.states_all_error", "Next": "All"},
        ]
    )
    definition["States"]["Runtime"] = {"Type": "Pass", "End": True}
    definition["States"]["All"] = {"Type": "Pass", "End": True}
    async with start(definition, INPUT, resources={SQS: sqs_handler()}) as handle:
        token = await handle.wait_for_task_token()
        handle.send_task_failure(token)
        ex = await handle.result()
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["states_all_error"]["Error"] is None
    failed = ex.events("TaskFailed")[0]["taskFailedEventDetails"]
    assert failed["resource"] == "sendMessage.waitForTaskToken"


async def test_failure_without_error_is_a_task_failure():
    definition = waiting(Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}])
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    async with start(definition, INPUT, resources={SQS: sqs_handler()}) as handle:
        handle.send_task_failure(await handle.wait_for_task_token())
        ex = await handle.result()
    assert ex.status == "SUCCEEDED" and ex.output["Error"] is None


async def test_failure_with_error_and_cause():
    async with start(waiting(), INPUT, resources={SQS: sqs_handler()}) as handle:
        token = await handle.wait_for_task_token()
        send_task_failure(token, "Failure error", "Failure cause")
        ex = await handle.result()
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Failure error", "Failure cause")


def test_heartbeat_lapse_times_out_in_virtual_time():
    # recorded case heartbeat_no_timeout: HeartbeatSeconds 5, nobody answers
    ex = asl.run(waiting(HeartbeatSeconds=5), INPUT, resources={SQS: sqs_handler()})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "States.Timeout", None)
    assert [e["type"] for e in ex.history][2:] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskTimedOut",
        "ExecutionFailed",
    ]
    timed_out = ex.events("TaskTimedOut")[0]["taskTimedOutEventDetails"]
    assert timed_out == {
        "resourceType": "sqs",
        "resource": "sendMessage.waitForTaskToken",
        "error": "States.Timeout",
    }
    scheduled = ex.history[2]["taskScheduledEventDetails"]
    assert scheduled["heartbeatInSeconds"] == 5
    waited = ex.history[5]["timestamp"] - ex.history[4]["timestamp"]
    assert waited.total_seconds() >= 5


def test_timeout_seconds_without_a_callback():
    # recorded case sqs_wait_for_task_token_no_token_parameter: TimeoutSeconds 5
    definition = waiting(TimeoutSeconds=600, HeartbeatSecondsPath="$.beat")
    ex = asl.run(definition, {**INPUT, "beat": 120}, resources={SQS: sqs_handler()})
    assert ex.error == "States.Timeout"
    waited = ex.history[5]["timestamp"] - ex.history[4]["timestamp"]
    assert 120 <= waited.total_seconds() < 600
    ex = asl.run(waiting(TimeoutSeconds=5), INPUT, resources={SQS: sqs_handler()})
    assert ex.error == "States.Timeout"
    assert ex.events("TaskTimedOut")


def test_heartbeat_timeout_is_retried_and_each_attempt_gets_a_fresh_token():
    tokens: deque = deque()
    definition = waiting(
        HeartbeatSeconds=5,
        Retry=[{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1, "IntervalSeconds": 1}],
    )
    ex = asl.run(definition, INPUT, resources={SQS: sqs_handler(tokens)})
    assert ex.error == "States.Timeout"
    assert len(tokens) == 2 and tokens[0]["TaskToken"] != tokens[1]["TaskToken"]


def test_execution_timeout_ends_a_callback_wait():
    definition = {**waiting(), "TimeoutSeconds": 30}
    ex = asl.run(definition, INPUT, resources={SQS: sqs_handler()})
    assert ex.status == "TIMED_OUT"


def test_a_handler_may_complete_its_own_callback_while_submitting():
    def send(parameters, context):
        context.send_task_heartbeat()
        send_task_success(parameters["MessageBody"]["TaskToken"], "done")
        return {"MessageId": "m"}

    ex = asl.run(waiting(HeartbeatSeconds=1), INPUT, resources={SQS: send})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == "done"
    assert [e["type"] for e in ex.history][4:6] == ["TaskSubmitted", "TaskSucceeded"]


def test_callback_workflow_completed_from_another_task():
    """Branch A waits for a callback; branch B reads the queue and a Lambda function
    completes A's task with SendTaskSuccess."""
    queue: deque = deque()

    def receive(parameters, context):
        if not queue:
            raise asl.StatesError("Sqs.EmptyQueue", "no message yet")
        return {"Messages": [{"Body": json.dumps(queue.popleft())}]}

    def approver(event, context):
        body = json.loads(event["Messages"][0]["Body"])
        send_task_success(body["TaskToken"], {"approved": body["Message"]})
        return {"sent": True}

    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    waiting(HeartbeatSeconds=60),
                    {
                        "StartAt": "Receive",
                        "States": {
                            "Receive": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::aws-sdk:sqs:receiveMessage",
                                "Parameters": {"QueueUrl.$": "$.QueueUrl"},
                                "Retry": [
                                    {
                                        "ErrorEquals": ["Sqs.EmptyQueue"],
                                        "IntervalSeconds": 1,
                                        "MaxAttempts": 10,
                                        "BackoffRate": 1,
                                    }
                                ],
                                "Next": "Approve",
                            },
                            "Approve": {
                                "Type": "Task",
                                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:approver",
                                "End": True,
                            },
                        },
                    },
                ],
                "End": True,
            }
        },
    }
    ex = asl.run(
        definition,
        INPUT,
        resources={SQS: sqs_handler(queue), "arn:aws:states:::aws-sdk:sqs:receiveMessage": receive},
        functions={"approver": approver},
    )
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output == [{"approved": "txt"}, {"sent": True}]


def test_lambda_invoke_wait_for_task_token_handler_completes_its_own_callback():
    def handler(event, context):
        send_task_success(event["token"], {"from": "lambda", "n": event["n"]})
        return {"accepted": True}

    definition = {
        "StartAt": "Invoke",
        "States": {
            "Invoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": "worker",
                    "Payload": {"token.$": "$$.Task.Token", "n.$": "$.n"},
                },
                "HeartbeatSeconds": 30,
                "End": True,
            }
        },
    }
    ex = asl.run(definition, {"n": 7}, functions={"worker": handler})
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output == {"from": "lambda", "n": 7}
    submitted = json.loads(ex.events("TaskSubmitted")[0]["taskSubmittedEventDetails"]["output"])
    assert submitted["Payload"] == {"accepted": True} and submitted["StatusCode"] == 200
    assert ex.events("TaskSubmitted")[0]["taskSubmittedEventDetails"]["resource"] == (
        "invoke.waitForTaskToken"
    )


def test_wait_for_task_token_without_any_submitting_backend_says_what_to_register():
    ex = asl.run(waiting(), INPUT)
    assert ex.error == "States.Runtime"
    assert WAIT in ex.cause and "resources=" in ex.cause


async def test_stop_aborts_with_error_and_cause_and_closes_the_token():
    async with start(waiting(), INPUT, resources={SQS: sqs_handler()}) as handle:
        token = await handle.wait_for_task_token()
        handle.stop("Operator.Stop", "no longer needed")
        ex = await handle.result()
    assert (ex.status, ex.error, ex.cause) == ("ABORTED", "Operator.Stop", "no longer needed")
    assert ex.history[-1]["type"] == "ExecutionAborted"
    with pytest.raises(TaskTimedOut):
        send_task_heartbeat(token)


async def test_leaving_the_block_stops_a_running_execution():
    async with start(waiting(), INPUT, resources={SQS: sqs_handler()}) as handle:
        await handle.wait_for_task_token()
    assert handle.status == "ABORTED"


async def test_invalid_output_and_bad_definitions():
    async with start(waiting(), INPUT, resources={SQS: sqs_handler()}) as handle:
        token = await handle.wait_for_task_token()
        with pytest.raises(InvalidOutput):
            handle.send_task_success(token, {"x": object()})
        handle.send_task_success(token, [1, 2])
        assert (await handle.result()).output == [1, 2]
    with pytest.raises(asl.DefinitionError):
        async with start({"StartAt": "Nope", "States": {}}):
            pass


async def test_wait_for_task_token_raises_when_the_execution_ends_without_one():
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    async with start(definition, {}) as handle:
        with pytest.raises(asl.ASLError, match="without waiting for a task token"):
            await handle.wait_for_task_token("Anything")
        assert (await handle.result()).status == "SUCCEEDED"


async def test_map_of_callbacks_hands_out_each_token_once():
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"QueueUrl": "q", "Message.$": "$$.Map.Item.Value"},
                "ItemProcessor": waiting(),
                "End": True,
            }
        },
    }
    async with start(definition, {"items": ["a", "b", "c"]}, resources={SQS: sqs_handler()}) as h:
        seen = set()
        for _ in range(3):
            token = await h.wait_for_task_token("SendMessageWithWait")
            assert token not in seen
            seen.add(token)
        for i, token in enumerate(sorted(seen)):
            h.send_task_success(token, i)
        ex = await h.result()
    assert ex.status == "SUCCEEDED" and sorted(ex.output) == [0, 1, 2]


async def test_sending_from_a_worker_thread():
    async with start(waiting(), INPUT, resources={SQS: sqs_handler()}) as handle:
        token = await handle.wait_for_task_token()
        await anyio.to_thread.run_sync(send_task_success, token, "from thread")
        assert (await handle.result()).output == "from thread"
