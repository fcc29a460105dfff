"""Task tokens: the callback pattern (``.waitForTaskToken``), ``.sync`` jobs, activities
and heartbeats.

A Task waiting for a callback registers its token (``$$.Task.Token``) here, runs the
request-response part of its integration, records ``TaskSubmitted`` and then waits
until `send_task_success`, `send_task_failure` or `send_task_heartbeat` arrives for the
token, from anywhere: a test, a handler running in a worker thread, another Task.
A ``.sync`` task (`wait_for_job`) waits the same way while its job runs: the job's end
is its outcome unless a SendTaskSuccess / SendTaskFailure on the token comes first.
``HeartbeatSeconds``, ``TimeoutSeconds`` and the execution's own timeout apply, on the
execution's clock (virtual time jumps to a deadline only when nothing else can run).

Errors mirror the SendTask* APIs: an unknown or malformed token raises `InvalidToken`,
a token whose task is closed (completed, timed out, or its execution ended) raises
`TaskTimedOut`, an output that is not JSON raises `InvalidOutput`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel

from asl.backends import boto_tokens
from asl.backends.base import ExecutionTimedOut, HeartbeatTimedOut, TaskEnvironment
from asl.clock import outside_work
from asl.errors import ASLError, StatesError

T = TypeVar("T")


class TaskTokenError(ASLError):
    """A SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat call was refused.

    ``code`` is the AWS error code (``InvalidToken``, ``TaskTimedOut``, ...).
    """

    code = "TaskTokenError"


class InvalidToken(TaskTokenError):
    """The token was never issued (or is malformed)."""

    code = "InvalidToken"


class TaskDoesNotExist(TaskTokenError):
    """The activity or task the token refers to does not exist."""

    code = "TaskDoesNotExist"


class TaskTimedOut(TaskTokenError):
    """The token's task is closed: it completed, timed out, or its execution ended."""

    code = "TaskTimedOut"


class InvalidOutput(TaskTokenError):
    """The output is not a JSON value."""

    code = "InvalidOutput"


@dataclass
class _Signal:
    kind: str  # "success" | "failure" | "heartbeat" | "done" (a .sync job ended)
    at: datetime | None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    exception: Exception | None = None  # how a .sync job failed

    def outcome(self) -> Any:
        """The task's result for a closing signal; raises for a failure."""
        if self.exception is not None:
            raise self.exception
        if self.kind == "failure":
            raise StatesError(self.error, self.cause)  # type: ignore[arg-type]
        return self.output


