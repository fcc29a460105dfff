"""The invoker: one synchronous (RequestResponse) invocation, as Lambda performs it.

It takes a concurrency slot (or throttles), checks an environment out of the pool (a
cold start runs the init phase), runs the handler within the function's timeout, writes
the START/END/REPORT log and shapes the response payload the way Lambda surfaces errors.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from asl.clock import Clock
from asl.lambda_runtime import logs
from asl.lambda_runtime.bootstrap import InvocationRequest
from asl.lambda_runtime.configuration import FunctionConfiguration, interpreter_note
from asl.lambda_runtime.environment import ExecutionEnvironment, InvocationOutcome
from asl.lambda_runtime.errors import SYNC_RESPONSE_LIMIT, LambdaServiceError, too_many_requests
from asl.lambda_runtime.functions import Function, FunctionVersion
from asl.lambda_runtime.logs import LogBook
from asl.lambda_runtime.pool import EnvironmentPool
from asl.lambda_runtime.registry import FunctionRegistry
from asl.lambda_runtime.results import InvokeResult


class Invoker:
    """Runs invocations of the registry's functions on the pool's environments.

    ``timeout_format``: ``"current"`` (``errorType`` ``Sandbox.Timedout``) or
    ``"legacy"`` (only an ``errorMessage``, which Step Functions reports as
    ``Lambda.Unknown``).
    """

    def __init__(
        self,
        registry: FunctionRegistry,
        pool: EnvironmentPool,
        clock: Clock,
        log_book: LogBook,
        timeout_format: str = "current",
    ):
        self.registry = registry
        self.pool = pool
        self.clock = clock
        self.log_book = log_book
        self.timeout_format = timeout_format
        self._lock: threading.Lock = registry.lock
        self._unreserved_in_flight = 0

    def take_fault(self, function: Function, version: FunctionVersion) -> InvokeResult | None:
        """Take the next injected fault: raise it, or return it as a function error."""
        with self._lock:
            if not function.faults:
                return None
            code, status, message = function.faults.popleft()
        request_id = str(uuid.uuid4())
        if code == "Unknown":
            doc = {"errorMessage": f"RequestId: {request_id} {message}"}
            payload = json.dumps(doc, separators=(",", ":")).encode()
            return InvokeResult(200, payload, "Unhandled", version.version, None, request_id)
        raise LambdaServiceError(code, status, message, request_id=request_id)

    async def invoke(
        self,
        function: Function,
        version: FunctionVersion,
        body: bytes,
        invoked_arn: str,
        client_context: Mapping[str, Any] | None,
        tail: bool,
        request_id: str | None = None,
    ) -> InvokeResult:
        """Invoke ``version`` synchronously (throttling, environment, timeout, errors)."""
        request_id = request_id or str(uuid.uuid4())
        counted_unreserved = self.acquire(function, version)
        try:
            outcome, messages = await self.run(
                function, version, body, invoked_arn, client_context, request_id
            )
        finally:
            self.release(function, counted_unreserved)
        payload, error = self.result_payload(outcome, request_id, version)
        return InvokeResult(
            200,
            payload,
            error,
            version.version,
            logs.tail(messages) if tail else None,
            request_id,
        )

    def acquire(self, function: Function, version: FunctionVersion) -> bool:
        """Take a concurrency slot or throttle; True if it counts against unreserved."""
        with self._lock:
            reserved = function.reserved_concurrency
            if reserved is not None:
                if function.in_flight >= reserved:
                    version.stats.throttles += 1
                    raise too_many_requests("ReservedFunctionConcurrentInvocationLimitExceeded")
                function.in_flight += 1
                return False
            if self._unreserved_in_flight >= self.unreserved_capacity():
                version.stats.throttles += 1
                raise too_many_requests("ConcurrentInvocationLimitExceeded")
            self._unreserved_in_flight += 1
            function.in_flight += 1
            return True

    def release(self, function: Function, counted_unreserved: bool) -> None:
        """Give back the slot :meth:`acquire` took."""
        with self._lock:
            function.in_flight -= 1
            if counted_unreserved:
                self._unreserved_in_flight -= 1

    def unreserved_capacity(self) -> int:
        """Concurrency left for functions without reserved concurrency."""
        reserved = self.registry.reserved_total()
        return self.registry.concurrency_limit - reserved

    async def run(
        self,
        function: Function,
        version: FunctionVersion,
        body: bytes,
        invoked_arn: str,
        client_context: Mapping[str, Any] | None,
        request_id: str,
    ) -> tuple[InvocationOutcome, list[str]]:
        """Run one invocation on a warm or new environment; returns outcome and log lines."""
        await self.pool.ensure_provisioned(function, version)
        config = version.configuration
        environment, cold = self.pool.checkout(function, version)
        offset = self.clock.now().timestamp() - time.time()
        events: list[logs.Event] = []
        version.stats.invocations += 1
        init_ms: float | None = None
        try:
            if cold:
                version.stats.cold_starts += 1
                events.append((time.time(), logs.init_start_line(config.runtime)))
                init = await environment.initialize()
                events.extend(logs.output(init.logs))
                init_ms = init.duration_ms
                environment.init_duration_ms = init_ms
                if init.error is not None or init.timed_out:
                    return self._init_failure(
                        function, version, environment, init, request_id, events, offset
                    )
            else:
                version.stats.warm_starts += 1
            events.append((time.time(), logs.start_line(request_id, version.version)))
            request = InvocationRequest(
                request_id,
                body,
                int(time.time() * 1000) + config.timeout * 1000,
                invoked_arn,
                client_context,
            )
            outcome = await environment.invoke(request, config.timeout)
        except BaseException:
            environment.discard()
            version.busy.discard(environment)
            raise
        self.pool.checkin(version, environment)
        events.extend(logs.output(outcome.logs))
        status = error_type = None
        if outcome.status == "timeout":
            version.stats.timeouts += 1
            now = datetime.fromtimestamp(time.time() + offset, timezone.utc)
            events.append((time.time(), logs.timeout_line(now, request_id, config.timeout)))
            status = "timeout"
        elif outcome.status == "exit":
            version.stats.errors += 1
            events.append(
                (time.time(), f"{json.loads(outcome.body)['errorMessage']}\n{outcome.error_type}")
            )
            status, error_type = "error", outcome.error_type
        elif outcome.status == "error":
            version.stats.errors += 1
            outcome.body = _noted_body(outcome.body, config, environment)
        events.append((time.time(), logs.end_line(request_id)))
        report = logs.report_line(
            request_id,
            outcome.duration_ms,
            config.memory_size,
            outcome.max_memory_mb,
            init_ms if cold and environment.settings.initialization_type == "on-demand" else None,
            status,
            error_type,
        )
        events.append((time.time(), report))
        self.log_book.record(function.name, environment.log_stream_name, request_id, events, offset)
        return outcome, [event[1] for event in events]

    def _init_failure(
        self,
        function: Function,
        version: FunctionVersion,
        environment: ExecutionEnvironment,
        init: Any,
        request_id: str,
        events: list[logs.Event],
        offset: float,
    ) -> tuple[InvocationOutcome, list[str]]:
        environment.discard()
        version.busy.discard(environment)
        version.stats.errors += 1
        config = version.configuration
        if init.timed_out:
            version.stats.timeouts += 1
            outcome = InvocationOutcome(
                "timeout", duration_ms=init.duration_ms, error_type="Sandbox.Timedout"
            )
            status, error_type = "timeout", None
        else:
            error = _with_interpreter_note(dict(init.error), config, environment)
            body = json.dumps(error, ensure_ascii=False).encode("utf-8")
            outcome = InvocationOutcome(
                "error", body, error_type=error["errorType"], duration_ms=init.duration_ms
            )
            status, error_type = "error", error["errorType"]
        init_report = f"INIT_REPORT Init Duration: {init.duration_ms:.2f} ms\tPhase: init\tStatus: "
        init_report += "timeout" if init.timed_out else f"error\tError Type: {error_type}"
        events.append((time.time(), init_report))
        events.append((time.time(), logs.start_line(request_id, version.version)))
        events.append((time.time(), logs.end_line(request_id)))
        events.append(
            (
                time.time(),
                logs.report_line(
                    request_id,
                    init.duration_ms,
                    config.memory_size,
                    0,
                    None,
                    status,
                    error_type,
                ),
            )
        )
        self.log_book.record(function.name, environment.log_stream_name, request_id, events, offset)
        return outcome, [event[1] for event in events]

    def result_payload(
        self, outcome: InvocationOutcome, request_id: str, version: FunctionVersion
    ) -> tuple[bytes, str | None]:
        """The Invoke response payload and FunctionError for an outcome."""
        if outcome.status == "timeout":
            timeout = version.configuration.timeout
            doc: dict[str, str]
            if self.timeout_format == "legacy":
                now = datetime.fromtimestamp(self.clock.now().timestamp(), timezone.utc)
                doc = {"errorMessage": logs.timeout_line(now, request_id, timeout)}
            else:
                doc = {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {request_id} Error: Task timed out after "
                    f"{timeout:.2f} seconds",
                }
            return json.dumps(doc, separators=(",", ":")).encode("utf-8"), "Unhandled"
        if outcome.status in ("error", "exit"):
            return outcome.body, "Unhandled"
        if len(outcome.body) > SYNC_RESPONSE_LIMIT:
            doc = {
                "errorType": "Function.ResponseSizeTooLarge",
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({SYNC_RESPONSE_LIMIT} bytes).",
            }
            return json.dumps(doc, separators=(",", ":")).encode("utf-8"), "Unhandled"
        return outcome.body, None


def _with_interpreter_note(
    error: dict[str, Any], config: FunctionConfiguration, environment: ExecutionEnvironment
) -> dict[str, Any]:
    """An error document that says which runtime was asked for and which Python ran the
    code, when they differ (code written for another Python is the likely cause)."""
    note = interpreter_note(
        config.runtime, environment.interpreter_version, environment.interpreter_where
    )
    if note is not None and isinstance(error.get("errorMessage"), str):
        error["errorMessage"] = f"{error['errorMessage']} {note}"
    return error


def _noted_body(
    body: bytes, config: FunctionConfiguration, environment: ExecutionEnvironment
) -> bytes:
    if interpreter_note(config.runtime, environment.interpreter_version, "") is None:
        return body
    try:
        error = json.loads(body)
    except ValueError:
        return body
    if not isinstance(error, dict):
        return body
    noted = _with_interpreter_note(error, config, environment)
    return json.dumps(noted, ensure_ascii=False, allow_nan=True).encode("utf-8")
