"""The public surface: typed options that refuse a misspelling, clean error chains."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import asl

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_a_misspelt_run_option_fails_at_call_time_naming_the_right_one() -> None:
    with pytest.raises(
        TypeError, match=r"unexpected keyword argument 'functoins' \(did you mean 'functions'\?\)"
    ):
        asl.run(PASS, {}, functoins={})  # type: ignore[call-arg]


@pytest.mark.anyio
async def test_a_misspelt_start_option_fails_too() -> None:
    with pytest.raises(TypeError, match="'mock'"):
        async with asl.start(PASS, {}, mock={}):  # type: ignore[call-arg]
            pass


def test_errors_from_run_carry_no_unrelated_exception_context() -> None:
    with pytest.raises(asl.DefinitionError) as caught:
        asl.run({"StartAt": "Missing", "States": {}})
    assert caught.value.__context__ is None


def test_a_misspelt_option_fails_in_mypy(tmp_path: Path) -> None:
    source = tmp_path / "use.py"
    source.write_text("import asl\n\nasl.run({}, {}, functoins={})\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 1, result.stdout
    assert 'Unexpected keyword argument "functoins"' in result.stdout


def test_execution_status_is_a_literal_type() -> None:
    import typing

    from asl.execution.result import Status

    assert set(typing.get_args(Status)) == {
        "RUNNING",
        "SUCCEEDED",
        "FAILED",
        "TIMED_OUT",
        "ABORTED",
    }


def test_an_execution_draws_itself_as_one_html_page() -> None:
    definition = {
        "StartAt": "First",
        "States": {"First": {"Type": "Pass", "Next": "Second"}, "Second": {"Type": "Succeed"}},
    }
    ex = asl.run(definition, {"a": 1})
    page = ex.to_html()
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert "First" in page and "Second" in page
    assert "https://" not in page.split("<script", 1)[0]  # no CDN in the head
    assert ex.machine is not None and set(ex.machine.states) == {"First", "Second"}
