"""Strict wiring: mistakes that AWS's behaviour would let pass silently are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import asl

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def machine(catch: bool = False) -> dict[str, Any]:
    task: dict[str, Any] = {"Type": "Task", "Resource": LAMBDA + "charge", "End": True}
    states: dict[str, Any] = {"Charge": task}
    if catch:
        task["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]
        states["Failed"] = {"Type": "Pass", "End": True}
    return {"StartAt": "Charge", "States": states}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"functions": {"charge": lambda e, c: e, "chrage": lambda e, c: e}}, "'chrage'"),
        ({"mocks": {"Chrage": [{"Return": {}}]}}, "did you mean 'Charge'"),
        ({"resources": {"arn:aws:states:::SQS:sendMessage": lambda p, c: {}}}, "SQS"),
    ],
)
def test_wiring_no_state_can_use_is_refused(options: dict[str, Any], message: str) -> None:
    options.setdefault("functions", {"charge": lambda e, c: e})
    with pytest.raises(asl.ConfigurationError, match=message):
        asl.run(machine(), {}, strict=True, **options)


def test_strict_false_keeps_awss_behaviour() -> None:
    ex = asl.run(
        machine(), {}, functions={"charge": lambda e, c: e, "unused": lambda e, c: e}, strict=False
    )
    assert ex.status == "SUCCEEDED"


def test_a_handler_that_is_not_found_is_not_caught_by_a_catch(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    runtime = asl.LambdaRuntime()
    runtime.register("charge", code=str(tmp_path), handler_name="app.handlr")
    with pytest.raises(asl.ConfigurationError, match="Runtime.HandlerNotFound"):
        asl.run(machine(catch=True), {}, lambda_runtime=runtime, strict=True)
    # as AWS would, the Catch takes it without strict
    ex = asl.run(machine(catch=True), {}, lambda_runtime=runtime, strict=False)
    assert ex.status == "SUCCEEDED"
    assert ex.states_entered() == ["Charge", "Failed"]


def test_tests_run_strict_by_default(pytester: pytest.Pytester, run_tests: Any) -> None:
    pytester.makepyfile(
        """
        import pytest, asl

        M = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}

        def test_unused_mock_is_refused():
            with pytest.raises(asl.ConfigurationError):
                asl.run(M, {}, mocks={"Nope": [{"Return": 1}]})

        def test_outside_the_option_it_may_be_switched_off():
            assert asl.run(M, {}, mocks={"Nope": [{"Return": 1}]}, strict=False).succeeded
        """
    )
    result = run_tests()
    result.assert_outcomes(passed=2)
    result = run_tests("--asl-no-strict", "-k", "refused")
    result.assert_outcomes(failed=1)


def test_a_misspelt_event_type_is_an_error() -> None:
    ex = asl.run({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {})
    with pytest.raises(asl.ConfigurationError, match="did you mean 'PassStateEntered'"):
        ex.events("PassStateEnterd")
    assert len(ex.events("PassStateEntered")) == 1


def test_a_hung_handler_fails_its_test_at_the_handler_timeout(
    run_tests: Any, pytester: Any
) -> None:
    pytester.makeini("[pytest]\nasl_handler_timeout = 1\n")
    pytester.makepyfile(
        """
        import time, asl

        M = {"StartAt": "T", "States": {"T": {"Type": "Task",
             "Resource": "arn:aws:lambda:us-east-1:123456789012:function:hang", "End": True}}}

        def test_hang():
            ex = asl.run(M, {}, functions={"hang": lambda e, c: time.sleep(30)})
            assert ex.error == "Sandbox.Timedout", ex.cause
        """
    )
    result = run_tests()
    result.assert_outcomes(passed=1)
