"""Map: ``ItemsPath``/``Items`` (or an ``ItemReader``), ``ItemSelector``, ``ItemBatcher``,
``MaxConcurrency``, ``ToleratedFailureCount``/``ToleratedFailurePercentage``, ``Label``
and ``ResultWriter``; each item runs the ``ItemProcessor`` as a child (an iteration of an
inline Map, a child execution of a distributed one)."""

from __future__ import annotations

import uuid
from typing import Any

from asl import ast
from asl.errors import StatesError
from asl.execution.children import run_children
from asl.execution.history import History
from asl.execution.item_batcher import batches as make_batches
from asl.execution.item_reader import prepare_reader
from asl.execution.numbers import NumberRule, number_value, shown
from asl.execution.pipeline import apply_input_path
from asl.execution.result_writer import ChildRuns, WriterCall, prepare_writer
from asl.execution.retry import with_retry_and_catch
from asl.execution.runner import Frame, error_details
from asl.execution.step import (
    QueryEvaluationFailure,
    Result,
    Step,
    compact,
    evaluate_jsonata,
)
from asl.expressions import json_type_name as json_type

# AWS runs at most 40 inline Map iterations at once, and 10,000 distributed children.
INLINE_MAP_CONCURRENCY = 40


DISTRIBUTED_MAP_CONCURRENCY = 10_000


async def run_map(step: Step) -> Result:
    async def attempt() -> Any:
        return await run_map_attempt(step)

    return await with_retry_and_catch(step, attempt, failed_event="MapStateFailed")


def _count_rule() -> NumberRule:
    """MaxConcurrency / ToleratedFailureCount: a whole number, not negative."""
    return NumberRule(
        integer=True,
        minimum=0,
        lenient_text=True,
        wrong_type=lambda expr, value: (
            f'The {expr.field} field refers to value "{shown(value)}" which is not a valid '
            f"integer: {expr.path.text}"
        ),
        out_of_range=lambda expr, value: f"{expr.field.removesuffix('Path')} cannot be negative.",
    )


MAX_CONCURRENCY = _count_rule()
TOLERATED_FAILURE_COUNT = _count_rule()
TOLERATED_FAILURE_PERCENTAGE = NumberRule(
    integer=False,
    minimum=0,
    maximum=100,
    lenient_text=True,
    wrong_type=lambda expr, value: (
        f'The {expr.field} field refers to value "{shown(value)}" which is not a valid '
        f"float: {expr.path.text}"
    ),
    out_of_range=lambda expr, value: "ToleratedFailurePercentage must be between 0 and 100.",
)


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
        max_concurrency = number_value(step, state.max_concurrency, data, MAX_CONCURRENCY)
    frame = step.frame
    frame.emit("MapStateStarted", {"length": len(items)})  # 0 with an ItemReader, as on AWS
    prepared = None
    if reader is not None:
        prepared = prepare_reader(step, reader, data)
    writer = None
    if state.result_writer is not None and state.mode == "DISTRIBUTED":
        writer = prepare_writer(step, state.result_writer, data)
    with step.evaluating():
        tolerated_count = number_value(
            step, state.tolerated_failure_count, data, TOLERATED_FAILURE_COUNT
        )
        tolerated_pct = number_value(
            step, state.tolerated_failure_percentage, data, TOLERATED_FAILURE_PERCENTAGE
        )
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
    if state.item_batcher is not None and prepared is None:
        batches = make_batches(
            step, state.item_batcher, data, [select(i) for i in range(len(items))]
        )

    def iteration_input(i: int) -> Any:
        return select(i) if batches is None else batches[i]

    async def iteration(i: int, child: Frame) -> Any:
        if distributed:
            # each child is an execution of its own, with its own history
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
            if state.item_batcher is not None:
                batches = make_batches(
                    step, state.item_batcher, data, [select(i) for i in range(len(items))]
                )
        except StatesError as e:
            if distributed:
                frame.emit("MapRunFailed", error_details(e))
            raise
    count = len(items) if batches is None else len(batches)
    children = None
    if distributed:
        # each child execution's status, dates, input and output: for the ResultWriter,
        # and for DescribeMapRun / ListExecutions(mapRunArn) (env.services["map_runs"])
        children = ChildRuns(count, runner.clock.now, iteration_input)
        children.label = label
        runner.env.services.setdefault("map_runs", {})[map_run_arn] = children
    try:
        results = await run_children(
            frame,
            count,
            limit,
            iteration,
            on_failure,
            isolated=distributed,
            done=runner.take_redriven(name),
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
            frame.emit("MapRunFailed", error_details(error))
        raise error from None
    if writer is not None and children is not None:
        try:
            results = await writer.finish(children, map_run_arn)
        except StatesError as e:
            frame.emit("MapRunFailed", error_details(e))
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
