"""``LambdaRuntime``: an offline AWS Lambda service with the Invoke API's behaviour.

The runtime is a façade over four parts, each in its own module:

- :class:`~asl.lambda_runtime.registry.FunctionRegistry`: functions, versions, aliases
  and their configuration;
- :class:`~asl.lambda_runtime.invoker.Invoker`: one synchronous invocation (throttling,
  concurrency, timeout, errors as Lambda surfaces them);
- :class:`~asl.lambda_runtime.pool.EnvironmentPool`: execution environments, cold and
  warm starts, reuse;
- :class:`~asl.lambda_runtime.event_queue.EventQueue`: Event invocations, retries,
  destinations and the dead-letter queue;

and a *host* that runs function code: in-process, in worker processes, or on AWS.
"""

from __future__ import annotations

import functools
import os
import re
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import anyio

from asl.clock import Clock, make_clock
from asl.errors import ConfigurationError
from asl.lambda_runtime.asynchronous import Destination, EventInvokeConfig, QueuedEvent
from asl.lambda_runtime.errors import ASYNC_REQUEST_LIMIT, SYNC_REQUEST_LIMIT, request_too_large
from asl.lambda_runtime.event_queue import EventQueue, _in_sync_call
from asl.lambda_runtime.functions import Alias, Function
from asl.lambda_runtime.hosts import make_host
from asl.lambda_runtime.identifiers import parse_function_identifier
from asl.lambda_runtime.invoker import Invoker
from asl.lambda_runtime.logs import LogBook, LogEvent
from asl.lambda_runtime.pool import EnvironmentPool
from asl.lambda_runtime.registry import MIN_UNRESERVED, FunctionRegistry
from asl.lambda_runtime.results import (
    INVOCATION_TYPES,
    InvokeResult,
    check_enum,
    decode_client_context,
    encode_payload,
)

__all__ = [
    "INVOCATION_TYPES",
    "MIN_UNRESERVED",
    "InvokeResult",
    "LambdaRuntime",
    "decode_client_context",
    "encode_payload",
]

_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_UNSET: Any = object()


