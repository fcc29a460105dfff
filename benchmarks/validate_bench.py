#!/usr/bin/env python3
"""How fast is ``asl validate``?  Wall time from a cold process, beside ``python -c pass``.

    python benchmarks/validate_bench.py [--runs 7] [--files 1000] [--statelint PATH]

Prints the median wall time of: a bare ``python -c pass``; ``asl validate`` on one small
definition; ``asl validate`` on --files definitions in one call, and from that the cost per
definition; the same on a mixed set of --files definitions (a third with mistakes -- unknown
fields, wrong types, missing targets -- and a tenth using JSONata), the case the schema
error reporter and the position finder matter for; ``asl validate`` on one definition of
--states states; and, in this process, ``load`` + ``check`` of that large definition given
as a dict (what ``asl.run`` pays for a dict definition).  With ``--statelint`` (the
``statelint`` command of the PyPI package of that name, or found on PATH), the bulk runs
are timed with it too.  Uses ``python -m asl.commands.validate`` from this checkout.
Measures only; it asserts nothing.
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


def mixed(i: int) -> dict[str, Any]:
    """A definition of the mixed set: valid, with a mistake (i % 3 == 1), or JSONata."""
    document = realistic(i)
    states = document["States"]
    if i % 10 == 9:
        document["QueryLanguage"] = "JSONata"
        for name in ("Validate", "Save", "Notify", "Items", "Total"):
            states[name].pop("Parameters", None)
            states[name].pop("ResultPath", None)
            states[name].pop("OutputPath", None)
            states[name].pop("ItemsPath", None)
            states[name].pop("ItemSelector", None)
        states["Validate"]["Arguments"] = {"order": "{% $states.input.orders[0] %}"}
        states["Validate"]["Catch"][0].pop("ResultPath")
        states["Items"]["ItemProcessor"]["States"]["Price"].pop("Parameters")
        states["Items"]["ItemProcessor"]["States"]["Price"].pop("OutputPath")
        states["Items"]["Items"] = "{% $states.input.order.items %}"
        states["Total"] = {
            "Type": "Pass",
            "Output": {"total": "{% $sum([1, 2]) %}"},
            "Next": "Save",
        }
        states["IsValid"]["Choices"] = [
            {"Condition": "{% $states.input.validation.ok %}", "Next": "Items"},
            {"Condition": "{% $states.input.validation.score > 3 %}", "Next": "Wait"},
        ]
    elif i % 3 == 1:
        states["Validate"]["Bogus"] = True  # an unknown field
        states["Wait"]["Seconds"] = "five"  # a wrong type
        states["Save"]["Next"] = "Nowhere"  # a missing target
    return document


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
    """How to run ``asl validate`` from this checkout (PYTHONPATH points at it)."""
    return [sys.executable, "-m", "asl.commands.validate"]


def timed(argv: list[str], runs: int, *, failing: bool = False) -> float:
    """Median wall time of running ``argv`` ``runs`` times (after one warm-up run); exit
    status 1 is expected when ``failing``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode not in ((0, 1) if failing else (0,)):
            raise SystemExit(f"{argv[:3]}... exited with {result.returncode}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--states", type=int, default=1000)
    parser.add_argument("--statelint", help="the statelint command to compare with")
    args = parser.parse_args()
    statelint = args.statelint or shutil.which("statelint")
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
        varied = []
        for i in range(args.files):
            path = Path(tmp, f"mixed{i:04}.asl.json")
            path.write_text(json.dumps(mixed(i), indent=2))
            varied.append(str(path))
        bulk_mixed = timed([*command(), *varied], max(1, args.runs // 2), failing=True)
        compared: dict[str, float] = {}
        if statelint:
            compared["valid"] = timed([statelint, *many], max(1, args.runs // 2), failing=True)
            compared["mixed"] = timed([statelint, *varied], max(1, args.runs // 2), failing=True)
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
    print(f"asl validate, {args.files} mixed files in one call:  {bulk_mixed:.3f} s")
    for kind, seconds in compared.items():
        print(f"statelint, {args.files} {kind} files in one call:  {seconds:.3f} s")
    print(f"asl validate, 1 file of {args.states} states (cold):  {large_cold:.3f} s")
    print(
        f"load + check of {args.states} states as a dict:  {first * 1000:.1f} ms first"
        f" (imports included), {warm * 1000:.1f} ms after"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
