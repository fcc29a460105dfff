"""Fail: ends the execution with its ``Error``/``ErrorPath`` and ``Cause``/``CausePath``."""

from __future__ import annotations

from typing import Any

from asl import ast
from asl.errors import StatesError
from asl.execution.step import QueryEvaluationFailure, Result, Step, compact, expr_value
from asl.expressions import json_type_name as json_type


async def run_fail(step: Step) -> Result:
    state = step.state
    assert isinstance(state, ast.FailState)
    error = _fail_value(step, state.error)
    cause = _fail_value(step, state.cause)
    raise StatesError(error, cause) if error is not None else _FailNoError(cause)


class _FailNoError(StatesError):
    def __init__(self, cause: str | None):
        super().__init__("", cause)
        self.error = None  # type: ignore[assignment]


def _fail_value(step: Step, expr: Any) -> Any:
    """A Fail state's error or cause: a string (AWS takes nothing else)."""
    if expr is None:
        return None

    def missing(path: Any) -> str:
        return (
            f"The JSONPath '{path.text}' specified for the field '{expr.field}' "
            f"could not be found in the input '{compact(step.input)}'"
        )

    with step.evaluating():
        value = expr_value(step, expr, step.input, missing)
        if isinstance(value, str):
            return value
        if isinstance(expr, ast.JsonataExpr):
            raise QueryEvaluationFailure(
                f"The JSONata expression '{expr.expression.source}' specified for the field "
                f"'{expr.field}' returned an unexpected result type. Expected 'string', but was "
                f"'{json_type(value)}' for value: {compact(value)}",
                expr.field,
            )
        raise StatesError(
            "States.Runtime",
            f"The value of the field '{expr.field}' must be a string, but was "
            f"'{json_type(value)}': {compact(value)}",
        )
