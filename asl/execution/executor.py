"""The executor: a small async loop over states, with history, retries and catches.

`Runner.run_scope` walks the states of one scope (the machine, a Parallel branch or a
Map iteration): it runs each state through its handler in `asl.execution.states` and
follows ``Next``.  Every runtime failure is a `StatesError` named as AWS names it; Retry
and Catch match on that name.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import ChainMap
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio

from asl import ast
from asl.clock import Clock
from asl.errors import StatesError
from asl.execution.dataflow import QueryEvaluationFailure, compact
from asl.execution.history import History, HistoryLimitExceeded
from asl.expressions.templates import compact_json
from asl.timestamps import iso_millis as iso

# errors that no Retry or Catch ever handles
UNCATCHABLE = frozenset({"States.Runtime"})


def also_known_as(error: StatesError) -> tuple[str, ...]:
    """Other names an error answers to in ErrorEquals (a heartbeat lapse is reported as
    States.Timeout but also matches States.HeartbeatTimeout)."""
    return getattr(error, "aliases", ())


def error_matches(names: tuple[str, ...], error: str | None, aliases: tuple[str, ...] = ()) -> bool:
    """Whether a Retrier's or Catcher's ErrorEquals matches an error name."""
    if error in UNCATCHABLE:
        return False
    for name in names:
        if name == error or name == "States.ALL" or name in aliases:
            return True
        if name == "States.TaskFailed" and error not in ("States.Timeout",):
            # None: a SendTaskFailure without an error name, a task failure all the same
            if error is None or not error.startswith("States.") or error in _TASK_FAILED_MEMBERS:
                return True
    return False


_TASK_FAILED_MEMBERS = frozenset(
    {
        "States.TaskFailed",
        "States.DataLimitExceeded",
        "States.Permissions",
        "States.HeartbeatTimeout",
    }
)


class ExecutionTimedOut(Exception):
    """The state machine's TimeoutSeconds passed."""


class ExecutionAborted(Exception):
    def __init__(self, error: str | None, cause: str | None):
        super().__init__(error)
        self.error = error
        self.cause = cause


PAYLOAD_LIMIT = 262_144


class SizeMeter:
    """Measures JSON sizes for the 256 KiB payload limit.

    Values are never mutated once produced, so a container's size is remembered by
    identity: a big payload threaded through many states is measured once.  A new
    container is measured one level deep, reusing its children's remembered sizes; a
    child seen for the first time is summed exactly here when it is a small object or
    array of plain scalars (as states often build), else serialised by the C encoder.
    Either way it is remembered.
    """

    __slots__ = ("_memo",)

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, int]] = {}

    def size(self, value: Any) -> int:
        """UTF-8 size of ``value``'s compact JSON text (key escapes aside)."""
        if not isinstance(value, (dict, list)):
            return _scalar_size(value)
        memo = self._memo
        hit = memo.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        if isinstance(value, dict):
            total = 1 + 2 * len(value) if value else 2  # braces, colons and commas
            for k in value:
                total += (len(k) if k.isascii() else len(k.encode("utf-8"))) + 2
            children: Any = value.values()
        else:
            total = 1 + len(value) if value else 2
            children = value
        for v in children:
            if isinstance(v, (dict, list)):
                hit = memo.get(id(v))
                total += hit[1] if hit is not None and hit[0] is v else self._first_size(v)
            else:
                total += _scalar_size(v)
        memo[id(value)] = (value, total)
        return total

    def _first_size(self, child: dict | list) -> int:
        """Measure and remember a child container seen for the first time."""
        total = _small_size(child)
        if total is None:
            text = compact_json(child)
            total = len(text) if text.isascii() else len(text.encode("utf-8"))
        self._memo[id(child)] = (child, total)
        return total

    def exceeds(self, value: Any) -> bool:
        return self.size(value) > PAYLOAD_LIMIT


def _small_size(value: dict | list) -> int | None:
    """The exact compact JSON size of a container of at most 8 plain scalars; None for
    anything else (the encoder measures that)."""
    if len(value) > 8:
        return None
    if not value:
        return 2
    total = len(value) + 1  # brackets and commas
    if type(value) is dict:
        total += len(value)  # colons
        for k, v in value.items():
            key = _plain_size(k)
            item = _plain_size(v)
            if key is None or item is None:
                return None
            total += key + item
        return total
    for v in value:
        item = _plain_size(v)
        if item is None:
            return None
        total += item
    return total


