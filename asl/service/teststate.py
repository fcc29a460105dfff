"""TestState: run one state in isolation, as the Step Functions TestState API does.

The state runs once, through the same executor as any execution, inside a small machine
built around it: a first Pass state seeds ``variables``, and every state it may go to
(``Next``, Choice targets, Catch targets) is a stub whose entry gives ``nextState`` and
the output.  Retriers are not run: an error a retrier would retry (counting
``stateConfiguration.retrierRetryCount`` attempts already made) answers ``RETRIABLE``
with the back-off AWS would wait.  A mocked result is checked against the integrated
API's output shape in botocore's service model (``fieldValidationMode`` STRICT, the
default, or PRESENT; NONE skips it).

`test_state` is the Pythonic form: keyword arguments in snake_case, JSON values in and
out (``output`` decoded, ``inspection_data`` values decoded).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from asl.service.errors import ApiError

_SETUP = "asl:TestState:Setup"
_SUPPORTED = "[Task, Wait, Pass, Succeed, Fail, Choice]"
_DATA_KEYS = (
    "input",
    "afterInputPath",
    "afterParameters",
    "afterArguments",
    "result",
    "afterResultSelector",
    "afterResultPath",
    "variables",
    "afterItemsPath",
    "afterItemsPointer",
    "afterItemSelector",
    "afterItemBatcher",
)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidDefinition", message)


def _json(text: Any, what: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError) as e:
        raise ApiError("ValidationException", f"Invalid {what}: {e}") from None


def _find_state(states: Any, name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The state ``name`` (searched in branches and item processors too) and its scope."""
    if not isinstance(states, dict):
        return None
    for key, state in states.items():
        if key == name and isinstance(state, dict):
            return state, states
        if not isinstance(state, dict):
            continue
        for branch in state.get("Branches") or []:
            found = _find_state(branch.get("States") if isinstance(branch, dict) else None, name)
            if found:
                return found
        for inner in ("ItemProcessor", "Iterator"):
            processor = state.get(inner)
            if isinstance(processor, dict):
                found = _find_state(processor.get("States"), name)
                if found:
                    return found
    return None


def _targets(state: dict[str, Any]) -> Iterator[str]:
    if isinstance(state.get("Next"), str):
        yield state["Next"]
    if isinstance(state.get("Default"), str):
        yield state["Default"]
    for rule in state.get("Choices") or []:
        if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
            yield rule["Next"]
    for catcher in state.get("Catch") or []:
        if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
            yield catcher["Next"]


@dataclass
class _Plan:
    name: str
    state: dict[str, Any]
    query_language: str
    mock: dict[str, Any] | None
    config: dict[str, Any]
    level: str
    input: Any
    variables: dict[str, Any]
    context: Any
    role_arn: str
    role_given: bool = False


def run_test_state(client: Any, request: dict[str, Any]) -> dict[str, Any]:
    """TestState with the request and response of the API (JSON fields as text)."""
    plan = _plan(request)
    return _Run(client, plan).respond()


def _plan(request: dict[str, Any]) -> _Plan:
    definition = _json(request.get("definition"), "definition")
    if not isinstance(definition, dict):
        raise _invalid(
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
            "Definition must be a valid JSON object'"
        )
    state_name = request.get("stateName")
    machine_ql = "JSONPath"
    if state_name is not None:
        found = _find_state(definition.get("States"), state_name)
        if found is None:
            raise ApiError("ValidationException", "State not found in definition")
        state = dict(found[0])
        machine_ql = definition.get("QueryLanguage", "JSONPath")
    else:
        state = dict(definition)
        if "States" in state and "Type" not in state:
            raise ApiError(
                "ValidationException",
                "stateName is required when the definition is a state machine.",
            )
    name = state_name or "StateName"
    mock = request.get("mock")
    config = dict(request.get("stateConfiguration") or {})
    if mock is not None:
        if "result" in mock and "errorOutput" in mock:
            raise ApiError(
                "ValidationException",
                "A test mock should have only one of the following fields: [result, errorOutput].",
            )
        if request.get("revealSecrets"):
            raise ApiError(
                "ValidationException",
                "TestState does not support RevealSecrets when a mock is specified.",
            )
    elif config.get("mapIterationFailureCount") is not None:
        raise ApiError(
            "ValidationException",
            "TestState does not support MapIterationFailureCount when a mock is not specified.",
        )
    if state.get("Type") in ("Map", "Parallel") and mock is None:
        raise _invalid(
            f"TestState API does not support Map or Parallel states. Supported state types include: {_SUPPORTED}"
        )
    if mock is not None and state.get("Type") not in ("Task", "Map", "Parallel"):
        raise ApiError(
            "ValidationException",
            f"State type '{state.get('Type')}' is not supported when a mock is specified",
        )
    context = _json(request.get("context"), "context")
    if context is not None:
        _check_context(context, state)
    raw_input = request.get("input")
    data = _json(raw_input, "input") if raw_input is not None else {}
    variables = _json(request.get("variables"), "variables") or {}
    return _Plan(
        name=name,
        state=state,
        query_language=state.get("QueryLanguage", machine_ql),
        mock=mock,
        config=config,
        level=request.get("inspectionLevel") or "INFO",
        input=data,
        variables=variables if isinstance(variables, dict) else {},
        context=context,
        role_arn=request.get("roleArn") or "arn:aws:iam::123456789012:role/TestStateRole",
        role_given=request.get("roleArn") is not None,
    )


