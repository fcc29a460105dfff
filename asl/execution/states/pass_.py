"""Pass: its input (or ``Result``) through the pipeline to its output."""

from __future__ import annotations

from asl import ast
from asl.execution.pipeline import effective_input, finish
from asl.execution.step import Result, Step


async def run_pass(step: Step) -> Result:
    state = step.state
    assert isinstance(state, ast.PassState)
    if step.jsonata:
        return finish(step, step.input, state.next)
    data = effective_input(step)
    result = state.result if state.has_result else data
    return finish(step, result, state.next)
