"""Functions from deployment-package directories: handler strings, isolation, layers."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from asl.errors import ConfigurationError
from asl.lambda_runtime import LambdaRuntime


def test_two_packages_with_the_same_module_names_are_isolated(
    runtime: LambdaRuntime, packages: Path
) -> None:
    runtime.register("a", code=packages / "counter_a")
    runtime.register("b", code=packages / "counter_b")
    assert runtime.invoke("a", {}).json() == {"package": "a", "count": 1, "helper": "a"}
    assert runtime.invoke("b", {}).json() == {"package": "b", "count": 1, "helper": "b"}
    assert runtime.invoke("a", {}).json() == {"package": "a", "count": 2, "helper": "a"}
    # Nothing leaks into the host's module table.
    assert "lambda_function" not in sys.modules
    assert "helper" not in sys.modules


def test_default_handler_is_lambda_function_lambda_handler(
    runtime: LambdaRuntime, packages: Path
) -> None:
    function = runtime.register("a", code=packages / "counter_a")
    assert function.configuration.handler_name == "lambda_function.lambda_handler"


def test_handler_in_a_package_with_relative_imports(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("app", code=packages / "app_pkg", handler_name="app.handlers.main")
    assert runtime.invoke("app", 21).json() == {
        "double": 42,
        "same": True,
        "module": "app.handlers",
    }


def test_handler_path_may_use_slashes(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("app", code=packages / "app_pkg", handler_name="app/handlers.main")
    assert runtime.invoke("app", 1).json()["double"] == 2


def test_layers_are_on_the_import_path(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("layered", code=packages / "layer_user", layers=[packages / "layer_shared"])
    assert runtime.invoke("layered", {}).json() == "hello from the layer"


def test_without_the_layer_the_import_fails(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("layerless", code=packages / "layer_user")
    result = runtime.invoke("layerless", {})
    assert result.function_error == "Unhandled"
    assert result.json()["errorType"] == "Runtime.ImportModuleError"


def test_async_handler_in_a_package(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("coro", code=packages / "async_pkg")
    assert runtime.invoke("coro", 3).json() == {"async": 3}


def test_import_error_is_runtime_import_module_error(
    runtime: LambdaRuntime, packages: Path
) -> None:
    runtime.register("broken", code=packages / "broken_import")
    result = runtime.invoke("broken", {})
    assert result.function_error == "Unhandled"
    # The init error has no request id, as the runtime reports init failures.
    assert result.payload.decode() == (
        '{"errorMessage": "Unable to import module \'lambda_function\': No module named '
        '\'no_such_module_anywhere\'", "errorType": "Runtime.ImportModuleError", '
        '"requestId": "", "stackTrace": []}'
    )


def test_missing_handler_function_is_handler_not_found(
    runtime: LambdaRuntime, packages: Path
) -> None:
    runtime.register("missing", code=packages / "missing_handler")
    assert runtime.invoke("missing", {}).json() == {
        "errorMessage": "Handler 'lambda_handler' missing on module 'lambda_function'",
        "errorType": "Runtime.HandlerNotFound",
        "requestId": "",
        "stackTrace": [],
    }


def test_handler_without_a_dot_is_malformed(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("bad", code=packages / "counter_a", handler_name="lambda_handler")
    doc = runtime.invoke("bad", {}).json()
    assert doc["errorType"] == "Runtime.MalformedHandlerName"
    assert doc["errorMessage"] == (
        "Bad handler 'lambda_handler': not enough values to unpack (expected 2, got 1)"
    )


def test_builtin_module_as_handler_is_a_conflict(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("sys", code=packages / "counter_a", handler_name="sys.exit")
    doc = runtime.invoke("sys", {}).json()
    assert doc["errorType"] == "Runtime.BuiltInModuleConflict"
    assert doc["errorMessage"] == "Cannot use built-in module sys as a handler module"


def test_syntax_error_is_user_code_syntax_error(
    runtime: LambdaRuntime, packages: Path, tmp_path: Path
) -> None:
    shutil.copy(
        packages / "syntax_error" / "lambda_function.py.txt", tmp_path / "lambda_function.py"
    )
    runtime.register("syntax", code=tmp_path)
    doc = runtime.invoke("syntax", {}).json()
    assert doc["errorType"] == "Runtime.UserCodeSyntaxError"
    assert doc["errorMessage"].startswith("Syntax error in module 'lambda_function': ")
    assert doc["stackTrace"][0].startswith('  File "')
    assert " Line 1\n" in doc["stackTrace"][0]


def test_exception_at_module_level_is_reported_with_its_type(
    runtime: LambdaRuntime, packages: Path
) -> None:
    runtime.register("init", code=packages / "init_error")
    doc = runtime.invoke("init", {}).json()
    assert (doc["errorType"], doc["errorMessage"], doc["requestId"]) == (
        "RuntimeError",
        "cannot start",
        "",
    )
    assert any("init_error" in frame for frame in doc["stackTrace"])


def test_failed_init_is_retried_by_the_next_invocation(
    runtime: LambdaRuntime, tmp_path: Path
) -> None:
    module = tmp_path / "lambda_function.py"
    module.write_text("import missing_dependency\n")
    runtime.register("later", code=tmp_path)
    assert runtime.invoke("later", {}).function_error == "Unhandled"
    (tmp_path / "missing_dependency.py").write_text("")
    module.write_text("import missing_dependency\n\ndef lambda_handler(e, c):\n    return 'ok'\n")
    assert runtime.invoke("later", {}).json() == "ok"
    assert runtime.get_function("later").stats.cold_starts == 2


def test_code_directory_must_exist(runtime: LambdaRuntime, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="code directory .* not found"):
        runtime.register("f", code=tmp_path / "nope")


def test_callable_and_code_are_exclusive(runtime: LambdaRuntime, packages: Path) -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        runtime.register("f", lambda e, c: e, code=packages / "counter_a")
    with pytest.raises(ConfigurationError, match="give a handler callable"):
        runtime.register("f")