_CONTEXT_FIELDS = {
    "Execution": {"Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount", "RedriveTime"},
    "State": {"EnteredTime", "Name", "RetryCount"},
    "StateMachine": {"Id", "Name"},
    "Task": {"Token"},
}


def _context_error(message: str) -> ApiError:
    return ApiError("ValidationException", f"Invalid Context object provided: {message}")


def _check_context(context: Any, state: dict[str, Any]) -> None:
    """The checks AWS applies to a given Context object."""
    if not isinstance(context, dict):
        raise _context_error("the Context object must be a JSON object")
    for key, value in context.items():
        if key == "Map":
            raise _context_error("'Map' field is not supported when mocking a Context object")
        allowed = _CONTEXT_FIELDS.get(key)
        if allowed is None:
            raise _context_error(f"Field '{key}' is not allowed")
        if not isinstance(value, dict):
            raise _context_error(f"{key} must be an object")
        for inner, item in value.items():
            if inner not in allowed:
                raise _context_error(f"Field '{inner}' is not allowed")
            if inner in ("Id", "Name", "RoleArn", "StartTime", "EnteredTime", "Token") and not (
                isinstance(item, str) or item is None
            ):
                raise _context_error(f"{key}.{inner} must be a string")
    if "Task" in context:
        resource = str(state.get("Resource", ""))
        if state.get("Type") != "Task" or not resource.endswith(
            (".sync", ".waitForTaskToken", ".sync:2")
        ):
            raise _context_error(
                "Context object contains 'Task' when state is not a Task state with a '.sync' "
                "or '.waitForTaskToken' service integration pattern"
            )


