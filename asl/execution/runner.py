"""The runner: one execution's loop over states, its shared state and its outcome.

`execute_machine` runs a compiled machine to its end and returns the `Execution`.
`Runner.run_scope` walks the states of one scope (the machine, a Parallel branch or a
Map iteration): it runs each state through its handler (the table of state type ->
handler is handed in, see `asl.execution.states.HANDLERS`) and follows ``Next``.  Each
thread of control (the machine, a branch, an iteration) is a `Frame`.  Every execution
owns one task group, where the child executions its tasks start run.
"""

from __future__ import annotations

import random
import uuid
from collections import ChainMap
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio
import anyio.lowlevel

from asl import ast
from asl.backends.base import MAX_WAIT, Backends, ExecutionTimedOut, TaskEnvironment
from asl.clock import Clock
from asl.errors import StatesError
from asl.execution.history import History
from asl.execution.limits import DEFAULT_MAX_HISTORY_EVENTS, HistoryLimitExceeded, SizeMeter
from asl.execution.result import Execution
from asl.timestamps import iso_millis

# a state handler: runs one visit of a state (the state, its raw input, the thread it runs
# on) and returns (the next state's name, or None when the state ends its scope; output)
Handler = Callable[[ast.State, Any, "Frame"], Awaitable[tuple[str | None, Any]]]


class ExecutionAborted(Exception):
    """StopExecution: the execution ends ABORTED with this error and cause."""

    def __init__(self, error: str | None, cause: str | None):
        super().__init__(error)
        self.error = error
        self.cause = cause


class Frame:
    """One thread of control: the machine, a Parallel branch or a Map iteration."""

    __slots__ = ("runner", "variables", "prev", "depth", "history", "in_parallel_branch")

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
        # a Parallel branch's thread (where AWS records a failed Task as aborted too)
        self.in_parallel_branch = False

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

    def record_aside(self, event_type: str) -> None:
        """Record an event that follows the thread's last one without becoming the
        predecessor of the next (AWS links what follows to the event before it)."""
        self.history.add(event_type, self.prev, self.runner.clock.timestamp(), None)


