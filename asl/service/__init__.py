"""The Step Functions API: `Client` (boto3's ``stepfunctions`` client in process),
`test_state` (TestState with parsed values) and the ``asl serve`` HTTP endpoint."""

from __future__ import annotations

from asl.service.client import Client
from asl.service.errors import ApiError

__all__ = ["ApiError", "Client", "test_state"]


def __getattr__(name: str) -> object:
    if name == "test_state":
        from asl.service.pythonic import test_state

        return test_state
    raise AttributeError(f"module 'asl.service' has no attribute {name!r}")
