"""Validation of state machine definitions: text, structure (JSON Schema) and semantics.

``validate(source)`` loads a definition and checks it; ``check(loaded)`` checks one that is
already loaded.  Both return Diagnostics sorted by position and never raise for a bad
definition.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from asl.diagnostics import Diagnostic
from asl.loading import LoadedDefinition, json_value_problems, load
from asl.validation.codes import INTERNAL_ERROR

__all__ = ["check", "validate"]


def validate(
    source: Any, *, filename: str | None = None, machine_type: str = "STANDARD"
) -> list[Diagnostic]:
    """Every problem found in a definition (text, bytes, dict or path); [] means valid.

    ``machine_type`` is ``"STANDARD"`` or ``"EXPRESS"`` (Express machines cannot use
    ``.sync``, ``.waitForTaskToken`` or activities).  Warnings do not make a definition
    invalid.  Raises TypeError only when ``source`` is of an unsupported type.
    """
    loaded, diagnostics = load(source, filename=filename)
    if loaded is None:
        return diagnostics
    return _sorted(_unique(diagnostics + check(loaded, machine_type=machine_type)))


def check(
    loaded: LoadedDefinition, *, machine_type: str = "STANDARD", errors_only: bool = False
) -> list[Diagnostic]:
    """Schema and semantic diagnostics for a loaded definition, with line/column filled in
    from its source and sorted by position.  ``errors_only`` skips the rules that can only
    warn (for callers that just need to know whether the definition is valid)."""
    from asl.validation.model import Definition
    from asl.validation.rules import ADVISORY, all_rules

    if (loaded.syntax != "json" or loaded.text is None) and not loaded.json_checked:
        # A YAML document or a dict built in Python may hold what JSON cannot (non-string
        # keys, NaN, endless nesting...); load() reports it, but check() may be called on
        # its own, and the rules assume JSON values, so stop here.
        problems = json_value_problems(loaded.document, loaded)
        if problems:
            return _sorted(problems)
    definition = Definition(loaded.document, machine_type=machine_type)
    found: list[Diagnostic] = []
    for rule in all_rules():
        if errors_only and rule in ADVISORY:
            continue
        try:
            found.extend(rule(definition))
        except Exception as exc:  # a crashing rule is a bug in asl; say so instead of raising
            message = f"validation rule {rule.__name__} failed: {type(exc).__name__}: {exc}"
            found.append(Diagnostic(INTERNAL_ERROR, message))
    return _sorted([_located(d, loaded) for d in _unique(found)])


def _located(diagnostic: Diagnostic, loaded: LoadedDefinition) -> Diagnostic:
    """The diagnostic with line and column of its pointer, when the source had text."""
    if diagnostic.line is not None or loaded.text is None:
        return diagnostic
    position = loaded.position(diagnostic.path)
    if position is None:
        return diagnostic
    return dataclasses.replace(diagnostic, line=position[0], column=position[1])


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics without exact repeats (two rules may notice the same problem)."""
    return list(dict.fromkeys(diagnostics))


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in source order (those without a position first, then by pointer)."""
    return sorted(diagnostics, key=lambda d: (d.line or 0, d.column or 0, d.path, d.code))
