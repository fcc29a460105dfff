"""Names: state names, Map Run labels and variable names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import (
    DUPLICATE_LABEL_NAME,
    INVALID_LABEL_NAME,
    INVALID_STATE_NAME,
    OUTER_VARIABLE_ASSIGNED,
    SCHEMA_VALIDATION_FAILED,
    UNREADABLE_VARIABLE,
)
from asl.validation.model import Definition, Scope, State
from asl.validation.registry import advisory, rule

MAX_STATE_NAME = 80
MAX_LABEL = 40
MAX_VARIABLE_NAME = 80
# Characters AWS forbids in names of Map Runs (and state machines, executions, ...):
# whitespace, brackets, wildcards, these specials, and control characters.
# (Compiled by ``re`` on first use: few definitions have a Label.)
_FORBIDDEN_IN_LABEL = r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]"


@rule
def state_name_length(definition: Definition) -> Iterator[Diagnostic]:
    """State names are at most 80 characters long."""
    for state in definition.states:
        if len(state.name) > MAX_STATE_NAME:
            message = (
                f"State name is {len(state.name)} characters long; the maximum is {MAX_STATE_NAME}"
            )
            yield Diagnostic(INVALID_STATE_NAME, message, state.pointer)


@rule
def map_label(definition: Definition) -> Iterator[Diagnostic]:
    """A Map Label is 1 to 40 characters with no whitespace, brackets or special characters."""
    for state in definition.states_of_type("Map"):
        label = state.node.get("Label")
        if not isinstance(label, str):
            continue
        if not label:
            problem = "must not be empty"
        elif len(label) > MAX_LABEL:
            problem = f"is {len(label)} characters long; the maximum is {MAX_LABEL}"
        else:
            bad = re.search(_FORBIDDEN_IN_LABEL, label)
            problem = f"contains the character {bad.group()!r}, which is not allowed" if bad else ""
        if problem:
            yield Diagnostic(INVALID_LABEL_NAME, f"The Map Label {problem}", state.at("Label"))


@rule
def unique_map_labels(definition: Definition) -> Iterator[Diagnostic]:
    """Map Labels name Map Runs, so two Maps of one machine cannot share one."""
    seen: set[str] = set()
    for state in definition.states_of_type("Map"):
        label = state.node.get("Label")
        if isinstance(label, str) and label:
            if label in seen:
                message = f"Duplicate Map Label: {label}"
                yield Diagnostic(DUPLICATE_LABEL_NAME, message, state.at("Label"))
            seen.add(label)


def variable_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a variable name, or None when it can."""
    if not name:
        return "a variable name must not be empty"
    if len(name) > MAX_VARIABLE_NAME:
        return f"a variable name has at most {MAX_VARIABLE_NAME} characters"
    if name == "states":
        return "'states' is reserved for the $states variable"
    return None


_ASSIGN_HOLDERS = frozenset({"Assign", "Catch", "Choices"})


def _assignments(state: State) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every Assign object of a state (top level, catchers, choice rules)."""
    if _ASSIGN_HOLDERS.isdisjoint(state.node):  # most states: nothing to look into
        return
    if isinstance(state.node.get("Assign"), dict):
        yield ("Assign",), state.node["Assign"]
    for list_key in ("Catch", "Choices"):
        items = state.node.get(list_key)
        if isinstance(items, list):
            for index, item in enumerate(items):
                if isinstance(item, dict) and isinstance(item.get("Assign"), dict):
                    yield (list_key, index, "Assign"), item["Assign"]


@rule
def variable_names(definition: Definition) -> Iterator[Diagnostic]:
    """Assign keys are variable names (with ``.$`` in JSONPath states for dynamic values)."""
    for state in definition.states:
        for parts, assign in _assignments(state):
            for key in assign:
                name = key[:-2] if key.endswith(".$") and not state.is_jsonata else key
                problem = variable_name_problem(name)
                if problem is not None:
                    message = f"Invalid variable name '{name}': {problem}"
                    yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*parts, key))
                elif not name.isidentifier():
                    message = (
                        f"The variable name '{name}' is not an identifier, so no path or JSONata"
                        " expression can read it back"
                    )
                    yield Diagnostic(
                        UNREADABLE_VARIABLE, message, state.at(*parts, key), severity="warning"
                    )


def _assigned_names(state: State) -> Iterator[tuple[str, tuple[str | int, ...]]]:
    """(variable name, parts of its key) for every variable a state assigns."""
    for parts, assign in _assignments(state):
        for key in assign:
            name = key[:-2] if key.endswith(".$") and not state.is_jsonata else key
            yield name, (*parts, key)


def _outer_names(scope: Scope) -> set[str]:
    """Names assigned in the scopes enclosing ``scope`` (a Distributed Map's child workflow
    sees none of them), including by the owning state's catchers."""
    names: set[str] = set()
    while scope.owner is not None and not scope.distributed:
        outer = scope.owner.scope
        for state in outer.states.values():
            names.update(name for name, _ in _assigned_names(state))
        scope = outer
    return names


@advisory
def inner_scope_assigns_outer_variable(definition: Definition) -> Iterator[Diagnostic]:
    """Warn when a Parallel branch or Map iteration assigns a variable of an outer scope:
    the assignment stays in the inner scope, and AWS documents it as not allowed."""
    for scope in definition.scopes:
        if scope.owner is None:
            continue
        outer = _outer_names(scope)
        if not outer:
            continue
        for state in scope.states.values():
            for name, parts in _assigned_names(state):
                if name in outer:
                    message = (
                        f"The variable '{name}' is assigned in an outer scope; a Parallel branch or"
                        " Map iteration cannot assign it"
                    )
                    where = state.at(*parts)
                    yield Diagnostic(OUTER_VARIABLE_ASSIGNED, message, where, severity="warning")
