"""CloudFormation intrinsic functions resolved offline."""

from __future__ import annotations

import json

import pytest

import asl
from asl.project import TemplateError

TEMPLATE = """
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Subnets:
    Type: CommaDelimitedList
    Default: "a,b,c"
Mappings:
  Sizes:
    dev: {Memory: 128}
    prod: {Memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Equals [1, "1"]]
  Either: !Or [!Condition IsProd, !Condition NotProd]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "orders-${Stage}"
      Runtime: nodejs20.x
      Handler: index.handler
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {}
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: alerts}
  Bucket:
    Type: AWS::S3::Bucket
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      Definition:
        StartAt: P
        States:
          P:
            Type: Pass
            Result:
              ref: !Ref Fn
              arn: !GetAtt Fn.Arn
              sub: !Sub "${Fn.Arn}|${AWS::Region}|${AWS::AccountId}|${!Literal}|${!X}"
              subvars: !Sub ["${X}-${Y}", {X: one, Y: !Ref Stage}]
              join: !Join ["/", [a, !Ref Table, !Ref Queue]]
              topic: !Ref Topic
              bucket: !GetAtt Bucket.Arn
              queueArn: !GetAtt Queue.Arn
              if: !If [IsProd, big, small]
              novalue: !If [IsProd, x, !Ref AWS::NoValue]
              both: !Condition Both
              either: !Condition Either
              select: !Select [1, !Ref Subnets]
              split: !Split ["-", "a-b"]
              map: !FindInMap [Sizes, !Ref Stage, Memory]
              b64: !Base64 hi
              azs: !GetAZs ""
              cidr: !Cidr ["10.0.0.0/16", 2, 8]
            End: true
      DefinitionSubstitutions:
        X: substituted
"""


def _result(project_dir, parameters=None):
    root = project_dir({"template.yaml": TEMPLATE})
    project = asl.load_template(root / "template.yaml", parameters=parameters)
    sm = project.state_machines["Machine"]
    return json.loads(sm.definition_text)["States"]["P"]["Result"]


def test_refs_and_attributes_of_the_templates_resources(project_dir):
    result = _result(project_dir)
    assert result["ref"] == "orders-dev"
    assert result["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:orders-dev"
    assert result["join"] == "a/Table/https://sqs.us-east-1.amazonaws.com/123456789012/Queue"
    assert result["topic"] == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert result["bucket"] == "arn:aws:s3:::bucket"
    assert result["queueArn"] == "arn:aws:sqs:us-east-1:123456789012:Queue"


def test_sub_with_attributes_pseudo_parameters_literals_and_placeholders(project_dir):
    result = _result(project_dir)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:orders-dev"
    # ${!X} is the literal ${X}, which DefinitionSubstitutions then fill
    assert result["sub"] == f"{arn}|us-east-1|123456789012|${{Literal}}|substituted"
    assert result["subvars"] == "one-dev"


def test_conditions_select_split_map_base64_azs_cidr(project_dir):
    result = _result(project_dir)
    assert result["if"] == "small"
    assert "novalue" not in result
    assert result["both"] is True and result["either"] is True
    assert result["select"] == "b"
    assert result["split"] == ["a", "b"]
    assert result["map"] == 128
    assert result["b64"] == "aGk="
    assert result["azs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert result["cidr"] == ["10.0.0.0/24", "10.0.1.0/24"]


def test_parameter_overrides_change_names_and_conditions(project_dir):
    result = _result(project_dir, parameters={"Stage": "prod"})
    assert result["ref"] == "orders-prod"
    assert result["if"] == "big"
    assert result["novalue"] == "x"
    assert result["map"] == 1024


def test_a_value_outside_allowed_values_is_refused(project_dir):
    with pytest.raises(TemplateError, match="parameter 'Stage' must be one of"):
        _result(project_dir, parameters={"Stage": "qa"})


def test_a_parameter_without_default_must_be_given(project_dir):
    root = project_dir(
        {
            "t.yaml": """
            Parameters:
              Env: {Type: String}
            Resources:
              M:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  DefinitionString: !Sub '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"${Env}","End":true}}}'
            """
        }
    )
    with pytest.raises(TemplateError, match=r"t\.yaml:2: parameter 'Env' has no Default"):
        asl.load_template(root / "t.yaml")
    project = asl.load_template(root / "t.yaml", parameters={"Env": "test"})
    assert project.run(input={}).output == "test"


def test_ref_to_an_unknown_name_names_the_line(project_dir):
    root = project_dir(
        {
            "t.yaml": """
            Resources:
              M:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  DefinitionSubstitutions:
                    Arn: !GetAtt Missing.Arn
                  DefinitionString: "{}"
            """
        }
    )
    with pytest.raises(TemplateError, match=r"t\.yaml:6: Fn::GetAtt of 'Missing'"):
        asl.load_template(root / "t.yaml")


def test_import_value_needs_a_given_value(project_dir):
    text = """
    Resources:
      M:
        Type: AWS::StepFunctions::StateMachine
        Properties:
          DefinitionSubstitutions:
            Arn: !ImportValue shared-fn-arn
          DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"${Arn}","End":true}}}'
    """
    root = project_dir({"t.yaml": text})
    with pytest.raises(TemplateError, match="Fn::ImportValue 'shared-fn-arn' is an export"):
        asl.load_template(root / "t.yaml")
    project = asl.load_template(root / "t.yaml", parameters={"shared-fn-arn": "x"})
    assert project.run(input={}).output == "x"


def test_sub_of_an_undeclared_name_is_an_error_as_in_cloudformation(project_dir):
    root = project_dir(
        {
            "t.yaml": """
            Resources:
              M:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  DefinitionString: !Sub '{"Comment": "${Nope}"}'
            """
        }
    )
    with pytest.raises(TemplateError, match=r"t\.yaml:5: Ref to 'Nope'"):
        asl.load_template(root / "t.yaml")