class LambdaRuntime:
    """An offline Lambda service: register functions, invoke them as AWS would.

    ``host`` chooses where function code runs: ``"inprocess"`` (default, threads of this
    process), ``"subprocess"`` (a worker process per execution environment) or ``"aws"``
    (deployed functions, through boto3), or a host object (``InProcessHost(...)``,
    ``SubprocessHost(...)``, ``AwsHost(...)``).  ``backend`` is the deprecated name of
    ``host``.  ``clock`` is the clock asynchronous retries wait on (virtual by default:
    instant).  ``seed`` makes alias traffic shifting reproducible.  ``timeout_format``
    picks the timeout error payload: ``"current"`` (``errorType`` ``Sandbox.Timedout``) or
    ``"legacy"`` (only an ``errorMessage``, which Step Functions reports as
    ``Lambda.Unknown``).

    Close the runtime (``close()``, or use it as a context manager) to end its execution
    environments; ``asl.run`` closes the runtimes it creates for ``functions=``.
    """

    def __init__(
        self,
        *,
        clock: Clock | str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        concurrency_limit: int = 1000,
        host: Any = _UNSET,
        seed: int | None = None,
        timeout_format: str = "current",
        backend: Any = _UNSET,
    ):
        if backend is not _UNSET:
            if host is not _UNSET:
                raise ConfigurationError("give host= only (backend= is its deprecated name)")
            warnings.warn(
                "LambdaRuntime(backend=...) is deprecated; use LambdaRuntime(host=...)",
                DeprecationWarning,
                stacklevel=2,
            )
            host = backend
        if host is _UNSET:
            host = "inprocess"
        if not isinstance(region, str) or not _REGION.match(region):
            raise ConfigurationError(f"region must look like 'us-east-1', got {region!r}")
        if not isinstance(account_id, str) or not _ACCOUNT.match(account_id):
            raise ConfigurationError(f"account_id must be 12 digits, got {account_id!r}")
        if (
            isinstance(concurrency_limit, bool)
            or not isinstance(concurrency_limit, int)
            or concurrency_limit < 1
        ):
            raise ConfigurationError(
                f"concurrency_limit must be a positive integer, got {concurrency_limit!r}"
            )
        if timeout_format not in ("current", "legacy"):
            raise ConfigurationError(
                f"timeout_format must be 'current' or 'legacy', got {timeout_format!r}"
            )
        self.timeout_format = timeout_format
        self.clock = make_clock(clock)
        self.region = region
        self.account_id = account_id
        self.concurrency_limit = concurrency_limit
        self.host = make_host(host, region)
        self.log_book = LogBook()
        self.registry = FunctionRegistry(
            host=self.host,
            region=region,
            account_id=account_id,
            concurrency_limit=concurrency_limit,
            seed=seed,
        )
        self.pool = EnvironmentPool(self.host, self.clock, self.log_book, self.registry.lock)
        self.invoker = Invoker(self.registry, self.pool, self.clock, self.log_book, timeout_format)
        self.queue = EventQueue(self.registry, self.invoker, self.clock)
        self.closed = False

    @property
    def backend(self) -> Any:
        """Deprecated name of :attr:`host`."""
        return self.host

    # ------------------------------------------------------------------ functions

    def register(
        self,
        name: str,
        handler: Callable[..., Any] | None = None,
        *,
        code: str | os.PathLike[str] | None = None,
        handler_name: str | None = None,
        layers: Sequence[str | os.PathLike[str]] = (),
        timeout: int = 3,
        memory_size: int = 128,
        environment: Mapping[str, str] | None = None,
        reserved_concurrency: int | None = None,
        provisioned_concurrency: int = 0,
        description: str = "",
        dead_letter: Destination | None = None,
        runtime: str | None = None,
    ) -> Function:
        """Create a function from a Python callable or a deployment-package directory.

        ``name`` may be a full or partial ARN (unqualified).  A function registered by
        full ARN is found only by ARNs of that region and account; one registered by name
        is found by its name and by an ARN of any region and account.  Settings outside Lambda's ranges raise
        ConfigurationError.  ``provisioned_concurrency`` here applies to ``$LATEST``
        (AWS only allows it on versions and aliases; see :meth:`put_provisioned_concurrency`).
        ``dead_letter`` receives a :class:`DeadLetterMessage` for each failed event.
        ``runtime`` is Lambda's runtime identifier (``"python3.9"`` ... ``"python3.14"``,
        default: this interpreter's): the subprocess host runs the code on a matching
        interpreter when one is installed, and a failure on another interpreter says which
        runtime was asked for and which Python ran it.
        """
        return self.registry.register(
            name,
            handler,
            code=code,
            handler_name=handler_name,
            layers=layers,
            timeout=timeout,
            memory_size=memory_size,
            environment=environment,
            reserved_concurrency=reserved_concurrency,
            provisioned_concurrency=provisioned_concurrency,
            description=description,
            dead_letter=dead_letter,
            runtime=runtime,
        )

    def get_function(self, name: str) -> Function:
        """The registered function with this name or (unqualified) ARN."""
        return self.registry.get_function(name)

    @property
    def functions(self) -> Mapping[str, Function]:
        """The registered functions by name."""
        return self.registry.functions

    def function_arn(self, name: str) -> str:
        """The unqualified ARN of a function (for ``host='aws'``, built from the name)."""
        return self.registry.function_arn(name)

    def has_function(self, name_or_arn: str) -> bool:
        """Whether an invoke of ``name_or_arn`` would find a function (and its qualifier)."""
        return self.registry.has_function(name_or_arn)

    def delete_function(self, name: str) -> None:
        """Remove a function and shut its environments down."""
        return self.registry.delete_function(name)

    def update_function_code(
        self,
        name: str,
        handler: Callable[..., Any] | None = None,
        *,
        code: str | os.PathLike[str] | None = None,
        handler_name: str | None = None,
    ) -> Function:
        """Replace ``$LATEST``'s code; its existing environments are retired."""
        return self.registry.update_function_code(
            name, handler, code=code, handler_name=handler_name
        )

    def update_function_configuration(self, name: str, **changes: Any) -> Function:
        """Change ``$LATEST``'s settings (timeout, memory_size, environment, description,
        layers, runtime, handler_name); its existing environments are retired."""
        return self.registry.update_function_configuration(name, **changes)

    def put_function_concurrency(self, name: str, reserved_concurrency: int | None) -> None:
        """Set (or with None remove) a function's reserved concurrency."""
        return self.registry.put_function_concurrency(name, reserved_concurrency)

    def put_provisioned_concurrency(
        self, name: str, qualifier: str | None, provisioned_concurrency: int
    ) -> None:
        """Keep ``provisioned_concurrency`` environments of a version/alias initialised."""
        return self.registry.put_provisioned_concurrency(name, qualifier, provisioned_concurrency)

    def publish_version(self, name: str, description: str = "") -> str:
        """Snapshot ``$LATEST`` (code and configuration) as a new numbered version.

        As on AWS, publishing again without a change returns the latest version.
        """
        return self.registry.publish_version(name, description)

    def create_alias(
        self,
        name: str,
        alias: str,
        function_version: str,
        *,
        routing: Mapping[str, float] | None = None,
        description: str = "",
    ) -> Alias:
        """Point ``alias`` at a version; ``routing`` sends a share to one more version,
        e.g. ``{"2": 0.1}`` runs version 2 for 10% of invocations."""
        return self.registry.create_alias(
            name, alias, function_version, routing=routing, description=description
        )

    def update_alias(
        self,
        name: str,
        alias: str,
        *,
        function_version: str | None = None,
        routing: Mapping[str, float] | None = None,
        description: str | None = None,
    ) -> Alias:
        """Repoint an alias and/or change its routing (``routing={}`` removes it)."""
        return self.registry.update_alias(
            name, alias, function_version=function_version, routing=routing, description=description
        )

    def delete_alias(self, name: str, alias: str) -> None:
        """Remove an alias."""
        return self.registry.delete_alias(name, alias)

    def inject_fault(
        self,
        name: str,
        error: str = "ServiceException",
        *,
        count: int = 1,
        status_code: int | None = None,
        message: str | None = None,
    ) -> None:
        """Make the next ``count`` invocations of a function fail as the service can.

        ``error`` is a Lambda API error code (``ServiceException``, ``AWSLambdaException``,
        ``SdkClientException``, ``TooManyRequestsException``, ``EC2ThrottledException``...,
        raised as :class:`LambdaServiceError`, so ``Lambda.<code>`` in Step Functions), or
        ``"Unknown"``: a function error without an ``errorType`` (``Lambda.Unknown``).
        For testing Retry policies against failures that cannot happen offline.
        """
        return self.registry.inject_fault(
            name, error, count=count, status_code=status_code, message=message
        )

    def put_function_event_invoke_config(
        self,
        name: str,
        *,
        qualifier: str | None = None,
        maximum_retry_attempts: int = 2,
        maximum_event_age_in_seconds: int = 21_600,
        on_success: Destination | None = None,
        on_failure: Destination | None = None,
    ) -> EventInvokeConfig:
        """Configure asynchronous invocation (retries, event age, destinations)."""
        return self.registry.put_function_event_invoke_config(
            name,
            qualifier=qualifier,
            maximum_retry_attempts=maximum_retry_attempts,
            maximum_event_age_in_seconds=maximum_event_age_in_seconds,
            on_success=on_success,
            on_failure=on_failure,
        )

    # ------------------------------------------------------------------ invoking

    async def invoke_async(
        self,
        function: str,
        payload: Any = None,
        *,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
        client_context: str | Mapping[str, Any] | None = None,
        log_type: str | None = None,
    ) -> InvokeResult:
        """Invoke a function as the Lambda Invoke API does.

        ``function``: a name, ``name:qualifier``, or a partial or full ARN.  ``payload``: a
        decoded JSON value (sent as JSON), or ``bytes`` of JSON text.  Raises
        :class:`LambdaServiceError` when the API call itself fails (not found, throttled,
        payload too large); a failing function is a result with ``function_error`` set.
        """
        if self.registry.remote:
            result: InvokeResult = await self.host.invoke_async(
                function,
                payload,
                invocation_type=invocation_type,
                qualifier=qualifier,
                client_context=client_context,
                log_type=log_type,
            )
            return result
        check_enum("invocationType", invocation_type, INVOCATION_TYPES)
        self.queue.attach()
        if log_type is not None:
            check_enum("logType", log_type, ("None", "Tail"))
        target, version, invoked_arn = self.registry.resolve(function, qualifier)
        if target.faults and invocation_type != "DryRun":
            fault = self.invoker.take_fault(target, version)
            if fault is not None:
                return fault
        body = encode_payload(payload)
        limit = ASYNC_REQUEST_LIMIT if invocation_type == "Event" else SYNC_REQUEST_LIMIT
        if len(body) > limit:
            raise request_too_large(limit)
        context = decode_client_context(client_context)
        if invocation_type == "DryRun":
            return InvokeResult(204, b"", None, version.version, None, str(uuid.uuid4()))
        if invocation_type == "Event":
            ident = parse_function_identifier(function)
            event = QueuedEvent(target.name, ident.qualifier or qualifier, body, self.clock.now())
            self.queue.enqueue(event)
            return InvokeResult(202, b"", None, version.version, None, event.request_id)
        return await self.invoker.invoke(
            target, version, body, invoked_arn, context, log_type == "Tail"
        )

    def invoke(self, function: str, payload: Any = None, **kwargs: Any) -> InvokeResult:
        """Synchronous :meth:`invoke_async`, like boto3's ``invoke`` (not inside an event loop).

        Called from a handler while an execution runs, an ``Event`` invocation starts in
        the execution's event loop at once."""
        _not_in_event_loop("invoke", "invoke_async")
        token = _in_sync_call.set(True)
        try:
            return anyio.run(functools.partial(self.invoke_async, function, payload, **kwargs))
        finally:
            _in_sync_call.reset(token)

    # ------------------------------------------------------------------ logs

    def logs(self, function: str | None = None, *, request_id: str | None = None) -> list[LogEvent]:
        """Log events, optionally of one function and/or one request, oldest first."""
        name = self.get_function(function).name if function else None
        return self.log_book.events(name, request_id)

    def log_text(self, function: str | None = None, *, request_id: str | None = None) -> str:
        """The messages of :meth:`logs`, one per line."""
        return "".join(e.message + "\n" for e in self.logs(function, request_id=request_id))

    def output(self, function: str | None = None, *, request_id: str | None = None) -> str:
        """What the functions' code printed or logged (no START/END/REPORT lines), one
        event per line: a handler's ``print()`` output, as pytest shows captured output."""
        events = self.logs(function, request_id=request_id)
        return "".join(e.message + "\n" for e in events if e.output)

    def on_log(self, listener: Callable[[LogEvent], object]) -> Callable[[], None]:
        """Call ``listener`` with each log event of this runtime as it is recorded (each
        names its function and request id).  Returns a function that removes it.  For
        every runtime of the process, see :func:`asl.lambda_runtime.add_log_listener`."""
        self.log_book.listeners.append(listener)

        def remove() -> None:
            if listener in self.log_book.listeners:
                self.log_book.listeners.remove(listener)

        return remove

    # ------------------------------------------------------------------ asynchronous queue

    @property
    def pending_events(self) -> int:
        """Events queued and not yet being processed."""
        return self.queue.pending_events

    async def drain(self) -> None:
        """Process every queued event, with its retries and destinations, until none is left."""
        await self.queue.drain()

    def drain_sync(self) -> None:
        """Synchronous :meth:`drain` (not inside an event loop)."""
        _not_in_event_loop("drain_sync", "drain")
        anyio.run(self.drain)

    async def __aenter__(self) -> LambdaRuntime:
        """Process asynchronous invocations in the background while the block runs."""
        await self.queue.start()
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        """Wait for queued events to finish, then stop processing in the background."""
        return await self.queue.stop(*exc_info)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """End every execution environment (and its thread or process), delete version
        snapshots.  The runtime stays usable: a later invocation starts cold."""
        self.pool.close(list(self.registry.functions.values()))
        self.registry.remove_snapshots()

    def __enter__(self) -> LambdaRuntime:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _not_in_event_loop(name: str, instead: str) -> None:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise ConfigurationError(
        f"LambdaRuntime.{name}() blocks and cannot run inside an event loop; "
        f"use 'await runtime.{instead}(...)' instead"
    )
