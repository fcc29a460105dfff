"""Concurrency: the account limit, reserved concurrency, and throttling errors."""

from __future__ import annotations

import threading

import anyio
import pytest

from asl.errors import ConfigurationError
from asl.lambda_runtime import LambdaRuntime, LambdaServiceError


def run_concurrently(runtime: LambdaRuntime, name: str, count: int) -> list[object]:
    """Invoke ``name`` ``count`` times at once; results or LambdaServiceErrors, in order."""
    results: list[object] = [None] * count

    async def one(i: int) -> None:
        try:
            results[i] = await runtime.invoke_async(name, i)
        except LambdaServiceError as e:
            results[i] = e

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for i in range(count):
                group.start_soon(one, i)

    anyio.run(main)
    return results


def blocking_handler(release: threading.Event):
    def handler(event, context):
        release.wait(5)
        return event

    return handler


def test_reserved_concurrency_throttles_the_excess() -> None:
    release = threading.Event()
    runtime = LambdaRuntime()
    runtime.register("f", blocking_handler(release), reserved_concurrency=2)
    threading.Timer(0.3, release.set).start()
    results = run_concurrently(runtime, "f", 5)
    throttled = [r for r in results if isinstance(r, LambdaServiceError)]
    assert len(throttled) == 3
    error = throttled[0]
    assert (error.code, error.status_code, error.message) == (
        "TooManyRequestsException",
        429,
        "Rate Exceeded.",
    )
    assert error.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert error.error == "Lambda.TooManyRequestsException"
    assert error.step_functions_cause().startswith(
        "Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: "
        "TooManyRequestsException; Request ID: "
    )
    assert runtime.get_function("f").stats.throttles == 3
    runtime.close()


def test_account_limit_throttles_unreserved_functions() -> None:
    release = threading.Event()
    runtime = LambdaRuntime(concurrency_limit=3)
    runtime.register("f", blocking_handler(release))
    threading.Timer(0.3, release.set).start()
    results = run_concurrently(runtime, "f", 4)
    throttled = [r for r in results if isinstance(r, LambdaServiceError)]
    assert len(throttled) == 1
    assert throttled[0].reason == "ConcurrentInvocationLimitExceeded"
    runtime.close()


def test_reserved_concurrency_is_taken_from_the_account_pool() -> None:
    runtime = LambdaRuntime(concurrency_limit=20)
    runtime.register("reserved", lambda e, c: e, reserved_concurrency=17)
    release = threading.Event()
    runtime.register("other", blocking_handler(release))
    threading.Timer(0.3, release.set).start()
    results = run_concurrently(runtime, "other", 4)
    assert sum(isinstance(r, LambdaServiceError) for r in results) == 1  # 20 - 17 = 3 left
    runtime.close()


def test_zero_reserved_concurrency_throttles_everything(runtime: LambdaRuntime) -> None:
    runtime.register("off", lambda e, c: e, reserved_concurrency=0)
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("off", {})
    assert info.value.code == "TooManyRequestsException"


def test_sequential_invocations_are_never_throttled(runtime: LambdaRuntime) -> None:
    runtime.register("one", lambda e, c: e, reserved_concurrency=1)
    assert [runtime.invoke("one", i).json() for i in range(5)] == list(range(5))


def test_reserved_concurrency_keeps_100_unreserved() -> None:
    runtime = LambdaRuntime()
    runtime.register("a", lambda e, c: e, reserved_concurrency=900)
    with pytest.raises(ConfigurationError, match="below the minimum of 100"):
        runtime.register("b", lambda e, c: e, reserved_concurrency=1)
    runtime.put_function_concurrency("a", None)
    runtime.put_function_concurrency("a", 500)


def test_provisioned_cannot_exceed_reserved(runtime: LambdaRuntime) -> None:
    with pytest.raises(ConfigurationError, match="exceeds its reserved_concurrency"):
        runtime.register("f", lambda e, c: e, reserved_concurrency=1, provisioned_concurrency=2)
