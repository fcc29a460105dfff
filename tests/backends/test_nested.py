"""Nested workflows: states:startExecution request-response, .sync, .sync:2, callbacks."""

from __future__ import annotations

import json

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


def test_wait_for_task_token_child_answers_with_aws_sdk_send_task_success():
    child = {
        "StartAt": "Work",
        "States": {
            "Work": {"Type": "Wait", "Seconds": 30, "Next": "Answer"},
            "Answer": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                "Parameters": {
                    "TaskToken.$": "$.token",
                    "Output.$": "States.JsonToString($.value)",
                },
                "End": True,
            },
        },
    }
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
    waiting_child = {
        "StartAt": "W",
        "States": {
            "W": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"MessageBody": {"t.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    async with start(
        parent("arn:aws:states:::states:startExecution"),
        INPUT,
        state_machines={"child": waiting_child},
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
