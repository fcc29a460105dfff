"""The pre-commit hook declared in .pre-commit-hooks.yaml."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    [declared] = [h for h in hooks if h["id"] == "asl-validate"]
    return declared


def test_the_hook_runs_asl_validate_on_asl_definitions() -> None:
    declared = hook()
    assert declared["id"] == "asl-validate"
    assert declared["entry"] == "asl validate"
    assert declared["language"] == "python"
    files = re.compile(declared["files"])
    for name in ("a.asl.json", "dir/b.asl.yaml", "c.asl.yml"):
        assert files.search(name), name
    for name in ("package.json", "a.asl.json.bak", "asl.yaml", "a.asljson"):
        assert not files.search(name), name


@pytest.mark.skipif(
    not (shutil.which("pre-commit") and os.environ.get("ASL_TEST_PRECOMMIT")),
    reason="set ASL_TEST_PRECOMMIT=1 with pre-commit installed (installs asl from this checkout)",
)
def test_the_hook_works_from_a_scratch_repository(tmp_path: pathlib.Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "test")
    (tmp_path / "good.asl.json").write_text(
        '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}'
    )
    (tmp_path / "bad.asl.yaml").write_text("StartAt: A\nStates:\n  A:\n    Type: Nope\n")
    git("add", ".")
    result = subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), "asl-validate", "--all-files"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bad.asl.yaml:4:11: SCHEMA_VALIDATION_FAILED" in result.stdout
    assert "good.asl.json" not in result.stdout
