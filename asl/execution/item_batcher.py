"""The Map state's ``ItemBatcher``: items grouped into batches, one per child.

Each batch is ``{"Items": [...], "BatchInput": ...}``, at most ``MaxItemsPerBatch`` items
and ``MaxInputBytesPerBatch`` bytes of JSON.
"""

from __future__ import annotations

from typing import Any

from asl import ast
from asl.execution.numbers import NumberRule, number_value
from asl.execution.step import Step, evaluate_jsonata

# MaxItemsPerBatch / MaxInputBytesPerBatch: a path that selects nothing is named
BATCH_LIMIT = NumberRule(
    integer=False,
    minimum=None,
    check_jsonata=False,
    missing=lambda expr: f"The {expr.field} field does not reference an input value",
)


def batches(step: Step, batcher: ast.ItemBatcher, data: Any, selected: list[Any]) -> list[dict]:
    """The ItemBatcher's batches: ``{"Items": [...], "BatchInput": ...}`` per child."""
    max_items = number_value(step, batcher.max_items_per_batch, data, BATCH_LIMIT)
    max_bytes = number_value(step, batcher.max_input_bytes_per_batch, data, BATCH_LIMIT)
    batch_input = batcher.batch_input
    if batch_input is not None:
        with step.evaluating():
            if step.jsonata:
                batch_input = evaluate_jsonata(
                    batch_input,
                    step.states_binding(),
                    step.variables,
                    "BatchInput",
                    now_millis=step.now_millis,
                )
            else:
                batch_input = batch_input.evaluate(
                    data, step.ctx, step.variables, field="BatchInput"
                )
    sizes = step.frame.runner.sizes
    limit = int(max_items) if max_items else len(selected) or 1
    out: list[dict] = []
    current: list[Any] = []
    current_bytes = 0
    for item in selected:
        size = sizes.size(item) + 1
        full = len(current) >= limit or (max_bytes and current and current_bytes + size > max_bytes)
        if full:
            out.append(_batch(current, batch_input))
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += size
    if current:
        out.append(_batch(current, batch_input))
    return out


def _batch(items: list[Any], batch_input: Any) -> dict[str, Any]:
    batch: dict[str, Any] = {"Items": items}
    if batch_input is not None:
        batch["BatchInput"] = batch_input
    return batch
