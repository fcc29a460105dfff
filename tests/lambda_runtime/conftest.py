"""Fixtures for the Lambda runtime tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from asl.lambda_runtime import LambdaRuntime

PACKAGES = Path(__file__).parent / "packages"


@pytest.fixture
def runtime() -> Iterator[LambdaRuntime]:
    """An in-process runtime, closed after the test."""
    with LambdaRuntime(seed=7) as rt:
        yield rt


@pytest.fixture
def packages() -> Path:
    """The directory of test deployment packages."""
    return PACKAGES
