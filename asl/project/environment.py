"""An in-memory AWS (moto) holding a template's own tables, buckets, queues and topics.

Used through `Project.aws_environment()`: the workflow's service integrations go to it
through `asl.backends.aws.AwsBackend`, and the functions' boto3 calls reach it too, since
moto patches botocore for the whole process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asl.errors import ConfigurationError

__all__ = ["AwsEnvironment", "SERVICE_TYPES"]

SERVICE_TYPES = (
    "AWS::DynamoDB::Table",
    "AWS::Serverless::SimpleTable",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
)


class AwsEnvironment:
    """The running mock: ``session`` (boto3), ``created`` (logical id -> physical name)."""

    def __init__(self, project: Any, session: Any):
        from asl.backends.aws import AwsBackend

        self.project = project
        self.session = session
        self.backend = AwsBackend(session, region_name=project.region)
        self.created: dict[str, str] = {}

    @classmethod
    @contextmanager
    def start(cls, project: Any) -> Iterator[AwsEnvironment]:
        try:
            import boto3
            import moto
        except ImportError:
            raise ConfigurationError(
                "aws_environment() needs moto and boto3: pip install moto boto3"
            ) from None
        saved = os.environ.get("AWS_DEFAULT_REGION")
        os.environ["AWS_DEFAULT_REGION"] = project.region
        try:
            with moto.mock_aws():  # it also puts fake credentials in the environment
                environment = cls(project, boto3.session.Session(region_name=project.region))
                environment.create_resources()
                yield environment
        finally:
            if saved is None:
                os.environ.pop("AWS_DEFAULT_REGION", None)
            else:
                os.environ["AWS_DEFAULT_REGION"] = saved

    def create_resources(self) -> None:
        """Create each of the template's tables, buckets, queues and topics."""
        naming = self.project._contents.naming
        for logical, resource in self.project.resources.items():
            kind = resource.get("Type")
            if kind not in SERVICE_TYPES or naming is None:
                continue
            properties = naming.resolve(
                resource.get("Properties") or {}, f"/Resources/{logical}/Properties"
            )
            name = naming.name(logical)
            create = {
                "AWS::DynamoDB::Table": self._table,
                "AWS::Serverless::SimpleTable": self._simple_table,
                "AWS::S3::Bucket": self._bucket,
                "AWS::SQS::Queue": self._queue,
                "AWS::SNS::Topic": self._topic,
            }[str(kind)]
            create(name, properties)
            self.created[logical] = name

    def _table(self, name: str, properties: dict[str, Any]) -> None:
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": properties.get("KeySchema") or [],
            "AttributeDefinitions": properties.get("AttributeDefinitions") or [],
        }
        throughput = properties.get("ProvisionedThroughput")
        if throughput:
            request["ProvisionedThroughput"] = {k: int(v) for k, v in throughput.items()}
        else:
            request["BillingMode"] = "PAY_PER_REQUEST"
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
            if properties.get(key):
                request[key] = properties[key]
        self.backend.client("dynamodb").create_table(**request)

    def _simple_table(self, name: str, properties: dict[str, Any]) -> None:
        key = properties.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        kind = {"String": "S", "Number": "N", "Binary": "B"}.get(str(key.get("Type")), "S")
        self._table(
            name,
            {
                "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": kind}],
            },
        )

    def _bucket(self, name: str, properties: dict[str, Any]) -> None:
        client = self.backend.client("s3")
        if self.project.region == "us-east-1":
            client.create_bucket(Bucket=name)
        else:
            client.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": self.project.region},
            )

    def _queue(self, name: str, properties: dict[str, Any]) -> None:
        attributes = {
            key: str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in properties.items()
            if key
            in (
                "FifoQueue",
                "ContentBasedDeduplication",
                "VisibilityTimeout",
                "DelaySeconds",
                "MessageRetentionPeriod",
            )
        }
        self.backend.client("sqs").create_queue(QueueName=name, Attributes=attributes)

    def _topic(self, name: str, properties: dict[str, Any]) -> None:
        self.backend.client("sns").create_topic(Name=name)

    def resources_for(self, definition: Any) -> dict[str, Any]:
        """A ``resources=`` mapping forwarding the definition's service integrations
        (request-response and ``.waitForTaskToken``) to the mock."""
        arns = sorted(set(_integration_arns(definition)))
        return self.backend.resources(*arns) if arns else {}


_OWN_BACKENDS = ("arn:aws:states:::lambda:", "arn:aws:states:::states:")


def _integration_arns(value: Any) -> Iterator[str]:
    """The service-integration Task resources in a definition (Lambda and nested
    executions excepted: asl runs those itself)."""
    if isinstance(value, dict):
        resource = value.get("Resource")
        if (
            value.get("Type") == "Task"
            and isinstance(resource, str)
            and resource.startswith("arn:aws:states:::")
            and not resource.startswith(_OWN_BACKENDS)
            and not resource.endswith((".sync", ".sync:2"))
            and not resource.startswith("arn:aws:states:::aws-sdk:sfn:")
        ):
            yield resource
        for item in value.values():
            yield from _integration_arns(item)
    elif isinstance(value, list):
        for item in value:
            yield from _integration_arns(item)
