"""The ``asl validate`` command: output formats and exit status."""

from __future__ import annotations

import io
import json
import pathlib
import subprocess
import sys

import pytest

from asl.commands.validate import main
from asl.diagnostics import Diagnostic
from asl.validation.aws_format import response

VALID = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}\n'
INVALID = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pas", "End": true}\n  }\n}\n'
WARNING_ONLY = (
    '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"id": "$.id"}, "End": true}}}'
)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: pathlib.Path) -> dict[str, str]:
    paths = {}
    for name, text in {
        "ok.asl.json": VALID,
        "bad.asl.json": INVALID,
        "warn.asl.json": WARNING_ONLY,
    }.items():
        path = tmp_path / name
        path.write_text(text)
        paths[name] = str(path)
    yaml_path = tmp_path / "bad.asl.yaml"
    yaml_path.write_text(
        "StartAt: A\nStates:\n  A:\n    Type: Wait\n    Timestamp: soon\n    End: true\n"
    )
    paths["bad.asl.yaml"] = str(yaml_path)
    return paths


def test_valid_files_exit_zero_silently(files: dict[str, str]) -> None:
    assert run(files["ok.asl.json"]) == (0, "", "")


def test_text_format_is_file_line_column_code_message(files: dict[str, str]) -> None:
    status, out, _ = run(files["ok.asl.json"], files["bad.asl.json"], files["bad.asl.yaml"])
    assert status == 1
    bad, yaml = files["bad.asl.json"], files["bad.asl.yaml"]
    assert out.splitlines() == [
        f"{bad}:4:19: SCHEMA_VALIDATION_FAILED The field 'Type' should have one of these values: "
        "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] (at /States/A/Type)",
        f"{yaml}:5:16: SCHEMA_VALIDATION_FAILED String does not match RFC3339 timestamp (at /States/A/Timestamp)",
    ]


def test_warnings_are_shown_but_do_not_fail(files: dict[str, str]) -> None:
    status, out, _ = run(files["warn.asl.json"])
    assert status == 0
    assert "NO_DOLLAR warning:" in out
    assert run("--severity", "error", files["warn.asl.json"]) == (0, "", "")


def test_json_format(files: dict[str, str]) -> None:
    status, out, _ = run("--format", "json", files["ok.asl.json"], files["bad.asl.json"])
    assert status == 1
    document = json.loads(out)
    assert document["valid"] is False
    assert [f["valid"] for f in document["files"]] == [True, False]
    [diagnostic] = document["files"][1]["diagnostics"]
    assert diagnostic == {
        "code": "SCHEMA_VALIDATION_FAILED",
        "message": "The field 'Type' should have one of these values: "
        "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
        "path": "/States/A/Type",
        "line": 4,
        "column": 19,
        "severity": "error",
    }


def test_github_format_annotates_files(files: dict[str, str]) -> None:
    status, out, _ = run("--format", "github", files["bad.asl.yaml"])
    assert status == 1
    name = files["bad.asl.yaml"].replace(":", "%3A").replace(",", "%2C")
    assert out == (
        f"::error file={name},line=5,col=16,title=SCHEMA_VALIDATION_FAILED::"
        "String does not match RFC3339 timestamp (at /States/A/Timestamp)\n"
    )


def test_aws_format_for_one_file_is_the_api_response(files: dict[str, str]) -> None:
    status, out, _ = run("--format", "aws", files["bad.asl.json"])
    assert status == 1
    assert json.loads(out) == {
        "result": "FAIL",
        "diagnostics": [
            {
                "severity": "ERROR",
                "code": "SCHEMA_VALIDATION_FAILED",
                "message": "The field 'Type' should have one of these values: "
                "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
                "location": "/States/A/Type",
            }
        ],
        "truncated": False,
    }


def test_aws_format_for_several_files_maps_file_to_response(files: dict[str, str]) -> None:
    _, out, _ = run("--format", "aws", files["ok.asl.json"], files["warn.asl.json"])
    document = json.loads(out)
    assert document[files["ok.asl.json"]] == {"result": "OK", "diagnostics": [], "truncated": False}
    assert document[files["warn.asl.json"]]["diagnostics"] == []  # AWS's default severity is ERROR


