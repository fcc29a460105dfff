"""Lambda handlers for the user-data workflow (examples/user_data.asl.json).

`asl run --functions handlers.py` registers the FUNCTIONS below under their names.
UpdateDatabase is throttled twice before it succeeds, so the workflow exercises its
Retry (5 s, then 10 s of back-off) -- which takes no real time under the virtual clock.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

_attempts: Counter[str] = Counter()


class ThrottlingException(Exception):
    """DynamoDB refused the write: try again later."""


# Step Functions matches the Lambda error's type name; give it the service's name.
ThrottlingException.__name__ = "DynamoDB.ThrottlingException"


class DynamoDBException(Exception):
    """DynamoDB rejected the write for good."""


def validate_user_data(event: dict[str, Any], context: Any) -> dict[str, Any]:
    missing = [f for f in ("userId", "email") if not event.get(f)]
    if missing:
        raise ValueError(f"missing fields: {', '.join(missing)}")
    return {**event, "email": event["email"].strip().lower(), "valid": True}


def update_database(event: dict[str, Any], context: Any) -> dict[str, Any]:
    user = event["userId"]
    if event.get("simulateDatabaseFailure"):
        raise DynamoDBException(f"cannot write user {user}")
    _attempts[user] += 1
    if _attempts[user] <= 2:
        raise ThrottlingException("Rate of requests exceeds the allowed throughput.")
    return {"updated": True, "attempts": _attempts[user]}


def send_notification(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"sent": True, "to": event["email"], "requestId": context.aws_request_id}


FUNCTIONS = {
    "ValidateUserData": validate_user_data,
    "UpdateDatabase": update_database,
    "SendNotification": send_notification,
}
