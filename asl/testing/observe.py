"""Watch the executions a program runs, without changing how they run.

    recorder = Recorder()
    with observing(recorder):
        asl.run(definition, functions=...)
    recorder.runs[0].execution, recorder.runs[0].machine

`install` wraps `asl.api.execute` (which `asl.run`, `asl.execute` and `asl.start` all go
through) and `LambdaRuntime.__init__`, once per process; the wrappers do nothing but call
the observers registered with `add_observer`.  The pytest plugin uses this to explain the
executions of a failing test and to measure coverage.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Observer(Protocol):
    def execution_started(self, source: Any, options: Mapping[str, Any]) -> None: ...

    def execution_finished(
        self, execution: Any, machine: Any, source: Any, options: Mapping[str, Any]
    ) -> None: ...

    def runtime_created(self, runtime: Any) -> None: ...


_observers: list[Observer] = []
_installed = False
# id(machine) -> (machine, file name), for machines parsed from a file while observed
_names: dict[int, tuple[Any, str]] = {}


def definition_name(machine: Any, source: Any = None) -> str | None:
    """The file a machine was read from, when known (a path given to `asl.parse`,
    `asl.run`... or their ``filename=``)."""
    if isinstance(source, os.PathLike):
        return os.fspath(source)
    known = _names.get(id(machine))
    return known[1] if known is not None and known[0] is machine else None


def add_observer(observer: Observer, *, install_hooks: bool = True) -> None:
    """Tell ``observer`` about every execution from now on.  ``install_hooks=False``
    leaves `install` to whoever first uses asl (the pytest plugin, which must not slow
    down sessions that never do)."""
    if install_hooks:
        install()
    _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    with contextlib.suppress(ValueError):
        _observers.remove(observer)


@contextlib.contextmanager
def observing(observer: Observer) -> Iterator[Observer]:
    """Register ``observer`` for the duration of a ``with`` block."""
    add_observer(observer)
    try:
        yield observer
    finally:
        remove_observer(observer)


def _notify(method: str, *args: Any) -> None:
    for observer in list(_observers):
        getattr(observer, method)(*args)


def install() -> None:
    """Wrap `asl.api.execute` and `LambdaRuntime.__init__` so observers see every run
    (idempotent)."""
    global _installed
    if _installed:
        return
    import asl.api as api
    from asl.lambda_runtime import runtime as runtime_module

    original_parse = api.parse

    @functools.wraps(original_parse)
    def parse(source: Any, *, filename: str | None = None) -> Any:
        machine = original_parse(source, filename=filename)
        if _observers:
            name = filename or (os.fspath(source) if isinstance(source, os.PathLike) else None)
            if name:
                _names[id(machine)] = (machine, name)
        return machine

    api.parse = parse
    original = api.execute

    @functools.wraps(original)
    async def execute(source: Any, input: Any = None, **options: Any) -> Any:
        if not _observers:
            return await original(source, input, **options)
        machine = api.parse(source)  # raises exactly as execute would
        _notify("execution_started", source, options)
        execution = await original(machine, input, **options)
        _notify("execution_finished", execution, machine, source, options)
        return execution

    api.execute = execute  # type: ignore[assignment]
    asl_module = sys.modules["asl"]
    for name, wrapper in (("execute", execute), ("parse", parse)):
        if name in vars(asl_module):  # already loaded through asl.__getattr__
            setattr(asl_module, name, wrapper)

    cls = runtime_module.LambdaRuntime
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if _observers:
            _notify("runtime_created", self)

    cls.__init__ = __init__  # type: ignore[method-assign]
    _installed = True


@dataclass
class Run:
    """One finished execution and what ran it."""

    execution: Any
    machine: Any
    source: Any
    lambda_runtime: Any = None


@dataclass(eq=False)  # observers are told apart by identity
class Recorder:
    """An observer that keeps every finished execution and every Lambda runtime in use,
    with the number of log events each runtime had when first seen."""

    runs: list[Run] = field(default_factory=list)
    runtimes: dict[int, tuple[Any, int]] = field(default_factory=dict)
    # a text stream: when set, what handlers printed is written to it after each execution
    echo: Any = None
    _echoed: dict[int, int] = field(default_factory=dict)

    def execution_started(self, source: Any, options: Mapping[str, Any]) -> None:
        runtime = options.get("lambda_runtime")
        if runtime is not None:
            self._see(runtime)

    def execution_finished(
        self, execution: Any, machine: Any, source: Any, options: Mapping[str, Any]
    ) -> None:
        self.runs.append(Run(execution, machine, source, options.get("lambda_runtime")))
        if self.echo is not None:
            self._echo()

    def runtime_created(self, runtime: Any) -> None:
        self._see(runtime, fresh=True)

    def _see(self, runtime: Any, fresh: bool = False) -> None:
        if id(runtime) not in self.runtimes:
            start = 0 if fresh else _log_count(runtime)
            self.runtimes[id(runtime)] = (runtime, start)

    def _echo(self) -> None:
        from asl.execution.explain import format_logs

        for key, (runtime, start) in self.runtimes.items():
            with contextlib.suppress(Exception):
                events = runtime.logs()
                done = self._echoed.get(key, start)
                self._echoed[key] = len(events)
                text = format_logs(events[done:])
                if text:
                    self.echo.write(text + "\n")

    def lambda_logs(self) -> list[Any]:
        """Log events (`asl.lambda_runtime.LogEvent`) written since each runtime was
        first seen, runtime by runtime."""
        out: list[Any] = []
        for runtime, start in self.runtimes.values():
            with contextlib.suppress(Exception):
                out.extend(runtime.logs()[start:])
        return out


def _log_count(runtime: Any) -> int:
    try:
        return len(runtime.logs())
    except Exception:  # not a LambdaRuntime with logs
        return 0
