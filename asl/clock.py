"""Clocks: everything in `asl` that waits or reads the time goes through one.

The virtual clock (the default) makes waiting free: a wait ends as soon as nothing else
in the event loop can run (and no earlier deadline is pending), and the time seen by the
waiting task jumps to its deadline, so Wait states, Retry back-off and asynchronous
Lambda retries take no real time while timestamps advance exactly as if they had.  Work
still running for real (a handler in a worker thread, `outside_work`; a handler's
background thread or other work on its way, `hold_work`) finishes first, as it would
have during a real wait.  Each task keeps its own timeline (a context variable, which anyio
copies into child tasks), so concurrent Parallel branches each see their own waits; a
parent that joins its children moves to the latest of their timelines (`advance_to`).
One coordinator task per event loop decides when waits end (`_coordinate`).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator
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
        """Wait ``seconds`` of virtual time.  Time jumps once nothing else can run (every
        other task waits and no worker thread is busy) and no earlier deadline is pending,
        so work still running in real time, a handler in a thread say, finishes first and
        events keep the order they would have on AWS."""
        if seconds > 0:
            if _can_detect_idle():
                await self._virtual_wait(None, seconds)
                return
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
        if timeout is None or not _can_detect_idle():
            # no timeout, or no way to tell when the loop is idle (the deadline then
            # passes in real time): the plain wait
            return await super().wait_event(event, timeout)
        return await self._virtual_wait(event, timeout)

    async def _virtual_wait(self, event: anyio.Event | None, timeout: float) -> bool:
        """Wait for ``event`` (None: nothing) until the loop's coordinator says this
        waiter's deadline has come; returns whether the event was set."""
        offset = self._offset.get()
        waiter = _VirtualWaiter(self, offset, self._seconds() + max(timeout, 0.0))
        waiters = _loop_waiters()
        waiters.append(waiter)
        try:
            _ensure_coordinator(waiters)
            with waiter.scope:
                if event is None:
                    await anyio.sleep_forever()
                else:
                    await event.wait()
        finally:
            waiters.remove(waiter)
        if event is not None and event.is_set():
            return True
        self._offset.set(offset + max(waiter.deadline - self._seconds(), 0.0))
        return False


class _VirtualWaiter:
    """A task waiting on a virtual clock until its deadline (virtual seconds) or an event.

    The loop's coordinator ends the wait by cancelling ``scope``; the waiter's clock and
    timeline offset tell it the waiter's current time."""

    __slots__ = ("clock", "offset", "deadline", "order", "scope", "fired")

    _counter = 0

    def __init__(self, clock: VirtualClock, offset: float, deadline: float):
        _VirtualWaiter._counter += 1
        self.order = _VirtualWaiter._counter
        self.clock = clock
        self.offset = offset
        self.deadline = deadline
        self.scope = anyio.CancelScope()
        self.fired = False

    def key(self) -> tuple[float, int]:
        return (self.deadline, self.order)

    def due_in_real_time(self) -> bool:
        """Whether the deadline has passed on the waiter's timeline in real time alone."""
        return time.monotonic() - self.clock._real_origin + self.offset >= self.deadline

    def fire(self) -> None:
        self.fired = True
        self.scope.cancel()


# waiters whose deadlines are this close (virtual seconds) wake together: their order is
# a matter of microseconds of real time, and waking them one by one would cost a scan of
# every task per waiter
_WAKE_TOGETHER = 0.01

_coordinators: Any = None


def _ensure_coordinator(waiters: list[_VirtualWaiter]) -> None:
    """Start the task that ends this loop's virtual waits, unless it is running."""
    import asyncio
    import weakref

    global _coordinators
    if _coordinators is None:
        _coordinators = weakref.WeakKeyDictionary()
    loop = asyncio.get_running_loop()
    task = _coordinators.get(loop)
    if task is None or task.done():
        _coordinators[loop] = loop.create_task(_coordinate(waiters))


async def _coordinate(waiters: list[_VirtualWaiter]) -> None:
    """End virtual waits: at once when a deadline passed in real time, and for the
    earliest deadline (with those within `_WAKE_TOGETHER` of it) once the loop is idle.
    One task decides for all waiters, so they never keep each other from seeing the loop
    idle."""
    try:
        await _decide_waits(waiters)
    finally:
        # stopped early (the loop is closing) or failed: no waiter may be left hanging
        for waiter in waiters:
            if not waiter.fired:
                waiter.fire()


async def _decide_waits(waiters: list[_VirtualWaiter]) -> None:
    import asyncio

    idle_checks = 0
    busy_checks = 0
    delay = 0.0
    while any(not w.fired for w in waiters):
        await asyncio.sleep(delay)
        pending = [w for w in waiters if not w.fired]
        fired = False
        for waiter in pending:
            if waiter.due_in_real_time():
                waiter.fire()
                fired = True
        if not fired and pending:
            if _all_blocked():
                idle_checks += 1
                # two consecutive idle observations guard against a wake-up in flight
                if idle_checks >= 2:
                    limit = min(pending, key=_VirtualWaiter.key).deadline + _WAKE_TOGETHER
                    for waiter in pending:
                        if waiter.deadline <= limit:
                            waiter.fire()
                    fired = True
            else:
                idle_checks = 0
                busy_checks += 1
        if fired:
            idle_checks = busy_checks = 0
            delay = 0.0
        elif busy_checks > 2:
            # others are working: poll gently, backing off to 10 ms
            delay = min(delay * 2 or 0.0002, 0.01)


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


# Real work on its way that the event loop cannot see: token -> real (monotonic) time
# after which it no longer holds virtual time back.
_held: dict[int, float] = {}
_held_ids = iter(range(1, 1 << 62))


def hold_work(grace: float | None = None) -> Callable[[], None]:
    """Mark real work that is on its way but not running in the event loop or a worker
    thread the loop knows of: a Lambda handler's background thread that may still send a
    task token, say.  Virtual waits do not jump ahead until the returned function is
    called, or (with ``grace``) at most ``grace`` seconds of real time.
    """
    deadline = float("inf") if grace is None else time.monotonic() + grace
    with _outside_lock:
        token = next(_held_ids)
        _held[token] = deadline

    def release() -> None:
        with _outside_lock:
            _held.pop(token, None)

    return release


def _holding() -> bool:
    """Whether some work marked with `hold_work` is still on its way."""
    if not _held:
        return False
    now = time.monotonic()
    with _outside_lock:
        for token, deadline in list(_held.items()):
            if deadline > now:
                return True
            del _held[token]
    return False


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
    if not _can_detect_idle() or _outside or _holding():
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
