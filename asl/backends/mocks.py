"""Mocked task responses: the AWS Step Functions Local mock configuration, read unchanged.

A mock file names test cases per state machine and, per test case, the mocked response
of each Task state::

    {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
     "MockedResponses": {"<response>": {"0": {"Return": ...},
                                        "1-2": {"Throw": {"Error": "...", "Cause": "..."}}}}}

Keys are 0-based invocation numbers of the state in the execution, single (``"0"``) or
inclusive ranges (``"1-2"``); every invocation counts, retries and Map iterations
included.  ``Return`` is the task result (for a Lambda function ARN an Invoke response
such as ``{"StatusCode": 200, "Payload": ...}`` gives its ``Payload``); ``Throw`` fails
the task with its ``Error`` and ``Cause``.  An invocation past the last mocked one fails
the execution with ``States.Runtime`` (AWS: "If you do not specify a mocked response for
a specific retry attempt ... the state machine execution will fail").  States the test
case does not list run against the other backends (Step Functions Local's "hybrid"
mode).  A mocked state records the same history events as a real one: ``TaskScheduled``
/ ``LambdaFunctionScheduled`` ..., and ``TaskSubmitted`` for ``.sync`` and
``.waitForTaskToken`` tasks, whose mocked ``Return`` is the job's or callback's result.

The Python-native form, ``mocks={"StateName": spec}``, takes per state: a list of
responses (``{"Return": v}`` or ``{"Throw": {"Error": e, "Cause": c}}``, one per
invocation), a dict of invocation keys as in the file, a single response used for every
invocation, or a callable ``handler(parameters, context)`` called for every invocation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from asl.backends.base import Backends, Resource, TaskRequest
from asl.errors import ConfigurationError, StatesError

_RANGE = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")
_INVOKE_KEYS = frozenset(
    {
        "StatusCode",
        "Payload",
        "ExecutedVersion",
        "FunctionError",
        "LogResult",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
    }
)


class MockedResponse:
    """One ``Return`` or ``Throw`` entry."""

    __slots__ = ("kind", "value", "error", "cause")

    def __init__(self, kind: str, value: Any = None, error: str = "", cause: str | None = None):
        self.kind = kind
        self.value = value
        self.error = error
        self.cause = cause

    @classmethod
    def parse(cls, raw: Any, where: str) -> MockedResponse:
        if not isinstance(raw, Mapping):
            raise ConfigurationError(f"{where}: a mocked response must be an object")
        keys = set(raw) & {"Return", "Throw"}
        if len(keys) != 1 or set(raw) - keys:
            raise ConfigurationError(
                f"{where}: a mocked response must have exactly one field, Return or Throw "
                f"(found {sorted(raw)})"
            )
        if "Return" in raw:
            return cls("Return", raw["Return"])
        throw = raw["Throw"]
        if not isinstance(throw, Mapping) or not isinstance(throw.get("Error"), str):
            raise ConfigurationError(f"{where}.Throw: needs a string Error (and a Cause)")
        cause = throw.get("Cause")
        if cause is not None and not isinstance(cause, str):
            raise ConfigurationError(f"{where}.Throw.Cause: must be a string")
        extra = set(throw) - {"Error", "Cause"}
        if extra:
            raise ConfigurationError(f"{where}.Throw: unknown fields {sorted(extra)}")
        return cls("Throw", error=throw["Error"], cause=cause)


class StateMock:
    """The mocked responses of one state, by invocation number."""

    def __init__(
        self,
        state: str,
        name: str,
        ranges: list[tuple[int, int, MockedResponse]] | None = None,
        always: MockedResponse | None = None,
        handler: Callable[..., Any] | None = None,
    ):
        self.state = state
        self.name = name
        self.ranges = sorted(ranges or [], key=lambda r: r[0])
        self.always = always
        self.handler = handler

    @classmethod
    def from_ranges(cls, state: str, name: str, raw: Any, where: str) -> StateMock:
        if not isinstance(raw, Mapping) or not raw:
            raise ConfigurationError(
                f'{where}: must map invocation numbers ("0", "1-2") to responses'
            )
        ranges: list[tuple[int, int, MockedResponse]] = []
        for key, response in raw.items():
            m = _RANGE.fullmatch(str(key))
            if not m:
                raise ConfigurationError(
                    f'{where}: invalid invocation key {key!r} (use "0" or a range like "1-2")'
                )
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) is not None else start
            if end < start:
                raise ConfigurationError(f"{where}: invalid range {key!r} (end before start)")
            ranges.append((start, end, MockedResponse.parse(response, f"{where}[{key!r}]")))
        ranges.sort(key=lambda r: r[0])
        for (s1, e1, _), (s2, _e2, _) in zip(ranges, ranges[1:], strict=False):
            if s2 <= e1:
                raise ConfigurationError(
                    f"{where}: invocation ranges overlap ({s1}-{e1} and {s2}-...)"
                )
        return cls(state, name, ranges)

    def response(self, invocation: int) -> MockedResponse | None:
        if self.always is not None:
            return self.always
        for start, end, response in self.ranges:
            if start <= invocation <= end:
                return response
        return None


def _load_document(config: Any) -> tuple[Mapping[str, Any], str]:
    """The decoded mock configuration and a name for messages."""
    if isinstance(config, Mapping):
        return config, "mock configuration"
    if isinstance(config, (str, os.PathLike)):
        text = str(config)
        if isinstance(config, str) and text.lstrip().startswith("{"):
            source, name = text, "mock configuration"
        else:
            path = Path(config)
            try:
                source = path.read_text(encoding="utf-8")
            except OSError as e:
                raise ConfigurationError(
                    f"cannot read mock configuration {str(path)!r}: {e.strerror or e}"
                ) from None
            name = str(path)
        try:
            loaded = json.loads(source)
        except ValueError as e:
            raise ConfigurationError(f"{name}: not valid JSON: {e}") from None
        if not isinstance(loaded, Mapping):
            raise ConfigurationError(f"{name}: must be a JSON object")
        return loaded, name
    raise ConfigurationError(
        f"mock_config must be a path, JSON text or a dict, not {type(config).__name__}"
    )


def _pick(options: Mapping[str, Any], wanted: str | None, what: str, where: str) -> str:
    """Choose an entry by name, or the only one when no name was given."""
    if wanted is not None and wanted in options:
        return wanted
    names = ", ".join(repr(n) for n in options) or "none"
    if wanted is None and len(options) == 1:
        return next(iter(options))
    if wanted is None:
        raise ConfigurationError(f"{where} defines several {what}s ({names}): choose one")
    raise ConfigurationError(f"{where} has no {what} {wanted!r} (it has: {names})")


def _parse_file(
    config: Any, state_machine_name: str | None, test_case: str | None
) -> dict[str, StateMock]:
    doc, where = _load_document(config)
    machines = doc.get("StateMachines")
    responses = doc.get("MockedResponses")
    if not isinstance(machines, Mapping):
        raise ConfigurationError(f"{where}: needs a StateMachines object")
    if not isinstance(responses, Mapping):
        raise ConfigurationError(f"{where}: needs a MockedResponses object")
    # "StateMachine" is the default machine name: with a single machine in the file,
    # the caller need not repeat its name.
    wanted = state_machine_name
    if wanted == "StateMachine" and wanted not in machines and len(machines) == 1:
        wanted = None
    machine = _pick(machines, wanted, "state machine", where)
    cases = (machines[machine] or {}).get("TestCases")
    if not isinstance(cases, Mapping):
        raise ConfigurationError(f"{where}: StateMachines.{machine} needs a TestCases object")
    case = _pick(cases, test_case, "test case", f"{where} (state machine {machine!r})")
    states = cases[case]
    if not isinstance(states, Mapping):
        raise ConfigurationError(f"{where}: TestCases.{case} must map state names to responses")
    mocks: dict[str, StateMock] = {}
    for state, response_name in states.items():
        if not isinstance(response_name, str) or response_name not in responses:
            raise ConfigurationError(
                f"{where}: test case {case!r} maps state {state!r} to {response_name!r}, "
                "which is not in MockedResponses"
            )
        mocks[state] = StateMock.from_ranges(
            state, response_name, responses[response_name], f"MockedResponses.{response_name}"
        )
    return mocks


def _parse_native(mocks: Mapping[str, Any]) -> dict[str, StateMock]:
    if not isinstance(mocks, Mapping):
        raise ConfigurationError(
            f"mocks must map state names to mocked responses, not {type(mocks).__name__}"
        )
    out: dict[str, StateMock] = {}
    for state, spec in mocks.items():
        where = f"mocks[{state!r}]"
        if callable(spec):
            out[state] = StateMock(state, where, handler=spec)
        elif isinstance(spec, list):
            if not spec:
                raise ConfigurationError(f"{where}: the list of responses is empty")
            ranges = [
                (i, i, MockedResponse.parse(item, f"{where}[{i}]")) for i, item in enumerate(spec)
            ]
            out[state] = StateMock(state, where, ranges)
        elif isinstance(spec, Mapping) and set(spec) & {"Return", "Throw"}:
            out[state] = StateMock(state, where, always=MockedResponse.parse(spec, where))
        else:
            out[state] = StateMock.from_ranges(state, where, spec, where)
    return out


class MockBackend:
    """Answers mocked Task states; hands the others to the backends after it."""

    def __init__(self, mocks: Mapping[str, StateMock], test_case: str | None = None):
        self.mocks = dict(mocks)
        self.test_case = test_case
        self.invocations: dict[str, int] = {}

    @classmethod
    def load(
        cls,
        mock_config: Any = None,
        state_machine_name: str | None = None,
        test_case: str | None = None,
        *,
        mocks: Mapping[str, Any] | None = None,
    ) -> MockBackend:
        """From a mock file (path, JSON text or dict) and/or Python-native ``mocks``
        (which win for the states both name)."""
        found: dict[str, StateMock] = {}
        if mock_config is not None:
            found.update(_parse_file(mock_config, state_machine_name, test_case))
        elif test_case is not None:
            raise ConfigurationError("test_case needs a mock_config")
        if mocks:
            found.update(_parse_native(mocks))
        return cls(found, test_case)

    def handles(self, resource: Resource) -> bool:
        # Whether a Task is mocked depends on its state name, known only in run().
        return True

    async def run(self, request: TaskRequest) -> Any:
        mock = self.mocks.get(request.state_name)
        if mock is None:
            return await self._delegate(request)
        invocation = self.invocations.get(request.state_name, 0)
        self.invocations[request.state_name] = invocation + 1
        request.mark_started()
        pattern = request.resource.pattern
        if pattern != "request-response":
            request.submitted(_submitted_output(request))
        if mock.handler is not None:
            return await self._call(mock.handler, request)
        response = mock.response(invocation)
        if response is None:
            raise StatesError(
                "States.Runtime",
                f"No mocked response for state '{request.state_name}' invocation {invocation} "
                f"(mocked response '{mock.name}' covers "
                f"{_describe(mock)}); every invocation, retries included, must be mocked.",
            )
        if response.kind == "Throw":
            raise StatesError(response.error, response.cause)
        return _result(request.resource, response.value)

    async def _call(self, handler: Callable[..., Any], request: TaskRequest) -> Any:
        from asl.backends.resources import TaskContext, call_handler, json_copy, service_error

        ctx = TaskContext.from_request(request)
        try:
            result = await call_handler(handler, json_copy(request.parameters, "parameters"), ctx)
        except Exception as e:
            raise service_error(request.resource, e) from None
        return json_copy(result, f"The mock of state '{request.state_name}'")

    async def _delegate(self, request: TaskRequest) -> Any:
        backends = request.env.backends
        listed = list(getattr(backends, "backends", []))
        rest = listed[listed.index(self) + 1 :] if self in listed else []
        return await Backends(rest).resolve(request.resource).run(request)


def _describe(mock: StateMock) -> str:
    if not mock.ranges:
        return "no invocations"
    return ", ".join(str(s) if s == e else f"{s}-{e}" for s, e, _ in mock.ranges)


def _result(resource: Resource, value: Any) -> Any:
    """A mocked ``Return`` as the task result (a function ARN takes an Invoke response's
    ``Payload``, as Step Functions Local users write Lambda mocks)."""
    if (
        resource.kind == "lambda-function"
        and isinstance(value, dict)
        and "Payload" in value
        and set(value) <= _INVOKE_KEYS
    ):
        return value["Payload"]
    return value


def _submitted_output(request: TaskRequest) -> Any:
    """What a mocked ``.sync`` / ``.waitForTaskToken`` task records as ``TaskSubmitted``:
    the shape of the service's response to the request-response call."""
    from asl.backends.resources import with_sdk_metadata

    resource = request.resource
    params = request.parameters if isinstance(request.parameters, dict) else {}
    action = resource.action
    body: dict[str, Any] = {}
    if resource.service == "sqs" and action == "sendMessage":
        message = params.get("MessageBody")
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        body = {
            "MD5OfMessageBody": hashlib.md5(text.encode("utf-8")).hexdigest(),
            "MessageId": str(uuid.uuid4()),
        }
    elif resource.service == "sns" and action == "publish":
        body = {"MessageId": str(uuid.uuid4())}
    elif resource.service == "states" and action == "startExecution":
        sm = str(params.get("StateMachineArn", ""))
        name = str(params.get("Name") or uuid.uuid4())
        body = {
            "ExecutionArn": sm.replace(":stateMachine:", ":execution:") + ":" + name,
            "StartDate": int(request.clock.now().timestamp() * 1000),
        }
    if resource.service.startswith("aws-sdk:"):
        return body
    return with_sdk_metadata(body)


__all__ = ["MockBackend", "MockedResponse", "StateMock"]
