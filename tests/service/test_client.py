"""asl.Client: the Step Functions control plane in process, shaped as boto3's client."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Any

import pytest

import asl

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsRole"
PASS = json.dumps(
    {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"x": 1}, "End": True}}}
)
CALLBACK = json.dumps(
    {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
)


# the queue a callback task sends its token to: nothing listens, the test answers
QUEUE = {"arn:aws:states:::sqs:sendMessage": lambda parameters, context: {"MessageId": "1"}}


@pytest.fixture
def client():
    with asl.Client(resources=QUEUE) as c:
        yield c


def wait_status(client, arn, status="SUCCEEDED", timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = client.describe_execution(executionArn=arn)
        if described["status"] == status:
            return described
        time.sleep(0.01)
    raise AssertionError(f"{arn} did not reach {status}: {described['status']}")


def error_of(call, **params):
    with pytest.raises(asl.ApiError) as info:
        call(**params)
    return info.value


def test_create_and_describe_state_machine(client):
    created = client.create_state_machine(name="Orders", definition=PASS, roleArn=ROLE)
    arn = created["stateMachineArn"]
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:Orders"
    assert isinstance(created["creationDate"], datetime)
    described = client.describe_state_machine(stateMachineArn=arn)
    assert described["definition"] == PASS
    assert described["status"] == "ACTIVE" and described["type"] == "STANDARD"
    assert described["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}


def test_api_error_is_shaped_like_botocore_client_error(client):
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:Nope"
    e = error_of(client.describe_state_machine, stateMachineArn=arn)
    assert e.code == "StateMachineDoesNotExist"
    assert e.response["Error"] == {
        "Code": "StateMachineDoesNotExist",
        "Message": f"State Machine Does Not Exist: '{arn}'",
    }
    assert e.operation_name == "DescribeStateMachine"
    assert "when calling the DescribeStateMachine operation" in str(e)


def test_invalid_definition_names_the_problem_and_where(client):
    bad = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}})
    e = error_of(client.create_state_machine, name="Bad", definition=bad, roleArn=ROLE)
    assert e.code == "InvalidDefinition"
    assert "/States/A" in e.message


def test_invalid_names_are_refused(client):
    assert error_of(
        client.create_state_machine, name="a b", definition=PASS, roleArn=ROLE
    ).code == ("InvalidName")
    assert error_of(client.create_activity, name="act:1").code == "InvalidName"


def test_duplicate_state_machine_with_other_definition(client):
    client.create_state_machine(name="Dup", definition=PASS, roleArn=ROLE)
    same = client.create_state_machine(name="Dup", definition=PASS, roleArn=ROLE)
    assert same["stateMachineArn"].endswith(":Dup")
    other = PASS.replace('"x": 1', '"x": 2')
    e = error_of(client.create_state_machine, name="Dup", definition=other, roleArn=ROLE)
    assert e.code == "StateMachineAlreadyExists"


def test_request_constraints_come_from_the_api_model(client):
    e = error_of(client.list_state_machines, maxResults=1001)
    assert e.code == "ValidationException"
    assert e.message == (
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy "
        "constraint: Member must have value less than or equal to 1000"
    )
    e = error_of(client.list_state_machines, bogus=1)
    assert e.code == "ValidationException" and "bogus" in e.message


def test_list_state_machines_pages_with_next_token(client):
    for i in range(5):
        client.create_state_machine(name=f"M{i}", definition=PASS, roleArn=ROLE)
    first = client.list_state_machines(maxResults=2)
    assert [m["name"] for m in first["stateMachines"]] == ["M0", "M1"]
    second = client.list_state_machines(maxResults=2, nextToken=first["nextToken"])
    third = client.list_state_machines(maxResults=2, nextToken=second["nextToken"])
    assert [m["name"] for m in third["stateMachines"]] == ["M4"]
    assert "nextToken" not in third
    assert error_of(client.list_state_machines, nextToken="garbage").code == "InvalidToken"


def test_execution_runs_and_is_described(client):
    arn = client.create_state_machine(name="Run", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    started = client.start_execution(stateMachineArn=arn, name="first", input='{"a": 1}')
    assert started["executionArn"] == "arn:aws:states:us-east-1:123456789012:execution:Run:first"
    described = wait_status(client, started["executionArn"])
    assert json.loads(described["output"]) == {"x": 1}
    assert described["input"] == '{"a":1}'
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert isinstance(described["stopDate"], datetime)


def test_execution_runs_lambda_functions_given_to_the_client():
    definition = json.dumps(
        {
            "StartAt": "Double",
            "States": {
                "Double": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
                    "End": True,
                }
            },
        }
    )
    with asl.Client(functions={"double": lambda event, context: event["n"] * 2}) as client:
        arn = client.create_state_machine(name="L", definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn, input='{"n": 21}')
        assert wait_status(client, run["executionArn"])["output"] == "42"


def test_start_execution_errors(client):
    arn = client.create_state_machine(name="E", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    e = error_of(client.start_execution, stateMachineArn=arn, input="not json")
    assert e.code == "InvalidExecutionInput"
    assert "Unrecognized token 'not'" in e.message
    client.start_execution(stateMachineArn=arn, name="once", input="{}")
    wait_status(client, arn.replace("stateMachine", "execution") + ":once")
    e = error_of(client.start_execution, stateMachineArn=arn, name="once", input='{"b": 2}')
    assert e.code == "ExecutionAlreadyExists"
    missing = arn + "x"
    assert error_of(client.start_execution, stateMachineArn=missing).code == (
        "StateMachineDoesNotExist"
    )
    gone = arn.replace(":stateMachine:", ":execution:") + ":nope"
    assert error_of(client.describe_execution, executionArn=gone).code == "ExecutionDoesNotExist"


@pytest.mark.parametrize(
    ("method", "argument"),
    [
        ("describe_state_machine", "stateMachineArn"),
        ("start_execution", "stateMachineArn"),
        ("list_executions", "stateMachineArn"),
        ("update_state_machine", "stateMachineArn"),
        ("delete_state_machine", "stateMachineArn"),
        ("describe_execution", "executionArn"),
        ("stop_execution", "executionArn"),
        ("get_execution_history", "executionArn"),
        ("describe_activity", "activityArn"),
        ("list_tags_for_resource", "resourceArn"),
    ],
)
def test_a_string_that_is_no_arn_is_an_invalid_arn(client, method, argument):
    # AWS (seen for DescribeStateMachine, ListExecutions, StartExecution, StopExecution):
    # InvalidArn "Invalid Arn: 'Invalid ARN prefix: abc'", before any lookup
    e = error_of(getattr(client, method), **{argument: "abc"})
    assert (e.code, e.message) == ("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: abc'")


def test_list_executions_filters_and_pages(client):
    arn = client.create_state_machine(name="L", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    arns = [client.start_execution(stateMachineArn=arn)["executionArn"] for _ in range(3)]
    for a in arns:
        wait_status(client, a)
    listed = client.list_executions(stateMachineArn=arn, maxResults=2)
    assert len(listed["executions"]) == 2 and "nextToken" in listed
    rest = client.list_executions(stateMachineArn=arn, nextToken=listed["nextToken"])
    assert {e["executionArn"] for e in listed["executions"] + rest["executions"]} == set(arns)
    assert client.list_executions(stateMachineArn=arn, statusFilter="FAILED")["executions"] == []


def test_stop_execution_aborts_a_running_execution(client):
    arn = client.create_state_machine(name="S", definition=CALLBACK, roleArn=ROLE)[
        "stateMachineArn"
    ]
    run = client.start_execution(stateMachineArn=arn)["executionArn"]
    stopped = client.stop_execution(executionArn=run, error="Halt", cause="test")
    assert isinstance(stopped["stopDate"], datetime)
    described = wait_status(client, run, "ABORTED")
    assert described["error"] == "Halt" and described["redriveStatus"] == "REDRIVABLE"
    events = client.get_execution_history(executionArn=run)["events"]
    assert events[-1]["type"] == "ExecutionAborted"


def test_execution_history_pages_reverses_and_hides_data(client):
    arn = client.create_state_machine(name="H", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    run = client.start_execution(stateMachineArn=arn, input='{"secret": 1}')["executionArn"]
    wait_status(client, run)
    everything = client.get_execution_history(executionArn=run)["events"]
    assert [e["type"] for e in everything] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    page = client.get_execution_history(executionArn=run, maxResults=3, reverseOrder=True)
    assert [e["id"] for e in page["events"]] == [4, 3, 2]
    last = client.get_execution_history(
        executionArn=run, maxResults=3, reverseOrder=True, nextToken=page["nextToken"]
    )
    assert [e["id"] for e in last["events"]] == [1]
    hidden = client.get_execution_history(executionArn=run, includeExecutionData=False)["events"]
    assert "input" not in hidden[0]["executionStartedEventDetails"]


def test_send_task_success_completes_a_callback(client):
    arn = client.create_state_machine(name="C", definition=CALLBACK, roleArn=ROLE)[
        "stateMachineArn"
    ]
    run = client.start_execution(stateMachineArn=arn)["executionArn"]
    deadline = time.monotonic() + 10
    token = None
    while token is None and time.monotonic() < deadline:
        for event in client.get_execution_history(executionArn=run)["events"]:
            if event["type"] == "TaskScheduled":
                params = json.loads(event["taskScheduledEventDetails"]["parameters"])
                token = params["MessageBody"]["token"]
        time.sleep(0.01)
    assert client.send_task_success(taskToken=token, output='{"ok": true}') == {}
    assert json.loads(wait_status(client, run)["output"]) == {"ok": True}
    assert error_of(client.send_task_success, taskToken=token, output="{}").code == "TaskTimedOut"
    assert error_of(client.send_task_failure, taskToken="never-issued").code == "InvalidToken"


def test_activity_worker_long_polls_and_answers():
    with asl.Client(activity_poll_seconds=0.2) as client:
        activity = client.create_activity(name="approve")["activityArn"]
        assert client.describe_activity(activityArn=activity)["name"] == "approve"
        assert client.get_activity_task(activityArn=activity, workerName="w") == {}
        definition = json.dumps(
            {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": activity, "End": True}}}
        )
        arn = client.create_state_machine(name="A", definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn, input='{"n": 1}')["executionArn"]
        task: dict = {}
        for _ in range(50):
            task = client.get_activity_task(activityArn=activity, workerName="w")
            if task:
                break
        assert json.loads(task["input"]) == {"n": 1}
        client.send_task_success(taskToken=task["taskToken"], output='{"done": 1}')
        assert wait_status(client, run)["output"] == '{"done":1}'
        client.delete_activity(activityArn=activity)
        assert error_of(client.describe_activity, activityArn=activity).code == (
            "ActivityDoesNotExist"
        )


def test_versions_and_aliases_route_executions(client):
    created = client.create_state_machine(name="V", definition=PASS, roleArn=ROLE, publish=True)
    v1 = created["stateMachineVersionArn"]
    assert v1.endswith(":V:1")
    client.update_state_machine(
        stateMachineArn=created["stateMachineArn"], definition=PASS.replace('"x": 1', '"x": 2')
    )
    v2 = client.publish_state_machine_version(stateMachineArn=created["stateMachineArn"])[
        "stateMachineVersionArn"
    ]
    assert v2.endswith(":V:2")
    listed = client.list_state_machine_versions(stateMachineArn=created["stateMachineArn"])
    assert [v["stateMachineVersionArn"] for v in listed["stateMachineVersions"]] == [v2, v1]
    alias = client.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
    )["stateMachineAliasArn"]
    run = client.start_execution(stateMachineArn=alias)["executionArn"]
    described = wait_status(client, run)
    assert described["stateMachineVersionArn"] == v1
    assert described["stateMachineAliasArn"] == alias
    assert json.loads(described["output"]) == {"x": 1}
    e = error_of(client.delete_state_machine_version, stateMachineVersionArn=v1)
    assert e.code == "ConflictException"
    e = error_of(
        client.create_state_machine_alias,
        name="half",
        routingConfiguration=[
            {"stateMachineVersionArn": v1, "weight": 50},
            {"stateMachineVersionArn": v2, "weight": 40},
        ],
    )
    assert e.message == "Sum of routing configuration weights must equal 100. Received: [50, 40]"


def test_tags(client):
    arn = client.create_state_machine(
        name="T", definition=PASS, roleArn=ROLE, tags=[{"key": "team", "value": "a"}]
    )["stateMachineArn"]
    client.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}])
    client.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert client.list_tags_for_resource(resourceArn=arn) == {
        "tags": [{"key": "env", "value": "dev"}]
    }


def test_validate_state_machine_definition_response_shape(client):
    assert client.validate_state_machine_definition(definition=PASS) == {
        "result": "OK",
        "diagnostics": [],
        "truncated": False,
    }
    failed = client.validate_state_machine_definition(definition='{"StartAt": "A"}')
    assert failed["result"] == "FAIL"
    assert failed["diagnostics"][0]["code"] == "SCHEMA_VALIDATION_FAILED"
    assert failed["diagnostics"][0]["location"] == "/"


def test_start_sync_execution_runs_express_machines(client):
    express = client.create_state_machine(name="X", definition=PASS, roleArn=ROLE, type="EXPRESS")[
        "stateMachineArn"
    ]
    result = client.start_sync_execution(stateMachineArn=express, input="{}")
    assert result["status"] == "SUCCEEDED" and result["output"] == '{"x":1}'
    assert ":express:X:" in result["executionArn"]
    assert result["billingDetails"]["billedDurationInMilliseconds"] >= 100
    standard = client.create_state_machine(name="Std", definition=PASS, roleArn=ROLE)
    e = error_of(client.start_sync_execution, stateMachineArn=standard["stateMachineArn"])
    assert e.code == "StateMachineTypeNotSupported"


def test_test_case_suffix_selects_a_mock_test_case():
    definition = json.dumps(
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                    "End": True,
                }
            },
        }
    )
    mock_config = {
        "StateMachines": {"M": {"TestCases": {"Happy": {"Call": "Ok"}}}},
        "MockedResponses": {"Ok": {"0": {"Return": {"mocked": True}}}},
    }
    with asl.Client(mock_config=mock_config) as client:
        arn = client.create_state_machine(name="M", definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn + "#Happy")["executionArn"]
        assert json.loads(wait_status(client, run)["output"]) == {"mocked": True}


def test_describe_state_machine_for_execution_keeps_the_definition_it_ran(client):
    arn = client.create_state_machine(name="D", definition=PASS, roleArn=ROLE)["stateMachineArn"]
    run = client.start_execution(stateMachineArn=arn)["executionArn"]
    new = PASS.replace('"x": 1', '"x": 3')
    client.update_state_machine(stateMachineArn=arn, definition=new)
    assert client.describe_state_machine_for_execution(executionArn=run)["definition"] == PASS
    assert client.describe_state_machine(stateMachineArn=arn)["definition"] == new


def test_executions_run_concurrently(client):
    arn = client.create_state_machine(name="P", definition=CALLBACK, roleArn=ROLE)[
        "stateMachineArn"
    ]
    results: list[str] = []

    def start() -> None:
        results.append(client.start_execution(stateMachineArn=arn)["executionArn"])

    threads = [threading.Thread(target=start) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    running = client.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]
    assert len(running) == 20 == len(set(results))


def test_state_dir_keeps_state_across_restarts(tmp_path):
    with asl.Client(state_dir=tmp_path, resources=QUEUE) as first:
        arn = first.create_state_machine(name="Keep", definition=PASS, roleArn=ROLE, publish=True)[
            "stateMachineArn"
        ]
        first.create_activity(name="act")
        done = first.start_execution(stateMachineArn=arn, name="done")["executionArn"]
        wait_status(first, done)
        pending = first.create_state_machine(name="Pending", definition=CALLBACK, roleArn=ROLE)
        running = first.start_execution(stateMachineArn=pending["stateMachineArn"])["executionArn"]
    with asl.Client(state_dir=tmp_path) as second:
        assert second.describe_state_machine(stateMachineArn=arn)["definition"] == PASS
        assert (
            len(second.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"])
            == 1
        )
        assert [a["name"] for a in second.list_activities()["activities"]] == ["act"]
        described = second.describe_execution(executionArn=done)
        assert described["status"] == "SUCCEEDED" and described["output"] == '{"x":1}'
        events = second.get_execution_history(executionArn=done)["events"]
        assert events[-1]["type"] == "ExecutionSucceeded"
        assert isinstance(events[0]["timestamp"], datetime)
        assert second.describe_execution(executionArn=running)["status"] == "ABORTED"
        again = second.start_execution(stateMachineArn=arn)["executionArn"]
        wait_status(second, again)


def test_handlers_calling_boto3_reach_the_client_in_process():
    boto3 = pytest.importorskip("boto3")
    answered: list[str] = []

    def worker(parameters, context):
        # a handler answering its own callback through boto3, as deployed code would
        sfn = boto3.client(
            "stepfunctions",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            endpoint_url="http://127.0.0.1:9",  # nothing listens: the call must not go out
        )
        token = parameters["MessageBody"]["token"]
        sfn.send_task_success(taskToken=token, output='{"from": "boto3"}')
        try:
            sfn.describe_execution(
                executionArn="arn:aws:states:us-east-1:123456789012:execution:X:y"
            )
        except sfn.exceptions.ExecutionDoesNotExist as e:
            answered.append(e.response["Error"]["Code"])
        return {"MessageId": "1"}

    with asl.Client(resources={"arn:aws:states:::sqs:sendMessage": worker}) as client:
        arn = client.create_state_machine(name="B", definition=CALLBACK, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn)["executionArn"]
        assert json.loads(wait_status(client, run)["output"]) == {"from": "boto3"}
    assert answered == ["ExecutionDoesNotExist"]


def test_lambda_functions_calling_boto3_reach_the_client_in_process():
    boto3 = pytest.importorskip("boto3")

    def handler(event, context):
        sfn = boto3.client(
            "stepfunctions",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            endpoint_url="http://127.0.0.1:9",
        )
        return [m["name"] for m in sfn.list_state_machines()["stateMachines"]]

    definition = json.dumps(
        {
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:h",
                    "End": True,
                }
            },
        }
    )
    with asl.Client(functions={"h": handler}) as client:
        arn = client.create_state_machine(name="Lam", definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn)["executionArn"]
        assert json.loads(wait_status(client, run)["output"]) == ["Lam"]


def test_redrive_resumes_from_the_failed_state():
    calls: list[dict] = []

    def flaky(parameters, context):
        calls.append(parameters)
        if len(calls) == 1:
            raise asl.StatesError("Flaky.Error", "first call fails")
        return {"ok": parameters["who"]}

    definition = json.dumps(
        {
            "StartAt": "Prepare",
            "States": {
                "Prepare": {
                    "Type": "Pass",
                    "Assign": {"greeting": "hi"},
                    "Result": {"who": "me"},
                    "Next": "Call",
                },
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"who.$": "$.who"},
                    "ResultSelector": {
                        "ok.$": "$.ok",
                        "greeting.$": "$greeting",
                        "redrives.$": "$$.Execution.RedriveCount",
                    },
                    "End": True,
                },
            },
        }
    )
    with asl.Client(resources={"arn:aws:states:::sqs:sendMessage": flaky}) as client:
        arn = client.create_state_machine(name="R", definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn)["executionArn"]
        failed = wait_status(client, run, "FAILED")
        assert failed["redriveStatus"] == "REDRIVABLE"
        redriven = client.redrive_execution(executionArn=run)
        assert isinstance(redriven["redriveDate"], datetime)
        described = wait_status(client, run)
        assert json.loads(described["output"]) == {"ok": "me", "greeting": "hi", "redrives": 1}
        assert described["redriveCount"] == 1
        assert len(calls) == 2  # Prepare did not run again; Call ran once more
        events = client.get_execution_history(executionArn=run)["events"]
        types = [e["type"] for e in events]
        assert types.count("ExecutionStarted") == 1 and types.count("PassStateEntered") == 1
        assert "ExecutionFailed" in types and types[-1] == "ExecutionSucceeded"
        redrive_event = events[types.index("ExecutionRedriven")]
        assert redrive_event["executionRedrivenEventDetails"] == {"redriveCount": 1}
        assert [e["id"] for e in events] == list(range(1, len(events) + 1))
        assert client.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
        e = error_of(client.redrive_execution, executionArn=run)
        assert e.code == "ExecutionNotRedrivable"


def test_describe_lists_variable_references_and_encryption(client):
    definition = json.dumps(
        {
            "StartAt": "Set",
            "States": {
                "Set": {"Type": "Pass", "Assign": {"n": 2, "who": "x"}, "Next": "Use"},
                "Use": {
                    "Type": "Pass",
                    "Parameters": {"msg.$": "States.Format('hi {} $nope', $who)", "plain": "$n"},
                    "OutputPath": "$n",
                    "Next": "Ja",
                },
                "Ja": {
                    "Type": "Pass",
                    "QueryLanguage": "JSONata",
                    "Output": "{% ($k := 1; $sum([$n, $k]) & $states.input) %}",
                    "End": True,
                },
            },
        }
    )
    arn = client.create_state_machine(name="Refs", definition=definition, roleArn=ROLE)[
        "stateMachineArn"
    ]
    described = client.describe_state_machine(stateMachineArn=arn)
    assert described["variableReferences"] == {"Use": ["n", "who"], "Ja": ["n"]}
    assert described["encryptionConfiguration"] == {"type": "AWS_OWNED_KEY"}
    plain = client.create_state_machine(name="NoRefs", definition=PASS, roleArn=ROLE)
    assert "variableReferences" not in client.describe_state_machine(
        stateMachineArn=plain["stateMachineArn"]
    )


def test_unknown_client_options_are_refused_at_once():
    with pytest.raises(TypeError, match="'functionz'"):
        asl.Client(functionz={})
    with pytest.raises(TypeError, match="per execution"):
        asl.Client(name="x")


def test_map_runs_of_a_distributed_map():
    definition = json.dumps(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "P",
                        "States": {"P": {"Type": "Pass", "End": True}},
                    },
                    "MaxConcurrency": 5,
                    "ToleratedFailureCount": 1,
                    "End": True,
                }
            },
        }
    )
    with asl.Client(clock="virtual") as client:
        arn = client.create_state_machine(name="Dist", definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn, input="[1, 2, 3]")["executionArn"]
        wait_status(client, run)
        runs = client.list_map_runs(executionArn=run)["mapRuns"]
        assert len(runs) == 1 and ":mapRun:" in runs[0]["mapRunArn"]
        described = client.describe_map_run(mapRunArn=runs[0]["mapRunArn"])
        assert described["status"] == "SUCCEEDED"
        assert described["maxConcurrency"] == 5 and described["toleratedFailureCount"] == 1
        assert described["itemCounts"]["total"] == 3 == described["itemCounts"]["succeeded"]
        e = error_of(client.describe_map_run, mapRunArn=runs[0]["mapRunArn"] + "x")
        assert e.code == "ResourceNotFound"


@pytest.mark.parametrize("kind", ["Parallel", "Map"])
def test_redrive_reruns_only_the_branches_and_iterations_that_failed(kind: str) -> None:
    calls: list[Any] = []

    def work(parameters, context):
        calls.append(parameters["n"])
        if parameters["n"] == 2 and calls.count(2) == 1:
            raise asl.StatesError("Flaky.Error", "the first call for 2 fails")
        return {"done": parameters["n"]}

    def task(n: Any) -> dict:
        return {
            "StartAt": f"Work{n}",
            "States": {
                f"Work{n}": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"n.$": "$.n"} if n == "" else {"n": n},
                    "End": True,
                }
            },
        }

    if kind == "Parallel":
        state: dict = {"Type": "Parallel", "Branches": [task(1), task(2), task(3)], "End": True}
        data: Any = {}
    else:
        state = {"Type": "Map", "ItemProcessor": task(""), "End": True}
        data = [{"n": 1}, {"n": 2}, {"n": 3}]
    definition = json.dumps({"StartAt": "All", "States": {"All": state}})
    with asl.Client(resources={"arn:aws:states:::sqs:sendMessage": work}) as client:
        arn = client.create_state_machine(name=f"R{kind}", definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn, input=json.dumps(data))["executionArn"]
        wait_status(client, run, "FAILED")
        first = sorted(calls)
        client.redrive_execution(executionArn=run)
        described = wait_status(client, run)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == [{"done": 1}, {"done": 2}, {"done": 3}]
    # the redrive ran only what failed: 2 (1 and 3 had succeeded, or were cancelled
    # before starting, in which case they run now)
    redriven = calls[len(first) :]
    assert 2 in redriven and all(n not in redriven for n in first if n != 2)


def test_a_failed_map_runs_counts_and_child_executions() -> None:
    definition = json.dumps(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "Label": "Items",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Check",
                        "States": {
                            "Check": {
                                "Type": "Choice",
                                "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Bad"}],
                                "Default": "Good",
                            },
                            "Bad": {"Type": "Fail", "Error": "Two"},
                            "Good": {"Type": "Pass", "End": True},
                        },
                    },
                    "ToleratedFailureCount": 1,
                    "End": True,
                }
            },
        }
    )
    with asl.Client(clock="virtual") as client:
        arn = client.create_state_machine(name="Counts", definition=definition, roleArn=ROLE)[
            "stateMachineArn"
        ]
        run = client.start_execution(stateMachineArn=arn, input="[1, 2, 3]")["executionArn"]
        wait_status(client, run)
        map_run = client.list_map_runs(executionArn=run)["mapRuns"][0]["mapRunArn"]
        counts = client.describe_map_run(mapRunArn=map_run)["itemCounts"]
        assert (counts["total"], counts["succeeded"], counts["failed"]) == (3, 2, 1)
        children = client.list_executions(mapRunArn=map_run)["executions"]
        assert sorted(c["status"] for c in children) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
        assert all(c["mapRunArn"] == map_run for c in children)
        assert all(c["stateMachineArn"] == arn + "/Items" for c in children)
        assert all(
            c["executionArn"].startswith(arn.replace(":stateMachine:", ":execution:") + "/Items:")
            for c in children
        )
        failed = client.list_executions(mapRunArn=map_run, statusFilter="FAILED")["executions"]
        assert len(failed) == 1


def test_an_invalid_name_is_quoted_whole_control_characters_included(client):
    # AWS (recorded): "Invalid Name: '\u0000activity'"
    for name in ("\x00activity", "activity\x1f", "activity\x7f"):
        e = error_of(client.create_activity, name=name)
        assert (e.code, e.message) == ("InvalidName", f"Invalid Name: '{name}'")
