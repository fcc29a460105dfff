"""The subprocess host: each execution environment is a worker process.

This gives the isolation Lambda gives: a function's environment variables, module state
and ``/tmp`` belong to its own process; a timeout kills the process; the configured
memory size caps the process's data segment (``RLIMIT_DATA``), and going over it ends
the invocation like Lambda's out-of-memory kill.  The worker runs ``bootstrap.py`` as a
script with the same Python interpreter, so it imports nothing from ``asl`` itself.
"""

from __future__ import annotations

import base64
import functools
import glob
import json
import os
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asl.errors import ConfigurationError
from asl.lambda_runtime import bootstrap
from asl.lambda_runtime.configuration import FunctionConfiguration, runtime_version
from asl.lambda_runtime.environment import (
    INIT_TIMEOUT,
    EnvironmentSettings,
    EnvironmentThread,
    ExecutionEnvironment,
    InitOutcome,
    InvocationOutcome,
)

# The worker's own interpreter and runtime code use some memory before the function's
# code does; Lambda's memory size includes its runtime too, so only this much is added.
RUNTIME_OVERHEAD_MB = 64


class SubprocessHost:
    """Runs each execution environment in a worker process.

    ``python`` is the interpreter to run (default: one matching the function's runtime,
    e.g. ``python3.12`` for ``runtime="python3.12"``, found on PATH, in pyenv or uv, else
    this one; a Python callable always runs on this one); ``memory_limit`` applies the
    function's memory size to the worker; ``private_tmp`` makes ``/tmp`` paths in the
    worker refer to the environment's own directory; ``init_timeout`` is how long the
    init phase (process start and handler import) may take (Lambda's is 10 seconds).
    """

    name = "subprocess"

    def __init__(
        self,
        *,
        python: str | None = None,
        memory_limit: bool = True,
        private_tmp: bool = True,
        init_timeout: float = INIT_TIMEOUT,
    ):
        self._python = python
        self.memory_limit = memory_limit
        self.private_tmp = private_tmp
        self.init_timeout = init_timeout

    @property
    def python(self) -> str:
        """The interpreter given, or this one."""
        return self._python or sys.executable

    def interpreter(self, config: FunctionConfiguration) -> tuple[str, tuple[int, ...], str]:
        """(executable, its version, how it was chosen) for a function's code."""
        if self._python is not None:
            return (
                self._python,
                _version_of(self._python),
                f"the subprocess host's python={self._python}",
            )
        here = tuple(sys.version_info[:3])
        wanted = runtime_version(config.runtime)
        if config.handler is not None or wanted is None or wanted == here[:2]:
            return sys.executable, here, "in a worker process"
        found = find_interpreter(*wanted)
        if found is None:
            return (
                sys.executable,
                here,
                f"in a worker process (no python{wanted[0]}.{wanted[1]} found)",
            )
        return found, _version_of(found), f"in a worker process ({found})"

    def check(self, config: FunctionConfiguration) -> None:
        """A Python callable must be importable by the worker (a module-level function)."""
        if config.handler is not None:
            callable_reference(config.handler)

    def create_environment(
        self, config: FunctionConfiguration, settings: EnvironmentSettings
    ) -> ExecutionEnvironment:
        """A new environment (the process starts in its init phase)."""
        return SubprocessEnvironment(config, settings, self)


@functools.cache
def find_interpreter(major: int, minor: int) -> str | None:
    """An installed ``python<major>.<minor>``: on PATH (not a pyenv shim), in pyenv's or
    uv's versions, or in the usual places; None if there is none."""
    name = f"python{major}.{minor}"
    candidates: list[str] = []
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if directory and "shims" not in Path(directory).parts:
            candidates.append(os.path.join(directory, name))
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    patches = glob.glob(os.path.join(pyenv, "versions", f"{major}.{minor}.*", "bin", name))
    candidates.extend(sorted(patches, key=_patch_order, reverse=True))
    uv = os.path.expanduser("~/.local/share/uv/python")
    candidates.extend(
        sorted(glob.glob(os.path.join(uv, f"cpython-{major}.{minor}.*", "bin", name)))
    )
    candidates.extend(f"{d}/{name}" for d in ("/usr/local/bin", "/usr/bin", "/opt/homebrew/bin"))
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _patch_order(path: str) -> tuple[int, ...]:
    version = Path(path).parts[-3]
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


