"""The state handlers: one async function per state type (state type -> handler).

Each handler takes a `Step` (one visit: the state, its raw input and the thread it runs
on) and returns ``(next state name or None, output)``.  `HANDLERS` is the table the runner
is handed: state type -> ``handler(state, raw input, frame)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from asl import ast
from asl.execution.runner import Frame, Handler
from asl.execution.states.choice import run_choice
from asl.execution.states.fail import run_fail
from asl.execution.states.map import run_map
from asl.execution.states.parallel import run_parallel
from asl.execution.states.pass_ import run_pass
from asl.execution.states.succeed import run_succeed
from asl.execution.states.task import run_task
from asl.execution.states.wait import run_wait
from asl.execution.step import Result, Step


def _visit(handler: Callable[[Step], Awaitable[Result]]) -> Handler:
    """The table entry for a handler: one `Step` per visit of a state."""

    def visit(state: ast.State, data: Any, frame: Frame) -> Awaitable[Result]:
        return handler(Step(state, data, frame))

    return visit


HANDLERS: Mapping[str, Handler] = {
    "Pass": _visit(run_pass),
    "Task": _visit(run_task),
    "Choice": _visit(run_choice),
    "Wait": _visit(run_wait),
    "Succeed": _visit(run_succeed),
    "Fail": _visit(run_fail),
    "Parallel": _visit(run_parallel),
    "Map": _visit(run_map),
}

__all__ = ["HANDLERS"]
