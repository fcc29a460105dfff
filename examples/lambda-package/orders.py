"""Order handlers: validation and pricing."""

import os

from shop.catalog import price_of
from shop.errors import InvalidOrder

served = 0  # module state: survives between warm invocations of one environment


def validate(event, context):
    """Check that every item is known and has a positive quantity."""
    items = event.get("items") or []
    if not items:
        raise InvalidOrder("an order needs at least one item")
    for item in items:
        if price_of(item.get("sku")) is None:
            raise InvalidOrder(f"unknown sku {item.get('sku')!r}")
        if int(item.get("quantity", 0)) < 1:
            raise InvalidOrder(f"quantity of {item['sku']!r} must be at least 1")
    return {**event, "valid": True}


def price(event, context):
    """Add the total in cents and the currency."""
    global served
    served += 1
    total = sum(price_of(i["sku"]) * int(i["quantity"]) for i in event["items"])
    return {
        **event,
        "total": total,
        "currency": os.environ.get("CURRENCY", "USD"),
        "servedByThisEnvironment": served,
    }
