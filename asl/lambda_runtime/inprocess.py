"""The in-process host: environments are threads of this process (the fastest host).

Each environment has its own thread, its own private module table for the code directory
and layers (so two packages may both hold ``lambda_function.py``), its own view of
``os.environ`` and its own ``TMPDIR``.  Limits of running in-process: memory is not
capped, a hanging handler is abandoned rather than killed (a pure-Python loop is
interrupted; a blocking C call runs on until it returns), and literal ``/tmp`` paths and
the working directory are shared with the host.
"""

from __future__ import annotations

import resource
import tempfile
import time
import weakref
from collections.abc import Callable
from typing import Any

import anyio

from asl.lambda_runtime import bootstrap
from asl.lambda_runtime.configuration import FunctionConfiguration
from asl.lambda_runtime.environment import (
    INIT_TIMEOUT,
    EnvironmentSettings,
    EnvironmentThread,
    ExecutionEnvironment,
    InitOutcome,
    InvocationOutcome,
    install_event_loop_hook,
    install_thread_tracking,
)


class InProcessHost:
    """Runs each execution environment on a thread of the current process.

    ``init_timeout``: seconds the init phase may take (Lambda's is 10).
    """

    name = "inprocess"

    def __init__(self, *, init_timeout: float = INIT_TIMEOUT):
        self.init_timeout = init_timeout

    def check(self, config: FunctionConfiguration) -> None:
        """Every configuration can run in-process."""

    def create_environment(
        self, config: FunctionConfiguration, settings: EnvironmentSettings
    ) -> ExecutionEnvironment:
        """A new (uninitialised) environment."""
        return InProcessEnvironment(config, settings, self.init_timeout)


class InProcessEnvironment(ExecutionEnvironment):
    """An execution environment on a dedicated thread of this process."""

    host_name = "inprocess"

    def __init__(
        self,
        config: FunctionConfiguration,
        settings: EnvironmentSettings,
        init_timeout: float = INIT_TIMEOUT,
    ):
        super().__init__(config, settings)
        self.init_timeout = init_timeout
        bootstrap.install_log_capture()
        bootstrap.install_environ_overlay()
        install_event_loop_hook()
        install_thread_tracking()
        # TMPDIR's directory is made only if the code reads the variable.
        me = weakref.ref(self)
        self.overlay = bootstrap.EnvironOverlay(
            self.variables(tmp_dir=False), {"TMPDIR": lambda: _tmp_dir_of(me)}
        )
        self.namespace = (
            bootstrap.ModuleNamespace(config.search_path) if config.code is not None else None
        )
        self.handler: Callable[..., Any] | None = None
        self._is_async: bool | None = None
        self._thread = EnvironmentThread(f"asl-lambda-{config.function_name}-{self.id}")

    async def initialize(self) -> InitOutcome:
        """Import the handler module on the environment's thread (a callable needs nothing)."""
        if self.config.handler is not None:
            self.handler = self.config.handler
            return InitOutcome(None, [], 0.0)
        handler_name = self.config.handler_string

        def init() -> bootstrap.InitResult:
            return bootstrap.initialize(handler_name, self.namespace, self.overlay)

        start = time.perf_counter()
        finished, result = await self._thread.call(init, self.init_timeout)
        if not finished or result is None:
            self.discard()
            return InitOutcome(None, [], (time.perf_counter() - start) * 1000, timed_out=True)
        self.handler = result.handler
        return InitOutcome(result.error, result.logs, result.duration_ms)

    async def invoke(
        self, request: bootstrap.InvocationRequest, timeout: float
    ) -> InvocationOutcome:
        """Run the handler for one request within ``timeout`` seconds."""
        handler = self.handler
        assert handler is not None, "invoke before a successful initialize"
        self.invocations += 1
        log = bootstrap.InvocationLog(request.request_id)
        start = time.perf_counter()
        response: bootstrap.InvocationResponse | None
        if self._is_async is None:
            self._is_async = _is_async(handler)
        if self._is_async:
            response = None
            with anyio.move_on_after(timeout):
                response = await bootstrap.invoke_async_handler(handler, request, self.overlay, log)
        else:
            overlay = self.overlay

            def run() -> bootstrap.InvocationResponse:
                return bootstrap.invoke_handler(handler, request, overlay, log)

            _, response = await self._thread.call(run, timeout)
        duration = (time.perf_counter() - start) * 1000
        if response is None:
            self.discard()
            return InvocationOutcome(
                "timeout", logs=log.close(), duration_ms=timeout * 1000, max_memory_mb=_max_rss_mb()
            )
        if response.exit:
            self.discard()
        return InvocationOutcome(
            "exit" if response.exit else "success" if response.ok else "error",
            response.body,
            response.content_type,
            response.error_type,
            response.logs,
            duration,
            _max_rss_mb(),
        )

    def discard(self) -> None:
        """Abandon the thread and forget the module state."""
        if not self.discarded:
            self._thread.abandon()
            self.handler = None
            if self.namespace is not None:
                self.namespace.release()
        super().discard()

    def close(self) -> None:
        """Shut down normally (runtime closing)."""
        self._thread.close()
        super().discard()


_async_handlers: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _is_async(handler: Callable[..., Any]) -> bool:
    """`bootstrap.is_async_handler`, remembered per handler (environments come and go)."""
    try:
        known = _async_handlers.get(handler)
    except TypeError:  # not weakly referenceable or not hashable
        return bootstrap.is_async_handler(handler)
    if known is None:
        known = _async_handlers[handler] = bootstrap.is_async_handler(handler)
    return known


def _tmp_dir_of(ref: weakref.ref[InProcessEnvironment]) -> str:
    environment = ref()
    return str(environment.tmp_dir) if environment is not None else tempfile.gettempdir()


_rss: list[float] = [0.0, 0.0]  # when read, value


def _max_rss_mb() -> int:
    """The process's peak resident memory (read at most every 50 ms: the call is slow)."""
    now = time.monotonic()
    if now - _rss[0] > 0.05:
        _rss[0], _rss[1] = now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return int(_rss[1])


InProcessBackend = InProcessHost  # deprecated name
