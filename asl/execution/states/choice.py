"""Choice: ``Choices`` rules in order (JSONPath comparison operators with AWS's type
rules, or a JSONata ``Condition``), then ``Default``.

A comparison against a value of the wrong type is false, never an error; timestamps are
compared as instants; strings by code point.  No match and no Default is States.Runtime.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from asl import ast
from asl.ast import ChoiceRule
from asl.errors import StatesError
from asl.execution.pipeline import apply_input_path, evaluate_assign, store_variables
from asl.execution.step import QueryEvaluationFailure, Result, Step, compact, evaluate_jsonata
from asl.expressions import json_type_name as json_type
from asl.expressions.paths import PathNotFound
from asl.expressions.patterns import compile_string_pattern
from asl.expressions.templates import resolve
from asl.parser import parse_timestamp_or_none


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _string(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, b: isinstance(a, str) and isinstance(b, str) and op(a, b)


def _numeric(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        # _is_number, inlined: choice loops run this once per iteration
        return (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and not isinstance(a, bool)
            and not isinstance(b, bool)
            and op(a, b)
        )

    return compare


def _timestamp(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        left = parse_timestamp_or_none(a)
        # a constant operand was parsed with the definition; a ...Path operand may select
        # anything, and what is not a timestamp string compares false
        right = b if isinstance(b, datetime) else parse_timestamp_or_none(b)
        return left is not None and right is not None and op(left, right)

    return compare


def _boolean_equals(a: Any, b: Any) -> bool:
    return isinstance(a, bool) and isinstance(b, bool) and a == b


def _string_matches(a: Any, pattern: Any) -> bool:
    return isinstance(a, str) and pattern is not None and pattern.matches(a)


def _is_type(check: Callable[[Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda a, expected: check(a) == bool(expected)


def _is_timestamp(v: Any) -> bool:
    return isinstance(v, str) and parse_timestamp_or_none(v) is not None


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "BooleanEquals": _boolean_equals,
    "StringMatches": _string_matches,
    "IsNull": _is_type(lambda v: v is None),
    "IsNumeric": _is_type(_is_number),
    "IsString": _is_type(lambda v: isinstance(v, str)),
    "IsBoolean": _is_type(lambda v: isinstance(v, bool)),
    "IsTimestamp": _is_type(_is_timestamp),
}
for _suffix, _op in _COMPARE.items():
    OPERATORS["String" + _suffix] = _string(_op)
    OPERATORS["Numeric" + _suffix] = _numeric(_op)
    OPERATORS["Timestamp" + _suffix] = _timestamp(_op)


def evaluate_rule(rule: ChoiceRule, data: Any, context: Any, variables: Mapping[str, Any]) -> bool:
    """Whether a JSONPath-mode rule matches."""
    kind = rule.kind
    compare = OPERATORS.get(kind)
    if compare is not None:  # the common case first: a data test against a constant
        return compare(_variable_value(rule, data, context, variables), rule.operand)
    if kind == "And":
        return all(evaluate_rule(r, data, context, variables) for r in rule.children)
    if kind == "Or":
        return any(evaluate_rule(r, data, context, variables) for r in rule.children)
    if kind == "Not":
        return not evaluate_rule(rule.children[0], data, context, variables)
    if kind == "IsPresent":
        try:
            resolve(rule.variable, data, context, variables)
        except PathNotFound:
            return not rule.operand
        return bool(rule.operand)
    # a data test against another path's value (``...Path`` operators)
    value = _variable_value(rule, data, context, variables)
    operand = rule.operand
    kind = kind[:-4]
    try:
        operand = resolve(operand, data, context, variables)
    except PathNotFound:
        raise _invalid_path(operand) from None
    if kind == "StringMatches":
        operand = compile_string_pattern(operand) if isinstance(operand, str) else None
    return OPERATORS[kind](value, operand)


def _variable_value(rule: ChoiceRule, data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
    try:
        return resolve(rule.variable, data, context, variables)
    except PathNotFound:
        raise _invalid_path(rule.variable) from None


def _invalid_path(path: Any) -> StatesError:
    return StatesError(
        "States.Runtime",
        f"Invalid path '{path.text}': The choice state's condition path "
        "references an invalid value.",
    )


async def run_choice(step: Step) -> Result:
    state = step.state
    assert isinstance(state, ast.ChoiceState)
    if step.jsonata:
        states = step.states_binding()
        for rule in state.choices:
            with step.evaluating():
                matched = _condition(step, rule, states)
            if matched:
                return _choice_exit(step, rule.next, rule.assign, rule.output)
        if state.default is None:
            with step.evaluating():
                raise _no_choice()
        return _choice_exit(step, state.default, state.assign, state.output)
    ctx = step.ctx
    variables = step.frame.variables
    try:
        data = apply_input_path(state.input_path, step.input, ctx, variables)
        for rule in state.choices:
            if evaluate_rule(rule, data, ctx, variables):
                return _choice_exit(step, rule.next, rule.assign or state.assign, None, data)
        if state.default is None:
            raise _no_choice()
    except StatesError as e:
        raise step.named(e) from None
    return _choice_exit(step, state.default, state.assign, None, data)


def _no_choice() -> StatesError:
    return StatesError(
        "States.Runtime",
        "Failed to transition out of the state. The state does not point to a next state.",
    )


def _condition(step: Step, rule: ast.ChoiceRule, states: dict) -> bool:
    cond = rule.operand
    if isinstance(cond, bool):
        return cond
    value = evaluate_jsonata(cond, states, step.variables, "Condition", now_millis=step.now_millis)
    if not isinstance(value, bool):
        raise QueryEvaluationFailure(
            f"The JSONata expression '{cond.source}' specified for the field 'Condition' "
            f"returned an unexpected result type. Expected 'boolean', but was "
            f"'{json_type(value)}' for value: {compact(value)}",
            "Condition",
        )
    return value


def _choice_exit(
    step: Step, next_name: str | None, assign: Any, output: Any, data: Any = None
) -> Result:
    state = step.state
    assigned = None
    if step.jsonata:
        out = step.input
        states = step.states_binding()
        with step.evaluating():
            if output is not None:
                out = evaluate_jsonata(
                    output, states, step.variables, "Output", now_millis=step.now_millis
                )
            elif state.output is not None:
                out = evaluate_jsonata(
                    state.output, states, step.variables, "Output", now_millis=step.now_millis
                )
        if assign is not None:
            assigned = evaluate_assign(step, assign, None, states)
    else:
        if assign is not None:
            assigned = evaluate_assign(step, assign, data, None)
        try:
            out = apply_input_path(state.output_path, data, step.ctx, step.frame.variables)
        except StatesError as e:
            raise step.named(e) from None
    if assigned:
        store_variables(step, assigned)
    return step.exit(next_name, out, assigned)
