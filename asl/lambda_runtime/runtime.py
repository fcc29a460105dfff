"""``LambdaRuntime``: an offline AWS Lambda service with the Invoke API's behaviour."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import random
import re
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import anyio.abc

from asl.clock import Clock, make_clock
from asl.errors import ConfigurationError
from asl.lambda_runtime import asynchronous, logs
from asl.lambda_runtime.asynchronous import (
    DeadLetterMessage,
    Destination,
    EventInvokeConfig,
    QueuedEvent,
)
from asl.lambda_runtime.bootstrap import InvocationRequest
from asl.lambda_runtime.configuration import (
    FunctionConfiguration,
    make_configuration,
    validate_configuration,
)
from asl.lambda_runtime.environment import (
    EnvironmentSettings,
    ExecutionEnvironment,
    InvocationOutcome,
)
from asl.lambda_runtime.errors import (
    ASYNC_REQUEST_LIMIT,
    SYNC_REQUEST_LIMIT,
    SYNC_RESPONSE_LIMIT,
    LambdaServiceError,
    function_not_found,
    invalid_parameter,
    request_too_large,
    too_many_requests,
)
from asl.lambda_runtime.functions import LATEST, Alias, Function, FunctionVersion
from asl.lambda_runtime.identifiers import (
    ALIAS_PATTERN,
    QUALIFIER_PATTERN,
    function_arn,
    parse_function_identifier,
)
from asl.lambda_runtime.logs import LogEvent

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
# Status and message of service failures that inject_fault() simulates.  The messages
# are representative (AWS words them per incident); the codes and statuses are AWS's.
_FAULTS: dict[str, tuple[int, str]] = {
    "ServiceException": (500, "Lambda encountered an internal error. Please try again."),
    "AWSLambdaException": (502, "Bad Gateway"),
    "SdkClientException": (
        0,
        "Unable to execute HTTP request: Connect to lambda.us-east-1.amazonaws.com:443 "
        "failed: connect timed out",
    ),
    "TooManyRequestsException": (429, "Rate Exceeded."),
    "EC2ThrottledException": (502, "Lambda was throttled by Amazon EC2."),
    "ResourceNotReadyException": (502, "The function is not ready to be invoked."),
    "Unknown": (200, "Process exited before completing request"),
}
MIN_UNRESERVED = 100  # AWS keeps at least this much concurrency unreserved
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class InvokeResult:
    """What the Invoke API returns (boto3's ``invoke`` response, decoded)."""

    status_code: int  # 200 RequestResponse, 202 Event, 204 DryRun
    payload: bytes  # the function's JSON result, or the error document
    function_error: str | None  # "Unhandled" when the function failed, else None
    executed_version: str  # "$LATEST", "3", ...
    log_result: str | None  # base64 of the last 4 KB of log when log_type == "Tail"
    request_id: str

    def json(self) -> Any:
        """The payload decoded from JSON (None for an empty payload)."""
        return json.loads(self.payload) if self.payload else None


class LambdaRuntime:
    """An offline Lambda service: register functions, invoke them as AWS would.

    ``backend`` chooses where function code runs: ``"inprocess"`` (default, threads of
    this process), ``"subprocess"`` (a worker process per execution environment) or
    ``"aws"`` (deployed functions, through boto3), or a backend object.  ``clock`` is the
    clock asynchronous retries wait on (virtual by default: instant).  ``seed`` makes
    alias traffic shifting reproducible.  ``timeout_format`` picks the timeout error
    payload: ``"current"`` (``errorType`` ``Sandbox.Timedout``) or ``"legacy"`` (only an
    ``errorMessage``, which Step Functions reports as ``Lambda.Unknown``).
    """

    def __init__(
        self,
        *,
        clock: Clock | str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        concurrency_limit: int = 1000,
        backend: Any = "inprocess",
        seed: int | None = None,
        timeout_format: str = "current",
    ):
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
        self.backend = _make_backend(backend, region)
        self._remote = getattr(self.backend, "remote", False)
        self._functions: dict[str, Function] = {}
        self._lock = threading.Lock()
        self._unreserved_in_flight = 0
        self._rng = random.Random(seed)
        self._log_events: list[LogEvent] = []
        self._events: deque[QueuedEvent] = deque()
        self._event_group: anyio.abc.TaskGroup | None = None
        self._event_thread: int | None = None
        self._snapshots: list[Path] = []
        weakref.finalize(self, _remove_all, self._snapshots)

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
    ) -> Function:
        """Create a function from a Python callable or a deployment-package directory.

        ``name`` may be a full or partial ARN (unqualified).  A function registered by
        full ARN is found only by ARNs of that region and account; one registered by name
        is found by its name and by an ARN of any region and account.  Settings outside Lambda's ranges raise
        ConfigurationError.  ``provisioned_concurrency`` here applies to ``$LATEST``
        (AWS only allows it on versions and aliases; see :meth:`put_provisioned_concurrency`).
        ``dead_letter`` receives a :class:`DeadLetterMessage` for each failed event.
        """
        if self._remote:
            raise ConfigurationError(
                "this LambdaRuntime invokes deployed AWS functions (backend='aws'); "
                "functions cannot be registered locally"
            )
        ident = self._identifier_for_registration(name)
        if ident.name in self._functions:
            raise ConfigurationError(
                f"function {ident.name!r} is already registered; use update_function_code() "
                "or update_function_configuration() to change it"
            )
        config = make_configuration(
            ident.name,
            handler,
            code=code,
            handler_name=handler_name,
            layers=layers,
            timeout=timeout,
            memory_size=memory_size,
            environment=environment,
            description=description,
        )
        self.backend.check(config)
        asynchronous.check_destination("dead_letter", dead_letter)
        function = Function(
            ident.name,
            ident.region or self.region,
            ident.account_id or self.account_id,
            FunctionVersion(LATEST, config, description),
            partition=ident.partition,
            dead_letter=dead_letter,
            pinned=ident.region is not None,
        )
        self._check_reserved(function, reserved_concurrency)
        function.reserved_concurrency = reserved_concurrency
        self._check_provisioned(function, function.latest, provisioned_concurrency)
        function.latest.provisioned_concurrency = provisioned_concurrency
        self._functions[ident.name] = function
        return function

    def _identifier_for_registration(self, name: str) -> Any:
        if not isinstance(name, str):
            raise ConfigurationError(f"function name must be a string, got {name!r}")
        try:
            ident = parse_function_identifier(name)
        except LambdaServiceError:
            raise ConfigurationError(
                f"invalid function name {name!r}: use 1-64 letters, digits, '-' or '_', "
                "or a function ARN"
            ) from None
        if ident.qualifier is not None:
            raise ConfigurationError(
                f"register {name!r}: give the unqualified name or ARN; publish versions and "
                "create aliases with publish_version() and create_alias()"
            )
        return ident

    def get_function(self, name: str) -> Function:
        """The registered function with this name or (unqualified) ARN."""
        try:
            ident = parse_function_identifier(name)
        except LambdaServiceError:
            ident = None
        function = self._functions.get(ident.name) if ident else None
        if function is None:
            raise ConfigurationError(
                f"no function {name!r} is registered (registered: "
                f"{', '.join(sorted(self._functions)) or 'none'})"
            )
        return function

    @property
    def functions(self) -> Mapping[str, Function]:
        """The registered functions by name."""
        return dict(self._functions)

    def function_arn(self, name: str) -> str:
        """The unqualified ARN of a function (for ``backend='aws'``, built from the name)."""
        if self._remote:
            ident = parse_function_identifier(name)
            return function_arn(
                ident.region or self.region,
                ident.account_id or self.account_id,
                ident.name,
                None,
                ident.partition,
            )
        return self.get_function(name).arn

    def has_function(self, name_or_arn: str) -> bool:
        """Whether an invoke of ``name_or_arn`` would find a function (and its qualifier)."""
        if self._remote:
            return True
        try:
            self._resolve(name_or_arn, None, pick=False)
        except LambdaServiceError:
            return False
        return True

    def delete_function(self, name: str) -> None:
        """Remove a function and shut its environments down."""
        function = self.get_function(name)
        for environment in function.environments:
            environment.discard()
        del self._functions[function.name]

    def update_function_code(
        self,
        name: str,
        handler: Callable[..., Any] | None = None,
        *,
        code: str | os.PathLike[str] | None = None,
        handler_name: str | None = None,
    ) -> Function:
        """Replace ``$LATEST``'s code; its existing environments are retired."""
        function = self.get_function(name)
        old = function.configuration
        fresh = make_configuration(
            function.name,
            handler,
            code=code,
            handler_name=handler_name,
            layers=old.layers,
            timeout=old.timeout,
            memory_size=old.memory_size,
            environment=old.environment,
            description=old.description,
        )
        self.backend.check(fresh)
        self._set_latest(function, fresh)
        return function

    def update_function_configuration(self, name: str, **changes: Any) -> Function:
        """Change ``$LATEST``'s settings (timeout, memory_size, environment, description,
        layers, handler_name); its existing environments are retired."""
        function = self.get_function(name)
        allowed = {"timeout", "memory_size", "environment", "description", "layers"}
        if function.configuration.code is not None:
            allowed.add("handler_name")
        unknown = set(changes) - allowed
        if unknown:
            raise ConfigurationError(
                f"update_function_configuration: unknown setting(s) {sorted(unknown)}; "
                f"allowed: {sorted(allowed)}"
            )
        if "layers" in changes:
            changes["layers"] = tuple(
                make_configuration(
                    function.name,
                    None,
                    code=function.configuration.code or ".",
                    handler_name=None,
                    layers=changes["layers"],
                    timeout=3,
                    memory_size=128,
                    environment=None,
                    description="",
                ).layers
            )
        if "environment" in changes:
            changes["environment"] = dict(changes["environment"] or {})
        self._set_latest(function, function.configuration.with_changes(**changes))
        return function

    def _set_latest(self, function: Function, config: FunctionConfiguration) -> None:
        function.latest.configuration = validate_configuration(config)
        function.latest.description = config.description
        function.latest.retire_environments()
        function.revision += 1

    def put_function_concurrency(self, name: str, reserved_concurrency: int | None) -> None:
        """Set (or with None remove) a function's reserved concurrency."""
        function = self.get_function(name)
        self._check_reserved(function, reserved_concurrency)
        function.reserved_concurrency = reserved_concurrency

    def put_provisioned_concurrency(
        self, name: str, qualifier: str | None, provisioned_concurrency: int
    ) -> None:
        """Keep ``provisioned_concurrency`` environments of a version/alias initialised."""
        function = self.get_function(name)
        if qualifier is not None and qualifier in function.aliases:
            qualifier = function.aliases[qualifier].function_version
        version = function.version(qualifier)
        if version is None:
            raise ConfigurationError(f"function {function.name!r} has no version {qualifier!r}")
        self._check_provisioned(function, version, provisioned_concurrency)
        version.provisioned_concurrency = provisioned_concurrency
        version.provisioned_ready = False

    def _check_reserved(self, function: Function, reserved: int | None) -> None:
        if reserved is None:
            return
        if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
            raise ConfigurationError(
                f"function {function.name!r}: reserved_concurrency must be an integer >= 0, "
                f"got {reserved!r}"
            )
        others = sum(
            f.reserved_concurrency or 0 for f in self._functions.values() if f.name != function.name
        )
        minimum = min(MIN_UNRESERVED, self.concurrency_limit // 10)
        if others + reserved > self.concurrency_limit - minimum:
            raise ConfigurationError(
                f"function {function.name!r}: reserved_concurrency {reserved} would leave "
                f"{self.concurrency_limit - others - reserved} unreserved, below the minimum "
                f"of {minimum} (account concurrency limit {self.concurrency_limit})"
            )

    def _check_provisioned(self, function: Function, version: FunctionVersion, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigurationError(
                f"function {function.name!r}: provisioned_concurrency must be an integer >= 0, "
                f"got {value!r}"
            )
        if function.reserved_concurrency is not None and value > function.reserved_concurrency:
            raise ConfigurationError(
                f"function {function.name!r}: provisioned_concurrency {value} exceeds its "
                f"reserved_concurrency {function.reserved_concurrency}"
            )

    # ------------------------------------------------------------------ versions and aliases

    def publish_version(self, name: str, description: str = "") -> str:
        """Snapshot ``$LATEST`` (code and configuration) as a new numbered version.

        As on AWS, publishing again without a change returns the latest version.
        """
        function = self.get_function(name)
        if function.published_revision == function.revision and function.versions:
            return max(function.versions, key=int)
        config = self._snapshot(function.configuration)
        number = str(max((int(v) for v in function.versions), default=0) + 1)
        function.versions[number] = FunctionVersion(number, config, description)
        function.published_revision = function.revision
        return number

    def _snapshot(self, config: FunctionConfiguration) -> FunctionConfiguration:
        if config.code is None:
            return config
        root = Path(tempfile.mkdtemp(prefix=f"asl-lambda-{config.function_name}-version-"))
        self._snapshots.append(root)
        code = root / "task"
        shutil.copytree(config.code, code)
        layers = []
        for i, layer in enumerate(config.layers):
            copy = root / f"layer{i}"
            shutil.copytree(layer, copy)
            layers.append(copy)
        return FunctionConfiguration(
            config.function_name,
            None,
            code,
            config.handler_name,
            tuple(layers),
            config.timeout,
            config.memory_size,
            dict(config.environment),
            config.description,
            config.runtime,
        )

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
        function = self.get_function(name)
        if not isinstance(alias, str) or not ALIAS_PATTERN.match(alias):
            raise ConfigurationError(
                f"alias name {alias!r} must be 1-128 letters, digits, '-' or '_' and not all digits"
            )
        if alias in function.aliases:
            raise ConfigurationError(f"function {function.name!r} already has alias {alias!r}")
        created = Alias(alias, function_version, {}, description)
        self._configure_alias(function, created, function_version, routing)
        function.aliases[alias] = created
        return created

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
        function = self.get_function(name)
        existing = function.aliases.get(alias)
        if existing is None:
            raise ConfigurationError(f"function {function.name!r} has no alias {alias!r}")
        self._configure_alias(
            function,
            existing,
            function_version or existing.function_version,
            existing.routing if routing is None else routing,
        )
        if description is not None:
            existing.description = description
        return existing

    def delete_alias(self, name: str, alias: str) -> None:
        """Remove an alias."""
        function = self.get_function(name)
        if function.aliases.pop(alias, None) is None:
            raise ConfigurationError(f"function {function.name!r} has no alias {alias!r}")

    def _configure_alias(
        self,
        function: Function,
        alias: Alias,
        version: str,
        routing: Mapping[str, float] | None,
    ) -> None:
        if function.version(version) is None:
            raise ConfigurationError(
                f"function {function.name!r} has no version {version!r} "
                f"(published: {sorted(function.versions, key=int) or 'none'})"
            )
        weights = dict(routing or {})
        if len(weights) > 1:
            raise ConfigurationError("an alias can route to at most one additional version")
        for extra, weight in weights.items():
            if extra == LATEST or version == LATEST:
                raise ConfigurationError(
                    "$LATEST is not supported for an alias pointing to more than 1 version"
                )
            if function.version(extra) is None:
                raise ConfigurationError(f"function {function.name!r} has no version {extra!r}")
            if extra == version:
                raise ConfigurationError(
                    f"routing version {extra!r} must differ from the alias's version"
                )
            if (
                isinstance(weight, bool)
                or not isinstance(weight, (int, float))
                or not 0.0 <= weight <= 1.0
            ):
                raise ConfigurationError(
                    f"routing weight for version {extra!r} must be from 0.0 to 1.0, got {weight!r}"
                )
        alias.function_version = version
        alias.routing = {k: float(v) for k, v in weights.items()}

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
        function = self.get_function(name)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ConfigurationError(f"count must be a positive integer, got {count!r}")
        default_status, default_message = _FAULTS.get(error, (500, f"{error} (injected)"))
        fault = (error, status_code or default_status, message or default_message)
        function.faults.extend([fault] * count)

    # ------------------------------------------------------------------ asynchronous settings

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
        function = self.get_function(name)
        config = EventInvokeConfig(
            maximum_retry_attempts, maximum_event_age_in_seconds, on_success, on_failure
        )
        function.event_invoke_configs[qualifier or LATEST] = config
        return config

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
        if self._remote:
            return await self.backend.invoke_async(
                function,
                payload,
                invocation_type=invocation_type,
                qualifier=qualifier,
                client_context=client_context,
                log_type=log_type,
            )
        _check_enum("invocationType", invocation_type, INVOCATION_TYPES)
        if log_type is not None:
            _check_enum("logType", log_type, ("None", "Tail"))
        target, version, invoked_arn = self._resolve(function, qualifier)
        if target.faults and invocation_type != "DryRun":
            fault = self._fault(target, version)
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
            self._enqueue(event)
            return InvokeResult(202, b"", None, version.version, None, event.request_id)
        return await self._invoke_sync(
            target, version, body, invoked_arn, context, log_type == "Tail"
        )

    def invoke(self, function: str, payload: Any = None, **kwargs: Any) -> InvokeResult:
        """Synchronous :meth:`invoke_async`, like boto3's ``invoke`` (not inside an event loop)."""
        _not_in_event_loop("invoke", "invoke_async")
        return anyio.run(functools.partial(self.invoke_async, function, payload, **kwargs))

    def _fault(self, function: Function, version: FunctionVersion) -> InvokeResult | None:
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

    def _resolve(
        self, function: str, qualifier: str | None, *, pick: bool = True
    ) -> tuple[Function, FunctionVersion, str]:
        ident = parse_function_identifier(function)
        if qualifier is not None:
            if not isinstance(qualifier, str) or not QUALIFIER_PATTERN.match(qualifier):
                raise LambdaServiceError(
                    "ValidationException",
                    400,
                    f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed "
                    "to satisfy constraint: Member must satisfy regular expression pattern: "
                    r"(|[a-zA-Z0-9$_-]+)",
                )
            if ident.qualifier is not None and ident.qualifier != qualifier:
                raise invalid_parameter(
                    "The derived qualifier from the function name does not match the "
                    "specified qualifier."
                )
        wanted = ident.qualifier or qualifier
        target = self._functions.get(ident.name)
        missing = function_arn(
            ident.region or (target.region if target else self.region),
            ident.account_id or (target.account_id if target else self.account_id),
            ident.name,
            wanted or LATEST,
            ident.partition,
        )
        if target is None or (
            target.pinned
            and (
                (ident.region is not None and ident.region != target.region)
                or (ident.account_id is not None and ident.account_id != target.account_id)
            )
        ):
            raise function_not_found(missing)
        # context.invoked_function_arn is the ARN the caller used, qualifier included.
        invoked_arn = function_arn(
            ident.region or target.region,
            ident.account_id or target.account_id,
            target.name,
            wanted,
            ident.partition if ident.region else target.partition,
        )
        if wanted is None or wanted == LATEST:
            return target, target.latest, invoked_arn
        if wanted.isdigit():
            version = target.versions.get(wanted)
        else:
            alias = target.aliases.get(wanted)
            if alias is None:
                raise function_not_found(missing)
            chosen = alias.pick_version(self._rng) if pick else alias.function_version
            version = target.version(chosen)
        if version is None:
            raise function_not_found(missing)
        return target, version, invoked_arn

    async def _invoke_sync(
        self,
        function: Function,
        version: FunctionVersion,
        body: bytes,
        invoked_arn: str,
        client_context: Mapping[str, Any] | None,
        tail: bool,
        request_id: str | None = None,
    ) -> InvokeResult:
        request_id = request_id or str(uuid.uuid4())
        counted_unreserved = self._acquire(function, version)
        try:
            outcome, messages = await self._run(
                function, version, body, invoked_arn, client_context, request_id
            )
        finally:
            self._release(function, counted_unreserved)
        payload, error = self._result_payload(outcome, request_id, version)
        return InvokeResult(
            200,
            payload,
            error,
            version.version,
            logs.tail(messages) if tail else None,
            request_id,
        )

    def _acquire(self, function: Function, version: FunctionVersion) -> bool:
        with self._lock:
            reserved = function.reserved_concurrency
            if reserved is not None:
                if function.in_flight >= reserved:
                    version.stats.throttles += 1
                    raise too_many_requests("ReservedFunctionConcurrentInvocationLimitExceeded")
                function.in_flight += 1
                return False
            if self._unreserved_in_flight >= self._unreserved_capacity():
                version.stats.throttles += 1
                raise too_many_requests("ConcurrentInvocationLimitExceeded")
            self._unreserved_in_flight += 1
            function.in_flight += 1
            return True

    def _release(self, function: Function, counted_unreserved: bool) -> None:
        with self._lock:
            function.in_flight -= 1
            if counted_unreserved:
                self._unreserved_in_flight -= 1

    def _unreserved_capacity(self) -> int:
        reserved = sum(f.reserved_concurrency or 0 for f in self._functions.values())
        return self.concurrency_limit - reserved

    async def _run(
        self,
        function: Function,
        version: FunctionVersion,
        body: bytes,
        invoked_arn: str,
        client_context: Mapping[str, Any] | None,
        request_id: str,
    ) -> tuple[InvocationOutcome, list[str]]:
        """Run one invocation on a warm or new environment; returns outcome and log lines."""
        await self._ensure_provisioned(function, version)
        config = version.configuration
        environment, cold = self._checkout(function, version)
        offset = self.clock.now().timestamp() - time.time()
        events: list[tuple[float, str]] = []
        version.stats.invocations += 1
        init_ms: float | None = None
        try:
            if cold:
                version.stats.cold_starts += 1
                events.append((time.time(), logs.init_start_line(config.runtime)))
                init = await environment.initialize()
                events.extend(init.logs)
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
        self._checkin(version, environment)
        events.extend(outcome.logs)
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
        self._record_logs(function, environment, request_id, events, offset)
        return outcome, [m for _, m in events]

    def _init_failure(
        self,
        function: Function,
        version: FunctionVersion,
        environment: ExecutionEnvironment,
        init: Any,
        request_id: str,
        events: list[tuple[float, str]],
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
            error = init.error
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
        self._record_logs(function, environment, request_id, events, offset)
        return outcome, [m for _, m in events]

    def _checkout(
        self, function: Function, version: FunctionVersion
    ) -> tuple[ExecutionEnvironment, bool]:
        """A warm idle environment (most recently used first), or a new one (cold)."""
        with self._lock:
            while version.idle:
                environment = version.idle.pop()
                if not environment.discarded:
                    version.busy.add(environment)
                    return environment, False
        environment = self._new_environment(function, version, "on-demand")
        with self._lock:
            version.busy.add(environment)
        return environment, True

    def _checkin(self, version: FunctionVersion, environment: ExecutionEnvironment) -> None:
        with self._lock:
            version.busy.discard(environment)
            if environment.discarded:
                if environment.settings.initialization_type == "provisioned-concurrency":
                    version.provisioned_ready = False  # Lambda replaces it
                return
            if environment.config is not version.configuration:
                environment.discard()  # $LATEST changed while it ran
                return
            version.idle.append(environment)

    def _new_environment(
        self, function: Function, version: FunctionVersion, initialization_type: str
    ) -> ExecutionEnvironment:
        settings = EnvironmentSettings(
            version=version.version,
            function_arn=function.arn,
            region=function.region,
            log_stream_name=logs.log_stream_name(version.version, self.clock.now()),
            initialization_type=initialization_type,
        )
        return self.backend.create_environment(version.configuration, settings)

    async def _ensure_provisioned(self, function: Function, version: FunctionVersion) -> None:
        """Initialise the version's provisioned environments before it serves requests."""
        if version.provisioned_ready or version.provisioned_concurrency == 0:
            return
        version.provisioned_ready = True
        live = sum(
            1
            for e in version.environments
            if e.settings.initialization_type == "provisioned-concurrency" and not e.discarded
        )
        for _ in range(version.provisioned_concurrency - live):
            environment = self._new_environment(function, version, "provisioned-concurrency")
            events = [(time.time(), logs.init_start_line(version.configuration.runtime))]
            init = await environment.initialize()
            events.extend(init.logs)
            environment.init_duration_ms = init.duration_ms
            offset = self.clock.now().timestamp() - time.time()
            self._record_logs(function, environment, None, events, offset)
            if init.error is None and not init.timed_out:
                version.stats.provisioned_initializations += 1
                with self._lock:
                    version.idle.insert(0, environment)
            else:
                environment.discard()

    def _record_logs(
        self,
        function: Function,
        environment: ExecutionEnvironment,
        request_id: str | None,
        events: list[tuple[float, str]],
        offset: float,
    ) -> None:
        group = logs.log_group_name(function.name)
        with self._lock:
            for stamp, message in events:
                self._log_events.append(
                    LogEvent(
                        datetime.fromtimestamp(stamp + offset, timezone.utc),
                        message,
                        group,
                        environment.log_stream_name,
                        request_id,
                    )
                )

    def _result_payload(
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

    # ------------------------------------------------------------------ logs

    def logs(self, function: str | None = None, *, request_id: str | None = None) -> list[LogEvent]:
        """Log events, optionally of one function and/or one request, oldest first."""
        group = logs.log_group_name(self.get_function(function).name) if function else None
        with self._lock:
            return [
                e
                for e in self._log_events
                if (group is None or e.log_group_name == group)
                and (request_id is None or e.request_id == request_id)
            ]

    def log_text(self, function: str | None = None, *, request_id: str | None = None) -> str:
        """The messages of :meth:`logs`, one per line."""
        return "".join(e.message + "\n" for e in self.logs(function, request_id=request_id))

    # ------------------------------------------------------------------ asynchronous queue

    def _enqueue(self, event: QueuedEvent) -> None:
        group = self._event_group
        if group is not None and self._event_thread == threading.get_ident():
            group.start_soon(self._process_event, event)
        else:
            self._events.append(event)

    @property
    def pending_events(self) -> int:
        """Events queued and not yet being processed."""
        return len(self._events)

    async def drain(self) -> None:
        """Process every queued event, with its retries and destinations, until none is left."""
        previous = self._event_group, self._event_thread
        try:
            while self._events:
                async with anyio.create_task_group() as group:
                    # Events enqueued meanwhile (destinations) join this group at once.
                    self._event_group, self._event_thread = group, threading.get_ident()
                    while self._events:
                        group.start_soon(self._process_event, self._events.popleft())
        finally:
            self._event_group, self._event_thread = previous

    def drain_sync(self) -> None:
        """Synchronous :meth:`drain` (not inside an event loop)."""
        _not_in_event_loop("drain_sync", "drain")
        anyio.run(self.drain)

    async def __aenter__(self) -> LambdaRuntime:
        """Process asynchronous invocations in the background while the block runs."""
        self._background = anyio.create_task_group()
        group = await self._background.__aenter__()
        self._event_group, self._event_thread = group, threading.get_ident()
        while self._events:
            group.start_soon(self._process_event, self._events.popleft())
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        """Wait for queued events to finish, then stop processing in the background."""
        try:
            return await self._background.__aexit__(*exc_info)
        finally:
            self._event_group = self._event_thread = None

    async def _process_event(self, event: QueuedEvent) -> None:
        function = self._functions.get(event.function_name)
        if function is None:
            return  # deleted while queued: Lambda drops the event
        config = function.event_invoke_configs.get(event.qualifier or LATEST, EventInvokeConfig())
        throttle_delay, _ = asynchronous.THROTTLE_BACKOFF
        retries = 0
        last: dict[str, Any] | None = None
        arn = function.qualified_arn(event.qualifier or LATEST)
        while True:
            age = (self.clock.now() - event.enqueued).total_seconds()
            if age > config.maximum_event_age_in_seconds:
                self._finish_event(function, event, config, arn, "EventAgeExceeded", last)
                return
            try:
                target, version, invoked_arn = self._resolve(
                    function.name if event.qualifier is None else arn, None
                )
                counted = self._acquire(target, version)
            except LambdaServiceError as e:
                if e.status_code == 404:
                    return
                await self.clock.sleep(throttle_delay)
                throttle_delay = min(throttle_delay * 2, asynchronous.THROTTLE_BACKOFF[1])
                continue
            event.attempts += 1
            try:
                outcome, _ = await self._run(
                    target, version, event.payload, invoked_arn, None, event.request_id
                )
            finally:
                self._release(target, counted)
            payload, error = self._result_payload(outcome, event.request_id, version)
            context: dict[str, Any] = {"statusCode": 200, "executedVersion": version.version}
            if error:
                context["functionError"] = error
            last = {"context": context, "payload": _json_or_text(payload)}
            if error is None:
                self._finish_event(function, event, config, arn, "Success", last)
                return
            if retries >= config.maximum_retry_attempts:
                self._finish_event(function, event, config, arn, "RetriesExhausted", last)
                return
            await self.clock.sleep(asynchronous.RETRY_DELAYS[retries])
            retries += 1

    def _finish_event(
        self,
        function: Function,
        event: QueuedEvent,
        config: EventInvokeConfig,
        arn: str,
        condition: str,
        response: dict[str, Any] | None,
    ) -> None:
        record = asynchronous.invocation_record(event, self.clock.now(), arn, condition, response)
        destination = config.on_success if condition == "Success" else config.on_failure
        if destination is not None:
            self._send(destination, record)
        if condition != "Success" and function.dead_letter is not None:
            payload = (response or {}).get("payload")
            message = payload.get("errorMessage", "") if isinstance(payload, dict) else ""
            letter = DeadLetterMessage(
                asynchronous._decode(event.payload),
                event.request_id,
                "200",
                str(message)[:1024],
            )
            self._send(function.dead_letter, letter)

    def _send(self, destination: Destination, message: Any) -> None:
        if isinstance(destination, str):
            try:
                target, _, _ = self._resolve(destination, None, pick=False)
            except LambdaServiceError:
                return  # Lambda cannot deliver to a missing function; the record is lost
            ident = parse_function_identifier(destination)
            body = json.dumps(message, separators=(",", ":")).encode("utf-8")
            self._enqueue(QueuedEvent(target.name, ident.qualifier, body, self.clock.now()))
        else:
            asynchronous.deliver(destination, message)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Shut every environment down and delete version snapshots."""
        for function in self._functions.values():
            for environment in function.environments:
                close = getattr(environment, "close", environment.discard)
                close()
            for version in function.all_versions():
                version.idle.clear()
        for root in self._snapshots:
            shutil.rmtree(root, ignore_errors=True)
        self._snapshots.clear()

    def __enter__(self) -> LambdaRuntime:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


# ---------------------------------------------------------------------- helpers


def _make_backend(backend: Any, region: str) -> Any:
    if backend == "inprocess":
        from asl.lambda_runtime.inprocess import InProcessBackend

        return InProcessBackend()
    if backend == "subprocess":
        from asl.lambda_runtime.process import SubprocessBackend

        return SubprocessBackend()
    if backend == "aws":
        from asl.lambda_runtime.remote import AwsLambdaBackend

        return AwsLambdaBackend(region=region)
    if isinstance(backend, str) or backend is None:
        raise ConfigurationError(
            f"backend must be 'inprocess', 'subprocess', 'aws' or a backend object, got {backend!r}"
        )
    if not getattr(backend, "remote", False) and not hasattr(backend, "create_environment"):
        raise ConfigurationError(
            f"backend {backend!r} has neither create_environment() nor invoke_async()"
        )
    return backend


def _remove_all(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
    paths.clear()


def encode_payload(payload: Any) -> bytes:
    """The request body for a payload: JSON text of a value, or bytes of JSON as given."""
    if isinstance(payload, (bytes, bytearray, memoryview)):
        body = bytes(payload)
        if not body:
            return b"{}"  # Lambda passes an empty payload as an empty object
        try:
            json.loads(body)
        except ValueError as e:
            raise LambdaServiceError(
                "InvalidRequestContentException",
                400,
                f"Could not parse request body into json: Could not parse payload into json: {e}",
            ) from None
        return body
    try:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise ConfigurationError(f"invoke payload is not JSON-serialisable: {e}") from None


def decode_client_context(value: str | Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The client context a handler sees: from base64 JSON (as boto3 sends it) or a dict."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    try:
        decoded = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, TypeError):
        raise invalid_parameter(
            "Client context must be a valid Base64-encoded JSON object."
        ) from None
    if not isinstance(decoded, dict):
        raise invalid_parameter("Client context must be a valid Base64-encoded JSON object.")
    return decoded


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return payload.decode("utf-8", "replace")


def _check_enum(field: str, value: object, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise LambdaServiceError(
            "ValidationException",
            400,
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]",
        )


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
