"""Diagnostics in the shape of AWS's ValidateStateMachineDefinition response.

``{"result": "OK" | "FAIL", "diagnostics": [{"severity", "code", "message", "location"}],
"truncated": false}`` -- so scripts written against the AWS API work unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asl.diagnostics import Diagnostic

__all__ = ["MAX_RESULTS", "response"]

#: AWS's default and largest ``maxResults``.
MAX_RESULTS = 100


def response(
    diagnostics: Iterable[Diagnostic],
    *,
    severity: str = "ERROR",
    max_results: int = MAX_RESULTS,
) -> dict[str, Any]:
    """The ValidateStateMachineDefinition response for ``diagnostics``.

    ``severity`` is the minimum level returned (``"ERROR"``, AWS's default, or
    ``"WARNING"``); ``max_results`` caps the list (0 means the default, as on AWS).
    ``result`` is FAIL when any error exists, whatever is returned.
    """
    level = severity.upper()
    if level not in ("ERROR", "WARNING"):
        raise ValueError(f"severity must be 'ERROR' or 'WARNING', not {severity!r}")
    limit = max_results if 0 < max_results <= MAX_RESULTS else MAX_RESULTS
    diagnostics = list(diagnostics)
    failed = any(d.severity == "error" for d in diagnostics)
    shown = [d for d in diagnostics if level == "WARNING" or d.severity == "error"]
    return {
        "result": "FAIL" if failed else "OK",
        "diagnostics": [_entry(d) for d in shown[:limit]],
        "truncated": len(shown) > limit,
    }


def _entry(diagnostic: Diagnostic) -> dict[str, Any]:
    """One diagnostic as AWS writes it: upper-case severity, location as a JSON pointer."""
    return {
        "severity": diagnostic.severity.upper(),
        "code": diagnostic.code,
        "message": diagnostic.message,
        "location": diagnostic.path or "/",
    }