def _plain_size(value: Any) -> int | None:
    """The exact JSON size of a scalar the encoder writes as is: a printable ASCII string
    with nothing to escape, an int, a finite float, true, false or null; None otherwise."""
    kind = type(value)
    if kind is str:
        if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
            return len(value) + 2
        return None
    if kind is int or (kind is float and math.isfinite(value)):
        return len(repr(value))
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    return None


def _scalar_size(value: Any) -> int:
    if isinstance(value, str):
        return (len(value) if value.isascii() else len(value.encode("utf-8"))) + 2
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    return len(repr(value))


class Frame:
    """One thread of control: the machine, a Parallel branch or a Map iteration."""

    __slots__ = ("runner", "variables", "prev", "depth", "history")

    def __init__(
        self,
        runner: Runner,
        variables: ChainMap[str, Any],
        prev: int = 0,
        depth: int = 0,
        history: History | None = None,
    ):
        self.runner = runner
        self.variables = variables
        self.prev = prev  # previousEventId for the next event on this thread
        self.depth = depth
        # where this thread's events go: the execution's history (None), or a child
        # execution's own (distributed Map children are separate executions)
        self.history: History = runner.history if history is None else history

    def emit(
        self, event_type: str, details: dict | None = None, timestamp: float | None = None
    ) -> int:
        """Record an event on this thread (at ``timestamp``, POSIX seconds, or now); returns
        its id."""
        if timestamp is None:
            timestamp = self.runner.clock.timestamp()
        self.prev = self.history.add(event_type, self.prev, timestamp, details)
        return self.prev

    def child(self) -> Frame:
        return Frame(
            self.runner, self.variables.new_child(), self.prev, self.depth + 1, self.history
        )


@dataclass
class Runner:
    """Everything one execution shares: the clock, backends, history and context."""

    machine: ast.StateMachine
    clock: Clock
    history: History
    backends: Any  # asl.backends.Backends
    execution_context: dict[str, Any]
    state_machine_context: dict[str, Any]
    region: str
    account_id: str
    deadline: datetime | None = None
    rng: random.Random = field(default_factory=random.Random)
    aborted: ExecutionAborted | None = None
    cancel_scope: anyio.CancelScope | None = None
    sizes: SizeMeter = field(default_factory=SizeMeter)
    # extension point for backends that keep per-execution state (task tokens, ...)
    services: dict[str, Any] = field(default_factory=dict)

    def abort(self, error: str | None = None, cause: str | None = None) -> None:
        """Stop the execution (status ABORTED), as AWS StopExecution does."""
        if self.aborted is None:
            self.aborted = ExecutionAborted(error, cause)
            if self.cancel_scope is not None:
                self.cancel_scope.cancel()

    def context(
        self,
        state_name: str,
        entered: datetime | float,
        retry_count: int | None = None,
        task_token: str | None = None,
    ) -> dict:
        """The Context object (``$$``) for a state."""
        if not isinstance(entered, datetime):
            entered = datetime.fromtimestamp(entered, timezone.utc)
        state: dict[str, Any] = {"EnteredTime": iso(entered), "Name": state_name}
        if retry_count is not None:
            state["RetryCount"] = retry_count
        ctx = {
            "Execution": self.execution_context,
            "State": state,
            "StateMachine": self.state_machine_context,
        }
        if task_token is not None:
            ctx["Task"] = {"Token": task_token}
        return ctx

    async def sleep(self, seconds: float) -> None:
        """A Wait state's or a Retry's wait on the clock, honouring the execution's
        TimeoutSeconds (under the virtual clock, time jumps once nothing else can run)."""
        if self.deadline is not None:
            remaining = (self.deadline - self.clock.now()).total_seconds()
            if seconds >= remaining:
                await self.clock.sleep(max(remaining, 0))
                raise ExecutionTimedOut()
        await self.clock.sleep(seconds)

    async def run_scope(self, scope: ast.Scope, data: Any, frame: Frame) -> Any:
        """Run the states of a scope from StartAt to a terminal state; returns its output."""
        from asl.execution.states import HANDLERS, Step

        name = scope.start_at
        states = scope.states
        while True:
            state = states[name]
            # a handler returns (next state name, or None when the state ends the scope;
            # the state's output)
            next_name, data = await HANDLERS[state.type](Step(state, data, frame))
            if next_name is None:
                return data
            name = next_name
            if self.deadline is not None and self.clock.now() >= self.deadline:
                raise ExecutionTimedOut()


