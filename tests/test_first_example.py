"""The README's first example ("Try it") runs as the README says."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import asl
from tests.history_helpers import retry_waits

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- the README's first example


def _try_it_command() -> list[str]:
    """The `asl run ...` part of the README's "Try it" command, as arguments."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try it", 1)[1]
    match = re.search(r"(?:^|&&)\s*asl (run [^\n&]+)", section, re.MULTILINE)
    assert match, "the README's 'Try it' section has no `asl run` command"
    return shlex.split(match.group(1))


def test_readme_try_it_command_runs_the_first_example_and_succeeds() -> None:
    args = _try_it_command()
    assert args[:2] == ["run", "examples/user_data.asl.json"]
    done = subprocess.run(
        [sys.executable, "-m", "asl", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    # examples/user_data/input.json is {"userId": "u-123", "email": "  Ada@Example.com "}
    assert output["userId"] == "u-123"
    assert output["email"] == "ada@example.com"
    assert output["database"] == {"updated": True, "attempts": 3}
    assert output["notification"]["sent"] is True


@pytest.fixture
def load_module() -> Callable[[Path], Any]:
    def load(path: Path) -> Any:
        spec = importlib.util.spec_from_file_location(f"public_samples_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


def test_first_example_retries_the_throttled_database_with_5_and_10_seconds_of_back_off(
    load_module: Callable[[Path], Any],
) -> None:
    handlers = load_module(ROOT / "examples" / "user_data" / "handlers.py")
    event = json.loads((ROOT / "examples" / "user_data" / "input.json").read_text())
    ex = asl.run(ROOT / "examples" / "user_data.asl.json", event, functions=handlers.FUNCTIONS)
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.states_entered() == ["ValidateUserData", "UpdateDatabase", "SendNotification"]
    failed = ex.events("LambdaFunctionFailed")
    assert [e["lambdaFunctionFailedEventDetails"]["error"] for e in failed] == [
        "DynamoDB.ThrottlingException"
    ] * 2
    # IntervalSeconds 5, then 5 x BackoffRate 2
    assert retry_waits(ex, "LambdaFunctionFailed", "LambdaFunctionScheduled") == [5, 10]
