"""Parallel: every branch of ``Branches`` on the same input, concurrently; the output is
the array of the branches' outputs."""

from __future__ import annotations

from typing import Any

from asl import ast
from asl.execution.children import run_children
from asl.execution.pipeline import effective_input
from asl.execution.retry import with_retry_and_catch
from asl.execution.runner import Frame
from asl.execution.step import Result, Step


async def run_parallel(step: Step) -> Result:
    async def attempt() -> Any:
        data = effective_input(step)
        return await run_parallel_attempt(step, data)

    return await with_retry_and_catch(step, attempt, failed_event="ParallelStateFailed")


async def run_parallel_attempt(step: Step, data: Any) -> Any:
    state = step.state
    assert isinstance(state, ast.ParallelState)
    runner = step.frame.runner
    step.frame.emit("ParallelStateStarted")

    async def branch(i: int, frame: Frame) -> Any:
        frame.in_parallel_branch = True
        return await runner.run_scope(state.branches[i], data, frame)

    count = len(state.branches)
    done = runner.take_redriven(state.name)
    results = await run_children(step.frame, count, count, branch, done=done)
    step.frame.emit("ParallelStateSucceeded")
    return results
