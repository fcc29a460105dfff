"""Clocks: everything in `asl` that waits or reads the time goes through one.

The virtual clock (the default) makes waiting free: ``sleep`` returns at once while the
time seen by the sleeping task moves forward, so Wait states, Retry back-off and
asynchronous Lambda retries take no real time while timestamps advance exactly as if
they had.  Each task keeps its own timeline (a context variable, which anyio copies into
child tasks), so concurrent Parallel branches each see their own waits; a parent that
joins its children moves to the latest of their timelines (`advance_to`).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread


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

    def timestamp(self) -> float:
        """``now()`` as POSIX seconds (cheaper: history records these)."""
        return self.now().timestamp()

    async def wait_event(self, event: anyio.Event, timeout: float | None) -> bool:
        """Wait until ``event`` is set, at most ``timeout`` seconds of this clock's time
        (None: no limit).  Returns whether the event was set."""
        if timeout is None:
            await event.wait()
            return True
        with anyio.move_on_after(max(timeout, 0.0)):
            await event.wait()
        return event.is_set()


class RealClock(Clock):
    """Wall-clock time; ``sleep`` really sleeps."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def timestamp(self) -> float:
        return time.time()

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
        self._origin_ts = self._origin.timestamp()
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

    def timestamp(self) -> float:
        return self._origin_ts + (time.monotonic() - self._real_origin) + self._offset.get()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._offset.set(self._offset.get() + seconds)
        await anyio.lowlevel.checkpoint()

    def advance_to(self, moment: datetime) -> None:
        ahead = (moment - self.now()).total_seconds()
        if ahead > 0:
            self._offset.set(self._offset.get() + ahead)

    async def wait_event(self, event: anyio.Event, timeout: float | None) -> bool:
        """Wait for ``event``; the timeout is virtual.

        Time jumps to this waiter's deadline only when nothing else can run: every other
        task of the event loop is blocked, no worker thread is busy (`outside_work`), and
        no other virtual waiter has an earlier deadline.  Returns whether the event was set;
        on a timeout the current task's timeline has moved to the deadline.
        """
        if timeout is None:
            await event.wait()
            return True
        waiter = _VirtualWaiter(self._seconds() + max(timeout, 0.0))
        waiters = _loop_waiters()
        waiters.append(waiter)
        try:
            return await self._wait(event, waiter, waiters)
        finally:
            waiters.remove(waiter)

    async def _wait(
        self, event: anyio.Event, waiter: _VirtualWaiter, waiters: list[_VirtualWaiter]
    ) -> bool:
        assert waiter.deadline is not None
        idle_checks = 0
        busy_checks = 0
        delay = 0.0
        while not event.is_set():
            if self._seconds() >= waiter.deadline:
                return False  # the deadline passed in real time too
            if delay:
                with anyio.move_on_after(delay):
                    await event.wait()
            else:
                # one pass of the event loop (ready I/O and thread wake-ups included)
                await anyio.lowlevel.checkpoint()
            if event.is_set():
                break
            if _all_blocked():
                idle_checks += 1
                # two consecutive idle observations guard against a wake-up in flight
                if idle_checks >= 2:
                    if waiter is min(waiters, key=_VirtualWaiter.key):
                        self._offset.set(self._offset.get() + waiter.deadline - self._seconds())
                        return False
                    busy_checks += 1  # an earlier deadline goes first
            else:
                idle_checks = 0
                busy_checks += 1
            if busy_checks > 2:
                # others are working: poll gently, backing off to 10 ms
                delay = min(delay * 2 or 0.0002, 0.01)
        return True


class _VirtualWaiter:
    """A task waiting on a virtual clock, with its deadline (virtual seconds) if any."""

    _counter = 0

    def __init__(self, deadline: float | None):
        _VirtualWaiter._counter += 1
        self.order = _VirtualWaiter._counter
        self.deadline = deadline

    def key(self) -> tuple[float, int]:
        return (self.deadline if self.deadline is not None else float("inf"), self.order)


_outside = 0
_outside_lock = threading.Lock()


@contextlib.contextmanager
def outside_work() -> Iterator[None]:
    """Mark work running outside the event loop (e.g. a handler in a worker thread).

    While any is running, virtual waits do not jump ahead: the work may still complete
    what they are waiting for.  Threads started with anyio's default thread limiter are
    noticed without this.
    """
    global _outside
    with _outside_lock:
        _outside += 1
    try:
        yield
    finally:
        with _outside_lock:
            _outside -= 1


def _can_detect_idle() -> bool:
    """Idle detection needs asyncio's task internals (anyio's default backend)."""
    import asyncio

    try:
        return asyncio.current_task() is not None
    except RuntimeError:  # not running under asyncio
        return False


_waiters_by_loop: Any = None


def _loop_waiters() -> list[_VirtualWaiter]:
    """The virtual waiters of the running event loop."""
    import weakref

    global _waiters_by_loop
    if _waiters_by_loop is None:
        _waiters_by_loop = weakref.WeakKeyDictionary()
    key: Any = _loop_key()
    waiters = _waiters_by_loop.get(key)
    if waiters is None:
        waiters = _waiters_by_loop[key] = []
    return waiters


class _GlobalKey:
    pass


_GLOBAL_KEY = _GlobalKey()


def _loop_key() -> Any:
    if _can_detect_idle():
        import asyncio

        return asyncio.get_running_loop()
    return _GLOBAL_KEY


def _all_blocked() -> bool:
    """Whether every other task of the event loop waits and no worker is busy."""
    if not _can_detect_idle() or _outside:
        return False
    import asyncio

    try:
        if anyio.to_thread.current_default_thread_limiter().borrowed_tokens:
            return False
    except Exception:  # no limiter yet: no thread was ever started
        pass
    loop = asyncio.get_running_loop()
    for handle in getattr(loop, "_ready", ()):
        # callbacks queued to run (a future resolved from a thread, ...); anyio's own
        # cancellation-delivery callbacks are bookkeeping, not work
        callback = getattr(handle, "_callback", None)
        name = getattr(callback, "__name__", "")
        if not getattr(handle, "_cancelled", False) and name != "_deliver_cancellation":
            return False
    this = asyncio.current_task()
    for task in asyncio.all_tasks(loop):
        if task is this:
            continue
        waiter = getattr(task, "_fut_waiter", None)
        if waiter is None or waiter.done():
            return False
    return True


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
