#!/usr/bin/env python3
"""How fast is ``asl validate``?  Wall time from a cold process, beside ``python -c pass``.

    python benchmarks/validate_bench.py [--runs 7] [--files 1000]

Prints the median wall time of: a bare ``python -c pass``; ``asl validate`` on one small
definition; ``asl validate`` on --files definitions in one call, and from that the cost per
definition; ``asl validate`` on one definition of --states states; and, in this process,
``load`` + ``check`` of that large definition given as a dict (what ``asl.run`` pays for a
dict definition).  Uses the ``asl`` console script when installed, else ``python -m
asl.validation.command``.  Measures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

SMALL = {
    "Comment": "A small definition",
    "StartAt": "Hello",
    "States": {
        "Hello": {"Type": "Pass", "Result": "Hello", "Next": "World"},
        "World": {"Type": "Pass", "Result": "World", "End": True},
    },
}


def realistic(i: int) -> dict[str, Any]:
    """A ten-state definition with paths, templates, Choice, Retry/Catch and a Map."""
    return {
        "Comment": f"Order workflow {i}",
        "StartAt": "Validate",
        "States": {
            "Validate": {
                "Type": "Task",
                "Resource": f"arn:aws:lambda:us-east-1:123456789012:function:validate-{i}",
                "Parameters": {"order.$": f"$.orders[{i % 7}]", "requestId.$": "$$.Execution.Id"},
                "ResultPath": "$.validation",
                "Retry": [
                    {"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 3, "BackoffRate": 2}
                ],
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}
                ],
                "Next": "IsValid",
            },
            "IsValid": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.validation.ok", "BooleanEquals": True, "Next": "Items"},
                    {
                        "And": [
                            {"Variable": "$.validation.score", "NumericGreaterThan": i},
                            {"Variable": "$.validation.kind", "StringEquals": "retry"},
                        ],
                        "Next": "Wait",
                    },
                ],
                "Default": "Failed",
            },
            "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Validate"},
            "Items": {
                "Type": "Map",
                "ItemsPath": "$.order.items",
                "MaxConcurrency": 4,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Price",
                    "States": {
                        "Price": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": "price", "Payload.$": "$"},
                            "OutputPath": "$.Payload",
                            "End": True,
                        }
                    },
                },
                "ResultPath": "$.prices",
                "Next": "Total",
            },
            "Total": {
                "Type": "Pass",
                "Parameters": {
                    "total.$": "States.MathAdd($.prices[0], 1)",
                    "id.$": "States.UUID()",
                },
                "Next": "Save",
            },
            "Save": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}}},
                "Next": "Notify",
            },
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
                    "Message.$": "$.id",
                },
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
            "Failed": {"Type": "Fail", "Error": "OrderFailed", "Cause": "validation failed"},
        },
    }


def large(states: int) -> dict[str, Any]:
    """A chain of ``states`` Pass states, each moving data with Parameters and ResultPath."""
    chain: dict[str, Any] = {}
    for i in range(states):
        state: dict[str, Any] = {
            "Type": "Pass",
            "Parameters": {"v.$": "$.acc.v", "step": i},
            "ResultPath": "$.acc",
        }
        if i + 1 < states:
            state["Next"] = f"S{i + 1:05d}"
        else:
            state["End"] = True
        chain[f"S{i:05d}"] = state
    return {"Comment": f"{states} states", "StartAt": "S00000", "States": chain}


def in_process(document: dict[str, Any], runs: int) -> tuple[float, float]:
    """(first, median of the next ``runs``) seconds of load + check of a dict definition in
    a fresh interpreter: the first run includes importing the validator."""
    code = (
        "import json, statistics, sys, time\n"
        "from asl.loading import load\n"
        "from asl.validation import check\n"
        "document = json.load(sys.stdin)\n"
        "times = []\n"
        f"for _ in range({runs + 1}):\n"
        "    start = time.perf_counter()\n"
        "    loaded, _ = load(document)\n"
        "    check(loaded)\n"
        "    times.append(time.perf_counter() - start)\n"
        "print(times[0], statistics.median(times[1:]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(document),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    first, median = result.stdout.split()
    return float(first), float(median)


def command() -> list[str]:
    """How to run ``asl validate`` here."""
    script = shutil.which("asl")
    if script:
        return [script, "validate"]
    return [sys.executable, "-m", "asl.validation.command"]


def timed(argv: list[str], runs: int) -> float:
    """Median wall time of running ``argv`` ``runs`` times (after one warm-up run)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode not in (0,):
            raise SystemExit(f"{argv[:3]}... exited with {result.returncode}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--states", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp, "small.asl.json")
        small.write_text(json.dumps(SMALL, indent=2))
        many = []
        for i in range(args.files):
            path = Path(tmp, f"def{i:04}.asl.json")
            path.write_text(json.dumps(realistic(i), indent=2))
            many.append(str(path))
        base = timed([sys.executable, "-c", "pass"], args.runs)
        cold = timed([*command(), str(small)], args.runs)
        bulk = timed([*command(), *many], max(1, args.runs // 2))
        big = Path(tmp, "large.asl.json")
        big.write_text(json.dumps(large(args.states), indent=2))
        large_cold = timed([*command(), str(big)], args.runs)
    first, warm = in_process(large(args.states), args.runs)
    per = (bulk - cold) / args.files * 1000
    print(f"python -c pass:                     {base:.3f} s")
    print(f"asl validate, 1 small file (cold):  {cold:.3f} s")
    print(
        f"asl validate, {args.files} files in one call:  {bulk:.3f} s  (~{per:.2f} ms per definition)"
    )
    print(f"asl validate, 1 file of {args.states} states (cold):  {large_cold:.3f} s")
    print(
        f"load + check of {args.states} states as a dict:  {first * 1000:.1f} ms first"
        f" (imports included), {warm * 1000:.1f} ms after"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
