"""The path an execution took, read from its history: conformance/graph/ cases, and the
nesting of interleaved Parallel and Map events."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import asl
from asl.graph.model import build
from asl.graph.path import execution_overlay, state_runs, transitions, visits

ROOT = Path(__file__).resolve().parents[2] / "conformance" / "graph"
CASES = sorted(ROOT.glob("*.json"))


def _handler(spec: str) -> Any:
    file, _, name = spec.partition(":")
    path = ROOT / file
    module_spec = importlib.util.spec_from_file_location(f"graph_case_{path.stem}", path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, name)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_path_case(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    functions = {k: _handler(v) for k, v in (case.get("functions") or {}).items()}
    machine = asl.parse(case["definition"])
    ex = asl.run(machine, case.get("input"), functions=functions or None)
    assert ex.status == case["expected"]["status"], ex.cause
    found = visits(ex.history)
    runs = state_runs(found)
    expected = case["path"]
    assert {n: r.status for n, r in runs.items() if n in expected["states"]} == expected["states"]
    for name, count in expected.get("retries", {}).items():
        assert runs[name].retries == count, name
    for name, count in expected.get("visits", {}).items():
        assert runs[name].visits == count, name
    taken = Counter(transitions(build(machine), found))
    assert {(*k, n) for k, n in taken.items()} == {tuple(t) for t in expected["transitions"]}


def test_nested_events_belong_to_the_state_that_emitted_them():
    machine = asl.parse(
        {
            "StartAt": "Outer",
            "States": {
                "Outer": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "Inner",
                            "States": {
                                "Inner": {
                                    "Type": "Map",
                                    "ItemsPath": "$.xs",
                                    "ItemProcessor": {
                                        "StartAt": "Call",
                                        "States": {
                                            "Call": {
                                                "Type": "Task",
                                                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                                                "End": True,
                                            }
                                        },
                                    },
                                    "End": True,
                                }
                            },
                        },
                        {"StartAt": "Side", "States": {"Side": {"Type": "Pass", "End": True}}},
                    ],
                    "End": True,
                }
            },
        }
    )
    ex = asl.run(machine, {"xs": [1, 2, 3]}, functions={"f": lambda e, c: e * 10})
    assert ex.status == "SUCCEEDED"
    found = visits(ex.history)
    by_name: dict[str, list[Any]] = {}
    for v in found:
        by_name.setdefault(v.name, []).append(v)
    assert len(by_name["Call"]) == 3
    assert all(v.parent is not None and v.parent.name == "Inner" for v in by_name["Call"])
    assert by_name["Inner"][0].parent is by_name["Outer"][0]
    # every Lambda event is owned by a Call visit; Map events by Inner; Parallel events by Outer
    for v in found:
        types = {e["type"] for e in v.events}
        if v.name == "Call":
            assert "LambdaFunctionSucceeded" in types and "MapIterationStarted" not in types
        if v.name == "Inner":
            assert {"MapStateStarted", "MapIterationStarted", "MapStateSucceeded"} <= types
        if v.name == "Outer":
            assert {"ParallelStateStarted", "ParallelStateSucceeded"} <= types
    assert [json.loads(v.output) for v in by_name["Call"]] == [10, 20, 30]


def test_retries_count_and_outputs_are_per_visit():
    attempts = Counter[str]()

    def flaky(event: Any, context: Any) -> Any:
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise TimeoutError("slow")
        return {"ok": attempts["n"]}

    machine = asl.parse(
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                    "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}],
                    "End": True,
                }
            },
        }
    )
    ex = asl.run(machine, {"in": 1}, functions={"flaky": flaky})
    overlay = execution_overlay(build(machine), ex)
    call = overlay["states"]["Call"]
    assert call["status"] == "succeeded" and call["retries"] == 2 and call["visits"] == 1
    assert call["errors"] == ["TimeoutError"]
    assert json.loads(call["payloads"][0]["input"]) == {"in": 1}
    assert json.loads(call["payloads"][0]["output"]) == {"ok": 3}
    assert overlay["transitions"] == {"Call\u2192Call\u00a0Retry[0]": 2}
    assert overlay["ended"] == {"Call": 1}


def test_the_timeline_puts_events_on_the_execution_clock():
    machine = asl.parse(
        {
            "StartAt": "Nap",
            "States": {
                "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Up"},
                "Up": {"Type": "Pass", "End": True},
            },
        }
    )
    ex = asl.run(machine, {})
    timeline = execution_overlay(build(machine), ex)["timeline"]
    assert timeline["events"][0]["t"] == 0 and timeline["events"][0]["type"] == "ExecutionStarted"
    spans = {s["state"]: s for s in timeline["spans"]}
    # the virtual clock: an hour of waiting, recorded as an hour, taking no real time
    assert spans["Nap"]["end"] - spans["Nap"]["start"] == pytest.approx(3_600_000, abs=1000)
    assert spans["Up"]["start"] >= 3_600_000
    assert timeline["duration"] >= 3_600_000
    assert {e["state"] for e in timeline["events"] if e["type"].startswith("Wait")} == {"Nap"}


def test_a_state_still_open_when_the_execution_ended_is_cancelled():
    machine = asl.parse(
        {
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "Slow",
                            "States": {"Slow": {"Type": "Wait", "Seconds": 60, "End": True}},
                        },
                        {"StartAt": "Bad", "States": {"Bad": {"Type": "Fail", "Error": "E"}}},
                    ],
                    "End": True,
                }
            },
        }
    )
    ex = asl.run(machine, {})
    assert ex.status == "FAILED"
    runs = state_runs(visits(ex.history), finished=True)
    assert runs["Bad"].status == "failed"
    assert runs["Both"].status == "failed"
    if "Slow" in runs:  # entered before the failure cancelled its branch
        assert runs["Slow"].status == "cancelled"
        assert state_runs(visits(ex.history), finished=False)["Slow"].status == "running"
