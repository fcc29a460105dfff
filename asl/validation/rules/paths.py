"""Paths in JSONPath states: InputPath/OutputPath, ResultPath, ItemsPath, the ``...Path``
fields, Choice Variables and Fail ErrorPath/CausePath must compile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import SCHEMA_VALIDATION_FAILED
from asl.validation.model import Definition, State
from asl.validation.registry import rule

# How a path field may be written: "path" (any JSONPath), "reference" (a Reference Path),
# "result" (a Reference Path into the state input: no $$, no variables),
# "reference-or-intrinsic" (a Reference Path or an intrinsic function call).
STATE_PATH_FIELDS: dict[str, str] = {
    "InputPath": "path",
    "OutputPath": "path",
    "ResultPath": "result",
    "ItemsPath": "reference",
    "TimeoutSecondsPath": "reference",
    "HeartbeatSecondsPath": "reference",
    "SecondsPath": "reference",
    "TimestampPath": "reference",
    "MaxConcurrencyPath": "reference",
    "ToleratedFailurePercentagePath": "reference",
    "ToleratedFailureCountPath": "reference",
    "ErrorPath": "reference-or-intrinsic",
    "CausePath": "reference-or-intrinsic",
}

# Path fields inside sub-objects of a Map state.
NESTED_PATH_FIELDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ItemReader", "ReaderConfig", "MaxItemsPath"), "reference"),
    (("ItemBatcher", "MaxItemsPerBatchPath"), "reference"),
    (("ItemBatcher", "MaxInputBytesPerBatchPath"), "reference"),
)


# Paths made only of plain names and indexes (``$.a.b[0]``, ``$$.Execution.Id``, ``$var.x``)
# are valid for every kind but "result", which also needs the ``$`` root.  Most paths are
# like that; recognising them here spares loading the path compiler (tests/validation
# checks that the compiler accepts everything these match).
_NAME_STEPS = r"(?:\.[A-Za-z0-9_-]+|\[[0-9]{1,9}\])*"
SIMPLE_PATH = re.compile(r"(?:\$\$|\$[A-Za-z_][A-Za-z0-9_]*|\$)" + _NAME_STEPS)
SIMPLE_INPUT_PATH = re.compile(r"\$" + _NAME_STEPS)


def path_problem(text: Any, kind: str) -> str | None:
    """Why ``text`` is not a valid path of ``kind``, or None when it is valid."""
    if not isinstance(text, str):
        return None  # the schema reports wrong types
    return _path_problem(text, kind)


@lru_cache(maxsize=4096)
def _path_problem(text: str, kind: str) -> str | None:
    """``path_problem`` for a string; cached, as many states share their paths."""
    if (SIMPLE_INPUT_PATH if kind == "result" else SIMPLE_PATH).fullmatch(text):
        return None
    try:
        from asl.expressions.paths import compile_path, compile_reference_path
    except ImportError:  # pragma: no cover - the expressions package is part of asl
        return None
    if kind == "reference-or-intrinsic" and text.startswith("States."):
        return intrinsic_problem(text)
    try:
        path = compile_path(text) if kind == "path" else compile_reference_path(text)
    except ValueError as exc:
        return str(exc)
    if kind == "result" and path.root != "$":
        return "it must be a Reference Path into the state input, starting with '$' (not '$$' or a variable)"
    return None


@lru_cache(maxsize=4096)
def intrinsic_problem(text: str) -> str | None:
    """Why ``text`` is not a valid intrinsic function call, or None."""
    try:
        from asl.expressions.intrinsics import compile_intrinsic
    except ImportError:  # pragma: no cover
        return None
    try:
        compile_intrinsic(text)
    except ValueError as exc:
        return str(exc)
    return None


def _describe(field: str, kind: str, problem: str) -> str:
    """The message for an invalid path field."""
    what = {
        "path": "a valid JSONPath",
        "reference": "a valid Reference Path",
        "result": "a valid Reference Path",
        "reference-or-intrinsic": "a valid Reference Path or a valid intrinsic function call",
    }[kind]
    return f"The value for the field '{field}' must be {what}: {problem}"


@rule
def state_paths(definition: Definition) -> Iterator[Diagnostic]:
    """Path fields of JSONPath states compile, as the kind of path each field takes."""
    kind_of = STATE_PATH_FIELDS.get
    for state in definition.jsonpath_states:
        # The state's own fields are few; each path field has its own pointer, so the order
        # they are checked in does not matter.
        for field, value in state.node.items():
            kind = kind_of(field)
            if kind is not None and isinstance(value, str):
                problem = path_problem(value, kind)
                if problem is not None:
                    message = _describe(field, kind, problem)
                    yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(field))
        if state.type == "Map":
            for parts, kind in NESTED_PATH_FIELDS:
                yield from _check(state, parts, kind)
        catchers = state.node.get("Catch")
        if isinstance(catchers, list):
            for index, catcher in enumerate(catchers):
                if isinstance(catcher, dict) and "ResultPath" in catcher:
                    yield from _check(state, ("Catch", index, "ResultPath"), "result")


def _check(state: State, parts: tuple[str | int, ...], kind: str) -> Iterator[Diagnostic]:
    """A diagnostic if the value at ``parts`` in the state is not a valid path of ``kind``."""
    value: Any = state.node
    for part in parts:
        if isinstance(value, dict) and isinstance(part, str) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return
    problem = path_problem(value, kind)
    if problem is not None:
        yield Diagnostic(
            SCHEMA_VALIDATION_FAILED, _describe(str(parts[-1]), kind, problem), state.at(*parts)
        )
