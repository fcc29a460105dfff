"""CloudWatch-style logs of invocations: START, END, REPORT and what the function printed."""

from __future__ import annotations

import base64
import math
import secrets
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
