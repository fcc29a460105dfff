"""Forward Task resources to AWS, or an emulator, with boto3 (optional: ``pip install boto3``).

    aws = AwsBackend(endpoint_url="http://localhost:4566")   # or a boto3 Session
    asl.run(definition, data, resources=aws.resources(
        "arn:aws:states:::dynamodb:putItem",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:::aws-sdk:s3:getObject",
    ))

With moto's in-process mocks (``with moto.mock_aws(): ...``) DynamoDB, SQS and SNS steps
run offline with the services' real request and response shapes.

As Step Functions does: the optimized integrations serialise a JSON ``MessageBody``
(SQS), ``Message`` (SNS) or ``Detail`` (EventBridge) to text and add
``SdkHttpMetadata`` / ``SdkResponseMetadata`` to the response; the aws-sdk
integrations return the bare response.  Service errors are named
``<Service>.<Exception>`` (``DynamoDB.ConditionalCheckFailedException``,
``S3.NoSuchKeyException``), with AWS's ``Exception`` suffix.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import datetime
from typing import Any

from asl.backends.base import Resource, parse_resource
from asl.errors import ConfigurationError, StatesError

# Step Functions service names -> boto3 client names, where they differ
_CLIENTS = {
    "states": "stepfunctions",
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "elasticmapreduce": "emr",
}

# optimized-integration parameters that Step Functions sends as JSON text
_TEXT_FIELDS = {("sqs", "sendMessage"): "MessageBody", ("sns", "publish"): "Message"}


class AwsBackend:
    """Calls AWS APIs for Task resources (see the module docstring)."""

    def __init__(
        self,
        session: Any = None,
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
    ):
        try:
            import boto3
        except ImportError:  # pragma: no cover - depends on the environment
            raise ConfigurationError(
                "AwsBackend needs boto3: pip install boto3 (or asl-interpreter[aws])"
            ) from None
        self.session = session or boto3.session.Session()
        self.endpoint_url = endpoint_url
        self.region_name = region_name
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def resources(self, *arns: str) -> dict[str, Any]:
        """A ``resources=`` mapping that forwards each of ``arns`` to AWS."""
        out = {}
        for arn in arns:
            resource = parse_resource(arn)
            if resource.kind != "integration" or resource.pattern in ("sync", "sync:2"):
                raise ConfigurationError(
                    f"AwsBackend forwards request-response and .waitForTaskToken service "
                    f"integrations, not {arn!r}"
                )
            out[arn] = self.handler
        return out

    def client(self, service: str) -> Any:
        """The boto3 client of a Step Functions service name (made once)."""
        name = _CLIENTS.get(service, service)
        with self._lock:
            found = self._clients.get(name)
            if found is None:
                kwargs = {}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                if self.region_name:
                    kwargs["region_name"] = self.region_name
                found = self._clients[name] = self.session.client(name, **kwargs)
        return found

    def handler(self, parameters: Any, context: Any) -> Any:
        """A resource handler: call the API the Task's resource names."""
        resource = parse_resource(context.resource)
        return self.call(resource, parameters)

    def call(self, resource: Resource, parameters: Any) -> Any:
        """Call the resource's API with the Task's parameters; returns the task result."""
        sdk = resource.service.startswith("aws-sdk:")
        service = resource.service.split(":", 1)[1] if sdk else resource.service
        client = self.client(service)
        from botocore import xform_name

        method = getattr(client, xform_name(resource.action), None)
        if method is None:
            raise StatesError(
                "States.Runtime",
                f"The {service} API has no action '{resource.action}' (resource {resource.arn}).",
            )
        params = dict(parameters) if isinstance(parameters, dict) else {}
        if not sdk:
            _to_text(service, resource.action, params)
        try:
            response = method(**params)
        except Exception as e:
            raise _error(resource, e) from None
        metadata = response.pop("ResponseMetadata", {}) if isinstance(response, dict) else {}
        result = _jsonable(response)
        if sdk:
            return result
        return {**result, **_sdk_metadata(metadata)}


