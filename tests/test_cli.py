"""The `asl run` command."""

from __future__ import annotations

import json
from pathlib import Path

from asl.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "user_data"


def test_run_prints_output_and_exits_zero(tmp_path, capsys):
    definition = tmp_path / "m.asl.json"
    definition.write_text(
        json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": True}}}
        )
    )
    assert main(["run", str(definition), "--input", '{"a": 1}']) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": 1}


def test_run_failure_prints_error_and_cause_and_exits_one(tmp_path, capsys):
    definition = tmp_path / "m.asl.json"
    definition.write_text(
        json.dumps(
            {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "why"}}}
        )
    )
    assert main(["run", str(definition)]) == 1
    err = capsys.readouterr().err
    assert "FAILED: Oops" in err and "why" in err


def test_run_reads_input_from_a_file(tmp_path, capsys):
    definition = tmp_path / "m.json"
    definition.write_text(
        json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    data = tmp_path / "in.json"
    data.write_text('{"from": "file"}')
    assert main(["run", str(definition), "--input", f"@{data}"]) == 0
    assert json.loads(capsys.readouterr().out) == {"from": "file"}


def test_run_bad_input_json_is_a_usage_error(tmp_path, capsys):
    definition = tmp_path / "m.json"
    definition.write_text(
        json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    assert main(["run", str(definition), "--input", "{nope"]) == 2
    assert "--input is not valid JSON" in capsys.readouterr().err


def test_run_invalid_definition_reports_diagnostics(tmp_path, capsys):
    definition = tmp_path / "bad.json"
    definition.write_text(
        json.dumps({"StartAt": "Missing", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    assert main(["run", str(definition)]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_user_data_example_runs_with_its_handlers(capsys):
    code = main(
        [
            "run",
            str(EXAMPLE.parent / "user_data.asl.json"),
            "--input",
            f"@{EXAMPLE / 'input.json'}",
            "--functions",
            str(EXAMPLE / "handlers.py"),
            "--history",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    output = json.loads(captured.out)
    assert output["email"] == "ada@example.com"
    assert output["database"] == {"updated": True, "attempts": 3}
    assert output["notification"]["sent"] is True
    history = json.loads(captured.err)
    failures = [e for e in history if e["type"] == "LambdaFunctionFailed"]
    assert [e["lambdaFunctionFailedEventDetails"]["error"] for e in failures] == [
        "DynamoDB.ThrottlingException",
        "DynamoDB.ThrottlingException",
    ]


def test_user_data_example_catches_database_errors(capsys):
    code = main(
        [
            "run",
            str(EXAMPLE.parent / "user_data.asl.json"),
            "--input",
            '{"userId": "u-9", "email": "x@example.com", "simulateDatabaseFailure": true}',
            "--functions",
            str(EXAMPLE / "handlers.py"),
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {
        "status": "DATABASE_ERROR",
        "userId": "u-9",
        "error": "DynamoDBException",
    }


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["frobnicate"]) == 2