@functools.cache
def _version_of(python: str) -> tuple[int, ...]:
    """The version of an interpreter (this one's if it cannot be asked)."""
    if python == sys.executable:
        return tuple(sys.version_info[:3])
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        return tuple(int(p) for p in out.split())
    except (OSError, ValueError, subprocess.SubprocessError):
        return tuple(sys.version_info[:3])


def callable_reference(handler: Callable[..., Any]) -> str:
    """``module:qualname`` of a module-level callable; ConfigurationError for others."""
    module = getattr(handler, "__module__", None)
    qualname = getattr(handler, "__qualname__", None)
    if (
        not module
        or not qualname
        or module == "__main__"
        or "<locals>" in qualname
        or "<lambda>" in qualname
    ):
        raise ConfigurationError(
            f"the subprocess host runs handlers in another process and can only use a "
            f"module-level function it can import, not {handler!r}; register a deployment "
            "package (code=..., handler_name='module.function') or use host='inprocess'"
        )
    return f"{module}:{qualname}"


class SubprocessEnvironment(ExecutionEnvironment):
    """An execution environment in its own worker process."""

    host_name = "subprocess"

    def __init__(
        self,
        config: FunctionConfiguration,
        settings: EnvironmentSettings,
        host: SubprocessHost,
    ):
        super().__init__(config, settings)
        self._host = host
        self.python, self.interpreter_version, self.interpreter_where = host.interpreter(config)
        self._process: subprocess.Popen[str] | None = None
        # The parent-side thread does the blocking pipe I/O; it is never interrupted:
        # killing the worker is what ends a hanging invocation.
        self._thread = EnvironmentThread(
            f"asl-lambda-worker-{config.function_name}-{self.id}", interruptible=False
        )
        self._streamed: list[tuple[float, str]] = []

    @property
    def pid(self) -> int | None:
        """The worker's process id (None before init or after it ended)."""
        return self._process.pid if self._process is not None else None

    def _worker_environment(self) -> dict[str, str]:
        config = self.config
        env = {k: v for k, v in os.environ.items() if not k.startswith("_ASL_")}
        env.update(self.variables())
        env["_ASL_CODE_PATH"] = os.pathsep.join(config.search_path)
        if config.handler is not None:
            env["_ASL_HANDLER_REFERENCE"] = callable_reference(config.handler)
            env["_ASL_HOST_PATH"] = os.pathsep.join(p or os.getcwd() for p in sys.path)
        if self._host.memory_limit:
            env["_ASL_MEMORY_LIMIT_MB"] = str(config.memory_size + RUNTIME_OVERHEAD_MB)
        if self._host.private_tmp:
            env["_ASL_PRIVATE_TMP"] = str(self.tmp_dir)
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("PYTHONSTARTUP", None)
        return env

    def _start(self) -> subprocess.Popen[str]:
        cwd = str(self.config.code) if self.config.code is not None else os.getcwd()
        process = subprocess.Popen(
            [self.python, "-u", bootstrap.__file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            cwd=cwd,
            env=self._worker_environment(),
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        # A forgotten environment must not leave its worker running.
        weakref.finalize(self, _kill, process)
        return process

    def _exchange(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """Send one request and read log events until the reply (None if the worker died)."""
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return None
        while True:
            try:
                line = process.stdout.readline()
            except (OSError, ValueError):
                return None
            if not line:
                return None
            reply: dict[str, Any] = json.loads(line)
            if "log" in reply:
                stamp, text = reply["log"]
                self._streamed.append((float(stamp), str(text)))
                continue
            return reply

    async def initialize(self) -> InitOutcome:
        """Start the worker and run the init phase in it."""

        def init() -> dict[str, Any] | None:
            self._process = self._start()
            return self._exchange({"op": "init"})

        self._streamed = []
        start = time.perf_counter()
        finished, reply = await self._thread.call(init, self._host.init_timeout)
        duration = (time.perf_counter() - start) * 1000
        if not finished:
            self.discard()
            return InitOutcome(None, self._take_logs(), duration, timed_out=True)
        if reply is None:
            error = self._exit_document("")
            self.discard()
            return InitOutcome(error, self._take_logs(), duration)
        # Init Duration on AWS includes starting the runtime, so count the process start.
        return InitOutcome(reply["error"], self._take_logs(), duration)

    async def invoke(
        self, request: bootstrap.InvocationRequest, timeout: float
    ) -> InvocationOutcome:
        """Run one invocation in the worker; kill it if it runs past ``timeout``."""
        self.invocations += 1
        message = {
            "op": "invoke",
            "request_id": request.request_id,
            "body": base64.b64encode(request.body).decode("ascii"),
            "deadline_ms": request.deadline_ms,
            "invoked_function_arn": request.invoked_function_arn,
            "client_context": request.client_context,
            "cognito_identity": request.cognito_identity,
        }
        self._streamed = []
        start = time.perf_counter()
        try:
            finished, reply = await self._thread.call(lambda: self._exchange(message), timeout)
        except BaseException:
            self.discard()
            raise
        duration = (time.perf_counter() - start) * 1000
        if not finished:
            memory = self._peak_memory_mb()
            self.discard()
            return InvocationOutcome(
                "timeout", logs=self._take_logs(), duration_ms=timeout * 1000, max_memory_mb=memory
            )
        if reply is None:  # the worker died: killed for memory, or it exited
            doc = self._exit_document(request.request_id)
            self.discard()
            return InvocationOutcome(
                "exit",
                json.dumps(doc, separators=(",", ":")).encode(),
                error_type=doc["errorType"],
                logs=self._take_logs(),
                duration_ms=duration,
            )
        response = bootstrap.InvocationResponse.from_wire(reply)
        if response.exit:
            self.discard()
        return InvocationOutcome(
            "exit" if response.exit else "success" if response.ok else "error",
            response.body,
            response.content_type,
            response.error_type,
            self._take_logs(),
            duration,
            int(reply.get("max_memory_mb", 0)),
        )

    def _peak_memory_mb(self) -> int:
        """The worker's peak resident memory, read from /proc where there is one."""
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) // 1024
        except (OSError, ValueError):
            pass
        return 0

    def _take_logs(self) -> list[tuple[float, str]]:
        logs, self._streamed = self._streamed, []
        return logs

    def _exit_document(self, request_id: str) -> dict[str, Any]:
        process = self._process
        code = None
        if process is not None:
            try:
                code = process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
        if code is not None and code < 0:
            reason = f"signal: {signal.Signals(-code).name.lower().removeprefix('sig')}"
            reason = "signal: killed" if reason == "signal: kill" else reason
        elif code:
            reason = f"exit status {code}"
        else:
            reason = "exit status 0"
        return {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
        }

    def discard(self) -> None:
        """Kill the worker process."""
        if not self.discarded:
            process = self._process
            if process is not None and process.poll() is None:
                process.kill()
            self._thread.abandon()
            if process is not None:
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:  # pragma: no cover
                    pass
                for stream in (process.stdin, process.stdout):
                    try:
                        if stream is not None:
                            stream.close()
                    except OSError:
                        pass
        super().discard()

    def close(self) -> None:
        """Shut the worker down (runtime closing)."""
        self.discard()


def _kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


SubprocessBackend = SubprocessHost  # deprecated name
