"""CloudWatch-style logs of invocations: START, END, REPORT and what the function printed."""

from __future__ import annotations

import base64
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from asl.timestamps import iso_millis

TAIL_BYTES = 4096


@dataclass(frozen=True)
class LogEvent:
    """One log event of a function's log group.

    ``output`` is True for what the function's code wrote (print, sys.stderr, logging,
    and the error its failure logged); False for the runtime's own lines (INIT_START,
    START, END, REPORT, timeouts).
    """

    timestamp: datetime
    message: str
    log_group_name: str
    log_stream_name: str
    request_id: str | None = None
    output: bool = False

    @property
    def function_name(self) -> str:
        """The function whose log group this is."""
        return self.log_group_name.removeprefix("/aws/lambda/")


# (unix time, message) of a runtime line, or (unix time, message, True) of code output
Event = tuple[float, str] | tuple[float, str, bool]
_listeners: list[Callable[[LogEvent], object]] = []
_listeners_lock = threading.Lock()


def output(events: list[tuple[float, str]]) -> list[Event]:
    """Mark events as the function code's own output."""
    return [(stamp, message, True) for stamp, message in events]


def add_listener(listener: Callable[[LogEvent], object]) -> Callable[[], None]:
    """Call ``listener`` with every log event of every runtime in this process, as it is
    recorded (a pytest plugin shows handler output this way).  Returns a function that
    removes it.  A listener that raises is removed."""
    with _listeners_lock:
        _listeners.append(listener)

    def remove() -> None:
        with _listeners_lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return remove


def log_group_name(function_name: str) -> str:
    """``/aws/lambda/<function>``."""
    return f"/aws/lambda/{function_name}"


def log_stream_name(version: str, when: datetime | None = None) -> str:
    """A new environment's stream: ``YYYY/MM/DD/[<version>]<32 hex digits>``."""
    moment = when or datetime.now(timezone.utc)
    day = f"{moment.year:04d}/{moment.month:02d}/{moment.day:02d}"
    return f"{day}/[{version}]{secrets.token_hex(16)}"


def start_line(request_id: str, version: str) -> str:
    """``START RequestId: <id> Version: <version>``."""
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    """``END RequestId: <id>``."""
    return f"END RequestId: {request_id}"


def timeout_line(when: datetime, request_id: str, timeout: int) -> str:
    """The line Lambda writes when an invocation runs out of time."""
    stamp = iso_millis(when)
    return f"{stamp} {request_id} Task timed out after {timeout:.2f} seconds"


def init_start_line(runtime: str) -> str:
    """``INIT_START`` written before a cold start's init phase."""
    return f"INIT_START Runtime Version: {runtime.replace('python', 'python:')}.asl"


def report_line(
    request_id: str,
    duration_ms: float,
    memory_size: int,
    max_memory_used: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """``REPORT`` with Lambda's fields; billed duration includes on-demand init time."""
    billed = math.ceil(duration_ms + (init_duration_ms or 0.0))
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {max(billed, 1)} ms",
        f"Memory Size: {memory_size} MB",
        f"Max Memory Used: {min(max_memory_used, memory_size)} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status is not None:
        fields.append(f"Status: {status}")
    if error_type is not None:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields) + "\t"


def tail(messages: list[str]) -> str:
    """``LogResult`` of an invoke with ``LogType: Tail``: base64 of the last 4 KB of log."""
    text = "".join(m + "\n" for m in messages).encode("utf-8")[-TAIL_BYTES:]
    return base64.b64encode(text).decode("ascii")


class LogBook:
    """The log events of a runtime's functions, in order; thread-safe.

    ``listeners`` are called with each new event (a test harness shows them like
    captured output); one that raises is dropped.
    """

    def __init__(self) -> None:
        self._events: list[LogEvent] = []
        self._lock = threading.Lock()
        self.listeners: list[Callable[[LogEvent], object]] = []

    def record(
        self,
        function_name: str,
        log_stream_name: str,
        request_id: str | None,
        events: list[Event],
        offset: float,
    ) -> None:
        """Add events (see :data:`Event`); ``offset`` shifts them onto the runtime clock."""
        group = log_group_name(function_name)
        made = [
            LogEvent(
                datetime.fromtimestamp(event[0] + offset, timezone.utc),
                event[1],
                group,
                log_stream_name,
                request_id,
                len(event) > 2,
            )
            for event in events
        ]
        with self._lock:
            self._events.extend(made)
        if self.listeners:
            _notify(self.listeners, self._lock, made)
        if _listeners:
            _notify(_listeners, _listeners_lock, made)

    def events(
        self, function_name: str | None = None, request_id: str | None = None
    ) -> list[LogEvent]:
        """Events of one function and/or one request (all by default), oldest first."""
        group = log_group_name(function_name) if function_name else None
        with self._lock:
            return [
                e
                for e in self._events
                if (group is None or e.log_group_name == group)
                and (request_id is None or e.request_id == request_id)
            ]

    def clear(self) -> None:
        """Forget every event recorded so far."""
        with self._lock:
            self._events.clear()


def _notify(
    listeners: list[Callable[[LogEvent], object]], lock: Any, events: list[LogEvent]
) -> None:
    with lock:
        targets = list(listeners)
    for listener in targets:
        try:
            for event in events:
                listener(event)
        except Exception:
            with lock:
                if listener in listeners:
                    listeners.remove(listener)
