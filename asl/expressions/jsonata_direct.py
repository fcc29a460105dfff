"""Direct evaluation of the simplest JSONata expressions, without the engine.

Most expressions in real workflows are a field of ``$states`` or of a variable
(``$states.input.order.id``, ``$states.context.Map.Item.Value``), a literal, or a little
arithmetic, concatenation or comparison over those.  The engine spends tens of
microseconds on each (frames, sequences, step callbacks); a Map of 100,000 items pays
that per expression per item.  `compile_direct` turns such a syntax tree into a plain
closure.  The closure handles only the plain cases (objects all along a path, numbers
for arithmetic, strings for ``&``) and raises `Fallback` for anything else (an array
on the way, null, a missing field, an error to report), so that the engine evaluates
the expression as before: results and errors are the engine's in every case.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from asl.expressions import jsonata_compat

__all__ = ["Direct", "Fallback", "compile_direct"]


class Fallback(Exception):
    """The value is outside the plain cases: evaluate with the engine instead."""


#: A compiled expression: ``(states, variables) -> value`` (never JSONata undefined).
Direct = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

#: Node attributes that may be set on a node this module evaluates; any other attribute
#: set (a predicate, ``[]``, a focus or index binding, a group...) needs the engine.
_PLAIN_ATTRIBUTES = frozenset(
    {"_outer_instance", "id", "value", "bp", "type", "lbp", "position", "level"}
)
_STRUCTURE = {"path": {"steps"}, "binary": {"lhs", "rhs"}}

_ARITHMETIC = frozenset("+-*/%")
_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_NUMBER = (int, float)
_FALLBACK = Fallback()
#: Deeper trees go to the engine, which bounds nesting as AWS does (D1011 at depth 101).
_MAX_DEPTH = 16


def compile_direct(node: Any) -> Direct | None:
    """A closure evaluating ``node`` directly, or None when the engine must evaluate it."""
    try:
        return _compile(node)
    except Fallback:
        return None


def _plain(node: Any, structure: set[str]) -> bool:
    """Whether the node sets nothing beyond its type, value and ``structure`` members."""
    return all(
        not value or name in _PLAIN_ATTRIBUTES or name in structure
        for name, value in vars(node).items()
    )


def _compile(node: Any, depth: int = 1) -> Direct:
    kind = getattr(node, "type", None)
    if depth > _MAX_DEPTH or not _plain(node, _STRUCTURE.get(kind or "", set())):
        raise _FALLBACK
    if kind == "number" and type(node.value) in _NUMBER:
        return _constant(node.value)
    if kind == "string" and type(node.value) is str:
        return _constant(node.value)
    if kind == "variable":
        return _variable(node.value)
    if kind == "path":
        return _path(node.steps)
    if kind == "binary":
        return _binary(node.value, _compile(node.lhs, depth + 1), _compile(node.rhs, depth + 1))
    raise _FALLBACK


def _constant(value: Any) -> Direct:
    def constant(states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
        return value

    return constant


def _variable(name: Any) -> Direct:
    if not isinstance(name, str) or not name:
        raise _FALLBACK  # "$" and "$$" read the (absent) input document

    if name == "states":

        def states_variable(states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
            return states

        return states_variable

    def variable(states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
        value = variables.get(name)
        if value is None:  # unbound (perhaps a function's name) or JSON null
            raise _FALLBACK
        return value

    return variable


def _path(steps: Any) -> Direct:
    """``$v.a.b``: objects all along, ending on an object, string, number or boolean."""
    if not steps or getattr(steps[0], "type", None) != "variable":
        raise _FALLBACK
    if not _plain(steps[0], set()):
        raise _FALLBACK
    start = _variable(steps[0].value)
    names: list[str] = []
    for step in steps[1:]:
        if step.type != "name" or not isinstance(step.value, str) or not _plain(step, set()):
            raise _FALLBACK
        names.append(step.value)
    keys = tuple(names)

    def path(states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
        value = start(states, variables)
        for key in keys:
            if type(value) is not dict:
                raise _FALLBACK
            value = value.get(key)
        kind = type(value)
        if kind is dict or kind is str or kind is int or kind is float or kind is bool:
            return value
        raise _FALLBACK  # an array (sequence rules), null or a missing field

    return path


def _binary(operator: Any, left: Direct, right: Direct) -> Direct:
    if operator in _ARITHMETIC:
        return _arithmetic(operator, left, right)
    if operator == "&":
        return _concatenation(left, right)
    if operator in _COMPARISONS:
        return _comparison(operator, left, right)
    raise _FALLBACK


def _double(value: Any) -> float:
    """A numeric operand as the engine's arithmetic takes it; anything else falls back."""
    kind = type(value)
    if kind is float:
        if math.isfinite(value):
            return value
        raise _FALLBACK
    if kind is int and -(2**1023) < value < 2**1023:
        return float(value)
    raise _FALLBACK


def _arithmetic(operator: str, left: Direct, right: Direct) -> Direct:
    operate = jsonata_compat.arithmetic

    def arithmetic(states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
        result = operate(
            operator, _double(left(states, variables)), _double(right(states, variables))
        )
        if not math.isfinite(result):
            return result
        return int(result) if result.is_integer() else result

    return arithmetic


def _text(value: Any) -> str:
    """An operand of ``&`` as ``$string`` writes it (strings, numbers and booleans)."""
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is int or kind is float or kind is bool:
        try:
            return jsonata_compat.js_stringify(value)
        except ValueError:  # Infinity or NaN: the engine reports D3001
            raise _FALLBACK from None
    raise _FALLBACK  # objects: the engine writes them


def _concatenation(left: Direct, right: Direct) -> Direct:
    def concatenation(states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
        lhs, rhs = _text(left(states, variables)), _text(right(states, variables))
        if len(lhs) + len(rhs) > jsonata_compat.MAX_VALUE_SIZE:
            raise _FALLBACK
        return lhs + rhs

    return concatenation


def _comparison(operator: str, left: Direct, right: Direct) -> Direct:
    def comparison(states: Mapping[str, Any], variables: Mapping[str, Any]) -> Any:
        lhs, rhs = left(states, variables), right(states, variables)
        if type(lhs) is str and type(rhs) is str:
            pass
        elif type(lhs) in _NUMBER and type(rhs) in _NUMBER:
            # the engine compares numbers as doubles, except two integers in order
            if type(lhs) is not type(rhs) or operator in ("=", "!="):
                lhs, rhs = _double(lhs), _double(rhs)
        else:
            raise _FALLBACK
        if operator == "=":
            return lhs == rhs
        if operator == "!=":
            return lhs != rhs
        if operator == "<":
            return lhs < rhs
        if operator == "<=":
            return lhs <= rhs
        if operator == ">":
            return lhs > rhs
        return lhs >= rhs

    return comparison
