from order_rules import InvalidOrder, stage


def lambda_handler(event, context):
    lines = event.get("lines") or []
    if not lines:
        raise InvalidOrder(f"order {event.get('orderId')} has no lines")
    for line in lines:
        if int(line.get("quantity", 0)) <= 0:
            raise InvalidOrder(f"line {line.get('sku')} has no quantity")
    return {**event, "validatedIn": stage()}
