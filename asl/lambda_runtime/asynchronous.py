"""Asynchronous (``Event``) invocations: the queue, retries, event age, destinations, DLQ.

Lambda queues an event and returns 202.  A function error (or timeout) is retried up to
``maximum_retry_attempts`` times (default 2), about one minute and then two minutes
later; throttles are retried with exponential back-off (1 s doubling up to 5 min) until
the event is older than ``maximum_event_age_in_seconds`` (default 6 h).  The outcome
goes to the OnSuccess / OnFailure destination, and a failed event to the dead-letter
queue.  Waiting uses the runtime's clock, so under the virtual clock it is instant.
"""

from __future__ import annotations

import json
import queue
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Union

from asl.errors import ConfigurationError
from asl.timestamps import iso_millis

RETRY_DELAYS = (60.0, 120.0)  # before the 2nd and 3rd attempt of a failed event
THROTTLE_BACKOFF = (1.0, 300.0)  # first and largest delay before retrying a throttled event
RETRY_ATTEMPTS_RANGE = (0, 2)
EVENT_AGE_RANGE = (60, 21_600)

# A destination: another function (name or ARN, invoked asynchronously with the record),
# a callable (called with it), or a list / queue.Queue (the record is appended / put).
Destination = Union[str, Callable[[Any], Any], list, "queue.Queue[Any]"]


@dataclass(frozen=True)
class EventInvokeConfig:
    """Settings for asynchronous invocation of a function or one of its qualifiers."""

    maximum_retry_attempts: int = 2
    maximum_event_age_in_seconds: int = 21_600
    on_success: Destination | None = None
    on_failure: Destination | None = None

    def __post_init__(self) -> None:
        low, high = RETRY_ATTEMPTS_RANGE
        value = self.maximum_retry_attempts
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigurationError(
                f"maximum_retry_attempts must be an integer from {low} to {high}, got {value!r}"
            )
        low, high = EVENT_AGE_RANGE
        value = self.maximum_event_age_in_seconds
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigurationError(
                "maximum_event_age_in_seconds must be an integer from "
                f"{low} to {high}, got {value!r}"
            )
        for name in ("on_success", "on_failure"):
            check_destination(name, getattr(self, name))


def check_destination(what: str, destination: object) -> None:
    """Raise ConfigurationError unless ``destination`` is a usable destination or None."""
    if destination is None or isinstance(destination, (str, list, queue.Queue)):
        return
    if callable(destination):
        return
    raise ConfigurationError(
        f"{what} must be a function name or ARN, a callable, a list or a queue.Queue, "
        f"got {type(destination).__name__}"
    )


@dataclass(frozen=True)
class DeadLetterMessage:
    """What a dead-letter queue receives: the event, and the attributes Lambda adds."""

    body: Any
    request_id: str
    error_code: str
    error_message: str


@dataclass
class QueuedEvent:
    """An event waiting in (or being processed from) the asynchronous queue."""

    function_name: str
    qualifier: str | None
    payload: bytes
    enqueued: datetime
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    attempts: int = 0


def invocation_record(
    event: QueuedEvent,
    timestamp: datetime,
    function_arn: str,
    condition: str,
    response: dict[str, Any] | None,
) -> dict[str, Any]:
    """The invocation record a destination receives."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_millis(timestamp),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": event.attempts,
        },
        "requestPayload": _decode(event.payload),
    }
    if response is not None:
        record["responseContext"] = response["context"]
        record["responsePayload"] = response["payload"]
    return record


def _decode(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return payload.decode("utf-8", "replace")


def deliver(destination: Destination, message: Any) -> None:
    """Hand a record or dead letter to a Python destination (not a function)."""
    if isinstance(destination, list):
        destination.append(message)
    elif isinstance(destination, queue.Queue):
        destination.put(message)
    elif callable(destination):
        destination(message)
