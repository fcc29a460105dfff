"""The exceptions `asl` raises: one base class, a few clear subclasses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asl.diagnostics import Diagnostic


class ASLError(Exception):
    """Base class of every error raised by `asl`."""


class DefinitionError(ASLError, ValueError):
    """A state machine definition is invalid; ``.diagnostics`` says where and why."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"] or self.diagnostics
        lines = [str(d) for d in errors[:10]]
        more = len(errors) - len(lines)
        if more > 0:
            lines.append(f"... and {more} more")
        super().__init__("invalid state machine definition:\n  " + "\n  ".join(lines))


class ConfigurationError(ASLError, ValueError):
    """An argument to `asl` (a backend, a function, a mock file, ...) is invalid."""


class StatesError(ASLError):
    """A runtime error inside an execution, named as AWS names it.

    ``error`` is the error name a Retry or Catch matches (``States.Runtime``,
    ``States.TaskFailed``, ``Lambda.TooManyRequestsException``, a handler's exception
    type...), ``cause`` the human-readable (or JSON) cause, or ``None``.
    """

    def __init__(self, error: str, cause: str | None = None):
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause


class ExecutionFailed(ASLError):
    """An execution did not succeed; ``str()`` explains it (see `asl.Execution.explain`):
    the path taken, the failing state, the error, the cause and a handler's traceback.

    ``.execution`` is the `asl.Execution`; ``.error`` and ``.cause`` are its own.
    """

    def __init__(self, execution: Any):
        super().__init__(execution.status, execution.error)
        self.execution = execution
        self.status: str = execution.status
        self.error: str | None = execution.error
        self.cause: str | None = execution.cause

    def __str__(self) -> str:
        return str(self.execution.explain())
