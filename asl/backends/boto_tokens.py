"""boto3 ``SendTaskSuccess`` / ``SendTaskFailure`` / ``SendTaskHeartbeat`` with a task token
of a running execution reach it in process.

A handler (a Lambda function, a resource handler, a thread it started) that answers a
``.waitForTaskToken`` task the way real code does, with ``boto3.client("stepfunctions")
.send_task_success(taskToken=..., output=...)``, needs no server and no credentials: once
an execution waits on a token, botocore's ``BaseClient._make_api_call`` is wrapped (once
per process) so that these three calls carrying a token this process issued are
delivered here; every other call goes to botocore untouched.  (Under an `asl.Client`,
every ``stepfunctions`` call is answered by the client; see `asl.service.routing`.)
"""

from __future__ import annotations

import importlib.util
import json
import threading
from typing import Any

_OPERATIONS = ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat")
_METADATA = {"HTTPStatusCode": 200, "RequestId": "asl-in-process", "RetryAttempts": 0}
_lock = threading.Lock()
_state: dict[str, bool] = {}


def install(tokens: Any) -> bool:
    """Wrap botocore's API call (idempotent, and only when botocore is installed);
    ``tokens`` is the process's task-token registry (`asl.backends.callbacks`), whose
    ``send_task_success``/``send_task_failure``/``send_task_heartbeat`` and ``issued``
    the wrapper uses."""
    with _lock:
        if "installed" in _state:
            return _state["installed"]
        if importlib.util.find_spec("botocore") is None:
            _state["installed"] = False
            return False
        from botocore.client import BaseClient

        original = BaseClient._make_api_call

        def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            if (
                operation_name in _OPERATIONS
                and self.meta.service_model.service_name == "stepfunctions"
                and tokens.issued(api_params.get("taskToken"))
            ):
                return _deliver(tokens, self, operation_name, api_params)
            return original(self, operation_name, api_params)

        _make_api_call.__wrapped__ = original  # type: ignore[attr-defined]
        BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]
        _state["installed"] = True
        return True


def _deliver(
    tokens: Any, boto_client: Any, operation: str, params: dict[str, Any]
) -> dict[str, Any]:
    token = params["taskToken"]
    try:
        if operation == "SendTaskSuccess":
            output = params.get("output")
            value = json.loads(output) if isinstance(output, str) else output
            tokens.send_task_success(token, value)
        elif operation == "SendTaskFailure":
            tokens.send_task_failure(token, params.get("error"), params.get("cause"))
        else:
            tokens.send_task_heartbeat(token)
    except tokens.TaskTokenError as e:
        response = {
            "Error": {"Code": e.code, "Message": str(e)},
            "ResponseMetadata": dict(_METADATA, HTTPStatusCode=400),
        }
        raise boto_client.exceptions.from_code(e.code)(response, operation) from None
    except ValueError as e:  # output that is not JSON text
        response = {
            "Error": {"Code": "InvalidOutput", "Message": f"Invalid output: {e}"},
            "ResponseMetadata": dict(_METADATA, HTTPStatusCode=400),
        }
        raise boto_client.exceptions.from_code("InvalidOutput")(response, operation) from None
    return {"ResponseMetadata": dict(_METADATA)}
