"""Static analysis of parsed JSONata expressions (syntax trees of ``jsonata-python``).

Two questions the validator asks of every expression: which workflow variables it reads,
and which bare field names it reads from the implicit input document at the top level
(which AWS refuses with ``UNSUPPORTED_JSONATA_EXPRESSION``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Symbol attributes that hold sub-expressions (single nodes, lists, or lists of pairs).
_CHILD_ATTRIBUTES = (
    "procedure",
    "arguments",
    "body",
    "expression",
    "expressions",
    "lhs",
    "rhs",
    "lhs_object",
    "rhs_object",
    "rhs_terms",
    "terms",
    "condition",
    "then",
    "_else",
    "steps",
    "stages",
    "predicate",
    "expr",
    "group",
    "pattern",
    "update",
    "delete",
)

#: Attributes whose sub-expressions are evaluated against something other than the
#: enclosing context (a path step's items, a group's items, a transformed object).
_RELATIVE_ATTRIBUTES = frozenset(
    ("stages", "predicate", "group", "pattern", "update", "delete", "body")
)


def _is_node(value: Any) -> bool:
    """Whether a value is a syntax-tree node (a parser Symbol)."""
    return hasattr(value, "type") and hasattr(value, "position") and hasattr(value, "value")


def _nodes_in(value: Any) -> Iterator[Any]:
    """The nodes held by an attribute value: a node, a list of nodes, or a list of pairs."""
    if _is_node(value):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _nodes_in(item)


def _children(node: Any) -> Iterator[tuple[str, Any]]:
    """(attribute, child) pairs of a node, in source order where it matters."""
    for attribute in _CHILD_ATTRIBUTES:
        value = getattr(node, attribute, None)
        if value is None:
            continue
        for child in _nodes_in(value):
            yield attribute, child


def _builtin_names() -> frozenset[str]:
    """Function names that are defined without the workflow (JSONata + Step Functions)."""
    from asl.expressions.jsonata_functions import builtin_function_names  # noqa: PLC0415

    return builtin_function_names()


def free_variables(ast: Any) -> set[str]:
    """Variables the expression reads that it does not bind itself.

    A variable bound anywhere in the expression (``$x := ...``, a lambda parameter, a
    ``@$x``/``#$x`` path binding) is treated as local everywhere, which can only hide a
    reference, never invent one.  ``$``, ``$$``, ``$states`` and built-in functions are
    excluded.
    """
    bound: set[str] = set()
    read: set[str] = set()
    _scan_variables(ast, bound, read, set())
    builtins = _builtin_names()
    return {
        name
        for name in read
        if name not in bound and name not in builtins and name not in ("", "$", "states")
    }


def _scan_variables(node: Any, bound: set[str], read: set[str], seen: set[int]) -> None:
    """Collect variable reads and bindings below ``node``."""
    if id(node) in seen:
        return
    seen.add(id(node))
    kind = node.type
    if kind == "variable":
        read.add(str(node.value))
    elif kind == "bind" and getattr(node.lhs, "type", None) == "variable":
        bound.add(str(node.lhs.value))
        _scan_variables(node.rhs, bound, read, seen)
        return
    elif kind == "lambda":
        for parameter in node.arguments or []:
            bound.add(str(parameter.value))
        _scan_variables(node.body, bound, read, seen)
        return
    for label in ("focus", "index"):
        value = getattr(node, label, None)
        if isinstance(value, str):
            bound.add(value)
    for _attribute, child in _children(node):
        _scan_variables(child, bound, read, seen)


def top_level_fields(ast: Any) -> list[str]:
    """Bare field names the expression reads from the implicit input at the top level.

    ``phone`` or ``$count(items)`` read the input document, which Step Functions does not
    provide; fields after ``$states.input``, inside predicates, groups and lambdas are fine.
    Names are listed once, in source order.
    """
    found: list[str] = []
    _scan_fields(ast, True, found, set())
    return [name for name in found if name not in _CONTEXT_NAMES.values()]


#: The context variables as the engine names them ("$" is "", "$$" is "$") and as written.
_CONTEXT_NAMES = {"": "$", "$": "$$"}


def top_level_context(ast: Any) -> list[str]:
    """``$`` and ``$$`` read at the top level, where Step Functions provides no input.

    The ASL specification forbids both there ("JSONata Restrictions"); inside predicates,
    groups and lambdas ``$`` is the item at hand and is fine.
    """
    found: list[str] = []
    _scan_fields(ast, True, found, set())
    return [name for name in found if name in _CONTEXT_NAMES.values()]


def _scan_fields(node: Any, top: bool, found: list[str], seen: set[int]) -> None:
    """Collect names read at the top level below ``node`` (``top``: context is the input)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    kind = node.type
    if kind == "variable" and top and node.value in _CONTEXT_NAMES:
        written = _CONTEXT_NAMES[node.value]
        if written not in found:
            found.append(written)
    if kind == "name":
        if top and str(node.value) not in found:
            found.append(str(node.value))
        _scan_relatives(node, found, seen)
        return
    if kind == "path":
        for index, step in enumerate(node.steps or []):
            _scan_fields(step, top and index == 0, found, seen)
        for _attribute, child in _children(node):
            if _attribute != "steps":
                _scan_fields(child, False, found, seen)
        return
    for attribute, child in _children(node):
        _scan_fields(child, top and attribute not in _RELATIVE_ATTRIBUTES, found, seen)


def _scan_relatives(node: Any, found: list[str], seen: set[int]) -> None:
    """Scan a step's predicates and groups, which are relative to the step's items."""
    for _attribute, child in _children(node):
        _scan_fields(child, False, found, seen)


def states_members(ast: Any) -> set[str]:
    """Members of ``$states`` the expression reads (``input``, ``result``, ...).

    ``$states.result.Payload`` reads ``result``; ``$states`` used whole (``$keys($states)``)
    is reported as ``""``.
    """
    found: set[str] = set()
    _scan_states(ast, found, set())
    return found


def _is_states_variable(node: Any) -> bool:
    """Whether a node is the variable ``$states``."""
    return getattr(node, "type", None) == "variable" and node.value == "states"


def _scan_states(node: Any, found: set[str], seen: set[int]) -> None:
    """Collect ``$states`` members read below ``node``."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if node.type == "path" and node.steps and _is_states_variable(node.steps[0]):
        second = node.steps[1] if len(node.steps) > 1 else None
        if second is not None and second.type == "name":
            found.add(str(second.value))
        else:
            found.add("")
        for _attribute, child in _children(node):
            if child is not node.steps[0]:
                _scan_states(child, found, seen)
        return
    if _is_states_variable(node):
        found.add("")
        return
    for _attribute, child in _children(node):
        _scan_states(child, found, seen)
