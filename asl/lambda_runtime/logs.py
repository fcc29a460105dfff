"""CloudWatch-style logs of invocations: START, END, REPORT and what the function printed."""

from __future__ import annotations

import base64
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from asl.timestamps import iso_millis

TAIL_BYTES = 4096


@dataclass(frozen=True)
class LogEvent:
    """One log event of a function's log group."""

    timestamp: datetime
    message: str
    log_group_name: str
    log_stream_name: str
    request_id: str | None = None


def log_group_name(function_name: str) -> str:
    """``/aws/lambda/<function>``."""
    return f"/aws/lambda/{function_name}"


def log_stream_name(version: str, when: datetime | None = None) -> str:
    """A new environment's stream: ``YYYY/MM/DD/[<version>]<32 hex digits>``."""
    day = (when or datetime.now(timezone.utc)).strftime("%Y/%m/%d")
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
        events: list[tuple[float, str]],
        offset: float,
    ) -> None:
        """Add ``(unix time, message)`` events; ``offset`` shifts them onto the runtime clock."""
        group = log_group_name(function_name)
        made = [
            LogEvent(
                datetime.fromtimestamp(stamp + offset, timezone.utc),
                message,
                group,
                log_stream_name,
                request_id,
            )
            for stamp, message in events
        ]
        with self._lock:
            self._events.extend(made)
            listeners = list(self.listeners)
        for listener in listeners:
            for event in made:
                try:
                    listener(event)
                except Exception:
                    with self._lock:
                        if listener in self.listeners:
                            self.listeners.remove(listener)
                    break

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
