"""What the pytest fixtures hand out: a controllable virtual clock and a mock-file loader."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from asl.clock import VirtualClock
from asl.errors import ConfigurationError

# Where `asl_clock` starts: a fixed instant, so timestamps in a test read the same each run.
CLOCK_START = datetime(2024, 1, 1, tzinfo=timezone.utc)


class ControlledClock(VirtualClock):
    """A virtual clock a test can move forward: ``clock.advance(seconds=30)``.

    Pass it as ``asl.run(..., clock=clock)``.  ``advance`` moves the calling task's
    timeline, which executions started afterwards from the same task (or thread) inherit.
    """

    def advance(
        self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> datetime:
        """Move time forward; returns the new ``now()``."""
        step = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        if step < timedelta(0):
            raise ConfigurationError(f"a clock only moves forward, not by {step}")
        self.advance_to(self.now() + step)
        return self.now()


class MockFiles:
    """Loads AWS Step Functions Local mock files for `asl.run`.

    ``mocks("MockConfigFile.json", "HappyPath")`` checks the file, the state machine and
    the test case, and returns the keyword arguments ``asl.run`` takes for them:
    ``{"mock_config": ..., "test_case": ..., "state_machine_name": ...}``.  A relative path
    is looked up beside the test file first, then in the working directory.
    """

    def __init__(self, base: str | os.PathLike[str] | None = None):
        self.base = Path(base) if base is not None else None

    def path(self, file: str | os.PathLike[str]) -> Path:
        candidate = Path(file)
        if not candidate.is_absolute() and self.base is not None:
            beside = self.base / candidate
            if beside.exists():
                return beside
        if candidate.exists():
            return candidate
        raise ConfigurationError(f"mock file {os.fspath(file)!r} not found")

    def __call__(
        self,
        file: str | os.PathLike[str],
        test_case: str,
        *,
        state_machine: str | None = None,
    ) -> dict[str, Any]:
        from asl.backends.mocks import MockBackend

        path = self.path(file)
        # load now, so that a wrong file, machine or test case fails here, named
        MockBackend.load(str(path), state_machine or "StateMachine", test_case)
        options: dict[str, Any] = {"mock_config": str(path), "test_case": test_case}
        if state_machine is not None:
            options["state_machine_name"] = state_machine
        return options
