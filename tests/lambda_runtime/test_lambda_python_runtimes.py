"""A function's declared runtime (python3.9 ... python3.14): checked, reported on failure,
and matched by the subprocess host when that interpreter is installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asl.errors import ConfigurationError
from asl.lambda_runtime import LambdaRuntime
from asl.lambda_runtime.configuration import PYTHON_RUNTIMES
from asl.lambda_runtime.process import find_interpreter

HERE = f"python{sys.version_info[0]}.{sys.version_info[1]}"
OTHERS = [r for r in PYTHON_RUNTIMES if r != HERE]


def _installed_other() -> str | None:
    for runtime in OTHERS:
        major, minor = (int(p) for p in runtime.removeprefix("python").split("."))
        if find_interpreter(major, minor):
            return runtime
    return None


def test_runtime_must_be_a_lambda_python_runtime() -> None:
    with LambdaRuntime() as runtime:
        with pytest.raises(ConfigurationError, match=r"runtime must be one of .*python3\.9"):
            runtime.register("f", lambda e, c: e, runtime="python2.7")
        function = runtime.register("g", lambda e, c: e, runtime="python3.12")
        assert function.configuration.runtime == "python3.12"
        runtime.update_function_configuration("g", runtime="python3.13")
        assert runtime.get_function("g").configuration.runtime == "python3.13"


def test_the_declared_runtime_is_in_the_init_log(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    with LambdaRuntime() as runtime:
        runtime.register("f", code=tmp_path, runtime=HERE)
        result = runtime.invoke("f")
        first = runtime.logs("f", request_id=result.request_id)[0].message
        assert first == f"INIT_START Runtime Version: {HERE.replace('python', 'python:')}.asl"


def test_a_failure_on_another_interpreter_names_both(tmp_path: Path) -> None:
    declared = OTHERS[-1]
    (tmp_path / "lambda_function.py").write_text(
        "import no_such_module_here\ndef lambda_handler(e, c):\n    return 1\n"
    )
    (tmp_path / "later.py").write_text("def handler(e, c):\n    raise TypeError('bad')\n")
    ran = ".".join(str(v) for v in sys.version_info[:3])
    with LambdaRuntime() as runtime:
        runtime.register("init", code=tmp_path, runtime=declared)
        runtime.register("call", code=tmp_path, handler_name="later.handler", runtime=declared)
        for name, error_type in (("init", "Runtime.ImportModuleError"), ("call", "TypeError")):
            doc = runtime.invoke(name).json()
            assert doc["errorType"] == error_type
            assert doc["errorMessage"].endswith(
                f"(the function's runtime is {declared}; Python {ran} ran it, in-process; "
                f"install {declared} and use host='subprocess' to run it on a matching "
                "interpreter)"
            )


def test_no_note_when_the_interpreter_matches(tmp_path: Path) -> None:
    (tmp_path / "later.py").write_text("def handler(e, c):\n    raise TypeError('bad')\n")
    with LambdaRuntime() as runtime:
        runtime.register("call", code=tmp_path, handler_name="later.handler")
        assert runtime.invoke("call").json()["errorMessage"] == "bad"


def test_subprocess_host_runs_a_matching_interpreter(tmp_path: Path) -> None:
    declared = _installed_other()
    if declared is None:
        pytest.skip("no other Python 3.9-3.14 interpreter is installed")
    (tmp_path / "lambda_function.py").write_text(
        "import sys\ndef lambda_handler(e, c):\n    return list(sys.version_info[:2])\n"
    )
    with LambdaRuntime(host="subprocess") as runtime:
        runtime.register("f", code=tmp_path, runtime=declared)
        runtime.register("here", code=tmp_path)
        result = runtime.invoke("f")
        assert result.function_error is None, result.payload
        assert "python" + ".".join(map(str, result.json())) == declared
        assert runtime.invoke("here").json() == list(sys.version_info[:2])
