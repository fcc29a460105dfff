"""Versions, aliases with weighted routing, and how qualified names and ARNs resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from asl.errors import ConfigurationError
from asl.lambda_runtime import LambdaRuntime, LambdaServiceError


def version_of(event, context):
    return context.function_version


def test_publishing_snapshots_the_configuration(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: c.memory_limit_in_mb, memory_size=128)
    assert runtime.publish_version("f") == "1"
    runtime.update_function_configuration("f", memory_size=512)
    assert runtime.invoke("f", {}).json() == "512"
    assert runtime.invoke("f:1", {}).json() == "128"
    result = runtime.invoke("f", {}, qualifier="1")
    assert (result.json(), result.executed_version) == ("128", "1")


def test_publishing_snapshots_the_code_directory(runtime: LambdaRuntime, tmp_path: Path) -> None:
    module = tmp_path / "lambda_function.py"
    module.write_text("def lambda_handler(e, c):\n    return 'v1'\n")
    runtime.register("f", code=tmp_path)
    runtime.publish_version("f")
    module.write_text("def lambda_handler(e, c):\n    return 'v2'\n")
    runtime.update_function_code("f", code=tmp_path)
    assert runtime.invoke("f", {}).json() == "v2"
    assert runtime.invoke("f:1", {}).json() == "v1"


def test_publishing_without_changes_returns_the_same_version(runtime: LambdaRuntime) -> None:
    runtime.register("f", version_of)
    assert runtime.publish_version("f") == "1"
    assert runtime.publish_version("f") == "1"
    runtime.update_function_configuration("f", description="changed")
    assert runtime.publish_version("f") == "2"


def test_latest_is_mutable_and_retires_its_environments(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: "old")
    runtime.invoke("f", {})
    runtime.update_function_code("f", lambda e, c: "new")
    assert runtime.invoke("f", {}).json() == "new"
    assert runtime.get_function("f").stats.cold_starts == 2


def test_alias_resolves_to_its_version(runtime: LambdaRuntime) -> None:
    function = runtime.register("f", version_of)
    runtime.publish_version("f")
    runtime.update_function_configuration("f", timeout=10)
    runtime.publish_version("f")
    runtime.create_alias("f", "prod", "1")
    for name in ("f:prod", function.arn + ":prod", "123456789012:function:f:prod"):
        result = runtime.invoke(name, {})
        assert (result.json(), result.executed_version) == ("1", "1")
    runtime.update_alias("f", "prod", function_version="2")
    assert runtime.invoke("f:prod", {}).executed_version == "2"


def test_alias_weights_are_honoured(runtime: LambdaRuntime) -> None:
    runtime.register("f", version_of)
    runtime.publish_version("f")
    runtime.update_function_configuration("f", description="v2")
    runtime.publish_version("f")
    runtime.create_alias("f", "canary", "1", routing={"2": 0.25})
    versions = [runtime.invoke("f:canary", {}).executed_version for _ in range(400)]
    share = versions.count("2") / len(versions)
    assert 0.18 < share < 0.32
    assert set(versions) == {"1", "2"}
    runtime.update_alias("f", "canary", routing={})
    assert {runtime.invoke("f:canary", {}).executed_version for _ in range(20)} == {"1"}


def test_alias_routing_rules(runtime: LambdaRuntime) -> None:
    runtime.register("f", version_of)
    runtime.publish_version("f")
    with pytest.raises(ConfigurationError, match="LATEST"):
        runtime.create_alias("f", "a", "$LATEST", routing={"1": 0.5})
    with pytest.raises(ConfigurationError, match="no version '7'"):
        runtime.create_alias("f", "a", "7")
    with pytest.raises(ConfigurationError, match="differ"):
        runtime.create_alias("f", "a", "1", routing={"1": 0.5})
    runtime.update_function_configuration("f", description="2")
    runtime.publish_version("f")
    with pytest.raises(ConfigurationError, match="from 0.0 to 1.0"):
        runtime.create_alias("f", "a", "1", routing={"2": 1.5})
    with pytest.raises(ConfigurationError, match="not all digits"):
        runtime.create_alias("f", "123", "1")


def test_unknown_version_or_alias_is_not_found(runtime: LambdaRuntime) -> None:
    runtime.register("f", version_of)
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("f:9", {})
    assert info.value.message.endswith(":function:f:9")
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("f", {}, qualifier="nope")
    assert info.value.code == "ResourceNotFoundException"
    assert info.value.message.endswith(":function:f:nope")


def test_conflicting_qualifiers_are_rejected(runtime: LambdaRuntime) -> None:
    runtime.register("f", version_of)
    runtime.publish_version("f")
    with pytest.raises(LambdaServiceError) as info:
        runtime.invoke("f:1", {}, qualifier="$LATEST")
    assert info.value.code == "InvalidParameterValueException"


def test_a_function_registered_by_name_answers_any_accounts_arn(runtime: LambdaRuntime) -> None:
    runtime.register("f", lambda e, c: c.invoked_function_arn)
    for arn in (
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws:lambda:eu-west-1:111111111111:function:f",
        "111111111111:function:f:$LATEST",
    ):
        expected = arn if arn.startswith("arn:") else "arn:aws:lambda:us-east-1:" + arn
        assert runtime.invoke(arn, {}).json() == expected


def test_a_function_registered_by_arn_answers_only_that_arn(runtime: LambdaRuntime) -> None:
    runtime.register("arn:aws:lambda:us-east-1:123456789012:function:f", version_of)
    assert runtime.invoke("arn:aws:lambda:us-east-1:123456789012:function:f", {}).json()
    for other in (
        "arn:aws:lambda:eu-west-1:123456789012:function:f",
        "arn:aws:lambda:us-east-1:111111111111:function:f",
    ):
        with pytest.raises(LambdaServiceError) as info:
            runtime.invoke(other, {})
        assert info.value.message == f"Function not found: {other}:$LATEST"


def test_registering_by_arn_sets_account_and_region(runtime: LambdaRuntime) -> None:
    arn = "arn:aws:lambda:eu-west-1:111111111111:function:remote-ish"
    function = runtime.register(arn, version_of)
    assert function.name == "remote-ish"
    assert runtime.function_arn("remote-ish") == arn
    assert runtime.has_function(arn)
    assert runtime.has_function("remote-ish")
    assert not runtime.has_function("arn:aws:lambda:us-east-1:111111111111:function:remote-ish")
    assert runtime.invoke(arn, {}).json() == "$LATEST"


def test_has_function_checks_the_qualifier(runtime: LambdaRuntime) -> None:
    runtime.register("f", version_of)
    assert runtime.has_function("f:$LATEST")
    assert not runtime.has_function("f:1")
    assert not runtime.has_function("not a name")


def test_versions_have_their_own_environments(runtime: LambdaRuntime) -> None:
    runtime.register("f", version_of)
    runtime.publish_version("f")
    runtime.invoke("f", {})
    runtime.invoke("f:1", {})
    runtime.invoke("f:1", {})
    function = runtime.get_function("f")
    assert function.latest.stats.cold_starts == 1
    assert function.versions["1"].stats.cold_starts == 1
    assert function.versions["1"].stats.warm_starts == 1
