#!/usr/bin/env python3
"""Graph rendering benchmarks: how long drawing a large machine or execution takes.

    python benchmarks/graph_bench.py                  # every workload
    python benchmarks/graph_bench.py map-5000 --runs 5

Prints one line per workload and format: median wall time and output size. The
execution workloads time `asl.graph.execution_html` only (the run happens first).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asl  # noqa: E402
import asl.graph  # noqa: E402


def chain(n: int) -> dict[str, Any]:
    """n states: Choice states every tenth, each Task with a Retry and a Catch."""
    states: dict[str, Any] = {}
    for i in range(n):
        nxt = f"S{i + 1}" if i + 1 < n else "Done"
        if i % 10 == 5:
            states[f"S{i}"] = {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "NumericGreaterThan": i, "Next": nxt}],
                "Default": "Done",
            }
        else:
            states[f"S{i}"] = {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                "Next": nxt,
            }
    states["Done"] = {"Type": "Succeed"}
    return {"StartAt": "S0", "States": states}


def map_machine() -> dict[str, Any]:
    processor = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Next": "Q"}, "Q": {"Type": "Pass", "End": True}},
    }
    return {
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": processor, "End": True}
        },
    }


def workloads() -> dict[str, list[tuple[str, Callable[[], str]]]]:
    big = asl.parse(chain(500))
    mapped = asl.parse(map_machine())
    ex = asl.run(mapped, {"xs": list(range(5000))}, max_history_events=None)
    return {
        "chain-500": [
            ("mermaid", lambda: asl.graph.to_mermaid(big)),
            ("dot", lambda: asl.graph.to_dot(big)),
            ("html", lambda: asl.graph.to_html(big)),
        ],
        "map-5000": [("execution-html", lambda: asl.graph.execution_html(ex, mapped))],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    ns = parser.parse_args()
    for name, cases in workloads().items():
        if ns.names and name not in ns.names:
            continue
        for fmt, render in cases:
            times, size = [], 0
            for _ in range(ns.runs):
                t = time.perf_counter()
                size = len(render())
                times.append(time.perf_counter() - t)
            print(f"{name:10} {fmt:15} {statistics.median(times) * 1000:9.1f} ms {size:>10,} chars")


if __name__ == "__main__":
    main()
