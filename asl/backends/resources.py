"""User-registered handlers for Task resources other than Lambda functions.

``asl.run(..., resources={"arn:aws:states:::sqs:sendMessage": handler})`` maps a
Resource ARN (with or without its ``.sync`` / ``.waitForTaskToken`` suffix; the exact
ARN wins) to ``handler(parameters, context)``.  A plain function runs in a worker thread,
an ``async def`` one on the event loop; either returns the task result (a JSON value).

``context`` is a `TaskContext`: the state name, the Context object (``$$``), the task
token of a ``.waitForTaskToken`` task and ``send_task_success`` / ``send_task_failure`` /
``send_task_heartbeat`` bound to it, so a handler may complete its own callback.

Errors: a raised `asl.StatesError` is the task's error as is.  Any other exception
becomes ``<Service>.<ExceptionName>`` as AWS names service errors ("errors are the
service name and the exception name, separated by a period"): e.g. ``DynamoDB.
ConditionalCheckFailedException`` for the optimized DynamoDB integration, ``S3.
NoSuchKeyException`` for ``aws-sdk:s3``; the cause is the exception's message.  A
botocore ``ClientError`` is named after its error code, with AWS's ``Exception`` suffix.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread

from asl.backends.base import Resource, TaskRequest
from asl.clock import outside_work
from asl.errors import ConfigurationError, StatesError

Handler = Callable[[Any, "TaskContext"], Any]

# How AWS prefixes errors of the optimized integrations (Resource service -> prefix).
_OPTIMIZED_PREFIX = {
    "lambda": "Lambda",
    "dynamodb": "DynamoDB",
    "sqs": "SQS",
    "sns": "SNS",
    "events": "EventBridge",
    "states": "StepFunctions",
    "batch": "Batch",
    "ecs": "ECS",
    "eks": "EKS",
    "glue": "Glue",
    "athena": "Athena",
    "sagemaker": "SageMaker",
    "codebuild": "CodeBuild",
    "apigateway": "ApiGateway",
    "elasticmapreduce": "EMR",
    "emr-serverless": "EMRServerless",
    "databrew": "DataBrew",
    "bedrock": "Bedrock",
    "mediaconvert": "MediaConvert",
    "s3": "S3",
}

# SDK client names of the aws-sdk integrations (PascalCase, as in the error names).
_SDK_PREFIX = {
    "s3": "S3",
    "sfn": "Sfn",
    "dynamodb": "DynamoDb",
    "sqs": "Sqs",
    "sns": "Sns",
    "lambda": "Lambda",
    "secretsmanager": "SecretsManager",
    "eventbridge": "EventBridge",
    "ec2": "Ec2",
    "ecs": "Ecs",
    "ssm": "Ssm",
    "kms": "Kms",
    "iam": "Iam",
    "sts": "Sts",
    "rds": "Rds",
    "acmpca": "AcmPca",
    "cloudwatch": "CloudWatch",
    "cloudwatchlogs": "CloudWatchLogs",
    "kinesis": "Kinesis",
    "firehose": "Firehose",
    "athena": "Athena",
    "glue": "Glue",
    "apigateway": "ApiGateway",
    "cognitoidentityprovider": "CognitoIdentityProvider",
    "bedrockruntime": "BedrockRuntime",
}


def service_prefix(resource: Resource) -> str:
    """The ``<Service>`` part AWS puts in front of a service error of this resource."""
    service = resource.service
    if service.startswith("aws-sdk:"):
        name = service.split(":", 1)[1]
        return _SDK_PREFIX.get(name, name[:1].upper() + name[1:])
    return _OPTIMIZED_PREFIX.get(service, service[:1].upper() + service[1:])


def service_error(resource: Resource, exc: BaseException) -> StatesError:
    """The `StatesError` a handler's exception becomes (see the module docstring)."""
    if isinstance(exc, StatesError):
        return exc
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        code = str(response["Error"].get("Code") or type(exc).__name__)
        name = code if code.endswith("Exception") else code + "Exception"
        message = response["Error"].get("Message") or str(exc)
        return StatesError(f"{service_prefix(resource)}.{name}", str(message))
    cause = str(exc) or None
    if isinstance(exc, _PROGRAMMING_ERRORS):
        # most likely a bug in the handler itself (a test's fake service): say where
        where = _raised_at(exc)
        if where:
            cause = f"{cause or ''} ({type(exc).__name__} raised at {where})".lstrip()
    return StatesError(f"{service_prefix(resource)}.{type(exc).__name__}", cause)


# Python's own errors, which no service raises: a handler's bug rather than a modelled
# service error (an exception class of the handler's own is taken as the service's)
_PROGRAMMING_ERRORS = (
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    NameError,
    ZeroDivisionError,
    AssertionError,
    ImportError,
)


def _raised_at(exc: BaseException) -> str | None:
    """``file:line in function`` of the frame that raised ``exc``."""
    tb = exc.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return f"{code.co_filename}:{tb.tb_lineno} in {code.co_name}"


