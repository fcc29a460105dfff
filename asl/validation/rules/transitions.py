"""Transitions: StartAt and every Next/Default/Catch target exist in the same scope, every
state is reachable, each scope can end, state names are unique."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from asl.diagnostics import Diagnostic, pointer
from asl.validation.codes import (
    DUPLICATE_STATE_NAME,
    MISSING_END_STATE,
    MISSING_TRANSITION_TARGET,
    SCHEMA_VALIDATION_FAILED,
)
from asl.validation.model import Definition, Scope, State
from asl.validation.registry import rule

# States that move on with Next or stop with End (Choice, Succeed and Fail do neither).
TRANSITIONING_TYPES = ("Task", "Pass", "Wait", "Parallel", "Map")
KNOWN_TYPES = (*TRANSITIONING_TYPES, "Choice", "Succeed", "Fail")


_NEXT: tuple[str | int, ...] = ("Next",)
_DEFAULT: tuple[str | int, ...] = ("Default",)


def targets(node: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Every (parts below the state, target name) a state node can transition to, for
    string targets: Next, Default, then Choices[].Next and Catch[].Next."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    target = node.get("Next")
    if isinstance(target, str):
        found.append((_NEXT, target))
    target = node.get("Default")
    if isinstance(target, str):
        found.append((_DEFAULT, target))
    for list_key in ("Choices", "Catch"):
        items = node.get(list_key)
        if isinstance(items, list):
            for index, item in enumerate(items):
                if isinstance(item, dict) and isinstance(item.get("Next"), str):
                    found.append(((list_key, index, "Next"), item["Next"]))
    return found


def _all_targets(definition: Definition) -> dict[State, list[tuple[tuple[str | int, ...], str]]]:
    """``targets`` of every state (two rules read them)."""
    return {state: targets(state.node) for state in definition.states}


@rule
def start_at_exists(definition: Definition) -> Iterator[Diagnostic]:
    """Each scope's StartAt names one of its own states."""
    for scope in definition.scopes:
        start = scope.start_at
        if (
            isinstance(start, str)
            and isinstance(scope.node.get("States"), dict)
            and start not in scope.node["States"]
        ):
            message = f"Missing 'StartAt' target: {start}"
            yield Diagnostic(MISSING_TRANSITION_TARGET, message, scope.pointer + pointer("StartAt"))


@rule
def transition_targets_exist(definition: Definition) -> Iterator[Diagnostic]:
    """Next, Default, Choices[].Next and Catch[].Next name a state of the same scope."""
    for state, found in definition.memo("transition targets", _all_targets).items():
        if not found:
            continue
        names = state.scope.node.get("States", {})
        for parts, target in found:
            if target not in names:
                where = state.at(*parts)
                field = where.rsplit("/", 1)[-1]
                message = f"Missing '{field}' target: {target}"
                if _defined_elsewhere(definition, state.scope, target):
                    message += " (a transition cannot leave its Parallel branch or Map processor)"
                yield Diagnostic(MISSING_TRANSITION_TARGET, message, where)


def _defined_elsewhere(definition: Definition, scope: Scope, name: str) -> bool:
    """Whether a state called ``name`` exists in some other scope."""
    return any(other is not scope and name in other.states for other in definition.scopes)


@rule
def states_reachable(definition: Definition) -> Iterator[Diagnostic]:
    """Every state can be reached from its scope's StartAt."""
    targets_of = definition.memo("transition targets", _all_targets)
    for scope in definition.scopes:
        if not isinstance(scope.start_at, str) or scope.start_at not in scope.states:
            continue  # start_at_exists reports it; everything would look unreachable
        reached = {scope.start_at}
        pending = [scope.states[scope.start_at]]
        while pending:
            for _, target in targets_of[pending.pop()]:
                if target in scope.states and target not in reached:
                    reached.add(target)
                    pending.append(scope.states[target])
        for name, state in scope.states.items():
            if name not in reached:
                message = f'State "{name}" is not reachable.'
                yield Diagnostic(MISSING_TRANSITION_TARGET, message, state.pointer)


@rule
def terminal_state_exists(definition: Definition) -> Iterator[Diagnostic]:
    """Each scope has a state that ends it (End: true, Succeed or Fail)."""
    for scope in definition.scopes:
        if not scope.states or any(s.type not in KNOWN_TYPES for s in scope.states.values()):
            continue  # a state of unknown type may be the intended end; its Type is reported
        if not any(_is_terminal(state) for state in scope.states.values()):
            where = (
                "the state machine"
                if scope.owner is None
                else f"the {scope.kind} at {scope.pointer}"
            )
            message = f"No terminal state: {where} has no state with 'End': true, no Succeed and no Fail state"
            yield Diagnostic(MISSING_END_STATE, message, scope.pointer + pointer("States"))


def _is_terminal(state: State) -> bool:
    """Whether a state ends its scope."""
    return state.type in ("Succeed", "Fail") or state.node.get("End") is True


@rule
def next_or_end(definition: Definition) -> Iterator[Diagnostic]:
    """Task, Pass, Wait, Parallel and Map states have exactly one of Next and End: true."""
    for state in definition.states_of_type(*TRANSITIONING_TYPES):
        has_next = "Next" in state.node
        ends = state.node.get("End") is True
        if has_next and ends:
            message = "The fields 'Next' and 'End' are mutually exclusive"
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at("End"))
        elif not has_next and not ends:
            message = f"A {state.type} state must have either 'Next' or 'End': true"
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.pointer)


@rule
def unique_state_names(definition: Definition) -> Iterator[Diagnostic]:
    """State names are unique in the whole machine, across branches and processors."""
    seen: set[str] = set()
    for state in definition.states:
        if state.name in seen:
            message = f"Duplicate State name: {state.name}"
            yield Diagnostic(DUPLICATE_STATE_NAME, message, state.pointer)
        seen.add(state.name)
