"""Retry and Catch: ``States.ALL`` must be alone in its ErrorEquals and in the last
retrier or catcher."""

from __future__ import annotations

from collections.abc import Iterator

from asl.diagnostics import Diagnostic
from asl.validation.codes import SCHEMA_VALIDATION_FAILED
from asl.validation.model import Definition
from asl.validation.registry import rule

WILDCARD = "States.ALL"
_HOLDERS = frozenset({"Retry", "Catch"})


@rule
def states_all_alone_and_last(definition: Definition) -> Iterator[Diagnostic]:
    """``States.ALL`` appears alone, and only in the last Retry or Catch entry."""
    for state in definition.states:
        if _HOLDERS.isdisjoint(state.node):  # most states: nothing to look into
            continue
        for key in ("Retry", "Catch"):
            entries = state.node.get(key)
            if not isinstance(entries, list):
                continue
            for index, entry in enumerate(entries):
                errors = entry.get("ErrorEquals") if isinstance(entry, dict) else None
                if not isinstance(errors, list) or WILDCARD not in errors:
                    continue
                where = state.at(key, index, "ErrorEquals")
                if len(errors) > 1:
                    message = f"'{WILDCARD}' must appear alone in ErrorEquals"
                    yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, where)
                if index != len(entries) - 1:
                    kind = "retrier" if key == "Retry" else "catcher"
                    message = f"'{WILDCARD}' must appear only in the last {kind}"
                    yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, where)
