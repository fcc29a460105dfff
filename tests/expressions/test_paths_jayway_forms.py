"""Path forms Jayway accepts and AWS therefore runs: a '.' before a bracket, trailing blanks.

Evidence: AWS's Step Functions workflows collection deploys the EC2 isolation sample
(serverlessland.com/workflows/ec2-instance-isolation-cdk) with the ResultSelector path
``$.Snapshots.[0].State``; Jayway's PathCompiler reads the token after a '.' as any
token (so ``.[`` is ``[``) and trims the path text before compiling it.
"""

from __future__ import annotations

from typing import Any

import pytest

import asl
from asl.expressions.paths import compile_path, compile_reference_path


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("$.[0]", "$[0]"),
        ("$.Snapshots.[0].State", "$.Snapshots[0].State"),
        ("$.a.['b c']", "$.a['b c']"),
        ("$.[?(@.OU > 0)]", "$[?(@.OU > 0)]"),
        ("$.items.[*].id", "$.items[*].id"),
        ("$.items.[1:]", "$.items[1:]"),
        ("$$.Execution.Name ", "$$.Execution.Name"),
        ("$.a.b\t", "$.a.b"),
        ("$.[0] ", "$[0]"),
    ],
)
def test_jayway_form_compiles_and_selects_as_the_plain_form(text: str, same_as: str) -> None:
    data: Any = {
        "Snapshots": [{"State": "completed"}],
        "a": {"b c": 1, "b": 2},
        "items": [{"id": 1}, {"id": 2}],
        "Execution": {"Name": "run-1"},
    }
    path, plain = compile_path(text), compile_path(same_as)
    assert path.definite == plain.definite
    assert path.normalized == plain.normalized
    document = [{"OU": 1}, {"OU": 0}] if "OU" in text or text.startswith("$.[0]") else data
    assert path.find(document) == plain.find(document)


def test_dot_bracket_reference_path_is_a_reference_path() -> None:
    assert compile_reference_path("$.Snapshots.[0].State").steps == ("Snapshots", 0, "State")


@pytest.mark.parametrize("text", ["$.", "$. ", "$.a.", "$.a .b", "$...a", " $.a"])
def test_forms_jayway_refuses_stay_errors(text: str) -> None:
    with pytest.raises(ValueError):
        compile_path(text)


def _sample_machine() -> dict[str, Any]:
    """The data flow of the EC2 isolation sample, with ec2:describeSnapshots as a function."""
    return {
        "StartAt": "Get Snapshot Status",
        "States": {
            "Get Snapshot Status": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:describeSnapshots",
                "ResultSelector": {"SnapshotState.$": "$.Snapshots.[0].State"},
                "ResultPath": "$.SnapshotStatus",
                "Next": "Name",
            },
            "Name": {
                "Type": "Pass",
                "Parameters": {
                    "name.$": "$$.Execution.Name ",
                    "first.$": "$.ids.[0]",
                    "state.$": "$.SnapshotStatus.SnapshotState",
                },
                "End": True,
            },
        },
    }


def test_validate_accepts_the_jayway_forms() -> None:
    assert asl.validate(_sample_machine()) == []


def test_run_evaluates_the_jayway_forms() -> None:
    def describe_snapshots(event: Any, context: Any) -> Any:
        return {"Snapshots": [{"SnapshotId": "snap-1", "State": "completed"}]}

    execution = asl.run(
        _sample_machine(),
        {"ids": ["i-1", "i-2"]},
        name="run-1",
        functions={"describeSnapshots": describe_snapshots},
    )
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"name": "run-1", "first": "i-1", "state": "completed"}

    def no_snapshot(event: Any, context: Any) -> Any:
        return {"Snapshots": []}

    failed = asl.run(_sample_machine(), {"ids": []}, functions={"describeSnapshots": no_snapshot})
    assert failed.error == "States.Runtime"
