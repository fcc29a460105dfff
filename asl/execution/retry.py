"""Retry and Catch: retriers with their back-off, catchers with their error output.

A failure is a `StatesError` named as AWS names it; ``ErrorEquals`` matches that name
(``States.ALL``, ``States.TaskFailed`` and the aliases an error answers to), except for
``States.Runtime``, which nothing catches.  Back-off: ``IntervalSeconds`` times
``BackoffRate`` to the attempt, capped by ``MaxDelaySeconds``, with ``JitterStrategy``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from typing import Any

from asl import ast
from asl.errors import StatesError
from asl.execution.pipeline import (
    apply_result_path,
    evaluate_assign,
    finish,
    select_result,
    store_variables,
)
from asl.execution.step import Result, Step, evaluate_jsonata

# errors that no Retry or Catch ever handles
UNCATCHABLE = frozenset({"States.Runtime"})


def also_known_as(error: StatesError) -> tuple[str, ...]:
    """Other names an error answers to in ErrorEquals (a heartbeat lapse is reported as
    States.Timeout but also matches States.HeartbeatTimeout)."""
    return getattr(error, "aliases", ())


def error_matches(names: tuple[str, ...], error: str | None, aliases: tuple[str, ...] = ()) -> bool:
    """Whether a Retrier's or Catcher's ErrorEquals matches an error name."""
    if error in UNCATCHABLE:
        return False
    for name in names:
        if name == error or name == "States.ALL" or name in aliases:
            return True
        if name == "States.TaskFailed" and error not in ("States.Timeout",):
            # None: a SendTaskFailure without an error name, a task failure all the same
            if error is None or not error.startswith("States.") or error in _TASK_FAILED_MEMBERS:
                return True
    return False


_TASK_FAILED_MEMBERS = frozenset(
    {
        "States.TaskFailed",
        "States.DataLimitExceeded",
        "States.Permissions",
        "States.HeartbeatTimeout",
    }
)


def backoff_delay(retrier: ast.Retrier, attempt: int, rng: random.Random) -> float:
    """Seconds before retry number ``attempt`` (1-based) of a retrier: IntervalSeconds
    times BackoffRate to the power attempt - 1, at most MaxDelaySeconds, with jitter."""
    try:
        delay = retrier.interval_seconds * (retrier.backoff_rate ** (attempt - 1))
    except OverflowError:  # longer than any execution lives: the cap (if any) decides
        delay = math.inf
    if retrier.max_delay_seconds is not None:
        delay = min(delay, retrier.max_delay_seconds)
    if retrier.jitter_strategy == "FULL" and math.isfinite(delay):
        delay = rng.uniform(0, delay)
    return float(delay)


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
                assigned = evaluate_assign(step, catcher.assign, None, states)
        else:
            if catcher.assign is not None:
                assigned = evaluate_assign(step, catcher.assign, error_output, None)
            with step.evaluating():
                output = apply_result_path(
                    catcher.result_path, catcher.result_path_set, step.input, error_output
                )
        if assigned:
            store_variables(step, assigned)
        return step.exit(catcher.next, output, assigned)
    if state.type == "Task" and step.frame.in_parallel_branch and error.error not in UNCATCHABLE:
        # the failure ends the branch and the Parallel: AWS records the Task as aborted
        step.frame.record_aside("TaskStateAborted")
    raise error
