"""Input and output processing: pure functions shared by every state type.

JSONPath mode: InputPath -> Parameters -> (work) -> ResultSelector -> ResultPath ->
OutputPath.  JSONata mode: Arguments -> (work) -> Output, with ``$states`` bindings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asl.errors import StatesError
from asl.expressions.paths import PathNotFound, set_path
from asl.expressions.templates import compact_json, resolve

QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"


class QueryEvaluationFailure(StatesError):
    """A JSONata evaluation failed; ``location`` is the field AWS names in its event."""

    def __init__(self, cause: str, location: str):
        super().__init__(QUERY_EVALUATION_ERROR, cause)
        self.location = location


def compact(value: Any) -> str:
    """Compact JSON text, Unicode kept (as AWS writes payloads and quotes values)."""
    return compact_json(value)


def apply_input_path(path: Any, data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
    """InputPath/OutputPath: ``None`` (JSON null) gives ``{}``; a missing path is a
    ``States.Runtime`` failure."""
    if path is None:
        return {}
    if path.text == "$":
        return data
    try:
        return resolve(path, data, context, variables)
    except PathNotFound as e:
        raise StatesError("States.Runtime", f"Invalid path '{path.text}' : {e.message}") from None


def apply_result_path(path: Any, path_set: bool, raw_input: Any, result: Any) -> Any:
    """ResultPath: ``None`` discards the result; otherwise place it into the raw input."""
    if path is None:
        return raw_input if path_set else result
    if path.text == "$":
        return result
    return set_path(path, raw_input, result)


def evaluate_jsonata(
    template: Any,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    field: str,
    now_millis: int | None = None,
) -> Any:
    """Evaluate a JSONata template or expression; failures become QueryEvaluationFailure.

    ``now_millis`` is the execution clock's time, so ``$now()`` follows a virtual clock.
    """
    from asl.expressions import jsonata as j

    try:
        if isinstance(template, j.JsonataExpression):
            return template.evaluate_field(states, variables, field=field, now_millis=now_millis)
        return template.evaluate(states, variables, field=field, now_millis=now_millis)
    except j.JsonataFieldError as e:
        raise QueryEvaluationFailure(e.cause(), e.location) from None
