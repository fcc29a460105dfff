"""Function configuration: Lambda's ranges and defaults, and clear errors outside them."""

from __future__ import annotations

import pytest

from asl.errors import ConfigurationError
from asl.lambda_runtime import LambdaRuntime


def handler(event, context):
    return event


def test_defaults(runtime: LambdaRuntime) -> None:
    config = runtime.register("f", handler).configuration
    assert (config.timeout, config.memory_size, config.description) == (3, 128, "")
    assert config.environment == {}


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("timeout", 0, "timeout must be an integer from 1 to 900 seconds, got 0"),
        ("timeout", 901, "timeout must be an integer from 1 to 900 seconds, got 901"),
        ("timeout", 2.5, "timeout must be an integer from 1 to 900 seconds, got 2.5"),
        ("memory_size", 127, "memory_size must be an integer from 128 to 10240 MB, got 127"),
        ("memory_size", 10241, "memory_size must be an integer from 128 to 10240 MB"),
        ("description", "x" * 257, "description must be a string of at most 256"),
        ("environment", {"1BAD": "x"}, "environment variable name '1BAD'"),
        ("environment", {"AWS_REGION": "x"}, "AWS_REGION is reserved by Lambda"),
        ("environment", {"BIG": "x" * 4096}, "over Lambda's 4096-byte limit"),
        ("environment", {"NUM": 1}, "environment variable NUM must be a string"),
        ("reserved_concurrency", -1, "reserved_concurrency must be an integer >= 0"),
        ("provisioned_concurrency", -1, "provisioned_concurrency must be an integer >= 0"),
    ],
)
def test_out_of_range_settings_are_rejected(
    runtime: LambdaRuntime, setting: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        runtime.register("f", handler, **{setting: value})  # type: ignore[arg-type]
    assert message in str(info.value)
    assert "'f'" in str(info.value)
    assert not runtime.has_function("f")


@pytest.mark.parametrize("timeout", [1, 900])
def test_range_limits_are_inclusive(runtime: LambdaRuntime, timeout: int) -> None:
    assert runtime.register("f", handler, timeout=timeout).configuration.timeout == timeout


def test_update_is_validated_too(runtime: LambdaRuntime) -> None:
    runtime.register("f", handler)
    with pytest.raises(ConfigurationError, match="timeout"):
        runtime.update_function_configuration("f", timeout=1000)
    with pytest.raises(ConfigurationError, match="unknown setting"):
        runtime.update_function_configuration("f", colour="blue")
    assert runtime.get_function("f").configuration.timeout == 3


def test_invalid_names(runtime: LambdaRuntime) -> None:
    for name in ("", "has space", "x" * 65, "f:1"):
        with pytest.raises(ConfigurationError):
            runtime.register(name, handler)


def test_duplicate_registration_is_an_error(runtime: LambdaRuntime) -> None:
    runtime.register("f", handler)
    with pytest.raises(ConfigurationError, match="already registered"):
        runtime.register("f", handler)


def test_at_most_five_layers(runtime: LambdaRuntime, packages) -> None:
    with pytest.raises(ConfigurationError, match="at most 5 layers"):
        runtime.register("f", code=packages / "layer_user", layers=[packages / "layer_shared"] * 6)


def test_runtime_arguments_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="account_id"):
        LambdaRuntime(account_id="123")
    with pytest.raises(ConfigurationError, match="region"):
        LambdaRuntime(region="mars")
    with pytest.raises(ConfigurationError, match="concurrency_limit"):
        LambdaRuntime(concurrency_limit=0)
    with pytest.raises(ConfigurationError, match="host"):
        LambdaRuntime(host="docker")


def test_unknown_function_names_the_registered_ones(runtime: LambdaRuntime) -> None:
    runtime.register("known", handler)
    with pytest.raises(ConfigurationError, match="registered: known"):
        runtime.get_function("unknown")
