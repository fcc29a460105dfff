"""Notification handler."""


def send_receipt(event, context):
    """'Send' a receipt: print it to the function's log and return it."""
    amount = event["amount"] / 100
    message = f"Order {event['orderId']}: charged {amount:.2f} {event['currency']}"
    print(message)
    return {"sent": True, "to": event.get("email", "customer"), "message": message}
