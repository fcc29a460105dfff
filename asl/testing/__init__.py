"""Helpers for testing state machines: explanations of executions, coverage, fixtures.

`explain` turns an `asl.Execution` into the account a failing test needs; the pytest
plugin (`asl.pytest_plugin`, active once the package is installed) attaches it to failing
tests, provides fixtures and measures state-machine coverage (``pytest --asl-cov``).
"""

from __future__ import annotations

from asl.execution.explain import explain, format_cause, format_lambda_error, handler_output

__all__ = ["explain", "format_cause", "format_lambda_error", "handler_output"]
