"""Public AWS sample workflows run unchanged, with their own Lambda code.

Three samples of aws-samples/step-functions-workflows-collection run from a checkout of
that repository, which this project does not copy: point ``ASL_PUBLIC_SAMPLES`` at it
(``git clone https://github.com/aws-samples/step-functions-workflows-collection``) and
run this file; without it the tests are skipped.  Each test loads a sample's SAM template
as published (`asl.load_template`), so its definition, ``${Placeholders}`` and Python
handlers are the sample's own, and asserts what the sample's README says the workflow
does.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import asl
from tests.history_helpers import lambda_cause, retry_waits

SAMPLES = Path(os.environ.get("ASL_PUBLIC_SAMPLES", "/nonexistent")).expanduser()
NAMES = (
    "explicit-failure-with-parallel-states",
    "retry-with-exponential-backoff-sam",
    "common-error-handling",
)

pytestmark = pytest.mark.skipif(
    not all((SAMPLES / name / "template.yaml").is_file() for name in NAMES),
    reason="set ASL_PUBLIC_SAMPLES to a checkout of "
    "aws-samples/step-functions-workflows-collection to run its sample workflows",
)


# ---------------------------------------------------------------- every sample's template


@pytest.mark.parametrize("sample", NAMES)
def test_sample_template_loads_and_its_state_machines_are_valid(sample: str) -> None:
    project = asl.load_template(SAMPLES / sample / "template.yaml")
    assert project.state_machines
    for name, diagnostics in project.validate().items():
        assert diagnostics == [], name
    for sm in project.state_machines.values():
        assert sm.unsubstituted == ()
    # every function the definitions call is a Python function of the sample, with its code
    for logical in project.state_machines:
        for fn in project.functions_called_by(logical).values():
            assert fn.unsupported is None and fn.code is not None, fn.logical_id


# ---------------------------------------------------------------- explicit-failure-with-parallel-states
# README: "The 'success state' Lambda task is simulated to execute successfully while the
# 'quick fail' Lambda tasks fails by throwing an error which is caught by the 'handle
# failure' Fallback state. [...] the Parallel state completes successfully and transitions
# to the 'Aggregrate Results' state. [...] If the rule evaluates that the `error` key is
# present, then the Choice state transitions to the Fail state. The Fail state marks the
# entire execution as Failed". Testing: "You can use the default inputs".

EXPLICIT_FAILURE = SAMPLES / "explicit-failure-with-parallel-states"
CONSOLE_DEFAULT_INPUT = {"Comment": "Insert your JSON here"}


@pytest.fixture(scope="module")
def explicit_failure() -> Iterator[Any]:
    project = asl.load_template(EXPLICIT_FAILURE / "template.yaml")
    yield project
    project.close()


def test_explicit_failure_sample_fails_the_execution_with_the_caught_branch_error(
    explicit_failure: Any,
) -> None:
    ex = explicit_failure.run(input=CONSOLE_DEFAULT_INPUT)
    assert ex.status == "FAILED"
    # the Fail state's ErrorPath/CausePath read the caught error of the second branch
    assert ex.error == "Exception"
    cause = lambda_cause(ex)
    assert cause["errorMessage"] == "Throwing explicit error"
    assert cause["errorType"] == "Exception"
    assert "QuickFailFunction.py" in cause["stackTrace"][0]
    assert ex.states_entered() == [
        "Parallel",
        "success state",
        "quick fail",
        "handle failure",
        "Aggregrate Results",
        "Evaluate Results",
        "Fail",
    ]
    # the branches all finished and the Parallel state itself succeeded
    assert [e["type"] for e in ex.events("ParallelStateSucceeded", "ParallelStateFailed")] == [
        "ParallelStateSucceeded"
    ]
    assert ex.events("ExecutionFailed")[0]["executionFailedEventDetails"]["error"] == "Exception"


def test_explicit_failure_sample_aggregates_branch_results_as_its_readme_shows(
    explicit_failure: Any,
) -> None:
    ex = explicit_failure.run(input=CONSOLE_DEFAULT_INPUT)
    success, failure = ex.state_input("Evaluate Results")
    assert success == {"statusCode": 200, "body": '"Success from Lambda!"'}
    assert failure["Comment"] == "Insert your JSON here"
    assert failure["error"]["Error"] == "Exception"
    assert lambda_cause(failure["error"]["Cause"])["errorMessage"] == "Throwing explicit error"
    # a direct function-ARN task keeps the Python runtime's JSON spacing in the Cause
    assert failure["error"]["Cause"].startswith('{"errorMessage": "Throwing explicit error", ')


def test_explicit_failure_sample_succeeds_when_no_branch_reports_an_error(
    explicit_failure: Any,
) -> None:
    # README: "If no `error` keys are present, then the Choice state transitions to the
    # Succeed state". The definition is unchanged; only the failing function is replaced.
    ex = explicit_failure.run(
        input=CONSOLE_DEFAULT_INPUT,
        functions={"QuickFailFunction": lambda event, context: {"statusCode": 200}},
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.states_entered()[-2:] == ["Evaluate Results", "Success"]
    assert ex.output == [
        {"statusCode": 200, "body": '"Success from Lambda!"'},
        {"statusCode": 200},
    ]


# ---------------------------------------------------------------- retry-with-exponential-backoff-sam
# README: "The workflow invokes a Lambda function which produces random results. This step
# is configured to `Retry` for certain transient errors such as [...] a custom
# `InternalServerError`. [...] the first retry occurs 2 seconds after the first
# `TaskFailed`, the second retry after 4 seconds [...] until the `MaxAttempts` of 6 is
# reached. [...] Other errors such as `BadRequest` cause the State Machine to move to the
# Fail step as they are not recoverable." The function draws random.randint(0, 2):
# 0 -> OK, 1 -> BadRequest, 2 -> InternalServerError; the tests choose the draws.

RETRY = SAMPLES / "retry-with-exponential-backoff-sam"
OK, BAD_REQUEST, INTERNAL_SERVER_ERROR = 0, 1, 2


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The results the sample function's `random.randint(0, 2)` returns, in order."""
    script: list[int] = []
    real = random.randint

    def randint(a: int, b: int) -> int:
        if (a, b) == (0, 2) and script:
            return script.pop(0)
        return real(a, b)

    monkeypatch.setattr(random, "randint", randint)
    return script


