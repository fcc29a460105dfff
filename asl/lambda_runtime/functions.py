"""Functions, their versions and aliases, and the pools of execution environments."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asl.lambda_runtime.configuration import FunctionConfiguration
from asl.lambda_runtime.identifiers import function_arn

if TYPE_CHECKING:
    from asl.lambda_runtime.asynchronous import EventInvokeConfig
    from asl.lambda_runtime.environment import ExecutionEnvironment

LATEST = "$LATEST"


@dataclass
class InvocationStats:
    """Counts of what happened to a function version's invocations."""

    invocations: int = 0
    cold_starts: int = 0
    warm_starts: int = 0
    provisioned_initializations: int = 0
    errors: int = 0
    timeouts: int = 0
    throttles: int = 0

    def add(self, other: InvocationStats) -> InvocationStats:
        """The sum of two counts."""
        return InvocationStats(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)
        )


@dataclass
class FunctionVersion:
    """``$LATEST`` or a published version: a configuration and its environments."""

    version: str
    configuration: FunctionConfiguration
    description: str = ""
    idle: list[ExecutionEnvironment] = field(default_factory=list)
    busy: set[ExecutionEnvironment] = field(default_factory=set)
    stats: InvocationStats = field(default_factory=InvocationStats)
    provisioned_concurrency: int = 0
    provisioned_ready: bool = False

    @property
    def environments(self) -> list[ExecutionEnvironment]:
        """Every live environment of this version (idle and busy)."""
        return [*self.idle, *self.busy]

    def retire_environments(self) -> None:
        """Drop idle environments (after a code or configuration change)."""
        for environment in self.idle:
            environment.discard()
        self.idle.clear()
        self.provisioned_ready = False


@dataclass
class Alias:
    """A named pointer at a version, optionally sending a share of traffic to a second one."""

    name: str
    function_version: str
    routing: dict[str, float] = field(default_factory=dict)
    description: str = ""

    def pick_version(self, rng: random.Random) -> str:
        """The version an invocation through this alias runs (weighted routing)."""
        roll = rng.random()
        for version, weight in self.routing.items():
            if roll < weight:
                return version
            roll -= weight
        return self.function_version


@dataclass
class Function:
    """A registered Lambda function: ``$LATEST``, published versions, aliases, settings."""

    name: str
    region: str
    account_id: str
    latest: FunctionVersion
    partition: str = "aws"
    versions: dict[str, FunctionVersion] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    reserved_concurrency: int | None = None
    in_flight: int = 0
    revision: int = 0
    published_revision: int = -1
    event_invoke_configs: dict[str, EventInvokeConfig] = field(default_factory=dict)
    dead_letter: Any = None
    # Registered by full ARN: only that region and account find it.  Registered by name:
    # an ARN of any region and account finds it (definitions often hold real ARNs).
    pinned: bool = False
    # Injected failures for the next invocations: (error code, HTTP status, message).
    faults: deque[tuple[str, int, str]] = field(default_factory=deque)

    @property
    def arn(self) -> str:
        """The unqualified function ARN."""
        return function_arn(self.region, self.account_id, self.name, None, self.partition)

    def qualified_arn(self, qualifier: str) -> str:
        """The ARN of a version or alias of this function."""
        return function_arn(self.region, self.account_id, self.name, qualifier, self.partition)

    @property
    def configuration(self) -> FunctionConfiguration:
        """The configuration of ``$LATEST``."""
        return self.latest.configuration

    def all_versions(self) -> list[FunctionVersion]:
        """``$LATEST`` and every published version."""
        return [self.latest, *self.versions.values()]

    def version(self, qualifier: str | None) -> FunctionVersion | None:
        """``$LATEST`` for None, else the published version with that number."""
        if qualifier is None or qualifier == LATEST:
            return self.latest
        return self.versions.get(qualifier)

    @property
    def stats(self) -> InvocationStats:
        """Counts summed over every version."""
        total = InvocationStats()
        for version in self.all_versions():
            total = total.add(version.stats)
        return total

    @property
    def environments(self) -> list[ExecutionEnvironment]:
        """Every live environment of every version."""
        return [e for v in self.all_versions() for e in v.environments]
