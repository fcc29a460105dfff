"""Wait: ``Seconds``/``SecondsPath`` or ``Timestamp``/``TimestampPath``, on the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from asl import ast
from asl.errors import StatesError
from asl.execution.numbers import NumberRule, number_value
from asl.execution.pipeline import apply_input_path, finish
from asl.execution.step import QueryEvaluationFailure, Result, Step, compact, expr_value


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


# Seconds / SecondsPath: a whole, non-negative number of seconds
SECONDS = NumberRule(
    integer=True,
    minimum=0,
    wrong_type=lambda expr, value: (
        f"The SecondsPath parameter cannot be parsed as a long value: "
        f"{expr.path.text} == {compact(value)}"
    ),
    out_of_range=lambda expr, value: (
        f"The SecondsPath parameter references a negative value: {expr.path.text} == {value}"
    ),
    missing=lambda expr: (
        f"The SecondsPath parameter does not reference an input value: {expr.path.text}"
    ),
)


def _wait_seconds(step: Step, state: ast.WaitState, data: Any) -> float:
    from asl.parser import parse_timestamp_or_none

    now = step.frame.runner.clock.now()
    if state.seconds is not None:
        seconds = float(number_value(step, state.seconds, data, SECONDS))
        if seconds >= _MAX_WAIT_DAYS * 86400 + 86400:
            raise StatesError("States.Runtime", "Wait state delay is too long.")
        return seconds
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
