"""Function configuration: Lambda's settings, their ranges and defaults."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from asl.errors import ConfigurationError

TIMEOUT_RANGE = (1, 900)
MEMORY_RANGE = (128, 10_240)
DESCRIPTION_MAX = 256
HANDLER_MAX = 128
LAYERS_MAX = 5
ENVIRONMENT_MAX_BYTES = 4096
DEFAULT_HANDLER = "lambda_function.lambda_handler"
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
# Lambda's Python runtimes (identifiers as in CreateFunction's Runtime).
PYTHON_RUNTIMES = tuple(f"python3.{minor}" for minor in range(9, 15))

# Variables Lambda sets itself and refuses to let a function override.
RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
_VARIABLE_NAME = re.compile(r"^[a-zA-Z]([a-zA-Z0-9_])+$")


@dataclass(frozen=True)
class FunctionConfiguration:
    """The code and settings of one function version (immutable; updates make a new one).

    Exactly one of ``handler`` (a Python callable) and ``code`` (a deployment-package
    directory, with ``handler_name`` = ``module.function``) is set.
    """

    function_name: str
    handler: Callable[..., Any] | None = None
    code: Path | None = None
    handler_name: str | None = None
    layers: tuple[Path, ...] = ()
    timeout: int = 3
    memory_size: int = 128
    environment: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    runtime: str = RUNTIME

    @property
    def search_path(self) -> list[str]:
        """Import path of the package: code directory first, then each layer's python dir."""
        paths = [str(self.code)] if self.code is not None else []
        for layer in self.layers:
            python = layer / "python"
            paths.append(str(python if python.is_dir() else layer))
        return paths

    @property
    def handler_string(self) -> str:
        """The ``_HANDLER`` value: ``module.function`` or the callable's qualified name."""
        if self.handler_name is not None:
            return self.handler_name
        handler = self.handler
        module = getattr(handler, "__module__", None) or "handler"
        name = getattr(handler, "__qualname__", None) or type(handler).__name__
        return f"{module}.{name}"

    def with_changes(self, **changes: Any) -> FunctionConfiguration:
        """A validated copy with some settings changed."""
        return validate_configuration(replace(self, **changes))


def make_configuration(
    name: str,
    handler: Callable[..., Any] | None,
    *,
    code: str | os.PathLike[str] | None,
    handler_name: str | None,
    layers: Sequence[str | os.PathLike[str]],
    timeout: int,
    memory_size: int,
    environment: Mapping[str, str] | None,
    description: str,
    runtime: str | None = None,
) -> FunctionConfiguration:
    """Build and validate a configuration from ``register`` arguments.

    ``runtime`` (``"python3.9"`` ... ``"python3.14"``) defaults to this interpreter's.
    """
    if handler is not None and code is not None:
        raise ConfigurationError(
            f"function {name!r}: give either a handler callable or code=, not both"
        )
    if handler is None and code is None:
        raise ConfigurationError(
            f"function {name!r}: give a handler callable, or code= (a deployment-package "
            "directory) with handler_name='module.function'"
        )
    if handler is not None and not callable(handler):
        raise ConfigurationError(f"function {name!r}: handler {handler!r} is not callable")
    if handler is not None and handler_name is not None:
        raise ConfigurationError(
            f"function {name!r}: handler_name applies to code= packages, not to a callable"
        )
    code_path = _directory(name, "code", code) if code is not None else None
    config = FunctionConfiguration(
        function_name=name,
        handler=handler,
        code=code_path,
        handler_name=(handler_name or DEFAULT_HANDLER) if code_path is not None else None,
        layers=tuple(_directory(name, "layer", layer) for layer in layers),
        timeout=timeout,
        memory_size=memory_size,
        environment=dict(environment or {}),
        description=description,
        runtime=RUNTIME if runtime is None else runtime,
    )
    return validate_configuration(config)


