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
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import anyio

from asl.clock import hold_work, outside_work
from asl.lambda_runtime import bootstrap
from asl.lambda_runtime.configuration import FunctionConfiguration

INIT_TIMEOUT = 10.0  # seconds Lambda allows an on-demand init phase
QUICK_CALL = 0.0005  # seconds a quick environment's call is waited for on the spot
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
        self._tmp_dir: Path | None = None
        self._remove_tmp: Any = None
        # The Python that runs the code, and how (for messages when it fails).
        self.interpreter_version: tuple[int, ...] = tuple(sys.version_info[:3])
        self.interpreter_where = "in-process"

    @property
    def tmp_dir(self) -> Path:
        """The environment's private temporary directory, made on first use.

        Removed on discard, or when the environment is garbage-collected or Python exits.
        """
        if self._tmp_dir is None:
            prefix = f"asl-lambda-{self.config.function_name}-"
            self._tmp_dir = Path(tempfile.mkdtemp(prefix=prefix))
            self._remove_tmp = weakref.finalize(self, shutil.rmtree, str(self._tmp_dir), True)
        return self._tmp_dir

    @property
    def version(self) -> str:
        """The function version this environment runs."""
        return self.settings.version

    @property
    def log_stream_name(self) -> str:
        """This environment's log stream."""
        return self.settings.log_stream_name

    def variables(self, *, tmp_dir: bool = True) -> dict[str, str]:
        """The environment variables the function sees: Lambda's, then its own.

        With ``tmp_dir=False`` TMPDIR is left out (for a caller that sets it lazily).
        """
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
        }
        if tmp_dir:
            values["TMPDIR"] = str(self.tmp_dir)
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
            if self._remove_tmp is not None:
                self._remove_tmp()


class Host(Protocol):
    """Where function code runs: creates execution environments; ``check`` rejects
    configurations it cannot run."""

    name: str

    def check(self, config: FunctionConfiguration) -> None: ...

    def create_environment(
        self, config: FunctionConfiguration, settings: EnvironmentSettings
    ) -> ExecutionEnvironment: ...


class _Worker:
    """A daemon thread that runs jobs in order; leased to one environment at a time."""

    def __init__(self, name: str):
        self.jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self.reset = False  # set when handed back: drop the last environment's state first
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        _worker_state.worker = True
        try:
            try:
                while True:
                    job = self.jobs.get()
                    if job is None:
                        return
                    if self.reset:
                        self.reset = False
                        _close_thread_loop()
                    job()
            finally:
                _close_thread_loop()
        except bootstrap.EnvironmentAbandoned:
            pass  # interrupted after a timeout: the thread ends

    def stop(self) -> None:
        """End the thread after the jobs already queued."""
        self.jobs.put(None)


