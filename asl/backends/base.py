"""The task-backend protocol: what a Task state's Resource runs against.

`parse_resource` reads a Resource ARN; a backend ``handles`` resources and ``run``s one
`TaskRequest` (one attempt of a Task state) in a `TaskEnvironment`, the small part of the
running execution a backend may see and use.  `Backends` picks the first backend that
handles a resource.  Backends sit below the executor: they never import it, and what
they need of it (starting a child execution, aborting) comes through the environment.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from asl.errors import StatesError

if TYPE_CHECKING:
    from asl.ast import StateMachine
    from asl.clock import Clock

# Standard workflows run at most a year; an unanswered callback ends there.
MAX_EXECUTION = timedelta(days=365)
# The longest a Wait, a Retry back-off or a task timeout may run before the execution
# times out: a leap year's 366 days, so that a wait of 365 days still completes.
MAX_WAIT = timedelta(days=366)


class ExecutionTimedOut(Exception):
    """The state machine's TimeoutSeconds passed (the execution ends TIMED_OUT)."""


class HeartbeatTimedOut(TimeoutError):
    """No heartbeat arrived within HeartbeatSeconds (AWS reports ``States.Timeout``)."""


_LAMBDA_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):lambda:(?P<region>[\w-]+):(?P<account>\d{12}):function:"
    r"(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9_$-]+))?"
)
_STATES_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):states:(?P<region>[\w-]*):(?P<account>\d*):(?P<rest>.+)"
)

# A Step Functions ARN: state machine (or version, alias), execution, activity, map run.
_ARN = re.compile(
    r"arn:(?P<partition>[\w-]+):states:(?P<region>[\w-]+):(?P<account>\d{12}):"
    r"(?P<kind>stateMachine|execution|express|activity|mapRun):(?P<rest>.+)"
)


@dataclass(frozen=True)
class Arn:
    """A Step Functions resource's ARN in parts (``parts``: what follows the kind)."""

    partition: str
    region: str
    account: str
    kind: str
    parts: tuple[str, ...]

    @property
    def base(self) -> str:
        """The state machine ARN (for a version or alias ARN, or an execution's)."""
        return (
            f"arn:{self.partition}:states:{self.region}:{self.account}:stateMachine:{self.parts[0]}"
        )


def parse_arn(text: Any) -> Arn | None:
    """The parts of a Step Functions ARN, or None if ``text`` is not one."""
    if not isinstance(text, str):
        return None
    m = _ARN.fullmatch(text)
    if m is None:
        return None
    return Arn(m["partition"], m["region"], m["account"], m["kind"], tuple(m["rest"].split(":")))


@dataclass(frozen=True)
class Resource:
    """A parsed Task ``Resource``.

    ``kind``: ``lambda-function`` (a function ARN), ``integration``
    (``arn:aws:states:::service:api[.sync|.waitForTaskToken]``), ``activity`` or ``other``.
    ``service``/``api`` are what history events call ``resourceType``/``resource``;
    ``pattern`` is ``request-response``, ``sync``, ``sync:2`` or ``waitForTaskToken``.
    """

    arn: str
    kind: str
    service: str
    api: str
    pattern: str = "request-response"
    region: str | None = None
    account: str | None = None
    function_name: str | None = None
    qualifier: str | None = None

    @property
    def action(self) -> str:
        """The API name without the pattern suffix (``startExecution`` for ``.sync:2``)."""
        return self.api.split(".", 1)[0]

    @property
    def base_arn(self) -> str:
        """The ARN without a ``.sync``/``.waitForTaskToken`` suffix."""
        if self.kind == "integration" and "." in self.api:
            return self.arn[: len(self.arn) - len(self.api) + len(self.action)]
        return self.arn

    @property
    def unqualified_arns(self) -> tuple[str, ...]:
        """The forms a handler may be registered under: ``arn:aws:states:::service:api``
        for an integration ARN written with a region and account, with and without its
        ``.sync``/``.waitForTaskToken`` suffix."""
        if self.kind != "integration" or self.region is None:
            return ()
        return (
            f"arn:aws:states:::{self.service}:{self.api}",
            f"arn:aws:states:::{self.service}:{self.action}",
        )

    @property
    def limit_name(self) -> str:
        """The name AWS puts in States.DataLimitExceeded causes."""
        if self.kind == "lambda-function":
            return self.arn
        return self.service


def parse_resource(arn: str) -> Resource:
    m = _LAMBDA_ARN.fullmatch(arn)
    if m:
        return Resource(
            arn=arn,
            kind="lambda-function",
            service="lambda",
            api=m["name"],
            region=m["region"],
            account=m["account"],
            function_name=m["name"],
            qualifier=m["qualifier"],
        )
    m = _STATES_ARN.fullmatch(arn)
    if m:
        rest = m["rest"]
        if rest.startswith("activity:"):
            return Resource(
                arn,
                "activity",
                "activity",
                rest.split(":", 1)[1],
                region=m["region"],
                account=m["account"],
            )
        # an integration ARN names both region and account or neither
        # (arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject is accepted by AWS)
        if ":" in rest and bool(m["region"]) == bool(m["account"]):
            service, api = rest.split(":", 1)
            if service == "aws-sdk":
                service, api = api.split(":", 1) if ":" in api else (api, "")
                service = "aws-sdk:" + service
            pattern = "request-response"
            if api.endswith(".waitForTaskToken"):
                pattern = "waitForTaskToken"
            elif api.endswith(".sync:2"):
                pattern = "sync:2"
            elif api.endswith(".sync"):
                pattern = "sync"
            return Resource(
                arn,
                "integration",
                service,
                api,
                pattern,
                region=m["region"] or None,
                account=m["account"] or None,
            )
    return Resource(arn, "other", "other", arn)


