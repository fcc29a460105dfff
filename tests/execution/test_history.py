"""History events: types, order, ids, previousEventId links and details shapes."""

from __future__ import annotations

import json

import pytest

import asl


def machine(states: dict, start: str | None = None) -> dict:
    return {"StartAt": start or next(iter(states)), "States": states}


def types(ex: asl.Execution) -> list[str]:
    return [e["type"] for e in ex.history]


def test_pass_chain_records_entered_and_exited_with_json_text_payloads():
    ex = asl.run(
        machine({"A": {"Type": "Pass", "Result": {"x": 1}, "Next": "B"}, "B": {"Type": "Succeed"}}),
        {"in": "put"},
    )
    assert types(ex) == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    started, entered, exited = ex.history[0], ex.history[1], ex.history[2]
    assert [e["id"] for e in ex.history] == list(range(1, 7))
    assert started["previousEventId"] == 0 and entered["previousEventId"] == 0
    assert exited["previousEventId"] == entered["id"]
    assert json.loads(started["executionStartedEventDetails"]["input"]) == {"in": "put"}
    assert entered["stateEnteredEventDetails"]["name"] == "A"
    assert json.loads(exited["stateExitedEventDetails"]["output"]) == {"x": 1}
    assert exited["stateExitedEventDetails"]["outputDetails"] == {"truncated": False}
    assert json.loads(ex.history[-1]["executionSucceededEventDetails"]["output"]) == {"x": 1}


def test_fail_state_has_no_exited_event():
    ex = asl.run(machine({"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}))
    assert types(ex) == ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    assert ex.history[-1]["executionFailedEventDetails"] == {"error": "E", "cause": "C"}


def test_map_records_iterations_with_index_and_state_name():
    ex = asl.run(
        machine(
            {
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": 1,
                    "ItemProcessor": {
                        "StartAt": "P",
                        "States": {"P": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                }
            }
        ),
        [1, 2],
    )
    assert types(ex) == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapIterationStarted",
        "PassStateEntered",
        "PassStateExited",
        "MapIterationSucceeded",
        "MapIterationStarted",
        "PassStateEntered",
        "PassStateExited",
        "MapIterationSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    started = ex.events("MapStateStarted")[0]
    assert started["mapStateStartedEventDetails"] == {"length": 2}
    iterations = ex.events("MapIterationStarted")
    assert [e["mapIterationStartedEventDetails"] for e in iterations] == [
        {"name": "M", "index": 0},
        {"name": "M", "index": 1},
    ]


def test_parallel_failure_records_parallel_state_failed_then_execution_failed():
    ex = asl.run(
        machine(
            {
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom"}}}
                    ],
                    "End": True,
                }
            }
        )
    )
    assert types(ex) == [
        "ExecutionStarted",
        "ParallelStateEntered",
        "ParallelStateStarted",
        "FailStateEntered",
        "ParallelStateFailed",
        "ExecutionFailed",
    ]
    assert ex.error == "Boom"


def test_assigned_variables_are_recorded_as_json_text():
    ex = asl.run(machine({"A": {"Type": "Pass", "Assign": {"n": 1, "s": "text"}, "End": True}}))
    details = ex.events("PassStateExited")[0]["stateExitedEventDetails"]
    assert details["assignedVariables"] == {"n": "1", "s": '"text"'}
    assert details["assignedVariablesDetails"] == {"truncated": False}


def test_states_entered_lists_the_path_taken():
    ex = asl.run(
        machine(
            {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "Yes"}],
                    "Default": "No",
                },
                "Yes": {"Type": "Succeed"},
                "No": {"Type": "Succeed"},
            }
        ),
        {"go": True},
    )
    assert ex.states_entered() == ["C", "Yes"]


def test_history_limit_fails_the_execution():
    loop = machine(
        {
            "Loop": {"Type": "Pass", "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
                "Default": "Loop",
            },
            "Done": {"Type": "Succeed"},
        }
    )
    ex = asl.run(loop, {}, max_history_events=100)
    assert ex.status == "FAILED"
    assert ex.error == "States.Runtime"
    assert "maximum number of history events" in (ex.cause or "")
    assert types(ex)[-1] == "ExecutionFailed"
    # AWS: the failure is the cap's own event, linked to the last event before it
    last = ex.history[-1]
    assert last["id"] == 100
    assert last["previousEventId"] == 99
    assert last["executionFailedEventDetails"]["cause"] == (
        "The execution reached the maximum number of history events (100)."
    )


def test_state_input_and_output_helpers():
    ex = asl.run(
        machine(
            {
                "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "F"},
                "F": {"Type": "Fail", "Error": "E"},
            }
        ),
        {"in": 1},
    )
    assert ex.state_input("A") == {"in": 1}
    assert ex.state_output("A") == {"in": 1, "a": {"x": 1}}
    assert ex.state_input("F") == {"in": 1, "a": {"x": 1}}
    with pytest.raises(KeyError, match="'F'"):
        ex.state_output("F")
    with pytest.raises(KeyError):
        ex.state_input("Nope")
