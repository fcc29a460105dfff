"""Function names and ARNs as the Invoke API accepts them.

``FunctionName`` may be a name (``my-function``), a name with a qualifier
(``my-function:prod``), a partial ARN (``123456789012:function:my-function``) or a full
ARN (``arn:aws:lambda:us-east-1:123456789012:function:my-function[:qualifier]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from asl.lambda_runtime.errors import LambdaServiceError

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
QUALIFIER_PATTERN = re.compile(r"^(\$LATEST|[a-zA-Z0-9_-]{1,128})$")
ALIAS_PATTERN = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$")
_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d{1}):"
    r"(?P<account>\d{12}):function:(?P<name>[^:]+)(:(?P<qualifier>[^:]+))?$"
)
_PARTIAL = re.compile(r"^(?P<account>\d{12}):function:(?P<name>[^:]+)(:(?P<qualifier>[^:]+))?$")


@dataclass(frozen=True)
class FunctionIdentifier:
    """A parsed FunctionName: the parts the caller gave (None where they gave none)."""

    name: str
    qualifier: str | None = None
    region: str | None = None
    account_id: str | None = None
    partition: str = "aws"


def parse_function_identifier(value: str) -> FunctionIdentifier:
    """Parse a FunctionName; an unparsable one raises ValidationException like the API."""
    if not isinstance(value, str) or not value:
        raise _validation(value)
    match = _ARN.match(value)
    if match:
        ident = FunctionIdentifier(
            match["name"],
            match["qualifier"],
            match["region"],
            match["account"],
            match["partition"],
        )
    elif (match := _PARTIAL.match(value)) is not None:
        ident = FunctionIdentifier(match["name"], match["qualifier"], None, match["account"])
    elif value.startswith("arn:"):
        raise _validation(value)
    else:
        name, _, qualifier = value.partition(":")
        ident = FunctionIdentifier(name, qualifier or None)
        if ":" in qualifier:
            raise _validation(value)
    if not NAME_PATTERN.match(ident.name) or (
        ident.qualifier is not None and not QUALIFIER_PATTERN.match(ident.qualifier)
    ):
        raise _validation(value)
    return ident


def function_arn(
    region: str, account_id: str, name: str, qualifier: str | None = None, partition: str = "aws"
) -> str:
    """The ARN of a function, or of one of its versions/aliases when qualified."""
    arn = f"arn:{partition}:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def _validation(value: object) -> LambdaServiceError:
    return LambdaServiceError(
        "ValidationException",
        400,
        f"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?"
        r"(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?",
    )
