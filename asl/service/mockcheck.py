"""TestState's check of a mocked result against the integrated API's output shape.

The shape comes from botocore's service model of the service the Task's resource
calls (``arn:aws:states:::aws-sdk:kms:encrypt`` -> kms ``Encrypt``; optimized
integrations such as ``events:putEvents`` alike).  Both ``STRICT`` and
``PRESENT`` check the types, lengths and ranges of the fields the mock has (AWS's
recordings show neither asking for the API's required fields).  Fields the API
does not define are let through, as AWS does.
"""

from __future__ import annotations

from typing import Any

from asl.service.errors import ApiError

# Step Functions' names for services whose botocore name differs.
_SERVICES = {"sfn": "stepfunctions", "states": "stepfunctions", "eventbridge": "events"}
# Integrations whose result is not the API's output (a function's payload, a job's
# description): not checked.
_UNCHECKED = {("lambda", "Invoke")}


def _operation(resource: str) -> tuple[str, str] | None:
    prefix = "arn:aws:states:::"
    if not resource.startswith(prefix):
        return None
    rest = resource[len(prefix) :]
    if rest.startswith("aws-sdk:"):
        rest = rest[len("aws-sdk:") :]
    elif "." in rest:
        return None  # .sync / .waitForTaskToken: the result is not the API's output
    parts = rest.split(":")
    if len(parts) != 2:
        return None
    service, action = parts
    action = action.split(".")[0]
    if not action:
        return None
    return _SERVICES.get(service, service), action[0].upper() + action[1:]


def check_mock_result(resource: str, result: Any, mode: str) -> None:
    """Raise AWS's ``ValidationException`` if ``result`` does not fit the output shape."""
    from asl.service.shapes import available

    found = _operation(resource) if available() else None
    if found is None or found in _UNCHECKED:
        return
    service, operation = found
    try:
        from asl.service.shapes import service_model

        shape = service_model(service).operation_model(operation).output_shape
    except Exception:  # a service or operation botocore does not know: nothing to check
        return
    if shape is None:
        return
    problem = _check(shape, result, None, strict=mode == "STRICT")
    if problem is not None:
        raise ApiError("ValidationException", f"Mock result schema validation error: {problem}")


def _check(shape: Any, value: Any, name: str | None, *, strict: bool) -> str | None:
    kind = shape.type_name
    meta = shape.metadata
    field = f"Field '{name}'" if name else "The result"
    if kind == "structure":
        if not isinstance(value, dict):
            return f"{field} must be an object"
        # Step Functions' optimized integrations spell the API's members in PascalCase
        members = {k.lower(): v for k, v in shape.members.items()}
        for key, item in value.items():
            member = members.get(key.lower())
            if member is None or item is None:
                continue
            problem = _check(member, item, key, strict=strict)
            if problem:
                return problem
        return None
    if kind == "list":
        if not isinstance(value, list):
            return f"{field} must be an array"
        for item in value:
            problem = _check(shape.member, item, name, strict=strict)
            if problem:
                return problem
        return _length(meta, len(value), field)
    if kind == "map":
        if not isinstance(value, dict):
            return f"{field} must be an object"
        for item in value.values():
            problem = _check(shape.value, item, name, strict=strict)
            if problem:
                return problem
        return None
    if kind in ("string", "blob"):
        if not isinstance(value, str):
            return f"{field} must be a string"
        if meta.get("enum") and strict and value not in meta["enum"]:
            return f"{field} must be one of {meta['enum']}"
        return _length(meta, len(value), field)
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return f"{field} must be a string"
        return None
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{field} must be an integer"
        return _range(meta, value, field)
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{field} must be a number"
        return _range(meta, value, field)
    if kind == "boolean" and not isinstance(value, bool):
        return f"{field} must be a boolean"
    return None


def _length(meta: dict[str, Any], size: int, field: str) -> str | None:
    if meta.get("min") is not None and size < meta["min"]:
        return f"{field} is smaller than the minimum length"
    if meta.get("max") is not None and size > meta["max"]:
        return f"{field} exceeds the maximum length"
    return None


def _range(meta: dict[str, Any], value: float, field: str) -> str | None:
    if meta.get("min") is not None and value < meta["min"]:
        return f"{field} is less than the minimum value"
    if meta.get("max") is not None and value > meta["max"]:
        return f"{field} exceeds the maximum value"
    return None
