"""How much JSONata costs: engine import, compiling, evaluating, templates, result copies.

Run on demand: ``python benchmarks/jsonata_bench.py`` (from the repository root).  Prints
one line per measurement, in microseconds per operation (best of several rounds), then
the inline-Map workload of issue 11: ``--map N`` sets its item count (default 100,000;
0 skips it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asl  # noqa: E402
from asl.expressions.jsonata import (  # noqa: E402
    JsonataExpression,
    compile_jsonata,
    compile_jsonata_template,
)

EXPRESSIONS = {
    "literal": "{% 1 %}",
    "input path": "{% $states.input.order.customer.name %}",
    "variable": "{% $count %}",
    "arithmetic": "{% $sum($states.input.order.lines.price) * 1.2 + $count %}",
    "predicate": "{% $states.input.order.lines[price > 10].sku %}",
    "map + lambda": "{% $map($states.input.order.lines, function($l) { $l.price * $l.qty }) %}",
    "string ops": "{% $uppercase($states.input.order.customer.name) & '-' & $string($count) %}",
    "condition": "{% $states.input.order.total > 100 and $count < 5 %}",
    "aws function": "{% $partition($states.input.order.lines, 2) %}",
}


def _order(lines: int) -> dict[str, Any]:
    """A state input with an order of ``lines`` lines."""
    return {
        "order": {
            "customer": {"name": "Ada Lovelace", "id": "c-1"},
            "total": 250,
            "lines": [
                {"sku": f"sku-{n}", "price": n % 40 + 0.5, "qty": n % 3 + 1} for n in range(lines)
            ],
        }
    }


def best(operation: Callable[[], Any], number: int, rounds: int = 5) -> float:
    """Best-of-rounds time of one call, in microseconds."""
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(number):
            operation()
        timings.append((time.perf_counter() - start) / number)
    return min(timings) * 1e6


def engine_import_ms() -> float:
    """Milliseconds to import the ``jsonata`` engine in a fresh interpreter."""
    code = "import time; t = time.perf_counter(); import jsonata; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return float(out) * 1000


def _map_machine(items: int, selector: bool) -> dict[str, Any]:
    """A JSONata inline Map over ``[0..items-1]``: a bare Pass, or an ItemSelector and a
    Pass computing its Output (the result is counted, to stay under the payload limit)."""
    processor: dict[str, Any] = {"Type": "Pass", "End": True}
    state: dict[str, Any] = {
        "Type": "Map",
        "Items": f"{{% [0..{items - 1}] %}}",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "P",
            "States": {"P": processor},
        },
        "Output": "{% $count($states.result) %}",
        "End": True,
    }
    if selector:
        state["ItemSelector"] = {
            "value": "{% $states.context.Map.Item.Value %}",
            "index": "{% $states.context.Map.Item.Index %}",
        }
        processor["Output"] = {
            "double": "{% $states.input.value * 2 %}",
            "id": "{% 'item-' & $states.input.index %}",
        }
    return {"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": state}}


def map_workload(items: int) -> None:
    """Seconds for an inline Map of ``items`` items, bare and with JSONata (issue 11)."""
    for selector in (False, True):
        machine = asl.parse(_map_machine(items, selector))
        start = time.perf_counter()
        execution = asl.run(machine, {}, max_history_events=None)
        elapsed = time.perf_counter() - start
        label = "ItemSelector + JSONata Pass" if selector else "bare Pass"
        print(f"inline Map of {items} items, {label:<28}{elapsed:7.2f} s  {execution.status}")


def main() -> None:
    """Print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--map", type=int, default=100_000, help="Map items (0: skip)")
    options = parser.parse_args()
    print(f"engine import (fresh process): {engine_import_ms():8.1f} ms")
    compile_jsonata("{% 1 %}")  # warm the engine
    states = {"input": _order(20), "context": {}}
    variables = {"count": 3}
    print(f"{'expression':<16}{'parse us':>10}{'cached us':>11}{'evaluate us':>13}")
    for label, text in EXPRESSIONS.items():
        # JsonataExpression parses every time; compile_jsonata answers repeats from its cache
        parse_us = best(lambda text=text: JsonataExpression(text), 200)
        cached_us = best(lambda text=text: compile_jsonata(text), 2000)
        expression = compile_jsonata(text)
        evaluate_us = best(lambda e=expression: e.evaluate(states, variables), 500)
        print(f"{label:<16}{parse_us:>10.1f}{cached_us:>11.2f}{evaluate_us:>13.1f}")

    template = compile_jsonata_template(
        {
            "customer": "{% $states.input.order.customer %}",
            "total": "{% $states.input.order.total %}",
            "static": {"a": 1, "b": [1, 2, 3]},
            "count": "{% $count %}",
        }
    )
    print(
        f"template of 3 expressions: {best(lambda: template.evaluate(states, variables, field='Output'), 500):8.1f} us"
    )
    static = compile_jsonata_template({"a": 1, "b": [1, 2, {"c": "d"}]})
    print(
        f"static template (copy):    {best(lambda: static.evaluate(states, variables, field='Output'), 2000):8.1f} us"
    )

    big = {"input": _order(2500), "context": {}}  # about 150 KB of JSON
    whole = compile_jsonata("{% $states.input %}")
    print(f"$states.input of ~150 KB:  {best(lambda: whole.evaluate(big, {}), 20):8.1f} us")
    summed = compile_jsonata("{% $sum($states.input.order.lines.price) %}")
    print(f"$sum over 2500 lines:      {best(lambda: summed.evaluate(big, {}), 20):8.1f} us")
    if options.map:
        map_workload(options.map)


if __name__ == "__main__":
    main()
