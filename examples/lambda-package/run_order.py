"""Run examples/order.asl.json against this directory's handlers in asl's Lambda runtime.

    python examples/lambda-package/run_order.py

Each function is registered from the deployment-package directory (code + handler
string), with its own execution environments: module-level code runs once per cold start.
"""

from __future__ import annotations

import json
from pathlib import Path

import asl

HERE = Path(__file__).resolve().parent
FUNCTIONS = {
    "validate-order": "orders.validate",
    "price-order": "orders.price",
    "charge-card": "payments.charge",
    "send-receipt": "notifications.send_receipt",
}


def make_runtime() -> asl.LambdaRuntime:
    runtime = asl.LambdaRuntime()
    for name, handler in FUNCTIONS.items():
        runtime.register(
            name, code=HERE, handler_name=handler, timeout=10, environment={"CURRENCY": "EUR"}
        )
    return runtime


def main() -> None:
    machine = asl.parse(HERE.parent / "order.asl.json")
    runtime = make_runtime()
    order = {"orderId": "o-1", "items": [{"sku": "tea", "quantity": 2}], "card": "4242424242424242"}
    ex = asl.run(machine, order, lambda_runtime=runtime)
    print(ex.status, json.dumps(ex.output if ex.succeeded else {"error": ex.error}, indent=2))
    print("\n".join(runtime.log_text("price-order").splitlines()[-3:]))


if __name__ == "__main__":
    main()
