"""Definitions AWS itself accepted or rejected (copied into tests/validation/data)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from asl.validation import validate

DATA = pathlib.Path(__file__).with_name("data") / "aws_verdicts.json"
CASES: list[dict[str, Any]] = json.loads(DATA.read_text())["cases"]


@pytest.mark.parametrize("case", [c for c in CASES if c["valid"]], ids=lambda c: c["id"])
def test_definitions_aws_accepted_have_no_error(case: dict[str, Any]) -> None:
    found = [d for d in validate(case["text"], machine_type=case["type"]) if d.severity == "error"]
    assert found == []


@pytest.mark.parametrize("case", [c for c in CASES if not c["valid"]], ids=lambda c: c["id"])
def test_definitions_aws_rejected_get_its_error_code(case: dict[str, Any]) -> None:
    found = {
        d.code for d in validate(case["text"], machine_type=case["type"]) if d.severity == "error"
    }
    assert found, "AWS rejected this definition"
    for code in case["codes"]:
        assert code in found
