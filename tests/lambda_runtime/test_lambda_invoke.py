"""Invoking a function: results, errors as the Python runtime reports them, service errors."""

from __future__ import annotations

import base64
import json

import anyio
import pytest

from asl.lambda_runtime import LambdaRuntime, LambdaServiceError


def echo(event, context):
    return event


def test_request_response_returns_the_json_result(runtime: LambdaRuntime) -> None:
    runtime.register("echo", echo)
    result = runtime.invoke("echo", {"a": [1, "é"]})
    assert result.status_code == 200
    assert result.function_error is None
    assert result.executed_version == "$LATEST"
    assert result.payload == '{"a": [1, "é"]}'.encode()
    assert result.json() == {"a": [1, "é"]}


@pytest.mark.parametrize("value", [None, "HelloWorld", 0.0, True, [], {}])
def test_any_json_value_round_trips(runtime: LambdaRuntime, value: object) -> None:
    runtime.register("echo", echo)
    assert runtime.invoke("echo", value).json() == value


def test_handler_exception_gives_the_runtime_error_document(runtime: LambdaRuntime) -> None:
    def fail(event, context):
        raise KeyError("missing")

    runtime.register("fail", fail)
    result = runtime.invoke("fail", {})
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    text = result.payload.decode()
    assert text.startswith('{"errorMessage": "\'missing\'", "errorType": "KeyError", "requestId": ')
    doc = json.loads(text)
    assert doc["requestId"] == result.request_id
    assert len(doc["stackTrace"]) == 1
    assert doc["stackTrace"][0].startswith('  File "')
    assert doc["stackTrace"][0].endswith('in fail\n    raise KeyError("missing")\n')


def test_custom_exception_type_is_the_error_type(runtime: LambdaRuntime) -> None:
    class CustomException(Exception):
        pass

    def fail(event, context):
        raise CustomException()

    runtime.register("fail", fail)
    doc = runtime.invoke("fail", {}).json()
    assert doc["errorType"] == "CustomException"
    assert doc["errorMessage"] == ""


def test_unserialisable_result_is_a_marshal_error(runtime: LambdaRuntime) -> None:
    runtime.register("sets", lambda event, context: {1, 2})
    result = runtime.invoke("sets", {})
    assert result.function_error == "Unhandled"
    assert result.json() == {
        "errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
        "errorType": "Runtime.MarshalError",
        "requestId": result.request_id,
        "stackTrace": [],
    }


def test_bytes_result_passes_through(runtime: LambdaRuntime) -> None:
    runtime.register("raw", lambda event, context: b"not json")
    assert runtime.invoke("raw", {}).payload == b"not json"


def test_missing_function_is_resource_not_found(runtime: LambdaRuntime) -> None:
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("nope", {})
    error = info.value
    assert (error.code, error.status_code, error.error) == (
        "ResourceNotFoundException",
        404,
        "Lambda.ResourceNotFoundException",
    )
    assert error.message == (
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST"
    )
    assert error.step_functions_cause() == (
        f"{error.message} (Service: AWSLambda; Status Code: 404; Error Code: "
        f"ResourceNotFoundException; Request ID: {error.request_id}; Proxy: null)"
    )


def test_invalid_function_name_is_a_validation_error(runtime: LambdaRuntime) -> None:
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("not a name", {})
    assert info.value.code == "ValidationException"


def test_dry_run_checks_the_function_without_running_it(runtime: LambdaRuntime) -> None:
    calls = []
    runtime.register("f", lambda event, context: calls.append(event))
    result = runtime.invoke("f", {}, invocation_type="DryRun")
    assert (result.status_code, result.payload, calls) == (204, b"", [])
    with pytest.raises(LambdaServiceError):
        runtime.invoke("g", {}, invocation_type="DryRun")


def test_unknown_invocation_type_is_rejected(runtime: LambdaRuntime) -> None:
    runtime.register("echo", echo)
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("echo", {}, invocation_type="Sync")
    assert info.value.code == "ValidationException"


def test_request_over_6_mb_is_rejected(runtime: LambdaRuntime) -> None:
    runtime.register("echo", echo)
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("echo", "x" * 6_291_456)
    assert info.value.code == "RequestEntityTooLargeException"
    assert info.value.status_code == 413
    assert info.value.message == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )


def test_response_over_the_limit_is_a_function_error(runtime: LambdaRuntime) -> None:
    runtime.register("big", lambda event, context: "x" * 6_291_556)
    result = runtime.invoke("big", {})
    assert result.function_error == "Unhandled"
    assert result.json() == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
    }


def test_raw_bytes_payload_must_be_json(runtime: LambdaRuntime) -> None:
    runtime.register("echo", echo)
    assert runtime.invoke("echo", b'{"k": 1}').json() == {"k": 1}
    assert runtime.invoke("echo", b"").json() == {}
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("echo", b"{nope")
    assert info.value.code == "InvalidRequestContentException"


def test_handler_gets_a_private_copy_of_the_payload(runtime: LambdaRuntime) -> None:
    def mutate(event, context):
        event["changed"] = True
        return event

    runtime.register("mutate", mutate)
    payload = {"a": 1}
    assert runtime.invoke("mutate", payload).json() == {"a": 1, "changed": True}
    assert payload == {"a": 1}


def test_async_handlers_are_awaited(runtime: LambdaRuntime) -> None:
    async def handler(event, context):
        await anyio.sleep(0)
        return {"async": event}

    runtime.register("coro", handler)
    assert runtime.invoke("coro", 5).json() == {"async": 5}


def test_sync_handlers_do_not_block_concurrent_invocations(runtime: LambdaRuntime) -> None:
    import threading

    barrier = threading.Barrier(3, timeout=5)

    def wait_for_others(event, context):
        barrier.wait()  # only returns once three invocations run at the same time
        return event

    runtime.register("meet", wait_for_others)

    async def main() -> list[object]:
        results: list[object] = []

        async def one(i: int) -> None:
            results.append((await runtime.invoke_async("meet", i)).json())

        async with anyio.create_task_group() as group:
            for i in range(3):
                group.start_soon(one, i)
        return sorted(results)  # type: ignore[type-var]

    assert anyio.run(main) == [0, 1, 2]
    assert runtime.get_function("meet").stats.cold_starts == 3


def test_sync_invoke_refuses_to_run_inside_an_event_loop(runtime: LambdaRuntime) -> None:
    from asl.errors import ConfigurationError

    runtime.register("echo", echo)

    async def main() -> None:
        runtime.invoke("echo", {})

    with pytest.raises(ConfigurationError, match="invoke_async"):
        anyio.run(main)


def test_tail_log_result_is_base64_of_the_log(runtime: LambdaRuntime) -> None:
    def chatty(event, context):
        print("line one")
        return 1

    runtime.register("chatty", chatty)
    result = runtime.invoke("chatty", {}, log_type="Tail")
    assert result.log_result is not None
    text = base64.b64decode(result.log_result).decode()
    assert f"START RequestId: {result.request_id} Version: $LATEST\nline one\n" in text
    assert f"END RequestId: {result.request_id}\nREPORT RequestId: {result.request_id}\t" in text
    assert runtime.invoke("chatty", {}).log_result is None
