"""State handlers: one async function per state type (state type -> handler).

Each handler takes a `Step` (the state, its raw input and the thread it runs on) and
returns ``(next state name or None, output)``; `Runner.run_scope` calls them.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import anyio

from asl import ast
from asl.errors import StatesError
from asl.execution.choice import evaluate_rule
from asl.execution.dataflow import (
    QueryEvaluationFailure,
    apply_input_path,
    apply_result_path,
    compact,
    evaluate_jsonata,
)
from asl.execution.executor import (
    Frame,
    also_known_as,
    backoff_delay,
    error_matches,
    iso,
)
from asl.expressions import json_type_name as json_type
from asl.expressions.paths import PathNotFound
from asl.expressions.templates import resolve

Result = tuple[str | None, Any]

_NO_DETAILS = {"truncated": False}
_EMPTY: dict = {}


class _Evaluating:
    __slots__ = ("step",)

    def __init__(self, step: Step):
        self.step = step

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, tb: Any) -> None:
        if isinstance(error, StatesError):
            renamed = self.step._renamed(error)
            if renamed is not None:
                raise renamed from None


class Step:
    """One visit of one state."""

    __slots__ = (
        "state",
        "input",
        "frame",
        "jsonata",
        "entered_id",
        "entered",
        "retry_count",
        "task_token",
        "_ctx",
    )

    def __init__(self, state: ast.State, raw_input: Any, frame: Frame):
        self.state = state
        self.input = raw_input
        self.frame = frame
        self.jsonata = state.query_language == "JSONata"
        # POSIX seconds: the StateEntered event's time, and the Context's EnteredTime
        self.entered = frame.runner.clock.timestamp()
        self.entered_id = frame.emit(
            state.type + "StateEntered",
            {"name": state.name, "input": raw_input, "inputDetails": _NO_DETAILS},
            self.entered,
        )
        self.retry_count: int | None = 0 if state.type == "Task" else None
        self.task_token: str | None = None
        self._ctx: dict | None = None

    @property
    def context(self) -> dict:
        if self._ctx is None:
            self._ctx = self.frame.runner.context(
                self.state.name, self.entered, self.retry_count, self.task_token
            )
        return self._ctx

    @property
    def now_millis(self) -> int:
        """The execution clock's time, for JSONata's $now() and $millis()."""
        return int(self.frame.runner.clock.now().timestamp() * 1000)

    @property
    def ctx(self) -> dict:
        """The Context object for evaluating fields (empty when no field can read it)."""
        return self.context if self.state.uses_context else _EMPTY

    @property
    def variables(self) -> Any:
        return self.frame.variables

    def states_binding(self, **extra: Any) -> dict[str, Any]:
        """The JSONata ``$states`` variable."""
        binding = {"input": self.input, "context": self.context}
        binding.update(extra)
        return binding

    def prefix(self, cause: str | None) -> str:
        return (
            f"An error occurred while executing the state '{self.state.name}' "
            f"(entered at the event id #{self.entered_id}). {cause or ''}"
        )

    def evaluating(self) -> _Evaluating:
        """A context naming data-flow failures as AWS does: the state and the event that
        entered it (a class, not a generator: it runs several times per state).  The
        per-state JSONPath steps use ``except StatesError: raise step.named(e)`` instead,
        which costs nothing when nothing fails."""
        return _Evaluating(self)

    def named(self, e: StatesError) -> StatesError:
        """``e`` as AWS reports a data-flow failure of this state (see `evaluating`)."""
        return self._renamed(e) or e

    def _renamed(self, e: StatesError) -> StatesError | None:
        if isinstance(e, QueryEvaluationFailure):
            if getattr(e, "prefixed", False):
                return None
            cause = self.prefix(e.cause)
            self.frame.emit(
                "EvaluationFailed",
                {
                    "error": e.error,
                    "cause": cause,
                    "location": e.location,
                    "state": self.state.name,
                },
            )
            err: StatesError = QueryEvaluationFailure(cause, e.location)
        else:
            if getattr(e, "prefixed", False) or e.error not in _PREFIXED:
                return None
            err = StatesError(e.error, self.prefix(e.cause))
        err.prefixed = True  # type: ignore[attr-defined]
        return err

    def exit(self, next_name: str | None, output: Any, assigned: dict | None = None) -> Result:
        state = self.state
        frame = self.frame
        if state.type in _NEW_DATA and frame.runner.sizes.exceeds(output):
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{state.name}' returned a result with a size exceeding "
                "the maximum number of bytes service limit.",
            )
        details = {"name": state.name, "output": output, "outputDetails": _NO_DETAILS}
        if assigned:
            details["assignedVariables"] = assigned
            details["assignedVariablesDetails"] = _NO_DETAILS
        frame.emit(state.type + "StateExited", details)
        return next_name, output


# state types whose output can be larger than their input
_NEW_DATA = frozenset({"Pass", "Map", "Parallel", "Task"})

_PREFIXED = frozenset({"States.Runtime", "States.QueryEvaluationError", "States.IntrinsicFailure"})


# -- shared pipeline pieces ---------------------------------------------------------------


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


def _evaluate_assign(step: Step, assign: ast.Assignment, data: Any, states: dict | None) -> dict:
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
        assigned = _evaluate_assign(
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
    states = step.states_binding(result=result) if _has_result(state) else None
    output = result if _has_result(state) else step.input
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
        assigned = _evaluate_assign(step, state.assign, None, states)
    if assigned:
        store_variables(step, assigned)
    return step.exit(next_name, output, assigned)


VARIABLE_LIMIT = 262_144  # one variable, and all variables of one Assign
VARIABLES_TOTAL_LIMIT = 10 * 1024 * 1024  # every variable stored by an execution


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


def _has_result(state: ast.State) -> bool:
    return isinstance(state, (ast.TaskState, ast.MapState, ast.ParallelState))


def select_result(step: Step, result: Any) -> Any:
    selector = getattr(step.state, "result_selector", None)
    if selector is None or step.jsonata:
        return result
    with step.evaluating():
        return selector.evaluate(result, step.ctx, step.variables, field="ResultSelector")


async def with_retry_and_catch(
    step: Step,
    attempt: Callable[[], Awaitable[Any]],
    *,
    on_failure: Any = None,
    failed_event: str | None = None,
) -> Result:
    """Run ``attempt`` under the state's retriers; route an uncaught error to a catcher."""
    state = step.state
    assert isinstance(state, ast.ResultState)
    counts = [0] * len(state.retry)
    runner = step.frame.runner
    while True:
        try:
            result = await attempt()
        except StatesError as e:
            if on_failure is not None:
                on_failure(e)
            for i, retrier in enumerate(state.retry):
                if error_matches(retrier.error_equals, e.error, also_known_as(e)):
                    if counts[i] < retrier.max_attempts:
                        counts[i] += 1
                        step.retry_count = (step.retry_count or 0) + 1
                        step._ctx = None
                        await runner.sleep(backoff_delay(retrier, counts[i], runner.rng))
                        break
                    return _give_up(step, e, failed_event)
            else:
                return _give_up(step, e, failed_event)
            continue
        return finish(step, select_result(step, result), state.next)


