"""Explain an execution in words: the path it took, where it failed, and why.

    print(asl.testing.explain(execution))

The explanation is derived from the execution's history (the events of AWS
GetExecutionHistory) only, so it works for any `asl.Execution`.  A Lambda error's cause
(``{"errorMessage", "errorType", "stackTrace"}``) is shown as the Python traceback the
handler raised, with its own ``File "app.py", line N`` lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Events that end an attempt badly (Task, Lambda, activity, Parallel, Map...).
_FAILURE_SUFFIXES = ("Failed", "TimedOut", "StartFailed", "SubmitFailed", "Aborted")
# Events that start a (re)try of a state's work.
_ATTEMPT_TYPES = frozenset(
    {
        "LambdaFunctionScheduled",
        "TaskScheduled",
        "ActivityScheduled",
        "ParallelStateStarted",
        "MapStateStarted",
    }
)
_CONTAINER_PREFIXES = ("ParallelState", "MapState", "MapIteration", "MapRun")
_EXECUTION_END = frozenset(
    {"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted", "ExecutionSucceeded"}
)
_MAX_PATH_LINES = 60


@dataclass
class Visit:
    """One visit of a state, as the history tells it."""

    name: str
    type: str  # "Task", "Choice", ...
    entered_id: int
    depth: int = 0
    parent: Visit | None = None
    events: list[dict[str, Any]] = field(default_factory=list)  # the Entered event first
    exit_event: dict[str, Any] | None = None  # its ...StateExited event, once it left
    next_state: str | None = None  # the state entered right after this one exited
    starts_scope: bool = False  # first state of a Parallel branch or Map iteration

    @property
    def exited(self) -> bool:
        return self.exit_event is not None

    @property
    def entered_event(self) -> dict[str, Any]:
        return self.events[0]

    @property
    def input(self) -> Any:
        """The state's input as recorded (JSON text), or None."""
        return event_details(self.entered_event).get("input")

    @property
    def output(self) -> Any:
        """The state's output as recorded (JSON text), or None before it exited."""
        return event_details(self.exit_event).get("output") if self.exit_event else None

    @property
    def attempts(self) -> int:
        return sum(1 for e in self.events if e["type"] in _ATTEMPT_TYPES)

    @property
    def retries(self) -> int:
        """How many times a Retrier ran the state's work again."""
        return max(self.attempts - 1, 0)

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [e for e in self.events if is_failure(e)]

    @property
    def errors(self) -> list[tuple[str | None, str | None]]:
        """(error, cause) of each failure event, in order (an ...Aborted event that only
        follows a failure, with no details, left out)."""
        return [
            (details.get("error"), details.get("cause"))
            for details in (event_details(e) for e in self.failures if not _bare_abort(e))
        ]

    @property
    def last_failure(self) -> tuple[str | None, str | None]:
        """(error, cause) of the visit's last failure event."""
        errors = self.errors
        return errors[-1] if errors else (None, None)

    @property
    def ended_in_failure(self) -> bool:
        """Whether the visit's last attempt failed (a Fail state always does)."""
        if self.type == "Fail":
            return True
        for event in reversed(self.events):
            if event["type"].endswith(("StateExited", "StateEntered")):
                continue
            if event["type"].startswith("MapIteration"):
                continue  # the Map's own Succeeded/Failed event decides
            return is_failure(event)
        return False

    @property
    def outcome(self) -> str:
        """``succeeded``, ``caught``, ``failed``, ``cancelled`` (stopped because a sibling
        branch or iteration failed) or ``not finished``."""
        aborted = [e for e in self.events if e["type"].endswith("StateAborted")]
        # AWS also records a Task whose own failure ended its Parallel as aborted, after
        # the failure event: that visit failed; one aborted with no failure was cancelled
        if aborted and not any(
            is_failure(e) and not e["type"].endswith("StateAborted") for e in self.events
        ):
            return "cancelled"
        if aborted:
            return "failed"
        if self.ended_in_failure:
            return "caught" if self.exited else "failed"
        return "succeeded" if self.exited else "not finished"


