"""asl.testing.explain and asl.ExecutionFailed: an execution told in words."""

from __future__ import annotations

import json

import pytest

import asl
from asl.execution.explain import summary
from asl.testing import explain, format_lambda_error

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def task(name: str, **fields: object) -> dict:
    return {"Type": "Task", "Resource": LAMBDA + name, **fields}


def lookup(event: dict) -> object:
    return event["card"]


def charge(event: dict, context: object) -> object:
    print("charging", event.get("order"))
    return lookup(event)


def flaky():
    calls = {"n": 0}

    def handler(event: dict, context: object) -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise TimeoutError("slow")
        return "ok"

    return handler


def test_retries_are_counted_and_a_later_success_is_a_success() -> None:
    machine = {
        "StartAt": "Call",
        "States": {
            "Call": task(
                "flaky", Retry=[{"ErrorEquals": ["TimeoutError"], "MaxAttempts": 5}], End=True
            )
        },
    }
    text = explain(asl.run(machine, functions={"flaky": flaky()}))
    assert "Call  Task  succeeded, retried 2 times" in text
    assert text.endswith('Output: "ok"')


def test_a_caught_error_names_the_error_and_where_it_went() -> None:
    machine = {
        "StartAt": "Charge",
        "States": {
            "Charge": task(
                "charge", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Refund"}], End=True
            ),
            "Refund": {"Type": "Pass", "End": True},
        },
    }
    text = explain(asl.run(machine, {}, functions={"charge": charge}))
    assert "Charge  Task  caught (KeyError) -> Refund" in text
    assert "Refund  Pass  succeeded" in text


def test_failure_names_the_state_error_and_python_traceback() -> None:
    machine = {"StartAt": "Charge", "States": {"Charge": task("charge", End=True)}}
    ex = asl.run(machine, {"order": 1}, functions={"charge": charge})
    text = explain(ex)
    assert "Failed in state 'Charge' (Task state)" in text
    assert "Error: KeyError" in text
    line = lookup.__code__.co_firstlineno + 1
    assert f'File "{__file__}", line {line}, in lookup' in text
    assert '      return event["card"]' in text
    assert text.rstrip().endswith("KeyError: 'card'")
    assert '"stackTrace"' not in text


def test_handler_output_of_the_failing_invocation_given_the_runtime() -> None:
    machine = {"StartAt": "Charge", "States": {"Charge": task("charge", End=True)}}
    with asl.LambdaRuntime() as runtime:
        ex = asl.run(machine, {"order": 42}, functions={"charge": charge}, lambda_runtime=runtime)
        text = explain(ex, lambda_runtime=runtime)
    assert "Handler output:\n  charging 42" in text
    assert "START RequestId" not in text


def test_a_failing_parallel_branch_is_named_inside_its_parallel_state() -> None:
    machine = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                    {"StartAt": "Right", "States": {"Right": task("charge", End=True)}},
                ],
                "End": True,
            }
        },
    }
    text = explain(asl.run(machine, {}, functions={"charge": charge}))
    assert "  Both     Parallel  failed" in text
    assert "    Right  Task      failed (KeyError)" in text
    assert "Failed in state 'Right' (Task state)" in text


def test_map_iterations_are_collapsed() -> None:
    machine = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Item",
                    "States": {"Item": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    text = explain(asl.run(machine, [1, 2, 3, 4]))
    assert "Each    Map   succeeded" in text
    assert "  Item  Pass  succeeded  (x4)" in text


def test_fail_state_error_and_cause() -> None:
    machine = {"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Nope", "Cause": "why"}}}
    text = explain(asl.run(machine))
    assert "No  Fail  failed (Nope)" in text
    assert "Failed in state 'No' (Fail state)\nError: Nope\nCause: why" in text


def test_timed_out_execution_says_where_it_stopped() -> None:
    machine = {
        "StartAt": "Sleep",
        "TimeoutSeconds": 5,
        "States": {"Sleep": {"Type": "Wait", "Seconds": 60, "End": True}},
    }
    ex = asl.run(machine)
    text = explain(ex)
    assert text.startswith(f"Execution {ex.name!r} TIMED_OUT")
    assert "Sleep  Wait  not finished" in text
    assert "Stopped in state 'Sleep' (Wait state)" in text
    assert "Error: States.Timeout" in text


def test_lambda_errors_from_other_runtimes_list_their_frames() -> None:
    payload = {
        "errorType": "TypeError",
        "errorMessage": "x is undefined",
        "stackTrace": ["TypeError: x is undefined", "    at handler (/var/task/index.js:3:9)"],
    }
    assert format_lambda_error(payload) == (
        "TypeError: x is undefined\n    TypeError: x is undefined\n"
        "    at handler (/var/task/index.js:3:9)"
    )
    assert format_lambda_error({"errorMessage": "boom"}) == "Error: boom"


def test_a_json_cause_that_is_not_a_lambda_error_is_left_as_is() -> None:
    cause = json.dumps({"status": 500})
    machine = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": cause}}}
    assert f"Cause: {cause}" in explain(asl.run(machine))


def test_summary_fits_in_a_few_lines() -> None:
    machine = {
        "StartAt": "Check",
        "States": {"Check": {"Type": "Pass", "Next": "Charge"}, "Charge": task("charge", End=True)},
    }
    ex = asl.run(machine, {}, functions={"charge": charge})
    assert summary(ex) == [
        f"Execution {ex.name!r} FAILED in state 'Charge' (Task state)",
        "Error: KeyError: 'card'",
        "States: Check -> Charge (failed)",
    ]


def test_execution_failed_is_an_asl_error_that_explains_itself() -> None:
    machine = {"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Nope", "Cause": "why"}}}
    ex = asl.run(machine)
    error = asl.ExecutionFailed(ex)
    assert isinstance(error, asl.ASLError)
    assert (error.execution, error.status, error.error, error.cause) == (
        ex,
        "FAILED",
        "Nope",
        "why",
    )
    assert str(error) == explain(ex)
    with pytest.raises(asl.ExecutionFailed, match="Failed in state 'No'"):
        raise error


def test_branches_stopped_by_a_failing_sibling_are_cancelled() -> None:
    machine = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "Wait",
                        "States": {"Wait": {"Type": "Wait", "Seconds": 100, "End": True}},
                    },
                    {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "Boom"}}},
                ],
                "End": True,
            }
        },
    }
    text = explain(asl.run(machine))
    assert "    Wait  Wait      cancelled" in text
    assert "    Fail  Fail      failed (Boom)" in text
    assert "Failed in state 'Fail' (Fail state)" in text
