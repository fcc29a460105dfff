"""Parallel and Map: branches and iterations as children of one anyio task group.

One failing branch or iteration cancels the others and fails the state with the inner
error (AWS passes it up rather than the spec's ``States.BranchFailed``).  Results keep
branch / item order.  Each child runs on its own `Frame` (its own variable scope and
history thread); the parent's clock timeline moves to the latest child's when they join.
"""

from __future__ import annotations

import math
import uuid
from collections import ChainMap
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from asl import ast
from asl.errors import StatesError
from asl.execution.dataflow import QueryEvaluationFailure, compact, evaluate_jsonata
from asl.execution.executor import Frame
from asl.expressions import json_type_name as json_type
from asl.expressions.paths import PathNotFound
from asl.expressions.templates import resolve

if TYPE_CHECKING:
    from asl.execution.result_writer import ChildRuns, WriterCall
    from asl.execution.states import Step

# AWS runs at most 40 inline Map iterations at once, and 10,000 distributed children.
INLINE_MAP_CONCURRENCY = 40
DISTRIBUTED_MAP_CONCURRENCY = 10_000


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
        try:
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
                    if frame.prev > last_prev[0]:
                        last_prev[0] = frame.prev
        finally:
            # a worker's timeline only moves forward: its time now is its latest
            now = clock.now()
            if now > latest[0]:
                latest[0] = now

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

    results = await _run_children(step.frame, len(state.branches), len(state.branches), branch)
    step.frame.emit("ParallelStateSucceeded")
    return results


def _int_field(step: Step, expr: ast.Expr | None, data: Any, kind: str) -> float | None:
    """MaxConcurrency / ToleratedFailure* values with AWS's checks."""
    if expr is None:
        return None
    if isinstance(expr, ast.Const):
        return expr.value
    from asl.execution.states import expr_value

    with step.evaluating():
        value = expr_value(step, expr, data)
        if isinstance(expr, ast.PathExpr):
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
    reader = state.item_reader
    if step.jsonata:
        data = step.input
        with step.evaluating():
            if reader is not None:
                items = []  # read once the Map Run starts
            elif state.items is not None:
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
                        f"'{json_type(items)}' for value: {compact(items)}",
                        "Items",
                    )
            else:
                items = data
    else:
        from asl.execution.dataflow import apply_input_path

        with step.evaluating():
            data = apply_input_path(state.input_path, step.input, ctx, variables)
            # AWS ignores ItemsPath when an ItemReader supplies the items
            items = (
                []
                if reader is not None
                else apply_input_path(state.items_path, data, ctx, variables)
            )
    with step.evaluating():
        if not isinstance(items, list):
            message = f"Map state input must be an array but was: {compact(items)}"
            if step.jsonata:
                raise QueryEvaluationFailure(message, "Items")
            raise StatesError("States.Runtime", message)
        max_concurrency = _int_field(step, state.max_concurrency, data, "count")
    frame = step.frame
    frame.emit("MapStateStarted", {"length": len(items)})  # 0 with an ItemReader, as on AWS
    prepared = None
    if reader is not None:
        from asl.execution.item_reader import prepare_reader

        prepared = prepare_reader(step, reader, data)
    writer = None
    if state.result_writer is not None and state.mode == "DISTRIBUTED":
        from asl.execution.result_writer import prepare_writer

        writer = prepare_writer(step, state.result_writer, data)
    with step.evaluating():
        tolerated_count = _int_field(step, state.tolerated_failure_count, data, "count")
        tolerated_pct = _int_field(step, state.tolerated_failure_percentage, data, "percentage")
    distributed = state.mode == "DISTRIBUTED"
    cap = DISTRIBUTED_MAP_CONCURRENCY if distributed else INLINE_MAP_CONCURRENCY
    limit = min(int(max_concurrency) if max_concurrency else cap, cap)
    processor = state.processor
    assert processor is not None
    selector = state.item_selector
    name = state.name

    def select(i: int) -> Any:
        if selector is None:
            return items[i]
        item_ctx = dict(ctx)
        item_ctx["Map"] = {"Item": {"Index": i, "Value": items[i]}}
        try:
            if step.jsonata:
                states = {"input": step.input, "context": item_ctx}
                return evaluate_jsonata(
                    selector, states, variables, "ItemSelector", now_millis=step.now_millis
                )
            return selector.evaluate(data, item_ctx, variables, field="ItemSelector")
        except StatesError as e:
            raise step.named(e) from None

    batches = None
    if state.item_batcher and prepared is None:
        batches = _batches(step, state, data, [select(i) for i in range(len(items))])

    def iteration_input(i: int) -> Any:
        return select(i) if batches is None else batches[i]

    async def iteration(i: int, child: Frame) -> Any:
        if distributed:
            # each child is an execution of its own, with its own history
            from asl.execution.history import History

            child.history = History(None)
            child.prev = 0
            value = iteration_input(i)
            if children is None:
                return await runner.run_scope(processor, value, child)
            return await children.track(i, value, runner.run_scope(processor, value, child))
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

    if distributed:
        label = state.label or uuid.uuid4().hex[:8]
        sm_name = runner.state_machine_context["Name"]
        map_run_arn = (
            f"arn:aws:states:{runner.region}:{runner.account_id}:mapRun:{sm_name}/{label}:"
            f"{uuid.uuid4()}"
        )
        frame.emit("MapRunStarted", {"mapRunArn": map_run_arn})
    if prepared is not None:
        try:
            items = await prepared.read()
            if state.item_batcher:
                batches = _batches(step, state, data, [select(i) for i in range(len(items))])
        except StatesError as e:
            if distributed:
                frame.emit("MapRunFailed", _error_details(e))
            raise
    count = len(items) if batches is None else len(batches)
    children = None
    if writer is not None:
        from asl.execution.result_writer import ChildRuns

        children = ChildRuns(count, runner.clock.now, iteration_input)
    try:
        results = await _run_children(
            frame, count, limit, iteration, on_failure, isolated=distributed
        )
    except StatesError as e:
        error = e
        if tolerant:
            error = StatesError(
                "States.ExceedToleratedFailureThreshold",
                "The specified tolerated failure threshold was exceeded",
            )
        if distributed:
            if writer is not None and children is not None:
                error = await _export_failed_run(writer, children, map_run_arn, error)
            frame.emit("MapRunFailed", _error_details(error))
        raise error from None
    if writer is not None and children is not None:
        try:
            results = await writer.finish(children, map_run_arn)
        except StatesError as e:
            frame.emit("MapRunFailed", _error_details(e))
            raise
    if distributed:
        frame.emit("MapRunSucceeded")
    frame.emit("MapStateSucceeded")
    return results