class WorkerPool:
    """Idle worker threads kept for the next environments (of any runtime).

    Starting a thread per environment costs more than a whole warm invocation, so a
    closed environment hands its thread back and the next environment reuses it.  At
    most ``max_idle`` idle threads are kept; the rest end.  Threads are daemons: one
    whose handler never returns cannot keep the process from exiting.
    """

    def __init__(self, max_idle: int = 16):
        self.max_idle = max_idle
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def lease(self, name: str) -> _Worker:
        """An idle worker, or a new one."""
        with self._lock:
            if self._idle:
                worker = self._idle.pop()
                worker.thread.name = name
                return worker
        return _Worker(name)

    def give_back(self, worker: _Worker) -> None:
        """Keep a worker whose last job has finished for reuse (or end it)."""
        worker.reset = True  # (no job: waking the thread now would cost the caller)
        with self._lock:
            if len(self._idle) < self.max_idle:
                worker.thread.name = "asl-lambda-idle"
                self._idle.append(worker)
                return
        worker.stop()

    @property
    def idle(self) -> int:
        """Idle workers kept."""
        with self._lock:
            return len(self._idle)

    def shutdown(self) -> None:
        """End every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


WORKERS = WorkerPool()
_worker_state = threading.local()


def _close_thread_loop() -> None:
    import asyncio

    loop = getattr(_worker_state, "loop", None)
    if loop is not None:
        _worker_state.loop = None
        asyncio.set_event_loop(None)
        if not loop.is_running() and not loop.is_closed():
            loop.close()


# Seconds of real time a thread started by a handler may hold virtual time back.
BACKGROUND_GRACE = 5.0


def install_thread_tracking() -> None:
    """Count threads that handlers start as work on its way (idempotent).

    A handler may return while a thread it started still works, e.g. to send a task
    token a moment later.  Under the virtual clock, waits must not jump ahead meanwhile
    (the token is on its way), so each such thread holds virtual time back while it
    runs, for at most `BACKGROUND_GRACE` seconds of real time (a thread that lives on
    must not stop virtual time for good).  Threads of thread pools and event loops
    (concurrent.futures, asyncio, anyio) are not counted: they outlive their work.
    """
    original = threading.Thread.start
    if getattr(original, "_asl_tracking", False):
        return

    def start(self: threading.Thread) -> None:
        if bootstrap.current_log.get() is None or _is_pool_thread(self):
            original(self)
            return
        release = hold_work(BACKGROUND_GRACE)
        run = self.run

        def tracked_run() -> None:
            try:
                run()
            finally:
                release()

        self.run = tracked_run  # type: ignore[method-assign]
        try:
            original(self)
        except BaseException:
            release()
            raise

    start._asl_tracking = True  # type: ignore[attr-defined]
    start.__doc__ = original.__doc__
    threading.Thread.start = start  # type: ignore[method-assign]


# Threads of these modules serve pools and event loops and live on: not work on its way.
_POOL_MODULES = ("concurrent.futures", "asyncio", "anyio", "asl.")


def _is_pool_thread(thread: threading.Thread) -> bool:
    target = getattr(thread, "_target", None)
    module = getattr(target, "__module__", None) or ""
    return module.startswith(_POOL_MODULES)


def install_event_loop_hook() -> None:
    """Make ``asyncio.get_event_loop()`` work on worker threads (idempotent)."""
    import asyncio
    import asyncio.events

    original = asyncio.events.get_event_loop
    if getattr(original, "_asl_worker_hook", False):
        return

    def get_event_loop() -> asyncio.AbstractEventLoop:
        try:
            return original()
        except RuntimeError:
            loop = worker_event_loop()
            if loop is None:
                raise
            return loop  # type: ignore[no-any-return]

    get_event_loop._asl_worker_hook = True  # type: ignore[attr-defined]
    get_event_loop.__doc__ = original.__doc__
    asyncio.events.get_event_loop = get_event_loop
    asyncio.get_event_loop = get_event_loop


def worker_event_loop() -> Any:
    """The event loop ``asyncio.get_event_loop()`` gives code on a worker thread.

    Lambda runs handlers on the main thread of its runtime, where
    ``asyncio.get_event_loop()`` works; a worker thread has no loop, so one is made on
    first use (and closed when the environment gives the thread back).  Returns None on
    other threads.
    """
    import asyncio

    if not getattr(_worker_state, "worker", False):
        return None
    loop = getattr(_worker_state, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        _worker_state.loop = loop
    return loop


class _Lease:
    """An environment's hold on a worker (kept apart so a finalizer can release it)."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None
        self.busy = False
        self.done = False
        self.lock = threading.Lock()

    def release(self) -> bool:
        """Give the worker back (or, while a job still runs on it, end it after the job).

        Returns whether a job was still running.
        """
        with self.lock:
            if self.done:
                return False
            self.done = True
            worker, self.worker = self.worker, None
            running = self.busy
        if worker is not None:
            if running:
                worker.stop()
            else:
                WORKERS.give_back(worker)
        return running


