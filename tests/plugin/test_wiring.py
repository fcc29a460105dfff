"""asl.testing.wiring: functions, mocks and resources no state can use; unknown event types."""

from __future__ import annotations

import pytest

import asl
from asl.testing.wiring import invoked_functions, unknown_event_types, unused_wiring

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
GET_ITEM = "arn:aws:states:::dynamodb:getItem"

MACHINE = {
    "StartAt": "Charge",
    "States": {
        "Charge": {"Type": "Task", "Resource": ARN + "charge:live", "Next": "Notify"},
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "123456789012:function:notify", "Payload": {}},
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Load",
                "States": {"Load": {"Type": "Task", "Resource": GET_ITEM, "End": True}},
            },
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def test_invoked_functions_reads_arns_and_function_names() -> None:
    assert invoked_functions(asl.parse(MACHINE)) == {"charge", "notify"}


def test_a_function_chosen_at_run_time_makes_the_set_unknown() -> None:
    dynamic = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName.$": "$.fn"},
                "End": True,
            }
        },
    }
    assert invoked_functions(dynamic) is None
    assert unused_wiring(dynamic, functions={"anything": print}) == []


def test_everything_used_is_not_reported() -> None:
    assert (
        unused_wiring(
            asl.parse(MACHINE),
            functions={"charge": print, ARN + "notify": print},
            mocks={"Load": {}},
            resources={GET_ITEM: print},
        )
        == []
    )


def test_a_function_no_task_invokes() -> None:
    assert unused_wiring(MACHINE, functions={"chrage": print}) == [
        "functions['chrage']: no Task invokes a Lambda function named 'chrage' "
        "(the definition invokes: charge, notify); did you mean 'charge'?"
    ]


def test_mocks_for_missing_or_non_task_states() -> None:
    assert unused_wiring(MACHINE, mocks=["Lood", "Done"]) == [
        "mocks['Lood']: no state is named 'Lood'; did you mean 'Load'?",
        "mocks['Done']: state 'Done' is a Succeed state; only Task states are mocked",
    ]


def test_a_resource_key_in_the_wrong_case() -> None:
    assert unused_wiring(MACHINE, resources={"arn:aws:states:::dynamodb:getitem": print}) == [
        "resources['arn:aws:states:::dynamodb:getitem']: no Task state has this Resource; "
        f"did you mean {GET_ITEM!r}?"
    ]


def test_resource_keys_without_the_integration_suffix_match() -> None:
    machine = {
        "StartAt": "Job",
        "States": {
            "Job": {
                "Type": "Task",
                "Resource": "arn:aws:states:::batch:submitJob.sync",
                "End": True,
            }
        },
    }
    assert unused_wiring(machine, resources={"arn:aws:states:::batch:submitJob": print}) == []


def test_unknown_event_types() -> None:
    assert unknown_event_types(["TaskStateEntered", "TaskStateEnterd", "Bogus"]) == [
        "'TaskStateEnterd' is not a history event type; did you mean 'TaskStateEntered'?",
        "'Bogus' is not a history event type",
    ]


def test_a_bad_argument_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="expected an asl.StateMachine"):
        unused_wiring("not a machine")
