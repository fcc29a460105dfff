"""The Lambda task backend: function ARNs and the ``lambda:invoke`` integration.

It calls a `LambdaRuntime` and shapes the result and errors as Step Functions does:
the bare payload for a function ARN; ``{ExecutedVersion, Payload, SdkHttpMetadata,
SdkResponseMetadata, StatusCode}`` for ``arn:aws:states:::lambda:invoke``; a function
error becomes error = errorType, cause = the error document as JSON text.
"""

from __future__ import annotations

import json
from typing import Any

from asl.backends.base import Resource, TaskRequest
from asl.errors import ConfigurationError, StatesError

# errors of the Lambda runtime that mean the function's code is not wired right
_WIRING_ERRORS = frozenset(
    {
        "Runtime.HandlerNotFound",
        "Runtime.ImportModuleError",
        "Runtime.UserCodeSyntaxError",
        "Runtime.MalformedHandlerName",
    }
)


class LambdaBackend:
    """Runs Lambda tasks against a `asl.lambda_runtime.LambdaRuntime`."""

    def __init__(self, runtime: Any, *, strict: bool = False, owned: bool = False):
        """``runtime``: a LambdaRuntime, or a no-argument callable that makes one.
        ``strict``: a function whose handler cannot be found or imported is a wiring
        mistake (`ConfigurationError`), not a Lambda error a Catch could take."""
        self._runtime = runtime
        self._made: Any = None
        self.strict = strict
        # a runtime made for one execution is closed when it ends (its threads released)
        self._owned = owned

    @property
    def runtime(self) -> Any:
        if self._made is None:
            made = self._runtime
            if callable(made) and not hasattr(made, "invoke_async"):
                made = made()
            self._made = made
        return self._made

    async def finish(self) -> None:
        """Run the asynchronous (Event) invocations the execution queued."""
        if self._made is not None and hasattr(self._made, "drain"):
            try:
                await self._made.drain()
            finally:
                if self._owned:
                    self._made.close()

    def handles(self, resource: Resource) -> bool:
        if resource.kind == "lambda-function":
            return True
        return (
            resource.kind == "integration"
            and resource.service == "lambda"
            and resource.action == "invoke"
            and resource.pattern == "request-response"
        )

    async def run(self, request: TaskRequest) -> Any:
        resource = request.resource
        if resource.kind == "lambda-function":
            return await self._invoke_function(request)
        return await self._invoke_integration(request)

    async def _call(self, request: TaskRequest, function: str, payload: Any, **kw: Any) -> Any:
        from asl.lambda_runtime import LambdaServiceError

        request.mark_started()
        try:
            return await self.runtime.invoke_async(function, payload, **kw)
        except LambdaServiceError as e:
            raise StatesError("Lambda." + e.code, e.step_functions_cause()) from None

    async def _invoke_function(self, request: TaskRequest) -> Any:
        resource = request.resource
        result = await self._call(request, resource.arn, request.parameters)
        request.result_size = len(result.payload)
        if result.function_error:
            error, doc = _function_error(result.payload)
            self._check_wiring(request, error, doc)
            raise StatesError(error, result.payload.decode("utf-8", "replace") if doc else None)
        return _decode(result.payload)

    def _check_wiring(self, request: TaskRequest, error: str, doc: Any) -> None:
        """In strict mode, a handler that cannot be found or imported stops the run."""
        if self.strict and error in _WIRING_ERRORS:
            message = doc.get("errorMessage") if isinstance(doc, dict) else None
            raise ConfigurationError(
                f"state {request.state_name!r}: {error}: {message or 'the handler failed to load'}"
                " (strict=False lets the workflow handle it as AWS would)"
            )

    async def _invoke_integration(self, request: TaskRequest) -> Any:
        params = request.parameters
        if not isinstance(params, dict) or "FunctionName" not in params:
            raise StatesError(
                "States.Runtime",
                "The lambda:invoke integration needs Parameters with a FunctionName field.",
            )
        kw: dict[str, Any] = {}
        if "InvocationType" in params:
            kw["invocation_type"] = params["InvocationType"]
        if "Qualifier" in params:
            kw["qualifier"] = params["Qualifier"]
        if "ClientContext" in params:
            kw["client_context"] = params["ClientContext"]
        if "LogType" in params:
            kw["log_type"] = params["LogType"]
        # A null or missing Payload reaches the function as an empty JSON object.
        payload = params.get("Payload")
        if payload is None:
            payload = {}
        elif isinstance(payload, str):
            # AWS sends a string Payload as the request body itself: "0" invokes the
            # function with 0, "{}" with an empty object, "\"Hi\"" with the string Hi
            payload = payload.encode("utf-8")
        result = await self._call(request, str(params["FunctionName"]), payload, **kw)
        request.result_size = len(result.payload)
        if result.function_error:
            error, doc = _function_error(result.payload)
            self._check_wiring(request, error, doc)
            cause = (
                json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
                if doc is not None
                else None
            )
            raise StatesError(error, cause)
        out: dict[str, Any] = {
            "ExecutedVersion": result.executed_version,
            "Payload": _decode(result.payload) if result.payload else "",
            "SdkHttpMetadata": _http_metadata(result),
            "SdkResponseMetadata": {"RequestId": result.request_id},
            "StatusCode": result.status_code,
        }
        if result.log_result:
            out["LogResult"] = result.log_result
        return out


def _decode(payload: bytes) -> Any:
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


def _function_error(payload: bytes) -> tuple[str, Any]:
    """(error name, decoded error document) for a function error payload."""
    try:
        doc = json.loads(payload)
    except ValueError:
        return "Lambda.Unknown", None
    if isinstance(doc, dict) and isinstance(doc.get("errorType"), str):
        return doc["errorType"], doc
    return "Lambda.Unknown", doc


def _http_metadata(result: Any) -> dict[str, Any]:
    from email.utils import formatdate

    length = str(len(result.payload))
    headers = {
        "Connection": "keep-alive",
        "Content-Length": length,
        "Content-Type": "application/json",
        "Date": formatdate(usegmt=True),
        "X-Amz-Executed-Version": result.executed_version,
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": result.request_id,
        "X-Amzn-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
    }
    if result.log_result:
        headers["X-Amz-Log-Result"] = result.log_result
    return {
        "AllHttpHeaders": {k: [v] for k, v in headers.items()},
        "HttpHeaders": headers,
        "HttpStatusCode": result.status_code,
    }
