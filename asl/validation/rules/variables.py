"""Workflow variables: every ``$name`` that a path, an intrinsic call or a JSONata expression
reads is assigned by some ``Assign`` that its scope can see."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import UNDEFINED_VARIABLE
from asl.validation.model import Definition, Scope, State
from asl.validation.registry import advisory
from asl.validation.rules.choice import PATH_OPERATORS, choice_rules
from asl.validation.rules.jsonata import fields, strings
from asl.validation.rules.paths import NESTED_PATH_FIELDS, STATE_PATH_FIELDS
from asl.validation.rules.templates import template_objects

# Path fields that read a variable (ResultPath writes into the state input instead).
_READING_PATH_FIELDS = frozenset(field for field in STATE_PATH_FIELDS if field != "ResultPath")
# Path fields that may also hold an intrinsic call.
_INTRINSIC_FIELDS = frozenset(("ErrorPath", "CausePath"))
# Names never assigned that still have a value or mean something else: ``$states`` is
# reserved, and AWS disables JSONata's ``$eval`` (calling it fails, whatever is assigned).
_NOT_VARIABLES = frozenset(("states", "eval"))

Reference = tuple[State, tuple[str | int, ...], frozenset[str]]


@advisory
def undefined_variables(definition: Definition) -> Iterator[Diagnostic]:
    """Warn about a variable read where no Assign of the scope or an enclosing one (up to a
    Distributed Map's child workflow) assigns it.  Where in the scope the Assign is does
    not matter: a read that may have a value is never reported."""
    visible: dict[int, frozenset[str] | None] = {}
    for state, parts, names in _references(definition):
        known = _visible_names(state.scope, visible)
        if known is None:  # an Assign that is not an object may assign anything
            continue
        for name in sorted(names - known):
            message = (
                f"The variable '${name}' is read but never assigned in this scope or an"
                " enclosing one"
            )
            yield Diagnostic(UNDEFINED_VARIABLE, message, state.at(*parts), severity="warning")


def _references(definition: Definition) -> Iterator[Reference]:
    """(state, parts of the field, variable names read there) for every field that reads
    a variable, in JSONPath and JSONata states."""
    yield from _path_field_references(definition)
    yield from _choice_references(definition)
    for state, base, parts, node in template_objects(definition):
        for key, value in node.items():
            if key.endswith(".$") and isinstance(value, str):
                names = _path_variables(value, True)
                if names:
                    yield state, (*base, *parts, key), names
    yield from _jsonata_references(definition)


def _path_field_references(definition: Definition) -> Iterator[Reference]:
    """References in the path fields of JSONPath states (InputPath, ItemsPath, ...)."""
    for state in definition.jsonpath_states:
        for field, value in state.node.items():
            if field in _READING_PATH_FIELDS and isinstance(value, str):
                names = _path_variables(value, field in _INTRINSIC_FIELDS)
                if names:
                    yield state, (field,), names
        if state.type != "Map":
            continue
        for parts, _ in NESTED_PATH_FIELDS:
            value = _value_at(state.node, parts)
            if isinstance(value, str):
                names = _path_variables(value, False)
                if names:
                    yield state, parts, names


def _choice_references(definition: Definition) -> Iterator[Reference]:
    """References in the Variable and ``...Path`` operands of JSONPath Choice rules."""
    for state in definition.states_of_type("Choice"):
        if state.is_jsonata:
            continue
        for parts, node in choice_rules(state):
            for key, value in node.items():
                if (key == "Variable" or key in PATH_OPERATORS) and isinstance(value, str):
                    names = _path_variables(value, False)
                    if names:
                        yield state, (*parts, key), names


def _jsonata_references(definition: Definition) -> Iterator[Reference]:
    """References (free variables) of the JSONata expressions of JSONata states."""
    for state in definition.jsonata_states:
        for parts, value, _ in fields(state):
            for inner, text in strings(value):
                names = _jsonata_variables(text)
                if names:
                    yield state, (*parts, *inner), names


def _value_at(node: Any, parts: tuple[str, ...]) -> Any:
    """The value at ``parts`` inside nested objects, or None."""
    for part in parts:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _may_name_variable(text: str) -> bool:
    """Whether ``text`` has a ``$`` followed by an identifier character (cheap pre-check)."""
    start = text.find("$")
    while start != -1:
        if text[start + 1 : start + 2].isidentifier():
            return True
        start = text.find("$", start + 1)
    return False


@lru_cache(maxsize=4096)
def _path_variables(text: str, intrinsic: bool) -> frozenset[str]:
    """Variables read by a path (or, when ``intrinsic``, an intrinsic call); none for
    text that does not compile (other rules report it)."""
    if not _may_name_variable(text):
        return frozenset()
    from asl.expressions.intrinsics import Call, Intrinsic
    from asl.expressions.paths import Path, compile_path
    from asl.expressions.templates import compile_path_or_intrinsic

    try:
        compiled: Path | Intrinsic = (
            compile_path_or_intrinsic(text) if intrinsic else compile_path(text)
        )
    except ValueError:
        return frozenset()
    names: set[str] = set()
    pending: list[Any] = [compiled.call if isinstance(compiled, Intrinsic) else compiled]
    while pending:
        argument = pending.pop()
        if isinstance(argument, Call):
            pending.extend(argument.args)
        elif isinstance(argument, Path) and argument.root == "var" and argument.variable:
            names.add(argument.variable)
    return frozenset(names - _NOT_VARIABLES)


@lru_cache(maxsize=4096)
def _jsonata_variables(text: str) -> frozenset[str]:
    """Free variables of a ``{% ... %}`` expression (not ``$states``, built-in functions,
    parameters or names it binds itself); none for other strings or bad syntax."""
    from asl.expressions.jsonata import compile_jsonata, is_jsonata

    if not is_jsonata(text) or not _may_name_variable(text):
        return frozenset()
    try:
        expression = compile_jsonata(text)
    except ValueError:
        return frozenset()
    return frozenset(expression.variable_references() - _NOT_VARIABLES)


def _visible_names(scope: Scope, cache: dict[int, frozenset[str] | None]) -> frozenset[str] | None:
    """Names assigned in ``scope`` or a scope it can read (None: any name may be)."""
    chain: list[Scope] = []
    current: Scope | None = scope
    while current is not None and id(current) not in cache:
        chain.append(current)
        # A Distributed Map's processor runs as child workflows that see no outer variable.
        current = None if current.owner is None or current.distributed else current.owner.scope
    outer = cache[id(current)] if current is not None else frozenset()
    for inner in reversed(chain):
        own = _assigned_in(inner)
        if inner.owner is None or inner.distributed:
            value = own
        else:
            value = None if own is None or outer is None else own | outer
        cache[id(inner)] = outer = value
    return outer


def _assigned_in(scope: Scope) -> frozenset[str] | None:
    """Names the states of one scope assign (state, Choice rule and Catcher Assign);
    None when an Assign is not an object, so its names cannot be known."""
    names: set[str] = set()
    for state in scope.states.values():
        for assign in _assign_values(state.node):
            if not isinstance(assign, dict):
                return None
            for key in assign:
                # "x.$" assigns x in JSONPath states; counting both spellings in every
                # language can only hide a warning, never invent one.
                names.add(key)
                if key.endswith(".$"):
                    names.add(key[:-2])
    return frozenset(names)


def _assign_values(node: dict[str, Any]) -> Iterator[Any]:
    """Every Assign value of a state: its own, its Choice rules' and its catchers'."""
    if "Assign" in node:
        yield node["Assign"]
    for list_key in ("Catch", "Choices"):
        items = node.get(list_key)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and "Assign" in item:
                    yield item["Assign"]