class EnvironmentThread:
    """The thread an environment's code runs on: init and every invocation, in order.

    Code runs on one thread per environment, as in Lambda, so thread-bound objects made
    at init (an sqlite3 connection, say) keep working in the handler.  The thread is
    leased from :data:`WORKERS` on first use and handed back when the environment is
    closed or garbage-collected.  It is a daemon: a handler that hangs past its timeout
    is abandoned and cannot block exit.
    """

    def __init__(self, name: str, *, interruptible: bool = True):
        self.name = name
        self.abandoned = False
        self.interruptible = interruptible
        self._lease = _Lease()
        # Whether the last call ended within QUICK_CALL: only then is the next one waited
        # for on the spot (see `call`), so slow code never holds up the event loop.
        self._quick = True
        weakref.finalize(self, self._lease.release)

    @property
    def thread(self) -> threading.Thread | None:
        """The leased thread (None before the first call or after release)."""
        worker = self._lease.worker
        return worker.thread if worker is not None else None

    async def call(self, fn: Callable[[], T], timeout: float | None) -> tuple[bool, T | None]:
        """Run ``fn`` on the thread; ``(False, None)`` if it did not finish in ``timeout``.

        A call that times out or whose caller is cancelled abandons the thread.
        """
        lease = self._lease
        if lease.done:
            raise RuntimeError("the environment's thread was released")
        if lease.worker is None:
            lease.worker = WORKERS.lease(self.name)
        event = anyio.Event()
        box: list[tuple[bool, Any]] = []
        notify = _notifier(event)
        ended = threading.Lock()  # released by the job as it ends
        ended.acquire()
        parked = [False]  # whether the caller waits on `event` (under lease.lock)

        def job() -> None:
            try:
                box.append((True, fn()))
            except bootstrap.EnvironmentAbandoned:
                raise
            except BaseException as e:
                box.append((False, e))
            finally:
                bootstrap.debugging_threads.discard(threading.get_ident())
                with lease.lock:
                    lease.busy = False
                    wake = parked[0]
                ended.release()
            if wake:
                notify()

        lease.busy = True
        start = time.perf_counter()
        lease.worker.jobs.put(job)
        # Most handlers in tests return within a fraction of a millisecond: when this
        # environment's last call did, the caller waits for the job right here (the thread
        # blocks, the event loop with it, for at most QUICK_CALL) and takes the result
        # without a round trip through the event loop's selector, which would cost more
        # than the handler.  Otherwise, or when the job runs longer, it parks on `event`.
        if self._quick and ended.acquire(timeout=QUICK_CALL):
            return self._result(box, start)
        with lease.lock:
            if box or not lease.busy:  # ended (or abandoned) meanwhile: it will not notify
                done_now = True
            else:
                done_now = False
                parked[0] = True
        if done_now and box:
            return self._result(box, start)
        finished = False
        try:
            # the handler runs outside the event loop: virtual time must not jump meanwhile
            with outside_work():
                with anyio.move_on_after(timeout):
                    await event.wait()
                    finished = True
                worker = lease.worker
                if not finished and worker is not None:
                    ident = worker.thread.ident
                    if ident in bootstrap.debugging_threads:
                        # someone is in the debugger: the timeout stops counting
                        await event.wait()
                        finished = True
        except BaseException:
            # The caller gave up (e.g. a Task state's own timeout): on AWS the function
            # runs on to completion, so the thread is left to finish, not interrupted.
            self.abandon(interrupt=False)
            raise
        if not finished:
            self._quick = False
            self.abandon(interrupt=True)
            return False, None
        return self._result(box, start)

    def _result(self, box: list[tuple[bool, Any]], start: float) -> tuple[bool, Any]:
        """The finished job's ``(True, value)``, or its exception raised."""
        self._quick = time.perf_counter() - start < QUICK_CALL
        ok, value = box[0]
        if not ok:
            raise value
        return True, value

    def abandon(self, interrupt: bool = True) -> None:
        """Stop using the thread; with ``interrupt``, stop the code still running on it."""
        if self.abandoned:
            return
        self.abandoned = True
        thread = self.thread
        running = self._lease.release()
        if not running or thread is None:
            return
        ident = thread.ident
        if interrupt and self.interruptible and ident is not None and thread.is_alive():
            import ctypes

            # Raises inside the handler at its next bytecode, so a pure-Python loop stops
            # burning CPU; a blocking C call (time.sleep) finishes first.
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(ident), ctypes.py_object(bootstrap.EnvironmentAbandoned)
            )

    def close(self) -> None:
        """Give the thread back for reuse (after the job running on it, if any)."""
        if not self.abandoned:
            self.abandoned = True
            self._lease.release()


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
