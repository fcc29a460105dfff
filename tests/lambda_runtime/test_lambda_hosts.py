"""Hosts (where function code runs), their deprecated "backend" names, and the layering."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import asl.lambda_runtime as lambda_runtime
from asl.errors import ConfigurationError
from asl.lambda_runtime import (
    AwsHost,
    AwsLambdaBackend,
    InProcessBackend,
    InProcessHost,
    LambdaRuntime,
    SubprocessBackend,
    SubprocessHost,
)

PACKAGE = Path(lambda_runtime.__file__).parent


@pytest.mark.parametrize(
    ("name", "cls"),
    [("inprocess", InProcessHost), ("subprocess", SubprocessHost), ("aws", AwsHost)],
)
def test_host_by_name(name: str, cls: type) -> None:
    with LambdaRuntime(host=name) as runtime:
        assert isinstance(runtime.host, cls)


def test_default_host_is_inprocess() -> None:
    with LambdaRuntime() as runtime:
        assert isinstance(runtime.host, InProcessHost)
        runtime.register("f", lambda event, context: event + 1)
        assert runtime.invoke("f", 1).json() == 2


def test_backend_keyword_still_works_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match="host="):
        runtime = LambdaRuntime(backend="subprocess")
    with runtime:
        assert isinstance(runtime.host, SubprocessHost)
        assert runtime.backend is runtime.host


def test_host_and_backend_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="host= only"):
        LambdaRuntime(host="inprocess", backend="inprocess")


def test_old_class_names_are_the_host_classes() -> None:
    assert InProcessBackend is InProcessHost
    assert SubprocessBackend is SubprocessHost
    assert AwsLambdaBackend is AwsHost
    with LambdaRuntime(host=InProcessBackend(init_timeout=1.0)) as runtime:
        runtime.register("f", lambda event, context: "ok")
        assert runtime.invoke("f").json() == "ok"
        environment = runtime.get_function("f").environments[0]
        assert environment.host_name == environment.backend_name == "inprocess"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_lambda_runtime_imports_no_executor_module() -> None:
    forbidden = ("asl.execution", "asl.backends", "asl.api")
    for path in PACKAGE.glob("*.py"):
        bad = [m for m in _imports(path) if m.startswith(forbidden)]
        assert not bad, f"{path.name} imports {bad}"


def test_lambda_runtime_modules_import_no_circle() -> None:
    graph = {
        f"asl.lambda_runtime.{p.stem}": {
            m
            for m in _imports(p)
            if m.startswith("asl.lambda_runtime.") and m != "asl.lambda_runtime"
        }
        for p in PACKAGE.glob("*.py")
        if p.stem != "__init__"
    }

    def visit(node: str, stack: list[str]) -> None:
        assert node not in stack, "import circle: " + " -> ".join([*stack, node])
        for target in graph.get(node, ()):
            visit(target, [*stack, node])

    for module in graph:
        visit(module, [])
