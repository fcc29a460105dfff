"""Wait: ``Seconds``/``SecondsPath`` or ``Timestamp``/``TimestampPath``, on the clock."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from asl import ast
from asl.errors import StatesError
from asl.execution.pipeline import apply_input_path, finish
from asl.execution.step import QueryEvaluationFailure, Result, Step, compact, expr_value
from asl.expressions import json_type_name as json_type


async def run_wait(step: Step) -> Result:
    state = step.state
    assert isinstance(state, ast.WaitState)
    runner = step.frame.runner
    data = step.input
    if not step.jsonata:
        with step.evaluating():
            data = apply_input_path(state.input_path, step.input, step.ctx, step.variables)
    with step.evaluating():
        seconds = _wait_seconds(step, state, data)
    if seconds > 0:
        await runner.sleep(seconds)
    return finish(step, data, state.next, assign_input=data)


_MAX_WAIT_DAYS = 24_855


def _wait_seconds(step: Step, state: ast.WaitState, data: Any) -> float:
    from asl.parser import parse_timestamp_or_none

    now = step.frame.runner.clock.now()
    if state.seconds is not None:
        expr = state.seconds
        value = expr_value(
            step,
            expr,
            data,
            lambda path: (
                f"The SecondsPath parameter does not reference an input value: {path.text}"
            ),
        )
        if isinstance(expr, ast.JsonataExpr) and (not _is_int(value) or value < 0):
            raise QueryEvaluationFailure(
                f"The JSONata expression '{expr.expression.source}' specified for the field "
                f"'Seconds' returned an unexpected result type. Expected 'integer', but was "
                f"'{json_type(value)}' for value: {compact(value)}",
                "Seconds",
            )
        if isinstance(expr, ast.PathExpr):
            if not _is_int(value):
                raise StatesError(
                    "States.Runtime",
                    f"The SecondsPath parameter cannot be parsed as a long value: "
                    f"{expr.path.text} == {compact(value)}",
                )
            if value < 0:
                raise StatesError(
                    "States.Runtime",
                    f"The SecondsPath parameter references a negative value: "
                    f"{expr.path.text} == {value}",
                )
        return float(value)
    expr = state.timestamp  # type: ignore[assignment]
    value = expr_value(
        step,
        expr,
        data,
        lambda path: f"The TimestampPath parameter does not reference an input value: {path.text}",
    )
    target = value if isinstance(value, datetime) else parse_timestamp_or_none(value)
    if target is None:
        text = value if isinstance(value, str) else compact(value)
        if isinstance(expr, ast.JsonataExpr):
            raise QueryEvaluationFailure(
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                f"format string: {text}",
                "Timestamp",
            )
        assert isinstance(expr, ast.PathExpr)
        raise StatesError(
            "States.Runtime",
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
            f"date-time format string: {expr.path.text} == {text}",
        )
    assert target is not None
    seconds = (target - now).total_seconds()
    if seconds >= _MAX_WAIT_DAYS * 86400 + 86400:
        raise StatesError("States.Runtime", "Wait state delay is too long.")
    return max(seconds, 0.0)


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value) and value.is_integer()
