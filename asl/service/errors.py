"""`ApiError`: a Step Functions API error, shaped like botocore's ``ClientError``."""

from __future__ import annotations

from typing import Any

from asl.errors import ASLError


class ApiError(ASLError):
    """An API call failed as AWS would fail it.

    ``code`` is AWS's error code (``StateMachineDoesNotExist``, ``ValidationException``,
    ...), ``message`` its message; ``response["Error"]["Code"/"Message"]`` and
    ``operation_name`` are there as on botocore's ``ClientError``, so code written
    against boto3 handles both alike.
    """

    def __init__(self, code: str, message: str, operation_name: str | None = None):
        self.code = code
        self.message = message
        self.operation_name = operation_name or ""
        self.response: dict[str, Any] = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        super().__init__(self._text())

    def _text(self) -> str:
        where = f" when calling the {self.operation_name} operation" if self.operation_name else ""
        return f"An error occurred ({self.code}){where}: {self.message}"

    def for_operation(self, operation_name: str) -> ApiError:
        """This error, naming the operation that raised it."""
        if not self.operation_name:
            self.operation_name = operation_name
            self.args = (self._text(),)
        return self

    def __reduce__(self) -> Any:  # picklable, so it crosses process boundaries
        return (ApiError, (self.code, self.message, self.operation_name))


def validation_error(message: str) -> ApiError:
    return ApiError("ValidationException", message)
