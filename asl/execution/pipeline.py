"""The step-level input/output pipeline, shared by every state type.

JSONPath mode: InputPath -> Parameters -> (the state's work) -> ResultSelector ->
ResultPath -> OutputPath, then Assign.  JSONata mode: Arguments -> (work) -> Output, then
Assign, with the ``$states`` binding.  Pure functions of a `Step` and values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asl import ast
from asl.errors import StatesError
from asl.execution.limits import VARIABLE_LIMIT, VARIABLES_TOTAL_LIMIT
from asl.execution.step import Result, Step, evaluate_jsonata
from asl.expressions.paths import PathNotFound, set_path
from asl.expressions.templates import resolve


def apply_input_path(path: Any, data: Any, context: Any, variables: Mapping[str, Any]) -> Any:
    """InputPath/OutputPath: ``None`` (JSON null) gives ``{}``; a missing path is a
    ``States.Runtime`` failure."""
    if path is None:
        return {}
    if path.text == "$":
        return data
    try:
        return resolve(path, data, context, variables)
    except PathNotFound as e:
        raise StatesError("States.Runtime", f"Invalid path '{path.text}' : {e.message}") from None


def apply_result_path(path: Any, path_set: bool, raw_input: Any, result: Any) -> Any:
    """ResultPath: ``None`` discards the result; otherwise place it into the raw input."""
    if path is None:
        return raw_input if path_set else result
    if path.text == "$":
        return result
    return set_path(path, raw_input, result)


def effective_input(step: Step) -> Any:
    """InputPath then Parameters (JSONPath) or Arguments (JSONata)."""
    state = step.state
    assert isinstance(state, ast.ResultState)
    params = state.parameters
    if step.jsonata:
        if params is None:
            return step.input
        with step.evaluating():
            return evaluate_jsonata(
                params,
                step.states_binding(),
                step.variables,
                "Arguments",
                now_millis=step.now_millis,
            )
    ctx = step.ctx
    variables = step.frame.variables
    try:
        data = apply_input_path(state.input_path, step.input, ctx, variables)
        if params is not None:
            data = params.evaluate(data, ctx, variables, field="Parameters")
    except StatesError as e:
        raise step.named(e) from None
    return data


def evaluate_assign(step: Step, assign: ast.Assignment, data: Any, states: dict | None) -> dict:
    with step.evaluating():
        if assign.language == "JSONata":
            return evaluate_jsonata(
                assign.template,
                states or step.states_binding(),
                step.variables,
                "Assign",
                now_millis=step.now_millis,
            )
        return assign.template.evaluate(data, step.ctx, step.variables, field="Assign")


def finish(step: Step, result: Any, next_name: str | None, *, assign_input: Any = None) -> Result:
    """Apply ResultPath and OutputPath (JSONPath) or Output (JSONata), then Assign; exit."""
    if step.jsonata:
        return _finish_jsonata(step, result, next_name)
    state = step.state
    assigned = None
    if state.assign is not None:
        assigned = evaluate_assign(
            step, state.assign, result if assign_input is None else assign_input, None
        )
    try:
        output = result
        if isinstance(state, ast.ResultState):
            output = apply_result_path(state.result_path, state.result_path_set, step.input, result)
        output = apply_input_path(state.output_path, output, step.ctx, step.frame.variables)
    except StatesError as e:
        raise step.named(e) from None
    if assigned:
        store_variables(step, assigned)
    return step.exit(next_name, output, assigned)


def _finish_jsonata(step: Step, result: Any, next_name: str | None) -> Result:
    """Output (the result, or the state input for states without one), then Assign; exit."""
    state = step.state
    assigned = None
    states = step.states_binding(result=result) if has_result(state) else None
    output = result if has_result(state) else step.input
    with step.evaluating():
        if state.output is not None:
            output = evaluate_jsonata(
                state.output,
                states or step.states_binding(),
                step.variables,
                "Output",
                now_millis=step.now_millis,
            )
    if state.assign is not None:
        assigned = evaluate_assign(step, state.assign, None, states)
    if assigned:
        store_variables(step, assigned)
    return step.exit(next_name, output, assigned)


def store_variables(step: Step, assigned: dict[str, Any]) -> None:
    """Store an Assign's values in the current scope, within AWS's size limits."""
    sizes = step.frame.runner.sizes
    total = 0
    for name, value in assigned.items():
        size = sizes.size(value)
        if size > VARIABLE_LIMIT:
            raise StatesError(
                "States.DataLimitExceeded",
                step.prefix(
                    f"The variable '{name}' has a size exceeding the maximum number of bytes "
                    "service limit (256 KiB)."
                ),
            )
        total += size
    if total > VARIABLE_LIMIT:
        raise StatesError(
            "States.DataLimitExceeded",
            step.prefix(
                "The variables assigned by the state have a total size exceeding the maximum "
                "number of bytes service limit (256 KiB)."
            ),
        )
    scope = step.frame.variables
    scope.maps[0].update(assigned)
    stored = sum(sizes.size(v) for m in scope.maps for v in m.values())
    if stored > VARIABLES_TOTAL_LIMIT:
        raise StatesError(
            "States.DataLimitExceeded",
            step.prefix(
                "The variables stored by the execution have a total size exceeding the maximum "
                "number of bytes service limit (10 MiB)."
            ),
        )


def has_result(state: ast.State) -> bool:
    return isinstance(state, (ast.TaskState, ast.MapState, ast.ParallelState))


def select_result(step: Step, result: Any) -> Any:
    selector = getattr(step.state, "result_selector", None)
    if selector is None or step.jsonata:
        return result
    with step.evaluating():
        return selector.evaluate(result, step.ctx, step.variables, field="ResultSelector")
