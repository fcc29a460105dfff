"""Succeed: ends its scope successfully with its (filtered) input."""

from __future__ import annotations

from asl.execution.pipeline import apply_input_path, finish
from asl.execution.step import Result, Step


async def run_succeed(step: Step) -> Result:
    """The state input, after InputPath then OutputPath (JSONPath) or Output (JSONata)."""
    data = step.input
    if not step.jsonata:
        with step.evaluating():
            data = apply_input_path(step.state.input_path, data, step.ctx, step.variables)
    return finish(step, data, None, assign_input=data)
