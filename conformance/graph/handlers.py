"""Handlers for the conformance/graph cases: the path an execution takes, as drawn."""

from __future__ import annotations

from typing import Any


class ThrottlingException(Exception):
    """Always raised: the Retry runs out and the Catch takes over."""


def always_throttled(event: Any, context: Any) -> Any:
    raise ThrottlingException("Rate exceeded")


def broken(event: Any, context: Any) -> Any:
    raise ValueError("broken handler")
