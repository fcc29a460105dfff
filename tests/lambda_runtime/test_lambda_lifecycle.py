"""Closing a runtime: environments end, worker threads are reused, nothing leaks or hangs."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import anyio
import pytest

import asl
from asl.lambda_runtime import FunctionConfiguration, InProcessHost, LambdaRuntime
from asl.lambda_runtime.bootstrap import InvocationRequest
from asl.lambda_runtime.environment import WORKERS, EnvironmentSettings

ONE_TASK = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
            "End": True,
        }
    },
}
ROOT = Path(__file__).resolve().parents[2]


def echo(event: object, context: object) -> object:
    return event


def _settle(baseline: int, timeout: float = 5.0) -> int:
    """Thread count once ended threads are gone (a stopped worker ends asynchronously)."""
    deadline = time.monotonic() + timeout
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    return threading.active_count()


def _without_idle_workers() -> int:
    """End the idle workers; the thread count once they are gone."""
    WORKERS.shutdown()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
        t.name == "asl-lambda-idle" for t in threading.enumerate()
    ):
        time.sleep(0.01)
    return threading.active_count()


def test_a_thousand_closed_runtimes_leave_no_extra_thread() -> None:
    def one() -> None:
        with LambdaRuntime() as runtime:
            runtime.register("echo", echo)
            assert runtime.invoke("echo", {"n": 1}).json() == {"n": 1}

    one()
    baseline = threading.active_count()
    for _ in range(1000):
        one()
    assert _settle(baseline) == baseline


def test_a_thousand_runs_with_a_closed_runtime_leave_no_extra_thread() -> None:
    machine = asl.parse(ONE_TASK)

    def one() -> None:
        with LambdaRuntime() as runtime:
            runtime.register("echo", echo)
            assert asl.run(machine, {"n": 1}, lambda_runtime=runtime).output == {"n": 1}

    one()
    baseline = threading.active_count()
    for _ in range(1000):
        one()
    assert _settle(baseline) == baseline


def test_environments_nobody_closes_give_their_threads_back_when_collected() -> None:
    # A runtime nobody closes (asl.run's own, say) gives its threads back once it is
    # garbage: each environment's finalizer returns its worker to the pool.  Tested on
    # environments themselves, which no test harness keeps alive.
    host = InProcessHost()
    config = FunctionConfiguration("echo", echo)
    settings = EnvironmentSettings("$LATEST", "arn", "us-east-1", "stream", "on-demand")

    async def one() -> None:
        environment = host.create_environment(config, settings)
        await environment.initialize()
        request = InvocationRequest("id", b"1", int(time.time() * 1000) + 5000, "arn", None)
        outcome = await environment.invoke(request, 5)
        assert outcome.body == b"1"

    anyio.run(one)
    gc.collect()
    baseline = _without_idle_workers()
    for _ in range(500):
        anyio.run(one)
    gc.collect()
    assert _settle(baseline + WORKERS.max_idle) <= baseline + WORKERS.max_idle
    # every thread was handed back: ending the idle ones ends them all
    assert _without_idle_workers() == baseline


def test_close_ends_environments_and_the_runtime_starts_cold_afterwards() -> None:
    runtime = LambdaRuntime()
    runtime.register("echo", echo)
    runtime.invoke("echo", 1)
    (environment,) = runtime.get_function("echo").environments
    runtime.close()
    assert environment.discarded
    runtime.invoke("echo", 2)
    stats = runtime.get_function("echo").stats
    assert (stats.cold_starts, stats.warm_starts) == (2, 0)
    runtime.close()


def test_a_new_runtime_is_a_cold_start_even_on_a_reused_thread(tmp_path: Path) -> None:
    marker = tmp_path / "inits.txt"
    (tmp_path / "lambda_function.py").write_text(
        f"with open({str(marker)!r}, 'a') as f:\n"
        "    f.write('init\\n')\n"
        "import threading\n"
        "local = threading.local()\n"
        "def lambda_handler(event, context):\n"
        "    local.calls = getattr(local, 'calls', 0) + 1\n"
        "    return local.calls\n"
    )
    for _ in range(3):
        with LambdaRuntime() as runtime:
            runtime.register("f", code=tmp_path)
            assert [runtime.invoke("f").json() for _ in range(2)] == [1, 2]
    assert marker.read_text() == "init\n" * 3


def test_init_and_invocations_share_one_thread_per_environment(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text(
        "import sqlite3\n"
        "db = sqlite3.connect(':memory:')\n"  # sqlite3 objects belong to their thread
        "def lambda_handler(event, context):\n"
        "    return db.execute('select ?', (event,)).fetchone()[0]\n"
    )
    with LambdaRuntime() as runtime:
        runtime.register("f", code=tmp_path)
        assert [runtime.invoke("f", i).json() for i in range(3)] == [0, 1, 2]


def test_idle_threads_are_capped() -> None:
    runtimes = [LambdaRuntime() for _ in range(WORKERS.max_idle + 5)]
    for runtime in runtimes:
        runtime.register("echo", echo)
        runtime.invoke("echo", 1)
    for runtime in runtimes:
        runtime.close()
    assert WORKERS.idle <= WORKERS.max_idle


def test_tmp_dir_is_made_only_when_the_code_uses_it() -> None:
    def uses_tmp(event: object, context: object) -> bool:
        return os.path.isdir(os.environ["TMPDIR"])

    with LambdaRuntime() as runtime:
        runtime.register("plain", echo)
        runtime.register("tmp", uses_tmp)
        runtime.invoke("plain", 1)
        assert runtime.invoke("tmp", 1).json() is True
        (plain,) = runtime.get_function("plain").environments
        (tmp,) = runtime.get_function("tmp").environments
        assert plain._tmp_dir is None
        made = tmp.tmp_dir
        assert made.is_dir()
    assert not made.exists()  # removed on close


def _run_script(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_a_handler_that_never_returns_does_not_keep_the_process_alive() -> None:
    done = _run_script(
        """
        import threading, asl
        from asl.lambda_runtime import LambdaRuntime

        def hang(event, context):
            threading.Event().wait()   # a blocking call: cannot be interrupted

        runtime = LambdaRuntime()
        runtime.register("hang", hang, timeout=1)
        print(runtime.invoke("hang", {}).json()["errorType"])
        machine = {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True,
            "TimeoutSeconds": 1, "Resource":
            "arn:aws:lambda:us-east-1:123456789012:function:stuck"}}}
        print(asl.run(machine, {}, functions={"stuck": hang}, clock="real").error)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Sandbox.Timedout", "States.Timeout"]


