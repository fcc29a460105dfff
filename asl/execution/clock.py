"""Clocks: everything in `asl` that waits or reads the time goes through one.

The virtual clock (the default) makes waiting free: ``sleep`` returns at once while the
time seen by the sleeping task moves forward, so Wait states, Retry back-off and
asynchronous Lambda retries take no real time while timestamps advance exactly as if
they had.  Each task keeps its own timeline (a context variable, which anyio copies into
child tasks), so concurrent Parallel branches each see their own waits; a parent that
joins its children moves to the latest of their timelines (`advance_to`).
"""

from __future__ import annotations

import contextvars
import time
from datetime import datetime, timedelta, timezone

import anyio
import anyio.lowlevel


class Clock:
    """Base class: ``now()`` gives an aware UTC datetime, ``sleep(seconds)`` waits."""

    virtual = False

    def now(self) -> datetime:
        raise NotImplementedError

    async def sleep(self, seconds: float) -> None:
        raise NotImplementedError

    def advance_to(self, moment: datetime) -> None:
        """Move the current task's timeline forward to ``moment`` (no-op for a real clock)."""

    def monotonic(self) -> float:
        """Seconds on this clock's timeline, for measuring durations."""
        return self.now().timestamp()


class RealClock(Clock):
    """Wall-clock time; ``sleep`` really sleeps."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await anyio.sleep(seconds)
        else:
            await anyio.lowlevel.checkpoint()

    def monotonic(self) -> float:
        return time.monotonic()


class VirtualClock(Clock):
    """Time that moves only when something sleeps, and then instantly.

    ``start`` fixes the starting instant (default: the real time when the clock is made).
    Real time spent running handlers is added too, so durations stay plausible.
    """

    virtual = True

    def __init__(self, start: datetime | None = None):
        self._origin = start or datetime.now(timezone.utc)
        if self._origin.tzinfo is None:
            self._origin = self._origin.replace(tzinfo=timezone.utc)
        self._real_origin = time.monotonic()
        # Offset (seconds of virtual waiting) of the current task's timeline.
        self._offset: contextvars.ContextVar[float] = contextvars.ContextVar(
            f"asl_virtual_offset_{id(self)}", default=0.0
        )

    def _seconds(self) -> float:
        return (time.monotonic() - self._real_origin) + self._offset.get()

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=self._seconds())

    def monotonic(self) -> float:
        return self._seconds()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._offset.set(self._offset.get() + seconds)
        await anyio.lowlevel.checkpoint()

    def advance_to(self, moment: datetime) -> None:
        ahead = (moment - self.now()).total_seconds()
        if ahead > 0:
            self._offset.set(self._offset.get() + ahead)


def make_clock(clock: str | Clock | None) -> Clock:
    """A clock from the ``clock=`` argument: ``"virtual"`` (default), ``"real"`` or a Clock."""
    if clock is None or clock == "virtual":
        return VirtualClock()
    if clock == "real":
        return RealClock()
    if isinstance(clock, Clock):
        return clock
    from asl.errors import ConfigurationError

    raise ConfigurationError(f"clock must be 'virtual', 'real' or an asl Clock, not {clock!r}")
