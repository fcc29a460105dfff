"""asl.clock.hold_work: real work on its way keeps virtual waits from jumping ahead."""

from __future__ import annotations

import threading
import time

import anyio

from asl.clock import VirtualClock, hold_work


def _timed_wait(clock: VirtualClock, release_after: float | None, grace: float | None) -> float:
    """Real seconds a 1-hour virtual wait takes while work is held."""
    release = hold_work(grace)
    if release_after is not None:
        threading.Timer(release_after, release).start()

    async def main() -> float:
        start = time.monotonic()
        await clock.sleep(3600)
        return time.monotonic() - start

    try:
        return anyio.run(main)
    finally:
        release()


def test_a_virtual_wait_waits_for_held_work() -> None:
    took = _timed_wait(VirtualClock(), release_after=0.2, grace=None)
    assert 0.2 <= took < 5


def test_held_work_stops_holding_after_its_grace() -> None:
    took = _timed_wait(VirtualClock(), release_after=None, grace=0.2)
    assert 0.2 <= took < 5


def test_without_held_work_the_wait_is_instant() -> None:
    async def main() -> float:
        start = time.monotonic()
        await VirtualClock().sleep(3600)
        return time.monotonic() - start

    assert anyio.run(main) < 0.5