def _to_text(service: str, action: str, params: dict[str, Any]) -> None:
    """Serialise the JSON values Step Functions sends as text."""
    field = _TEXT_FIELDS.get((service, action))
    if field and field in params and not isinstance(params[field], str):
        params[field] = json.dumps(params[field], separators=(",", ":"))
    if (service, action) == ("events", "putEvents"):
        for entry in params.get("Entries") or []:
            if isinstance(entry, dict) and not isinstance(entry.get("Detail", ""), str):
                entry["Detail"] = json.dumps(entry["Detail"], separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    """A boto3 response as JSON: dates as ISO-8601 text, bytes and streams decoded."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "read"):  # a StreamingBody (S3 GetObject Body)
        value = value.read()
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _sdk_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    headers = {str(k): str(v) for k, v in (metadata.get("HTTPHeaders") or {}).items()}
    request_id = str(metadata.get("RequestId", ""))
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {k: [v] for k, v in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": int(metadata.get("HTTPStatusCode", 200)),
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


# The base exception class of the AWS SDK for Java that Step Functions uses: v1 for the
# optimized integrations, v2 (the client's name + "Exception") for aws-sdk integrations.
# An error the service's API does not model (DynamoDB's ValidationException, throttling,
# a request the service refuses) is named after that base class.
_SDK_V1_BASE = {
    "Lambda": "AWSLambdaException",
    "StepFunctions": "AWSStepFunctionsException",
    "Batch": "AWSBatchException",
    "Glue": "AWSGlueException",
    "CodeBuild": "AWSCodeBuildException",
    "DataBrew": "AWSGlueDataBrewException",
    "MediaConvert": "AWSMediaConvertException",
    "EMR": "AmazonElasticMapReduceException",
    "EMRServerless": "AWSEMRServerlessException",
}


def unmodeled_error_name(resource: Resource) -> str:
    """The error name AWS gives a service error its API does not model, e.g.
    ``DynamoDB.AmazonDynamoDBException`` (optimized) or ``DynamoDb.DynamoDbException``
    (aws-sdk)."""
    from asl.backends.resources import service_prefix

    prefix = service_prefix(resource)
    if resource.service.startswith("aws-sdk:"):
        return f"{prefix}.{prefix}Exception"
    return f"{prefix}.{_SDK_V1_BASE.get(prefix, f'Amazon{prefix}Exception')}"


def _error(resource: Resource, exc: Exception) -> StatesError:
    """A boto3 error named as Step Functions names service errors: a modeled error by its
    exception class (``DynamoDB.ConditionalCheckFailedException``), any other after the
    SDK's base exception (``DynamoDB.AmazonDynamoDBException`` for a ValidationException,
    and for botocore's own parameter checks, which AWS would make as a
    ValidationException)."""
    from asl.backends.resources import service_error, service_prefix

    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        if type(exc).__module__.startswith("botocore"):
            # a request botocore refuses before sending it: AWS would answer 400
            cause = (
                f"{exc} (Service: {service_prefix(resource)}, Status Code: 400, "
                "Request ID: 00000000-0000-0000-0000-000000000000)"
            )
            return StatesError(unmodeled_error_name(resource), cause)
        return service_error(resource, exc)
    error = response.get("Error") or {}
    meta = response.get("ResponseMetadata") or {}
    cause = (
        f"{error.get('Message') or exc} (Service: {service_prefix(resource)}, Status Code: "
        f"{meta.get('HTTPStatusCode', 400)}, Request ID: {meta.get('RequestId', '')})"
    )
    # modeled errors have their own class (QueueDoesNotExist, NoSuchKey, ...)
    name = type(exc).__name__
    if name == "ClientError":
        return StatesError(unmodeled_error_name(resource), cause)
    if not name.endswith("Exception"):
        name += "Exception"
    return StatesError(f"{service_prefix(resource)}.{name}", cause)


__all__ = ["AwsBackend"]