def _give_up(step: Step, error: StatesError, failed_event: str | None) -> Result:
    """No retrier takes the error: record the state's failure event, then try catchers."""
    # AWS records no state failure event for States.Runtime: the execution fails at once
    if failed_event is not None and error.error != "States.Runtime":
        step.frame.emit(failed_event)
    return catch(step, error)


def catch(step: Step, error: StatesError) -> Result:
    """Hand an error to the first matching catcher, or re-raise it."""
    state = step.state
    assert isinstance(state, ast.ResultState)
    for catcher in state.catch:
        if not error_matches(catcher.error_equals, error.error, also_known_as(error)):
            continue
        if error.error is None:  # SendTaskFailure without an error name
            error_output = {"Error": None, "Cause": error.cause}
        else:
            error_output = {"Error": error.error, "Cause": error.cause or ""}
        assigned = None
        if step.jsonata:
            states = step.states_binding(errorOutput=error_output)
            output: Any = error_output
            with step.evaluating():
                if catcher.output is not None:
                    output = evaluate_jsonata(
                        catcher.output, states, step.variables, "Output", now_millis=step.now_millis
                    )
            if catcher.assign is not None:
                assigned = _evaluate_assign(step, catcher.assign, None, states)
        else:
            if catcher.assign is not None:
                assigned = _evaluate_assign(step, catcher.assign, error_output, None)
            with step.evaluating():
                output = apply_result_path(
                    catcher.result_path, catcher.result_path_set, step.input, error_output
                )
        if assigned:
            store_variables(step, assigned)
        return step.exit(catcher.next, output, assigned)
    raise error


# -- handlers ----------------------------------------------------------------------------


async def run_pass(step: Step) -> Result:
    state = step.state
    assert isinstance(state, ast.PassState)
    if step.jsonata:
        return finish(step, step.input, state.next)
    data = effective_input(step)
    result = state.result if state.has_result else data
    return finish(step, result, state.next)


async def run_succeed(step: Step) -> Result:
    """The state input, after InputPath then OutputPath (JSONPath) or Output (JSONata)."""
    data = step.input
    if not step.jsonata:
        with step.evaluating():
            data = apply_input_path(step.state.input_path, data, step.ctx, step.variables)
    return finish(step, data, None, assign_input=data)


