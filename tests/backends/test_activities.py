"""Activities: worker loops, worker functions, timeouts, heartbeats, missing activities."""

from __future__ import annotations

import json

import anyio
import pytest

import asl
from asl.backends.activities import Activities, ActivityDoesNotExist
from asl.backends.callbacks import TaskTimedOut
from asl.handle import start

ARN = "arn:aws:states:us-east-1:111111111111:activity:activity-f8e3b7cb"


def activity_task(**extra: object) -> dict:
    state = {"Type": "Task", "Resource": ARN, "End": True, **extra}
    return {"StartAt": "ActivityTask", "States": {"ActivityTask": state}}


@pytest.mark.anyio
async def test_worker_loop_takes_tasks_heartbeats_and_answers():
    activities = Activities()
    activities.create(ARN)
    done: list[str] = []

    async def worker() -> None:
        while True:
            task = await activities.get_activity_task(ARN, "BASE_ID_ACTIVITY_CONSUMER")
            if task is None:
                return
            activities.send_task_heartbeat(task.token)
            activities.send_task_success(task.token, task.input)
            done.append(task.token)

    definition = {
        "StartAt": "Map",
        "States": {
            "Map": {
                "Type": "Map",
                "ItemProcessor": activity_task(TimeoutSeconds=60, HeartbeatSeconds=10),
                "End": True,
            }
        },
    }
    items = [{"Value1": "HelloWorld"}, {"Value1": "Again"}]
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker)
        async with start(definition, items, activities=activities) as handle:
            ex = await handle.result()
        tg.cancel_scope.cancel()
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == items
    assert len(done) == 2
    started = ex.events("ActivityStarted")
    assert [e["activityStartedEventDetails"] for e in started] == [
        {"workerName": "BASE_ID_ACTIVITY_CONSUMER"}
    ] * 2
    scheduled = ex.events("ActivityScheduled")[0]["activityScheduledEventDetails"]
    assert scheduled["resource"] == ARN
    assert scheduled["timeoutInSeconds"] == 60 and scheduled["heartbeatInSeconds"] == 10
    assert json.loads(scheduled["input"]) in items
    with pytest.raises(TaskTimedOut):
        activities.send_task_success(done[0], {})


def test_worker_function_with_asl_run_records_activity_events():
    # recorded case activity_task_no_worker_name
    ex = asl.run(activity_task(), {"Value1": "HelloWorld"}, activities={ARN: lambda i, c: i})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"Value1": "HelloWorld"}
    assert [e["type"] for e in ex.history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert ex.history[3]["activityStartedEventDetails"] == {}
    assert ex.history[2]["activityScheduledEventDetails"] == {
        "resource": ARN,
        "input": '{"Value1":"HelloWorld"}',
        "inputDetails": {"truncated": False},
    }


def test_activity_that_does_not_exist_fails_before_scheduling():
    # recorded case activity_task_on_deleted
    ex = asl.run(activity_task(), {"Value1": "HelloWorld"})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert ex.cause == (
        "An error occurred while executing the state 'ActivityTask' (entered at the event "
        f"id #2). The activity {ARN} does not exist."
    )
    assert [e["type"] for e in ex.history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "ExecutionFailed",
    ]


@pytest.mark.anyio
async def test_worker_that_never_answers_times_out():
    # recorded case activity_task_start_timeout: the worker takes the task, then silence
    activities = Activities()
    activities.create(ARN)
    async with start(activity_task(TimeoutSeconds=5), {"Value1": "x"}, activities=activities) as h:
        task = await activities.get_activity_task(ARN, "BASE_ID_ACTIVITY_CONSUMER")
        assert task is not None and task.input == {"Value1": "x"}
        ex = await h.result()
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
    assert [e["type"] for e in ex.history][2:] == [
        "ActivityScheduled",
        "ActivityStarted",
        "ActivityTimedOut",
        "ExecutionFailed",
    ]
    assert ex.history[4]["activityTimedOutEventDetails"] == {"error": "States.Timeout"}


def test_no_worker_at_all_times_out_from_scheduling():
    activities = Activities()
    activities.create(ARN)
    ex = asl.run(activity_task(TimeoutSeconds=5), {}, activities=activities)
    assert ex.error == "States.Timeout"
    assert [e["type"] for e in ex.history][2:] == [
        "ActivityScheduled",
        "ActivityStarted",
        "ActivityTimedOut",
        "ExecutionFailed",
    ]


def test_heartbeat_lapse_of_a_slow_worker_function():
    def worker(input, context):
        return {"late": True}

    activities = Activities({"activity-f8e3b7cb": worker})

    def silent(input, context):
        import time

        time.sleep(0.05)
        return "never seen"

    ex = asl.run(activity_task(HeartbeatSeconds=2), {}, activities=activities)
    assert ex.output == {"late": True}
    ex = asl.run(
        activity_task(HeartbeatSeconds=2, TimeoutSeconds=1000),
        {},
        activities={ARN: silent},
    )
    # the worker runs in real time (50 ms): no heartbeat lapses in virtual time meanwhile
    assert ex.output == "never seen"


def test_worker_function_errors_become_activity_failures():
    def worker(input, context):
        raise ValueError("bad input")

    definition = activity_task(Retry=[{"ErrorEquals": ["ValueError"], "MaxAttempts": 1}])
    ex = asl.run(definition, {}, activities={ARN: worker})
    assert (ex.error, ex.cause) == ("ValueError", "bad input")
    failed = ex.events("ActivityFailed")
    assert len(failed) == 2
    assert failed[0]["activityFailedEventDetails"] == {"error": "ValueError", "cause": "bad input"}


@pytest.mark.anyio
async def test_failure_from_a_polling_worker_and_api_errors():
    activities = Activities(region="us-east-1", account_id="111111111111")
    assert activities.create("activity-f8e3b7cb") == ARN
    with pytest.raises(ActivityDoesNotExist):
        await activities.get_activity_task("nope", timeout=0)
    assert await activities.get_activity_task(ARN, timeout=0) is None
    async with start(activity_task(), {}, activities=activities) as handle:
        task = await activities.get_activity_task(ARN)
        assert task is not None
        activities.send_task_failure(task.token, "Worker.Broken", "disk full")
        ex = await handle.result()
    assert (ex.error, ex.cause) == ("Worker.Broken", "disk full")
    with pytest.raises(asl.ConfigurationError):
        activities.create("arn:aws:states:us-east-1:1:stateMachine:x")
