"""The sample projects in examples/ run with one command and no glue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import asl
from asl.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(capsys, name: str, event: str, *extra: str) -> tuple[int, str, str]:
    template = EXAMPLES / name / "template.yaml"
    code = main(["run", str(template), "--input", f"@{EXAMPLES / name / 'events' / event}", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sam_orders_runs_with_its_functions_layer_and_globals(capsys):
    code, out, err = _run(capsys, "sam-orders", "order.json")
    assert code == 0, err
    assert json.loads(out) == {
        "orderId": "o-1",
        "status": "APPROVED",
        "price": {"total": 24.0, "currency": "USD"},
    }


def test_sam_orders_rejects_over_the_approval_limit_given_as_a_parameter(capsys):
    code, out, err = _run(
        capsys, "sam-orders", "order.json", "--parameter-overrides", "ApprovalLimit=20"
    )
    assert code == 0, err
    assert json.loads(out) == {"orderId": "o-1", "status": "REJECTED"}


def test_sam_orders_invalid_order_is_caught():
    project = asl.load_template(EXAMPLES / "sam-orders" / "template.yaml")
    ex = project.run(input={"orderId": "o-2", "lines": []})
    assert ex.output == {"orderId": "o-2", "status": "REJECTED"}
    assert [e["type"] for e in ex.history if e["type"].startswith("TaskFailed")] == []
    failed = [e for e in ex.history if e["type"] == "LambdaFunctionFailed"]
    assert failed[0]["lambdaFunctionFailedEventDetails"]["error"] == "InvalidOrder"


def test_sam_inline_runs_the_map_and_the_inline_code(capsys):
    code, out, err = _run(capsys, "sam-inline", "documents.json")
    assert code == 0, err
    assert json.loads(out) == {"documents": 2, "top": ["the", "counts", "document"]}


def test_sam_dynamodb_runs_against_moto(capsys):
    pytest.importorskip("moto")
    code, out, err = _run(capsys, "sam-dynamodb", "order.json")
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "SHIPPED"
    assert result["address"] == "1 Rue de la Paix, Paris"
    assert result["tracking"].startswith("TRK-")


def test_sam_dynamodb_table_holds_the_order_afterwards():
    pytest.importorskip("moto")
    project = asl.load_template(EXAMPLES / "sam-dynamodb" / "template.yaml")
    with project.aws_environment() as aws:
        ex = project.run(input={"orderId": "o-7", "address": "x"})
        assert ex.status == "SUCCEEDED", ex.cause
        item = aws.session.client("dynamodb").get_item(
            TableName="OrdersTable", Key={"orderId": {"S": "o-7"}}
        )["Item"]
    assert item["status"] == {"S": "SHIPPED"}
    assert item["tracking"] == {"S": ex.output["tracking"]}


def test_example_templates_validate():
    for name in ("sam-orders", "sam-inline", "sam-dynamodb"):
        assert main(["validate", str(EXAMPLES / name / "template.yaml")]) == 0