def _bare_abort(event: Mapping[str, Any]) -> bool:
    """A ``...StateAborted`` event: recorded after the failure it follows, with no details."""
    return bool(event["type"].endswith("StateAborted"))


def is_failure(event: Mapping[str, Any]) -> bool:
    kind = event["type"]
    return (
        kind.endswith(_FAILURE_SUFFIXES)
        and not kind.startswith(("Execution", "MapIteration"))
        and not kind.endswith("StateExited")
    )


def event_details(event: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The ``...EventDetails`` dict of an event ({} when it has none)."""
    if not event:
        return {}
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping):
            return value
    return {}


def visits(history: Sequence[Mapping[str, Any]]) -> list[Visit]:
    """The state visits of a history, in the order the states were entered.

    Each event belongs to the visit its ``previousEventId`` chain leads back to;
    Parallel/Map bookkeeping events belong to the innermost Parallel or Map still open.
    """
    owner: dict[int, Visit | None] = {}
    by_id: dict[int, Mapping[str, Any]] = {}
    out: list[Visit] = []
    open_containers: list[Visit] = []
    for event in history:
        eid = event["id"]
        by_id[eid] = event
        kind = event["type"]
        prev_id = event.get("previousEventId") or 0
        prev = by_id.get(prev_id)
        prev_owner = owner.get(prev_id)
        if kind.endswith("StateEntered"):
            parent: Visit | None = None
            starts_scope = False
            if prev is not None and _is_container_event(prev["type"]):
                parent = owner.get(prev_id)
                starts_scope = parent is not None
            elif prev is not None and prev["type"].endswith("StateExited"):
                parent = prev_owner.parent if prev_owner else None
            visit = Visit(
                name=event_details(event).get("name", "?"),
                type=kind[: -len("StateEntered")],
                entered_id=eid,
                depth=0 if parent is None else parent.depth + 1,
                parent=parent,
                starts_scope=starts_scope,
            )
            if prev is not None and prev["type"].endswith("StateExited") and prev_owner:
                prev_owner.next_state = visit.name
            visit.events.append(dict(event))
            out.append(visit)
            owner[eid] = visit
            if visit.type in ("Parallel", "Map"):
                open_containers.append(visit)
            continue
        if _is_container_event(kind) and open_containers:
            current: Visit | None = open_containers[-1]
        elif kind in _EXECUTION_END:
            current = None
        else:
            current = prev_owner
        if kind.endswith("StateExited"):
            name = event_details(event).get("name")
            current = _open_visit(out, name) or current
            if current is not None:
                current.exit_event = dict(event)
                if current in open_containers:
                    open_containers.remove(current)
        owner[eid] = current
        if current is not None:
            current.events.append(dict(event))
    return out


def _is_container_event(kind: str) -> bool:
    """A Parallel or Map bookkeeping event (``MapIterationStarted``...), not a state's
    own Entered/Exited event."""
    return kind.startswith(_CONTAINER_PREFIXES) and not kind.endswith(
        ("StateEntered", "StateExited")
    )


def _open_visit(found: list[Visit], name: str | None) -> Visit | None:
    for visit in reversed(found):
        if visit.name == name and not visit.exited:
            return visit
    return None


def failing_visit(history: Sequence[Mapping[str, Any]], found: list[Visit]) -> Visit | None:
    """The visit in which the execution failed (None if it did not fail in a state)."""
    last = [v for v in found if not v.exited and v.outcome == "failed"]
    if last:
        # the last state entered of those that failed without leaving: for a Parallel
        # that failed because of a branch state, the branch state, where the fix goes
        return max(last, key=lambda v: (v.entered_id, v.depth))
    unfinished = [v for v in found if not v.exited]
    return unfinished[-1] if unfinished else None


def lambda_error(cause: str | None) -> dict[str, Any] | None:
    """The decoded Lambda error payload in a cause, or None when it is not one."""
    if not cause or not cause.lstrip().startswith("{"):
        return None
    try:
        doc = json.loads(cause)
    except ValueError:
        return None
    if isinstance(doc, dict) and ("errorMessage" in doc or "errorType" in doc):
        return doc
    return None


def format_lambda_error(payload: Mapping[str, Any]) -> str:
    """A Lambda error payload rendered as Python renders the exception.

    ``stackTrace`` entries in Python's form (``  File "x.py", line N, in f\\n    code\\n``)
    become a ``Traceback (most recent call last):`` block; other runtimes' frames are
    listed one per line.
    """
    error_type = payload.get("errorType") or "Error"
    message = payload.get("errorMessage")
    last = f"{error_type}: {message}" if message not in (None, "") else str(error_type)
    frames = payload.get("stackTrace") or []
    if not isinstance(frames, list) or not frames:
        return last
    text = [str(f) for f in frames]
    if all(f.lstrip().startswith("File ") for f in text):
        body = "".join(f if f.endswith("\n") else f + "\n" for f in text)
        return f"Traceback (most recent call last):\n{body}{last}"
    return last + "\n" + "\n".join("    " + f.strip() for f in text)


def format_cause(cause: str | None) -> str:
    """A cause made readable: a Lambda error as its traceback, other JSON indented."""
    if cause is None:
        return ""
    payload = lambda_error(cause)
    if payload is not None:
        return format_lambda_error(payload)
    return cause


def _path_lines(
    found: list[Visit], execution_error: str | None, stopped_in: Visit | None
) -> list[str]:
    rows: list[tuple[int, str, str, str]] = []
    for visit in found:
        outcome = visit.outcome
        if outcome == "not finished" and stopped_in is not None and visit is not stopped_in:
            outcome = "cancelled"  # a sibling branch or iteration failed first
        if outcome in ("failed", "caught"):
            error, _ = visit.last_failure
            if error is None and visit.type == "Fail":
                error = execution_error
            if error:
                outcome += f" ({error})"
        if visit.retries:
            times = "time" if visit.retries == 1 else "times"
            outcome += f", retried {visit.retries} {times}"
        if visit.exited and visit.next_state:
            outcome += f" -> {visit.next_state}"
        rows.append((visit.depth, visit.name, visit.type, outcome))
    # collapse runs of identical rows (Map iterations)
    merged: list[tuple[tuple[int, str, str, str], int]] = []
    for row in rows:
        if merged and merged[-1][0] == row:
            merged[-1] = (row, merged[-1][1] + 1)
        else:
            merged.append((row, 1))
    width = max((len(r[1]) + 2 * r[0] for r, _ in merged), default=0)
    kind_width = max((len(r[2]) for r, _ in merged), default=0)
    lines = []
    for (depth, name, kind, outcome), count in merged:
        label = "  " * depth + name
        times = f"  (x{count})" if count > 1 else ""
        lines.append(f"  {label.ljust(width)}  {kind.ljust(kind_width)}  {outcome}{times}")
    if len(lines) > _MAX_PATH_LINES:
        half = _MAX_PATH_LINES // 2
        skipped = len(lines) - 2 * half
        lines = lines[:half] + [f"  ... {skipped} more states ..."] + lines[-half:]
    return lines


def _execution_end(history: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for event in reversed(history):
        if event["type"] in _EXECUTION_END:
            return event
    return None


def explain(execution: Any, *, lambda_runtime: Any = None) -> str:
    """A readable account of an `asl.Execution`: its status, the path it took (each state
    with its outcome: succeeded, failed, caught, retried N times), the state it failed in,
    the error and the cause, a Lambda handler's traceback as Python prints it, and, given
    the ``lambda_runtime`` that ran it, what the failing invocation printed."""
    history = execution.history
    found = visits(history)
    name = getattr(execution, "name", "?")
    status = execution.status
    lines = [f"Execution {name!r} {status}"]
    failed = failing_visit(history, found) if status != "SUCCEEDED" else None
    if found:
        lines.append("Path taken:")
        lines.extend(_path_lines(found, execution.error, failed))
    else:
        lines.append("No state was entered.")
    if status == "SUCCEEDED":
        lines.append("Output: " + _short_json(getattr(execution, "output", None)))
        return "\n".join(lines)
    error, cause = execution.error, execution.cause
    if status == "TIMED_OUT":
        end = _execution_end(history)
        details = event_details(end) if end else {}
        error = error or details.get("error") or "States.Timeout"
        cause = cause or details.get("cause")
    if failed is not None:
        where = f"{failed.name!r} ({failed.type} state)"
        verb = "Failed in" if status == "FAILED" else "Stopped in"
        lines.append(f"{verb} state {where}")
    lines.append(f"Error: {error}" if error else "Error: (none)")
    if cause:
        rendered = format_cause(cause)
        if "\n" in rendered:
            lines.append("Cause:")
            lines.extend("  " + line for line in rendered.splitlines())
        else:
            lines.append(f"Cause: {rendered}")
    payload = lambda_error(cause)
    if payload is not None and lambda_runtime is not None and payload.get("requestId"):
        output = handler_output(lambda_runtime, request_id=str(payload["requestId"]))
        if output:
            lines.append("Handler output:")
            lines.extend("  " + line for line in output)
    return "\n".join(lines)


_PLATFORM_LINES = ("INIT_START ", "START RequestId:", "END RequestId:", "REPORT RequestId:")


def handler_output(lambda_runtime: Any, *, request_id: str | None = None) -> list[str]:
    """What handlers printed or logged (Lambda's START/END/REPORT lines left out)."""
    try:
        events = lambda_runtime.logs(request_id=request_id)
    except Exception:  # a runtime without logs, or one already closed
        return []
    return _printed(e.message for e in events)


def _printed(messages: Iterable[str]) -> list[str]:
    return [m for m in messages if not m.startswith(_PLATFORM_LINES)]


def format_logs(events: Iterable[Any]) -> str:
    """Lambda log events (`asl.lambda_runtime.LogEvent`) as the handlers' output, under a
    ``[function request ID]`` line per invocation; START/END/REPORT lines left out."""
    lines: list[str] = []
    request: tuple[str, str | None] | None = None
    for event in events:
        printed = _printed([event.message])
        if not printed:
            continue
        key = (event.log_group_name, event.request_id)
        if key != request:
            function = event.log_group_name.rsplit("/", 1)[-1]
            lines.append(f"[{function} request {event.request_id}]")
            request = key
        lines.extend(printed)
    return "\n".join(lines)


def _short_json(value: Any, limit: int = 500) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def summary(execution: Any) -> list[str]:
    """The explanation in at most four short lines (for assertion messages, which pytest
    truncates): status and failing state, error and cause, the states taken."""
    history = execution.history
    found = visits(history)
    status = execution.status
    head = f"Execution {getattr(execution, 'name', '?')!r} {status}"
    failed = failing_visit(history, found) if status != "SUCCEEDED" else None
    if failed is not None:
        head += f" in state {failed.name!r} ({failed.type} state)"
    lines = [head]
    if status != "SUCCEEDED":
        error = execution.error or ("States.Timeout" if status == "TIMED_OUT" else None)
        payload = lambda_error(execution.cause)
        if payload is not None:
            reason = format_lambda_error(payload).splitlines()[-1]
            lines.append(
                f"Error: {error}, raised {reason}"
                if error != payload.get("errorType")
                else f"Error: {reason}"
            )
        elif error:
            cause = execution.cause or ""
            text = f"Error: {error}" + (f", cause: {cause}" if cause else "")
            lines.append(text if len(text) <= 200 else text[:197] + "...")
    steps = []
    for visit in found:
        if visit.depth:
            continue
        outcome = visit.outcome
        steps.append(visit.name if outcome == "succeeded" else f"{visit.name} ({outcome})")
    path = " -> ".join(steps)
    lines.append("States: " + (path if len(path) <= 300 else "..." + path[-297:]))
    return lines
