"""Execution environments: where a function version's code is initialised and invoked.

An environment runs its init phase once (a cold start) and then serves one invocation at
a time; later invocations are warm and see the state the earlier ones left.  A timeout or
a crash discards it.  Hosts (in-process, subprocess) differ only in where the code runs.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import anyio

from asl.clock import outside_work
from asl.lambda_runtime import bootstrap
from asl.lambda_runtime.configuration import FunctionConfiguration

INIT_TIMEOUT = 10.0  # seconds Lambda allows an on-demand init phase
T = TypeVar("T")
_ids = itertools.count(1)


@dataclass
class InitOutcome:
    """Result of the init phase: an error document if it failed, the log, the time taken."""

    error: dict[str, Any] | None
    logs: list[tuple[float, str]]
    duration_ms: float
    timed_out: bool = False


@dataclass
class InvocationOutcome:
    """Result of one invocation inside an environment."""

    status: str  # "success" | "error" | "timeout" | "exit"
    body: bytes = b""
    content_type: str = "application/json"
    error_type: str | None = None
    logs: list[tuple[float, str]] = field(default_factory=list)
    duration_ms: float = 0.0
    max_memory_mb: int = 0


@dataclass(frozen=True)
class EnvironmentSettings:
    """What an environment needs besides the configuration: identity and Lambda variables."""

    version: str
    function_arn: str
    region: str
    log_stream_name: str
    initialization_type: str  # "on-demand" | "provisioned-concurrency"


class ExecutionEnvironment:
    """One execution environment of a function version (base class of the hosts' environments)."""

    host_name = "base"

    @property
    def backend_name(self) -> str:
        """Deprecated name of :attr:`host_name`."""
        return self.host_name

    def __init__(self, config: FunctionConfiguration, settings: EnvironmentSettings):
        self.id = next(_ids)
        self.config = config
        self.settings = settings
        self.invocations = 0
        self.init_duration_ms: float | None = None
        self.discarded = False
        self.tmp_dir = Path(tempfile.mkdtemp(prefix=f"asl-lambda-{config.function_name}-"))
        # Removed on discard, or when the environment is garbage-collected or Python exits.
        self._remove_tmp = weakref.finalize(self, shutil.rmtree, str(self.tmp_dir), True)

    @property
    def version(self) -> str:
        """The function version this environment runs."""
        return self.settings.version

    @property
    def log_stream_name(self) -> str:
        """This environment's log stream."""
        return self.settings.log_stream_name

    def variables(self) -> dict[str, str]:
        """The environment variables the function sees: Lambda's, then its own."""
        config, settings = self.config, self.settings
        values = {
            "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": settings.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": settings.log_stream_name,
            "AWS_LAMBDA_INITIALIZATION_TYPE": settings.initialization_type,
            "AWS_REGION": settings.region,
            "AWS_DEFAULT_REGION": settings.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
            "_HANDLER": config.handler_string,
            "LAMBDA_TASK_ROOT": str(config.code) if config.code else os.getcwd(),
            "LAMBDA_RUNTIME_DIR": os.path.dirname(bootstrap.__file__),
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "TMPDIR": str(self.tmp_dir),
        }
        values.update(config.environment)
        return values

    async def initialize(self) -> InitOutcome:
        """Run the init phase (import the handler module)."""
        raise NotImplementedError

    async def invoke(
        self, request: bootstrap.InvocationRequest, timeout: float
    ) -> InvocationOutcome:
        """Run one invocation; a ``timeout`` outcome means the environment was discarded."""
        raise NotImplementedError

    def discard(self) -> None:
        """Shut the environment down (after a timeout or crash, or when the runtime closes)."""
        if not self.discarded:
            self.discarded = True
            self._remove_tmp()


class Host(Protocol):
    """Where function code runs: creates execution environments; ``check`` rejects
    configurations it cannot run."""

    name: str

    def check(self, config: FunctionConfiguration) -> None: ...

    def create_environment(
        self, config: FunctionConfiguration, settings: EnvironmentSettings
    ) -> ExecutionEnvironment: ...


class EnvironmentThread:
    """The thread an environment's code runs on: init and every invocation, in order.

    Code runs on one thread per environment, as in Lambda, so thread-bound objects made
    at init (an sqlite3 connection, say) keep working in the handler.  The thread is a
    daemon: a handler that hangs past its timeout is abandoned and cannot block exit.
    """

    def __init__(self, name: str, *, interruptible: bool = True):
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.abandoned = False
        self.interruptible = interruptible

    def _run(self) -> None:
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                job()
        except bootstrap.EnvironmentAbandoned:
            pass

    async def call(self, fn: Callable[[], T], timeout: float | None) -> tuple[bool, T | None]:
        """Run ``fn`` on the thread; ``(False, None)`` if it did not finish in ``timeout``.

        A call that times out or whose caller is cancelled abandons the thread.
        """
        event = anyio.Event()
        box: list[tuple[bool, Any]] = []
        notify = _notifier(event)

        def job() -> None:
            try:
                box.append((True, fn()))
            except bootstrap.EnvironmentAbandoned:
                raise
            except BaseException as e:
                box.append((False, e))
            notify()

        self._jobs.put(job)
        finished = False
        try:
            # the handler runs outside the event loop: virtual time must not jump meanwhile
            with outside_work(), anyio.move_on_after(timeout):
                await event.wait()
                finished = True
        except BaseException:
            # The caller gave up (e.g. a Task state's own timeout): on AWS the function
            # runs on to completion, so the thread is left to finish, not interrupted.
            self.abandon(interrupt=False)
            raise
        if not finished:
            self.abandon(interrupt=True)
            return False, None
        ok, value = box[0]
        if not ok:
            raise value
        return True, value

    def abandon(self, interrupt: bool = True) -> None:
        """Stop using the thread; with ``interrupt``, stop the code still running on it."""
        if self.abandoned:
            return
        self.abandoned = True
        self._jobs.put(None)
        ident = self._thread.ident
        if interrupt and self.interruptible and ident is not None and self._thread.is_alive():
            import ctypes

            # Raises inside the handler at its next bytecode, so a pure-Python loop stops
            # burning CPU; a blocking C call (time.sleep) finishes first.
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(ident), ctypes.py_object(bootstrap.EnvironmentAbandoned)
            )

    def close(self) -> None:
        """Let the thread finish after its queued jobs."""
        if not self.abandoned:
            self._jobs.put(None)


def _notifier(event: anyio.Event) -> Callable[[], None]:
    """A thread-safe, non-blocking ``event.set`` for the running event loop."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        running = loop

        def notify() -> None:
            try:
                running.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop closed: nobody is waiting any more
                pass

        return notify
    import trio

    token = trio.lowlevel.current_trio_token()

    def notify_trio() -> None:
        try:
            token.run_sync_soon(event.set)
        except trio.RunFinishedError:
            pass

    return notify_trio
