"""Behaviour pinned by AWS-recorded API calls."""

from __future__ import annotations

import anyio
import pytest

import asl


@pytest.mark.anyio
async def test_a_stopped_execution_links_its_aborted_event_to_no_event() -> None:
    # recorded StopExecution during a Wait: ExecutionStarted(0), WaitStateEntered(0),
    # ExecutionAborted with previousEventId 0
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}
    async with asl.start(definition, {}, clock="real") as handle:
        await anyio.sleep(0.05)
        handle.stop()
        ex = await handle.result()
    assert ex.status == "ABORTED"
    aborted = ex.events("ExecutionAborted")[0]
    assert aborted["previousEventId"] == 0


def test_missing_top_level_fields_are_listed_in_awss_order() -> None:
    # recorded ValidateStateMachineDefinition of {}: "These fields are required: [States, StartAt]"
    messages = [d.message for d in asl.validate({})]
    assert "These fields are required: [States, StartAt]" in messages


def test_an_empty_list_is_reported_as_aws_words_it() -> None:
    # recorded TestState: "SCHEMA_VALIDATION_FAILED: Value cannot be empty at
    # /States/StateName/Branches"
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": [], "End": True}},
    }
    found = [(d.code, d.message, d.path) for d in asl.validate(definition)]
    assert ("SCHEMA_VALIDATION_FAILED", "Value cannot be empty", "/States/P/Branches") in found
