"""The environment pool: execution environments per function version, cold and warm.

A version's idle environments are reused most recently used first (a warm start); when
none is idle the host creates one (a cold start).  Provisioned environments are
initialised before they serve requests.
"""

from __future__ import annotations

import time
from typing import Any

from asl.clock import Clock
from asl.lambda_runtime import logs
from asl.lambda_runtime.environment import EnvironmentSettings, ExecutionEnvironment
from asl.lambda_runtime.functions import Function, FunctionVersion
from asl.lambda_runtime.logs import LogBook


class EnvironmentPool:
    """Checks environments out to invocations and back in; ``host`` creates them."""

    def __init__(self, host: Any, clock: Clock, log_book: LogBook, lock: Any):
        self.host = host
        self.clock = clock
        self.log_book = log_book
        self._lock = lock

    def checkout(
        self, function: Function, version: FunctionVersion
    ) -> tuple[ExecutionEnvironment, bool]:
        """A warm idle environment (most recently used first), or a new one (cold)."""
        with self._lock:
            while version.idle:
                environment = version.idle.pop()
                if not environment.discarded:
                    version.busy.add(environment)
                    return environment, False
        environment = self.create(function, version, "on-demand")
        with self._lock:
            version.busy.add(environment)
        return environment, True

    def checkin(self, version: FunctionVersion, environment: ExecutionEnvironment) -> None:
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

    def create(
        self, function: Function, version: FunctionVersion, initialization_type: str
    ) -> ExecutionEnvironment:
        settings = EnvironmentSettings(
            version=version.version,
            function_arn=function.arn,
            region=function.region,
            log_stream_name=logs.log_stream_name(version.version, self.clock.now()),
            initialization_type=initialization_type,
        )
        return self.host.create_environment(version.configuration, settings)

    async def ensure_provisioned(self, function: Function, version: FunctionVersion) -> None:
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
            environment = self.create(function, version, "provisioned-concurrency")
            events: list[logs.Event] = [
                (time.time(), logs.init_start_line(version.configuration.runtime))
            ]
            init = await environment.initialize()
            events.extend(logs.output(init.logs))
            environment.init_duration_ms = init.duration_ms
            offset = self.clock.now().timestamp() - time.time()
            self.log_book.record(function.name, environment.log_stream_name, None, events, offset)
            if init.error is None and not init.timed_out:
                version.stats.provisioned_initializations += 1
                with self._lock:
                    version.idle.insert(0, environment)
            else:
                environment.discard()

    def close(self, functions: list[Function]) -> None:
        """Shut down every environment of these functions."""
        for function in functions:
            for environment in function.environments:
                close = getattr(environment, "close", environment.discard)
                close()
            for version in function.all_versions():
                version.idle.clear()
