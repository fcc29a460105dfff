"""The pytest plugin of `asl` (registered through the ``pytest11`` entry point).

- A failing test gets a report section per execution it ran: the path taken, the failing
  state, the error, the cause and a handler's traceback (`asl.testing.explain`), and a
  section with what Lambda handlers printed or logged.
- ``assert ex.status == "SUCCEEDED"`` failing explains the execution instead of
  ``'FAILED' == 'SUCCEEDED'``.
- Fixtures: ``asl_lambda_runtime``, ``asl_clock``, ``asl_mocks``.
- ``--asl-cov`` measures state-machine coverage across the session.

Nothing here changes how executions run: the plugin only watches them.
"""

from __future__ import annotations

import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from asl.lambda_runtime import LambdaRuntime
    from asl.testing.coverage import Coverage
    from asl.testing.fixtures import ControlledClock, MockFiles
    from asl.testing.observe import Recorder

_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "RUNNING"})
_REPORT_KINDS = ("term", "term-missing", "json", "html")
# the names of `asl` that run executions (loaded lazily by asl.__getattr__)
_ENTRY_POINTS = frozenset({"run", "execute", "start", "parse", "LambdaRuntime"})

recorder_key = pytest.StashKey["Recorder"]()
_current: list[Recorder] = []  # the running test's recorder (for assertion messages)


# ---------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asl", "asl state machines")
    group.addoption(
        "--asl-no-strict",
        action="store_true",
        default=False,
        help="run executions without strict wiring checks (as asl.run does outside tests)",
    )
    parser.addini(
        "asl_handler_timeout",
        default="60",
        help="Lambda timeout (seconds) of handlers given with functions= in tests",
    )
    parser.addini(
        "asl_strict",
        type="bool",
        default=True,
        help="executions in tests refuse wiring mistakes (asl.ConfigurationError)",
    )
    group.addoption(
        "--asl-cov",
        action="store_true",
        default=False,
        help="measure state machine coverage: states entered and transitions taken",
    )
    group.addoption(
        "--asl-cov-report",
        action="append",
        default=[],
        metavar="TYPE",
        help="coverage report: term (default), term-missing, json:PATH, html:DIR (may be repeated)",
    )
    group.addoption(
        "--asl-cov-fail-under",
        type=float,
        default=None,
        metavar="MIN",
        help="fail if total state machine coverage is below MIN percent",
    )


def _report_specs(config: pytest.Config) -> list[tuple[str, str | None]]:
    specs: list[tuple[str, str | None]] = []
    for raw in config.getoption("asl_cov_report") or ["term"]:
        kind, _, target = raw.partition(":")
        if kind not in _REPORT_KINDS:
            raise pytest.UsageError(
                f"--asl-cov-report={raw}: the report type must be one of "
                "term, term-missing, json:PATH, html:DIR"
            )
        if kind.startswith("term") and target:
            raise pytest.UsageError(f"--asl-cov-report={raw}: {kind} takes no path")
        default = {"json": "asl-coverage.json", "html": "asl-htmlcov"}.get(kind)
        specs.append((kind, target or default))
    return specs


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("asl_cov_report") or config.getoption("asl_cov_fail_under") is not None:
        if not config.getoption("asl_cov"):
            raise pytest.UsageError("--asl-cov-report and --asl-cov-fail-under need --asl-cov")
    if config.getoption("asl_cov"):
        _report_specs(config)  # a bad report type is a usage error, before any test runs
        config.pluginmanager.register(CoveragePlugin(config), "asl-coverage")
    _install_when_used()


def _install_when_used() -> None:
    """Start watching executions as soon as the tests use asl's entry points.

    Importing the executor costs tens of milliseconds; a session that never touches
    asl should not pay them, so the wrappers are installed on first use of a lazily
    loaded name (``asl.run``, ``from asl import execute``...) or when a test starts and
    ``asl.api`` has been imported some other way.
    """
    import asl

    lazy = getattr(asl, "__getattr__", None)
    if lazy is None or getattr(lazy, "_asl_plugin", False):
        return

    def __getattr__(name: str) -> Any:
        if name in _ENTRY_POINTS:
            _install()
        return lazy(name)

    __getattr__._asl_plugin = True  # type: ignore[attr-defined]
    asl.__getattr__ = __getattr__  # type: ignore[method-assign]


