"""Expressions: JSONPath paths, payload templates, intrinsic functions and JSONata."""

from __future__ import annotations

from typing import Any


def json_type_name(value: Any) -> str:
    """The JSON type name AWS prints for a value: object, array, string, number, boolean, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def nests_deeper(value: Any, depth: int) -> bool:
    """Whether a container lies more than ``depth`` levels below the top of a JSON value,
    checked level by level (no recursion, so any depth is safe to ask about)."""
    level = [value] if isinstance(value, (dict, list)) else []
    for _ in range(depth):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return False
    return bool(level)


def strict_json(text: str, depth: int, **options: Any) -> Any:
    """The JSON value ``text`` holds, read as AWS's parser reads it: ``NaN``, ``Infinity``,
    a number beyond the double range (``1e999``) and nesting deeper than ``depth`` are
    refused with ValueError (``options`` go to `json.loads`, e.g. ``object_pairs_hook``)."""
    import json

    try:
        value = json.loads(
            text, parse_constant=_not_json_constant, parse_float=_finite_float, **options
        )
    except RecursionError:
        raise ValueError("the JSON text nests too deeply") from None
    if nests_deeper(value, depth):
        raise ValueError("the JSON text nests too deeply")
    return value


def _not_json_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def _finite_float(text: str) -> float:
    import math

    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text}")
    return value
