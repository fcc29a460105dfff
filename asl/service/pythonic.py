"""`test_state`: the TestState API with Python values in and out."""

from __future__ import annotations

import json
from typing import Any

from asl.service.client import Client
from asl.service.teststate import _DATA_KEYS, _compact


def test_state(
    definition: Any,
    input: Any = None,
    *,
    state_name: str | None = None,
    inspection_level: str = "INFO",
    variables: dict[str, Any] | None = None,
    context: Any = None,
    mock_result: Any = None,
    mock_error: tuple[str | None, str | None] | None = None,
    field_validation_mode: str | None = None,
    retrier_retry_count: int | None = None,
    error_caused_by_state: str | None = None,
    map_iteration_failure_count: int | None = None,
    reveal_secrets: bool | None = None,
    role_arn: str | None = None,
    **client_options: Any,
) -> dict[str, Any]:
    """TestState with Python values: ``definition`` a state (or a machine with
    ``state_name``) as a dict or JSON text, ``input`` a JSON value.  Returns the response
    with ``output``, ``variables`` and the ``inspection_data`` values decoded, keys in
    snake_case (``status``, ``output``, ``error``, ``cause``, ``next_state``,
    ``inspection_data``).  Raises `asl.ApiError` as the API does."""
    request: dict[str, Any] = {
        "definition": definition if isinstance(definition, str) else json.dumps(definition),
        "input": _compact({} if input is None else input),
        "inspectionLevel": inspection_level,
    }
    if state_name is not None:
        request["stateName"] = state_name
    if variables is not None:
        request["variables"] = _compact(variables)
    if context is not None:
        request["context"] = _compact(context)
    if mock_result is not None or mock_error is not None:
        mock: dict[str, Any] = {}
        if mock_result is not None:
            mock["result"] = _compact(mock_result)
        if mock_error is not None:
            mock["errorOutput"] = {
                k: v for k, v in (("error", mock_error[0]), ("cause", mock_error[1])) if v
            }
        if field_validation_mode is not None:
            mock["fieldValidationMode"] = field_validation_mode
        request["mock"] = mock
    config = {
        k: v
        for k, v in (
            ("retrierRetryCount", retrier_retry_count),
            ("errorCausedByState", error_caused_by_state),
            ("mapIterationFailureCount", map_iteration_failure_count),
        )
        if v is not None
    }
    if config:
        request["stateConfiguration"] = config
    if reveal_secrets is not None:
        request["revealSecrets"] = reveal_secrets
    if role_arn is not None:
        request["roleArn"] = role_arn
    client_options.setdefault("clock", "virtual")
    with Client(**client_options) as client:
        response = client.test_state(**request)
    return _pythonic(response)


def _pythonic(response: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in response.items():
        if key == "output":
            out["output"] = json.loads(value)
        elif key == "nextState":
            out["next_state"] = value
        elif key == "inspectionData":
            data: dict[str, Any] = {}
            for k, v in value.items():
                snake = "".join("_" + c.lower() if c.isupper() else c for c in k)
                data[snake] = json.loads(v) if k in _DATA_KEYS and isinstance(v, str) else v
            out["inspection_data"] = data
        else:
            out[key] = value
    return out
