"""Event (asynchronous) invocations: queueing, retries, event age, destinations, DLQ."""

from __future__ import annotations

import queue
from datetime import datetime, timezone

import anyio
import pytest

from asl.clock import VirtualClock
from asl.errors import ConfigurationError
from asl.lambda_runtime import DeadLetterMessage, LambdaRuntime, LambdaServiceError

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def failing(calls: list[object]):
    def handler(event, context):
        calls.append(event)
        raise ValueError("always")

    return handler


def test_event_invocation_is_queued_and_returns_202() -> None:
    runtime = LambdaRuntime()
    calls: list[object] = []
    runtime.register("f", lambda e, c: calls.append(e))
    result = runtime.invoke("f", {"n": 1}, invocation_type="Event")
    assert (result.status_code, result.payload, result.function_error) == (202, b"", None)
    assert calls == [] and runtime.pending_events == 1
    runtime.drain_sync()
    assert calls == [{"n": 1}] and runtime.pending_events == 0


def test_failed_event_is_retried_twice_then_sent_to_on_failure() -> None:
    clock = VirtualClock(START)
    runtime = LambdaRuntime(clock=clock)
    calls: list[object] = []
    failures: list[dict] = []
    runtime.register("f", failing(calls))
    runtime.put_function_event_invoke_config("f", on_failure=failures)
    result = runtime.invoke("f", {"k": "v"}, invocation_type="Event")
    runtime.drain_sync()
    assert calls == [{"k": "v"}] * 3
    (record,) = failures
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": result.request_id,
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"k": "v"}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "ValueError"
    # One minute before the second attempt and two before the third, on the virtual clock.
    stamp = datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    waited = (stamp.replace(tzinfo=timezone.utc) - START).total_seconds()
    assert 180 <= waited < 190


def test_retry_attempts_and_success_destination() -> None:
    runtime = LambdaRuntime()
    calls: list[object] = []
    successes: queue.Queue[dict] = queue.Queue()
    failures: list[dict] = []
    runtime.register("bad", failing(calls))
    runtime.register("good", lambda e, c: {"ok": e})
    runtime.put_function_event_invoke_config("bad", maximum_retry_attempts=0, on_failure=failures)
    runtime.put_function_event_invoke_config("good", on_success=successes)
    runtime.invoke("bad", 1, invocation_type="Event")
    runtime.invoke("good", 2, invocation_type="Event")
    runtime.drain_sync()
    assert calls == [1]
    assert failures[0]["requestContext"]["approximateInvokeCount"] == 1
    record = successes.get_nowait()
    assert record["requestContext"]["condition"] == "Success"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"ok": 2}


def test_failure_destination_can_be_another_function() -> None:
    runtime = LambdaRuntime()
    received: list[object] = []
    runtime.register("bad", failing([]))
    runtime.register("handler", lambda e, c: received.append(e))
    runtime.put_function_event_invoke_config("bad", maximum_retry_attempts=1, on_failure="handler")
    runtime.invoke("bad", {"x": 1}, invocation_type="Event")
    runtime.drain_sync()
    (record,) = received
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"x": 1}


def test_dead_letter_queue_gets_the_event() -> None:
    runtime = LambdaRuntime()
    letters: list[DeadLetterMessage] = []
    runtime.register("bad", failing([]), dead_letter=letters)
    result = runtime.invoke("bad", {"x": 1}, invocation_type="Event")
    runtime.drain_sync()
    assert letters == [DeadLetterMessage({"x": 1}, result.request_id, "200", "always")]


def test_timeouts_are_retried_like_errors(packages) -> None:
    runtime = LambdaRuntime()
    failures: list[dict] = []
    runtime.register("spin", code=packages / "hang", handler_name="lambda_function.spin", timeout=1)
    runtime.put_function_event_invoke_config("spin", maximum_retry_attempts=0, on_failure=failures)
    runtime.invoke("spin", {}, invocation_type="Event")
    runtime.drain_sync()
    assert failures[0]["responsePayload"]["errorType"] == "Sandbox.Timedout"
    runtime.close()


def test_throttled_events_wait_until_the_maximum_event_age() -> None:
    clock = VirtualClock(START)
    runtime = LambdaRuntime(clock=clock)
    failures: list[dict] = []
    runtime.register("off", lambda e, c: e, reserved_concurrency=0)
    runtime.put_function_event_invoke_config(
        "off", maximum_event_age_in_seconds=60, on_failure=failures
    )
    runtime.invoke("off", {}, invocation_type="Event")
    runtime.drain_sync()
    (record,) = failures
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in record
    assert runtime.get_function("off").stats.throttles > 3


def test_events_run_in_the_background_inside_async_with() -> None:
    runtime = LambdaRuntime()
    seen: list[object] = []
    runtime.register("f", lambda e, c: seen.append(e))

    async def main() -> None:
        async with runtime:
            await runtime.invoke_async("f", 1, invocation_type="Event")
            await runtime.invoke_async("f", 2, invocation_type="Event")
        assert sorted(seen) == [1, 2]  # type: ignore[type-var]

    anyio.run(main)


def test_event_payload_limit_is_1_mb(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: e)
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("f", "x" * 1_048_576, invocation_type="Event")
    assert info.value.message == (
        "Request must be smaller than 1048576 bytes for the InvokeFunction operation"
    )


def test_event_invoke_config_ranges(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: e)
    with pytest.raises(ConfigurationError, match="maximum_retry_attempts"):
        runtime.put_function_event_invoke_config("f", maximum_retry_attempts=3)
    with pytest.raises(ConfigurationError, match="maximum_event_age_in_seconds"):
        runtime.put_function_event_invoke_config("f", maximum_event_age_in_seconds=59)
    with pytest.raises(ConfigurationError, match="on_failure"):
        runtime.put_function_event_invoke_config("f", on_failure=42)  # type: ignore[arg-type]
