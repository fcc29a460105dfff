"""boto3 ``stepfunctions`` calls made inside an execution reach the `Client` running it.

A Lambda handler or resource handler that does ``boto3.client("stepfunctions")
.send_task_success(...)`` (or ``describe_execution``, ``start_execution``...) while
its execution runs under an `asl.Client` is answered by that client, in process, with
no server and no credentials.  How: the client marks the context its executions run in
(a context variable, which anyio carries into handler threads; a Lambda function's
environment thread, which does not carry it, is answered by the live client when there
is only one) and botocore's
``BaseClient._make_api_call`` is wrapped, once, to hand ``stepfunctions`` calls made in
such a context to the client.  Every other call, and any call outside an execution,
goes to botocore untouched.  Responses and errors are botocore's: a dict with
``ResponseMetadata``, the service's modeled exceptions (``ClientError`` subclasses).
"""

from __future__ import annotations

import contextvars
import threading
import weakref
from typing import Any

CURRENT: contextvars.ContextVar[Any] = contextvars.ContextVar("asl_sfn_client", default=None)
# Clients routing calls; the in-process Lambda runtime's environment threads do not
# carry the caller's context, so a call from one goes to the live client if only one is.
LIVE: weakref.WeakSet[Any] = weakref.WeakSet()
_installed = False
_lock = threading.Lock()


def install() -> bool:
    """Wrap botocore's API call (idempotent); False when botocore is not installed."""
    global _installed
    with _lock:
        if _installed:
            return True
        try:
            from botocore.client import BaseClient
        except ImportError:
            return False
        original = BaseClient._make_api_call

        def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            client = CURRENT.get()
            if client is None and threading.current_thread().name.startswith("asl-lambda-"):
                live = list(LIVE)
                client = live[0] if len(live) == 1 else None
            if client is not None and self.meta.service_model.service_name == "stepfunctions":
                return _call(client, self, operation_name, api_params)
            return original(self, operation_name, api_params)

        _make_api_call.__wrapped__ = original  # type: ignore[attr-defined]
        BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]
        _installed = True
        return True


def _call(client: Any, boto_client: Any, operation: str, params: dict[str, Any]) -> Any:
    from asl.service.errors import ApiError
    from asl.service.shapes import snake

    metadata = {"HTTPStatusCode": 200, "RequestId": "asl-in-process", "RetryAttempts": 0}
    try:
        result = getattr(client, snake(operation))(**params)
    except ApiError as e:
        response = {
            "Error": {"Code": e.code, "Message": e.message},
            "ResponseMetadata": dict(metadata, HTTPStatusCode=400),
        }
        raise boto_client.exceptions.from_code(e.code)(response, operation) from None
    return {**result, "ResponseMetadata": metadata}
