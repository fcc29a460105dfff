"""Numeric fields, read as AWS reads them: one evaluator, one rule per field.

A numeric field holds a constant (checked when the definition was validated), a
``...Path`` or a JSONata expression.  `number_value` evaluates it for a `Step` and checks
the value against the field's `NumberRule`: whole number or not, its range, whether a
path may select a numeric string.  What AWS says when a check fails differs per field,
so each rule carries its own causes; a JSONata value of the wrong type or range always
fails as AWS reports JSONata results (``States.QueryEvaluationError``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asl import ast
from asl.errors import StatesError
from asl.execution.step import QueryEvaluationFailure, Step, compact, expr_value
from asl.expressions import json_type_name

JAVA_LONG_MIN = -(2**63)
JAVA_LONG_MAX = 2**63 - 1

# cause builders: (the field's expression, the value found) -> the cause AWS gives
Cause = Callable[[ast.PathExpr, Any], str]


@dataclass(frozen=True)
class NumberRule:
    """How AWS reads one numeric field."""

    integer: bool = True  # a whole number (a float such as 2.0 counts)
    minimum: float | None = 0
    exclusive_minimum: bool = False  # the value must be above the minimum
    maximum: float | None = None
    # a path may select a numeric string ("3"), read as its number
    lenient_text: bool = False
    # causes for a value read through a path (None: the value is not checked)
    wrong_type: Cause | None = None
    out_of_range: Cause | None = None
    # the cause when the path selects nothing (None: Jayway's "Invalid path" text)
    missing: Callable[[ast.PathExpr], str] | None = None
    # whether a JSONata result is checked (type and range)
    check_jsonata: bool = True
    # every failure is States.Runtime with this cause instead (Task timeouts)
    any_failure: Cause | None = None


def number_value(step: Step, expr: ast.Expr | None, data: Any, rule: NumberRule) -> Any:
    """The field's value for ``data`` (the state's effective input), checked by ``rule``;
    None when the field is absent.  Failures are named after the state."""
    if expr is None:
        return None
    if isinstance(expr, ast.Const):
        return expr.value
    with step.evaluating():
        missing = None
        if rule.missing is not None and isinstance(expr, ast.PathExpr):
            missing_cause = rule.missing
            path_expr = expr

            def missing(_: Any) -> str:
                return missing_cause(path_expr)

        value = expr_value(step, expr, data, missing)
        if isinstance(expr, ast.PathExpr) and rule.lenient_text:
            value = numeric_text(value)
        problem = _problem(value, rule)
        if problem is None:
            return value
        if rule.any_failure is not None:
            raise StatesError("States.Runtime", rule.any_failure(expr, value))  # type: ignore[arg-type]
        if isinstance(expr, ast.JsonataExpr):
            if not rule.check_jsonata:
                return value
            expected = "integer" if rule.integer else "number"
            raise QueryEvaluationFailure(
                f"The JSONata expression '{expr.expression.source}' specified for the field "
                f"'{expr.field}' returned an unexpected result type. Expected '{expected}', "
                f"but was '{json_type_name(value)}' for value: {compact(value)}",
                expr.field,
            )
        if not isinstance(expr, ast.PathExpr):
            return value
        cause = rule.wrong_type if problem == "type" else rule.out_of_range
        if cause is None:
            return value
        raise StatesError("States.Runtime", cause(expr, value))


def _problem(value: Any, rule: NumberRule) -> str | None:
    """ "type", "range" or None (the value is fine)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "type"
    if isinstance(value, float) and not math.isfinite(value):
        return "type"
    if rule.integer and isinstance(value, float) and not value.is_integer():
        return "type"
    if rule.integer and not JAVA_LONG_MIN <= value <= JAVA_LONG_MAX:
        return "type"  # AWS reads these fields as Java longs
    if rule.minimum is not None and (
        value < rule.minimum or (rule.exclusive_minimum and value == rule.minimum)
    ):
        return "range"
    if rule.maximum is not None and value > rule.maximum:
        return "range"
    return None


def numeric_text(value: Any) -> Any:
    """A numeric string as its number (AWS reads the ``...Path`` count fields leniently)."""
    if isinstance(value, str):
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                continue
    return value


def shown(value: Any) -> str:
    """A value as AWS quotes it in these causes: strings as they are, others as JSON."""
    return value if isinstance(value, str) else compact(value)


def is_integer(value: Any) -> bool:
    """An int, or a finite float with no fractional part (JSON has one number type)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value) and value.is_integer()
