"""Nested workflows: states:startExecution request-response, .sync, .sync:2, callbacks."""

from __future__ import annotations

import json
import time

import pytest

import asl
from asl.handle import start

CHILD_ARN = "arn:aws:states:us-east-1:111111111111:stateMachine:child"
PASS_RESULT = {
    "StartAt": "State_1",
    "States": {"State_1": {"Type": "Pass", "Result": {"Arg1": "argument1"}, "End": True}},
}
RAISE_FAILURE = {
    "StartAt": "FailState",
    "States": {
        "FailState": {
            "Type": "Fail",
            "Error": "SomeFailure",
            "Cause": "This state machines raises a 'SomeFailure' failure.",
        }
    },
}


def parent(resource: str) -> dict:
    return {
        "StartAt": "StartExecution",
        "States": {
            "StartExecution": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {
                    "StateMachineArn.$": "$.StateMachineArn",
                    "Input.$": "$.Input",
                    "Name.$": "$.Name",
                },
                "End": True,
            }
        },
    }


# a child that waits for a callback (through an sqs:sendMessage handler) nobody sends
WAITING_CHILD = {
    "StartAt": "W",
    "States": {
        "W": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}

INPUT = {"StateMachineArn": CHILD_ARN, "Input": None, "Name": "TestStartTarget"}
EXEC_ARN = "arn:aws:states:us-east-1:111111111111:execution:child:TestStartTarget"


def test_start_execution_sync_returns_the_child_description():
    # recorded case callback/start_execution_sync
    ex = asl.run(
        parent("arn:aws:states:::states:startExecution.sync"),
        INPUT,
        state_machines={CHILD_ARN: PASS_RESULT},
    )
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    out = ex.output
    assert list(out) == sorted(out)
    assert {k: v for k, v in out.items() if k not in ("StartDate", "StopDate")} == {
        "ExecutionArn": EXEC_ARN,
        "Input": "{}",
        "InputDetails": {"Included": True},
        "Name": "TestStartTarget",
        "Output": '{"Arg1":"argument1"}',
        "OutputDetails": {"Included": True},
        "StateMachineArn": CHILD_ARN,
        "Status": "SUCCEEDED",
    }
    assert isinstance(out["StartDate"], int) and out["StopDate"] >= out["StartDate"]
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
    submitted = json.loads(ex.events("TaskSubmitted")[0]["taskSubmittedEventDetails"]["output"])
    assert list(submitted) == [
        "ExecutionArn",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
        "StartDate",
    ]
    assert submitted["ExecutionArn"] == EXEC_ARN


def test_start_execution_sync2_parses_input_and_output():
    ex = asl.run(
        parent("arn:aws:states:::states:startExecution.sync:2"),
        INPUT,
        state_machines={"child": PASS_RESULT},
    )
    assert ex.output["Input"] == {} and ex.output["Output"] == {"Arg1": "argument1"}
    assert ex.output["ExecutionArn"] == EXEC_ARN


def test_failed_child_fails_the_sync_task_with_states_task_failed():
    # recorded case callback/start_execution_sync_delegate_failure
    ex = asl.run(
        parent("arn:aws:states:::states:startExecution.sync"),
        INPUT,
        state_machines={CHILD_ARN: RAISE_FAILURE},
    )
    assert (ex.status, ex.error) == ("FAILED", "States.TaskFailed")
    cause = json.loads(ex.cause)
    assert list(cause) == sorted(cause)
    assert {k: v for k, v in cause.items() if k not in ("StartDate", "StopDate")} == {
        "Cause": "This state machines raises a 'SomeFailure' failure.",
        "Error": "SomeFailure",
        "ExecutionArn": EXEC_ARN,
        "Input": "{}",
        "InputDetails": {"Included": True},
        "Name": "TestStartTarget",
        "StateMachineArn": CHILD_ARN,
        "Status": "FAILED",
    }
    failed = ex.events("TaskFailed")[0]["taskFailedEventDetails"]
    assert failed["error"] == "States.TaskFailed" and failed["resource"] == "startExecution.sync"


def test_nested_failure_is_caught_by_states_task_failed_and_retried():
    definition = parent("arn:aws:states:::states:startExecution.sync")
    state = definition["States"]["StartExecution"]
    state["Parameters"].pop("Name.$")
    state["Retry"] = [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1}]
    state["Catch"] = [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handled"}]
    state.pop("End")
    state["Next"] = "Done"
    definition["States"]["Done"] = {"Type": "Succeed"}
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    ex = asl.run(definition, INPUT, state_machines={"child": RAISE_FAILURE})
    assert ex.status == "SUCCEEDED"
    assert ex.output["Error"] == "States.TaskFailed"
    assert json.loads(ex.output["Cause"])["Error"] == "SomeFailure"
    assert len(ex.events("TaskScheduled")) == 2


def test_unregistered_state_machine_is_a_step_functions_error():
    ex = asl.run(parent("arn:aws:states:::states:startExecution.sync"), INPUT)
    assert ex.error == "StepFunctions.StateMachineDoesNotExistException"
    assert ex.cause.startswith(f"State Machine Does Not Exist: '{CHILD_ARN}'")


@pytest.mark.anyio
async def test_request_response_child_runs_beside_the_parent_under_a_handle():
    async with start(
        parent("arn:aws:states:::states:startExecution"),
        {**INPUT, "Input": {"x": 1}},
        state_machines={"child": PASS_RESULT},
    ) as handle:
        ex = await handle.result()
        assert ex.status == "SUCCEEDED"
        assert ex.output["ExecutionArn"] == EXEC_ARN
        assert set(ex.output) == {
            "ExecutionArn",
            "SdkHttpMetadata",
            "SdkResponseMetadata",
            "StartDate",
        }
        children = handle.child_executions
        assert len(children) == 1
        child = children[0]
        assert child.arn == EXEC_ARN and child.input == {"x": 1}


def test_request_response_child_under_run_still_completes_and_names_are_unique():
    seen: list = []

    def record(parameters, context):
        seen.append(context.execution_arn)
        return None

    child = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}
        },
    }
    definition = {
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                "Parameters": {"StateMachineArn": CHILD_ARN, "Input": {"k": "v"}, "Name": "once"},
                "Next": "Again",
            },
            "Again": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                "Parameters": {"StateMachineArn": CHILD_ARN, "Name": "once"},
                "End": True,
            },
        },
    }
    ex = asl.run(
        definition,
        {},
        state_machines={CHILD_ARN: child},
        resources={"arn:aws:states:::sqs:sendMessage": record},
    )
    assert ex.error == "Sfn.ExecutionAlreadyExistsException"
    started = json.loads(ex.events("TaskSucceeded")[0]["taskSucceededEventDetails"]["output"])
    assert set(started) == {"ExecutionArn", "StartDate"}
    assert started["StartDate"].endswith("Z")
    assert seen == ["arn:aws:states:us-east-1:111111111111:execution:child:once"]


