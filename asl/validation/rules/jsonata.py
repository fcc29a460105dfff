"""JSONata in JSONata states: every ``{% ... %}`` string parses, reads no bare top-level
field, and uses ``$states.result`` / ``$states.errorOutput`` only where AWS provides them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import (
    INVALID_JSONATA_EXPRESSION,
    JSONATA_DELIMITERS,
    UNSUPPORTED_JSONATA_EXPRESSION,
)
from asl.validation.model import Definition, State
from asl.validation.registry import advisory, rule

# Fields whose values may hold JSONata, at the top of a state.
STATE_FIELDS = (
    "Arguments",
    "Output",
    "Assign",
    "Items",
    "ItemSelector",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "Seconds",
    "Timestamp",
    "MaxConcurrency",
    "ToleratedFailurePercentage",
    "ToleratedFailureCount",
    "Error",
    "Cause",
    "Credentials",
)
# ... and inside Map sub-objects.
NESTED_FIELDS = (
    ("ItemReader", "Arguments"),
    ("ItemReader", "ReaderConfig", "MaxItems"),
    ("ResultWriter", "Arguments"),
    ("ItemBatcher", "MaxItemsPerBatch"),
    ("ItemBatcher", "MaxInputBytesPerBatch"),
    ("ItemBatcher", "BatchInput"),
)
# $states members every expression may read; the others only where noted.
ALWAYS = frozenset({"input", "context"})
RESULT_STATES = ("Task", "Map", "Parallel")

# Compiled by ``re`` on first use: only a fallback for expressions without a syntax tree.
_STATES_MEMBER = r"\$states\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)"


def _value_at(node: Any, parts: tuple[str | int, ...]) -> tuple[bool, Any]:
    """(found, value) at ``parts`` inside ``node``."""
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False, None
    return True, node


def fields(state: State) -> Iterator[tuple[tuple[str | int, ...], Any, frozenset[str]]]:
    """(parts, value, allowed $states members) of each field of a JSONata state."""
    with_result = ALWAYS | {"result"} if state.type in RESULT_STATES else ALWAYS
    for key in STATE_FIELDS:
        if key in state.node:
            allowed = with_result if key in ("Output", "Assign") else ALWAYS
            yield (key,), state.node[key], allowed
    for parts in NESTED_FIELDS:
        found, value = _value_at(state.node, parts)
        if found:
            yield parts, value, ALWAYS
    for list_key, keys, allowed in (
        ("Catch", ("Output", "Assign"), ALWAYS | {"errorOutput"}),
        ("Choices", ("Condition", "Output", "Assign"), ALWAYS),
    ):
        items = state.node.get(list_key)
        if isinstance(items, list):
            for index, item in enumerate(items):
                for key in keys:
                    if isinstance(item, dict) and key in item:
                        yield (list_key, index, key), item[key], allowed


def strings(value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string inside a JSON value, with its parts below the value."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while pending:
        parts, node = pending.pop()
        if isinstance(node, str):
            yield parts, node
        elif isinstance(node, dict):
            pending.extend(((*parts, k), v) for k, v in node.items())
        elif isinstance(node, list):
            pending.extend(((*parts, i), v) for i, v in enumerate(node))


def _is_jsonata(text: str) -> bool:
    return len(text) >= 4 and text.startswith("{%") and text.endswith("%}")


@rule
def jsonata_expressions(definition: Definition) -> Iterator[Diagnostic]:
    """Each JSONata expression parses and reads only what AWS lets it read."""
    for state in definition.jsonata_states:
        # Imported here: the JSONata engine is only loaded for definitions that use it.
        from asl.expressions.jsonata import compile_jsonata

        for parts, value, allowed in fields(state):
            for inner, text in strings(value):
                if not _is_jsonata(text):
                    continue
                where = state.at(*parts, *inner)
                try:
                    expression = compile_jsonata(text)
                except ValueError as exc:
                    describe = getattr(exc, "describe", None)
                    message = describe() if callable(describe) else str(exc)
                    yield Diagnostic(INVALID_JSONATA_EXPRESSION, message, where)
                    continue
                yield from _restrictions(expression, str(parts[-1]), allowed, where)


def _restrictions(
    expression: Any, field: str, allowed: frozenset[str], where: str
) -> Iterator[Diagnostic]:
    """UNSUPPORTED_JSONATA_EXPRESSION for what reads the (absent) input document at the top
    level -- bare field names, ``$`` and ``$$`` -- and for misplaced ``$states`` members."""
    names = list(expression.top_level_field_references())
    context = getattr(expression, "top_level_context_references", None)
    if callable(context):
        names += context()
    for name in names:
        message = f"Reference to '{name}' at the top level is not supported."
        yield Diagnostic(UNSUPPORTED_JSONATA_EXPRESSION, message, where)
    for member in sorted(_states_members(expression)):
        if member in ("result", "errorOutput") and member not in allowed:
            message = f"$states.{member} is not available in the field '{field}'"
            yield Diagnostic(UNSUPPORTED_JSONATA_EXPRESSION, message, where)


def _states_members(expression: Any) -> set[str]:
    """The ``$states`` members an expression reads (from its syntax tree when possible)."""
    references = getattr(expression, "states_references", None)
    if callable(references):
        return set(references())
    return set(re.findall(_STATES_MEMBER, expression.source))


@advisory
def jsonata_delimiters(definition: Definition) -> Iterator[Diagnostic]:
    """Warn about strings that look like JSONata but are taken literally (bad delimiters)."""
    for state in definition.jsonata_states:
        for parts, value, _ in fields(state):
            for inner, text in strings(value):
                stripped = text.strip()
                opens, closes = stripped.startswith("{%"), stripped.endswith("%}")
                if (opens or closes) and not _is_jsonata(text):
                    message = (
                        "This string is taken literally: a JSONata expression must start with '{%'"
                        " and end with '%}', with nothing outside them"
                    )
                    yield Diagnostic(
                        JSONATA_DELIMITERS, message, state.at(*parts, *inner), severity="warning"
                    )
