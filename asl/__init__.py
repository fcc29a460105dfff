"""asl: parse, validate and execute AWS Step Functions state machines offline.

sm = asl.parse(source)               # compiled, immutable StateMachine (or DefinitionError)
diagnostics = asl.validate(source)   # [] when valid; never raises for a bad definition
ex = asl.run(sm, {"x": 1}, functions={"MyFunction": handler})
ex.status, ex.output, ex.error, ex.cause, ex.history
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asl.api import execute, parse, run, validate
from asl.ast import StateMachine
from asl.diagnostics import Diagnostic
from asl.errors import ASLError, ConfigurationError, DefinitionError, StatesError
from asl.execution.clock import Clock, RealClock, VirtualClock
from asl.execution.executor import Execution

if TYPE_CHECKING:
    from asl.lambda_runtime import LambdaRuntime

__version__ = "0.1.0"

__all__ = [
    "ASLError",
    "Clock",
    "ConfigurationError",
    "DefinitionError",
    "Diagnostic",
    "Execution",
    "LambdaRuntime",
    "RealClock",
    "StateMachine",
    "StatesError",
    "VirtualClock",
    "execute",
    "parse",
    "run",
    "validate",
]


def __getattr__(name: str) -> Any:
    # The Lambda runtime is imported on first use, keeping `import asl` light.
    if name == "LambdaRuntime":
        from asl.lambda_runtime import LambdaRuntime

        return LambdaRuntime
    raise AttributeError(f"module 'asl' has no attribute {name!r}")