@dataclass
class Runner:
    """Everything one execution shares: the machine, the handler table, the clock, the
    history, the backends' environment and the Context object's execution fields."""

    machine: ast.StateMachine
    handlers: Mapping[str, Handler]
    clock: Clock
    history: History
    env: TaskEnvironment
    execution_context: dict[str, Any]
    state_machine_context: dict[str, Any]
    deadline: datetime | None = None
    rng: random.Random = field(default_factory=random.Random)
    aborted: ExecutionAborted | None = None
    cancel_scope: anyio.CancelScope | None = None
    sizes: SizeMeter = field(default_factory=SizeMeter)
    # a Context object given whole (TestState's ``context``), instead of the built one
    context_object: Mapping[str, Any] | None = None
    # names the Context object gives states (TestState calls the tested one StateName)
    context_names: Mapping[str, str] = field(default_factory=dict)
    # a redriven execution: per Parallel/Map state, the results of the branches or
    # iterations that already succeeded (used by the state's first attempt, then dropped)
    redriven: dict[str, Mapping[int, Any]] = field(default_factory=dict)

    def take_redriven(self, state_name: str) -> Mapping[int, Any] | None:
        """The results a redriven Parallel or Map state keeps (once), or None."""
        return self.redriven.pop(state_name, None)

    @property
    def backends(self) -> Backends:
        return self.env.backends

    @property
    def region(self) -> str:
        return self.env.region

    @property
    def account_id(self) -> str:
        return self.env.account_id

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
        if self.context_object is not None:
            return dict(self.context_object)
        if not isinstance(entered, datetime):
            entered = datetime.fromtimestamp(entered, timezone.utc)
        name = self.context_names.get(state_name, state_name) if self.context_names else state_name
        state: dict[str, Any] = {"EnteredTime": iso_millis(entered), "Name": name}
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
        TimeoutSeconds, or else the year a Standard execution may run at most (under the
        virtual clock, time jumps once nothing else can run)."""
        if self.deadline is not None:
            remaining = (self.deadline - self.clock.now()).total_seconds()
        else:  # a Standard execution runs at most a year
            remaining = (self.env.start_time + MAX_WAIT - self.clock.now()).total_seconds()
        if seconds >= remaining:
            await self.clock.sleep(max(remaining, 0))
            raise ExecutionTimedOut()
        await self.clock.sleep(seconds)

    async def run_scope(self, scope: ast.Scope, data: Any, frame: Frame) -> Any:
        """Run the states of a scope from StartAt to a terminal state; returns its output."""
        handlers = self.handlers
        name = scope.start_at
        states = scope.states
        while True:
            state = states[name]
            next_name, data = await handlers[state.type](state, data, frame)
            if next_name is None:
                return data
            name = next_name
            if frame.in_parallel_branch:
                # AWS interleaves Parallel branches state by state: let the next one run
                await anyio.lowlevel.checkpoint()
            if self.deadline is not None and self.clock.now() >= self.deadline:
                raise ExecutionTimedOut()


OnStart = Callable[[Execution, TaskEnvironment], None]


@dataclass(frozen=True)
class Hooks:
    """Internal ways to start an execution, for the library's own entry points (not part
    of the public API): see `execute_machine` for each.  `asl.start` sets ``on_start``;
    TestState sets ``context_object``, ``execution_fields`` and ``context_names``; a
    redrive sets ``execution_fields`` and ``redriven``."""

    on_start: OnStart | None = None
    context_object: Mapping[str, Any] | None = None
    execution_fields: Mapping[str, Any] | None = None
    redriven: Mapping[str, Mapping[int, Any]] | None = None
    context_names: Mapping[str, str] | None = None


async def execute_machine(
    machine: ast.StateMachine,
    input: Any,
    *,
    handlers: Mapping[str, Handler],
    clock: Clock,
    backends: Backends,
    name: str | None = None,
    state_machine_name: str = "StateMachine",
    role_arn: str | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    max_history_events: int | None = DEFAULT_MAX_HISTORY_EVENTS,
    seed: int | None = None,
    on_start: OnStart | None = None,
    parent: TaskEnvironment | None = None,
    context_object: Mapping[str, Any] | None = None,
    execution_fields: Mapping[str, Any] | None = None,
    renderer: Callable[[Execution], str] | None = None,
    redriven: Mapping[str, Mapping[int, Any]] | None = None,
    context_names: Mapping[str, str] | None = None,
) -> Execution:
    """Run a compiled machine to completion with the state ``handlers`` and return its
    `Execution`; child executions it starts have ended too when it returns.
    ``on_start(execution, env)`` is called as it starts; ``parent`` is the environment
    of the execution that started this one (children share its services).
    ``context_object`` replaces the Context object whole; ``execution_fields`` replace
    fields of its ``Execution`` (a value of ``...`` removes the field): TestState uses
    both.  ``renderer`` draws the execution for `Execution.to_html` (handed to children
    too).  ``redriven`` maps a Parallel or Map state's name to the results of its
    branches or iterations that succeeded before a redrive: they are not run again.
    ``context_names`` renames states in the Context object (TestState)."""
    name = name or str(uuid.uuid4())
    sm_arn = f"arn:aws:states:{region}:{account_id}:stateMachine:{state_machine_name}"
    arn = f"arn:aws:states:{region}:{account_id}:execution:{state_machine_name}:{name}"
    role_arn = role_arn or f"arn:aws:iam::{account_id}:role/StepFunctionsExecutionRole"
    history = History(max_history_events)
    start = clock.now()
    ex = Execution(
        name=name,
        arn=arn,
        state_machine_arn=sm_arn,
        input=input,
        start_date=start,
        history=history,
        machine=machine,
        renderer=renderer,
    )
    deadline = None
    if machine.timeout_seconds is not None:
        deadline = start + timedelta(seconds=machine.timeout_seconds)
    env = TaskEnvironment(
        clock=clock, region=region, account_id=account_id, backends=backends, start_time=start
    )
    env.deadline = deadline
    if parent is not None:
        # a family of executions shares its child list, pending callbacks and started ARNs
        env.children = parent.children
        env.services = parent.services
        parent.children.append((ex, env))
    runner = Runner(
        machine=machine,
        handlers=handlers,
        clock=clock,
        history=history,
        env=env,
        execution_context={
            "Id": arn,
            "Input": input,
            "StartTime": iso_millis(start),
            "Name": name,
            "RoleArn": role_arn,
            "RedriveCount": 0,
        },
        state_machine_context={"Id": sm_arn, "Name": state_machine_name},
        deadline=deadline,
        rng=random.Random(seed),
        context_object=context_object,
        redriven=dict(redriven or {}),
        context_names=dict(context_names or {}),
    )
    for key, value in (execution_fields or {}).items():
        if value is ...:
            runner.execution_context.pop(key, None)
        else:
            runner.execution_context[key] = value
    env.abort = runner.abort

    async def run_child(
        child: ast.StateMachine, child_input: Any, *, parent: TaskEnvironment, **options: Any
    ) -> Execution:
        return await execute_machine(
            child,
            child_input,
            handlers=handlers,
            clock=clock,
            parent=parent,
            renderer=renderer,
            **options,
        )

    env.run_child = run_child
    try:
        async with anyio.create_task_group() as children:
            env.task_group = children
            if on_start is not None:
                on_start(ex, env)
            await _run(runner, ex, input)
            for callback in env.on_end:
                callback()
    except Exception as e:  # an ExceptionGroup around what escaped: raise it as it is
        inner = getattr(e, "exceptions", None)
        if inner is not None and len(inner) == 1:
            raise inner[0] from None
        raise
    return ex


async def _run(runner: Runner, ex: Execution, input: Any) -> None:
    """Run the machine's top scope and record how the execution ended."""
    clock = runner.clock
    history = runner.history
    frame = Frame(runner, ChainMap({}))
    history.add(
        "ExecutionStarted",
        0,
        ex.start_date,
        {
            "input": input,
            "inputDetails": {"truncated": False},
            "roleArn": runner.execution_context["RoleArn"],
        },
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
            scope_ = runner.machine.scope
            if runner.deadline is not None and clock.virtual is False:
                with anyio.fail_after((runner.deadline - ex.start_date).total_seconds()):
                    output = await runner.run_scope(scope_, input, frame)
            else:
                output = await runner.run_scope(scope_, input, frame)
        if runner.aborted is not None:
            raise runner.aborted
    except (ExecutionTimedOut, TimeoutError):
        ex.status = "TIMED_OUT"
        ex.error, ex.cause = "States.Timeout", None
        history.add("ExecutionTimedOut", frame.prev, clock.now(), {"error": "States.Timeout"})
    except ExecutionAborted as e:
        ex.status = "ABORTED"
        ex.error, ex.cause = e.error, e.cause
        details = error_details(e)
        # AWS links a stop to no event (recorded StopExecution during a Wait: previous 0)
        history.add("ExecutionAborted", 0, clock.now(), details)
    except StatesError as e:
        ex.status = "FAILED"
        ex.error, ex.cause = e.error, e.cause
        previous = frame.prev
        if isinstance(e, HistoryLimitExceeded):
            previous = len(history)  # AWS links the failure to the last event recorded
        history.add("ExecutionFailed", previous, clock.now(), error_details(e))
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


def error_details(error: StatesError | ExecutionAborted) -> dict[str, Any]:
    """The ``error`` and ``cause`` of a failure event's details (those that are set)."""
    return {k: v for k, v in (("error", error.error), ("cause", error.cause)) if v is not None}


__all__ = ["ExecutionAborted", "Frame", "Handler", "Runner", "execute_machine"]
