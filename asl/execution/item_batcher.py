"""The Map state's ``ItemBatcher``: items grouped into batches, one per child.

Each batch is ``{"Items": [...], "BatchInput": ...}``, at most ``MaxItemsPerBatch`` items
and ``MaxInputBytesPerBatch`` bytes of JSON.
"""

from __future__ import annotations

from typing import Any

from asl import ast
from asl.errors import StatesError
from asl.execution.step import Step, evaluate_jsonata
from asl.expressions.paths import PathNotFound
from asl.expressions.templates import resolve


def batches(step: Step, state: ast.MapState, data: Any, selected: list[Any]) -> list[dict]:
    """The ItemBatcher's batches: ``{"Items": [...], "BatchInput": ...}`` per child."""
    batcher = state.item_batcher or {}
    with step.evaluating():
        max_items = _batcher_number(step, batcher, "MaxItemsPerBatch", data)
        max_bytes = _batcher_number(step, batcher, "MaxInputBytesPerBatch", data)
    batch_input = batcher.get("BatchInput")
    if batch_input is not None and not step.jsonata:
        from asl.expressions.templates import compile_template

        with step.evaluating():
            batch_input = compile_template(batch_input).evaluate(
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


def _batcher_number(step: Step, batcher: Any, key: str, data: Any) -> float | None:
    if key in batcher:
        value = batcher[key]
        if isinstance(value, str) and step.jsonata:
            from asl.expressions.jsonata import compile_jsonata, is_jsonata

            if is_jsonata(value):
                return evaluate_jsonata(
                    compile_jsonata(value), step.states_binding(), step.variables, key
                )
        return value
    path_key = key + "Path"
    if path_key in batcher:
        from asl.expressions.paths import compile_reference_path

        try:
            return resolve(
                compile_reference_path(batcher[path_key]), data, step.ctx, step.variables
            )
        except PathNotFound:
            raise StatesError(
                "States.Runtime", f"The {path_key} field does not reference an input value"
            ) from None
    return None