def _install() -> None:
    from asl.testing import observe

    observe.install()


# ---------------------------------------------------------------------- recording


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    asl = sys.modules.get("asl")
    if "asl.api" in sys.modules or (asl and any(n in vars(asl) for n in _ENTRY_POINTS)):
        _install()  # asl was loaded without going through the wrapped asl.__getattr__
    from asl.testing.observe import Recorder, add_observer, remove_observer

    recorder = Recorder()
    if item.config.getoption("capture", None) == "no":  # -s: show handler output as it comes
        recorder.echo = sys.stdout
    item.stash[recorder_key] = recorder
    add_observer(recorder, install_hooks=False)
    _current.append(recorder)
    from asl.settings import HANDLER_TIMEOUT, STRICT_DEFAULT

    strict = item.config.getini("asl_strict") and not item.config.getoption("asl_no_strict")
    token = STRICT_DEFAULT.set(bool(strict))
    timeout = HANDLER_TIMEOUT.set(int(item.config.getini("asl_handler_timeout")))
    try:
        yield
    finally:
        HANDLER_TIMEOUT.reset(timeout)
        STRICT_DEFAULT.reset(token)
        _current.remove(recorder)
        remove_observer(recorder)
        del item.stash[recorder_key]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    recorder = item.stash.get(recorder_key, None)
    if recorder is None or not report.failed or getattr(recorder, "_reported", False):
        return
    recorder._reported = True  # type: ignore[attr-defined]
    for title, text in report_sections(recorder):
        report.sections.append((f"{title} {report.when}", text))


def report_sections(recorder: Recorder) -> list[tuple[str, str]]:
    """The report sections for a failed test: one per execution, then handler output."""
    from asl.execution.explain import explain

    sections = []
    runs = recorder.runs
    shown = _worth_showing(runs)
    for n, run in enumerate(runs, 1):
        if n not in shown:
            continue
        ex = run.execution
        number = f" {n} of {len(runs)}" if len(runs) > 1 else ""
        sections.append((f"asl execution{number} ({ex.status})", explain(ex)))
    if len(shown) < len(runs):
        statuses: dict[str, int] = {}
        for run in runs:
            statuses[run.execution.status] = statuses.get(run.execution.status, 0) + 1
        counts = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
        sections.append(
            (
                "asl executions",
                f"{len(runs)} executions ({counts}); shown: numbers "
                + ", ".join(map(str, sorted(shown))),
            )
        )
    from asl.execution.explain import format_logs

    text = format_logs(recorder.lambda_logs())
    if text:
        sections.append(("Captured Lambda output", text))
    return sections


MAX_SECTIONS = 5


def _worth_showing(runs: list[Any]) -> set[int]:
    """1-based numbers of the executions to explain: all when few, else the last ones
    that did not succeed and the very last."""
    if len(runs) <= MAX_SECTIONS:
        return set(range(1, len(runs) + 1))
    failed = [n for n, run in enumerate(runs, 1) if run.execution.status != "SUCCEEDED"]
    return set(failed[-(MAX_SECTIONS - 1) :]) | {len(runs)}


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: Any, right: Any
) -> list[str] | None:
    """Explain the execution behind a failed ``assert ex.status == "SUCCEEDED"`` (or an
    assertion on an execution itself, or on the ``None`` output of a failed one), in a
    few lines: pytest cuts long assertion messages, and the report section has the rest."""
    execution = _execution_for(op, left, right)
    if execution is None:
        return None
    from asl.execution.explain import summary

    return [f"{_short(left)} {op} {_short(right)}", *summary(execution)]


