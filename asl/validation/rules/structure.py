"""Structure: the definition, and each state, against the JSON Schema for ASL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from asl.diagnostics import Diagnostic, pointer
from asl.validation import schema
from asl.validation.codes import SCHEMA_VALIDATION_FAILED
from asl.validation.model import JSONATA, JSONPATH, Definition, State
from asl.validation.registry import rule

STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")


@rule
def top_level_structure(definition: Definition) -> Iterator[Diagnostic]:
    """The top-level fields: StartAt and States required, known fields only, right types."""
    document = definition.document
    if not isinstance(document, dict):
        message = "Definition must be a valid JSON object"
        if isinstance(document, str) and _looks_like_a_path(document):
            message += (
                f" (the text given was {document!r}, which names a file: pass a pathlib.Path"
                " to read it)"
            )
        yield Diagnostic(SCHEMA_VALIDATION_FAILED, message)
        return
    yield from _check(document, "stateMachine", "")


@rule
def state_structure(definition: Definition) -> Iterator[Diagnostic]:
    """Each state against the schema of its Type and query language."""
    for state in definition.states:
        kind = state.type
        if kind is None:
            yield Diagnostic(
                SCHEMA_VALIDATION_FAILED, "These fields are required: [Type]", state.pointer
            )
        elif kind not in STATE_TYPES:
            values = ", ".join(STATE_TYPES)
            message = f"The field 'Type' should have one of these values: [{values}]"
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at("Type"))
        else:
            yield from _check_state(state)


def _check_state(state: State) -> Iterator[Diagnostic]:
    """Schema diagnostics for one state, naming the query language of misplaced fields."""
    name = f"{state.type}.{state.query_language}"
    if schema.is_valid(state.node, name):
        return
    other = JSONATA if state.query_language == JSONPATH else JSONPATH
    other_fields = _properties(f"{state.type}.{other}")
    for error in schema.errors(state.node, name):
        message = error.message
        if (
            error.keyword == "additionalProperties"
            and len(error.path) == 1
            and error.path[0] in other_fields
        ):
            message = (
                f"The field '{error.path[0]}' is not supported in {state.query_language} states"
                f" (it belongs to {other} states)"
            )
        yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.pointer + pointer(*error.path))


def _check(value: Any, definition: str, base: str) -> Iterator[Diagnostic]:
    """Schema diagnostics for ``value`` against a named definition, at pointer ``base``."""
    if schema.is_valid(value, definition):
        return
    for error in schema.errors(value, definition):
        yield Diagnostic(SCHEMA_VALIDATION_FAILED, error.message, base + pointer(*error.path))


def _properties(definition: str) -> set[str]:
    """The field names a schema definition allows."""
    return set(schema.schema_document()["$defs"].get(definition, {}).get("properties", {}))


def _looks_like_a_path(text: str) -> bool:
    """Whether a one-line text names an existing file (a common mistake: a str is text)."""
    import os

    return "\n" not in text and len(text) < 4096 and os.path.isfile(text)
