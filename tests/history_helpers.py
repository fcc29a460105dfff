"""Helpers for tests that read an execution's history."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def seconds_between(earlier: dict[str, Any], later: dict[str, Any]) -> float:
    """Seconds from one history event to another, by their timestamps."""
    start: datetime = earlier["timestamp"]
    end: datetime = later["timestamp"]
    return (end - start).total_seconds()


def retry_waits(ex: Any, failed: str, scheduled: str) -> list[int]:
    """Whole seconds from each `failed` event to the next `scheduled` event (the retry)."""
    waits = []
    pending = None
    for event in ex.history:
        if event["type"] == failed:
            pending = event
        elif event["type"] == scheduled and pending is not None:
            waits.append(round(seconds_between(pending, event)))
            pending = None
    return waits


def lambda_cause(ex_or_error: Any) -> dict[str, Any]:
    """The Lambda error payload in an execution's (or a caught error's) cause."""
    cause = ex_or_error if isinstance(ex_or_error, str) else ex_or_error.cause
    decoded: dict[str, Any] = json.loads(cause)
    return decoded