class _Run:
    def __init__(self, client: Any, plan: _Plan):
        self.client = client
        self.plan = plan
        self.region = getattr(client, "region", "us-east-1")
        self.account = getattr(client, "account_id", "123456789012")
        self.machine_name = str(uuid.uuid4())
        self.execution_name = str(uuid.uuid4())
        self.forced: tuple[str, str] | None = None  # an error the state fails with

    # -- the machine around the state -----------------------------------------------------

    def _machine(self, state: dict[str, Any]) -> dict[str, Any]:
        plan = self.plan
        states: dict[str, Any] = {}
        start = plan.name
        if plan.variables:
            states[_SETUP] = {
                "Type": "Pass",
                "Assign": plan.variables,
                "Next": plan.name,
            }
            start = _SETUP
        states[plan.name] = state
        for target in _targets(state):
            if target not in states:
                states[target] = {"Type": "Succeed"}
        machine: dict[str, Any] = {"StartAt": start, "States": states}
        if plan.query_language == "JSONata":
            machine["QueryLanguage"] = "JSONata"
        return machine

    def _validate(self) -> None:
        from asl.api import validate

        document = self._machine(self.plan.state)
        errors = [d for d in validate(document) if d.severity == "error"]
        if errors:
            d = errors[0]
            raise _invalid(
                f"Invalid State Machine Definition: '{d.code}: {d.message} at {d.path or '/'}'"
            )

    def _runnable(self, *, keep_catch: bool) -> dict[str, Any]:
        """The state as it runs here: no retriers (TestState makes one attempt), Map and
        Parallel with a mocked result as a Task whose result is the mock."""
        state = {k: v for k, v in self.plan.state.items() if k != "Retry"}
        if not keep_catch:
            state.pop("Catch", None)
        if state.get("Type") in ("Map", "Parallel"):
            kept = {
                k: v
                for k, v in state.items()
                if k
                in (
                    "Comment",
                    "QueryLanguage",
                    "InputPath",
                    "ResultSelector",
                    "ResultPath",
                    "OutputPath",
                    "Output",
                    "Assign",
                    "Catch",
                    "Next",
                    "End",
                )
            }
            if state["Type"] == "Parallel" and "Arguments" in state:
                kept["Arguments"] = state["Arguments"]
            kept["Type"] = "Task"
            # any request-response resource: the mock answers it
            kept["Resource"] = "arn:aws:states:::events:putEvents"
            state = kept
        if state.get("Type") == "Wait":
            state = dict(state)  # waits take no time here: the virtual clock skips them
        return state

    # -- mocks ------------------------------------------------------------------------------

    def _mock_response(self) -> dict[str, Any] | None:
        mock = self.plan.mock
        if self.forced is not None:
            return {"Throw": {"Error": self.forced[0], "Cause": self.forced[1]}}
        if mock is None:
            return None
        if "errorOutput" in mock:
            out = mock["errorOutput"] or {}
            throw = {"Error": out.get("error"), "Cause": out.get("cause")}
            return {"Throw": {k: v for k, v in throw.items() if v is not None}}
        try:
            result = json.loads(mock.get("result"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError("ValidationException", "Mocked result must be valid JSON") from None
        self._check_mock_result(result, mock.get("fieldValidationMode") or "STRICT")
        return {"Return": result}

    def _check_mock_result(self, result: Any, mode: str) -> None:
        state = self.plan.state
        kind = state.get("Type")
        if kind == "Parallel":
            if not isinstance(result, list):
                raise ApiError("ValidationException", "Mocked result must be an array.")
            if len(result) != len(state.get("Branches") or []):
                raise ApiError(
                    "ValidationException",
                    "Mocked result must contain the same number of items as number of Parallel branches.",
                )
            return
        if kind == "Map":
            if "ResultWriter" in state:
                if not isinstance(result, dict):
                    raise ApiError("ValidationException", "Mocked result must be a JSON object.")
            elif not isinstance(result, list):
                raise ApiError("ValidationException", "Mocked result must be an array.")
            return
        if kind == "Task" and mode != "NONE":
            from asl.service.mockcheck import check_mock_result

            check_mock_result(str(state.get("Resource", "")), result, mode)

    # -- running ------------------------------------------------------------------------

    def _execute(self, *, keep_catch: bool) -> Any:
        from asl.api import _run_on_new_loop, execute
        from asl.execution.runner import Hooks

        plan = self.plan
        machine = self._machine(self._runnable(keep_catch=keep_catch))
        options = {
            k: v
            for k, v in self.client._options.items()
            if k not in ("clock", "mocks", "mock_config")
        }
        response = self._mock_response()
        mocks = {plan.name: response} if response is not None else None
        exec_arn = f"arn:aws:states:{self.region}:{self.account}:express:{self.machine_name}:{self.execution_name}:{uuid.uuid4()}"

        fields: dict[str, Any] = {"RedriveCount": ..., "Id": exec_arn}
        if not plan.role_given:
            fields["RoleArn"] = None  # AWS: null without a roleArn
        return _run_on_new_loop(
            execute(
                machine,
                plan.input,
                clock="virtual",
                mocks=mocks,
                name=self.execution_name,
                state_machine_name=self.machine_name,
                role_arn=plan.role_arn,
                hooks=Hooks(
                    execution_fields=fields,
                    context_object=plan.context,
                    # AWS's TestState calls the tested state StateName in $states.context
                    context_names={plan.name: "StateName"},
                ),
                **options,
            )
        )

    def respond(self) -> dict[str, Any]:
        plan = self.plan
        self._validate()
        config = plan.config
        failures = config.get("mapIterationFailureCount")
        if plan.state.get("Type") == "Map" and failures:
            mocked = _json(plan.mock.get("result"), "mock result") if plan.mock else None
            items = len(mocked) if isinstance(mocked, list) else 0
            if _exceeds_tolerance(plan.state, plan.input, failures, items):
                self.forced = (
                    "States.ExceedToleratedFailureThreshold",
                    "The specified tolerated failure threshold was exceeded",
                )
                return self._failed(*self.forced)
        caused = config.get("errorCausedByState")
        if caused is not None:
            _check_caused_by(plan, caused)
        first = self._execute(keep_catch=False)
        events = first.history
        if first.status != "SUCCEEDED" and not _reached_stub(events, plan.name):
            return self._failed(first.error or "States.Runtime", first.cause, first)
        return self._succeeded(first)

    def _failed(self, error: str, cause: str | None, execution: Any = None) -> dict[str, Any]:
        """An error: RETRIABLE if a retrier takes it, CAUGHT_ERROR if a catcher does."""
        plan = self.plan
        from asl.execution.retry import error_matches

        out: dict[str, Any] = {"status": "FAILED", "error": error}
        if cause is not None:
            out["cause"] = cause
        inspection: dict[str, Any] = self._inspection(execution, failed=True)
        retry_count = int(plan.config.get("retrierRetryCount") or 0)
        for index, retrier in enumerate(plan.state.get("Retry") or []):
            if error_matches(tuple(retrier.get("ErrorEquals") or ()), error):
                if retry_count < int(retrier.get("MaxAttempts", 3)):
                    out["status"] = "RETRIABLE"
                    interval = retrier.get("IntervalSeconds", 1)
                    rate = retrier.get("BackoffRate", 2.0)
                    delay = interval * rate**retry_count
                    if retrier.get("MaxDelaySeconds") is not None:
                        delay = min(delay, retrier["MaxDelaySeconds"])
                    inspection["errorDetails"] = {
                        "retryBackoffIntervalSeconds": int(delay) if delay == int(delay) else delay,
                        "retryIndex": index,
                    }
                    return self._finish(out, inspection)
                break
        for index, catcher in enumerate(plan.state.get("Catch") or []):
            if error_matches(tuple(catcher.get("ErrorEquals") or ()), error):
                caught = self._execute(keep_catch=True)
                out["status"] = "CAUGHT_ERROR"
                out["nextState"] = catcher.get("Next")
                stub = _stub_entry(caught.history, plan.name)
                if stub is not None:
                    out["output"] = stub[1]
                inspection["errorDetails"] = {"catchIndex": index}
                return self._finish(out, inspection)
        return self._finish(out, inspection)

    def _succeeded(self, execution: Any) -> dict[str, Any]:
        plan = self.plan
        out: dict[str, Any] = {"status": "SUCCEEDED"}
        stub = _stub_entry(execution.history, plan.name)
        if stub is not None:
            out["nextState"], out["output"] = stub
        else:
            out["output"] = _compact(execution.output)
        return self._finish(out, self._inspection(execution, failed=False))

    def _finish(self, out: dict[str, Any], inspection: dict[str, Any]) -> dict[str, Any]:
        if self.plan.level in ("DEBUG", "TRACE") and inspection:
            out["inspectionData"] = inspection
        return out

    # -- inspection data ----------------------------------------------------------------

    def _inspection(self, execution: Any, *, failed: bool) -> dict[str, Any]:
        plan = self.plan
        if plan.level == "INFO":
            return {}
        data: dict[str, Any] = {"input": _compact(plan.input)}
        state = plan.state
        if state.get("Type") == "Map":
            data["maxConcurrency"] = _tolerance(state.get("MaxConcurrency", 0), plan.input)
            for key, out in (
                ("ToleratedFailureCount", "toleratedFailureCount"),
                ("ToleratedFailurePercentage", "toleratedFailurePercentage"),
            ):
                if key in state:
                    value = _tolerance(state[key], plan.input)
                    if value is not None:
                        data[out] = float(value) if out.endswith("Percentage") else int(value)
            try:
                data.update(self._map_items())
            except Exception:  # inspection is best effort: the status above stands
                pass
            return data
        try:
            data.update(self._steps(execution, failed=failed))
        except Exception:  # inspection is best effort: the status above stands
            pass
        return data

    def _map_items(self) -> dict[str, Any]:
        """A JSONPath Map's items as it would iterate them: after ItemsPath, or read from
        ``stateConfiguration.mapItemReaderData`` (the object its ItemReader would read)
        after ItemsPointer; then after ItemSelector."""
        from asl.api import parse
        from asl.execution.item_reader import _given_headers, _limit, _parse
        from asl.execution.pipeline import apply_input_path

        plan = self.plan
        if plan.query_language == "JSONata":
            return {}
        machine = parse(self._machine(plan.state))
        state: Any = machine.scope.states[plan.name]
        ctx = plan.context if plan.context is not None else self._context()
        variables = dict(plan.variables)
        data = apply_input_path(state.input_path, plan.input, ctx, variables)
        out: dict[str, Any] = {}
        reader = state.item_reader
        if reader is not None:
            raw = plan.config.get("mapItemReaderData")
            if raw is None:
                return out
            config = reader.config
            items = _parse(str(raw), config, _given_headers(config), _limit(None))
            if config.items_pointer:
                out["afterItemsPointer"] = _compact(items)
        else:
            items = apply_input_path(state.items_path, data, ctx, variables)
            out["afterItemsPath"] = _compact(items)
        selector = state.item_selector
        if selector is not None and isinstance(items, list):
            selected = []
            for index, item in enumerate(items):
                item_ctx = dict(ctx)
                item_ctx["Map"] = {"Item": {"Index": index, "Value": item}}
                selected.append(selector.evaluate(data, item_ctx, variables, field="ItemSelector"))
            out["afterItemSelector"] = _compact(selected)
            items = selected
        batcher = state.item_batcher
        if batcher is not None and isinstance(items, list):
            out["afterItemBatcher"] = _compact(_batches(batcher, items, data, ctx, variables))
        return out

    def _steps(self, execution: Any, *, failed: bool) -> dict[str, Any]:
        from asl.api import parse
        from asl.execution.pipeline import apply_input_path, apply_result_path

        plan = self.plan
        machine = parse(self._machine(self._runnable(keep_catch=False)))
        state: Any = machine.scope.states[plan.name]
        out: dict[str, Any] = {}
        ctx = plan.context if plan.context is not None else self._context()
        variables = dict(plan.variables)
        kind = state.type
        events = execution.history if execution is not None else []
        assigned = _assigned(events, plan.name)
        if plan.variables or assigned:
            out["variables"] = _compact({**plan.variables, **assigned})
        if plan.query_language == "JSONata":
            if plan.state.get("Type") in ("Map", "Parallel"):
                return out
            result = _task_result(events)
            params = getattr(state, "parameters", None)
            if params is not None and kind == "Task":
                scheduled = _scheduled_parameters(events)
                if scheduled is not None:
                    out["afterArguments"] = scheduled
            if result is not None:
                out["result"] = result
            return out
        if kind in ("Pass", "Task"):
            original = plan.state.get("Type")
            after_input = apply_input_path(state.input_path, plan.input, ctx, variables)
            params = state.parameters
            after_params = (
                params.evaluate(after_input, ctx, variables, field="Parameters")
                if params is not None
                else after_input
            )
            with_result = kind == "Pass" and state.has_result
            if not with_result and original != "Parallel":
                out["afterInputPath"] = _compact(after_input)
                out["afterParameters"] = _compact(after_params)
            if failed:
                return out
            if kind == "Pass":
                result = state.result if with_result else after_params
            else:
                raw = _task_result(events)
                if raw is None:
                    return out
                result = json.loads(raw)
            if kind == "Task" and original != "Parallel" or with_result:
                out["result"] = _compact(result)
            selector = state.result_selector
            selected = (
                selector.evaluate(result, ctx, variables, field="ResultSelector")
                if selector is not None
                else result
            )
            out["afterResultSelector"] = _compact(selected)
            after_path = apply_result_path(
                state.result_path, state.result_path_set, plan.input, selected
            )
            out["afterResultPath"] = _compact(after_path)
        elif kind in ("Choice", "Wait", "Succeed", "Fail"):
            if state.input_path is not None:
                out["afterInputPath"] = _compact(
                    apply_input_path(state.input_path, plan.input, ctx, variables)
                )
        return out

    def _context(self) -> dict[str, Any]:
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {
            "Execution": {
                "Id": f"arn:aws:states:{self.region}:{self.account}:express:{self.machine_name}:{self.execution_name}",
                "Input": self.plan.input,
                "Name": self.execution_name,
                "RoleArn": self.plan.role_arn,
                "StartTime": now,
            },
            "StateMachine": {
                "Id": f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.machine_name}",
                "Name": self.machine_name,
            },
            "State": {"Name": self.plan.name, "EnteredTime": now, "RetryCount": 0},
        }


def _check_caused_by(plan: _Plan, caused: str) -> None:
    """``errorCausedByState`` names a state inside the tested Map or Parallel state
    whose mocked error (``mock.errorOutput``) it says it raised."""
    state = plan.state
    if state.get("Type") not in ("Map", "Parallel"):
        raise ApiError(
            "ValidationException",
            "TestState supports ErrorCausedByState only for Map and Parallel states.",
        )
    if plan.mock is None or "errorOutput" not in plan.mock:
        raise ApiError(
            "ValidationException",
            "TestState supports ErrorCausedByState only when an errorOutput mock is specified.",
        )
    scopes = list(state.get("Branches") or [])
    scopes += [state[k] for k in ("ItemProcessor", "Iterator") if isinstance(state.get(k), dict)]
    if not any(
        _find_state(scope.get("States"), caused) for scope in scopes if isinstance(scope, dict)
    ):
        raise ApiError(
            "ValidationException",
            f"ErrorCausedByState '{caused}' is not a state of the tested {state['Type']} state.",
        )


def _batches(batcher: Any, items: list[Any], data: Any, ctx: Any, variables: Any) -> list[Any]:
    """The ItemBatcher's batches of ``items`` (MaxItemsPerBatch and BatchInput given as
    constants or paths; the byte limit is not applied here)."""
    from asl import ast
    from asl.expressions.templates import resolve

    limit = batcher.max_items_per_batch
    if isinstance(limit, ast.Const):
        size = int(limit.value)
    elif isinstance(limit, ast.PathExpr):
        size = int(resolve(limit.path, data, ctx, variables))
    else:
        size = len(items)
    size = max(size, 1)
    batch_input = batcher.batch_input
    if batch_input is not None and hasattr(batch_input, "evaluate"):
        batch_input = batch_input.evaluate(data, ctx, variables, field="BatchInput")
    out = []
    for start in range(0, len(items), size):
        batch: dict[str, Any] = {"Items": items[start : start + size]}
        if batch_input is not None:
            batch["BatchInput"] = batch_input
        out.append(batch)
    return out


def _tolerance(value: Any, data: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.startswith("{%"):
        try:
            from asl.expressions.jsonata import compile_jsonata

            return compile_jsonata(value).evaluate({"input": data}, {})
        except Exception:
            return None
    return None


def _exceeds_tolerance(state: dict[str, Any], data: Any, failures: int, items: int) -> bool:
    """Whether ``failures`` failed items of ``items`` exceed the Map's tolerance (a Map
    without one tolerates none... but TestState only checks a configured tolerance)."""
    count = state.get("ToleratedFailureCount")
    percentage = state.get("ToleratedFailurePercentage")
    if count is None and percentage is None:
        return False
    if count is not None:
        tolerated = _tolerance(count, data)
        if tolerated is not None and failures > tolerated:
            return True
    if percentage is not None:
        tolerated = _tolerance(percentage, data)
        if tolerated is not None and items and failures * 100.0 / items > tolerated:
            return True
    return False


def _reached_stub(events: list[dict[str, Any]], name: str) -> bool:
    return _stub_entry(events, name) is not None


def _stub_entry(events: list[dict[str, Any]], name: str) -> tuple[str, str] | None:
    """The state entered after ``name`` and its input (the tested state's output)."""
    seen = False
    for event in events:
        if not event["type"].endswith("StateEntered"):
            continue
        details = event["stateEnteredEventDetails"]
        if seen:
            return details["name"], details.get("input", "null")
        if details["name"] == name:
            seen = True
    return None


def _assigned(events: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for event in events:
        if event["type"].endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            if details["name"] == name and "assignedVariables" in details:
                return {k: json.loads(v) for k, v in details["assignedVariables"].items()}
    return {}


def _task_result(events: list[dict[str, Any]]) -> str | None:
    for event in events:
        if event["type"] in ("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded"):
            details = next(v for k, v in event.items() if k.endswith("EventDetails"))
            return details.get("output")  # type: ignore[no-any-return]
    return None


def _scheduled_parameters(events: list[dict[str, Any]]) -> str | None:
    for event in events:
        if event["type"] in ("TaskScheduled",):
            return event["taskScheduledEventDetails"].get("parameters")  # type: ignore[no-any-return]
    return None


# -- the Pythonic form ------------------------------------------------------------------
