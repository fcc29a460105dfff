"""Mocked responses: the Step Functions Local mock file taken as-is, and Python mocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import asl
from asl.backends.mocks import MockBackend

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mocking"
DEFINITION = EXAMPLE.parent / "LambdaSQSIntegration.asl.json"
MOCK_FILE = EXAMPLE / "MockConfigFile.json"
SQS = "arn:aws:states:::sqs:sendMessage"


def run_case(test_case: str, **options: object) -> asl.Execution:
    return asl.run(
        DEFINITION,
        {"name": "asl"},
        mock_config=MOCK_FILE,
        test_case=test_case,
        state_machine_name="LambdaSQSIntegration",
        **options,
    )


def test_happy_path_from_the_mock_file():
    ex = run_case("HappyPath")
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == {
        "MD5OfMessageBody": "3bcb6e8e7c85c3d5b1f1d2c3a4e5f6a7",
        "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51",
    }
    # a mocked lambda:invoke records the same events as a real one
    assert [e["type"] for e in ex.history][2:6] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
    ]
    succeeded = ex.events("TaskSucceeded")[0]["taskSucceededEventDetails"]
    assert succeeded["resourceType"] == "lambda" and succeeded["resource"] == "invoke"
    assert json.loads(succeeded["output"])["Payload"]["body"] == "Hello from Lambda!"


def test_retry_path_uses_invocation_ranges_including_retries():
    ex = run_case("RetryPath")
    assert ex.status == "SUCCEEDED", ex.cause
    errors = [e["taskFailedEventDetails"]["error"] for e in ex.events("TaskFailed")]
    assert errors == [
        "Lambda.ResourceNotReadyException",
        "Lambda.TimeoutException",
        "Lambda.TimeoutException",
    ]
    assert len(ex.events("TaskScheduled")) == 5
    # back-off of 2 + 4 + 8 seconds, taken in virtual time
    assert (ex.stop_date - ex.start_date).total_seconds() >= 14


def test_running_past_the_last_mocked_invocation_fails_the_execution():
    ex = run_case("NotReadyPath")
    # invocations 0-3 are mocked and all retried; there is no fifth attempt to mock,
    # so the retrier runs out and the mocked error is the execution's
    assert ex.status == "FAILED"
    assert ex.error == "Lambda.ResourceNotReadyException"
    mocks = json.loads(MOCK_FILE.read_text())
    mocks["MockedResponses"]["MockedLambdaNotReady"] = {
        "0-1": mocks["MockedResponses"]["MockedLambdaNotReady"]["0-3"]
    }
    ex = asl.run(DEFINITION, {}, mock_config=mocks, test_case="NotReadyPath")
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert "No mocked response for state 'LambdaState' invocation 2" in ex.cause


def test_hybrid_path_runs_unmocked_states_against_registered_handlers():
    sent: list = []

    def send(parameters, context):
        sent.append(parameters["MessageBody"])
        return {"MessageId": "local-1"}

    ex = run_case("HybridPath", resources={SQS: send})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == {"MessageId": "local-1"}
    assert sent == ["Hello from Lambda!"]


def test_unmocked_state_without_any_backend_says_how_to_register_one():
    ex = run_case("HybridPath")
    assert ex.status == "FAILED" and ex.error == "States.Runtime"
    assert "resources=" in ex.cause


def test_single_state_machine_in_the_file_needs_no_name_and_json_text_is_accepted():
    ex = asl.run(DEFINITION, {}, mock_config=MOCK_FILE.read_text(), test_case="HappyPath")
    assert ex.status == "SUCCEEDED", ex.cause


def test_the_recorded_numbered_responses_case():
    # local_mocking/numbered_mock_responses_multiple_success_invocations: the same state
    # is invoked twice; invocation 0 and 1 get different mocked responses
    function = "arn:aws:lambda:us-east-1:111111111111:function:lambda_a94b48e3"
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "LambdaState",
        "States": {
            "LambdaState": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {
                    "FunctionName": function,
                    "Payload": {"status": "{% $exists($status) ? 'completed' : 'running' %}"},
                },
                "Assign": {"status": "{% $states.result.Payload.status %}"},
                "Next": "CheckCompleted",
            },
            "CheckCompleted": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $status = 'completed' %}", "Next": "Finish"}],
                "Default": "LambdaState",
            },
            "Finish": {"Type": "Succeed"},
        },
    }
    config = {
        "StateMachines": {"Loop": {"TestCases": {"Twice": {"LambdaState": "Numbered"}}}},
        "MockedResponses": {
            "Numbered": {
                "0": {"Return": {"StatusCode": 200, "Payload": {"status": "running"}}},
                "1": {"Return": {"StatusCode": 200, "Payload": {"status": "completed"}}},
            }
        },
    }
    ex = asl.run(definition, {}, mock_config=config, test_case="Twice", state_machine_name="Loop")
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == {"StatusCode": 200, "Payload": {"status": "completed"}}
    assert [e["type"] for e in ex.history] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]


def test_function_arn_mock_takes_the_payload_and_records_lambda_events():
    arn = "arn:aws:lambda:us-east-1:111111111111:function:identity"
    definition = {
        "StartAt": "step1",
        "States": {"step1": {"Type": "Task", "Resource": arn, "End": True}},
    }
    ex = asl.run(
        definition,
        {"body": "string body"},
        mocks={"step1": {"Return": {"StatusCode": 200, "Payload": {"body": "string body"}}}},
    )
    assert ex.output == {"body": "string body"}
    assert [e["type"] for e in ex.history][2:5] == [
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
    ]
    # a plain object is returned unchanged
    ex = asl.run(definition, {}, mocks={"step1": {"Return": {"body": 1}}})
    assert ex.output == {"body": 1}


def test_mocked_callback_records_task_submitted_and_returns_the_mocked_result():
    # local_mocking/sqs_wait_for_task_token: Return is the callback's result
    definition = {
        "StartAt": "SendMessageWithWait",
        "States": {
            "SendMessageWithWait": {
                "Type": "Task",
                "Resource": SQS + ".waitForTaskToken",
                "Parameters": {
                    "QueueUrl.$": "$.QueueUrl",
                    "MessageBody": {"Message.$": "$.Message", "TaskToken.$": "$$.Task.Token"},
                },
                "End": True,
            }
        },
    }
    ex = asl.run(
        definition,
        {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/q", "Message": "m"},
        mocks={"SendMessageWithWait": [{"Return": "string-literal"}]},
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == "string-literal"
    assert [e["type"] for e in ex.history][2:6] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskSubmitted",
        "TaskSucceeded",
    ]
    submitted = json.loads(ex.events("TaskSubmitted")[0]["taskSubmittedEventDetails"]["output"])
    assert set(submitted) >= {"MD5OfMessageBody", "MessageId", "SdkHttpMetadata"}


def test_map_iterations_count_as_invocations():
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {
                        "Work": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::dynamodb:getItem",
                            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fallback"}],
                            "End": True,
                        },
                        "Fallback": {"Type": "Pass", "Result": "caught", "End": True},
                    },
                },
                "End": True,
            }
        },
    }
    mocks = {
        "Work": {
            "0-1": {"Return": "ok"},
            "2": {
                "Throw": {
                    "Error": "DynamoDB.ProvisionedThroughputExceededException",
                    "Cause": "slow",
                }
            },
        }
    }
    ex = asl.run(definition, [1, 2, 3], mocks=mocks)
    assert ex.output == ["ok", "ok", "caught"]


def test_native_mock_callable_and_precedence_over_the_file():
    calls: list = []

    def lambda_mock(parameters, context):
        calls.append(parameters["Payload"])
        return {"StatusCode": 200, "Payload": {"body": "from python"}}

    ex = run_case("HappyPath", mocks={"LambdaState": lambda_mock})
    assert ex.status == "SUCCEEDED", ex.cause
    assert calls == [{"name": "asl"}]
    assert ex.events("TaskScheduled")[1]["taskScheduledEventDetails"]["parameters"] == json.dumps(
        {
            "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/greetings",
            "MessageBody": "from python",
        },
        separators=(",", ":"),
    )


@pytest.mark.parametrize(
    "config, kwargs, message",
    [
        ("/no/such/file.json", {}, "cannot read mock configuration"),
        ("{not json", {}, "not valid JSON"),
        ({"StateMachines": {}}, {}, "needs a MockedResponses object"),
        (
            {
                "StateMachines": {"A": {"TestCases": {}}, "B": {"TestCases": {}}},
                "MockedResponses": {},
            },
            {},
            "several state machines",
        ),
        (
            {"StateMachines": {"A": {"TestCases": {"X": {}, "Y": {}}}}, "MockedResponses": {}},
            {"test_case": "Z"},
            "has no test case 'Z' (it has: 'X', 'Y')",
        ),
        (
            {"StateMachines": {"A": {"TestCases": {"X": {"S": "R"}}}}, "MockedResponses": {}},
            {},
            "which is not in MockedResponses",
        ),
        (
            {
                "StateMachines": {"A": {"TestCases": {"X": {"S": "R"}}}},
                "MockedResponses": {"R": {"first": {"Return": 1}}},
            },
            {},
            "invalid invocation key 'first'",
        ),
        (
            {
                "StateMachines": {"A": {"TestCases": {"X": {"S": "R"}}}},
                "MockedResponses": {"R": {"0-2": {"Return": 1}, "1": {"Return": 2}}},
            },
            {},
            "overlap",
        ),
        (
            {
                "StateMachines": {"A": {"TestCases": {"X": {"S": "R"}}}},
                "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}},
            },
            {},
            "exactly one field",
        ),
        (
            {
                "StateMachines": {"A": {"TestCases": {"X": {"S": "R"}}}},
                "MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}},
            },
            {},
            "needs a string Error",
        ),
    ],
)
def test_bad_mock_configurations_are_clear_configuration_errors(config, kwargs, message):
    with pytest.raises(
        asl.ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        MockBackend.load(config, None, **kwargs)
    with pytest.raises(asl.ConfigurationError):
        asl.run(DEFINITION, {}, mock_config=config, **kwargs)
