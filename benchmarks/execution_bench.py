#!/usr/bin/env python3
"""Executor benchmarks: state transitions per second and peak memory.

    python benchmarks/execution_bench.py                 # every workload
    python benchmarks/execution_bench.py pass-chain map-inline-10000 --runs 5

Each run happens in a fresh subprocess (so peak RSS is that run's own) and times
`asl.run(definition, input)` including parsing, after one small warm-up execution.
Prints one line per workload: median wall time, transitions/s, history events, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def pass_chain(n: int) -> tuple[dict, Any]:
    states = {}
    for i in range(n):
        s: dict[str, Any] = {
            "Type": "Pass",
            "Parameters": {"v.$": "$.acc.v", "step": i},
            "ResultPath": "$.acc",
        }
        s.update({"Next": f"S{i + 1}"} if i + 1 < n else {"End": True})
        states[f"S{i}"] = s
    return {"StartAt": "S0", "States": states}, {"acc": {"v": 7}, "meta": {"tags": ["a", "b"]}}


def choice_loop(n: int) -> tuple[dict, Any]:
    return {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "NumericGreaterThanEquals": n, "Next": "Done"}],
                "Default": "Inc",
            },
            "Inc": {
                "Type": "Pass",
                "Parameters": {"i.$": "States.MathAdd($.i, 1)"},
                "Next": "Check",
            },
            "Done": {"Type": "Succeed"},
        },
    }, {"i": 0}


def map_inline(n: int) -> tuple[dict, Any]:
    return {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"idx.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value.val"},
                "ItemProcessor": {
                    "StartAt": "P1",
                    "States": {
                        "P1": {
                            "Type": "Pass",
                            "Parameters": {"idx.$": "$.idx", "w.$": "States.MathAdd($.v, 1)"},
                            "Next": "P2",
                        },
                        "P2": {"Type": "Pass", "Parameters": {"w.$": "$.w"}, "End": True},
                    },
                },
                "End": True,
            }
        },
    }, {"items": [{"val": i} for i in range(n)]}


def parallel_fanout(b: int) -> tuple[dict, Any]:
    def branch(k: int) -> dict:
        states = {}
        for i in range(b):
            s: dict[str, Any] = {"Type": "Pass", "Result": {"branch": k, "step": i}}
            s.update({"Next": f"B{k}S{i + 1}"} if i + 1 < b else {"End": True})
            states[f"B{k}S{i}"] = s
        return {"StartAt": f"B{k}S0", "States": states}

    return {
        "StartAt": "Par",
        "States": {
            "Par": {"Type": "Parallel", "Branches": [branch(k) for k in range(b)], "End": True}
        },
    }, {}


def jsonpath_heavy(m: int) -> tuple[dict, Any]:
    params = {
        "cheap.$": "$.items[?(@.price < 10)].id",
        "ids.$": "$.items[*].id",
        "deep.$": "$..v",
        "slice.$": "$.items[10:20].price",
        "n.$": "States.ArrayLength($.items)",
    }
    states = {}
    for i in range(10):
        s: dict[str, Any] = {"Type": "Pass", "Parameters": params, "ResultPath": "$.r"}
        s.update({"Next": f"J{i + 1}"} if i < 9 else {"End": True, "OutputPath": "$.r"})
        states[f"J{i}"] = s
    items = [{"id": i, "price": i % 20, "nested": {"deep": {"v": i}}} for i in range(m)]
    return {"StartAt": "J0", "States": states}, {"items": items}


def big_payload(kb: int) -> tuple[dict, Any]:
    states = {}
    for i in range(50):
        s: dict[str, Any] = {"Type": "Pass", "Parameters": {"data.$": "$.data", "step": i}}
        s.update({"Next": f"B{i + 1}"} if i < 49 else {"End": True})
        states[f"B{i}"] = s
    row = {"id": "x" * 20, "value": 12345, "tags": ["alpha", "beta"]}
    rows = max(1, kb * 1024 // len(json.dumps(row)))
    return {"StartAt": "B0", "States": states}, {"data": [dict(row) for _ in range(rows)]}


def wait(seconds: int) -> tuple[dict, Any]:
    return {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": seconds, "Next": "Done"},
            "Done": {"Type": "Pass", "End": True},
        },
    }, {}


def retry(attempts: int) -> tuple[dict, Any]:
    return {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Retry": [
                    {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 5, "MaxAttempts": attempts}
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }, {}


WORKLOADS = {
    "pass-chain": (pass_chain, 1000),
    "choice-loop": (choice_loop, 1000),
    "map-inline-1000": (map_inline, 1000),
    "map-inline-10000": (map_inline, 10000),
    "parallel-10x10": (parallel_fanout, 10),
    "jsonpath-heavy": (jsonpath_heavy, 1000),
    "big-payload-200kb": (big_payload, 200),
    "wait-1h": (wait, 3600),
    "retry-3": (retry, 3),
}


def _child(name: str) -> None:
    import resource
    import time

    sys.path.insert(0, str(ROOT))
    import asl

    build, size = WORKLOADS[name]

    def flaky(event: Any, context: Any) -> Any:
        raise RuntimeError("always failing")

    options = {"functions": {"flaky": flaky}, "max_history_events": None}
    small, small_input = build(min(size, 3))
    asl.run(small, small_input, **options)  # warm-up: imports, caches
    definition, data = build(size)
    t0 = time.perf_counter()
    ex = asl.run(definition, data, **options)
    wall = time.perf_counter() - t0
    transitions = sum(1 for e in ex.history if e["type"].endswith("StateEntered"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "status": ex.status,
                "wall_s": wall,
                "transitions": transitions,
                "events": len(ex.history),
                "rss_mb": rss,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("workloads", nargs="*", help=f"some of: {', '.join(WORKLOADS)}")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child)
        return
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    print(
        f"{'workload':20s} {'status':10s} {'median s':>9s} {'trans/s':>10s} {'events':>7s} {'peak MB':>8s}"
    )
    for name in args.workloads or list(WORKLOADS):
        results = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--child", name], capture_output=True, text=True
            )
            if out.returncode != 0:
                print(f"{name:20s} ERROR {out.stderr.strip().splitlines()[-1:]}")
                break
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if not results:
            continue
        wall = statistics.median(r["wall_s"] for r in results)
        last = results[-1]
        rate = last["transitions"] / wall if wall else float("inf")
        print(
            f"{name:20s} {last['status']:10s} {wall:9.4f} {rate:10.0f} {last['events']:7d} "
            f"{max(r['rss_mb'] for r in results):8.1f}"
        )


if __name__ == "__main__":
    main()