def answering_child(seconds: int, output: dict) -> dict:
    """A child that works ``seconds`` then answers the callback of the token in its
    input ($.token) with an aws-sdk:sfn:sendTaskSuccess task (``output``: its Output)."""
    return {
        "StartAt": "Work",
        "States": {
            "Work": {"Type": "Wait", "Seconds": seconds, "Next": "Answer"},
            "Answer": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                "Parameters": {"TaskToken.$": "$.token", **output},
                "End": True,
            },
        },
    }


def test_wait_for_task_token_child_answers_with_aws_sdk_send_task_success():
    child = answering_child(30, {"Output.$": "States.JsonToString($.value)"})
    definition = {
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
                "Parameters": {
                    "StateMachineArn": CHILD_ARN,
                    "Input": {"token.$": "$$.Task.Token", "value.$": "$.value"},
                },
                "HeartbeatSeconds": 600,
                "End": True,
            }
        },
    }
    ex = asl.run(definition, {"value": {"n": 42}}, state_machines={"child": child})
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output == {"n": 42}
    assert [e["type"] for e in ex.history][4:6] == ["TaskSubmitted", "TaskSucceeded"]


def test_send_task_outcome_with_no_such_token():
    # recorded cases services/sfn_send_task_outcome_with_no_such_token_*
    for action, extra in (
        ("sendTaskSuccess", {"Output": "ParameterOutput"}),
        ("sendTaskFailure", {}),
    ):
        definition = {
            "StartAt": "StartExecution",
            "States": {
                "StartExecution": {
                    "Type": "Task",
                    "Resource": f"arn:aws:states:::aws-sdk:sfn:{action}",
                    "Parameters": {**extra, "TaskToken.$": "$$.Execution.Input.TaskToken"},
                    "End": True,
                }
            },
        }
        ex = asl.run(definition, {"TaskToken": "NoSuchTaskToken"})
        assert ex.error == "Sfn.InvalidTokenException"
        assert ex.cause.startswith("Invalid Token: 'Invalid token' (Service: Sfn, Status Code: 400")
        assert ex.cause.endswith("(SDK Attempt Count: 1)")


