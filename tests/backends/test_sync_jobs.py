"""`wait_for_job`: any ``.sync`` backend's job runs under the task token, so
HeartbeatSeconds, TimeoutSeconds and SendTaskSuccess / SendTaskFailure apply to it."""

from __future__ import annotations

import pytest

import asl
from asl.backends.base import Backends
from asl.backends.callbacks import send_task_heartbeat, send_task_success, wait_for_job
from asl.clock import RealClock, VirtualClock
from asl.execution.runner import execute_machine
from asl.execution.states import HANDLERS

pytestmark = pytest.mark.anyio

BATCH = "arn:aws:states:::batch:submitJob.sync"


class BatchJobs:
    """A ``batch:submitJob.sync`` backend: the job runs ``steps`` steps of ``seconds`` each
    (clock time), sending a heartbeat before each when ``beat``; ``answer`` sends
    SendTaskSuccess on the token instead at step ``answer``."""

    def __init__(self, steps: int, seconds: float, *, beat: bool, answer: int | None = None):
        self.steps, self.seconds, self.beat, self.answer = steps, seconds, beat, answer

    def handles(self, resource) -> bool:
        return resource.arn == BATCH

    async def run(self, request):
        request.mark_started()
        token = request.context["Task"]["Token"]

        async def job():
            for step in range(self.steps):
                if step == self.answer:
                    send_task_success(token, {"answered": step})
                if self.beat:
                    send_task_heartbeat(token)
                await request.clock.sleep(self.seconds)
            if request.parameters.get("Fail"):
                raise asl.StatesError("Batch.JobFailed", "the job failed")
            return {"Status": "SUCCEEDED", "Steps": self.steps}

        return await wait_for_job(request, job)


def definition(catch: list[str] | None = None, **fields) -> dict:
    """One .sync Task; ``catch`` lists the errors a Catch sends to the Caught state."""
    job = {"Type": "Task", "Resource": BATCH, "End": True, **fields}
    states: dict = {"Job": job}
    if catch:
        job["Catch"] = [{"ErrorEquals": catch, "Next": "Caught"}]
        states["Caught"] = {"Type": "Pass", "End": True}
    return {"StartAt": "Job", "States": states}


async def run(backend: BatchJobs, clock=None, input=None, catch=None, **fields):
    return await execute_machine(
        asl.parse(definition(catch, **fields)),
        input or {},
        handlers=HANDLERS,
        clock=clock or VirtualClock(),
        backends=Backends([backend]),
    )


def elapsed(ex, first: str, second: str) -> float:
    return (ex.events(second)[0]["timestamp"] - ex.events(first)[0]["timestamp"]).total_seconds()


async def test_a_heartbeating_job_outlives_heartbeat_seconds():
    ex = await run(BatchJobs(4, 40, beat=True), HeartbeatSeconds=60)
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output == {"Status": "SUCCEEDED", "Steps": 4}
    assert elapsed(ex, "TaskScheduled", "TaskSucceeded") >= 160


async def test_a_silent_job_times_out_when_the_heartbeat_lapses():
    ex = await run(BatchJobs(4, 40, beat=False), HeartbeatSeconds=60)
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "States.Timeout", None)
    assert 60 <= elapsed(ex, "TaskScheduled", "TaskTimedOut") < 160


async def test_heartbeat_lapse_matches_states_heartbeat_timeout_in_a_retry():
    ex = await run(
        BatchJobs(4, 40, beat=False),
        HeartbeatSeconds=60,
        Retry=[{"ErrorEquals": ["States.HeartbeatTimeout"], "MaxAttempts": 2}],
    )
    assert ex.error == "States.Timeout"
    assert len(ex.events("TaskTimedOut")) == 3


async def test_timeout_seconds_bounds_a_heartbeating_job():
    ex = await run(BatchJobs(10, 40, beat=True), HeartbeatSeconds=60, TimeoutSeconds=100)
    assert ex.error == "States.Timeout"
    assert 100 <= elapsed(ex, "TaskScheduled", "TaskTimedOut") < 120
    # TimeoutSeconds is not a heartbeat lapse: States.HeartbeatTimeout does not match it
    job = BatchJobs(10, 40, beat=True)
    ex = await run(job, TimeoutSeconds=100, catch=["States.HeartbeatTimeout"])
    assert (ex.status, ex.error) == ("FAILED", "States.Timeout")
    ex = await run(job, TimeoutSeconds=100, catch=["States.Timeout"])
    assert ex.status == "SUCCEEDED" and ex.output["Error"] == "States.Timeout"


async def test_send_task_success_on_the_token_ends_the_job_early():
    ex = await run(BatchJobs(4, 40, beat=True, answer=1), HeartbeatSeconds=60)
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output == {"answered": 1}


async def test_the_job_failure_is_the_task_failure():
    ex = await run(BatchJobs(1, 10, beat=True), input={"Fail": True}, HeartbeatSeconds=60)
    assert (ex.error, ex.cause) == ("Batch.JobFailed", "the job failed")
    failed = ex.events("TaskFailed")[0]["taskFailedEventDetails"]
    assert failed["error"] == "Batch.JobFailed"


async def test_a_failure_after_the_heartbeat_lapsed_is_a_timeout():
    ex = await run(BatchJobs(1, 90, beat=True), input={"Fail": True}, HeartbeatSeconds=60)
    assert ex.error == "States.Timeout"


async def test_the_execution_timeout_ends_a_heartbeating_job():
    machine = asl.parse({**definition(HeartbeatSeconds=60), "TimeoutSeconds": 100})
    backends = Backends([BatchJobs(10, 40, beat=True)])
    ex = await execute_machine(
        machine, {}, handlers=HANDLERS, clock=VirtualClock(), backends=backends
    )
    assert ex.status == "TIMED_OUT"


async def test_real_clock_heartbeat_lapse():
    ex = await run(BatchJobs(3, 0.6, beat=False), clock=RealClock(), HeartbeatSeconds=1)
    assert ex.error == "States.Timeout"


def test_sync_resource_handler_heartbeat_lapse_times_out():
    """A .sync job run by a resources= handler honours HeartbeatSeconds."""
    import threading

    import asl

    release = threading.Event()

    def job(parameters, context):
        release.wait(10)  # never heartbeats
        return {"done": True}

    definition = {
        "StartAt": "Job",
        "States": {
            "Job": {
                "Type": "Task",
                "Resource": "arn:aws:states:::batch:submitJob.sync",
                "Parameters": {"JobName": "j"},
                "HeartbeatSeconds": 1,
                "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Lapsed"}],
                "End": True,
            },
            "Lapsed": {"Type": "Pass", "End": True},
        },
    }
    try:
        ex = asl.run(
            definition, {}, resources={"arn:aws:states:::batch:submitJob": job}, clock="real"
        )
    finally:
        release.set()
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output["Error"] == "States.Timeout"
    assert ex.states_entered() == ["Job", "Lapsed"]


def test_sync_resource_handler_sending_heartbeats_succeeds():
    import time

    import asl

    def job(parameters, context):
        for _ in range(3):
            time.sleep(0.3)
            context.send_task_heartbeat()
        return {"done": True}

    machine = definition(Parameters={"JobName": "j"}, HeartbeatSeconds=1)
    ex = asl.run(machine, {}, resources={"arn:aws:states:::batch:submitJob": job}, clock="real")
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output == {"done": True}
