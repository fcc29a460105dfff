"""Diagnostics: what validation reports about a definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a definition.

    ``code`` is a stable identifier (e.g. ``MISSING_TRANSITION_TARGET``), ``path`` a JSON
    pointer to the offending value (``""`` for the whole document), ``line``/``column``
    1-based positions in the source text (``None`` when the source had no text).
    """

    code: str
    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}: " if self.line is not None else ""
        at = f" (at {self.path})" if self.path else ""
        return f"{where}{self.code} {self.message}{at}"


def pointer(*parts: str | int) -> str:
    """The JSON pointer for a sequence of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