def _execution_for(op: str, left: Any, right: Any) -> Any:
    for side in (left, right):
        if _is_execution(side):
            return side
    if not _current or op not in ("==", "!="):
        return None
    runs = [run.execution for run in _current[-1].runs]
    if not runs:
        return None
    if isinstance(left, str) and isinstance(right, str) and {left, right} <= _STATUSES:
        for execution in reversed(runs):
            if execution.status in (left, right) and execution.status != "SUCCEEDED":
                return execution
        for execution in reversed(runs):
            if execution.status in (left, right):
                return execution
        return None
    if left is None or right is None:
        last = runs[-1]
        if last.status != "SUCCEEDED" and last.output is None:
            return last
    return None


def _is_execution(value: Any) -> bool:
    return type(value).__name__ == "Execution" and hasattr(value, "history")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------------- fixtures


@pytest.fixture
def asl_lambda_runtime() -> Generator[LambdaRuntime, None, None]:
    """A fresh `asl.LambdaRuntime` (virtual clock, in-process backend), closed after the
    test.  Register functions on it and pass it as ``asl.run(..., lambda_runtime=...)``."""
    from asl.lambda_runtime import LambdaRuntime

    runtime = LambdaRuntime()
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def asl_clock() -> ControlledClock:
    """A virtual clock starting at 2024-01-01T00:00:00Z, with ``advance(seconds=...)``;
    pass it as ``asl.run(..., clock=asl_clock)``."""
    from asl.testing.fixtures import CLOCK_START, ControlledClock

    return ControlledClock(CLOCK_START)


@pytest.fixture
def asl_mocks(request: pytest.FixtureRequest) -> MockFiles:
    """``asl_mocks("MockConfigFile.json", "HappyPath")`` -> the keyword arguments of
    ``asl.run`` for that AWS Step Functions Local mock file and test case."""
    from asl.testing.fixtures import MockFiles

    return MockFiles(Path(str(request.path)).parent)


# ---------------------------------------------------------------------- coverage


class CoveragePlugin:
    """Collects coverage across the session and reports it at the end (``--asl-cov``)."""

    def __init__(self, config: pytest.Config):
        from asl.testing.coverage import Coverage

        self.config = config
        self.coverage: Coverage = Coverage()
        self.specs = _report_specs(config)
        self.fail_under: float | None = config.getoption("asl_cov_fail_under")
        self.failed_under = False

    # observer protocol (asl.testing.observe)
    def execution_started(self, source: Any, options: Any) -> None:
        pass

    def execution_finished(self, execution: Any, machine: Any, source: Any, options: Any) -> None:
        from asl.testing.observe import definition_name

        self.coverage.record(machine, execution, definition_name(machine, source))

    def runtime_created(self, runtime: Any) -> None:
        pass

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from asl.testing.observe import add_observer

        add_observer(self)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        from asl.testing.observe import remove_observer

        remove_observer(self)
        if self.fail_under is not None and self.coverage.percent < self.fail_under:
            self.failed_under = True
            if session.exitstatus == 0:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tr = terminalreporter
        tr.write_sep("-", "asl state machine coverage")
        for kind, target in self.specs:
            if kind.startswith("term"):
                tr.write_line(self.coverage.report(show_missing=kind == "term-missing"))
            elif kind == "json" and target:
                self.coverage.write_json(target)
                tr.write_line(f"asl coverage JSON written to {target}")
            elif kind == "html" and target:
                index = self.coverage.write_html(target)
                tr.write_line(f"asl coverage HTML written to {index}")
        if self.fail_under is not None:
            total = self.coverage.percent
            if self.failed_under:
                tr.write_line(
                    f"FAIL Required asl coverage of {self.fail_under:g}% not reached. "
                    f"Total coverage: {total:.2f}%",
                    red=True,
                )
            else:
                tr.write_line(
                    f"Required asl coverage of {self.fail_under:g}% reached. "
                    f"Total coverage: {total:.2f}%"
                )
