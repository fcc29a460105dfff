"""lambda:invoke with a string Payload: AWS sends the string itself as the request body
(AWS recordings of sample workflows: "Payload": "0" invokes the function with 0)."""

from __future__ import annotations

from typing import Any

import pytest

import asl


def invoke(payload: Any) -> dict[str, Any]:
    return {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "echo", "Payload": payload},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }


@pytest.mark.parametrize(
    ("payload", "event"),
    [("0", 0), ("{}", {}), ('"Hello"', "Hello"), ('{"a": [1]}', {"a": [1]}), ({"a": 1}, {"a": 1})],
)
def test_a_string_payload_is_the_request_body(payload: Any, event: Any) -> None:
    seen: list[Any] = []

    def echo(e: Any, context: Any) -> Any:
        seen.append(e)
        return e

    ex = asl.run(invoke(payload), {}, functions={"echo": echo})
    assert ex.status == "SUCCEEDED", ex.cause
    assert seen == [event]
    assert ex.output == event


def test_a_string_payload_that_is_not_json_is_refused_by_lambda() -> None:
    ex = asl.run(invoke("not json"), {}, functions={"echo": lambda e, c: e})
    assert (ex.status, ex.error) == ("FAILED", "Lambda.InvalidRequestContentException")
