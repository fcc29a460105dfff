"""Book a shipment for an order recorded in the orders table."""

import hashlib
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
    order = TABLE.get_item(Key={"orderId": event["orderId"]}).get("Item")
    if order is None:
        raise LookupError(f"order {event['orderId']} is not in {TABLE.name}")
    digest = hashlib.sha256(order["address"].encode()).hexdigest()[:10].upper()
    return {"tracking": f"TRK-{digest}", "status": order["status"]}
