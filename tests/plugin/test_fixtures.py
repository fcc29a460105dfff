"""The fixtures: asl_lambda_runtime, asl_clock, asl_mocks."""

from __future__ import annotations

import pytest


def test_lambda_runtime_is_fresh_and_closed_after_the_test(
    pytester: pytest.Pytester, run_tests
) -> None:
    pytester.makepyfile(
        test_sample_runtime="""
import asl

SEEN = []

def test_first(asl_lambda_runtime):
    assert isinstance(asl_lambda_runtime, asl.LambdaRuntime)
    asl_lambda_runtime.register("f", lambda event, context: event["n"] + 1)
    assert asl_lambda_runtime.invoke("f", {"n": 1}).json() == 2
    assert len(asl_lambda_runtime.get_function("f").environments) == 1
    SEEN.append(asl_lambda_runtime)

def test_second(asl_lambda_runtime):
    previous = SEEN[0]
    assert previous is not asl_lambda_runtime
    assert not asl_lambda_runtime.has_function("f")
    # closed after the first test: its execution environments were shut down
    assert previous.get_function("f").environments == []
"""
    )
    run_tests().assert_outcomes(passed=2)


def test_clock_starts_at_a_fixed_instant_and_advances(pytester: pytest.Pytester, run_tests) -> None:
    pytester.makepyfile(
        test_sample_clock="""
import asl
import pytest

STAMP = {
    "StartAt": "Now",
    "States": {"Now": {"Type": "Pass", "Parameters": {"t.$": "$$.Execution.StartTime"}, "End": True}},
}

def test_clock(asl_clock):
    first = asl.run(STAMP, clock=asl_clock).output["t"]
    assert first.startswith("2024-01-01T00:00:0")
    asl_clock.advance(days=1, hours=2)
    later = asl.run(STAMP, clock=asl_clock).output["t"]
    assert later.startswith("2024-01-02T02:00:0")

def test_clock_only_moves_forward(asl_clock):
    with pytest.raises(asl.ConfigurationError, match="only moves forward"):
        asl_clock.advance(-1)
"""
    )
    run_tests().assert_outcomes(passed=2)


MOCK_FILE = """{
  "StateMachines": {
    "Orders": {"TestCases": {"HappyPath": {"Charge": "Charged"}}}
  },
  "MockedResponses": {
    "Charged": {"0": {"Return": {"charged": true}}}
  }
}"""


def test_mocks_load_a_mock_file_beside_the_test(pytester: pytest.Pytester, run_tests) -> None:
    pytester.mkdir("tests")
    (pytester.path / "tests" / "mocks.json").write_text(MOCK_FILE)
    (pytester.path / "tests" / "test_sample_mocks.py").write_text(
        """
import asl
import pytest

DEFINITION = {
    "StartAt": "Charge",
    "States": {"Charge": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge", "End": True}},
}

def test_happy_path(asl_mocks):
    options = asl_mocks("mocks.json", "HappyPath", state_machine="Orders")
    assert options["test_case"] == "HappyPath"
    assert options["state_machine_name"] == "Orders"
    ex = asl.run(DEFINITION, **options)
    assert ex.output == {"charged": True}

def test_unknown_test_case_is_named(asl_mocks):
    with pytest.raises(asl.ConfigurationError, match="no test case 'Sad'.*'HappyPath'"):
        asl_mocks("mocks.json", "Sad")

def test_missing_file_is_named(asl_mocks):
    with pytest.raises(asl.ConfigurationError, match="mock file 'nope.json' not found"):
        asl_mocks("nope.json", "HappyPath")
"""
    )
    run_tests("tests").assert_outcomes(passed=3)
