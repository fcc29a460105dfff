"""Intrinsic functions (``States.Format(...)`` and friends) for JSONPath states."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class IntrinsicSyntaxError(ValueError):
    """An intrinsic function call is malformed, unknown, or has the wrong arguments."""


class Intrinsic:
    """A compiled intrinsic function call."""

    def evaluate(self, data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
        """The call's value."""
        raise NotImplementedError


def is_intrinsic(text: str) -> bool:
    """True when ``text`` looks like a ``States.Name(...)`` call."""
    return isinstance(text, str) and text.startswith("States.") and text.rstrip().endswith(")")


def compile_intrinsic(text: str) -> Intrinsic:
    """Compile an intrinsic call (the parser is not written yet)."""
    raise IntrinsicSyntaxError(f"intrinsic functions are not supported yet: {text}")
