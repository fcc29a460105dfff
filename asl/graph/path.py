"""The path an execution took, read from its history events: the visits (one entry into a
state each) that `asl.execution.explain.visits` finds, drawn on a graph.

Coverage (`asl.testing.coverage`) counts the same transitions (`transitions`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asl.execution.explain import Visit, event_details, visits
from asl.graph.model import Graph, Transition, key_text

__all__ = ["Visit", "execution_overlay", "state_runs", "timeline", "transitions", "visits"]

MAX_PAYLOAD = 32_768  # characters of one input/output shown in the HTML view
MAX_VISITS = 50  # visits of one state kept with their payloads (Map iterations add up)


def transitions(graph: Graph, found: Sequence[Visit]) -> list[Transition]:
    """The transitions the visits took, one per time taken (labels as in `asl.graph.model`)."""
    from asl.execution.retry import error_matches  # the executor's own rule

    out: list[Transition] = []
    scope_starts = {
        (e.key[0], e.key[1]): e.key for e in graph.edges if e.kind == "Branch" and e.key
    }
    for visit in found:
        if visit.parent is not None:
            key = scope_starts.get((visit.parent.name, visit.name))
            if key is not None and visit.starts_scope:
                out.append(key)
        retriers = graph.retriers.get(visit.name, ())
        if visit.retries and retriers:
            for error in _retried_errors(visit, found)[: visit.retries]:
                for i, retrier in enumerate(retriers):
                    if error_matches(retrier.error_equals, error):
                        out.append((visit.name, visit.name, f"Retry[{i}]"))
                        break
        if visit.exited and visit.next_state is not None:
            label = _label(graph, visit)
            if label:
                out.append((visit.name, visit.next_state, label))
    return out


def _retried_errors(visit: Visit, found: Sequence[Visit]) -> list[str | None]:
    """The errors a visit failed with, one per attempt that failed."""
    errors = [error for error, _ in visit.errors]
    if len(errors) < visit.retries:
        # a Parallel or Map retried after a branch or iteration failed, with no failure
        # event of its own: the failed states inside it tell the errors
        errors += [
            v.last_failure[0]
            for v in found
            if not v.exited and v.ended_in_failure and _inside(v, visit)
        ]
    return errors


def _inside(visit: Visit, container: Visit) -> bool:
    parent = visit.parent
    while parent is not None:
        if parent is container:
            return True
        parent = parent.parent
    return False


def _label(graph: Graph, visit: Visit) -> str:
    from asl.execution.retry import error_matches  # the executor's own rule

    target = visit.next_state
    edges = [e for e in graph.edges if e.key and e.key[0] == visit.name and e.key[1] == target]
    labels = [e.key[2] for e in edges if e.key]
    if graph.state_types.get(visit.name) == "Choice":
        candidates = [lbl for lbl in labels if lbl.startswith("Choices[")]
        candidates += ["Default"] if "Default" in labels else []
        if len(candidates) > 1:
            picked = _which_rule(graph.choice_states.get(visit.name), visit)
            if picked in candidates:
                return picked
        return candidates[0] if candidates else ""
    if visit.ended_in_failure:
        error = visit.last_failure[0]
        catchers = graph.catchers.get(visit.name, ())
        for i, catcher in enumerate(catchers):
            if catcher.next == target and error_matches(catcher.error_equals, error):
                return f"Catch[{i}]"
        return next((lbl for lbl in labels if lbl.startswith("Catch[")), "")
    return "Next" if "Next" in labels else ""


def _which_rule(state: Any, visit: Visit) -> str | None:
    """Which rule sent a Choice state where it went, when several lead to the same state:
    the rules evaluated again on the recorded input (JSONPath rules reading neither
    variables nor the Context object, which the history does not hold); None if unknown."""
    from asl.execution.pipeline import apply_input_path
    from asl.execution.states.choice import evaluate_rule

    if state is None or state.query_language != "JSONPath" or visit.input is None:
        return None
    try:
        data = apply_input_path(state.input_path, json.loads(visit.input), {}, {})
        for i, rule in enumerate(state.choices):
            if evaluate_rule(rule, data, {}, {}):
                return f"Choices[{i}]"
    except Exception:  # a rule reading $$ or a variable: the history cannot say
        return None
    return "Default"


@dataclass
class StateRun:
    """What happened to one state across an execution."""

    name: str
    status: str  # succeeded, caught, failed, running
    visits: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    payloads: list[dict[str, Any]] = field(default_factory=list)


def visit_status(visit: Visit, finished: bool) -> str:
    """A visit's status: ``succeeded``, ``caught``, ``failed``, ``cancelled`` (stopped
    because a sibling branch or iteration failed, or still open when the execution ended)
    or ``running``."""
    status = visit.outcome
    if status == "not finished":
        return "cancelled" if finished else "running"
    return status


def state_runs(found: Sequence[Visit], finished: bool = True) -> dict[str, StateRun]:
    """Each entered state's outcome: failed beats caught beats running beats succeeded."""
    rank = {"succeeded": 0, "cancelled": 1, "running": 2, "caught": 3, "failed": 4}
    out: dict[str, StateRun] = {}
    for visit in found:
        status = visit_status(visit, finished)
        run = out.get(visit.name)
        if run is None:
            run = out[visit.name] = StateRun(visit.name, status)
        elif rank[status] > rank[run.status]:
            run.status = status
        run.visits += 1
        run.retries += visit.retries
        for error, _ in visit.errors:
            if error and error not in run.errors:
                run.errors.append(error)
        if len(run.payloads) < MAX_VISITS:
            # a visit's error is the one it ended with; errors it retried past are in .errors
            ended_in_error = status in ("caught", "failed")
            error, cause = visit.last_failure if ended_in_error else (None, None)
            run.payloads.append(
                {
                    "status": status,
                    "retries": visit.retries,
                    "input": _pretty(visit.input),
                    "output": _pretty(visit.output),
                    "error": error,
                    "cause": _pretty(cause),
                    "entered": visit.entered_id,
                    "exited": visit.exit_event.get("id") if visit.exit_event else None,
                }
            )
    return out


