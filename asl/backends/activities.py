"""Activities (``arn:aws:states:REGION:ACCOUNT:activity:NAME``) with in-process workers.

An `Activities` registry plays the Step Functions activity APIs::

    activities = asl.Activities()
    activities.create("approve")                            # CreateActivity
    async with asl.start(definition, data, activities=activities) as handle:
        task = await activities.get_activity_task("approve", worker_name="w1")
        activities.send_task_heartbeat(task.token)          # SendTaskHeartbeat
        activities.send_task_success(task.token, {"ok": 1}) # SendTaskSuccess / Failure
        execution = await handle.result()

or, for `asl.run`, a worker function per activity: ``activities={"approve": worker}``
where ``worker(input, context)`` returns the output (an exception fails the task with
its class name as the error, an `asl.StatesError` as is) and may call
``context.send_task_heartbeat()``.

History as AWS records it: ``ActivityScheduled`` (resource, input, timeouts),
``ActivityStarted`` (``workerName``) when a worker takes the task, then
``ActivitySucceeded`` / ``ActivityFailed`` / ``ActivityTimedOut``.  ``TimeoutSeconds``
runs from scheduling, ``HeartbeatSeconds`` from the start.  A Task naming an activity
that does not exist fails with ``States.Runtime`` ("The activity ... does not exist.").
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio

from asl.backends import callbacks
from asl.backends.base import ExecutionTimedOut, Resource, TaskEnvironment, TaskRequest
from asl.errors import ASLError, ConfigurationError, StatesError

Worker = Callable[[Any, Any], Any]


class ActivityDoesNotExist(ASLError):
    """GetActivityTask for an activity that was never created (or was deleted)."""

    code = "ActivityDoesNotExist"


@dataclass(frozen=True)
class ActivityTask:
    """What GetActivityTask returns: the task token and the decoded input."""

    token: str
    input: Any
    activity_arn: str

    @property
    def input_json(self) -> str:
        """The input as JSON text, as the API returns it."""
        return json.dumps(self.input, ensure_ascii=False, separators=(",", ":"))


class _Work:
    """A scheduled activity task, waiting for a worker."""

    def __init__(self, token: str, input: Any, arn: str):
        self.token = token
        self.input = input
        self.arn = arn
        self.picked = anyio.Event()
        self.worker_name: str | None = None


class _Activity:
    def __init__(self, name: str, worker: Worker | None):
        self.name = name
        self.worker = worker
        self.queue: deque[_Work] = deque()
        self.changed = anyio.Event()

    def notify(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()


def _name_of(activity: str) -> str:
    """The activity name of a name or an activity ARN."""
    if not isinstance(activity, str) or not activity:
        raise ConfigurationError(f"an activity is named by a name or ARN, not {activity!r}")
    if activity.startswith("arn:"):
        parts = activity.split(":")
        if len(parts) != 7 or parts[2] != "states" or parts[5] != "activity":
            raise ConfigurationError(f"not an activity ARN: {activity!r}")
        return parts[6]
    return activity


class Activities(callbacks.TokenSender):
    """In-process activities and the worker side of their APIs (SendTask* included)."""

    def __init__(
        self,
        workers: Mapping[str, Worker] | None = None,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
    ):
        self.region = region
        self.account_id = account_id
        self._activities: dict[str, _Activity] = {}
        for name, worker in (workers or {}).items():
            self.create(name, worker)

    def arn(self, activity: str) -> str:
        """The ARN of an activity (given by name or ARN)."""
        if activity.startswith("arn:"):
            _name_of(activity)
            return activity
        return f"arn:aws:states:{self.region}:{self.account_id}:activity:{activity}"

    def create(self, activity: str, worker: Worker | None = None) -> str:
        """CreateActivity (idempotent); ``worker(input, context)`` answers its tasks
        in-process.  Returns the activity ARN."""
        if worker is not None and not callable(worker):
            raise ConfigurationError(
                f"the worker of activity {activity!r} must be a callable worker(input, context)"
            )
        name = _name_of(activity)
        found = self._activities.get(name)
        if found is None:
            self._activities[name] = _Activity(name, worker)
        elif worker is not None:
            found.worker = worker
        return self.arn(activity)

    def delete(self, activity: str) -> None:
        """DeleteActivity."""
        self._activities.pop(_name_of(activity), None)

    def exists(self, activity: str) -> bool:
        return _name_of(activity) in self._activities

    def _get(self, activity: str) -> _Activity:
        found = self._activities.get(_name_of(activity))
        if found is None:
            raise ActivityDoesNotExist(f"Activity Does Not Exist: {activity!r}")
        return found

    async def get_activity_task(
        self, activity: str, worker_name: str | None = None, *, timeout: float | None = 60.0
    ) -> ActivityTask | None:
        """GetActivityTask: wait (at most ``timeout`` real seconds, AWS's long poll is
        60) for a task of the activity; ``None`` when none came."""
        found = self._get(activity)
        with anyio.move_on_after(timeout):
            while True:
                while found.queue:
                    work = found.queue.popleft()
                    if work.picked.is_set():
                        continue
                    work.worker_name = worker_name
                    work.picked.set()
                    return ActivityTask(work.token, work.input, work.arn)
                await found.changed.wait()
        return None


class ActivityBackend:
    """Runs activity Tasks against an `Activities` registry."""

    def __init__(self, activities: Activities | Mapping[str, Worker] | None = None):
        if activities is None or isinstance(activities, Mapping):
            activities = Activities(activities)
        elif not isinstance(activities, Activities):
            raise ConfigurationError(
                "activities must be an asl.Activities or a mapping of activity names to "
                f"worker functions, not {type(activities).__name__}"
            )
        self.activities = activities

    def handles(self, resource: Resource) -> bool:
        return resource.kind == "activity"

    def precheck(self, resource: Resource, env: TaskEnvironment) -> str | None:
        """Why the Task cannot be scheduled (the activity does not exist), or None."""
        if self.activities.exists(resource.arn):
            return None
        return f"The activity {resource.arn} does not exist."

    async def run(self, request: TaskRequest) -> Any:
        activity = self.activities._get(request.resource.arn)
        token = callbacks.task_token(request)
        env = request.env
        scheduled_at = env.clock.now()
        with callbacks.registered(request, token) as task:
            callbacks.pending_of(env).add(task)
            if activity.worker is not None:
                return await self._run_worker(activity.worker, request, task, scheduled_at)
            work = _Work(token, request.parameters, request.resource.arn)
            activity.queue.append(work)
            activity.notify()
            await self._wait_for_worker(request, work, scheduled_at)
            request.extra["worker_name"] = work.worker_name
            request.mark_started()
            return await task.wait_for(request, scheduled_at)

    async def _wait_for_worker(self, request: TaskRequest, work: _Work, scheduled_at: Any) -> None:
        """Until a worker takes the task; only TimeoutSeconds runs meanwhile."""
        env = request.env
        deadlines = [env.execution_deadline]
        if request.timeout_seconds:
            deadlines.append(scheduled_at + timedelta(seconds=request.timeout_seconds))
        nearest = min(deadlines)
        remaining = (nearest - env.clock.now()).total_seconds()
        if not await env.clock.wait_event(work.picked, remaining):
            work.picked.set()  # withdrawn: no worker may take it any more
            if request.timeout_seconds and nearest < deadlines[0]:
                raise TimeoutError()
            raise ExecutionTimedOut()

    async def _run_worker(
        self, worker: Worker, request: TaskRequest, task: callbacks.PendingTask, scheduled_at: Any
    ) -> Any:
        """An in-process worker function takes the task at once."""
        from asl.backends.resources import TaskContext, call_handler, json_copy

        request.mark_started()
        ctx = TaskContext.from_request(request)

        async def work() -> None:
            try:
                params = json_copy(request.parameters, "input")
                output = await call_handler(worker, params, ctx, abandon=True)
                callbacks.send_task_success(task.token, output)
            except callbacks.TaskTokenError:
                pass  # the task already ended (timed out): the result is dropped, as on AWS
            except StatesError as e:
                _fail(task.token, e.error, e.cause)
            except Exception as e:
                _fail(task.token, type(e).__name__, str(e) or None)

        async def main(group: Any) -> Any:
            group.start_soon(work)
            return await task.wait_for(request, scheduled_at)

        return await callbacks.with_task_group(main, cancel_rest=True)


def _fail(token: str, error: str | None, cause: str | None) -> None:
    try:
        callbacks.send_task_failure(token, error, cause)
    except callbacks.TaskTokenError:
        pass


__all__ = ["Activities", "ActivityBackend", "ActivityDoesNotExist", "ActivityTask"]
