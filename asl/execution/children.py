"""Parallel branches and Map iterations: children of one anyio task group.

One failing child cancels the others and fails the state with the child's error (AWS
passes it up rather than the spec's ``States.BranchFailed``), unless the failure is
tolerated.  Results keep index order.  Each child runs on its own `Frame` (its own
variable scope and history thread); the parent's clock timeline moves to the latest
child's when they join.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import anyio

from asl.backends.base import ExecutionTimedOut
from asl.errors import StatesError
from asl.execution.runner import ExecutionAborted, Frame


async def run_children(
    parent: Frame,
    count: int,
    limit: int,
    body: Callable[[int, Frame], Awaitable[Any]],
    on_failure: Callable[[int, StatesError, Frame], bool] | None = None,
    *,
    isolated: bool = False,
    done: Mapping[int, Any] | None = None,
) -> list[Any]:
    """Run ``body(i, frame)`` for i in range(count), at most ``limit`` at a time.

    Returns results in index order.  A child failure cancels the rest and re-raises,
    unless ``on_failure`` returns True (the failure is tolerated).  ``done`` gives the
    results of children that already succeeded (a redriven execution): they do not run.
    """
    results: list[Any] = [None] * count
    skip = done or {}
    for i, value in skip.items():
        if 0 <= i < count:
            results[i] = value
    clock = parent.runner.clock
    latest: list[datetime] = [clock.now()]
    failure: list[StatesError] = []
    next_index = 0
    last_prev = [parent.prev]

    async def worker() -> None:
        nonlocal next_index
        try:
            while next_index < count and not failure:
                i = next_index
                next_index += 1
                if i in skip:
                    continue
                frame = parent.child()
                if isolated:  # distributed Map children cannot read the parent's variables
                    frame.variables = ChainMap({})
                try:
                    results[i] = await body(i, frame)
                except StatesError as e:
                    if on_failure is not None and on_failure(i, e, frame):
                        continue
                    if not failure:
                        failure.append(e)
                        tg.cancel_scope.cancel()
                    return
                finally:
                    if frame.prev > last_prev[0]:
                        last_prev[0] = frame.prev
        finally:
            # a worker's timeline only moves forward: its time now is its latest
            now = clock.now()
            if now > latest[0]:
                latest[0] = now

    try:
        async with anyio.create_task_group() as tg:
            for _ in range(min(limit, count)):
                tg.start_soon(worker)
    except Exception as group:  # an ExceptionGroup: the execution's timeout, say
        inner = _single(group) if hasattr(group, "exceptions") else None
        if inner is None:
            raise
        raise inner from None
    clock.advance_to(latest[0])
    parent.prev = last_prev[0]
    if failure:
        raise failure[0]
    return results


def _single(group: BaseException) -> BaseException | None:
    """The execution-ending exception (timeout, abort) inside a task group's exception
    group, if that is what it holds."""
    found: list[BaseException] = []

    def walk(error: BaseException) -> None:
        inner = getattr(error, "exceptions", None)
        if inner is None:
            found.append(error)
        else:
            for e in inner:
                walk(e)

    walk(group)
    for error in found:
        if isinstance(error, (ExecutionTimedOut, ExecutionAborted, StatesError)):
            return error
    return None
