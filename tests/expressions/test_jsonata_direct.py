"""The direct evaluator answers exactly as the engine does, or leaves the answer to it."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asl.expressions import jsonata_runtime

_leaves = st.sampled_from(
    [
        "$states.input.a",
        "$states.input.b.c",
        "$states.input.missing",
        "$states.context.Map.Item.Value",
        "$x",
        "$y",
        "$unbound",
        "$string",
        "2",
        "0",
        "1.5",
        "1e308",
        "'s'",
        "''",
    ]
)
_operators = st.sampled_from(["+", "-", "*", "/", "%", "&", "=", "!=", "<", "<=", ">", ">="])
_expressions = st.recursive(
    _leaves,
    lambda inner: st.tuples(inner, _operators, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    max_leaves=4,
)
_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**400, 2**63, 0, -0.0, 0.5, 1e308, True, None, "", "abc", [], [1], [1, 2]]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=3),
    st.dictionaries(st.sampled_from(["c", "d"]), st.integers(), max_size=2),
)


def _outcome(source: str, states: dict[str, Any], variables: dict[str, Any], direct: bool) -> Any:
    compiled = jsonata_runtime.compile_source(source)
    if not direct:
        compiled.direct = None
    try:
        value = jsonata_runtime.evaluate(compiled, states, variables, 0)
    except jsonata_runtime.EvaluationFailure as err:
        return ("error", err.code, err.message)
    except (jsonata_runtime.UndefinedResult, jsonata_runtime.FunctionResult) as err:
        return (type(err).__name__,)
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return ("value", type(value).__name__, value)


@settings(max_examples=400, deadline=None)
@given(
    source=_expressions,
    a=_values,
    c=_values,
    item=_values,
    x=_values,
    y=_values,
)
def test_direct_evaluation_agrees_with_the_engine(
    source: str, a: Any, c: Any, item: Any, x: Any, y: Any
) -> None:
    states = {"input": {"a": a, "b": {"c": c}}, "context": {"Map": {"Item": {"Value": item}}}}
    variables = {"x": x, "y": y}
    engine = _outcome(source, states, variables, direct=False)
    assert _outcome(source, states, variables, direct=True) == engine


@pytest.mark.parametrize(
    "source",
    [
        "$states.input.v * 2",
        "$states.context.Map.Item.Value",
        "$count + 1",
        "'order-' & $states.input.id",
        "$states.input.total > 100",
    ],
)
def test_common_expressions_are_evaluated_directly(source: str) -> None:
    assert jsonata_runtime.compile_source(source).direct is not None


@pytest.mark.parametrize(
    "source",
    [
        "$states.input.items[0]",  # predicates
        "$states.input.items[]",  # keep-array
        "$sum($states.input.items)",  # function calls
        "$states.input.a and $states.input.b",
        "$",  # the (absent) input document
        "+".join(["1"] * 101),  # too deep: the engine reports D1011 as AWS does
    ],
)
def test_other_expressions_are_left_to_the_engine(source: str) -> None:
    assert jsonata_runtime.compile_source(source).direct is None
