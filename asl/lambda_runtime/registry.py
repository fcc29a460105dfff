"""The function registry: functions, versions, aliases, their configuration and settings.

It answers "which function version does this name, ARN or qualifier mean" for the
invoker and the asynchronous queue; it runs no code.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from asl.errors import ConfigurationError
from asl.lambda_runtime import asynchronous
from asl.lambda_runtime.asynchronous import Destination, EventInvokeConfig
from asl.lambda_runtime.configuration import (
    FunctionConfiguration,
    make_configuration,
    validate_configuration,
)
from asl.lambda_runtime.errors import LambdaServiceError, function_not_found, invalid_parameter
from asl.lambda_runtime.functions import LATEST, Alias, Function, FunctionVersion
from asl.lambda_runtime.identifiers import (
    ALIAS_PATTERN,
    QUALIFIER_PATTERN,
    FunctionIdentifier,
    function_arn,
    parse_function_identifier,
)

# Status and message of service failures that inject_fault() simulates.  The messages
# are representative (AWS words them per incident); the codes and statuses are AWS's.
FAULTS: dict[str, tuple[int, str]] = {
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


class FunctionRegistry:
    """The functions of one account and region, with their versions and aliases.

    ``host`` checks that it can run a configuration; ``remote`` registries (deployed
    functions) refuse local registration.  ``seed`` makes alias traffic shifting
    reproducible.
    """

    def __init__(
        self,
        *,
        host: Any,
        region: str,
        account_id: str,
        concurrency_limit: int,
        seed: int | None = None,
    ):
        self.host = host
        self.remote = bool(getattr(host, "remote", False))
        self.region = region
        self.account_id = account_id
        self.concurrency_limit = concurrency_limit
        self._functions: dict[str, Function] = {}
        self.lock = threading.Lock()
        self._seed = seed
        self._random: random.Random | None = None
        self._snapshots: list[Path] = []
        weakref.finalize(self, _remove_all, self._snapshots)

    @property
    def _rng(self) -> random.Random:
        """Alias traffic shifting's random numbers (made on first use: seeding is slow)."""
        if self._random is None:
            self._random = random.Random(self._seed)
        return self._random

    def lookup(self, name: str) -> Function | None:
        """The function registered under exactly this name, if any."""
        return self._functions.get(name)

    def reserved_total(self) -> int:
        """The concurrency reserved by all functions together."""
        return sum(f.reserved_concurrency or 0 for f in self._functions.values())

    def remove_snapshots(self) -> None:
        """Delete the code snapshots of published versions."""
        _remove_all(self._snapshots)

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
        """Create a function (`LambdaRuntime.register`, the public entry, documents every
        argument)."""
        if self.remote:
            raise ConfigurationError(
                "this LambdaRuntime invokes deployed AWS functions (host='aws'); "
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
            runtime=runtime,
        )
        self.host.check(config)
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

    def _identifier_for_registration(self, name: str) -> FunctionIdentifier:
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
        """The unqualified ARN of a function (for ``host='aws'``, built from the name)."""
        if self.remote:
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
        if self.remote:
            return True
        try:
            self.resolve(name_or_arn, None, pick=False)
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
            runtime=old.runtime,
        )
        self.host.check(fresh)
        self._set_latest(function, fresh)
        return function

    def update_function_configuration(self, name: str, **changes: Any) -> Function:
        """Change ``$LATEST``'s settings (timeout, memory_size, environment, description,
        layers, runtime, handler_name); its existing environments are retired."""
        function = self.get_function(name)
        allowed = {"timeout", "memory_size", "environment", "description", "layers", "runtime"}
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
        default_status, default_message = FAULTS.get(error, (500, f"{error} (injected)"))
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

    # ------------------------------------------------------------------ resolving

    def resolve(
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


def _remove_all(paths: list[Path]) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
    paths.clear()
