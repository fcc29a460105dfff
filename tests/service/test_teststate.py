"""TestState: one state run in isolation (Client.test_state and asl.test_state)."""

from __future__ import annotations

import json

import pytest

import asl


@pytest.fixture(scope="module")
def client():
    with asl.Client() as c:
        yield c


def call(client, state, data=None, **request):
    return client.test_state(
        definition=json.dumps(state), input=json.dumps({} if data is None else data), **request
    )


def test_pass_state_trace_shows_every_step(client):
    state = {
        "Type": "Pass",
        "InputPath": "$.in",
        "Parameters": {"v.$": "$.v"},
        "ResultPath": "$.out",
        "Next": "After",
    }
    response = call(client, state, {"in": {"v": 1}}, inspectionLevel="TRACE")
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "After"
    assert json.loads(response["output"]) == {"in": {"v": 1}, "out": {"v": 1}}
    data = response["inspectionData"]
    assert json.loads(data["afterInputPath"]) == {"v": 1}
    assert json.loads(data["afterParameters"]) == {"v": 1}
    assert json.loads(data["afterResultPath"]) == {"in": {"v": 1}, "out": {"v": 1}}


def test_info_level_has_no_inspection_data(client):
    response = call(client, {"Type": "Pass", "End": True}, {"a": 1}, inspectionLevel="INFO")
    assert response == {"status": "SUCCEEDED", "output": '{"a":1}'}


def test_task_with_mocked_result_applies_result_selector(client):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "ResultSelector": {"body.$": "$.Payload"},
        "End": True,
    }
    response = call(
        client,
        state,
        {"n": 1},
        inspectionLevel="DEBUG",
        mock={"result": json.dumps({"Payload": {"ok": True}, "StatusCode": 200})},
    )
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"body": {"ok": True}}
    assert json.loads(response["inspectionData"]["result"])["StatusCode"] == 200


def test_error_a_retrier_takes_is_retriable_with_its_backoff(client):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"},
        "Retry": [
            {"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}
        ],
        "End": True,
    }
    mock = {"errorOutput": {"error": "Boom", "cause": "bad"}}
    response = call(
        client,
        state,
        inspectionLevel="DEBUG",
        mock=mock,
        stateConfiguration={"retrierRetryCount": 1},
    )
    assert response["status"] == "RETRIABLE"
    assert response["inspectionData"]["errorDetails"] == {
        "retryBackoffIntervalSeconds": 6,
        "retryIndex": 0,
    }
    spent = call(client, state, mock=mock, stateConfiguration={"retrierRetryCount": 3})
    assert spent["status"] == "FAILED" and spent["error"] == "Boom" and spent["cause"] == "bad"


def test_caught_error_goes_to_the_catcher(client):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"},
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
        "End": True,
    }
    response = call(
        client,
        state,
        {"a": 1},
        inspectionLevel="DEBUG",
        mock={"errorOutput": {"error": "Boom", "cause": "bad"}},
    )
    assert response["status"] == "CAUGHT_ERROR"
    assert response["nextState"] == "Recover"
    assert json.loads(response["output"]) == {"a": 1, "error": {"Error": "Boom", "Cause": "bad"}}
    assert response["inspectionData"]["errorDetails"] == {"catchIndex": 0}


def test_choice_reports_the_next_state(client):
    state = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}],
        "Default": "Small",
    }
    assert call(client, state, {"n": 9})["nextState"] == "Big"
    assert call(client, state, {"n": 1})["nextState"] == "Small"


def test_state_of_a_machine_by_name_with_variables(client):
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Pass",
                "Output": "{% $greeting & ' ' & $states.input.who %}",
                "End": True,
            }
        },
    }
    response = client.test_state(
        definition=json.dumps(machine),
        stateName="A",
        input='{"who": "world"}',
        variables='{"greeting": "hello"}',
    )
    assert json.loads(response["output"]) == "hello world"


def test_mock_result_checked_against_the_service_model(client):
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::events:putEvents",
        "Parameters": {"Entries": []},
        "End": True,
    }
    with pytest.raises(asl.ApiError) as info:
        call(client, state, mock={"result": json.dumps({"Entries": "not a list"})})
    assert info.value.code == "ValidationException"
    assert (
        info.value.message
        == "Mock result schema validation error: Field 'Entries' must be an array"
    )
    lenient = call(
        client, state, mock={"result": '{"Entries": "x"}', "fieldValidationMode": "NONE"}
    )
    assert lenient["status"] == "SUCCEEDED"


