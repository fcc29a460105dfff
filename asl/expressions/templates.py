"""Payload templates (Parameters, ItemSelector, ResultSelector, JSONPath-mode Assign).

A template is compiled once: keys ending ``.$`` become paths or intrinsic calls,
everything else stays as written. Evaluating a template without a dynamic part
returns the very object it was compiled from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from asl.diagnostics import pointer
from asl.errors import StatesError
from asl.expressions.paths import Path, PathNotFound, PathSyntaxError, compile_path

if TYPE_CHECKING:
    from asl.expressions.intrinsics import Intrinsic

__all__ = [
    "Template",
    "TemplateSyntaxError",
    "compile_template",
    "compile_path_or_intrinsic",
    "evaluate_path_or_intrinsic",
    "resolve",
    "compact_json",
]

# Evaluates one node: (data, context, variables) -> value.
_Evaluator = Callable[[Any, Any, Mapping[str, Any]], Any]


class TemplateSyntaxError(ValueError):
    """A payload template is invalid; ``.pointer`` is the JSON pointer inside it (``/a/b.$``)."""

    def __init__(self, message: str, pointer: str = ""):
        super().__init__(f"{message} (at {pointer})" if pointer else message)
        self.pointer = pointer
        self.reason = message


class Template:
    """A compiled payload template; ``evaluate`` builds the payload from the inputs."""

    __slots__ = ("source", "dynamic", "_evaluate")

    def __init__(self, source: Any, evaluate: _Evaluator | None):
        self.source = source
        self.dynamic = evaluate is not None
        self._evaluate = evaluate

    def __repr__(self) -> str:
        return f"Template({self.source!r})"

    def evaluate(
        self,
        data: Any,
        context: Any,
        variables: Mapping[str, Any],
        *,
        field: str = "Parameters",
    ) -> Any:
        """The payload; raises StatesError (States.Runtime / States.IntrinsicFailure).
        Errors name the template's own ``key.$`` entry, whatever the ``field``."""
        if self._evaluate is None:
            return self.source
        return self._evaluate(data, context, variables)


def compile_template(value: Any) -> Template:
    """Compile any JSON value as a payload template; TemplateSyntaxError says where it is bad."""
    return Template(value, _compile_node(value, ()))


