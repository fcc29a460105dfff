"""Parallel histories as AWS records them.

- A Task whose failure ends its branch (and so the Parallel) is recorded as aborted
  after its failure event, on every attempt of the Parallel; the Parallel's failure
  links to the Task's failure event (AWS recording
  callback.sqs_failure_in_wait_for_task_tok_no_error_field_SQS_PARALLEL_WAIT_FOR_TASK_TOKEN:
  ``8 TaskFailed``, ``9<8 TaskStateAborted``, ``10<8 ParallelStateFailed``).
- Branches interleave state by state (round-robin at each state boundary), as AWS
  recordings of public sample workflows show.
"""

from __future__ import annotations

from typing import Any

import asl

INVOKE = "arn:aws:states:::lambda:invoke"


def names(ex: asl.Execution) -> list[tuple[str, str | None]]:
    out = []
    for e in ex.history:
        details = e.get("stateEnteredEventDetails") or e.get("stateExitedEventDetails") or {}
        out.append((e["type"], details.get("name")))
    return out


def failing_parallel(retry: bool) -> dict[str, Any]:
    parallel: dict[str, Any] = {
        "Type": "Parallel",
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
        "End": True,
        "Branches": [
            {
                "StartAt": "Call",
                "States": {
                    "Call": {
                        "Type": "Task",
                        "Resource": INVOKE,
                        "Parameters": {"FunctionName": "f"},
                        "End": True,
                    }
                },
            }
        ],
    }
    if retry:
        parallel["Retry"] = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}]
    return {"StartAt": "P", "States": {"P": parallel, "Caught": {"Type": "Pass", "End": True}}}


def fails(params: Any, context: Any) -> Any:
    raise ValueError("no")


def test_a_failed_task_ending_a_parallel_is_recorded_as_aborted() -> None:
    ex = asl.run(failing_parallel(retry=False), {}, resources={INVOKE: fails})
    events = {e["id"]: e for e in ex.history}
    failed = ex.events("TaskFailed")[0]
    aborted = ex.events("TaskStateAborted")
    assert len(aborted) == 1
    assert aborted[0]["previousEventId"] == failed["id"]
    assert aborted[0]["id"] == failed["id"] + 1
    parallel_failed = ex.events("ParallelStateFailed")[0]
    assert parallel_failed["previousEventId"] == failed["id"]
    assert events[parallel_failed["id"] + 1]["type"] == "ParallelStateExited"


def test_each_retry_of_the_parallel_records_its_aborted_task() -> None:
    ex = asl.run(failing_parallel(retry=True), {}, resources={INVOKE: fails})
    assert len(ex.events("TaskFailed")) == 2
    assert len(ex.events("TaskStateAborted")) == 2


def test_a_failed_task_outside_a_parallel_is_not_aborted() -> None:
    definition = failing_parallel(retry=False)["States"]["P"]["Branches"][0]
    ex = asl.run(definition, {}, resources={INVOKE: fails})
    assert ex.status == "FAILED"
    assert ex.events("TaskStateAborted") == []


def test_branches_interleave_state_by_state() -> None:
    def branch(n: str) -> dict[str, Any]:
        return {
            "StartAt": f"{n}1",
            "States": {
                f"{n}1": {"Type": "Pass", "Next": f"{n}2"},
                f"{n}2": {"Type": "Pass", "End": True},
            },
        }

    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "End": True, "Branches": [branch("a"), branch("b")]}},
    }
    ex = asl.run(definition, {})
    entered = [name for kind, name in names(ex) if kind == "PassStateEntered"]
    assert entered == ["a1", "b1", "a2", "b2"]
