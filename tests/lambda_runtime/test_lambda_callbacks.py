"""Task tokens sent from Lambda code that is still on its way: an Event invocation, or a
handler's background thread.  The execution waits for them, also under the virtual clock."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio

import asl
from asl.lambda_runtime import LambdaRuntime

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def _callback_machine(invocation_type: str | None, function: str = "starter") -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "FunctionName": ARN + function,
        "Payload": {"token.$": "$$.Task.Token", "input.$": "$"},
    }
    if invocation_type:
        parameters["InvocationType"] = invocation_type
    return {
        "StartAt": "Wait for worker",
        "States": {
            "Wait for worker": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": parameters,
                "Next": "Later",
            },
            "Later": {"Type": "Wait", "Seconds": 3600, "End": True},
        },
    }


def test_waitfortasktoken_with_an_event_invocation_gets_the_token() -> None:
    # The AWS pattern: invoke the function asynchronously; it sends the token itself.
    def worker(event: dict[str, Any], context: object) -> None:
        asl.send_task_success(event["token"], {"done": event["input"]})

    start = time.monotonic()
    ex = asl.run(_callback_machine("Event", "worker"), {"n": 1}, functions={"worker": worker})
    assert (ex.status, ex.output) == ("SUCCEEDED", {"done": {"n": 1}})
    assert time.monotonic() - start < 10  # the hour of Wait is virtual


def test_a_token_sent_from_an_event_invocation_made_by_a_handler() -> None:
    runtime = LambdaRuntime()

    def starter(event: dict[str, Any], context: object) -> str:
        runtime.invoke("worker", event, invocation_type="Event")
        return "queued"

    def worker(event: dict[str, Any], context: object) -> None:
        time.sleep(0.05)
        asl.send_task_success(event["token"], {"worked": event["input"]})

    with runtime:
        runtime.register("starter", starter, timeout=900)
        runtime.register("worker", worker, timeout=900)
        ex = asl.run(_callback_machine(None), {"n": 2}, lambda_runtime=runtime)
    assert (ex.status, ex.error, ex.output) == ("SUCCEEDED", None, {"worked": {"n": 2}})


def test_a_token_sent_by_a_handlers_background_thread() -> None:
    def starter(event: dict[str, Any], context: object) -> str:
        def later() -> None:
            time.sleep(0.1)
            asl.send_task_success(event["token"], "from the thread")

        threading.Thread(target=later).start()
        return "started"

    ex = asl.run(_callback_machine(None), {}, functions={"starter": starter})
    assert (ex.status, ex.error, ex.output) == ("SUCCEEDED", None, "from the thread")


def test_an_event_invocation_runs_during_the_async_call_that_made_it() -> None:
    seen: list[int] = []
    runtime = LambdaRuntime()
    runtime.register("f", lambda e, c: seen.append(e))

    async def main() -> None:
        await runtime.invoke_async("f", 1, invocation_type="Event")
        with anyio.fail_after(5):
            while not seen:
                await anyio.sleep(0.01)
        await runtime.drain()

    with runtime:
        anyio.run(main)
    assert seen == [1] and runtime.pending_events == 0


def test_a_thread_pool_started_by_a_handler_does_not_hold_virtual_time() -> None:
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)

    def uses_pool(event: object, context: object) -> int:
        return pool.submit(lambda: 21 * 2).result()  # its worker thread lives on

    machine = {
        "StartAt": "Call",
        "States": {
            "Call": {"Type": "Task", "Resource": ARN + "uses_pool", "Next": "Hour"},
            "Hour": {"Type": "Wait", "Seconds": 3600, "End": True},
        },
    }
    try:
        start = time.monotonic()
        ex = asl.run(machine, {}, functions={"uses_pool": uses_pool})
        assert (ex.status, ex.output) == ("SUCCEEDED", 42)
        assert time.monotonic() - start < 2  # not held back by the pool's idle thread
    finally:
        pool.shutdown()
