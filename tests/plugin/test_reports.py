"""A failing test explains the executions it ran (report sections, assertion messages)."""

from __future__ import annotations

import pytest

WORKFLOW = """
import asl

DEFINITION = {
    "StartAt": "Check",
    "States": {
        "Check": {"Type": "Pass", "Next": "Charge"},
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
            "Retry": [{"ErrorEquals": ["KeyError"], "MaxAttempts": 1}],
            "End": True,
        },
    },
}


def lookup(event):
    return event["card"]


def charge(event, context):
    print("charging order", event["order"])
    return {"charged": lookup(event)}
"""


def test_failing_test_gets_a_section_with_path_error_and_handler_traceback(
    pytester: pytest.Pytester, run_tests
) -> None:
    path = pytester.makepyfile(
        test_order=WORKFLOW
        + """

def test_order():
    ex = asl.run(DEFINITION, {"order": 7}, functions={"charge": charge})
    assert ex.output == {"charged": "visa"}
"""
    )
    source = path.read_text().splitlines()
    charge_line = source.index('    return {"charged": lookup(event)}') + 1
    lookup_line = source.index('    return event["card"]') + 1
    result = run_tests()
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "asl execution (FAILED) call" in out
    result.stdout.fnmatch_lines(
        [
            "*Path taken:*",
            "*Check*Pass*succeeded -> Charge*",
            "*Charge*Task*failed (KeyError), retried 1 time*",
            "Failed in state 'Charge' (Task state)",
            "Error: KeyError",
            "*Traceback (most recent call last):*",
            f'*File "*test_order.py", line {charge_line}, in charge*',
            '*return {"charged": lookup(event)}*',
            f'*File "*test_order.py", line {lookup_line}, in lookup*',
            "*KeyError: 'card'*",
        ]
    )
    # the cause is shown as Python prints it, not as escaped JSON
    assert '\\"stackTrace\\"' not in out and '"stackTrace"' not in out


def test_handler_output_is_shown_like_captured_output(pytester: pytest.Pytester, run_tests) -> None:
    pytester.makepyfile(
        test_order=WORKFLOW
        + """

def test_order():
    ex = asl.run(DEFINITION, {"order": 7}, functions={"charge": charge})
    assert ex.output == {"charged": "visa"}
"""
    )
    result = run_tests()
    result.stdout.fnmatch_lines(
        [
            "*Captured Lambda output call*",
            "[[]charge request *[]]",
            "charging order 7",
        ]
    )
    # Lambda's own START/END/REPORT lines are left out
    assert "REPORT RequestId" not in result.stdout.str()


def test_output_of_a_runtime_given_by_the_test_is_shown(
    pytester: pytest.Pytester, run_tests
) -> None:
    pytester.makepyfile(
        test_order=WORKFLOW
        + """

def test_order(asl_lambda_runtime):
    asl_lambda_runtime.register("charge", charge)
    ex = asl.run(DEFINITION, {"order": 8}, lambda_runtime=asl_lambda_runtime)
    assert ex.status == "SUCCEEDED"
"""
    )
    result = run_tests()
    result.stdout.fnmatch_lines(["*Captured Lambda output call*", "charging order 8"])


def test_passing_test_gets_no_section(pytester: pytest.Pytester, run_tests) -> None:
    pytester.makepyfile(
        test_order=WORKFLOW
        + """

def test_order():
    ex = asl.run(DEFINITION, {"order": 7, "card": "visa"}, functions={"charge": charge})
    assert ex.output == {"charged": "visa"}
"""
    )
    result = run_tests("-rA")
    result.assert_outcomes(passed=1)
    assert "asl execution" not in result.stdout.str()


def test_one_section_per_execution(pytester: pytest.Pytester, run_tests) -> None:
    pytester.makepyfile(
        test_order=WORKFLOW
        + """

def test_order():
    first = asl.run(DEFINITION, {"order": 1, "card": "visa"}, functions={"charge": charge})
    second = asl.run(DEFINITION, {"order": 2}, functions={"charge": charge})
    assert first.status == second.status
"""
    )
    result = run_tests()
    out = result.stdout.str()
    assert "asl execution 1 of 2 (SUCCEEDED) call" in out
    assert "asl execution 2 of 2 (FAILED) call" in out
    assert 'Output: {"charged": "visa"}' in out


