"""asl: parse, validate and execute AWS Step Functions state machines offline.

sm = asl.parse(source)               # compiled, immutable StateMachine (or DefinitionError)
diagnostics = asl.validate(source)   # [] when valid; never raises for a bad definition
ex = asl.run(sm, {"x": 1}, functions={"MyFunction": handler})
ex.status, ex.output, ex.error, ex.cause, ex.history
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from asl.diagnostics import Diagnostic
from asl.errors import (
    ASLError,
    ConfigurationError,
    DefinitionError,
    ExecutionFailed,
    StatesError,
)
from asl.version import __version__ as __version__

if TYPE_CHECKING:
    from asl.api import execute, parse, run, validate
    from asl.ast import StateMachine
    from asl.backends.activities import Activities
    from asl.backends.callbacks import send_task_failure, send_task_heartbeat, send_task_success
    from asl.backends.resources import TaskContext
    from asl.clock import Clock, RealClock, VirtualClock
    from asl.execution.result import Execution
    from asl.handle import ExecutionHandle, start
    from asl.lambda_runtime import LambdaRuntime
    from asl.project import Project, TemplateError, load_template
    from asl.service import ApiError, Client
    from asl.service.pythonic import test_state

__all__ = [
    "ASLError",
    "ApiError",
    "Client",
    "test_state",
    "Activities",
    "ExecutionHandle",
    "TaskContext",
    "send_task_failure",
    "send_task_heartbeat",
    "send_task_success",
    "start",
    "Clock",
    "ConfigurationError",
    "DefinitionError",
    "Diagnostic",
    "Execution",
    "ExecutionFailed",
    "LambdaRuntime",
    "Project",
    "RealClock",
    "StateMachine",
    "StatesError",
    "TemplateError",
    "VirtualClock",
    "execute",
    "load_template",
    "parse",
    "run",
    "validate",
]

# Loaded on first use, so that `import asl` (and `asl validate`) start fast.
_LAZY = {
    "parse": "asl.api",
    "validate": "asl.api",
    "run": "asl.api",
    "execute": "asl.api",
    "StateMachine": "asl.ast",
    "Clock": "asl.clock",
    "RealClock": "asl.clock",
    "VirtualClock": "asl.clock",
    "Execution": "asl.execution.result",
    "LambdaRuntime": "asl.lambda_runtime",
    "start": "asl.handle",
    "ExecutionHandle": "asl.handle",
    "send_task_success": "asl.backends.callbacks",
    "send_task_failure": "asl.backends.callbacks",
    "send_task_heartbeat": "asl.backends.callbacks",
    "Activities": "asl.backends.activities",
    "TaskContext": "asl.backends.resources",
    "Client": "asl.service.client",
    "ApiError": "asl.service.errors",
    "test_state": "asl.service.pythonic",
    "load_template": "asl.project",
    "Project": "asl.project",
    "TemplateError": "asl.project",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'asl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
