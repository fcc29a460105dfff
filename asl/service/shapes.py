"""The Step Functions API model, read from botocore's service model (never hand-written).

`check_request` applies an operation's input shape as AWS's front end does (types,
required members, length / value / pattern / enum constraints) and raises the
``ValidationException`` AWS answers with; `service_model` gives any service's model
(TestState checks mocked results against the integrated service's output shapes).
botocore is imported on first use; without it (it comes with the ``serve`` extra, and
with boto3) requests and mocked results go unchecked.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from asl.errors import ConfigurationError
from asl.service.errors import ApiError


@functools.lru_cache(maxsize=64)
def service_model(name: str) -> Any:
    """botocore's model of an AWS service (``"stepfunctions"``, ``"lambda"``, ...)."""
    try:
        import botocore.session  # noqa: F401
    except ImportError:  # pragma: no cover - botocore comes with the serve extra
        raise ConfigurationError(
            "the Step Functions API model comes from botocore: pip install 'asl-interpreter[serve]'"
        ) from None
    return _session().get_service_model(name)


@functools.lru_cache(maxsize=1)
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


def operation_names() -> list[str]:
    """Every Step Functions operation (``CreateStateMachine``, ...)."""
    return list(service_model("stepfunctions").operation_names)


def snake(operation: str) -> str:
    """``CreateStateMachine`` -> ``create_state_machine``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Whether botocore (and so the API model) is installed."""
    try:
        import botocore.session  # noqa: F401
    except ImportError:
        return False
    return True


def check_request(operation: str, params: dict[str, Any]) -> None:
    """Raise AWS's ``ValidationException`` for a request its input shape rejects (no
    check without botocore)."""
    if not available():
        return
    shape = service_model("stepfunctions").operation_model(operation).input_shape
    problems: list[str] = []
    _check_structure(shape, params, "", problems, top=True)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ApiError(
            "ValidationException", f"{count} validation {noun} detected: " + "; ".join(problems)
        )


def _check_structure(
    shape: Any, value: Any, where: str, problems: list[str], *, top: bool = False
) -> None:
    if not isinstance(value, dict):
        problems.append(
            f"Value at '{where}' failed to satisfy constraint: Member must be an object"
        )
        return
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(
                f"Value null at '{_join(where, name)}' failed to satisfy constraint: "
                "Member must not be null"
            )
    for name, item in value.items():
        member = shape.members.get(name)
        if member is None:
            if top:
                continue  # unknown fields: the service ignores them
            continue
        if item is None:
            continue
        _check_value(member, item, _join(where, name), problems)


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _check_value(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        _check_structure(shape, value, where, problems)
        return
    if kind == "list":
        if not isinstance(value, list):
            problems.append(
                f"Value at '{where}' failed to satisfy constraint: Member must be a list"
            )
            return
        _bounds(meta, len(value), value, where, problems, "length", shape)
        for i, item in enumerate(value, 1):
            _check_value(shape.member, item, f"{where}.{i}.member", problems)
        return
    if kind == "string":
        if not isinstance(value, str):
            problems.append(
                f"Value at '{where}' failed to satisfy constraint: Member must be a string"
            )
            return
        _bounds(meta, len(value), value, where, problems, "length", shape)
        pattern = meta.get("pattern")
        if pattern and not _matches(pattern, value):
            problems.append(
                f"Value {_show(value, shape)} at '{where}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern}"
            )
        enum = meta.get("enum")
        if enum and value not in enum:
            problems.append(
                f"Value {_show(value, shape)} at '{where}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(
                f"Value at '{where}' failed to satisfy constraint: Member must be an integer"
            )
            return
        _bounds(meta, value, value, where, problems, "value", shape)
        return
    if kind == "boolean" and not isinstance(value, bool):
        problems.append(
            f"Value at '{where}' failed to satisfy constraint: Member must be a boolean"
        )


def _bounds(
    meta: dict[str, Any],
    size: int,
    value: Any,
    where: str,
    problems: list[str],
    what: str,
    shape: Any,
) -> None:
    low, high = meta.get("min"), meta.get("max")
    if high is not None and size > high:
        problems.append(
            f"Value {_show(value, shape)} at '{where}' failed to satisfy constraint: "
            f"Member must have {what} less than or equal to {high}"
        )
    elif low is not None and size < low:
        problems.append(
            f"Value {_show(value, shape)} at '{where}' failed to satisfy constraint: "
            f"Member must have {what} greater than or equal to {low}"
        )


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct: do not guess
        return None


def _matches(pattern: str, value: str) -> bool:
    compiled = _compiled(pattern)
    return compiled is None or compiled.search(value) is not None


def _show(value: Any, shape: Any) -> str:
    """The value as AWS quotes it in a validation message (Java's toString)."""
    if shape.metadata.get("sensitive"):
        return "'*** Sensitive Data Redacted ***'"
    return f"'{_java(value, shape)}'"


def _java(value: Any, shape: Any) -> str:
    if isinstance(value, list):
        member = getattr(shape, "member", None)
        return "[" + ", ".join(_java(v, member) for v in value) + "]"
    if isinstance(value, dict) and shape is not None and shape.type_name == "structure":
        fields = ", ".join(
            f"{k}={_java(v, shape.members.get(k))}" for k, v in value.items() if v is not None
        )
        return f"{shape.name}({fields})"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
