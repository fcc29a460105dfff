"""Payment handler."""

import hashlib

from shop.errors import PaymentDeclined


def charge(event, context):
    """Charge the order's card; cards ending in 0000 are declined."""
    card = str(event.get("card", ""))
    if card.endswith("0000"):
        raise PaymentDeclined(f"card ending {card[-4:]} was declined")
    charge_id = hashlib.sha256(f"{event['orderId']}:{card}".encode()).hexdigest()[:12]
    return {
        "orderId": event["orderId"],
        "chargeId": charge_id,
        "amount": event["total"],
        "currency": event["currency"],
    }
