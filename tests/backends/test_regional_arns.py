"""Integration ARNs may carry a region and an account, as AWS accepts them."""

from __future__ import annotations

import asl
from asl.backends.base import parse_resource

REGIONAL = "arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject"


def test_a_regional_integration_arn_is_an_integration() -> None:
    resource = parse_resource(REGIONAL)
    assert (resource.kind, resource.service, resource.api) == (
        "integration",
        "aws-sdk:s3",
        "getObject",
    )
    assert (resource.region, resource.account) == ("us-east-1", "123456789012")
    half = parse_resource("arn:aws:states:us-east-1::aws-sdk:s3:getObject")
    assert half.kind == "other"


def test_a_handler_registered_without_region_runs_a_regional_arn() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:us-east-1:123456789012:sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            },
        },
    }

    def send(params, context):
        asl.send_task_success(params["MessageBody"]["token"], {"done": True})
        return {"MessageId": "m"}

    ex = asl.run(definition, {}, resources={"arn:aws:states:::sqs:sendMessage": send})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == {"done": True}
    assert asl.validate(definition) == []