def test_asyncio_get_event_loop_works_in_a_handler(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import asyncio\n"
        "loop = asyncio.get_event_loop()\n"  # at init, as many Lambda samples do
        "async def double(x):\n"
        "    await asyncio.sleep(0)\n"
        "    return 2 * x\n"
        "def handler(event, context):\n"
        "    assert asyncio.get_event_loop() is loop\n"
        "    return loop.run_until_complete(double(event))\n"
    )

    def inline(event: int, context: object) -> int:
        return asyncio.get_event_loop().run_until_complete(asyncio.sleep(0, event))

    with LambdaRuntime() as runtime:
        runtime.register("pkg", code=tmp_path, handler_name="app.handler")
        runtime.register("inline", inline)
        assert [runtime.invoke("pkg", i).json() for i in (1, 2)] == [2, 4]
        assert runtime.invoke("inline", 5).json() == 5


def test_get_event_loop_outside_handlers_is_unchanged() -> None:
    with LambdaRuntime() as runtime:
        runtime.register("echo", echo)
        runtime.invoke("echo", 1)

    def other_thread(box: list[BaseException]) -> None:
        try:
            asyncio.get_event_loop()
        except RuntimeError as e:
            box.append(e)

    box: list[BaseException] = []
    thread = threading.Thread(target=other_thread, args=(box,))
    thread.start()
    thread.join()
    assert len(box) == 1  # a plain thread still has no implicit loop


def test_a_handler_waiting_for_another_branch_does_not_hold_up_the_event_loop() -> None:
    # A quick environment's call is waited for on the spot, briefly: a handler that runs
    # on must leave the event loop free, here to start the branch it waits for.
    started = threading.Event()

    def waiter(event, context):
        assert started.wait(10), "the other branch never ran"
        return "waited"

    def starter(event, context):
        started.set()
        return "started"

    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "W",
                        "States": {
                            "W": {
                                "Type": "Task",
                                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:waiter",
                                "End": True,
                            }
                        },
                    },
                    {
                        "StartAt": "S",
                        "States": {
                            "S": {
                                "Type": "Task",
                                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:starter",
                                "End": True,
                            }
                        },
                    },
                ],
            }
        },
    }
    ex = asl.run(definition, {}, functions={"waiter": waiter, "starter": starter})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == ["waited", "started"]


def test_after_a_slow_call_the_next_one_is_not_waited_for_on_the_spot() -> None:
    from asl.lambda_runtime.environment import QUICK_CALL, EnvironmentThread

    thread = EnvironmentThread("asl-test-quick")

    async def calls() -> None:
        assert await thread.call(lambda: time.sleep(QUICK_CALL * 20) or 1, 5) == (True, 1)
        assert thread._quick is False  # it ran far longer than a quick call
        # the next call goes the event loop's way: results and errors arrive as ever
        assert await thread.call(lambda: 2, 5) == (True, 2)
        with pytest.raises(ZeroDivisionError):
            await thread.call(lambda: 1 / 0, 5)

    try:
        anyio.run(calls)
    finally:
        thread.close()
