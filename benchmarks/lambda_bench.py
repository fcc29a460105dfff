#!/usr/bin/env python3
"""Lambda runtime benchmarks: invocations per second and cold-start overhead per backend.

    python benchmarks/lambda_bench.py                        # both local backends
    python benchmarks/lambda_bench.py --backend inprocess --invocations 5000

For each backend, using the example deployment package (examples/lambda-package):
  warm sequential   invocations/s of one function, one environment, one caller
  warm concurrent   invocations/s with --concurrency callers (one environment each)
  cold start        mean time of a first invocation (new environment + init) and its
                    overhead over a warm invocation
  workflow          ms per in-process Lambda Task in asl.run(functions=...): a machine of
                    10 Lambda Tasks beside 10 Pass states, a fresh runtime per execution
                    (so every function starts cold), minus the same machine's Pass states
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402

from asl.lambda_runtime import LambdaRuntime  # noqa: E402

PACKAGE = ROOT / "examples" / "lambda-package"
ORDER = {"orderId": "o-1", "items": [{"sku": "tea", "quantity": 2}], "card": "4242"}


def warm_sequential(backend: str, count: int) -> float:
    """Invocations per second, one caller, warm environment."""
    with LambdaRuntime(host=backend) as runtime:
        runtime.register("price", code=PACKAGE, handler_name="orders.price")
        runtime.invoke("price", ORDER)  # cold start outside the measurement

        async def run() -> None:
            for _ in range(count):
                await runtime.invoke_async("price", ORDER)

        start = time.perf_counter()
        anyio.run(run)
        return count / (time.perf_counter() - start)


def warm_concurrent(backend: str, count: int, concurrency: int) -> float:
    """Invocations per second with ``concurrency`` callers on warm environments."""
    with LambdaRuntime(host=backend) as runtime:
        runtime.register("price", code=PACKAGE, handler_name="orders.price")
        per_caller = max(1, count // concurrency)

        async def caller() -> None:
            for _ in range(per_caller):
                await runtime.invoke_async("price", ORDER)

        async def run() -> None:
            async with anyio.create_task_group() as group:
                for _ in range(concurrency):
                    group.start_soon(caller)

        anyio.run(run)  # creates the environments (cold starts) once
        start = time.perf_counter()
        anyio.run(run)
        return per_caller * concurrency / (time.perf_counter() - start)


def cold_start(backend: str, functions: int) -> tuple[float, float]:
    """(mean first-invocation ms, mean warm-invocation ms) over fresh functions."""
    cold: list[float] = []
    warm: list[float] = []
    with LambdaRuntime(host=backend) as runtime:
        for i in range(functions):
            runtime.register(f"price{i}", code=PACKAGE, handler_name="orders.price")
            start = time.perf_counter()
            runtime.invoke(f"price{i}", ORDER)
            cold.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            runtime.invoke(f"price{i}", ORDER)
            warm.append((time.perf_counter() - start) * 1000)
    return statistics.mean(cold), statistics.mean(warm)


def _machine(tasks: int, functions: int) -> dict[str, Any]:
    """``tasks`` Lambda Tasks (over ``functions`` functions) interleaved with 10 Pass states."""
    names = [f"S{i}" for i in range(tasks + 10)]
    states: dict[str, Any] = {}
    for i, name in enumerate(names):
        if i % 2 == 1 and (i // 2) < tasks:
            state: dict[str, Any] = {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:"
                f"fn{(i // 2) % functions}",
            }
        else:
            state = {"Type": "Pass"}
        if i + 1 < len(names):
            state["Next"] = names[i + 1]
        else:
            state["End"] = True
        states[name] = state
    return {"StartAt": names[0], "States": states}


def workflow(runs: int, functions: int, explicit: bool) -> tuple[float, float]:
    """(ms per Lambda Task, ms per execution) for 10 Lambda Tasks beside 10 Pass states.

    ``explicit``: a fresh ``LambdaRuntime`` per execution, closed after it (what
    ``asl.run(functions=...)`` does with the runtime it makes), instead of ``functions=``.
    """
    import asl

    handlers = {f"fn{i}": (lambda event, context: event) for i in range(functions)}
    with_tasks = asl.parse(_machine(10, functions))
    passes_only = asl.parse(_machine(0, functions))

    def once(machine: Any, lambdas: bool) -> None:
        if not lambdas:
            ex = asl.run(machine, {"n": 1})
        elif explicit:
            with LambdaRuntime(clock="virtual") as runtime:
                for name, handler in handlers.items():
                    runtime.register(name, handler, timeout=900)
                ex = asl.run(machine, {"n": 1}, lambda_runtime=runtime)
        else:
            ex = asl.run(machine, {"n": 1}, functions=handlers)
        assert ex.status == "SUCCEEDED", (ex.error, ex.cause)

    def timed(machine: Any, lambdas: bool) -> float:
        # Best of 5 batches (as timeit does): the machine's other load only adds time.
        for _ in range(max(1, runs // 10)):  # warm-up
            once(machine, lambdas)
        batch = max(1, runs // 5)
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(batch):
                once(machine, lambdas)
            best = min(best, (time.perf_counter() - start) * 1000 / batch)
        return best

    total = timed(with_tasks, True)
    base = timed(passes_only, False)
    return (total - base) / 10, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backend", action="append", choices=["inprocess", "subprocess"], default=None
    )
    parser.add_argument("--invocations", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cold-starts", type=int, default=10)
    parser.add_argument("--runs", type=int, default=300, help="executions per workflow timing")
    parser.add_argument("--workflow-only", action="store_true")
    args = parser.parse_args()
    for explicit in (False, True):
        for functions in (1, 10):
            per_task, per_run = workflow(args.runs, functions, explicit)
            how = "runtime closed after each run" if explicit else "functions="
            print(
                f"workflow    10 Lambda Tasks ({functions:>2} function(s)) + 10 Pass, {how}: "
                f"{per_task:6.3f} ms per Lambda Task ({per_run:6.2f} ms per execution)"
            )
    if args.workflow_only:
        return
    for backend in args.backend or ["inprocess", "subprocess"]:
        sequential = warm_sequential(backend, args.invocations)
        concurrent = warm_concurrent(backend, args.invocations, args.concurrency)
        cold_ms, warm_ms = cold_start(backend, args.cold_starts)
        print(
            f"{backend:<11} warm sequential {sequential:9.0f} inv/s   "
            f"warm x{args.concurrency} {concurrent:9.0f} inv/s   "
            f"cold start {cold_ms:7.2f} ms (overhead {cold_ms - warm_ms:7.2f} ms "
            f"over a {warm_ms:.2f} ms warm invocation)"
        )


if __name__ == "__main__":
    main()