def validate_configuration(config: FunctionConfiguration) -> FunctionConfiguration:
    """Check every setting against Lambda's limits; raise ConfigurationError naming the bad one."""
    name = config.function_name
    _check_int(name, "timeout", config.timeout, TIMEOUT_RANGE, "seconds")
    _check_int(name, "memory_size", config.memory_size, MEMORY_RANGE, "MB")
    if not isinstance(config.description, str) or len(config.description) > DESCRIPTION_MAX:
        raise ConfigurationError(
            f"function {name!r}: description must be a string of at most {DESCRIPTION_MAX} "
            "characters"
        )
    if len(config.layers) > LAYERS_MAX:
        raise ConfigurationError(
            f"function {name!r}: at most {LAYERS_MAX} layers, got {len(config.layers)}"
        )
    if config.handler_name is not None:
        if (
            not isinstance(config.handler_name, str)
            or not config.handler_name
            or len(config.handler_name) > HANDLER_MAX
            or any(c.isspace() for c in config.handler_name)
        ):
            raise ConfigurationError(
                f"function {name!r}: handler_name must be 'module.function' (at most "
                f"{HANDLER_MAX} characters, no spaces), got {config.handler_name!r}"
            )
    _check_environment(name, config.environment)
    if config.runtime != RUNTIME and config.runtime not in PYTHON_RUNTIMES:
        raise ConfigurationError(
            f"function {name!r}: runtime must be one of Lambda's Python runtimes "
            f"({', '.join(PYTHON_RUNTIMES)}), got {config.runtime!r}"
        )
    return config


def runtime_version(runtime: str) -> tuple[int, int] | None:
    """``(3, 12)`` for ``"python3.12"``; None for anything else."""
    m = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    return (int(m.group(1)), int(m.group(2))) if m else None


def interpreter_note(runtime: str, version: tuple[int, ...], where: str) -> str | None:
    """What to add to a failure when the interpreter that ran the code does not match the
    function's runtime (None when it does)."""
    wanted = runtime_version(runtime)
    if wanted is None or tuple(version[:2]) == wanted:
        return None
    ran = ".".join(str(v) for v in version[:3])
    hint = (
        f"; install python{wanted[0]}.{wanted[1]} and use host='subprocess' to run it on "
        "a matching interpreter"
        if where == "in-process" or "no python" in where
        else ""
    )
    return f"(the function's runtime is {runtime}; Python {ran} ran it, {where}{hint})"


def _check_int(name: str, what: str, value: object, bounds: tuple[int, int], unit: str) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigurationError(
            f"function {name!r}: {what} must be an integer from {low} to {high} {unit}, "
            f"got {value!r}"
        )


def _check_environment(name: str, environment: Mapping[str, str]) -> None:
    size = 0
    for key, value in environment.items():
        if not isinstance(key, str) or not _VARIABLE_NAME.match(key):
            raise ConfigurationError(
                f"function {name!r}: environment variable name {key!r} must start with a "
                "letter and contain only letters, digits and '_' (at least 2 characters)"
            )
        if not isinstance(value, str):
            raise ConfigurationError(
                f"function {name!r}: environment variable {key} must be a string, "
                f"got {type(value).__name__}"
            )
        if key in RESERVED_VARIABLES:
            raise ConfigurationError(
                f"function {name!r}: environment variable {key} is reserved by Lambda and "
                "cannot be set"
            )
        size += len(key.encode()) + len(value.encode())
    if size > ENVIRONMENT_MAX_BYTES:
        raise ConfigurationError(
            f"function {name!r}: environment variables total {size} bytes, over Lambda's "
            f"{ENVIRONMENT_MAX_BYTES}-byte limit"
        )


def _directory(name: str, what: str, value: str | os.PathLike[str]) -> Path:
    try:
        path = Path(value).resolve()
    except TypeError:
        raise ConfigurationError(
            f"function {name!r}: {what} must be a directory path, got {value!r}"
        ) from None
    if not path.is_dir():
        raise ConfigurationError(f"function {name!r}: {what} directory {str(value)!r} not found")
    return path
