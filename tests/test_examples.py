"""The example workflows in examples/ run as documented."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import asl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_definitions_are_valid():
    for path in EXAMPLES.rglob("*.asl.json"):
        if "invalid" in path.parts:
            continue
        assert asl.validate(path) == [], path


def test_order_workflow_runs_deployment_package_functions():
    order = _load(EXAMPLES / "lambda-package" / "run_order.py")
    runtime = order.make_runtime()
    machine = asl.parse(EXAMPLES / "order.asl.json")
    good = {"orderId": "o-1", "items": [{"sku": "tea", "quantity": 2}], "card": "4242"}
    first = asl.run(machine, good, lambda_runtime=runtime)
    assert first.status == "SUCCEEDED", first.cause
    assert first.output["currency"] == "EUR"
    assert first.output["charge"]["amount"] == first.output["total"]
    assert first.output["receipt"]["sent"] is True
    second = asl.run(machine, good, lambda_runtime=runtime)
    # the same warm environment served the second execution: module state survived
    assert first.output["servedByThisEnvironment"] == 1
    assert second.output["servedByThisEnvironment"] == 2


def test_order_workflow_declined_card_fails_with_the_payment_error():
    order = _load(EXAMPLES / "lambda-package" / "run_order.py")
    machine = asl.parse(EXAMPLES / "order.asl.json")
    declined = {"orderId": "o-2", "items": [{"sku": "tea", "quantity": 1}], "card": "0000"}
    ex = asl.run(machine, declined, lambda_runtime=order.make_runtime())
    assert ex.status == "FAILED" and ex.error == "PaymentFailed"
    assert json.loads(ex.cause)["errorType"] == "PaymentDeclined"
    assert ex.states_entered()[-2:] == ["ChargeCard", "PaymentFailed"]


def test_order_workflow_rejects_unknown_items():
    order = _load(EXAMPLES / "lambda-package" / "run_order.py")
    machine = asl.parse(EXAMPLES / "order.asl.json")
    bad = {"orderId": "o-3", "items": [{"sku": "nope", "quantity": 1}], "card": "4242"}
    ex = asl.run(machine, bad, lambda_runtime=order.make_runtime())
    assert ex.error == "OrderRejected"
    assert "unknown sku" in json.loads(ex.cause)["errorMessage"]
