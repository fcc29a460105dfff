"""Lambda handlers used by the conformance cases in this folder."""

from __future__ import annotations

from typing import Any


class ThrottlingException(Exception):
    """Named like the AWS SDK error the cases retry on."""


_calls = {"flaky": 0}


def flaky(event: dict, context: Any) -> dict:
    """Fails twice with ThrottlingException, then succeeds, echoing the retry count."""
    _calls["flaky"] += 1
    if _calls["flaky"] <= 2:
        raise ThrottlingException("slow down")
    return {"attempt": _calls["flaky"], "retryCount": event["retryCount"]}


def broken(event: dict, context: Any) -> dict:
    raise ValueError(f"cannot handle {event.get('id')}")


def echo(event: Any, context: Any) -> Any:
    return {"got": event, "function": context.function_name}


class ErrorA(Exception):
    pass


class ErrorB(Exception):
    pass


_sequence = {"n": 0}


def a_then_b_then_a(event: Any, context: Any) -> str:
    """Raises ErrorA, ErrorB, then ErrorA again, then succeeds."""
    _sequence["n"] += 1
    n = _sequence["n"]
    if n in (1, 3):
        raise ErrorA(f"call {n}")
    if n == 2:
        raise ErrorB(f"call {n}")
    return f"call {n}"


def send_token_back(event: dict, context: Any) -> None:
    """Invoked asynchronously: reports back to the waiting Task with its task token."""
    import asl

    asl.send_task_success(event["token"], {"processed": event["order"]})
