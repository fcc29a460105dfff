"""Errors of the Lambda Invoke API itself (not of the function), named as AWS names them."""

from __future__ import annotations

import uuid

from asl.errors import ASLError, StatesError

# Request and response limits of synchronous invocations (Lambda's own numbers: the
# response limit really is 100 bytes larger than the request limit).
SYNC_REQUEST_LIMIT = 6_291_456
SYNC_RESPONSE_LIMIT = 6_291_556
ASYNC_REQUEST_LIMIT = 1_048_576


class LambdaServiceError(ASLError):
    """The Invoke API call failed (throttled, function not found, ...).

    In Step Functions the error becomes ``"Lambda." + code`` and the cause
    :meth:`step_functions_cause`.
    """

    def __init__(
        self,
        code: str,
        status_code: int,
        message: str,
        *,
        request_id: str | None = None,
        reason: str | None = None,
    ):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status_code = status_code
        self.message = message
        self.request_id = request_id or str(uuid.uuid4())
        self.reason = reason

    @property
    def error(self) -> str:
        """The Step Functions error name, e.g. ``Lambda.TooManyRequestsException``."""
        return f"Lambda.{self.code}"

    def step_functions_cause(self) -> str:
        """The cause Step Functions reports, in the AWS SDK for Java's format."""
        if self.code == "SdkClientException":
            return self.message
        return (
            f"{self.message} (Service: AWSLambda; Status Code: {self.status_code}; "
            f"Error Code: {self.code}; Request ID: {self.request_id}; Proxy: null)"
        )

    def to_states_error(self) -> StatesError:
        """This error as the executor raises it inside a Task state."""
        return StatesError(self.error, self.step_functions_cause())


def function_not_found(arn: str) -> LambdaServiceError:
    """ResourceNotFoundException for a function, version or alias ARN."""
    return LambdaServiceError("ResourceNotFoundException", 404, f"Function not found: {arn}")


def too_many_requests(reason: str) -> LambdaServiceError:
    """TooManyRequestsException (throttling); ``reason`` as in the API's Reason field."""
    return LambdaServiceError("TooManyRequestsException", 429, "Rate Exceeded.", reason=reason)


def invalid_parameter(message: str) -> LambdaServiceError:
    """InvalidParameterValueException for a bad argument of the Invoke call."""
    return LambdaServiceError("InvalidParameterValueException", 400, message)


def request_too_large(limit: int) -> LambdaServiceError:
    """RequestEntityTooLargeException for a payload over the invocation type's limit."""
    return LambdaServiceError(
        "RequestEntityTooLargeException",
        413,
        f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
    )