def resolve(path: Path, data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
    """Evaluate ``path`` on its root (input, context object or variable); raises PathNotFound."""
    root = path.root
    if root == "$":
        return path.find(data)
    if root == "$$":
        return path.find(context)
    name = path.variable or ""
    if name not in variables:
        raise PathNotFound(path, f"The variable '{name}' is not defined")
    return path.find(variables[name])


# json.dumps with options other than its defaults builds a new encoder on every call
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def compact_json(value: Any) -> str:
    """JSON text as AWS quotes values in error causes: compact, keys in their order."""
    return _COMPACT.encode(value)


def compile_path_or_intrinsic(text: str) -> Path | Intrinsic:
    """A ``.$`` value: a Path (``$...``) or an intrinsic call (``States.X(...)``)."""
    if not isinstance(text, str):
        raise PathSyntaxError(
            f"the value must be a JSONPath or an intrinsic function call, got {type(text).__name__}"
        )
    if text.startswith("$"):
        return compile_path(text)
    from asl.expressions.intrinsics import compile_intrinsic, is_intrinsic

    if is_intrinsic(text):
        return compile_intrinsic(text)
    raise PathSyntaxError(f"'{text}' is neither a JSONPath nor an intrinsic function call")


def evaluate_path_or_intrinsic(
    expression: Path | Intrinsic,
    data: Any,
    context: Any,
    variables: Mapping[str, Any],
    *,
    field: str,
) -> Any:
    """Evaluate a compiled ``.$``-style value (e.g. Fail ErrorPath); AWS's error causes."""
    if isinstance(expression, Path):
        try:
            return resolve(expression, data, context, variables)
        except PathNotFound:
            raise _not_found(expression, field, data) from None
    return expression.evaluate(data, context, variables, field=field)


def _not_found(path: Path, field: str, data: Any) -> StatesError:
    return StatesError(
        "States.Runtime",
        f"The JSONPath '{path.text}' specified for the field '{field}' could not be found "
        f"in the input '{compact_json(data)}'",
    )


def _compile_node(value: Any, where: tuple[str | int, ...]) -> _Evaluator | None:
    """An evaluator for ``value``, or None when it is static (returned unchanged)."""
    if isinstance(value, dict):
        return _compile_object(value, where)
    if isinstance(value, list):
        return _compile_array(value, where)
    return None


def _compile_object(value: dict[str, Any], where: tuple[str | int, ...]) -> _Evaluator | None:
    entries: list[tuple[str, Any, _Evaluator | None]] = []
    names: dict[str, str] = {}
    dynamic = False
    for key, item in value.items():
        if key.endswith(".$"):
            name = key[:-2]
            evaluator: _Evaluator | None = _compile_expression(key, item, where)
        else:
            name = key
            # the pointer tuple is built only for containers, which may hold expressions
            evaluator = (
                _compile_node(item, where + (key,)) if isinstance(item, (dict, list)) else None
            )
        if name in names:
            raise TemplateSyntaxError(
                f"the keys '{names[name]}' and '{key}' both produce the field '{name}'",
                pointer(*where, key),
            )
        names[name] = key
        dynamic = dynamic or evaluator is not None
        entries.append((name, item, evaluator))
    if not dynamic:
        return None
    frozen = tuple(entries)

    def evaluate(data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
        out = {}
        for name, item, evaluator in frozen:
            out[name] = item if evaluator is None else evaluator(data, context, variables)
        return out

    return evaluate


def _compile_array(value: list[Any], where: tuple[str | int, ...]) -> _Evaluator | None:
    evaluators = [
        _compile_node(item, where + (i,)) if isinstance(item, (dict, list)) else None
        for i, item in enumerate(value)
    ]
    if all(e is None for e in evaluators):
        return None
    pairs = tuple(zip(value, evaluators, strict=True))

    def evaluate(data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
        return [
            item if evaluator is None else evaluator(data, context, variables)
            for item, evaluator in pairs
        ]

    return evaluate


def _compile_expression(key: str, text: Any, where: tuple[str | int, ...]) -> _Evaluator:
    """The evaluator of a ``key.$`` entry (``where`` is its object's pointer): a path or
    an intrinsic call."""
    try:
        if isinstance(text, str):
            return _cached_expression(key, text)
        expression = compile_path_or_intrinsic(text)
    except ValueError as exc:  # a PathSyntaxError or an IntrinsicSyntaxError
        raise TemplateSyntaxError(
            f"the value for the field '{key}' must be a valid JSONPath or a valid intrinsic"
            f" function call: {exc}",
            pointer(*where, key),
        ) from None
    return _expression_evaluator(key, expression)


@lru_cache(maxsize=4096)
def _cached_expression(key: str, text: str) -> _Evaluator:
    """Evaluators hold no state, so states repeating an entry share one."""
    return _expression_evaluator(key, compile_path_or_intrinsic(text))


def _expression_evaluator(key: str, expression: Path | Intrinsic) -> _Evaluator:
    if isinstance(expression, Path):
        return _path_evaluator(key, expression)
    intrinsic = expression

    def evaluate_intrinsic(data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
        return intrinsic.evaluate(data, context, variables, field=key)

    return evaluate_intrinsic


def _path_evaluator(key: str, path: Path) -> _Evaluator:
    """A fast evaluator for a path; the root is chosen once, at compile time."""
    find = path.find
    if path.root == "$":

        def from_input(data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
            try:
                return find(data)
            except PathNotFound:
                raise _not_found(path, key, data) from None

        return from_input

    def from_other(data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
        try:
            return resolve(path, data, context, variables)
        except PathNotFound:
            raise _not_found(path, key, data) from None

    return from_other
