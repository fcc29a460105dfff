"""Parallel and Map: branches and iterations as children of one anyio task group.

One failing branch or iteration cancels the others and fails the state with the inner
error (AWS passes it up rather than the spec's ``States.BranchFailed``).  Results keep
branch / item order.  Each child runs on its own `Frame` (its own variable scope and
history thread); the parent's clock timeline moves to the latest child's when they join.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from asl import ast
from asl.errors import StatesError
from asl.execution.dataflow import QueryEvaluationFailure, compact, evaluate_jsonata
from asl.execution.executor import Frame
from asl.expressions.paths import PathNotFound
from asl.expressions.templates import resolve

if TYPE_CHECKING:
    from asl.execution.states import Step

# AWS runs at most 40 inline Map iterations at once.
INLINE_MAP_CONCURRENCY = 40


async def _run_children(
    parent: Frame,
    count: int,
    limit: int,
    body: Callable[[int, Frame], Awaitable[Any]],
    on_failure: Callable[[int, StatesError, Frame], bool] | None = None,
    *,
    isolated: bool = False,
) -> list[Any]:
    """Run ``body(i, frame)`` for i in range(count), at most ``limit`` at a time.

    Returns results in index order.  A child failure cancels the rest and re-raises,
    unless ``on_failure`` returns True (the failure is tolerated).
    """
    results: list[Any] = [None] * count
    clock = parent.runner.clock
    latest: list[datetime] = [clock.now()]
    failure: list[StatesError] = []
    next_index = 0
    last_prev = [parent.prev]

    async def worker() -> None:
        nonlocal next_index
        while next_index < count and not failure:
            i = next_index
            next_index += 1
            frame = parent.child()
            if isolated:  # distributed Map children cannot read the parent's variables
                frame.variables = ChainMap({})
            try:
                results[i] = await body(i, frame)
            except StatesError as e:
                if on_failure is not None and on_failure(i, e, frame):
                    continue
                if not failure:
                    failure.append(e)
                    tg.cancel_scope.cancel()
                return
            finally:
                now = clock.now()
                if now > latest[0]:
                    latest[0] = now
                if frame.prev > last_prev[0]:
                    last_prev[0] = frame.prev

    async with anyio.create_task_group() as tg:
        for _ in range(min(limit, count)):
            tg.start_soon(worker)
    clock.advance_to(latest[0])
    parent.prev = last_prev[0]
    if failure:
        raise failure[0]
    return results


async def run_parallel_attempt(step: Step, data: Any) -> Any:
    state = step.state
    assert isinstance(state, ast.ParallelState)
    runner = step.frame.runner
    step.frame.emit("ParallelStateStarted")

    async def branch(i: int, frame: Frame) -> Any:
        return await runner.run_scope(state.branches[i], data, frame)

    try:
        results = await _run_children(step.frame, len(state.branches), len(state.branches), branch)
    except StatesError:
        step.frame.emit("ParallelStateFailed")
        raise
    step.frame.emit("ParallelStateSucceeded")
    return results


def _int_field(step: Step, expr: ast.Expr | None, data: Any, kind: str) -> float | None:
    """MaxConcurrency / ToleratedFailure* values with AWS's checks."""
    if expr is None:
        return None
    if isinstance(expr, ast.Const):
        return expr.value
    with step.evaluating():
        if isinstance(expr, ast.JsonataExpr):
            value = evaluate_jsonata(
                expr.expression,
                step.states_binding(),
                step.variables,
                expr.field,
                now_millis=step.now_millis,
            )
        else:
            assert isinstance(expr, ast.PathExpr)
            try:
                value = resolve(expr.path, data, step.ctx, step.variables)
            except PathNotFound:
                raise StatesError(
                    "States.Runtime",
                    f"Invalid path '{expr.path.text}' : No results for path: {expr.path.normalized}",
                ) from None
            value = _numeric_text(value)
            number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if kind == "percentage":
                if not number_ok:
                    raise StatesError(
                        "States.Runtime",
                        f'The {expr.field} field refers to value "{_text(value)}" which is not '
                        f"a valid float: {expr.path.text}",
                    )
                if not 0 <= value <= 100:
                    raise StatesError(
                        "States.Runtime", "ToleratedFailurePercentage must be between 0 and 100."
                    )
            else:
                if not number_ok or (isinstance(value, float) and not value.is_integer()):
                    raise StatesError(
                        "States.Runtime",
                        f'The {expr.field} field refers to value "{_text(value)}" which is not '
                        f"a valid integer: {expr.path.text}",
                    )
                if value < 0:
                    name = expr.field.removesuffix("Path")
                    raise StatesError("States.Runtime", f"{name} cannot be negative.")
    return value


