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
