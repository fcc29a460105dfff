"""The example deployment package in examples/lambda-package runs as documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from asl.lambda_runtime import LambdaRuntime

PACKAGE = Path(__file__).resolve().parents[2] / "examples" / "lambda-package"
HANDLERS = {
    "validate-order": "orders.validate",
    "price-order": "orders.price",
    "charge-card": "payments.charge",
    "send-receipt": "notifications.send_receipt",
}


@pytest.fixture(params=["inprocess", "subprocess"])
def shop(request) -> Iterator[LambdaRuntime]:
    with LambdaRuntime(host=request.param) as runtime:
        for name, handler in HANDLERS.items():
            runtime.register(
                name, code=PACKAGE, handler_name=handler, environment={"CURRENCY": "EUR"}
            )
        yield runtime


def test_an_order_goes_through_every_handler(shop: LambdaRuntime) -> None:
    order = {"orderId": "o-1", "items": [{"sku": "tea", "quantity": 2}], "card": "4242"}
    valid = shop.invoke("validate-order", order).json()
    priced = shop.invoke("price-order", valid).json()
    assert (priced["total"], priced["currency"], priced["servedByThisEnvironment"]) == (
        900,
        "EUR",
        1,
    )
    charge = shop.invoke("charge-card", priced).json()
    assert charge["amount"] == 900 and len(charge["chargeId"]) == 12
    receipt = shop.invoke("send-receipt", charge)
    assert receipt.json()["message"] == "Order o-1: charged 9.00 EUR"
    assert "Order o-1: charged 9.00 EUR\n" in shop.log_text(
        "send-receipt", request_id=receipt.request_id
    )
    assert shop.invoke("price-order", valid).json()["servedByThisEnvironment"] == 2


def test_business_errors_keep_their_exception_names(shop: LambdaRuntime) -> None:
    bad = shop.invoke("validate-order", {"orderId": "o-2", "items": [{"sku": "gin"}]})
    assert bad.json()["errorType"] == "InvalidOrder"
    assert bad.json()["errorMessage"] == "unknown sku 'gin'"
    declined = shop.invoke(
        "charge-card", {"orderId": "o-3", "card": "1230000", "total": 1, "currency": "EUR"}
    )
    assert declined.json()["errorType"] == "PaymentDeclined"
