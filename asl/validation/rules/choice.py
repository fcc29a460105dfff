"""Choice rules in JSONPath states: each rule is a boolean combination (And, Or, Not) or a
data test (Variable plus exactly one comparison operator) with valid paths and timestamps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import SCHEMA_VALIDATION_FAILED
from asl.validation.model import Definition, State
from asl.validation.registry import rule
from asl.validation.rules.fields import is_rfc3339
from asl.validation.rules.paths import path_problem

_COMPARED = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
VALUE_OPERATORS = frozenset(
    [f"{kind}{test}" for kind in ("String", "Numeric", "Timestamp") for test in _COMPARED]
    + ["StringMatches", "BooleanEquals"]
    + ["IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"]
)
PATH_OPERATORS = frozenset(
    [f"{kind}{test}Path" for kind in ("String", "Numeric", "Timestamp") for test in _COMPARED]
    + ["BooleanEqualsPath"]
)
OPERATORS = VALUE_OPERATORS | PATH_OPERATORS
COMBINATORS = ("And", "Or", "Not")


def choice_rules(state: State) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every Choice Rule of a state, nested ones included, with its parts below the state."""
    choices = state.node.get("Choices")
    if not isinstance(choices, list):
        return
    pending: list[tuple[tuple[str | int, ...], Any]] = [
        (("Choices", i), c) for i, c in enumerate(choices)
    ]
    while pending:
        parts, node = pending.pop()
        if not isinstance(node, dict):
            continue
        yield parts, node
        for key in ("And", "Or"):
            if isinstance(node.get(key), list):
                pending.extend(((*parts, key, i), child) for i, child in enumerate(node[key]))
        if "Not" in node:
            pending.append(((*parts, "Not"), node["Not"]))


@rule
def choice_rule_shape(definition: Definition) -> Iterator[Diagnostic]:
    """A rule is either a combinator or a Variable with exactly one comparison operator."""
    for state in definition.states_of_type("Choice"):
        if state.is_jsonata:
            continue
        for parts, node in choice_rules(state):
            message = _shape_problem(node)
            if message is not None:
                yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*parts))


def _shape_problem(node: dict[str, Any]) -> str | None:
    """What is wrong with the shape of one rule, or None."""
    operators = sorted(OPERATORS.intersection(node))
    combinators = [key for key in COMBINATORS if key in node]
    if "Variable" in node:
        if combinators:
            return f"A Choice Rule with a 'Variable' cannot also use {combinators[0]}"
        if not operators:
            return "A Choice Rule with a 'Variable' needs a comparison operator (StringEquals, NumericEquals, IsPresent, ...)"
        if len(operators) > 1:
            return (
                f"A Choice Rule can use only one comparison operator, found {', '.join(operators)}"
            )
        return None
    if operators:
        return f"The comparison operator '{operators[0]}' requires the field 'Variable'"
    if not combinators:
        return "A Choice Rule needs a 'Variable' with a comparison operator, or And, Or or Not"
    if len(combinators) > 1:
        return f"A Choice Rule can use only one of And, Or and Not, found {', '.join(combinators)}"
    return None


@rule
def choice_rule_values(definition: Definition) -> Iterator[Diagnostic]:
    """Variables and ``...Path`` operands compile; Timestamp operands are RFC 3339."""
    for state in definition.states_of_type("Choice"):
        if state.is_jsonata:
            continue
        for parts, node in choice_rules(state):
            for key, value in node.items():
                if key == "Variable" or key in PATH_OPERATORS:
                    problem = path_problem(value, "path")
                    if problem is not None:
                        message = (
                            f"The value for the field '{key}' must be a valid JSONPath: {problem}"
                        )
                        yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*parts, key))
                elif (
                    key.startswith("Timestamp")
                    and key in VALUE_OPERATORS
                    and isinstance(value, str)
                ):
                    if not is_rfc3339(value):
                        message = "String does not match RFC3339 timestamp"
                        yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*parts, key))
