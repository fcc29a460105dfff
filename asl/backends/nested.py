"""Nested workflows: ``arn:aws:states:::states:startExecution`` and the Step Functions
AWS SDK tasks (``aws-sdk:sfn:startExecution``, ``sendTaskSuccess``, ``sendTaskFailure``,
``sendTaskHeartbeat``), run against state machines registered with
``asl.run(..., state_machines={"name or ARN": definition})``.

Patterns, with AWS's output shapes:

* request-response: the child starts beside the parent, which gets
  ``{"ExecutionArn", "StartDate", "SdkHttpMetadata", "SdkResponseMetadata"}`` at once
  (``aws-sdk:sfn:startExecution``: ``{"ExecutionArn", "StartDate"}``, the date as text);
* ``.sync``: the parent waits; its result is the child's DescribeExecution fields
  (``ExecutionArn, Input, InputDetails, Name, Output, OutputDetails, StartDate,
  StateMachineArn, Status, StopDate``; Input and Output as JSON text, dates as epoch
  milliseconds), ``.sync:2`` the same with Input and Output as JSON values.  A child that
  does not succeed fails the task with ``States.TaskFailed``, the cause being the
  child's description (with its ``Error`` and ``Cause``) as JSON text.  The task's
  token (``$$.Task.Token``) stays live while the child runs: SendTaskSuccess /
  SendTaskFailure on it end the task (the child is stopped), and with
  ``HeartbeatSeconds`` a SendTaskHeartbeat must arrive in time or the task times out
  (``States.Timeout``, matched by ``States.HeartbeatTimeout`` too);
* ``.waitForTaskToken``: the child starts, the parent waits for a callback (typically
  the child's ``sendTaskSuccess`` with the token passed in its input).

``Input`` may be a JSON value or JSON text (absent or null: ``{}``).  A child runs with
the parent's clock, functions, resources and activities (not its mocks), in the region
and account of its state machine ARN, on a timeline of its own, in the parent
execution's task group: it runs beside the parent, and the parent's `asl.run` /
`asl.execute` returns once its children have ended too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from asl.backends import callbacks
from asl.backends.base import Backends, Resource, TaskEnvironment, TaskRequest, parse_arn
from asl.errors import ConfigurationError, StatesError
from asl.timestamps import iso_millis

if TYPE_CHECKING:
    from asl.ast import StateMachine

_SFN_TOKEN_APIS = ("sendTaskSuccess", "sendTaskFailure", "sendTaskHeartbeat")


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _name_from_arn(arn: str) -> tuple[str, str | None, str | None]:
    """(state machine name, region, account) of a name or state machine ARN (of a
    version or alias too); anything else is taken for a name, whole."""
    parsed = parse_arn(arn)
    if parsed is not None and parsed.kind == "stateMachine":
        return parsed.parts[0], parsed.region, parsed.account
    return arn, None, None


class _Registered:
    def __init__(self, name: str, machine: Any, region: str | None, account: str | None):
        self.name = name
        self.machine = machine
        self.region = region
        self.account = account


class NestedBackend:
    """Starts registered state machines from Task states (see the module docstring)."""

    def __init__(self, state_machines: Mapping[str, StateMachine] | None = None):
        """``state_machines`` maps names or state machine ARNs to compiled machines."""
        if state_machines is not None and not isinstance(state_machines, Mapping):
            raise ConfigurationError(
                "state_machines must map state machine names or ARNs to definitions, "
                f"not {type(state_machines).__name__}"
            )
        self.machines: dict[str, _Registered] = {}
        for key, machine in (state_machines or {}).items():
            if not isinstance(key, str) or not key:
                raise ConfigurationError(f"state_machines keys must be names or ARNs: {key!r}")
            name, region, account = _name_from_arn(key)
            self.machines[name] = _Registered(name, machine, region, account)

    # -- protocol -------------------------------------------------------------------------

    def handles(self, resource: Resource) -> bool:
        if resource.kind != "integration":
            return False
        if resource.service == "states":
            return resource.action == "startExecution"
        if resource.service == "aws-sdk:sfn":
            return resource.action in ("startExecution", *_SFN_TOKEN_APIS)
        return False

    async def run(self, request: TaskRequest) -> Any:
        sdk = request.resource.service == "aws-sdk:sfn"
        if sdk and request.resource.action in _SFN_TOKEN_APIS:
            request.mark_started()
            return _token_api(request)
        params = request.parameters if isinstance(request.parameters, dict) else {}
        child = self._prepare(request, params, sdk)
        pattern = request.resource.pattern
        if pattern in ("sync", "sync:2"):
            return await self._run_sync(request, child, pattern == "sync:2")
        if pattern == "waitForTaskToken":
            return await self._run_callback(request, child)
        request.mark_started()
        await self._start(request, child)
        return child.started_output(sdk=sdk)

    # -- children ---------------------------------------------------------------------------

    def _prepare(self, request: TaskRequest, params: dict[str, Any], sdk: bool) -> _Child:
        arn = params.get("StateMachineArn")
        if not isinstance(arn, str) or not arn:
            raise _api_error(sdk, "ValidationException", "StateMachineArn must be a string", 400)
        name, region, account = _name_from_arn(arn)
        registered = self.machines.get(name)
        if registered is None:
            known = ", ".join(sorted(self.machines)) or "none"
            raise _api_error(
                sdk,
                "StateMachineDoesNotExist",
                f"State Machine Does Not Exist: '{arn}' (registered with state_machines=: {known})",
                400,
            )
        raw_input = params.get("Input")
        if isinstance(raw_input, str):
            try:
                child_input = json.loads(raw_input)
            except ValueError:
                raise _api_error(
                    sdk, "InvalidExecutionInput", f"Invalid execution input: {raw_input!r}", 400
                ) from None
        else:
            child_input = {} if raw_input is None else raw_input
        exec_name = params.get("Name")
        if exec_name is not None and not isinstance(exec_name, str):
            raise _api_error(sdk, "InvalidName", f"Invalid Name: {exec_name!r}", 400)
        env = request.env
        region = region or registered.region or env.region
        account = account or registered.account or env.account_id
        child = _Child(
            registered,
            child_input,
            exec_name or str(uuid.uuid4()),
            region,
            account,
            env.clock.now(),
        )
        started = env.services.setdefault("started_executions", set())
        if child.execution_arn in started:
            raise _api_error(
                sdk,
                "ExecutionAlreadyExists",
                f"Execution Already Exists: '{child.execution_arn}'",
                400,
            )
        started.add(child.execution_arn)
        return child

    async def _start(self, request: TaskRequest, child: _Child) -> None:
        """Start the child beside the parent, in the parent execution's task group."""
        request.env.task_group.start_soon(self._execute, request.env, child)

    async def _execute(self, parent: TaskEnvironment, child: _Child) -> Any:
        from asl.backends.mocks import MockBackend

        backends = Backends([b for b in parent.backends.backends if not isinstance(b, MockBackend)])

        def on_start(execution: Any, env: TaskEnvironment) -> None:
            child.execution = execution
            child.env = env

        try:
            execution = await parent.start_child(
                child.registered.machine,
                child.input,
                backends=backends,
                name=child.name,
                state_machine_name=child.registered.name,
                region=child.region,
                account_id=child.account,
                on_start=on_start,
            )
        finally:
            child.done.set()
        return execution

    async def _run_callback(self, request: TaskRequest, child: _Child) -> Any:
        """Start the child beside the parent (on a timeline of its own), then wait for a
        callback on the task token.  Without a handle the task ends with the child."""
        env = request.env

        async def main(local: Any) -> Any:
            async def submit() -> Any:
                env.task_group.start_soon(self._execute, env, child)
                return child.started_output(sdk=False)

            return await callbacks.wait_for_callback(request, submit)

        return await callbacks.with_task_group(main, cancel_rest=False)

    async def _run_sync(self, request: TaskRequest, child: _Child, v2: bool) -> Any:
        """Start the child and wait for it under the task token: SendTaskSuccess /
        SendTaskFailure on the token end the task early, HeartbeatSeconds and
        TimeoutSeconds apply (on AWS too, a job-run task may be heartbeated)."""
        env = request.env
        request.mark_started()
        request.submitted(child.started_output(sdk=False))

        async def job() -> Any:
            await child.done.wait()
            return child.sync_result(v2, env.clock)

        async def main(local: Any) -> Any:
            env.task_group.start_soon(self._execute, env, child)
            try:
                return await callbacks.wait_for_job(request, job)
            finally:
                if child.env is not None and child.execution.status == "RUNNING":
                    # the token or a timeout ended the task first: stop the child
                    child.env.abort(None, None)

        return await callbacks.with_task_group(main, cancel_rest=False)


