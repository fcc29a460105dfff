"""Execution environments: cold and warm starts, state, timeouts, variables, context."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import anyio
import pytest

from asl.lambda_runtime import LambdaRuntime


def test_cold_then_warm_starts_are_counted(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("a", code=packages / "counter_a")
    for _ in range(3):
        runtime.invoke("a", {})
    stats = runtime.get_function("a").stats
    assert (stats.invocations, stats.cold_starts, stats.warm_starts) == (3, 1, 2)
    assert len(runtime.get_function("a").environments) == 1


def test_module_code_runs_once_per_environment(runtime: LambdaRuntime, tmp_path: Path) -> None:
    marker = tmp_path / "inits.txt"
    (tmp_path / "lambda_function.py").write_text(
        f"with open({str(marker)!r}, 'a') as f:\n"
        "    f.write('init\\n')\n"
        "def lambda_handler(event, context):\n"
        "    return event\n"
    )
    runtime.register("f", code=tmp_path)
    for i in range(3):
        assert runtime.invoke("f", i).json() == i
    assert marker.read_text() == "init\n"
    runtime.update_function_configuration("f", timeout=5)  # new config: new environments
    runtime.invoke("f", 0)
    assert marker.read_text() == "init\ninit\n"


def test_concurrent_invocations_need_more_environments(
    runtime: LambdaRuntime, packages: Path
) -> None:
    barrier = threading.Barrier(4, timeout=5)

    def meet(event, context):
        barrier.wait()
        return event

    runtime.register("meet", meet)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for i in range(4):
                group.start_soon(runtime.invoke_async, "meet", i)

    anyio.run(main)
    stats = runtime.get_function("meet").stats
    assert (stats.cold_starts, stats.warm_starts) == (4, 0)
    assert len(runtime.get_function("meet").environments) == 4


def test_each_environment_has_its_own_module_state(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("a", code=packages / "counter_a")

    async def two_at_once() -> list[int]:
        counts: list[int] = []

        async def one() -> None:
            counts.append((await runtime.invoke_async("a", {})).json()["count"])

        async with anyio.create_task_group() as group:
            group.start_soon(one)
            group.start_soon(one)
        return counts

    # Run the two concurrently on purpose slow enough that both need an environment.
    counts = anyio.run(two_at_once)
    assert sorted(counts) in ([1, 1], [1, 2])
    environments = len(runtime.get_function("a").environments)
    assert environments == (2 if sorted(counts) == [1, 1] else 1)


def test_provisioned_concurrency_initialises_before_the_first_invocation(
    runtime: LambdaRuntime, packages: Path
) -> None:
    runtime.register("env", code=packages / "env_reader", provisioned_concurrency=2)
    result = runtime.invoke("env", {})
    stats = runtime.get_function("env").stats
    assert (stats.provisioned_initializations, stats.cold_starts, stats.warm_starts) == (2, 0, 1)
    assert result.json()["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency"
    assert len(runtime.get_function("env").environments) == 2
    assert "Init Duration" not in runtime.logs("env", request_id=result.request_id)[-1].message


def test_timeout_of_a_hanging_handler(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("spin", code=packages / "hang", handler_name="lambda_function.spin", timeout=1)
    result = runtime.invoke("spin", {})
    assert result.function_error == "Unhandled"
    assert result.payload.decode() == (
        '{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: '
        f'{result.request_id} Error: Task timed out after 1.00 seconds"}}'
    )
    function = runtime.get_function("spin")
    assert function.stats.timeouts == 1
    assert function.environments == []  # the environment was discarded
    messages = [e.message for e in runtime.logs("spin", request_id=result.request_id)]
    assert re.match(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
        + result.request_id
        + r" Task timed out after 1\.00 seconds$",
        messages[-3],
    )
    assert messages[-2] == f"END RequestId: {result.request_id}"
    assert messages[-1].startswith(f"REPORT RequestId: {result.request_id}\tDuration: 1000.00 ms\t")
    assert messages[-1].endswith("\tStatus: timeout\t")


def test_a_timed_out_environment_is_replaced_by_a_cold_one(
    runtime: LambdaRuntime, packages: Path
) -> None:
    def maybe_hang(event, context):
        if event == "hang":
            while True:
                pass
        return "ok"

    runtime.register("f", maybe_hang, timeout=1)
    runtime.invoke("f", "warm up")
    assert runtime.invoke("f", "hang").function_error == "Unhandled"
    assert runtime.invoke("f", "again").json() == "ok"
    stats = runtime.get_function("f").stats
    assert (stats.cold_starts, stats.warm_starts, stats.timeouts) == (2, 1, 1)


def test_remaining_time_counts_down_against_the_timeout(runtime: LambdaRuntime) -> None:
    def remaining(event, context):
        first = context.get_remaining_time_in_millis()
        time.sleep(0.05)
        return [first, context.get_remaining_time_in_millis()]

    runtime.register("r", remaining, timeout=2)
    first, second = runtime.invoke("r", {}).json()
    assert 1900 < first <= 2000
    assert second < first


def test_context_fields(runtime: LambdaRuntime) -> None:
    def describe(event, context):
        return {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "identity": [
                type(context.identity).__name__,
                context.identity.cognito_identity_id,
                context.identity.cognito_identity_pool_id,
            ],
            "client_context": context.client_context
            and {
                "custom": context.client_context.custom,
                "env": context.client_context.env,
                "app_title": context.client_context.client.app_title,
            },
            "repr": repr(context).startswith("LambdaContext([aws_request_id="),
        }

    function = runtime.register("ctx", describe, memory_size=256)
    runtime.publish_version("ctx")
    runtime.create_alias("ctx", "live", "1")
    client_context = {"custom": {"k": "v"}, "env": {"e": 1}, "client": {"app_title": "t"}}
    result = runtime.invoke("ctx", {}, qualifier="live", client_context=client_context)
    doc = result.json()
    stream = doc.pop("log_stream_name")
    assert doc == {
        "aws_request_id": result.request_id,
        "function_name": "ctx",
        "function_version": "1",
        "invoked_function_arn": function.arn + ":live",
        "memory_limit_in_mb": "256",
        "log_group_name": "/aws/lambda/ctx",
        "identity": ["CognitoIdentity", None, None],
        "client_context": {"custom": {"k": "v"}, "env": {"e": 1}, "app_title": "t"},
        "repr": True,
    }
    assert stream.endswith("]" + stream.split("]")[1]) and "/[1]" in stream
    plain = runtime.invoke("ctx", {}).json()
    assert plain["invoked_function_arn"] == function.arn
    assert plain["function_version"] == "$LATEST"
    assert plain["client_context"] is None


def test_client_context_base64_as_boto3_sends_it(runtime: LambdaRuntime) -> None:
    import base64

    runtime.register("cc", lambda event, context: context.client_context.custom)
    encoded = base64.b64encode(json.dumps({"custom": {"a": 1}}).encode()).decode()
    assert runtime.invoke("cc", {}, client_context=encoded).json() == {"a": 1}


def test_environment_variables_are_per_function(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("one", code=packages / "env_reader", environment={"GREETING": "hi"})
    runtime.register("two", code=packages / "env_reader", environment={"OTHER": "x"})
    one = runtime.invoke("one", {}).json()
    two = runtime.invoke("two", {}).json()
    assert one["env"] == {
        "GREETING": "hi",
        "AWS_LAMBDA_FUNCTION_NAME": "one",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/one",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "us-east-1",
        "_HANDLER": "lambda_function.lambda_handler",
        "OTHER": None,
    }
    assert one["at_init"] == "hi"
    assert (two["env"]["GREETING"], two["env"]["OTHER"], two["at_init"]) == (None, "x", None)


def test_variables_set_by_a_handler_stay_in_its_environment(
    runtime: LambdaRuntime, packages: Path
) -> None:
    import os

    def read(event, context):
        return os.environ.get("SET_BY_HANDLER")

    runtime.register("writer", code=packages / "env_reader")
    runtime.register("reader", read)
    request = runtime.invoke("writer", {}).request_id
    assert "SET_BY_HANDLER" not in os.environ
    assert runtime.invoke("reader", {}).json() is None
    # A warm invocation of the same environment still sees it.
    assert runtime.invoke("writer", {}).json()["env"] is not None
    assert request


def test_each_environment_has_its_own_tmpdir(runtime: LambdaRuntime, packages: Path) -> None:
    import tempfile

    def where(event, context):
        import os

        return os.environ["TMPDIR"]

    runtime.register("tmp", where)
    first = runtime.invoke("tmp", {}).json()
    assert runtime.invoke("tmp", {}).json() == first  # warm: same directory
    assert Path(first).is_dir()
    assert first != tempfile.gettempdir()


def test_print_and_logging_go_to_the_invocation_log(runtime: LambdaRuntime) -> None:
    import logging

    def chatty(event, context):
        print("printed", end="")
        print(" and continued")
        logger = logging.getLogger("chatty")
        logger.warning("a warning")
        return None

    runtime.register("chatty", chatty)
    result = runtime.invoke("chatty", {})
    messages = [e.message for e in runtime.logs("chatty", request_id=result.request_id)]
    assert messages[0].startswith("INIT_START Runtime Version: python:3.")
    assert messages[1] == f"START RequestId: {result.request_id} Version: $LATEST"
    assert messages[2] == "printed and continued"
    assert messages[3].startswith("[WARNING]\t")
    assert messages[3].endswith(f"Z\t{result.request_id}\ta warning")
    assert messages[4] == f"END RequestId: {result.request_id}"
    assert messages[5].startswith(f"REPORT RequestId: {result.request_id}\tDuration: ")
    assert "\tInit Duration: " in messages[5]


def test_handler_threads_are_not_the_callers(runtime: LambdaRuntime) -> None:
    def thread_name(event, context):
        return threading.current_thread().name

    runtime.register("t", thread_name)
    name = runtime.invoke("t", {}).json()
    assert name.startswith("asl-lambda-t-")
    assert runtime.invoke("t", {}).json() == name  # one thread per environment


@pytest.mark.parametrize("memory", [128, 10240])
def test_memory_size_is_reported(runtime: LambdaRuntime, memory: int) -> None:
    runtime.register("m", lambda e, c: c.memory_limit_in_mb, memory_size=memory)
    result = runtime.invoke("m", {})
    assert result.json() == str(memory)
    report = runtime.logs("m", request_id=result.request_id)[-1].message
    assert f"\tMemory Size: {memory} MB\t" in report


@pytest.mark.parametrize("backend", ["inprocess", "subprocess"])
def test_init_phase_over_its_limit_times_out(backend: str, tmp_path: Path) -> None:
    from asl.lambda_runtime import InProcessHost, SubprocessHost

    (tmp_path / "lambda_function.py").write_text(
        "import time\ntime.sleep(30)\ndef lambda_handler(e, c):\n    return e\n"
    )
    chosen = (
        InProcessHost(init_timeout=0.5)
        if backend == "inprocess"
        else SubprocessHost(init_timeout=0.5)
    )
    with LambdaRuntime(host=chosen) as runtime:
        runtime.register("slow-init", code=tmp_path)
        result = runtime.invoke("slow-init", {})
        assert result.json()["errorType"] == "Sandbox.Timedout"
        assert runtime.get_function("slow-init").environments == []
        text = runtime.log_text("slow-init")
        assert "INIT_REPORT Init Duration: " in text and "Status: timeout" in text


def test_provisioned_concurrency_on_an_alias(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: __import__("os").environ["AWS_LAMBDA_INITIALIZATION_TYPE"])
    runtime.publish_version("f")
    runtime.create_alias("f", "live", "1")
    runtime.put_provisioned_concurrency("f", "live", 1)
    assert runtime.invoke("f:live", {}).json() == "provisioned-concurrency"
    assert runtime.invoke("f", {}).json() == "on-demand"
    function = runtime.get_function("f")
    assert function.versions["1"].stats.provisioned_initializations == 1
    assert function.versions["1"].stats.cold_starts == 0