def _numeric_text(value: Any) -> Any:
    """AWS reads these fields leniently: a numeric string counts as its number."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else compact(value)


async def run_map_attempt(step: Step) -> Any:
    state = step.state
    assert isinstance(state, ast.MapState)
    runner = step.frame.runner
    ctx = step.context
    variables = step.variables
    if step.jsonata:
        data = step.input
        with step.evaluating():
            if state.items is not None:
                items = evaluate_jsonata(
                    state.items,
                    step.states_binding(),
                    variables,
                    "Items",
                    now_millis=step.now_millis,
                )
                if not isinstance(items, list):
                    from asl.expressions.jsonata import inner_source, is_jsonata

                    raw = state.items.value
                    source = inner_source(raw) if is_jsonata(raw) else compact(raw)
                    raise QueryEvaluationFailure(
                        f"The JSONata expression '{source}' specified for the field 'Items' "
                        f"returned an unexpected result type. Expected 'array', but was "
                        f"'{_json_type(items)}' for value: {compact(items)}",
                        "Items",
                    )
            else:
                items = data
    else:
        from asl.execution.dataflow import apply_input_path

        with step.evaluating():
            data = apply_input_path(state.input_path, step.input, ctx, variables)
            items = apply_input_path(state.items_path, data, ctx, variables)
    with step.evaluating():
        if not isinstance(items, list):
            message = f"Map state input must be an array but was: {compact(items)}"
            if step.jsonata:
                raise QueryEvaluationFailure(message, "Items")
            raise StatesError("States.Runtime", message)
        max_concurrency = _int_field(step, state.max_concurrency, data, "count")
        tolerated_count = _int_field(step, state.tolerated_failure_count, data, "count")
        tolerated_pct = _int_field(step, state.tolerated_failure_percentage, data, "percentage")
    limit = int(max_concurrency) if max_concurrency else INLINE_MAP_CONCURRENCY
    limit = min(limit, INLINE_MAP_CONCURRENCY)
    frame = step.frame
    frame.emit("MapStateStarted", {"length": len(items)})
    processor = state.processor
    assert processor is not None
    selector = state.item_selector
    name = state.name

    def iteration_input(i: int) -> Any:
        if selector is None:
            return items[i]
        item_ctx = dict(ctx)
        item_ctx["Map"] = {"Item": {"Index": i, "Value": items[i]}}
        with step.evaluating():
            if step.jsonata:
                states = {"input": step.input, "context": item_ctx}
                return evaluate_jsonata(
                    selector, states, variables, "ItemSelector", now_millis=step.now_millis
                )
            return selector.evaluate(data, item_ctx, variables, field="ItemSelector")

    async def iteration(i: int, child: Frame) -> Any:
        child.emit("MapIterationStarted", {"name": name, "index": i})
        value = iteration_input(i)
        try:
            out = await runner.run_scope(processor, value, child)
        except StatesError:
            child.emit("MapIterationFailed", {"name": name, "index": i})
            raise
        child.emit("MapIterationSucceeded", {"name": name, "index": i})
        return out

    failures = [0]
    tolerant = tolerated_count is not None or tolerated_pct is not None

    def on_failure(i: int, error: StatesError, child: Frame) -> bool:
        if not tolerant:
            return False
        failures[0] += 1
        if tolerated_count is not None and failures[0] <= tolerated_count:
            return True
        if tolerated_pct is not None and items:
            return failures[0] * 100 <= tolerated_pct * len(items)
        return False

    try:
        results = await _run_children(
            frame, len(items), limit, iteration, on_failure, isolated=state.mode == "DISTRIBUTED"
        )
    except StatesError:
        frame.emit("MapStateFailed")
        if tolerant:
            raise StatesError(
                "States.ExceedToleratedFailureThreshold",
                "The specified tolerated failure threshold was exceeded",
            ) from None
        raise
    frame.emit("MapStateSucceeded")
    return results


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


__all__ = ["run_map_attempt", "run_parallel_attempt", "math"]
