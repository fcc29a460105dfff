"""What the Invoke API takes and returns: request bodies, client context, ``InvokeResult``."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asl.errors import ConfigurationError
from asl.lambda_runtime.errors import LambdaServiceError, invalid_parameter

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


@dataclass(frozen=True)
class InvokeResult:
    """What the Invoke API returns (boto3's ``invoke`` response, decoded)."""

    status_code: int  # 200 RequestResponse, 202 Event, 204 DryRun
    payload: bytes  # the function's JSON result, or the error document
    function_error: str | None  # "Unhandled" when the function failed, else None
    executed_version: str  # "$LATEST", "3", ...
    log_result: str | None  # base64 of the last 4 KB of log when log_type == "Tail"
    request_id: str

    def json(self) -> Any:
        """The payload decoded from JSON (None for an empty payload)."""
        return json.loads(self.payload) if self.payload else None


def encode_payload(payload: Any) -> bytes:
    """The request body for a payload: JSON text of a value, or bytes of JSON as given."""
    if isinstance(payload, (bytes, bytearray, memoryview)):
        body = bytes(payload)
        if not body:
            return b"{}"  # Lambda passes an empty payload as an empty object
        try:
            json.loads(body)
        except ValueError as e:
            raise LambdaServiceError(
                "InvalidRequestContentException",
                400,
                f"Could not parse request body into json: Could not parse payload into json: {e}",
            ) from None
        return body
    try:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise ConfigurationError(f"invoke payload is not JSON-serialisable: {e}") from None


def decode_client_context(value: str | Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The client context a handler sees: from base64 JSON (as boto3 sends it) or a dict."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return dict(value)
    try:
        decoded = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, TypeError):
        raise invalid_parameter(
            "Client context must be a valid Base64-encoded JSON object."
        ) from None
    if not isinstance(decoded, dict):
        raise invalid_parameter("Client context must be a valid Base64-encoded JSON object.")
    return decoded


def json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return payload.decode("utf-8", "replace")


def check_enum(field: str, value: object, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise LambdaServiceError(
            "ValidationException",
            400,
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]",
        )