@dataclass
class TaskRequest:
    """What a backend gets for one Task attempt."""

    resource: Resource
    parameters: Any  # the effective input (after Parameters / Arguments)
    state_name: str
    context: dict[str, Any]  # the Context object ($$)
    timeout_seconds: int | None
    heartbeat_seconds: int | None
    credentials: Any
    env: TaskEnvironment
    started: Callable[[], None]
    submitted: Callable[[Any], None]
    was_started: bool = False
    result_size: int | None = None  # backends that have the raw bytes may set this
    extra: dict[str, Any] = field(default_factory=dict)

    def mark_started(self) -> None:
        """Record TaskStarted / LambdaFunctionStarted (once)."""
        if not self.was_started:
            self.was_started = True
            self.started()

    @property
    def clock(self) -> Clock:
        return self.env.clock


ChildStarter = Callable[..., Awaitable[Any]]


@dataclass
class TaskEnvironment:
    """What backends may see and use of the execution they serve.

    ``task_group`` is the execution's own task group, where the child executions its
    tasks start run; ``children`` lists ``(Execution, TaskEnvironment)`` of every child
    (shared along a family of executions); ``services`` keeps per-execution state of
    backends (pending callbacks, started execution ARNs), shared with children.
    ``run_child(machine, input, backends=..., name=..., state_machine_name=..., region=...,
    account_id=..., on_start=...)`` runs a compiled machine as a child execution;
    ``abort(error, cause)`` stops this execution as StopExecution does; ``on_end``
    callbacks run once it has ended (before its children have, perhaps).
    """

    clock: Clock
    region: str
    account_id: str
    backends: Backends
    start_time: datetime
    deadline: datetime | None = None
    task_group: Any = None
    children: list[tuple[Any, TaskEnvironment]] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)
    run_child: ChildStarter | None = None
    abort: Callable[[str | None, str | None], None] = lambda error, cause: None
    # called once the execution itself has ended (its children may still run)
    on_end: list[Callable[[], None]] = field(default_factory=list)

    @property
    def execution_deadline(self) -> datetime:
        """When the execution times out: its TimeoutSeconds, else AWS's one-year maximum."""
        return self.deadline if self.deadline is not None else self.start_time + MAX_EXECUTION

    async def start_child(self, machine: StateMachine, input: Any, **options: Any) -> Any:
        """Run ``machine`` as a child execution of this one (see ``run_child``)."""
        if self.run_child is None:
            raise StatesError("States.Runtime", "this execution cannot start child executions")
        return await self.run_child(machine, input, parent=self, **options)


@runtime_checkable
class TaskBackend(Protocol):
    """Runs Task states for the resources it ``handles``.

    ``run`` returns the task result (a JSON value) or raises `StatesError` with the
    error name and cause AWS would report.
    """

    def handles(self, resource: Resource) -> bool: ...

    async def run(self, request: TaskRequest) -> Any: ...


class Backends:
    """An ordered list of backends; the first that handles a resource runs it."""

    def __init__(self, backends: list[TaskBackend] | None = None):
        self.backends: list[TaskBackend] = list(backends or [])

    def add(self, backend: TaskBackend, *, first: bool = False) -> None:
        if first:
            self.backends.insert(0, backend)
        else:
            self.backends.append(backend)

    async def finish(self) -> None:
        """Let backends complete deferred work (queued asynchronous invocations...)."""
        for backend in self.backends:
            finish = getattr(backend, "finish", None)
            if finish is not None:
                await finish()

    def resolve(self, resource: Resource) -> TaskBackend:
        for backend in self.backends:
            if backend.handles(resource):
                return backend
        return _Unhandled()


class _Unhandled:
    """Fails a Task whose Resource has no backend, saying how to register one."""

    def handles(self, resource: Resource) -> bool:
        return True

    async def run(self, request: TaskRequest) -> Any:
        arn = request.resource.arn
        if request.resource.kind == "lambda-function" or request.resource.action == "invoke":
            hint = (
                "pass functions={'<name or ARN>': handler} (or a LambdaRuntime) to asl.run, "
                "or --functions MODULE_OR_DIR to asl run"
            )
        else:
            hint = (
                f"pass resources={{'{request.resource.base_arn}': handler}} to asl.run "
                "(handler(parameters, context) returns the result), or a mock configuration"
            )
        raise StatesError(
            "States.Runtime",
            f"No backend for resource '{arn}' in state '{request.state_name}': {hint}.",
        )
