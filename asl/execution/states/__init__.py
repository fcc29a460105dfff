"""The state handlers: one async function per state type (state type -> handler).

Each handler takes a `Step` (the state, its raw input and the thread it runs on) and
returns ``(next state name or None, output)``.  `HANDLERS` is the table the runner is
handed.
"""

from __future__ import annotations

from collections.abc import Mapping

from asl.execution.runner import Handler
from asl.execution.states.choice import run_choice
from asl.execution.states.fail import run_fail
from asl.execution.states.map import run_map
from asl.execution.states.parallel import run_parallel
from asl.execution.states.pass_ import run_pass
from asl.execution.states.succeed import run_succeed
from asl.execution.states.task import run_task
from asl.execution.states.wait import run_wait

HANDLERS: Mapping[str, Handler] = {
    "Pass": run_pass,
    "Task": run_task,
    "Choice": run_choice,
    "Wait": run_wait,
    "Succeed": run_succeed,
    "Fail": run_fail,
    "Parallel": run_parallel,
    "Map": run_map,
}

__all__ = ["HANDLERS"]
