"""The public `Execution`: what running a state machine gives back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from asl.errors import ASLError, ConfigurationError
from asl.execution.history import History
from asl.expressions.templates import compact_json as compact

if TYPE_CHECKING:
    from asl.ast import StateMachine

Status = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]


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
        machine: StateMachine | None = None,
        renderer: Callable[[Execution], str] | None = None,
    ):
        self.name = name
        self.arn = arn
        self.execution_arn = arn
        self.state_machine_arn = state_machine_arn
        self.input = input
        self.start_date = start_date
        self.stop_date: datetime | None = None
        self.status: Status = "RUNNING"
        self.output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self._history = history
        self._events: list[dict[str, Any]] | None = None
        self.machine = machine  # the compiled machine this is an execution of
        self._renderer = renderer

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
        for event in reversed(self.history):
            details = event.get(key)
            if event["type"].endswith(suffix) and details and details.get("name") == name:
                return json.loads(details[field])
        raise KeyError(f"state {name!r} has no {suffix[5:].lower()} event in this execution")

    def events(self, *types: str) -> list[dict[str, Any]]:
        """The history events of the given types (all events when none given); a name
        that is no history event type is an error (a typo would otherwise match nothing)."""
        if types:
            from asl.execution.history import unknown_event_types

            problems = unknown_event_types(types)
            if problems:
                raise ConfigurationError("; ".join(problems))
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

    def explain(self, *, lambda_runtime: Any = None) -> str:
        """The execution told in words: status, the path taken (each state's outcome,
        retries, catches), the failing state, error and cause, and a Lambda handler's
        Python traceback (and, given the `LambdaRuntime`, what it printed)."""
        from asl.execution.explain import explain

        return explain(self, lambda_runtime=lambda_runtime)

    def raise_for_status(self) -> Execution:
        """Raise `asl.ExecutionFailed` (its message is `explain`) unless the execution
        succeeded; returns the execution when it did."""
        if self.status != "SUCCEEDED":
            from asl.errors import ExecutionFailed

            raise ExecutionFailed(self)
        return self

    def to_html(self) -> str:
        """The execution view as one offline HTML page: the machine's graph with the path
        taken, a timeline of the history and each state's input and output on click
        (what ``asl run --report FILE`` writes)."""
        if self._renderer is None:
            raise ASLError("this execution was not started by asl.run / asl.execute")
        return self._renderer(self)

    def __repr__(self) -> str:
        # cheap on purpose (asyncio may repr a task's result): no output, a short cause
        detail = "" if self.error is None else f" error={self.error!r}"
        return f"<Execution {self.name} {self.status}{detail}>"
