"""docs/testing.md: every example file runs, and the output it shows is what pytest prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
FILE_BLOCK = re.compile(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```", re.S)


def blocks_after(marker: str) -> str:
    """The first fenced block after the paragraph containing ``marker``."""
    text = DOC.read_text()
    start = text.index(marker)
    match = re.compile(r"```\w*\n(.*?)```", re.S).search(text, start)
    assert match is not None
    return match.group(1)


def test_doc_examples_run_and_show_what_they_say(pytester: pytest.Pytester, run_tests) -> None:
    files = FILE_BLOCK.findall(DOC.read_text())
    assert {name for name, _ in files} >= {
        "test_order.py",
        "test_order_fixtures.py",
        "test_async.py",
    }
    for name, body in files:
        (pytester.path / name).write_text(body)
    result = run_tests()
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1, result.stdout.str()
    assert outcomes.get("passed") == 9
    out = result.stdout.str()
    assert "FAILED test_failure_report.py::test_charge" in out
    # the failure report shown in the doc
    shown = blocks_after("pytest reports (paths shortened):")
    for line in shown.splitlines():
        if "…" in line or line.startswith("---"):
            continue
        assert line in out, line
    # the coverage table shown in the doc
    command = "pytest --asl-cov --asl-cov-report=term-missing test_order.py test_order_fixtures.py"
    table = blocks_after(f"`{command}` prints:")
    result = run_tests(*command.split()[1:])
    result.assert_outcomes(passed=5)
    out = result.stdout.str()
    for line in table.splitlines():
        assert line in out, line