def _pretty(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pass
    return _cut(text)


def _cut(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_PAYLOAD:
        return text
    return text[:MAX_PAYLOAD] + f"\n\u2026 ({len(text) - MAX_PAYLOAD} more characters)"


def timestamp_ms(value: Any) -> float | None:
    """An event timestamp (datetime, ISO text or epoch seconds) as epoch milliseconds."""
    if isinstance(value, datetime):
        return value.timestamp() * 1000.0
    if isinstance(value, int | float):
        return float(value) * 1000.0
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000.0
        except ValueError:
            return None
    return None


def timeline(
    history: Sequence[Mapping[str, Any]], found: Sequence[Visit], finished: bool = True
) -> dict[str, Any]:
    """The history on the execution clock: each event's offset, and each visit's span (ms)."""
    owner: dict[int, str] = {}
    for visit in found:
        for mine in visit.events:
            if isinstance(mine.get("id"), int):
                owner[mine["id"]] = visit.name
    times = [timestamp_ms(e.get("timestamp")) for e in history]
    start = next((t for t in times if t is not None), 0.0)
    events = []
    for event, t in zip(history, times, strict=True):
        details = event_details(event)
        summary = details.get("error") or details.get("resource") or ""
        if "index" in details:
            summary = f"index {details['index']}"
        events.append(
            {
                "id": event.get("id"),
                "type": event.get("type"),
                "t": None if t is None else round(t - start, 3),
                "state": owner.get(event.get("id", -1)) or details.get("name") or "",
                "summary": _cut(str(summary)) if summary else "",
            }
        )
    end = max((t for t in times if t is not None), default=start)
    spans = []
    for visit in found:
        t0 = timestamp_ms(visit.entered_event.get("timestamp"))
        last: Mapping[str, Any] = visit.exit_event or visit.events[-1]
        t1 = timestamp_ms(last.get("timestamp"))
        if t0 is not None:
            spans.append(
                {
                    "state": visit.name,
                    "status": visit_status(visit, finished),
                    "start": round(t0 - start, 3),
                    "end": round((t1 if t1 is not None else t0) - start, 3),
                    "retries": visit.retries,
                }
            )
    return {"events": events, "spans": spans, "duration": round(end - start, 3)}


def execution_overlay(graph: Graph, execution: Any) -> dict[str, Any]:
    """The execution's path on ``graph``: state outcomes, transitions taken, the timeline."""
    history = list(execution.history)
    found = visits(history)
    taken: dict[str, int] = {}
    for key in transitions(graph, found):
        text = key_text(key)
        taken[text] = taken.get(text, 0) + 1
    finished = getattr(execution, "status", "RUNNING") != "RUNNING"
    ended: dict[str, int] = {}  # visits that left their scope (End, or a Succeed state)
    for visit in found:
        if visit.exited and visit.next_state is None and visit.outcome == "succeeded":
            ended[visit.name] = ended.get(visit.name, 0) + 1
    runs = state_runs(found, finished)
    return {
        "status": getattr(execution, "status", None),
        "name": getattr(execution, "name", None),
        "error": getattr(execution, "error", None),
        "cause": _cut(getattr(execution, "cause", None)),
        "output": _pretty(_json_or_none(execution)),
        "states": {name: vars(run) for name, run in runs.items()},
        "transitions": taken,
        "ended": ended,
        "timeline": timeline(history, found, finished),
    }


def _json_or_none(execution: Any) -> str | None:
    if getattr(execution, "status", None) != "SUCCEEDED":
        return None
    try:
        return json.dumps(execution.output, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(execution.output)