def test_status_assertion_explains_the_execution(pytester: pytest.Pytester, run_tests) -> None:
    pytester.makepyfile(
        test_order=WORKFLOW
        + """

def test_order():
    ex = asl.run(DEFINITION, {"order": 7}, functions={"charge": charge})
    assert ex.status == "SUCCEEDED"
"""
    )
    result = run_tests()
    result.stdout.fnmatch_lines(
        [
            "E*assert 'FAILED' == 'SUCCEEDED'",
            "E*Execution '*' FAILED in state 'Charge' (Task state)",
            "E*Error: KeyError: 'card'",
            "E*States: Check -> Charge (failed)",
        ]
    )


def test_assertion_on_the_output_of_a_failed_execution_explains_it(
    pytester: pytest.Pytester, run_tests
) -> None:
    pytester.makepyfile(
        test_order=WORKFLOW
        + """

def test_order():
    ex = asl.run(DEFINITION, {"order": 7}, functions={"charge": charge})
    assert ex.output == {"charged": "visa"}
"""
    )
    result = run_tests()
    result.stdout.fnmatch_lines(
        ["E*None == {'charged': 'visa'}", "E*FAILED in state 'Charge' (Task state)"]
    )


def test_unrelated_string_assertions_keep_pytest_diffs(
    pytester: pytest.Pytester, run_tests
) -> None:
    pytester.makepyfile(
        test_strings="""
import asl

def test_strings():
    asl.run({"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "E"}}})
    assert "abc" == "abd"
"""
    )
    result = run_tests()
    out = result.stdout.str()
    assert "Path taken" not in out.split("asl execution")[0]
    result.stdout.fnmatch_lines(["E*- abd", "E*+ abc"])


def test_async_tests_are_recorded(pytester: pytest.Pytester, run_tests) -> None:
    pytester.makepyfile(
        test_async=WORKFLOW
        + """
import pytest

@pytest.fixture
def anyio_backend():
    return "asyncio"

@pytest.mark.anyio
async def test_order():
    ex = await asl.execute(DEFINITION, {"order": 3}, functions={"charge": charge})
    assert ex.status == "SUCCEEDED"
"""
    )
    result = run_tests()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*asl execution (FAILED) call*", "*KeyError: 'card'*"])


def test_executions_from_imported_names_are_recorded(pytester: pytest.Pytester, run_tests) -> None:
    pytester.makepyfile(
        test_imported=WORKFLOW
        + """
from asl import run

def test_order():
    ex = run(DEFINITION, {"order": 4}, functions={"charge": charge})
    assert ex.status == "SUCCEEDED"
"""
    )
    result = run_tests()
    result.stdout.fnmatch_lines(["*asl execution (FAILED) call*"])


def test_with_capture_off_handler_output_is_printed_after_each_execution(
    pytester: pytest.Pytester, run_tests
) -> None:
    pytester.makepyfile(
        test_order=WORKFLOW
        + """

def test_order():
    asl.run(DEFINITION, {"order": 11, "card": "visa"}, functions={"charge": charge})
    print("after the execution")
"""
    )
    result = run_tests("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*[[]charge request *[]]", "charging order 11", "after the execution"]
    )


def test_many_executions_show_the_failed_ones_and_the_last(
    pytester: pytest.Pytester, run_tests
) -> None:
    pytester.makepyfile(
        test_many="""
import asl

OK = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
NO = {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "Nope"}}}

def test_many():
    for i in range(20):
        asl.run(NO if i == 3 else OK)
    assert False
"""
    )
    result = run_tests()
    out = result.stdout.str()
    assert "asl execution 4 of 20 (FAILED) call" in out
    assert "asl execution 20 of 20 (SUCCEEDED) call" in out
    assert out.count("asl execution ") == 2
    result.stdout.fnmatch_lines(
        ["*asl executions call*", "20 executions (FAILED 1, SUCCEEDED 19); shown: numbers 4, 20"]
    )


def test_a_session_that_never_uses_asl_does_not_load_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, plugin_options: list[str]
) -> None:
    from pathlib import Path

    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    pytester.makepyfile(
        test_other="""
import sys

def test_other():
    assert "asl.api" not in sys.modules
    assert "asl.execution.executor" not in sys.modules
"""
    )
    result = pytester.runpytest_subprocess(*plugin_options, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
