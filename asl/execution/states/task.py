"""Task: ``Resource`` resolved to a task backend, ``TimeoutSeconds``/``HeartbeatSeconds``,
``Credentials``, the task token, AWS's Task/LambdaFunction/Activity events, and backend
failures turned into named errors; Retry and Catch around each attempt."""

from __future__ import annotations

import base64
import math
import os
from typing import Any

import anyio

from asl import ast
from asl.backends.base import MAX_WAIT, HeartbeatTimedOut, TaskRequest, parse_resource
from asl.errors import StatesError
from asl.execution.limits import PAYLOAD_LIMIT, payload_size
from asl.execution.numbers import NumberRule, number_value
from asl.execution.pipeline import effective_input
from asl.execution.retry import with_retry_and_catch
from asl.execution.step import Result, Step, compact, evaluate_jsonata

_NO_DETAILS = {"truncated": False}


async def run_task(step: Step) -> Result:
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


def new_task_token() -> str:
    """An opaque task token shaped like AWS's (long, URL-safe base64)."""
    return base64.urlsafe_b64encode(os.urandom(96)).decode("ascii").rstrip("=")


# TimeoutSeconds(Path) / HeartbeatSeconds(Path): a positive number of seconds
TIMEOUT = NumberRule(
    integer=False,
    minimum=0,
    exclusive_minimum=True,
    check_jsonata=True,
    any_failure=lambda expr, value: (
        f"The {expr.field} field must be a positive integer: {compact(value)}"
    ),
)


def _timeout_value(step: Step, expr: ast.Expr | None) -> int | None:
    value = number_value(step, expr, step.input, TIMEOUT)
    return None if value is None else int(value)


async def run_task_attempt(step: Step, data: Any) -> Any:
    """One attempt of a Task state: schedule, start, run, record the outcome."""
    state = step.state
    assert isinstance(state, ast.TaskState)
    runner = step.frame.runner
    frame = step.frame
    resource = parse_resource(state.resource)
    timeout = _timeout_value(step, state.timeout_seconds)
    heartbeat = _timeout_value(step, state.heartbeat_seconds)
    credentials = None
    if state.credentials is not None:
        with step.evaluating():
            if step.jsonata:
                credentials = evaluate_jsonata(
                    state.credentials,
                    step.states_binding(),
                    step.variables,
                    "Credentials",
                    now_millis=step.now_millis,
                )
            else:
                credentials = state.credentials.evaluate(
                    data, step.ctx, step.variables, field="Credentials"
                )
    backend = runner.backends.resolve(resource)
    lambda_style = resource.kind == "lambda-function"
    activity_style = resource.kind == "activity"
    # event family: LambdaFunction*, Activity* or Task*
    kind = "LambdaFunction" if lambda_style else "Activity" if activity_style else "Task"
    precheck = getattr(backend, "precheck", None)
    if precheck is not None:
        # e.g. an activity that does not exist fails before anything is scheduled
        problem = precheck(resource, runner.env)
        if problem:
            raise StatesError("States.Runtime", step.prefix(problem))
    if lambda_style:
        details: dict[str, Any] = {
            "resource": state.resource,
            "input": data,
            "inputDetails": _NO_DETAILS,
        }
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if credentials is not None:
            details["taskCredentials"] = {"roleArn": credentials.get("RoleArn")}
        frame.emit("LambdaFunctionScheduled", details)
    elif activity_style:
        details = {"resource": state.resource, "input": data, "inputDetails": _NO_DETAILS}
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if heartbeat is not None:
            details["heartbeatInSeconds"] = heartbeat
        frame.emit("ActivityScheduled", details)
    else:
        details = {
            "resourceType": resource.service,
            "resource": resource.api,
            "region": runner.region,
            "parameters": data,
        }
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if heartbeat is not None:
            details["heartbeatInSeconds"] = heartbeat
        if credentials is not None:
            details["taskCredentials"] = {"roleArn": credentials.get("RoleArn")}
        frame.emit("TaskScheduled", details)
    ids = {"resourceType": resource.service, "resource": resource.api}
    # Lambda and activity outcome events carry no resource fields
    outcome_ids = {} if lambda_style or activity_style else ids

    def started() -> None:
        if lambda_style:
            frame.emit("LambdaFunctionStarted")
        elif activity_style:
            worker = request.extra.get("worker_name")
            frame.emit("ActivityStarted", {"workerName": worker} if worker else None)
        else:
            frame.emit("TaskStarted", dict(ids))

    def submitted(output: Any) -> None:
        frame.emit("TaskSubmitted", {**ids, "output": output, "outputDetails": _NO_DETAILS})

    request = TaskRequest(
        resource=resource,
        parameters=data,
        state_name=state.name,
        context=step.context,
        timeout_seconds=timeout,
        heartbeat_seconds=heartbeat,
        credentials=credentials,
        env=runner.env,
        started=started,
        submitted=submitted,
    )
    try:
        if timeout is not None:
            with anyio.fail_after(_real_timeout(runner, timeout)):
                result = await backend.run(request)
        else:
            result = await backend.run(request)
    except TimeoutError as e:
        if not request.was_started:
            started()
        frame.emit(f"{kind}TimedOut", {**outcome_ids, "error": "States.Timeout"})
        error = StatesError("States.Timeout", None)
        if isinstance(e, HeartbeatTimedOut):
            # reported as States.Timeout; Retry/Catch may also name States.HeartbeatTimeout
            error.aliases = ("States.HeartbeatTimeout",)  # type: ignore[attr-defined]
        raise error from None
    except StatesError as e:
        if not request.was_started:
            started()
        failed: dict[str, Any] = dict(outcome_ids)
        if e.error is not None:
            failed["error"] = e.error
        if e.cause is not None:
            failed["cause"] = e.cause
        frame.emit(f"{kind}Failed", failed)
        raise
    if not request.was_started:
        started()
    size = request.result_size if request.result_size is not None else payload_size(result)
    if size > PAYLOAD_LIMIT:
        error = StatesError(
            "States.DataLimitExceeded",
            f"The state/task '{resource.limit_name}' returned a result with a size exceeding "
            "the maximum number of bytes service limit.",
        )
        failed = dict(outcome_ids)
        failed.update(error="States.DataLimitExceeded", cause=error.cause)
        frame.emit(f"{kind}Failed", failed)
        raise error
    frame.emit(f"{kind}Succeeded", {**outcome_ids, "output": result, "outputDetails": _NO_DETAILS})
    return result


def _real_timeout(runner: Any, timeout: float) -> float:
    """Timeouts are enforced in real time in both clocks (a hanging handler must time out);
    the virtual clock adds the time waited virtually.  No execution lives past a year, so
    a longer timeout is no limit at all."""
    if isinstance(timeout, float) and not math.isfinite(timeout):
        return math.inf
    return float(min(timeout, MAX_WAIT.total_seconds()))