@pytest.mark.anyio
async def test_children_are_stopped_when_the_handle_closes():
    async with start(
        parent("arn:aws:states:::states:startExecution"),
        INPUT,
        state_machines={"child": WAITING_CHILD},
        resources={"arn:aws:states:::sqs:sendMessage": lambda p, c: {"MessageId": "m"}},
    ) as handle:
        assert (await handle.result()).status == "SUCCEEDED"
        token = await handle.wait_for_task_token("W")
        assert token
    assert handle.child_executions[0].status == "ABORTED"


def test_bad_state_machine_registrations():
    with pytest.raises(asl.ConfigurationError, match=r"state_machines\['broken'\]"):
        asl.run(PASS_RESULT, {}, state_machines={"broken": {"StartAt": "X", "States": {}}})


def test_sync_task_ended_early_by_send_task_success_on_its_token():
    # recorded case callback/sync_with_task_token: the child forwards the parent's
    # $$.Task.Token to a queue whose consumer calls SendTaskSuccess
    child = {
        "StartAt": "Send",
        "States": {
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl.$": "$.QueueUrl", "MessageBody.$": "$"},
                "Next": "Wait",
            },
            "Wait": {"Type": "Wait", "Seconds": 3600, "End": True},
        },
    }
    definition = {
        "StartAt": "StartExecution",
        "States": {
            "StartExecution": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync",
                "Parameters": {
                    "StateMachineArn.$": "$.StateMachineArn",
                    "Name.$": "$.Name",
                    "Input": {"QueueUrl.$": "$.QueueUrl", "TaskToken.$": "$$.Task.Token"},
                },
                "End": True,
            }
        },
    }
    tokens: list = []

    def consumer(parameters, context):
        token = parameters["MessageBody"]["TaskToken"]
        tokens.append(token)
        if token:
            from asl.backends.callbacks import send_task_success

            send_task_success(token, "SQS_SEND_MESSAGE_AND_WAIT")
        return {"MessageId": "m"}

    ex = asl.run(
        definition,
        {"StateMachineArn": CHILD_ARN, "Name": "TestStartTarget", "QueueUrl": "q"},
        state_machines={"child": child},
        resources={"arn:aws:states:::sqs:sendMessage": consumer},
    )
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output == "SQS_SEND_MESSAGE_AND_WAIT"
    assert [e["type"] for e in ex.history][4:6] == ["TaskSubmitted", "TaskSucceeded"]


# -- HeartbeatSeconds / TimeoutSeconds on .sync tasks ------------------------------------
# A job-run (.sync) task may be heartbeated on its $$.Task.Token (SendTaskHeartbeat API
# reference: "optionally Task states using the job run pattern"); without a heartbeat in
# time it ends with TaskTimedOut / States.Timeout, which States.HeartbeatTimeout matches.

SQS = "arn:aws:states:::sqs:sendMessage"


def sync_parent(resource: str = "arn:aws:states:::states:startExecution.sync", **fields) -> dict:
    """A parent whose .sync task passes its token to the child; States.HeartbeatTimeout
    is caught into Caught."""
    return {
        "StartAt": "Job",
        "States": {
            "Job": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"StateMachineArn": CHILD_ARN, "Input": {"token.$": "$$.Task.Token"}},
                "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Caught"}],
                "Next": "Done",
                **fields,
            },
            "Caught": {"Type": "Pass", "End": True},
            "Done": {"Type": "Succeed"},
        },
    }


def beating_child(waits: list[int]) -> dict:
    """A child that sends a heartbeat (through the sqs:sendMessage handler) before each Wait."""
    states: dict = {}
    for i, seconds in enumerate(waits):
        last = i == len(waits) - 1
        states[f"Beat{i}"] = {
            "Type": "Task",
            "Resource": SQS,
            "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$.token"}},
            "ResultPath": None,
            "Next": f"Wait{i}",
        }
        states[f"Wait{i}"] = {"Type": "Wait", "Seconds": seconds}
        states[f"Wait{i}"].update({"End": True} if last else {"Next": f"Beat{i + 1}"})
    return {"StartAt": "Beat0", "States": states}