def test_express_type_option(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "cb.asl.json"
    path.write_text(
        '{"StartAt": "A", "States": {"A": {"Type": "Task", "End": true,'
        ' "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken"}}}'
    )
    assert run(str(path))[0] == 0
    status, out, _ = run("--type", "express", str(path))
    assert status == 1 and "Express state machine does not support" in out


def test_usage_errors_exit_two(files: dict[str, str]) -> None:
    assert run()[0] == 2
    assert run("--format", "xml", files["ok.asl.json"])[0] == 2
    status, _, err = run(files["ok.asl.json"], "/no/such/file.json")
    assert status == 2 and "/no/such/file.json" in err


def test_malformed_file_is_reported_not_raised(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "broken.asl.json"
    path.write_text('{"StartAt": ')
    status, out, _ = run(str(path))
    assert status == 1
    assert out.startswith(f"{path}:1:13: INVALID_JSON_DESCRIPTION ")


def test_runs_as_a_module(files: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "asl.commands.validate", files["bad.asl.json"]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "SCHEMA_VALIDATION_FAILED" in result.stdout


def test_aws_response_filters_by_severity_and_truncates() -> None:
    diagnostics = [Diagnostic("E", "error", "/a")] * 3 + [
        Diagnostic("W", "w", "", severity="warning")
    ]
    assert response(diagnostics, max_results=2) == {
        "result": "FAIL",
        "diagnostics": [{"severity": "ERROR", "code": "E", "message": "error", "location": "/a"}]
        * 2,
        "truncated": True,
    }
    only_warning = response([Diagnostic("W", "w", "", severity="warning")], severity="WARNING")
    assert only_warning == {
        "result": "OK",
        "diagnostics": [{"severity": "WARNING", "code": "W", "message": "w", "location": "/"}],
        "truncated": False,
    }
    with pytest.raises(ValueError):
        response([], severity="INFO")


def test_strict_makes_warnings_fail(files: dict[str, str]) -> None:
    status, out, _ = run("--strict", files["warn.asl.json"])
    assert status == 1
    assert "NO_DOLLAR warning:" in out
    assert run("--strict", files["ok.asl.json"]) == (0, "", "")
    assert run("--strict", files["bad.asl.json"])[0] == 1


def _tree(root: pathlib.Path) -> dict[str, pathlib.Path]:
    """A project with definitions in several forms among files that are not definitions."""
    layout = {
        "flows/order.asl.json": VALID,
        "flows/nested/broken.asl.yaml": "StartAt: A\nStates:\n  A:\n    Type: Pas\n    End: true\n",
        "flows/nested/ship.asl.yml": "StartAt: A\nStates:\n  A: {Type: Succeed}\n",
        "plain/machine.json": VALID,
        "plain/machine.yaml": "StartAt: A\nStates:\n  A: {Type: Succeed}\n",
        "plain/package.json": '{"name": "x", "States": 1}',
        "plain/template.yaml": "Resources:\n  M:\n    StartAt: A\n    States: {}\n",
        "plain/notes.txt": VALID,
        ".hidden/secret.asl.json": INVALID,
        "node_modules/lib/x.asl.json": INVALID,
    }
    paths = {}
    for name, text in layout.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths[name] = path
    return paths


def test_a_directory_is_searched_for_definitions(tmp_path: pathlib.Path) -> None:
    paths = _tree(tmp_path)
    status, out, _ = run("--format", "json", str(tmp_path))
    assert status == 1
    checked = [entry["file"] for entry in json.loads(out)["files"]]
    expected = [  # a directory's files, then its subdirectories, each sorted
        "flows/order.asl.json",
        "flows/nested/broken.asl.yaml",
        "flows/nested/ship.asl.yml",
        "plain/machine.json",
        "plain/machine.yaml",
    ]
    assert checked == [str(paths[name]) for name in expected]
    invalid = [e["file"] for e in json.loads(out)["files"] if not e["valid"]]
    assert invalid == [str(paths["flows/nested/broken.asl.yaml"])]


def test_a_directory_of_valid_definitions_exits_zero(tmp_path: pathlib.Path) -> None:
    paths = _tree(tmp_path)
    paths["flows/nested/broken.asl.yaml"].unlink()
    assert run(str(tmp_path)) == (0, "", "")


def test_a_directory_without_definitions_says_so(tmp_path: pathlib.Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    status, out, err = run(str(tmp_path))
    assert (status, out) == (0, "")
    assert f"{tmp_path}: no state machine definitions found" in err


def test_a_missing_directory_is_a_usage_error(tmp_path: pathlib.Path) -> None:
    status, _, err = run(str(tmp_path / "nowhere"))
    assert status == 2 and "no such file or directory" in err