def backoff_delay(retrier: ast.Retrier, attempt: int, rng: random.Random) -> float:
    """Seconds before retry number ``attempt`` (1-based) of a retrier."""
    delay = retrier.interval_seconds * (retrier.backoff_rate ** (attempt - 1))
    if retrier.max_delay_seconds is not None:
        delay = min(delay, retrier.max_delay_seconds)
    if retrier.jitter_strategy == "FULL":
        delay = rng.uniform(0, delay)
    return float(delay)


class Execution:
    """The result of running a state machine.

    ``status`` is ``SUCCEEDED``, ``FAILED``, ``TIMED_OUT`` or ``ABORTED``; ``output`` the
    decoded output; ``error``/``cause`` the failure; ``history`` the AWS-shaped events.
    """

    def __init__(
        self,
        *,
        name: str,
        arn: str,
        state_machine_arn: str,
        input: Any,
        start_date: datetime,
        history: History,
    ):
        self.name = name
        self.arn = arn
        self.execution_arn = arn
        self.state_machine_arn = state_machine_arn
        self.input = input
        self.start_date = start_date
        self.stop_date: datetime | None = None
        self.status = "RUNNING"
        self.output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self._history = history
        self._events: list[dict[str, Any]] | None = None

    @property
    def history(self) -> list[dict[str, Any]]:
        """Events shaped like AWS GetExecutionHistory's (payloads as JSON text)."""
        if self._events is None or len(self._events) != len(self._history):
            self._events = self._history.events()
        return self._events

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    def states_entered(self) -> list[str]:
        """Names of the states entered, in history order (nested states included)."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history
            if e["type"].endswith("StateEntered")
        ]

    def state_input(self, name: str) -> Any:
        """The decoded input of the last visit of state ``name``; KeyError if never entered."""
        return self._last_payload(name, "StateEntered", "stateEnteredEventDetails", "input")

    def state_output(self, name: str) -> Any:
        """The decoded output of the last visit of state ``name``; KeyError if it never
        exited (Fail states, and states that failed, never do)."""
        return self._last_payload(name, "StateExited", "stateExitedEventDetails", "output")

    def _last_payload(self, name: str, suffix: str, key: str, field: str) -> Any:
        import json

        for event in reversed(self.history):
            details = event.get(key)
            if event["type"].endswith(suffix) and details and details.get("name") == name:
                return json.loads(details[field])
        raise KeyError(f"state {name!r} has no {suffix[5:].lower()} event in this execution")

    def events(self, *types: str) -> list[dict[str, Any]]:
        """The history events of the given types (all events when none given)."""
        return [e for e in self.history if not types or e["type"] in types]

    @property
    def output_json(self) -> str | None:
        return None if self.status != "SUCCEEDED" else compact(self.output)

    def describe(self) -> dict[str, Any]:
        """The fields of AWS DescribeExecution."""
        out: dict[str, Any] = {
            "executionArn": self.arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status,
            "startDate": self.start_date,
            "stopDate": self.stop_date,
            "input": compact(self.input),
        }
        if self.status == "SUCCEEDED":
            out["output"] = compact(self.output)
        if self.error is not None and self.status != "TIMED_OUT":
            out["error"] = self.error
        if self.cause is not None and self.status != "TIMED_OUT":
            out["cause"] = self.cause
        return out

    def __repr__(self) -> str:
        # cheap on purpose (asyncio may repr a task's result): no output, a short cause
        detail = "" if self.error is None else f" error={self.error!r}"
        return f"<Execution {self.name} {self.status}{detail}>"


async def execute_machine(
    machine: ast.StateMachine,
    input: Any,
    *,
    clock: Clock,
    backends: Any,
    name: str | None = None,
    state_machine_name: str = "StateMachine",
    role_arn: str | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    max_history_events: int | None = 25_000,
    seed: int | None = None,
    on_start: Any = None,
) -> Execution:
    """Run a compiled machine to completion and return its `Execution`."""
    name = name or str(uuid.uuid4())
    sm_arn = f"arn:aws:states:{region}:{account_id}:stateMachine:{state_machine_name}"
    arn = f"arn:aws:states:{region}:{account_id}:execution:{state_machine_name}:{name}"
    role_arn = role_arn or f"arn:aws:iam::{account_id}:role/StepFunctionsExecutionRole"
    history = History(max_history_events)
    start = clock.now()
    ex = Execution(
        name=name, arn=arn, state_machine_arn=sm_arn, input=input, start_date=start, history=history
    )
    runner = Runner(
        machine=machine,
        clock=clock,
        history=history,
        backends=backends,
        execution_context={
            "Id": arn,
            "Input": input,
            "StartTime": iso(start),
            "Name": name,
            "RoleArn": role_arn,
            "RedriveCount": 0,
        },
        state_machine_context={"Id": sm_arn, "Name": state_machine_name},
        region=region,
        account_id=account_id,
        rng=random.Random(seed),
    )
    if machine.timeout_seconds is not None:
        runner.deadline = start + timedelta(seconds=machine.timeout_seconds)
    if on_start is not None:
        on_start(ex, runner)
    frame = Frame(runner, ChainMap({}))
    history.add(
        "ExecutionStarted",
        0,
        start,
        {"input": input, "inputDetails": {"truncated": False}, "roleArn": role_arn},
    )
    try:
        if runner.sizes.exceeds(input):
            raise StatesError(
                "States.DataLimitExceeded",
                "The state/task 'Execution' returned a result with a size exceeding the "
                "maximum number of bytes service limit.",
            )
        with anyio.CancelScope() as scope:
            runner.cancel_scope = scope
            if runner.deadline is not None and clock.virtual is False:
                with anyio.fail_after((runner.deadline - start).total_seconds()):
                    output = await runner.run_scope(machine.scope, input, frame)
            else:
                output = await runner.run_scope(machine.scope, input, frame)
        if runner.aborted is not None:
            raise runner.aborted
    except (ExecutionTimedOut, TimeoutError):
        ex.status = "TIMED_OUT"
        ex.error, ex.cause = "States.Timeout", None
        history.add("ExecutionTimedOut", frame.prev, clock.now(), {"error": "States.Timeout"})
    except ExecutionAborted as e:
        ex.status = "ABORTED"
        ex.error, ex.cause = e.error, e.cause
        details = {k: v for k, v in (("error", e.error), ("cause", e.cause)) if v is not None}
        history.add("ExecutionAborted", frame.prev, clock.now(), details)
    except StatesError as e:
        ex.status = "FAILED"
        ex.error, ex.cause = e.error, e.cause
        previous = frame.prev
        if isinstance(e, HistoryLimitExceeded):
            previous = len(history)  # AWS links the failure to the last event recorded
        details = {k: v for k, v in (("error", e.error), ("cause", e.cause)) if v is not None}
        history.add("ExecutionFailed", previous, clock.now(), details)
    else:
        ex.status = "SUCCEEDED"
        ex.output = output
        history.add(
            "ExecutionSucceeded",
            frame.prev,
            clock.now(),
            {"output": output, "outputDetails": {"truncated": False}},
        )
    ex.stop_date = clock.now()
    return ex


def _size(value: Any) -> int:
    """UTF-8 size of a value's JSON text, cheaply bounded for the common small case."""
    if value is None or isinstance(value, (bool, int, float)):
        return 8
    if isinstance(value, str) and len(value) < PAYLOAD_LIMIT // 4:
        return len(value) + 2
    return len(compact(value).encode("utf-8"))


__all__ = [
    "Execution",
    "Frame",
    "Runner",
    "QueryEvaluationFailure",
    "backoff_delay",
    "error_matches",
    "execute_machine",
    "iso",
]