class PendingTask:
    """One task attempt waiting for a callback (or an activity worker)."""

    def __init__(
        self,
        token: str,
        *,
        state_name: str,
        resource: str,
        parameters: Any,
        execution_arn: str | None,
        clock: Any,
    ):
        self.token = token
        self.state_name = state_name
        self.resource = resource
        self.parameters = parameters
        self.execution_arn = execution_arn
        self.clock = clock
        self.submitted = False
        self.closed = False
        self._signals: list[_Signal] = []
        self._changed = anyio.Event()
        self._thread = threading.get_ident()
        self._loop = anyio.lowlevel.current_token()

    @classmethod
    def for_request(cls, request: Any, token: str) -> PendingTask:
        """The pending task of a Task attempt (a `TaskRequest`) waiting on ``token``."""
        return cls(
            token,
            state_name=request.state_name,
            resource=request.resource.arn,
            parameters=request.parameters,
            execution_arn=(request.context.get("Execution") or {}).get("Id"),
            clock=request.env.clock,
        )

    def __repr__(self) -> str:
        return f"<PendingTask {self.state_name!r} token={self.token[:12]}...>"

    def deliver(self, signal: _Signal) -> None:
        """Queue a signal and wake the waiter; safe from any thread."""
        if threading.get_ident() == self._thread:
            self._deliver(signal)
        else:
            anyio.from_thread.run_sync(self._deliver, signal, token=self._loop)

    def _deliver(self, signal: _Signal) -> None:
        self._signals.append(signal)
        self._changed.set()

    async def wait(
        self,
        *,
        heartbeat_seconds: float | None,
        timeout_seconds: float | None,
        execution_deadline: datetime | None,
        started_at: datetime | None = None,
    ) -> Any:
        """Wait for the outcome; returns the output or raises `StatesError` /
        `TimeoutError` (`HeartbeatTimedOut`) / the executor's ExecutionTimedOut."""
        clock = self.clock
        start = started_at or clock.now()
        task_deadline = start + timedelta(seconds=timeout_seconds) if timeout_seconds else None
        beat = timedelta(seconds=heartbeat_seconds) if heartbeat_seconds else None
        last_beat = clock.now()

        def nearest() -> datetime | None:
            beat_deadline = last_beat + beat if beat else None
            deadlines = [d for d in (task_deadline, beat_deadline, execution_deadline) if d]
            return min(deadlines) if deadlines else None

        while True:
            deadline = nearest()
            remaining = None if deadline is None else (deadline - clock.now()).total_seconds()
            if not self._signals and not await clock.wait_event(self._changed, remaining):
                _raise_timeout(deadline, task_deadline, execution_deadline)
            self._changed = anyio.Event()
            signals, self._signals = self._signals, []
            for signal in signals:
                deadline = nearest()
                if signal.at is not None:
                    if deadline is not None and signal.at > deadline:
                        # sent later, on the sender's timeline, than a deadline that lapsed
                        # meanwhile (virtual time: the sender ran ahead without blocking)
                        clock.advance_to(deadline)
                        _raise_timeout(deadline, task_deadline, execution_deadline)
                    clock.advance_to(signal.at)
                if signal.kind == "heartbeat":
                    last_beat = clock.now()
                    continue
                return signal.outcome()

    async def wait_for(self, request: Any, started_at: datetime | None = None) -> Any:
        """`wait` with the HeartbeatSeconds and TimeoutSeconds of ``request`` (a
        `TaskRequest`) and its execution's deadline."""
        return await self.wait(
            heartbeat_seconds=request.heartbeat_seconds,
            timeout_seconds=request.timeout_seconds,
            execution_deadline=request.env.execution_deadline,
            started_at=started_at,
        )


def _raise_timeout(
    nearest: datetime | None, task_deadline: datetime | None, execution_deadline: datetime | None
) -> None:
    if nearest is not None and nearest == execution_deadline and nearest != task_deadline:
        raise ExecutionTimedOut()
    if nearest is not None and nearest == task_deadline:
        raise TimeoutError()
    raise HeartbeatTimedOut()


class TokenRegistry:
    """Every pending task token of the process, and recently closed ones."""

    _CLOSED_KEPT = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, PendingTask] = {}
        self._closed: OrderedDict[str, None] = OrderedDict()

    def register(self, task: PendingTask) -> None:
        with self._lock:
            self._pending[task.token] = task

    def close(self, token: str) -> None:
        """Close a token: later calls with it raise `TaskTimedOut`."""
        with self._lock:
            task = self._pending.pop(token, None)
            if task is not None:
                task.closed = True
            self._closed[token] = None
            while len(self._closed) > self._CLOSED_KEPT:
                self._closed.popitem(last=False)

    def lookup(self, token: Any) -> PendingTask:
        """The pending task of a token, or the SendTask* error AWS gives."""
        if not isinstance(token, str) or not token:
            raise InvalidToken(f"Invalid Token: {token!r} is not a task token")
        with self._lock:
            task = self._pending.get(token)
            if task is not None:
                return task
            if token in self._closed:
                raise TaskTimedOut(
                    "Task Timed Out: 'Provided task does not exist anymore' "
                    f"(token {token[:16]}...)"
                )
        raise InvalidToken(f"Invalid Token: 'Invalid token' ({token[:32]!r} was never issued)")

    def pending(self) -> list[PendingTask]:
        with self._lock:
            return list(self._pending.values())


TOKENS = TokenRegistry()


def _now_for(task: PendingTask) -> datetime | None:
    """The sender's time on the waiting execution's clock (its own timeline)."""
    try:
        return task.clock.now()
    except Exception:
        return None


