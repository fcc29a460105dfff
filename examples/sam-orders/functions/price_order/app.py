import os

from order_rules import line_total


def lambda_handler(event, context):
    subtotal = sum(line_total(line) for line in event["lines"])
    total = round(subtotal * (1 + float(os.environ["TAX_RATE"])), 2)
    return {"total": total, "currency": os.environ["CURRENCY"], "stage": os.environ["STAGE"]}
