#!/usr/bin/env python3
"""Template benchmarks: loading a SAM template and running its workflow with its functions.

    python benchmarks/template_bench.py              # every workload
    python benchmarks/template_bench.py --runs 20

Workloads: ``load-sam-orders`` (asl.load_template of examples/sam-orders),
``load-large`` (a generated template with 200 functions and 50 state machines),
``run-sam-orders`` (load, then Project.run with cold Lambda environments) and
``run-warm`` (Project.run on one warm LambdaRuntime).  Prints the median wall time of each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asl  # noqa: E402

ORDERS = ROOT / "examples" / "sam-orders"
ORDER = json.loads((ORDERS / "events" / "order.json").read_text())


def large_template(folder: Path) -> Path:
    resources: dict = {}
    for i in range(200):
        resources[f"Fn{i}"] = {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "InlineCode": "def handler(e, c):\n    return e\n",
                "Environment": {"Variables": {"NAME": {"Fn::Sub": "fn-${AWS::Region}-" + str(i)}}},
            },
        }
    for i in range(50):
        states = {
            f"S{j}": {"Type": "Task", "Resource": f"${{F{j}}}", "Next": f"S{j + 1}"}
            for j in range(4)
        }
        states["S4"] = {"Type": "Succeed"}
        resources[f"Machine{i}"] = {
            "Type": "AWS::Serverless::StateMachine",
            "Properties": {
                "Definition": {"StartAt": "S0", "States": states},
                "DefinitionSubstitutions": {
                    f"F{j}": {"Fn::GetAtt": [f"Fn{(i + j) % 200}", "Arn"]} for j in range(4)
                },
            },
        }
    path = folder / "template.json"
    path.write_text(json.dumps({"Resources": resources}, indent=1))
    return path


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        large = large_template(Path(scratch))
        project = asl.load_template(ORDERS / "template.yaml")
        warm = project.lambda_runtime()
        workloads: dict[str, Callable[[], object]] = {
            "load-sam-orders": lambda: asl.load_template(ORDERS / "template.yaml"),
            "load-large": lambda: asl.load_template(large),
            "run-sam-orders": lambda: asl.load_template(ORDERS / "template.yaml").run(input=ORDER),
            "run-warm": lambda: project.run(input=ORDER, lambda_runtime=warm),
        }
        for name, fn in workloads.items():
            print(f"{name:18} {median_ms(fn, args.runs):9.2f} ms")
        warm.close()


if __name__ == "__main__":
    main()
