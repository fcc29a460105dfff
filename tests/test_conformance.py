"""Run every case file in conformance/: definition + input -> expected status/output/error."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

import asl

ROOT = Path(__file__).resolve().parent.parent / "conformance"
CASES = sorted(ROOT.rglob("*.json"))


def _handler(spec: str, base: Path) -> Any:
    file, _, name = spec.partition(":")
    path = (base / file).resolve()
    module_spec = importlib.util.spec_from_file_location(f"conformance_{path.stem}", path)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, name or "handler")


@pytest.mark.parametrize("path", CASES, ids=[str(p.relative_to(ROOT)) for p in CASES])
def test_conformance_case(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    functions = {
        name: _handler(spec, path.parent) for name, spec in (case.get("functions") or {}).items()
    }
    ex = asl.run(case["definition"], case.get("input"), functions=functions or None)
    expected = case["expected"]
    detail = f"error={ex.error!r} cause={ex.cause!r} output={ex.output!r}"
    assert ex.status == expected["status"], detail
    if "output" in expected:
        assert ex.output == expected["output"]
    if "error" in expected:
        assert ex.error == expected["error"]
    if "cause" in expected:
        assert ex.cause == expected["cause"]
    if "history_events" in expected:
        assert len(ex.history) == expected["history_events"]
    if "states" in case:
        top = set(case["definition"]["States"])
        assert [n for n in ex.states_entered() if n in top] == case["states"]