def heartbeater(beat: bool = True, sent: list | None = None):
    """An sqs:sendMessage handler that heartbeats the token in the message (if ``beat``)."""

    def handler(parameters, context):
        if beat:
            from asl.backends.callbacks import send_task_heartbeat

            send_task_heartbeat(parameters["MessageBody"]["token"])
            if sent is not None:
                sent.append(parameters["MessageBody"]["token"])
        return {"MessageId": "m"}

    return handler


def seconds_between(ex, first: str, second: str) -> float:
    """Seconds of execution time from the first ``first`` event to the first ``second``."""
    return (ex.events(second)[0]["timestamp"] - ex.events(first)[0]["timestamp"]).total_seconds()


def test_sync_child_outliving_the_heartbeat_times_the_task_out():
    child = {"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    ex = asl.run(sync_parent(HeartbeatSeconds=60), {}, state_machines={"child": child})
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert [e["type"] for e in ex.history][2:7] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskTimedOut",
        "TaskStateExited",
    ]
    assert ex.events("TaskTimedOut")[0]["taskTimedOutEventDetails"] == {
        "resourceType": "states",
        "resource": "startExecution.sync",
        "error": "States.Timeout",
    }
    assert ex.events("TaskScheduled")[0]["taskScheduledEventDetails"]["heartbeatInSeconds"] == 60
    assert ex.output["Error"] == "States.Timeout"
    # the task timed out when the heartbeat lapsed, not when the child ended
    assert 60 <= seconds_between(ex, "TaskScheduled", "TaskTimedOut") < 3600


def test_sync_heartbeat_lapse_is_not_caught_without_a_matching_catcher():
    child = {"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    definition = sync_parent(HeartbeatSeconds=60)
    definition["States"]["Job"]["Catch"] = [
        {"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}
    ]
    ex = asl.run(definition, {}, state_machines={"child": child})
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "States.Timeout", None)


@pytest.mark.parametrize("resource_suffix", [".sync", ".sync:2"])
def test_sync_child_heartbeating_in_time_succeeds(resource_suffix):
    sent: list = []
    ex = asl.run(
        sync_parent(
            "arn:aws:states:::states:startExecution" + resource_suffix, HeartbeatSeconds=60
        ),
        {},
        state_machines={"child": beating_child([50, 50, 50])},
        resources={SQS: heartbeater(sent=sent)},
    )
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert not ex.events("TaskTimedOut")
    assert len(sent) == 3 and len(set(sent)) == 1  # the parent's one token
    described = json.loads(ex.events("TaskSucceeded")[-1]["taskSucceededEventDetails"]["output"])
    assert described["Status"] == "SUCCEEDED"
    assert seconds_between(ex, "TaskScheduled", "TaskSucceeded") >= 150


def test_sync_child_heartbeating_too_rarely_times_out_at_the_lapse():
    ex = asl.run(
        sync_parent(HeartbeatSeconds=60),
        {},
        state_machines={"child": beating_child([50, 70, 50])},
        resources={SQS: heartbeater()},
    )
    assert ex.output["Error"] == "States.Timeout"
    # beats at 0 and 50: the lapse is at 110, before the third beat (120)
    assert 110 <= seconds_between(ex, "TaskScheduled", "TaskTimedOut") < 120


def test_sync_handler_that_does_not_heartbeat_times_out():
    ex = asl.run(
        sync_parent(HeartbeatSeconds=60),
        {},
        state_machines={"child": beating_child([50, 50, 50])},
        resources={SQS: heartbeater(beat=False)},
    )
    assert ex.output["Error"] == "States.Timeout"


def test_sync_child_heartbeating_with_the_sfn_sdk_task():
    child = {
        "StartAt": "Beat",
        "States": {
            "Beat": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat",
                "Parameters": {"TaskToken.$": "$.token"},
                "ResultPath": None,
                "Next": "Pause",
            },
            "Pause": {"Type": "Wait", "Seconds": 45, "Next": "Again"},
            "Again": {"Type": "Pass", "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "IsPresent": True, "Next": "End"}],
                "Default": "Mark",
            },
            "Mark": {"Type": "Pass", "Result": 1, "ResultPath": "$.n", "Next": "Beat"},
            "End": {"Type": "Succeed"},
        },
    }
    ex = asl.run(sync_parent(HeartbeatSeconds=60), {}, state_machines={"child": child})
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.events("TaskSucceeded") and not ex.events("TaskTimedOut")


