"""The AWS backend, tested offline with botocore's Stubber (skipped without boto3)."""

from __future__ import annotations

import base64
import io
import json

import anyio
import pytest

boto3 = pytest.importorskip("boto3")
from botocore.response import StreamingBody  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

from asl.errors import ConfigurationError  # noqa: E402
from asl.lambda_runtime import AwsHost, LambdaRuntime, LambdaServiceError  # noqa: E402


@pytest.fixture
def client():
    return boto3.client(
        "lambda",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def test_invoke_maps_the_response(client) -> None:
    runtime = LambdaRuntime(host=AwsHost(client=client))
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke",
            {
                "StatusCode": 200,
                "Payload": body(b'{"ok": true}'),
                "ExecutedVersion": "3",
                "LogResult": base64.b64encode(b"START").decode(),
                "ResponseMetadata": {"RequestId": "req-1", "HTTPStatusCode": 200},
            },
            {
                "FunctionName": "deployed",
                "InvocationType": "RequestResponse",
                "Payload": b'{"x":1}',
                "Qualifier": "prod",
                "LogType": "Tail",
            },
        )
        result = runtime.invoke("deployed", {"x": 1}, qualifier="prod", log_type="Tail")
        stubber.assert_no_pending_responses()
    assert (result.status_code, result.json(), result.executed_version) == (200, {"ok": True}, "3")
    assert (result.function_error, result.log_result, result.request_id) == (
        None,
        "U1RBUlQ=",
        "req-1",
    )


def test_function_errors_pass_through(client) -> None:
    runtime = LambdaRuntime(host=AwsHost(client=client))
    error = b'{"errorMessage": "boom", "errorType": "Exception"}'
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke",
            {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": body(error)},
        )
        result = runtime.invoke("arn:aws:lambda:us-east-1:123456789012:function:f", {})
    assert (result.function_error, result.payload) == ("Unhandled", error)


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:x"),
        ("TooManyRequestsException", 429, "Rate Exceeded."),
        ("ServiceException", 500, "Internal error"),
    ],
)
def test_api_errors_become_lambda_service_errors(client, code, status, message) -> None:
    runtime = LambdaRuntime(host=AwsHost(client=client))
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "invoke",
            service_error_code=code,
            service_message=message,
            http_status_code=status,
            response_meta={"RequestId": "req-9"},
        )
        with pytest.raises(LambdaServiceError) as info:
            runtime.invoke("f", {})
    error = info.value
    assert (error.code, error.status_code, error.message, error.request_id) == (
        code,
        status,
        message,
        "req-9",
    )
    assert error.step_functions_cause() == (
        f"{message} (Service: AWSLambda; Status Code: {status}; Error Code: {code}; "
        "Request ID: req-9; Proxy: null)"
    )


def test_event_and_client_context_are_sent(client) -> None:
    runtime = LambdaRuntime(host=AwsHost(client=client))
    context = {"custom": {"a": 1}}
    with Stubber(client) as stubber:
        stubber.add_response(
            "invoke",
            {"StatusCode": 202, "Payload": body(b"")},
            {
                "FunctionName": "f",
                "InvocationType": "Event",
                "Payload": b"[]",
                "ClientContext": base64.b64encode(json.dumps(context).encode()).decode(),
            },
        )
        result = anyio.run(
            lambda: runtime.invoke_async("f", [], invocation_type="Event", client_context=context)
        )
    assert (result.status_code, result.payload) == (202, b"")


def test_connection_failures_are_sdk_client_exceptions() -> None:
    client = boto3.client(
        "lambda",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=boto3.session.Config(retries={"max_attempts": 0}, connect_timeout=1),
    )
    runtime = LambdaRuntime(host=AwsHost(client=client))
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("f", {})
    assert info.value.error == "Lambda.SdkClientException"
    assert info.value.step_functions_cause().startswith("Unable to execute HTTP request: ")


def test_remote_runtime_has_no_local_functions(client) -> None:
    runtime = LambdaRuntime(host=AwsHost(client=client))
    with pytest.raises(ConfigurationError, match="deployed AWS functions"):
        runtime.register("f", lambda e, c: e)
    assert runtime.has_function("anything")
    assert runtime.function_arn("f") == "arn:aws:lambda:us-east-1:123456789012:function:f"
