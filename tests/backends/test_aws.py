"""Forwarding Task resources with boto3, against moto's in-process AWS (skipped without)."""

from __future__ import annotations

import json
import time

import pytest

import asl

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from asl.backends.aws import AwsBackend  # noqa: E402

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with moto.mock_aws():
        yield AwsBackend(region_name=REGION)


def test_dynamodb_and_sqs_steps_with_real_shapes(aws):
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue_url = aws.client("sqs").create_queue(QueueName="orders")["QueueUrl"]
    definition = {
        "StartAt": "PutItem",
        "States": {
            "PutItem": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "orders", "Item.$": "$.Item"},
                "ResultPath": "$.putItemOutput",
                "Next": "GetItem",
            },
            "GetItem": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "orders", "Key.$": "$.Key"},
                "ResultPath": "$.getItemOutput",
                "Next": "Send",
            },
            "Send": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": queue_url, "MessageBody.$": "$.getItemOutput.Item"},
                "ResultSelector": {"MessageId.$": "$.MessageId", "MD5.$": "$.MD5OfMessageBody"},
                "End": True,
            },
        },
    }
    item = {"data": {"S": "string-literal"}, "id": {"S": "id1"}}
    ex = asl.run(
        definition,
        {"Item": item, "Key": {"id": {"S": "id1"}}},
        resources=aws.resources(
            "arn:aws:states:::dynamodb:putItem",
            "arn:aws:states:::dynamodb:getItem",
            "arn:aws:states:::sqs:sendMessage",
        ),
    )
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    get_item = json.loads(ex.events("TaskSucceeded")[1]["taskSucceededEventDetails"]["output"])
    assert get_item["Item"] == item
    assert get_item["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert set(get_item) == {"Item", "SdkHttpMetadata", "SdkResponseMetadata"}
    messages = aws.client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    assert json.loads(messages[0]["Body"]) == item
    assert ex.output["MessageId"] == messages[0]["MessageId"]


def test_service_errors_are_named_and_catchable(aws):
    definition = {
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "no-such-bucket", "Key": "k"},
                "Catch": [{"ErrorEquals": ["S3.NoSuchBucketException"], "Next": "Missing"}],
                "End": True,
            },
            "Missing": {"Type": "Pass", "End": True},
        },
    }
    ex = asl.run(definition, {}, resources=aws.resources("arn:aws:states:::aws-sdk:s3:getObject"))
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output["Error"] == "S3.NoSuchBucketException"
    assert "(Service: S3, Status Code: 404" in ex.output["Cause"]


def test_aws_sdk_results_are_bare_and_streams_are_read(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="asl-bucket")
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                "Parameters": {"Bucket": "asl-bucket", "Key": "k", "Body": "hello"},
                "Next": "Get",
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "asl-bucket", "Key": "k"},
                "ResultSelector": {"Body.$": "$.Body"},
                "End": True,
            },
        },
    }
    arns = ("arn:aws:states:::aws-sdk:s3:putObject", "arn:aws:states:::aws-sdk:s3:getObject")
    ex = asl.run(definition, {}, resources=aws.resources(*arns))
    assert ex.output == {"Body": "hello"}
    put = json.loads(ex.events("TaskSucceeded")[0]["taskSucceededEventDetails"]["output"])
    assert "SdkHttpMetadata" not in put and "ETag" in put


def test_sqs_callback_forwarded_then_answered(aws):
    queue_url = aws.client("sqs").create_queue(QueueName="callbacks")["QueueUrl"]
    arn = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    definition = {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task",
                "Resource": arn,
                "Parameters": {"QueueUrl": queue_url, "MessageBody": {"t.$": "$$.Task.Token"}},
                "Next": "Consume",
            },
            "Consume": {"Type": "Pass", "End": True},
        },
    }

    def consume_queue_then_answer(parameters, context):
        # the branches race (the Wait is virtual): poll until the message is there
        for _ in range(500):
            messages = aws.client("sqs").receive_message(QueueUrl=queue_url).get("Messages")
            if messages:
                break
            time.sleep(0.01)
        body = messages[0]["Body"]
        from asl.backends.callbacks import send_task_success

        send_task_success(json.loads(body)["t"], {"consumed": True})
        return None

    # the consumer runs as a second branch, polling the real (moto) queue
    parallel = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    definition,
                    {
                        "StartAt": "Pause",
                        "States": {
                            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Answer"},
                            "Answer": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::aws-sdk:sqs:receiveMessage",
                                "End": True,
                            },
                        },
                    },
                ],
                "End": True,
            }
        },
    }
    ex = asl.run(
        parallel,
        {},
        resources={
            **aws.resources(arn),
            "arn:aws:states:::aws-sdk:sqs:receiveMessage": consume_queue_then_answer,
        },
    )
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output[0] == {"consumed": True}
    submitted = json.loads(ex.events("TaskSubmitted")[0]["taskSubmittedEventDetails"]["output"])
    assert "MessageId" in submitted and "SdkHttpMetadata" in submitted


def test_only_service_integrations_can_be_forwarded(aws):
    with pytest.raises(asl.ConfigurationError):
        aws.resources("arn:aws:states:::states:startExecution.sync")


def _table(aws, name: str = "orders") -> None:
    aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _put(resource: str, item: dict) -> dict:
    return {
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"TableName": "orders", "Item": item},
                "End": True,
            }
        },
    }


@pytest.mark.parametrize(
    ("resource", "error"),
    [
        # AWS-authored samples catch this name for a DynamoDB ValidationException
        ("arn:aws:states:::dynamodb:putItem", "DynamoDB.AmazonDynamoDBException"),
        ("arn:aws:states:::aws-sdk:dynamodb:putItem", "DynamoDb.DynamoDbException"),
    ],
)
def test_an_unmodeled_service_error_is_named_after_the_sdk_base_exception(aws, resource, error):
    _table(aws)
    # a key attribute of the wrong type: DynamoDB answers ValidationException
    ex = asl.run(_put(resource, {"id": {"N": "1"}}), {}, resources=aws.resources(resource))
    assert (ex.status, ex.error) == ("FAILED", error)
    assert "Status Code: 400" in ex.cause


def test_a_request_botocore_refuses_is_not_named_after_botocore(aws):
    _table(aws)
    # botocore's own parameter check (an Item that is not a map) never reaches AWS
    put = "arn:aws:states:::dynamodb:putItem"
    ex = asl.run(_put(put, "not a map"), {}, resources=aws.resources(put))  # type: ignore[arg-type]
    assert ex.error == "DynamoDB.AmazonDynamoDBException"
    assert "ParamValidationError" not in ex.error