@pytest.fixture(scope="module")
def retry_sample() -> Iterator[Any]:
    project = asl.load_template(RETRY / "template.yaml")
    yield project
    project.close()


def test_retry_sample_recovers_after_one_internal_server_error_retried_2_seconds_later(
    retry_sample: Any, draws: list[int]
) -> None:
    draws.extend([INTERNAL_SERVER_ERROR, OK])
    ex = retry_sample.run(input={})
    assert draws == []
    assert ex.status == "SUCCEEDED", ex.cause
    # OutputPath "$.Payload": the function's own response
    assert ex.output == {"statusCode": 200, "body": '{"message": "OK"}'}
    assert ex.states_entered() == ["Generate random response", "Succeed"]
    failed = ex.events("TaskFailed")
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == ["InternalServerError"]
    assert lambda_cause(failed[0]["taskFailedEventDetails"]["cause"])["errorType"] == (
        "InternalServerError"
    )
    assert len(ex.events("TaskScheduled")) == 2
    assert retry_waits(ex, "TaskFailed", "TaskScheduled") == [2]


def test_retry_sample_backs_off_exponentially_then_fails_after_six_retries(
    retry_sample: Any, draws: list[int]
) -> None:
    draws.extend([INTERNAL_SERVER_ERROR] * 7)
    ex = retry_sample.run(input={})
    assert draws == []
    assert ex.status == "FAILED"
    assert ex.states_entered() == ["Generate random response", "Fail"]
    assert len(ex.events("TaskScheduled")) == 7  # the first attempt and MaxAttempts 6 retries
    assert len(ex.events("TaskFailed")) == 7
    assert retry_waits(ex, "TaskFailed", "TaskScheduled") == [2, 4, 8, 16, 32, 64]
    # the Fail state names no error or cause
    assert ex.error is None and ex.cause is None


