"""Physical names and ARNs of a template's resources, as a deployment would give them
(offline: a resource without an explicit name is named after its logical id)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["Naming"]

# resource type -> the property holding its physical name
_NAME_PROPERTIES = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::Serverless::StateMachine": "Name",
    "AWS::StepFunctions::Activity": "Name",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::DynamoDB::GlobalTable": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::IAM::Role": "RoleName",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SSM::Parameter": "Name",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::Glue::Job": "Name",
}

_FUNCTIONS = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_TABLES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable")
_STATE_MACHINES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
_LAYERS = ("AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion")


class Naming:
    """Names, ``Ref`` values and ``Fn::GetAtt`` attributes of resources."""

    def __init__(
        self,
        resources: dict[str, Any],
        *,
        region: str,
        account_id: str,
        stack_name: str,
    ):
        self.resources = resources
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        # set by the Resolver's owner: resolves a property value found at a pointer
        self.resolve: Callable[[Any, str], Any] = lambda value, where: value
        self._names: dict[str, str] = {}

    def pseudo(self, name: str) -> Any:
        """A pseudo parameter's value, or None."""
        values: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:"
            f"stack/{self.stack_name}/00000000-0000-0000-0000-000000000000",
            "AWS::NotificationARNs": [],
        }
        return values.get(name)

    def kind(self, logical: str) -> str:
        resource = self.resources.get(logical)
        return str(resource.get("Type", "")) if isinstance(resource, dict) else ""

    def name(self, logical: str) -> str:
        """The physical name: the resource's name property, else its logical id."""
        if logical in self._names:
            return self._names[logical]
        kind = self.kind(logical)
        prop = _NAME_PROPERTIES.get(kind)
        properties = (self.resources.get(logical) or {}).get("Properties") or {}
        name = logical
        if prop and prop in properties:
            self._names[logical] = logical  # guards against a name that refers to itself
            value = self.resolve(properties[prop], f"/Resources/{logical}/Properties/{prop}")
            name = str(value)
        elif kind == "AWS::S3::Bucket":
            name = re.sub(r"[^a-z0-9.-]", "-", logical.lower())
        if kind == "AWS::SQS::Queue" and properties.get("FifoQueue") in (True, "true"):
            name = name if name.endswith(".fifo") else name + ".fifo"
        self._names[logical] = name
        return name

    def arn(self, logical: str) -> str:
        """The resource's ARN."""
        kind, name = self.kind(logical), self.name(logical)
        r, a = self.region, self.account_id
        if kind in _FUNCTIONS:
            return f"arn:aws:lambda:{r}:{a}:function:{name}"
        if kind in _STATE_MACHINES:
            return f"arn:aws:states:{r}:{a}:stateMachine:{name}"
        if kind == "AWS::StepFunctions::Activity":
            return f"arn:aws:states:{r}:{a}:activity:{name}"
        if kind in _TABLES:
            return f"arn:aws:dynamodb:{r}:{a}:table/{name}"
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{name}"
        if kind == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{r}:{a}:{name}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{r}:{a}:{name}"
        if kind in _LAYERS:
            return f"arn:aws:lambda:{r}:{a}:layer:{name}:1"
        if kind == "AWS::IAM::Role":
            return f"arn:aws:iam::{a}:role/{name}"
        if kind == "AWS::Events::EventBus":
            return f"arn:aws:events:{r}:{a}:event-bus/{name}"
        if kind == "AWS::Events::Rule":
            return f"arn:aws:events:{r}:{a}:rule/{name}"
        if kind == "AWS::Logs::LogGroup":
            return f"arn:aws:logs:{r}:{a}:log-group:{name}:*"
        service = kind.split("::")[1].lower() if kind.count("::") == 2 else "resource"
        return f"arn:aws:{service}:{r}:{a}:{name}"

    def queue_url(self, logical: str) -> str:
        return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{self.name(logical)}"

    def ref(self, logical: str) -> str:
        """What ``Ref`` of the resource returns (a name, a URL or an ARN, by type)."""
        kind = self.kind(logical)
        if kind == "AWS::SQS::Queue":
            return self.queue_url(logical)
        if kind in (*_STATE_MACHINES, "AWS::SNS::Topic", "AWS::StepFunctions::Activity", *_LAYERS):
            return self.arn(logical)
        return self.name(logical)

    def attribute(self, logical: str, attribute: str) -> Any:
        """What ``Fn::GetAtt`` of the resource returns."""
        kind, name = self.kind(logical), self.name(logical)
        if (
            attribute == "Arn"
            or attribute.endswith("Arn")
            and attribute
            in (
                "TopicArn",
                "StateMachineArn",
                "LayerVersionArn",
            )
        ):
            return self.arn(logical)
        if attribute == "StreamArn":
            return f"{self.arn(logical)}/stream/2024-01-01T00:00:00.000"
        if attribute in ("Name", "QueueName", "TopicName", "StateMachineName", "TableName"):
            return name
        if attribute == "QueueUrl":
            return self.queue_url(logical)
        if kind == "AWS::S3::Bucket":
            if attribute == "DomainName":
                return f"{name}.s3.amazonaws.com"
            if attribute == "RegionalDomainName":
                return f"{name}.s3.{self.region}.amazonaws.com"
            if attribute == "WebsiteURL":
                return f"http://{name}.s3-website-{self.region}.amazonaws.com"
        if attribute in ("RoleId", "Id"):
            return f"{logical.upper()}ID"
        return f"{self.arn(logical)}/{attribute}"
