"""A DynamoDB + SQS workflow run offline against small in-memory handlers."""

from __future__ import annotations

import hashlib
import json
import uuid

import asl
from asl.backends.resources import with_sdk_metadata


class ConditionalCheckFailedException(Exception):
    pass


class FakeAws:
    """Just enough of DynamoDB and SQS for the workflow below."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, dict]] = {"orders": {}}
        self.queues: dict[str, list[str]] = {}

    def resources(self) -> dict:
        return {
            "arn:aws:states:::dynamodb:putItem": self.put_item,
            "arn:aws:states:::dynamodb:getItem": self.get_item,
            "arn:aws:states:::dynamodb:updateItem": self.update_item,
            "arn:aws:states:::sqs:sendMessage": self.send_message,
        }

    def put_item(self, params: dict, context: object) -> dict:
        table = self.tables[params["TableName"]]
        key = params["Item"]["id"]["S"]
        if params.get("ConditionExpression") == "attribute_not_exists(id)" and key in table:
            raise ConditionalCheckFailedException("The conditional request failed")
        table[key] = params["Item"]
        return with_sdk_metadata({})

    def get_item(self, params: dict, context: object) -> dict:
        item = self.tables[params["TableName"]].get(params["Key"]["id"]["S"])
        return with_sdk_metadata({"Item": item} if item else {})

    def update_item(self, params: dict, context: object) -> dict:
        item = self.tables[params["TableName"]][params["Key"]["id"]["S"]]
        item["status"] = params["ExpressionAttributeValues"][":s"]
        return with_sdk_metadata({})

    def send_message(self, params: dict, context: object) -> dict:
        body = params["MessageBody"]
        text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        self.queues.setdefault(params["QueueUrl"], []).append(text)
        md5 = hashlib.md5(text.encode()).hexdigest()
        return with_sdk_metadata({"MD5OfMessageBody": md5, "MessageId": str(uuid.uuid4())})


QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
DEFINITION = {
    "StartAt": "Save",
    "States": {
        "Save": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {
                "TableName": "orders",
                "Item": {"id": {"S.$": "$.id"}, "status": {"S": "NEW"}},
                "ConditionExpression": "attribute_not_exists(id)",
            },
            "ResultPath": None,
            "Catch": [
                {
                    "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                    "ResultPath": "$.error",
                    "Next": "Duplicate",
                }
            ],
            "Next": "Load",
        },
        "Load": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "orders", "Key": {"id": {"S.$": "$.id"}}},
            "ResultSelector": {
                "status.$": "$.Item.status.S",
                "http.$": "$.SdkHttpMetadata.HttpStatusCode",
            },
            "ResultPath": "$.loaded",
            "Next": "Notify",
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl": QUEUE,
                "MessageBody": {"order.$": "$.id", "status.$": "$.loaded.status"},
            },
            "ResultSelector": {"MessageId.$": "$.MessageId"},
            "ResultPath": "$.sent",
            "Next": "MarkSent",
        },
        "MarkSent": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:updateItem",
            "Parameters": {
                "TableName": "orders",
                "Key": {"id": {"S.$": "$.id"}},
                "UpdateExpression": "SET #s = :s",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":s": {"S": "SENT"}},
            },
            "ResultPath": None,
            "End": True,
        },
        "Duplicate": {"Type": "Fail", "Error": "Order.Duplicate", "Cause": "order exists"},
    },
}


def test_dynamodb_and_sqs_workflow_runs_offline():
    aws = FakeAws()
    ex = asl.run(DEFINITION, {"id": "o-1"}, resources=aws.resources())
    assert ex.status == "SUCCEEDED", (ex.error, ex.cause)
    assert ex.output["loaded"] == {"status": "NEW", "http": 200}
    assert aws.queues[QUEUE] == ['{"order":"o-1","status":"NEW"}']
    assert aws.tables["orders"]["o-1"]["status"] == {"S": "SENT"}
    scheduled = [e["taskScheduledEventDetails"] for e in ex.events("TaskScheduled")]
    assert [(s["resourceType"], s["resource"]) for s in scheduled] == [
        ("dynamodb", "putItem"),
        ("dynamodb", "getItem"),
        ("sqs", "sendMessage"),
        ("dynamodb", "updateItem"),
    ]


def test_a_duplicate_is_caught_by_the_service_error_name():
    aws = FakeAws()
    assert asl.run(DEFINITION, {"id": "o-1"}, resources=aws.resources()).succeeded
    ex = asl.run(DEFINITION, {"id": "o-1"}, resources=aws.resources())
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Order.Duplicate", "order exists")
    caught = ex.events("TaskFailed")[0]["taskFailedEventDetails"]
    assert caught["error"] == "DynamoDB.ConditionalCheckFailedException"
    assert len(aws.queues[QUEUE]) == 1
