"""The subprocess backend: the same interface and results, with process isolation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from asl.errors import ConfigurationError
from asl.lambda_runtime import LambdaRuntime


@pytest.fixture
def runtime() -> Iterator[LambdaRuntime]:
    with LambdaRuntime(host="subprocess") as rt:
        yield rt


def test_results_and_errors_match_the_in_process_backend(
    runtime: LambdaRuntime, packages: Path
) -> None:
    inprocess = LambdaRuntime()
    for rt in (runtime, inprocess):
        rt.register("app", code=packages / "app_pkg", handler_name="app.handlers.main")
        rt.register("broken", code=packages / "broken_import")
        rt.register("missing", code=packages / "missing_handler")
    for name, payload in (("app", 4), ("broken", {}), ("missing", {})):
        a, b = runtime.invoke(name, payload), inprocess.invoke(name, payload)
        assert (a.payload, a.function_error) == (b.payload, b.function_error)
    inprocess.close()


def test_packages_are_isolated_and_warm_environments_keep_state(
    runtime: LambdaRuntime, packages: Path
) -> None:
    runtime.register("a", code=packages / "counter_a")
    runtime.register("b", code=packages / "counter_b")
    assert runtime.invoke("a", {}).json()["count"] == 1
    assert runtime.invoke("a", {}).json()["count"] == 2
    assert runtime.invoke("b", {}).json() == {"package": "b", "count": 1, "helper": "b"}
    stats = runtime.get_function("a").stats
    assert (stats.cold_starts, stats.warm_starts) == (1, 1)


def test_each_environment_is_its_own_process(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("env", code=packages / "env_reader", environment={"GREETING": "hi"})
    doc = runtime.invoke("env", {}).json()
    assert doc["pid"] != os.getpid()
    assert doc["env"]["GREETING"] == "hi" and doc["at_init"] == "hi"
    assert "GREETING" not in os.environ
    assert runtime.invoke("env", {}).json()["pid"] == doc["pid"]


def test_timed_out_worker_process_is_killed(runtime: LambdaRuntime, tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text(
        "import os\n"
        "def lambda_handler(event, context):\n"
        "    if event == 'spin':\n"
        "        print('spinning')\n"
        "    while event == 'spin':\n"
        "        pass\n"
        "    return os.getpid()\n"
    )
    runtime.register("f", code=tmp_path, timeout=1)
    pid = runtime.invoke("f", "pid").json()
    os.kill(pid, 0)  # alive while warm
    result = runtime.invoke("f", "spin")
    assert result.json() == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    text = runtime.log_text("f", request_id=result.request_id)
    assert "spinning\n" in text  # printed before the kill
    assert "Task timed out after 1.00 seconds\n" in text
    assert "\tStatus: timeout\t" in text
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert runtime.invoke("f", "pid").json() != pid


def test_memory_limit_ends_the_invocation_like_an_out_of_memory_kill(
    runtime: LambdaRuntime, packages: Path
) -> None:
    runtime.register("hog", code=packages / "memory_hog", memory_size=128)
    assert runtime.invoke("hog", {"megabytes": 16}).json() == 16 * 1024 * 1024
    result = runtime.invoke("hog", {"megabytes": 512})
    assert result.function_error == "Unhandled"
    assert result.json() == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
        "signal: killed",
    }
    # The environment died with it: the next invocation is a cold start.
    runtime.invoke("hog", {"megabytes": 1})
    assert runtime.get_function("hog").stats.cold_starts == 2


def test_exiting_handler_is_a_runtime_exit_error(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("exit", code=packages / "exits")
    doc = runtime.invoke("exit", {}).json()
    assert doc["errorType"] == "Runtime.ExitError"
    assert doc["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_tmp_is_private_to_each_environment(runtime: LambdaRuntime, packages: Path) -> None:
    host_file = Path("/tmp/asl-literal-cache.txt")
    existed = host_file.exists()
    runtime.register("one", code=packages / "tmp_user")
    runtime.register("two", code=packages / "tmp_user")
    assert runtime.invoke("one", "first").json() == {"seen": None, "seen_literal": None}
    assert runtime.invoke("one", "second").json() == {"seen": "first", "seen_literal": "first"}
    assert runtime.invoke("two", "other").json() == {"seen": None, "seen_literal": None}
    assert host_file.exists() == existed  # the host's /tmp was not written


def test_module_level_callables_run_in_the_worker(runtime: LambdaRuntime) -> None:
    runtime.register("f", module_level_handler)
    assert runtime.invoke("f", {}).json() != os.getpid()


def test_local_callables_are_refused(runtime: LambdaRuntime) -> None:
    with pytest.raises(ConfigurationError, match="module-level function"):
        runtime.register("f", lambda e, c: e)


def module_level_handler(event, context):
    return os.getpid()
