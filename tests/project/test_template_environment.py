"""Project.aws_environment(): moto holding the template's own tables, buckets, queues and
topics, reached by the workflow's integrations and by the functions' boto3 calls."""

from __future__ import annotations

import json

import pytest

import asl

pytest.importorskip("moto")

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}
  Simple:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: key, Type: Number}
  Reports:
    Type: AWS::S3::Bucket
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
  Alerts:
    Type: AWS::SNS::Topic
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Enqueue
        States:
          Enqueue:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters:
              QueueUrl: !Ref Jobs
              MessageGroupId: g
              MessageBody.$: $
            ResultSelector: {sent.$: $.MessageId}
            ResultPath: $.queue
            Next: Report
          Report:
            Type: Task
            Resource: !GetAtt Reporter.Arn
            Next: Alert
          Alert:
            Type: Task
            Resource: arn:aws:states:::sns:publish
            Parameters:
              TopicArn: !Ref Alerts
              Message.$: $
            ResultSelector: {published.$: $.MessageId}
            ResultPath: $.alert
            End: true
  Reporter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Environment:
        Variables:
          BUCKET: !Ref Reports
      InlineCode: |
        import json, os
        import boto3

        def handler(event, context):
            s3 = boto3.client("s3")
            s3.put_object(Bucket=os.environ["BUCKET"], Key="report.json",
                          Body=json.dumps(event))
            return {"report": f"s3://{os.environ['BUCKET']}/report.json"}
"""


def test_the_templates_resources_exist_and_the_workflow_reaches_them(project_dir):
    root = project_dir({"template.yaml": TEMPLATE})
    project = asl.load_template(root / "template.yaml")
    with project.aws_environment() as aws:
        assert aws.created == {
            "Orders": "orders",
            "Simple": "Simple",
            "Reports": "reports",
            "Jobs": "Jobs.fifo",
            "Alerts": "Alerts",
        }
        dynamodb = aws.session.client("dynamodb")
        assert sorted(dynamodb.list_tables()["TableNames"]) == ["Simple", "orders"]
        ex = project.run(input={"job": 1})
        assert ex.status == "SUCCEEDED", ex.cause
        assert ex.output["report"] == "s3://reports/report.json"
        assert ex.output["alert"]["published"]
        body = aws.session.client("s3").get_object(Bucket="reports", Key="report.json")["Body"]
        assert json.loads(body.read())["job"] == 1
        sqs = aws.session.client("sqs")
        url = sqs.get_queue_url(QueueName="Jobs.fifo")["QueueUrl"]
        [message] = sqs.receive_message(QueueUrl=url)["Messages"]
        assert json.loads(message["Body"]) == {"job": 1}


def test_the_environment_is_gone_afterwards(project_dir):
    import os

    root = project_dir({"template.yaml": TEMPLATE})
    project = asl.load_template(root / "template.yaml")
    before = (os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_DEFAULT_REGION"))
    with project.aws_environment():
        assert os.environ["AWS_ACCESS_KEY_ID"] != before[0]  # moto's fake credentials
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    after = (os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_DEFAULT_REGION"))
    assert after == before
    assert project._aws is None


def test_run_outside_the_environment_does_not_forward_integrations(project_dir):
    root = project_dir({"template.yaml": TEMPLATE})
    project = asl.load_template(root / "template.yaml")
    ex = project.run(input={})
    assert ex.status == "FAILED"
    assert ex.error == "States.Runtime"
    assert "No backend for resource 'arn:aws:states:::sqs:sendMessage'" in ex.cause


def test_integration_arn_given_through_a_substitution_reaches_a_simple_table(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Trades:
                Type: AWS::Serverless::SimpleTable
              Trading:
                Type: AWS::Serverless::StateMachine
                Properties:
                  DefinitionUri: trading.asl.json
                  DefinitionSubstitutions:
                    DDBPutItem: !Sub arn:${AWS::Partition}:states:::dynamodb:putItem
                    DDBTable: !Ref Trades
                  Events:
                    Hourly:
                      Type: Schedule
                      Properties: {Schedule: rate(1 hour)}
                  Policies:
                    - DynamoDBWritePolicy: {TableName: !Ref Trades}
            """,
            "trading.asl.json": """
            {"StartAt": "Record",
             "States": {"Record": {
               "Type": "Task", "Resource": "${DDBPutItem}",
               "Parameters": {"TableName": "${DDBTable}",
                              "Item": {"id": {"S.$": "$.id"}, "qty": {"N.$": "States.Format('{}', $.qty)"}}},
               "ResultSelector": {"status.$": "$.SdkHttpMetadata.HttpStatusCode"},
               "End": true}}}
            """,
        }
    )
    project = asl.load_template(root / "template.yaml")
    with project.aws_environment() as aws:
        ex = project.run(input={"id": "t-1", "qty": 3})
        assert ex.output == {"status": 200}, ex.cause
        item = aws.session.client("dynamodb").get_item(
            TableName="Trades", Key={"id": {"S": "t-1"}}
        )["Item"]
    assert item == {"id": {"S": "t-1"}, "qty": {"N": "3"}}
