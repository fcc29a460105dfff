"""Payload templates of JSONPath states (Parameters, ResultSelector, ItemSelector, Assign,
Credentials, ...): every ``.$`` key holds a valid path or intrinsic function call, and no
two keys produce the same field."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import NO_DOLLAR, NO_PATH, PASS_RESULT_IS_STATIC, SCHEMA_VALIDATION_FAILED
from asl.validation.model import Definition, State
from asl.validation.registry import advisory, rule
from asl.validation.rules.paths import SIMPLE_PATH

# Templates at the top of a state, and inside Map sub-objects.
STATE_TEMPLATES = ("Parameters", "ResultSelector", "ItemSelector", "Credentials", "Assign")
NESTED_TEMPLATES = (
    ("ItemReader", "Parameters"),
    ("ResultWriter", "Parameters"),
    ("ItemBatcher", "BatchInput"),
)


def templates(state: State) -> list[tuple[tuple[str | int, ...], Any]]:
    """Every payload template of a JSONPath state with its parts below the state."""
    node = state.node
    present = _HOLDERS.intersection(node)
    if not present:
        return []
    found: list[tuple[tuple[str | int, ...], Any]] = [
        (parts, node[parts[0]]) for parts in _STATE_TEMPLATE_PARTS if parts[0] in present
    ]
    if len(found) == len(present):
        return found
    for outer, inner in NESTED_TEMPLATES:
        holder = node.get(outer)
        if isinstance(holder, dict) and inner in holder:
            found.append(((outer, inner), holder[inner]))
    for list_key in ("Catch", "Choices"):
        items = node.get(list_key)
        if isinstance(items, list):
            for index, item in enumerate(items):
                if isinstance(item, dict) and "Assign" in item:
                    found.append(((list_key, index, "Assign"), item["Assign"]))
    return found


_STATE_TEMPLATE_PARTS = tuple((key,) for key in STATE_TEMPLATES)
# Fields that hold templates, or objects and arrays that do: a state with none of them has
# no template.
_HOLDERS = frozenset(
    (*STATE_TEMPLATES, *(outer for outer, _ in NESTED_TEMPLATES), "Catch", "Choices")
)


def expression_problem(value: Any) -> str | None:
    """Why a ``.$`` value is not a valid path or intrinsic call, or None."""
    if not isinstance(value, str):
        return f"found {_json_type(value)} instead of a string"
    return _expression_problem(value)


@lru_cache(maxsize=4096)
def _expression_problem(value: str) -> str | None:
    """``expression_problem`` for a string; cached, as many states share expressions."""
    if SIMPLE_PATH.fullmatch(value):
        return None
    try:
        from asl.expressions.templates import compile_path_or_intrinsic
    except ImportError:  # pragma: no cover - the expressions package is part of asl
        return None
    try:
        compile_path_or_intrinsic(value)
    except ValueError as exc:
        return str(exc)
    return None


def _json_type(value: Any) -> str:
    """A JSON type name with its article, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return "an array" if isinstance(value, list) else "an object"


def _walk(template: Any) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every object inside a template, with its parts below the template."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), template)]
    while pending:
        parts, node = pending.pop()
        # Only objects and arrays go on the stack: other values yield nothing, so leaving
        # them out changes no order.
        if isinstance(node, dict):
            yield parts, node
            pending.extend(
                ((*parts, k), v)
                for k, v in node.items()
                if isinstance(v, (dict, list)) and not k.endswith(".$")
            )
        elif isinstance(node, list):
            pending.extend(
                ((*parts, i), v) for i, v in enumerate(node) if isinstance(v, (dict, list))
            )


TemplateObject = tuple[State, tuple[str | int, ...], tuple[str | int, ...], dict[str, Any]]


def template_objects(definition: Definition) -> list[TemplateObject]:
    """(state, template parts, parts below the template, object) for every object inside
    the payload templates of JSONPath states, in state order (three rules read them)."""
    return definition.memo("template objects", _collect_template_objects)


def _collect_template_objects(definition: Definition) -> list[TemplateObject]:
    """``template_objects``, computed."""
    found: list[TemplateObject] = []
    for state in definition.jsonpath_states:
        for base, template in templates(state):
            if _is_flat_object(template):  # the common case: the template is its only object
                found.append((state, base, (), template))
            else:
                found.extend((state, base, parts, node) for parts, node in _walk(template))
    return found


def _is_flat_object(value: Any) -> bool:
    """Whether ``value`` is an object holding no object or array."""
    if not isinstance(value, dict):
        return False
    for member in value.values():
        if isinstance(member, (dict, list)):
            return False
    return True


@rule
def template_expressions(definition: Definition) -> Iterator[Diagnostic]:
    """Each ``.$`` key holds a JSONPath or an intrinsic function call that compiles."""
    for state, base, parts, node in template_objects(definition):
        for key, value in node.items():
            if not key.endswith(".$"):
                continue
            problem = expression_problem(value)
            if problem is not None:
                message = (
                    f"The value for the field '{key}' must be a valid JSONPath or a valid"
                    f" intrinsic function call: {problem}"
                )
                yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*base, *parts, key))


@rule
def template_field_collisions(definition: Definition) -> Iterator[Diagnostic]:
    """``x`` and ``x.$`` in one object would both produce the field ``x``."""
    for state, base, parts, node in template_objects(definition):
        for key in node:
            if key.endswith(".$") and key[:-2] in node:
                message = f"The fields '{key[:-2]}' and '{key}' both produce the field '{key[:-2]}'"
                yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*base, *parts, key))


@advisory
def template_missing_dollar(definition: Definition) -> Iterator[Diagnostic]:
    """Warn about a plain key whose value looks like a path: the path is not evaluated."""
    for state, base, parts, node in template_objects(definition):
        if base[-1] == "Credentials":
            continue
        for key, value in node.items():
            if (
                not key.endswith(".$")
                and isinstance(value, str)
                and value.startswith(("$.", "$$."))
            ):
                message = (
                    f"The value of the field '{key}' looks like a JSONPath but is passed as a"
                    f" literal string; name the field '{key}.$' to evaluate it"
                )
                yield Diagnostic(
                    NO_DOLLAR, message, state.at(*base, *parts, key), severity="warning"
                )


@advisory
def pass_result_is_static(definition: Definition) -> Iterator[Diagnostic]:
    """Warn about ``.$`` keys in a Pass state's Result: Result is never evaluated."""
    for state in definition.states_of_type("Pass"):
        if state.is_jsonata or "Result" not in state.node:
            continue
        for parts, node in _walk(state.node["Result"]):
            for key in node:
                if key.endswith(".$"):
                    message = (
                        f"The field '{key}' is in a Pass state's Result, which is used as written:"
                        " paths are not evaluated there (use Parameters)"
                    )
                    where = state.at("Result", *parts, key)
                    yield Diagnostic(PASS_RESULT_IS_STATIC, message, where, severity="warning")


@advisory
def fail_field_looks_like_a_path(definition: Definition) -> Iterator[Diagnostic]:
    """Warn when a Fail state's Error or Cause holds a path: ErrorPath/CausePath evaluate it."""
    for state in definition.states_of_type("Fail"):
        if state.is_jsonata:
            continue
        for key in ("Error", "Cause"):
            value = state.node.get(key)
            if isinstance(value, str) and value.startswith(("$.", "$$.")):
                message = (
                    f"The value of the field '{key}' looks like a path but is used as written;"
                    f" use '{key}Path' to evaluate it"
                )
                yield Diagnostic(NO_PATH, message, state.at(key), severity="warning")