def _json_value(output: Any) -> Any:
    try:
        return json.loads(json.dumps(output, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise InvalidOutput(f"Invalid Output: the output is not a JSON value ({e})") from None


def send_task_success(token: str, output: Any = None) -> None:
    """Complete the task waiting on ``token`` with ``output`` (a JSON value)."""
    task = TOKENS.lookup(token)
    value = _json_value(output)
    task.deliver(_Signal("success", _now_for(task), output=value))


def send_task_failure(token: str, error: str | None = None, cause: str | None = None) -> None:
    """Fail the task waiting on ``token`` with ``error`` and ``cause`` (both optional)."""
    task = TOKENS.lookup(token)
    if error is not None and not isinstance(error, str):
        raise TypeError(f"error must be a string or None, not {type(error).__name__}")
    if cause is not None and not isinstance(cause, str):
        raise TypeError(f"cause must be a string or None, not {type(cause).__name__}")
    task.deliver(_Signal("failure", _now_for(task), error=error, cause=cause))


def send_task_heartbeat(token: str) -> None:
    """Report that the task waiting on ``token`` is still being worked on."""
    task = TOKENS.lookup(token)
    task.deliver(_Signal("heartbeat", _now_for(task)))


def task_token(request: Any) -> str:
    """The task token of a request (``$$.Task.Token``)."""
    token = (request.context.get("Task") or {}).get("Token")
    if not token:
        raise StatesError(
            "States.Runtime",
            f"The state '{request.state_name}' has no task token ($$.Task.Token) to wait on.",
        )
    return str(token)


def pending_of(env: TaskEnvironment) -> PendingList:
    """The per-execution list of pending callbacks (for execution handles)."""
    found = env.services.get("callbacks")
    if found is None:
        found = env.services["callbacks"] = PendingList()
    return found


class PendingList:
    """The callbacks an execution is waiting for, with a notification on each change."""

    def __init__(self) -> None:
        self.tasks: list[PendingTask] = []
        self.changed = anyio.Event()

    def add(self, task: PendingTask) -> None:
        self.tasks.append(task)
        self._notify()

    def remove(self, task: PendingTask) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
            self._notify()

    def _notify(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()


@contextlib.contextmanager
def registered(request: Any, token: str) -> Iterator[PendingTask]:
    """A `PendingTask` for ``request`` waiting on ``token``, registered while the block
    runs; then its token is closed and it leaves the execution's pending list."""
    task = PendingTask.for_request(request, token)
    TOKENS.register(task)
    boto_tokens.install(_BotoTokens)  # boto3 SendTask* calls with this token reach it
    pending = pending_of(request.env)
    try:
        yield task
    finally:
        TOKENS.close(token)
        pending.remove(task)


async def wait_for_callback(
    request: Any,
    submit: Callable[[], Awaitable[Any]] | None = None,
    *,
    record_submitted: bool = True,
) -> Any:
    """Run a ``.waitForTaskToken`` task: register the token, submit, wait for the outcome.

    ``submit`` runs the request-response part (its result is recorded as
    ``TaskSubmitted`` when ``record_submitted``); a callback may arrive while it runs.
    Returns the SendTaskSuccess output, raises `StatesError` for SendTaskFailure and
    `TimeoutError` when TimeoutSeconds or HeartbeatSeconds lapse.
    """
    token = task_token(request)
    env = request.env
    started_at = env.clock.now()
    with registered(request, token) as task:
        request.mark_started()
        if submit is not None:
            submitted = await submit()
            if record_submitted:
                request.submitted(submitted)
        task.submitted = True
        pending_of(env).add(task)
        return await task.wait_for(request, started_at)


async def wait_for_job(request: Any, job: Callable[[], Awaitable[Any]]) -> Any:
    """Run a ``.sync`` task's job under its task token (``$$.Task.Token``).

    Returns what ``job()`` returns (or raises what it raises), unless first a
    SendTaskSuccess / SendTaskFailure arrives on the token, or a deadline lapses:
    ``HeartbeatSeconds`` without a SendTaskHeartbeat (`HeartbeatTimedOut`),
    ``TimeoutSeconds`` (`TimeoutError`) or the execution's timeout.  The job runs in a
    task of its own, cancelled if the wait ends first; it ends at its own time (a job
    may `advance_to` when it finished), so a deadline that lapsed meanwhile still wins.
    """
    env = request.env
    # .sync tasks always get a token from the executor; a private one serves otherwise
    token = (request.context.get("Task") or {}).get("Token") or f"sync-{uuid.uuid4()}"
    started_at = env.clock.now()
    with registered(request, str(token)) as task:
        task.submitted = True
        pending_of(env).add(task)

        async def run_job() -> None:
            try:
                output = await job()
            except Exception as e:  # the job's failure is the task's, unless a deadline won
                task.deliver(_Signal("done", _now_for(task), exception=e))
            else:
                task.deliver(_Signal("done", _now_for(task), output=output))

        async def main(group: Any) -> Any:
            group.start_soon(run_job)
            return await task.wait_for(request, started_at)

        return await with_task_group(main, cancel_rest=True)


async def with_task_group(main: Callable[[Any], Awaitable[T]], *, cancel_rest: bool) -> T:
    """Await ``main(group)`` with an anyio task group for what runs beside it; then cancel
    the group's other tasks (``cancel_rest``) or wait for them.  Returns what ``main``
    returns; its exception is raised as is (not wrapped in an ExceptionGroup)."""
    outcome: list[tuple[bool, Any]] = []
    async with anyio.create_task_group() as group:
        try:
            outcome.append((True, await main(group)))
        except Exception as e:  # raised below, outside the task group
            outcome.append((False, e))
        if cancel_rest:
            group.cancel_scope.cancel()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


class TokenSender:
    """The SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat APIs as methods."""

    def send_task_success(self, token: str, output: Any = None) -> None:
        """SendTaskSuccess: complete the task waiting on ``token`` with ``output``."""
        send_task_success(token, output)

    def send_task_failure(
        self, token: str, error: str | None = None, cause: str | None = None
    ) -> None:
        """SendTaskFailure: fail the task waiting on ``token``."""
        send_task_failure(token, error, cause)

    def send_task_heartbeat(self, token: str) -> None:
        """SendTaskHeartbeat: the task waiting on ``token`` is still being worked on."""
        send_task_heartbeat(token)


class CallbackBackend:
    """``.waitForTaskToken`` for any resource whose request-response form another
    backend runs (``lambda:invoke``, a registered handler, a forwarding backend...):
    that backend submits, then the task waits for its token."""

    def handles(self, resource: Any) -> bool:
        return resource.kind == "integration" and resource.pattern == "waitForTaskToken"

    async def run(self, request: Any) -> Any:
        import dataclasses

        from asl.backends.base import Backends, parse_resource

        base = parse_resource(request.resource.base_arn)
        listed = [b for b in request.env.backends.backends if b is not self]
        backend = Backends(listed).resolve(base)

        async def submit() -> Any:
            # the inner backend sees the request-response resource; events keep the
            # full resource name, and TaskStarted is already recorded
            inner = dataclasses.replace(request, resource=base, was_started=True)
            try:
                if type(backend).__name__ == "LambdaBackend":
                    # the function runs on a thread of its own: keep virtual time still
                    with outside_work():
                        return await backend.run(inner)
                return await backend.run(inner)
            except StatesError as e:
                if e.error == "States.Runtime" and "No backend for resource" in (e.cause or ""):
                    raise StatesError(
                        "States.Runtime",
                        (e.cause or "").replace(f"'{base.arn}'", f"'{request.resource.arn}'", 1),
                    ) from None
                raise

        return await wait_for_callback(request, submit)


__all__ = [
    "CallbackBackend",
    "HeartbeatTimedOut",
    "InvalidOutput",
    "InvalidToken",
    "PendingTask",
    "TOKENS",
    "TaskDoesNotExist",
    "TaskTimedOut",
    "TaskTokenError",
    "TokenSender",
    "pending_of",
    "registered",
    "send_task_failure",
    "send_task_heartbeat",
    "send_task_success",
    "wait_for_callback",
    "wait_for_job",
    "with_task_group",
]


class _BotoTokens:
    """What `asl.backends.boto_tokens` needs of this module's task tokens."""

    TaskTokenError = TaskTokenError

    @staticmethod
    def issued(token: Any) -> bool:
        """Whether ``token`` is one of this process's (pending or recently closed)."""
        if not isinstance(token, str) or not token:
            return False
        with TOKENS._lock:
            return token in TOKENS._pending or token in TOKENS._closed

    send_task_success = staticmethod(send_task_success)
    send_task_failure = staticmethod(send_task_failure)
    send_task_heartbeat = staticmethod(send_task_heartbeat)
