"""The AWS host: invoke deployed Lambda functions through boto3.

For workloads that outgrow one machine, the executor runs locally while Task states
invoke real functions.  boto3 is the optional ``aws`` extra
(``pip install 'asl-interpreter[aws]'``) and is imported only when first needed.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Mapping
from typing import Any

import anyio.to_thread

from asl.errors import ConfigurationError
from asl.lambda_runtime.configuration import FunctionConfiguration
from asl.lambda_runtime.errors import LambdaServiceError
from asl.lambda_runtime.results import InvokeResult, encode_payload


class AwsHost:
    """Sends every invocation to AWS Lambda with ``client.invoke``.

    ``client``: a boto3 Lambda client (tests pass one wrapped in botocore's Stubber);
    without one, ``boto3.client("lambda", region_name=region)`` is made on first use.
    """

    name = "aws"
    remote = True

    def __init__(self, *, client: Any = None, region: str | None = None):
        self._client = client
        self.region = region

    @property
    def client(self) -> Any:
        """The boto3 Lambda client."""
        if self._client is None:
            try:
                import boto3
            except ImportError:
                raise ConfigurationError(
                    "host='aws' needs boto3: pip install 'asl-interpreter[aws]'"
                ) from None
            self._client = boto3.client("lambda", region_name=self.region)
        return self._client

    def check(self, config: FunctionConfiguration) -> None:
        """Local functions cannot be registered on a remote host."""
        raise ConfigurationError("the aws host invokes deployed functions only")

    async def invoke_async(
        self,
        function: str,
        payload: Any = None,
        *,
        invocation_type: str = "RequestResponse",
        qualifier: str | None = None,
        client_context: str | Mapping[str, Any] | None = None,
        log_type: str | None = None,
    ) -> Any:
        """Call Lambda's Invoke API; API failures become :class:`LambdaServiceError`."""
        kwargs: dict[str, Any] = {
            "FunctionName": function,
            "InvocationType": invocation_type,
            "Payload": encode_payload(payload),
        }
        if qualifier is not None:
            kwargs["Qualifier"] = qualifier
        if log_type is not None:
            kwargs["LogType"] = log_type
        if client_context is not None:
            kwargs["ClientContext"] = (
                base64.b64encode(json.dumps(dict(client_context)).encode()).decode("ascii")
                if isinstance(client_context, Mapping)
                else client_context
            )
        client = self.client
        call = functools.partial(_invoke, client, kwargs)
        response = await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        body = response.get("Payload", b"")
        if hasattr(body, "read"):
            body = body.read()
        return InvokeResult(
            int(response.get("StatusCode", 200)),
            bytes(body or b""),
            response.get("FunctionError"),
            response.get("ExecutedVersion", ""),
            response.get("LogResult"),
            response.get("ResponseMetadata", {}).get("RequestId", ""),
        )


def _invoke(client: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``client.invoke`` with botocore's exceptions translated."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return client.invoke(**kwargs)  # type: ignore[no-any-return]
    except ClientError as e:
        error = e.response.get("Error", {})
        metadata = e.response.get("ResponseMetadata", {})
        raise LambdaServiceError(
            error.get("Code", "AWSLambdaException"),
            int(metadata.get("HTTPStatusCode", 500)),
            error.get("Message", str(e)),
            request_id=metadata.get("RequestId"),
            reason=e.response.get("Reason"),
        ) from None
    except BotoCoreError as e:
        # Step Functions names client-side failures (no connection, no credentials,
        # timeouts) Lambda.SdkClientException.
        raise LambdaServiceError(
            "SdkClientException", 0, f"Unable to execute HTTP request: {e}"
        ) from None


AwsLambdaBackend = AwsHost  # deprecated name