def test_blocked_sync_child_times_out_and_is_stopped():
    # the child waits for a callback nobody sends: the heartbeat lapse is the earliest
    # deadline, so virtual time jumps there and the child is stopped
    ex = asl.run(
        sync_parent(HeartbeatSeconds=60),
        {},
        state_machines={"child": WAITING_CHILD},
        resources={SQS: lambda p, c: {"MessageId": "m"}},
    )
    assert ex.output["Error"] == "States.Timeout"
    assert 60 <= seconds_between(ex, "TaskScheduled", "TaskTimedOut") < 120


@pytest.mark.anyio
async def test_blocked_sync_child_under_a_handle_is_aborted_after_the_timeout():
    definition = sync_parent(TimeoutSeconds=300)
    async with start(
        definition,
        {},
        state_machines={"child": WAITING_CHILD},
        resources={SQS: lambda p, c: {"MessageId": "m"}},
    ) as handle:
        ex = await handle.result()
        assert (ex.status, ex.error) == ("FAILED", "States.Timeout")  # not a heartbeat lapse
        assert seconds_between(ex, "TaskScheduled", "TaskTimedOut") >= 300
        assert [c.status for c in handle.child_executions] == ["ABORTED"]


@pytest.mark.anyio
async def test_sync_token_is_handed_out_and_heartbeats_or_failures_reach_the_task():
    async with start(
        sync_parent(HeartbeatSeconds=60),
        {},
        state_machines={"child": WAITING_CHILD},
        resources={SQS: lambda p, c: {"MessageId": "m"}},
    ) as handle:
        token = await handle.wait_for_task_token("Job")
        assert [t.state_name for t in handle.pending_tasks("Job")] == ["Job"]
        handle.send_task_heartbeat(token)
        handle.send_task_failure(token, "Job.Cancelled", "by the test")
        ex = await handle.result()
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Job.Cancelled", "by the test")
    assert [c.status for c in handle.child_executions] == ["ABORTED"]
    with pytest.raises(asl.backends.callbacks.TaskTimedOut):
        handle.send_task_heartbeat(token)


def test_callback_answered_after_the_heartbeat_lapsed_times_out():
    # the child answers after an hour of virtual time: the parent's heartbeat lapsed first
    child = answering_child(3600, {"Output": "{}"})
    definition = sync_parent(
        "arn:aws:states:::states:startExecution.waitForTaskToken", HeartbeatSeconds=600
    )
    ex = asl.run(definition, {}, state_machines={"child": child})
    assert ex.output["Error"] == "States.Timeout"
    assert 600 <= seconds_between(ex, "TaskSubmitted", "TaskTimedOut") < 3600


def test_sync_heartbeat_lapse_under_the_real_clock():
    # HeartbeatSeconds 1: the child's 3-second Wait outlives it (about one real second)
    child = {"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 3, "End": True}}}
    ex = asl.run(sync_parent(HeartbeatSeconds=1), {}, state_machines={"child": child}, clock="real")
    assert ex.output["Error"] == "States.Timeout"
    assert ex.events("TaskTimedOut")


def test_sync_child_heartbeating_under_the_real_clock_succeeds():
    # three beats 0.5 s apart keep a 1-second heartbeat alive for about 1.5 s
    def beat_then_work(parameters, context):
        heartbeater()(parameters, context)
        time.sleep(0.5)
        return {"MessageId": "m"}

    beat = {k: v for k, v in beating_child([1])["States"]["Beat0"].items() if k != "Next"}
    child = {
        "StartAt": "Beat0",
        "States": {
            "Beat0": {**beat, "Next": "Beat1"},
            "Beat1": {**beat, "Next": "Beat2"},
            "Beat2": {**beat, "End": True},
        },
    }
    ex = asl.run(
        sync_parent(HeartbeatSeconds=1),
        {},
        state_machines={"child": child},
        resources={SQS: beat_then_work},
        clock="real",
    )
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert not ex.events("TaskTimedOut")
    assert seconds_between(ex, "TaskScheduled", "TaskSucceeded") > 1