async def run_fail(step: Step) -> Result:
    state = step.state
    assert isinstance(state, ast.FailState)
    error = _fail_value(step, state.error)
    cause = _fail_value(step, state.cause)
    raise StatesError(error, cause) if error is not None else _FailNoError(cause)


class _FailNoError(StatesError):
    def __init__(self, cause: str | None):
        super().__init__("", cause)
        self.error = None  # type: ignore[assignment]


def expr_value(
    step: Step, expr: Any, data: Any, missing: Callable[[Any], str] | None = None
) -> Any:
    """The value of a field that holds a constant, a JSONata expression, an intrinsic call
    or a ``...Path``.  A path selecting nothing is ``States.Runtime`` with the cause
    ``missing(path)`` (by default Jayway's "Invalid path" text).  Call it inside
    ``step.evaluating()``."""
    if isinstance(expr, ast.Const):
        return expr.value
    if isinstance(expr, ast.JsonataExpr):
        return evaluate_jsonata(
            expr.expression,
            step.states_binding(),
            step.variables,
            expr.field,
            now_millis=step.now_millis,
        )
    if isinstance(expr, ast.IntrinsicExpr):
        return expr.intrinsic.evaluate(data, step.ctx, step.variables, field=expr.field)
    try:
        return resolve(expr.path, data, step.ctx, step.variables)
    except PathNotFound as e:
        cause = missing(expr.path) if missing else f"Invalid path '{expr.path.text}' : {e.message}"
        raise StatesError("States.Runtime", cause) from None


def _fail_value(step: Step, expr: Any) -> Any:
    """A Fail state's error or cause: a string (AWS takes nothing else)."""
    if expr is None:
        return None

    def missing(path: Any) -> str:
        return (
            f"The JSONPath '{path.text}' specified for the field '{expr.field}' "
            f"could not be found in the input '{compact(step.input)}'"
        )

    with step.evaluating():
        value = expr_value(step, expr, step.input, missing)
        if isinstance(value, str):
            return value
        if isinstance(expr, ast.JsonataExpr):
            raise QueryEvaluationFailure(
                f"The JSONata expression '{expr.expression.source}' specified for the field "
                f"'{expr.field}' returned an unexpected result type. Expected 'string', but was "
                f"'{json_type(value)}' for value: {compact(value)}",
                expr.field,
            )
        raise StatesError(
            "States.Runtime",
            f"The value of the field '{expr.field}' must be a string, but was "
            f"'{json_type(value)}': {compact(value)}",
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
            assigned = _evaluate_assign(step, assign, None, states)
    else:
        if assign is not None:
            assigned = _evaluate_assign(step, assign, data, None)
        try:
            out = apply_input_path(state.output_path, data, step.ctx, step.frame.variables)
        except StatesError as e:
            raise step.named(e) from None
    if assigned:
        store_variables(step, assigned)
    return step.exit(next_name, out, assigned)


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


async def run_task(step: Step) -> Result:
    from asl.execution.task import run_task_attempt

    state = step.state
    assert isinstance(state, ast.TaskState)

    # AWS gives a task token to callback, activity and .sync tasks (SendTaskSuccess on a
    # .sync task's token ends it early)
    resource = state.resource
    needs_token = (
        resource.endswith((".waitForTaskToken", ".sync", ".sync:2")) or ":activity:" in resource
    )

    async def attempt() -> Any:
        if needs_token:
            # a fresh token for every attempt, visible as $$.Task.Token
            step.task_token = new_task_token()
            step._ctx = None
        data = effective_input(step)
        return await run_task_attempt(step, data)

    return await with_retry_and_catch(step, attempt)


async def run_parallel(step: Step) -> Result:
    from asl.execution.concurrency import run_parallel_attempt

    async def attempt() -> Any:
        data = effective_input(step)
        return await run_parallel_attempt(step, data)

    return await with_retry_and_catch(step, attempt, failed_event="ParallelStateFailed")


async def run_map(step: Step) -> Result:
    from asl.execution.concurrency import run_map_attempt

    async def attempt() -> Any:
        return await run_map_attempt(step)

    return await with_retry_and_catch(step, attempt, failed_event="MapStateFailed")


def new_task_token() -> str:
    """An opaque task token shaped like AWS's (long, URL-safe base64)."""
    import base64
    import os

    return base64.urlsafe_b64encode(os.urandom(96)).decode("ascii").rstrip("=")


HANDLERS: dict[str, Callable[[Step], Awaitable[Result]]] = {
    "Pass": run_pass,
    "Task": run_task,
    "Choice": run_choice,
    "Wait": run_wait,
    "Succeed": run_succeed,
    "Fail": run_fail,
    "Parallel": run_parallel,
    "Map": run_map,
}


__all__ = ["HANDLERS", "Step", "anyio", "iso"]