def test_request_errors(client):
    with pytest.raises(asl.ApiError) as info:
        call(client, {"Type": "Parallel", "Branches": [], "End": True})
    assert info.value.code == "InvalidDefinition"
    with pytest.raises(asl.ApiError) as info:
        call(client, {"Type": "Pass", "End": True}, mock={"result": "{}"})
    assert info.value.message == "State type 'Pass' is not supported when a mock is specified"
    with pytest.raises(asl.ApiError) as info:
        call(client, {"Type": "Pass", "End": True}, inspectionLevel="LOUD")
    assert info.value.code == "ValidationException" and "inspectionLevel" in info.value.message


def test_pythonic_test_state_returns_parsed_values():
    result = asl.test_state(
        {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "Next": "Done"},
        {"a": 1, "b": 2},
        inspection_level="TRACE",
    )
    assert result["status"] == "SUCCEEDED"
    assert result["output"] == {"sum": 3}
    assert result["next_state"] == "Done"
    assert result["inspection_data"]["after_parameters"] == {"sum": 3}


def test_error_caused_by_state_must_name_a_state_inside(client):
    parallel = {
        "Type": "Parallel",
        "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": True}}}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
        "End": True,
    }
    mock = {"errorOutput": {"error": "Boom", "cause": "in B1"}}
    caught = call(client, parallel, mock=mock, stateConfiguration={"errorCausedByState": "B1"})
    assert caught["status"] == "CAUGHT_ERROR" and caught["nextState"] == "Handle"
    with pytest.raises(asl.ApiError) as info:
        call(client, parallel, mock=mock, stateConfiguration={"errorCausedByState": "Nope"})
    assert info.value.code == "ValidationException" and "Nope" in info.value.message


def test_the_tested_state_is_state_name_in_the_context_object() -> None:
    # recorded TestState of a machine with stateName "State0": $states.context.State.Name
    # is "StateName"
    machine = {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Next": "State0"},
            "State0": {
                "QueryLanguage": "JSONata",
                "Type": "Pass",
                "Output": "{% $states.context.State.Name %}",
                "End": True,
            },
        },
    }
    response = asl.test_state(machine, {}, state_name="State0")
    assert response["output"] == "StateName"


def test_a_map_shows_its_items_after_items_path_and_item_selector() -> None:
    state = {
        "Type": "Map",
        "ItemsPath": "$.orders",
        "ItemSelector": {"id.$": "$$.Map.Item.Value.id", "index.$": "$$.Map.Item.Index"},
        "ItemBatcher": {"MaxItemsPerBatch": 1, "BatchInput": {"run": 7}},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
        "End": True,
    }
    response = asl.test_state(
        state,
        {"orders": [{"id": "a"}, {"id": "b"}]},
        inspection_level="TRACE",
        mock_result=[1, 2],
    )
    data = response["inspection_data"]
    assert data["after_items_path"] == [{"id": "a"}, {"id": "b"}]
    assert data["after_item_selector"] == [{"id": "a", "index": 0}, {"id": "b", "index": 1}]
    assert data["after_item_batcher"] == [
        {"Items": [{"id": "a", "index": 0}], "BatchInput": {"run": 7}},
        {"Items": [{"id": "b", "index": 1}], "BatchInput": {"run": 7}},
    ]


def test_map_item_reader_data_is_what_the_item_reader_reads() -> None:
    state = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "/rows"},
            "Parameters": {"Bucket": "b", "Key": "k"},
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
        "End": True,
    }
    client = asl.Client()
    try:
        response = client.test_state(
            definition=json.dumps(state),
            input="{}",
            inspectionLevel="TRACE",
            mock={"result": "[]"},
            stateConfiguration={"mapItemReaderData": json.dumps({"rows": [1, 2, 3]})},
        )
    finally:
        client.close()
    assert json.loads(response["inspectionData"]["afterItemsPointer"]) == [1, 2, 3]
