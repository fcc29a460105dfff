#!/usr/bin/env python3
"""Lambda runtime benchmarks: invocations per second and cold-start overhead per backend.

    python benchmarks/lambda_bench.py                        # both local backends
    python benchmarks/lambda_bench.py --backend inprocess --invocations 5000

For each backend, using the example deployment package (examples/lambda-package):
  warm sequential   invocations/s of one function, one environment, one caller
  warm concurrent   invocations/s with --concurrency callers (one environment each)
  cold start        mean time of a first invocation (new environment + init) and its
                    overhead over a warm invocation
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402

from asl.lambda_runtime import LambdaRuntime  # noqa: E402

PACKAGE = ROOT / "examples" / "lambda-package"
ORDER = {"orderId": "o-1", "items": [{"sku": "tea", "quantity": 2}], "card": "4242"}


def warm_sequential(backend: str, count: int) -> float:
    """Invocations per second, one caller, warm environment."""
    with LambdaRuntime(backend=backend) as runtime:
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
    with LambdaRuntime(backend=backend) as runtime:
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
    with LambdaRuntime(backend=backend) as runtime:
        for i in range(functions):
            runtime.register(f"price{i}", code=PACKAGE, handler_name="orders.price")
            start = time.perf_counter()
            runtime.invoke(f"price{i}", ORDER)
            cold.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            runtime.invoke(f"price{i}", ORDER)
            warm.append((time.perf_counter() - start) * 1000)
    return statistics.mean(cold), statistics.mean(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backend", action="append", choices=["inprocess", "subprocess"], default=None
    )
    parser.add_argument("--invocations", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cold-starts", type=int, default=10)
    args = parser.parse_args()
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
