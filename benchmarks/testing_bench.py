#!/usr/bin/env python3
"""What the pytest plugin costs: executions watched, explained and measured for coverage.

    python benchmarks/testing_bench.py            # 200 executions of a 50-state machine
    python benchmarks/testing_bench.py --runs 1000 --states 10

Times `asl.run` alone, with an observer recording every execution (as the plugin does in
each test), and with coverage recorded too; then `explain` and `Coverage.record` alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asl  # noqa: E402
from asl.testing import explain  # noqa: E402
from asl.testing.coverage import Coverage  # noqa: E402
from asl.testing.observe import Recorder, observing  # noqa: E402


def machine(n: int) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i in range(n):
        states[f"S{i}"] = {"Type": "Pass", "Result": i, "ResultPath": "$.last"}
        if i + 1 < n:
            states[f"S{i}"]["Next"] = f"S{i + 1}"
        else:
            states[f"S{i}"]["End"] = True
    return {"StartAt": "S0", "States": states}


class CoverageObserver:
    def __init__(self) -> None:
        self.coverage = Coverage()

    def execution_started(self, source: Any, options: Any) -> None:
        pass

    def execution_finished(self, execution: Any, machine: Any, source: Any, options: Any) -> None:
        self.coverage.record(machine, execution)

    def runtime_created(self, runtime: Any) -> None:
        pass


def timed(label: str, runs: int, fn: Any) -> None:
    start = time.perf_counter()
    for _ in range(runs):
        fn()
    per = (time.perf_counter() - start) / runs * 1000
    print(f"{label:<28} {per:8.3f} ms per execution")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--states", type=int, default=50)
    args = parser.parse_args()
    sm = asl.parse(machine(args.states))
    asl.run(sm)  # warm up
    timed("run", args.runs, lambda: asl.run(sm))
    with observing(Recorder()):
        timed("run, recorded", args.runs, lambda: asl.run(sm))
        with observing(CoverageObserver()):
            timed("run, recorded + coverage", args.runs, lambda: asl.run(sm))
    ex = asl.run(sm)
    timed("explain", args.runs, lambda: explain(ex))
    cov = Coverage()
    timed("Coverage.record", args.runs, lambda: cov.record(sm, ex))


if __name__ == "__main__":
    main()
