"""Execution history: events shaped like AWS GetExecutionHistory.

Recording must stay cheap on the hot path: an event's ``input``, ``output`` and
``parameters`` details hold references to the (never mutated) JSON values, serialised to
JSON text, as AWS returns them, only when the history is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from asl.execution.limits import DEFAULT_MAX_HISTORY_EVENTS, HistoryLimitExceeded
from asl.expressions.templates import compact_json

# details key of each event type (AWS's field names)
_DETAILS = {
    "ExecutionStarted": "executionStartedEventDetails",
    "ExecutionSucceeded": "executionSucceededEventDetails",
    "ExecutionFailed": "executionFailedEventDetails",
    "ExecutionAborted": "executionAbortedEventDetails",
    "ExecutionTimedOut": "executionTimedOutEventDetails",
    "TaskScheduled": "taskScheduledEventDetails",
    "TaskStarted": "taskStartedEventDetails",
    "TaskSubmitted": "taskSubmittedEventDetails",
    "TaskSucceeded": "taskSucceededEventDetails",
    "TaskFailed": "taskFailedEventDetails",
    "TaskStartFailed": "taskStartFailedEventDetails",
    "TaskSubmitFailed": "taskSubmitFailedEventDetails",
    "TaskTimedOut": "taskTimedOutEventDetails",
    "LambdaFunctionScheduled": "lambdaFunctionScheduledEventDetails",
    "LambdaFunctionSucceeded": "lambdaFunctionSucceededEventDetails",
    "LambdaFunctionFailed": "lambdaFunctionFailedEventDetails",
    "LambdaFunctionScheduleFailed": "lambdaFunctionScheduleFailedEventDetails",
    "LambdaFunctionStartFailed": "lambdaFunctionStartFailedEventDetails",
    "LambdaFunctionTimedOut": "lambdaFunctionTimedOutEventDetails",
    "ActivityScheduled": "activityScheduledEventDetails",
    "ActivityStarted": "activityStartedEventDetails",
    "ActivitySucceeded": "activitySucceededEventDetails",
    "ActivityFailed": "activityFailedEventDetails",
    "ActivityScheduleFailed": "activityScheduleFailedEventDetails",
    "ActivityTimedOut": "activityTimedOutEventDetails",
    "MapStateStarted": "mapStateStartedEventDetails",
    "MapIterationStarted": "mapIterationStartedEventDetails",
    "MapIterationSucceeded": "mapIterationSucceededEventDetails",
    "MapIterationFailed": "mapIterationFailedEventDetails",
    "MapIterationAborted": "mapIterationAbortedEventDetails",
    "MapRunStarted": "mapRunStartedEventDetails",
    "MapRunFailed": "mapRunFailedEventDetails",
    "EvaluationFailed": "evaluationFailedEventDetails",
}

# details fields holding JSON values (kept by reference), which AWS returns as JSON text
_JSON_FIELDS = frozenset({"input", "output", "parameters"})


def details_key(event_type: str) -> str | None:
    """The details field of an event type, e.g. ``stateEnteredEventDetails``."""
    if event_type.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if event_type.endswith("StateExited"):
        return "stateExitedEventDetails"
    return _DETAILS.get(event_type)


def to_json_text(value: Any) -> str:
    """JSON text the way Step Functions writes payloads (compact, Unicode kept)."""
    return compact_json(value)


class History:
    """Appends events; ``events()`` returns the AWS-shaped dicts."""

    __slots__ = ("_events", "max_events")

    def __init__(self, max_events: int | None = DEFAULT_MAX_HISTORY_EVENTS):
        self._events: list[tuple[str, int, datetime | float, dict[str, Any] | None]] = []
        self.max_events = max_events

    def __len__(self) -> int:
        return len(self._events)

    def add(
        self,
        event_type: str,
        previous: int,
        timestamp: datetime | float,
        details: dict | None = None,
    ) -> int:
        """Record an event and return its id (``timestamp``: a datetime or POSIX seconds)."""
        events = self._events
        if (
            self.max_events is not None
            and len(events) + 1 >= self.max_events
            and not event_type.startswith("Execution")
        ):
            # as on AWS, the last allowed event is the ExecutionFailed that ends the run
            raise HistoryLimitExceeded(self.max_events)
        events.append((event_type, previous, timestamp, details))
        return len(events)

    def events(self) -> list[dict[str, Any]]:
        out = []
        for i, (event_type, previous, timestamp, details) in enumerate(self._events, 1):
            if not isinstance(timestamp, datetime):
                timestamp = datetime.fromtimestamp(timestamp, timezone.utc)
            event: dict[str, Any] = {
                "timestamp": timestamp,
                "type": event_type,
                "id": i,
                "previousEventId": previous,
            }
            key = details_key(event_type)
            if key is not None:
                event[key] = _materialise(details) if details else {}
            out.append(event)
        return out


def _materialise(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in details.items():
        if k in _JSON_FIELDS:
            v = to_json_text(v)
        elif k == "assignedVariables":
            v = {name: to_json_text(val) for name, val in v.items()}
        out[k] = v
    return out


# HistoryEvent.type's valid values (AWS Step Functions API reference, HistoryEvent).
EVENT_TYPES = frozenset(
    """
    ActivityFailed ActivityScheduled ActivityScheduleFailed ActivityStarted
    ActivitySucceeded ActivityTimedOut ChoiceStateEntered ChoiceStateExited
    ExecutionAborted ExecutionFailed ExecutionStarted ExecutionSucceeded ExecutionTimedOut
    FailStateEntered LambdaFunctionFailed LambdaFunctionScheduled
    LambdaFunctionScheduleFailed LambdaFunctionStarted LambdaFunctionStartFailed
    LambdaFunctionSucceeded LambdaFunctionTimedOut MapIterationAborted MapIterationFailed
    MapIterationStarted MapIterationSucceeded MapStateAborted MapStateEntered MapStateExited
    MapStateFailed MapStateStarted MapStateSucceeded ParallelStateAborted
    ParallelStateEntered ParallelStateExited ParallelStateFailed ParallelStateStarted
    ParallelStateSucceeded PassStateEntered PassStateExited SucceedStateEntered
    SucceedStateExited TaskFailed TaskScheduled TaskStarted TaskStartFailed TaskStateAborted
    TaskStateEntered TaskStateExited TaskSubmitFailed TaskSubmitted TaskSucceeded
    TaskTimedOut WaitStateAborted WaitStateEntered WaitStateExited MapRunAborted
    MapRunFailed MapRunStarted MapRunSucceeded ExecutionRedriven MapRunRedriven
    EvaluationFailed
    """.split()
)


def unknown_event_types(types: Iterable[str]) -> list[str]:
    """One message per name that is not an AWS history event type (with the close match
    that was probably meant)."""
    import difflib

    out = []
    for kind in types:
        if kind not in EVENT_TYPES:
            close = difflib.get_close_matches(kind, EVENT_TYPES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.append(f"{kind!r} is not a history event type{hint}")
    return out
