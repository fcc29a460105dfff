"""Small builders and assertions shared by the validation tests."""

from __future__ import annotations

import json
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation import validate


def machine(states: dict[str, Any], start: str | None = None, **top: Any) -> dict[str, Any]:
    """A state machine holding ``states``; StartAt defaults to the first state."""
    return {"StartAt": start if start is not None else next(iter(states)), "States": states, **top}


def single(state: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A machine with one state named A."""
    return machine({"A": state}, **top)


def errors(source: Any, **options: Any) -> list[Diagnostic]:
    """The error diagnostics of a definition."""
    return [d for d in validate(source, **options) if d.severity == "error"]


def accepts(source: Any, **options: Any) -> None:
    """Assert the definition has no error diagnostic."""
    found = errors(source, **options)
    assert found == [], found


def text_position(text: str, at: str | None = None, after: str | None = None) -> tuple[int, int]:
    """1-based (line, column) where ``at`` starts, or where ``after`` ends, in ``text``.

    An oracle independent of asl: plain string search for a unique marker.
    """
    needle = at if at is not None else after
    assert needle is not None and text.count(needle) == 1, f"marker {needle!r} must be unique"
    offset = text.index(needle) + (len(needle) if after is not None else 0)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def rejects(
    document: dict[str, Any],
    code: str,
    path: str,
    *,
    at: str | None = None,
    after: str | None = None,
    severity: str = "error",
    **options: Any,
) -> Diagnostic:
    """Assert the definition gets ``code`` at ``path``; with ``at``/``after``, also check the
    line and column reported for its JSON text (indent 2).  Returns the diagnostic."""
    found = [d for d in validate(document, **options) if d.code == code and d.path == path]
    assert found, f"no {code} at {path!r} in {validate(document, **options)}"
    assert found[0].severity == severity, found[0]
    if at is not None or after is not None:
        text = json.dumps(document, indent=2)
        located = [d for d in validate(text, **options) if d.code == code and d.path == path]
        assert located, validate(text, **options)
        assert (located[0].line, located[0].column) == text_position(text, at, after)
    return found[0]