class _Child:
    """A child execution being started (its ARN is known before it runs)."""

    def __init__(
        self,
        registered: _Registered,
        input: Any,
        name: str,
        region: str,
        account: str,
        start: datetime,
    ):
        self.registered = registered
        self.input = input
        self.name = name
        self.region = region
        self.account = account
        self.start = start
        self.done = anyio.Event()
        self.execution: Any = None
        self.env: TaskEnvironment | None = None

    @property
    def state_machine_arn(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.registered.name}"

    @property
    def execution_arn(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:execution:{self.registered.name}:{self.name}"

    def started_output(self, *, sdk: bool) -> dict[str, Any]:
        """The StartExecution response."""
        from asl.backends.resources import with_sdk_metadata

        if sdk:
            return {"ExecutionArn": self.execution_arn, "StartDate": iso_millis(self.start)}
        out = with_sdk_metadata({"ExecutionArn": self.execution_arn})
        out["StartDate"] = _millis(self.start)
        return dict(sorted(out.items()))

    def sync_result(self, v2: bool, clock: Any) -> dict[str, Any]:
        """The ``.sync`` outcome of the ended child, on its timeline: its description, or
        ``States.TaskFailed`` with the description as the cause."""
        execution = self.execution
        if execution is None:
            raise StatesError(
                "States.Runtime", f"The execution '{self.execution_arn}' could not start."
            )
        if execution.stop_date is not None:
            clock.advance_to(execution.stop_date)
        description = self.describe(v2)
        if execution.status != "SUCCEEDED":
            raise StatesError("States.TaskFailed", _compact(description))
        return description

    def describe(self, v2: bool) -> dict[str, Any]:
        """The ``.sync`` result: DescribeExecution's fields, AWS-cased, keys sorted."""
        ex = self.execution
        out: dict[str, Any] = {
            "ExecutionArn": ex.arn,
            "Input": ex.input if v2 else _compact(ex.input),
            "InputDetails": {"Included": True},
            "Name": ex.name,
            "StartDate": _millis(ex.start_date),
            "StateMachineArn": ex.state_machine_arn,
            "Status": ex.status,
            "StopDate": _millis(ex.stop_date or ex.start_date),
        }
        if ex.status == "SUCCEEDED":
            out["Output"] = ex.output if v2 else _compact(ex.output)
            out["OutputDetails"] = {"Included": True}
        else:
            if ex.error is not None and ex.status != "TIMED_OUT":
                out["Error"] = ex.error
            if ex.cause is not None and ex.status != "TIMED_OUT":
                out["Cause"] = ex.cause
        return dict(sorted(out.items()))


def _api_error(sdk: bool, code: str, message: str, status: int) -> StatesError:
    """A Step Functions API error as the task reports it."""
    request_id = str(uuid.uuid4())
    if sdk:
        cause = f"{message} (Service: Sfn, Status Code: {status}, Request ID: {request_id})"
        return StatesError(f"Sfn.{code}Exception", cause)
    cause = (
        f"{message} (Service: AWSStepFunctions; Status Code: {status}; Error Code: {code}; "
        f"Request ID: {request_id}; Proxy: null)"
    )
    return StatesError(f"StepFunctions.{code}Exception", cause)


def _token_api(request: TaskRequest) -> Any:
    """aws-sdk:sfn:sendTaskSuccess / sendTaskFailure / sendTaskHeartbeat from a Task."""
    params = request.parameters if isinstance(request.parameters, dict) else {}
    action = request.resource.action
    token: Any = params.get("TaskToken")
    try:
        callbacks.TOKENS.lookup(token)  # AWS checks the token before the output
        if action == "sendTaskSuccess":
            output = params.get("Output")
            if isinstance(output, str):
                try:
                    output = json.loads(output)
                except ValueError:
                    raise callbacks.InvalidOutput("Invalid Output: not JSON text") from None
            callbacks.send_task_success(token, output)
        elif action == "sendTaskFailure":
            error, cause = params.get("Error"), params.get("Cause")
            callbacks.send_task_failure(
                token,
                None if error is None else str(error),
                None if cause is None else str(cause),
            )
        else:
            callbacks.send_task_heartbeat(token)
    except callbacks.TaskTokenError as e:
        text = {
            "InvalidToken": "Invalid Token: 'Invalid token'",
            "TaskTimedOut": "Task Timed Out: 'Provided task does not exist anymore'",
        }.get(e.code, str(e))
        request_id = str(uuid.uuid4())
        raise StatesError(
            f"Sfn.{e.code}Exception",
            f"{text} (Service: Sfn, Status Code: 400, Request ID: {request_id}) "
            "(SDK Attempt Count: 1)",
        ) from None
    return {}


__all__ = ["NestedBackend"]