async def _export_failed_run(
    writer: WriterCall, children: ChildRuns, map_run_arn: str, error: StatesError
) -> StatesError:
    """A failed Map Run still exports its results (AWS writes FAILED and PENDING files
    for it); returns the error the Map fails with: the run's, or the export's."""
    if writer.resource is None:
        return error
    try:
        await writer.export(children.all(), map_run_arn)
    except StatesError as failure:
        return failure
    return error


def _error_details(error: StatesError) -> dict[str, Any]:
    return {k: v for k, v in (("error", error.error), ("cause", error.cause)) if v is not None}


def _batches(step: Step, state: ast.MapState, data: Any, selected: list[Any]) -> list[dict]:
    """The ItemBatcher's batches: ``{"Items": [...], "BatchInput": ...}`` per child."""
    batcher = state.item_batcher or {}
    with step.evaluating():
        max_items = _batcher_number(step, batcher, "MaxItemsPerBatch", data)
        max_bytes = _batcher_number(step, batcher, "MaxInputBytesPerBatch", data)
    batch_input = batcher.get("BatchInput")
    if batch_input is not None and not step.jsonata:
        from asl.expressions.templates import compile_template

        with step.evaluating():
            batch_input = compile_template(batch_input).evaluate(
                data, step.ctx, step.variables, field="BatchInput"
            )
    sizes = step.frame.runner.sizes
    limit = int(max_items) if max_items else len(selected) or 1
    out: list[dict] = []
    current: list[Any] = []
    current_bytes = 0
    for item in selected:
        size = sizes.size(item) + 1
        full = len(current) >= limit or (max_bytes and current and current_bytes + size > max_bytes)
        if full:
            out.append(_batch(current, batch_input))
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += size
    if current:
        out.append(_batch(current, batch_input))
    return out


def _batch(items: list[Any], batch_input: Any) -> dict[str, Any]:
    batch: dict[str, Any] = {"Items": items}
    if batch_input is not None:
        batch["BatchInput"] = batch_input
    return batch


def _batcher_number(step: Step, batcher: Any, key: str, data: Any) -> float | None:
    if key in batcher:
        value = batcher[key]
        if isinstance(value, str) and step.jsonata:
            from asl.expressions.jsonata import compile_jsonata, is_jsonata

            if is_jsonata(value):
                return evaluate_jsonata(
                    compile_jsonata(value), step.states_binding(), step.variables, key
                )
        return value
    path_key = key + "Path"
    if path_key in batcher:
        from asl.expressions.paths import compile_reference_path

        try:
            return resolve(
                compile_reference_path(batcher[path_key]), data, step.ctx, step.variables
            )
        except PathNotFound:
            raise StatesError(
                "States.Runtime", f"The {path_key} field does not reference an input value"
            ) from None
    return None


__all__ = ["run_map_attempt", "run_parallel_attempt", "math"]