def test_retry_sample_does_not_retry_a_bad_request(retry_sample: Any, draws: list[int]) -> None:
    draws.append(BAD_REQUEST)
    ex = retry_sample.run(input={})
    assert draws == []
    assert ex.status == "FAILED"
    assert ex.states_entered() == ["Generate random response", "Fail"]
    assert len(ex.events("TaskScheduled")) == 1
    assert [e["taskFailedEventDetails"]["error"] for e in ex.events("TaskFailed")] == ["BadRequest"]


# ---------------------------------------------------------------- common-error-handling (option 1)
# README: "they look at an input, check and see if it's a number, if the number is odd, and
# if the number is even. If any of these conditions aren't met, that task will fail. Each
# task has a catch condition that routes the failures to the same common error handling
# Lambda function. [...] The option 1 state machine relies on each task using a particular
# format for the ResultPath of each tasks catch configuration [...] The common error
# handling function looks in the input object for attribute that ends in "Failure", to get
# the approximate name of the task". Testing: input like {"Number": 4}; "Check the logs of
# the common error handling Lambda function to see the details of what task errored."

COMMON_ERROR = SAMPLES / "common-error-handling"


@pytest.fixture(scope="module")
def common_error() -> Iterator[Any]:
    project = asl.load_template(COMMON_ERROR / "template.yaml")
    yield project
    project.close()


@pytest.mark.parametrize(
    ("number", "failed_task", "error", "message", "path"),
    [
        (
            4,
            "oddLambda",
            "Exception",
            "even number",
            ["Number Lambda", "Odd Lambda", "Common Error Handler"],
        ),
        (
            3,
            "evenLambda",
            "Exception",
            "odd number",
            ["Number Lambda", "Odd Lambda", "Even Lambda", "Common Error Handler"],
        ),
        (
            "four",
            "numberLambda",
            "ValueError",
            "invalid literal for int() with base 10: 'four'",
            ["Number Lambda", "Common Error Handler"],
        ),
    ],
)
def test_common_error_sample_reports_the_task_that_failed(
    common_error: Any, number: Any, failed_task: str, error: str, message: str, path: list[str]
) -> None:
    runtime = common_error.lambda_runtime()
    try:
        ex = common_error.run(
            "CommonErrorOption1StateMachine", {"Number": number}, lambda_runtime=runtime
        )
        logs = runtime.log_text("CommonErrorOption1Function")
    finally:
        runtime.close()
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.states_entered() == path
    caught = ex.output[f"{failed_task}Failure"]
    assert caught["Error"] == error
    assert lambda_cause(caught["Cause"])["errorMessage"] == message
    # lambda:invoke re-serialises the function's error payload compactly
    assert caught["Cause"].startswith('{"errorMessage":')
    # the common handler found the failed task from the ResultPath's name
    assert ex.output["commonErrorLambda"]["Payload"] == failed_task
    assert ex.output["commonErrorLambda"]["StatusCode"] == 200
    assert f"found the failed_task: {failed_task}" in logs


def test_common_error_sample_passes_earlier_results_along_with_the_error(
    common_error: Any,
) -> None:
    ex = common_error.run("CommonErrorOption1StateMachine", {"Number": 3})
    assert ex.output["Number"] == 3
    assert ex.output["numberLambda"]["Payload"] == 3
    assert ex.output["oddLambda"]["Payload"] == "woohoo odd number"
    assert "evenLambda" not in ex.output