@dataclass
class TaskContext:
    """What a resource handler learns about the Task it runs for.

    ``context`` is the Context object (``$$``); ``task_token`` is set for
    ``.waitForTaskToken`` tasks (and activities).
    """

    resource: str
    state_name: str
    context: dict[str, Any]
    task_token: str | None = None
    credentials: Any = None
    timeout_seconds: int | None = None
    heartbeat_seconds: int | None = None
    region: str = "us-east-1"
    account_id: str = "123456789012"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_request(cls, request: TaskRequest) -> TaskContext:
        env = request.env
        return cls(
            resource=request.resource.arn,
            state_name=request.state_name,
            context=request.context,
            task_token=(request.context.get("Task") or {}).get("Token"),
            credentials=request.credentials,
            timeout_seconds=request.timeout_seconds,
            heartbeat_seconds=request.heartbeat_seconds,
            region=env.region,
            account_id=env.account_id,
        )

    @property
    def execution_arn(self) -> str | None:
        return (self.context.get("Execution") or {}).get("Id")

    @property
    def retry_count(self) -> int:
        return int((self.context.get("State") or {}).get("RetryCount") or 0)

    def _token(self) -> str:
        if not self.task_token:
            raise ConfigurationError(
                f"state '{self.state_name}' has no task token: only .waitForTaskToken and "
                ".sync tasks and activities have one"
            )
        return self.task_token

    def send_task_success(self, output: Any = None) -> None:
        """Complete this task's callback with ``output``."""
        from asl.backends.callbacks import send_task_success

        send_task_success(self._token(), output)

    def send_task_failure(self, error: str | None = None, cause: str | None = None) -> None:
        """Fail this task's callback with ``error`` and ``cause``."""
        from asl.backends.callbacks import send_task_failure

        send_task_failure(self._token(), error, cause)

    def send_task_heartbeat(self) -> None:
        """Report this task as still running (resets HeartbeatSeconds)."""
        from asl.backends.callbacks import send_task_heartbeat

        send_task_heartbeat(self._token())


def json_copy(value: Any, what: str) -> Any:
    """A deep copy of a JSON value; anything else is a clear `States.Runtime` error."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise StatesError("States.Runtime", f"{what} is not a JSON value: {e}") from None


def is_async_callable(handler: Any) -> bool:
    """Whether calling ``handler`` returns a coroutine (``async def`` or async ``__call__``)."""
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - an async __call__ method
    )


async def call_handler(handler: Callable[..., Any], *args: Any, abandon: bool = False) -> Any:
    """Call a user handler: ``async def`` on the loop, a plain function in a worker thread
    (left to finish on its own if the caller is cancelled and ``abandon`` is set)."""
    if is_async_callable(handler):
        result = handler(*args)
    else:
        with outside_work():
            result = await anyio.to_thread.run_sync(
                functools.partial(handler, *args), abandon_on_cancel=abandon
            )
    if inspect.isawaitable(result):
        result = await result
    return result


def with_sdk_metadata(result: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    """``result`` plus the ``SdkHttpMetadata`` / ``SdkResponseMetadata`` fields that
    optimized integrations (SQS, SNS, DynamoDB, ...) add to a service response."""
    import uuid

    rid = request_id or str(uuid.uuid4())
    length = str(len(json.dumps(result, separators=(",", ":"))))
    headers = {
        "Content-Length": length,
        "Content-Type": "application/x-amz-json-1.0",
        "x-amzn-RequestId": rid,
    }
    out = dict(result)
    out["SdkHttpMetadata"] = {
        "AllHttpHeaders": {k: [v] for k, v in headers.items()},
        "HttpHeaders": headers,
        "HttpStatusCode": 200,
    }
    out["SdkResponseMetadata"] = {"RequestId": rid}
    return out


class ResourceBackend:
    """Runs Tasks whose Resource is registered in ``resources`` (ARN -> handler)."""

    def __init__(self, resources: Mapping[str, Handler]):
        if not isinstance(resources, Mapping):
            raise ConfigurationError(
                f"resources must map Resource ARNs to handlers, not {type(resources).__name__}"
            )
        self.handlers: dict[str, Handler] = {}
        for arn, handler in resources.items():
            if not isinstance(arn, str) or not arn:
                raise ConfigurationError(f"resources keys must be Resource ARNs, not {arn!r}")
            if not callable(handler):
                raise ConfigurationError(
                    f"resources[{arn!r}] must be a callable handler(parameters, context), "
                    f"not {type(handler).__name__}"
                )
            self.handlers[arn] = handler

    def find(self, resource: Resource) -> Handler | None:
        """The handler for a resource: exact ARN first, then the ARN without its suffix
        (and for a regional integration ARN, the same without region and account)."""
        for arn in (resource.arn, resource.base_arn, *resource.unqualified_arns):
            handler = self.handlers.get(arn)
            if handler is not None:
                return handler
        return None

    def handles(self, resource: Resource) -> bool:
        return self.find(resource) is not None

    async def run(self, request: TaskRequest) -> Any:
        handler = self.find(request.resource)
        assert handler is not None
        ctx = TaskContext.from_request(request)

        sync_job = request.resource.pattern in ("sync", "sync:2")

        async def call() -> Any:
            params = json_copy(request.parameters, "The task parameters")
            try:
                # a .sync job may be given up on (heartbeat lapse) while its handler runs
                result = await call_handler(handler, params, ctx, abandon=sync_job)
            except Exception as e:
                raise service_error(request.resource, e) from None
            return json_copy(result, f"The result of the handler for '{request.resource.arn}'")

        if request.resource.pattern == "waitForTaskToken":
            from asl.backends.callbacks import wait_for_callback

            return await wait_for_callback(request, call)
        if sync_job:
            from asl.backends.callbacks import wait_for_job

            request.mark_started()
            return await wait_for_job(request, call)
        request.mark_started()
        return await call()


__all__ = [
    "ResourceBackend",
    "TaskContext",
    "call_handler",
    "service_error",
    "service_prefix",
    "with_sdk_metadata",
]
