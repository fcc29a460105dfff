"""The template shapes real projects use: each loads, runs with its own functions, and
reports diagnostics at the lines of the file the definition is written in."""

from __future__ import annotations

import json

import pytest

import asl

HANDLER = """
import os

def handler(event, context):
    return {"from": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "stage": os.environ.get("STAGE"),
            "input": event}
"""


def test_sam_definition_uri_with_definition_substitutions(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  DefinitionUri: statemachine/flow.asl.json
                  DefinitionSubstitutions:
                    WorkArn: !GetAtt Work.Arn
                    Wait: 3
              Work:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handler
                  Runtime: python3.12
            """,
            "statemachine/flow.asl.json": """
            {"StartAt": "Work",
             "States": {
               "Work": {"Type": "Task", "Resource": "${WorkArn}", "Next": "Pause"},
               "Pause": {"Type": "Wait", "Seconds": ${Wait}, "End": true}}}
            """,
            "src/app.py": HANDLER,
        }
    )
    project = asl.load_template(root / "template.yaml")
    sm = project.state_machines["Flow"]
    assert sm.name == "Flow"
    assert sm.arn == "arn:aws:states:us-east-1:123456789012:stateMachine:Flow"
    assert sm.definition["States"]["Work"]["Resource"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:Work"
    )
    assert sm.definition["States"]["Pause"]["Seconds"] == 3
    ex = project.run("Flow", {"n": 1})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"from": "Work", "stage": None, "input": {"n": 1}}


def test_definition_uri_diagnostics_point_at_the_definition_file(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  DefinitionUri: flow.asl.json
            """,
            "flow.asl.json": """
            {"StartAt": "A",
             "States": {
               "A": {"Type": "Pass", "Next": "Missing"}}}
            """,
        }
    )
    sm = asl.load_template(root / "template.yaml").state_machines["Flow"]
    [diagnostic] = [d for d in sm.validate() if d.path == "/States/A/Next"]
    assert diagnostic.severity == "error"
    assert sm.origin.file == (root / "flow.asl.json").resolve()
    assert diagnostic.line == 3


def test_sam_inline_definition_with_intrinsics_and_globals(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Parameters:
              Stage: {Type: String, Default: test}
            Globals:
              Function:
                Runtime: python3.11
                Timeout: 7
                MemorySize: 512
                Environment:
                  Variables:
                    STAGE: !Ref Stage
                    SHARED: global
            Resources:
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  Type: EXPRESS
                  Definition:
                    StartAt: Call
                    States:
                      Call:
                        Type: Task
                        Resource: arn:aws:states:::lambda:invoke
                        Parameters:
                          FunctionName: !Ref Work
                          Payload.$: $
                        OutputPath: $.Payload
                        End: true
              Work:
                Type: AWS::Serverless::Function
                Properties:
                  FunctionName: !Sub work-${Stage}
                  CodeUri: src
                  Handler: app.handler
                  Timeout: 9
                  Environment:
                    Variables:
                      OWN: mine
            """,
            "src/app.py": HANDLER,
        }
    )
    project = asl.load_template(root / "template.yaml")
    work = project.functions["Work"]
    # SAM's Globals: scalars are overridden, maps merged
    assert (work.runtime, work.timeout, work.memory_size) == ("python3.11", 9, 512)
    assert work.environment == {"STAGE": "test", "SHARED": "global", "OWN": "mine"}
    assert project.state_machines["Flow"].type == "EXPRESS"
    assert list(project.functions_called_by("Flow")) == ["Work"]
    ex = project.run(input={"k": "v"})
    assert ex.output == {"from": "work-test", "stage": "test", "input": {"k": "v"}}


def test_inline_definition_diagnostics_point_at_the_template_lines(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  Definition:
                    StartAt: A
                    States:
                      A:
                        Type: Pass
                        Next: Nowhere
            """
        }
    )
    sm = asl.load_template(root / "template.yaml").state_machines["Flow"]
    [diagnostic] = [d for d in sm.validate() if d.path == "/States/A/Next"]
    assert (diagnostic.line, diagnostic.column) == (10, 19)
    with pytest.raises(asl.DefinitionError) as raised:
        sm.parse()
    assert 10 in [d.line for d in raised.value.diagnostics]


def test_cloudformation_definition_string_with_fn_sub(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              Flow:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  StateMachineName: !Sub "${AWS::StackName}-flow"
                  DefinitionString: !Sub |
                    {
                      "StartAt": "Work",
                      "States": {
                        "Work": {"Type": "Task", "Resource": "${Work.Arn}", "Next": "Bad"}
                      }
                    }
              Work:
                Type: AWS::Lambda::Function
                Properties:
                  Runtime: python3.12
                  Handler: index.handler
                  Code:
                    ZipFile: |
                      def handler(event, context):
                          return event["x"] * 2
            """
        }
    )
    project = asl.load_template(root / "template.yaml", stack_name="shop")
    sm = project.state_machines["Flow"]
    assert sm.name == "shop-flow"
    [diagnostic] = [d for d in sm.validate() if d.path == "/States/Work/Next"]
    # the block scalar starts on line 7: "Next": "Bad" is its 4th line
    assert diagnostic.line == 10
    fixed = sm.definition_text.replace('"Next": "Bad"', '"End": true')
    assert "Work" in fixed
    assert project.functions["Work"].code is not None
    assert (project.functions["Work"].code / "index.py").is_file()


def test_zipfile_function_runs(project_dir):
    root = project_dir(
        {
            "template.json": json.dumps(
                {
                    "Resources": {
                        "Flow": {
                            "Type": "AWS::StepFunctions::StateMachine",
                            "Properties": {
                                "DefinitionString": {
                                    "Fn::Sub": '{"StartAt":"W","States":{"W":{"Type":"Task",'
                                    '"Resource":"${Work.Arn}","End":true}}}'
                                }
                            },
                        },
                        "Work": {
                            "Type": "AWS::Lambda::Function",
                            "Properties": {
                                "Runtime": "python3.12",
                                "Handler": "index.handler",
                                "Code": {"ZipFile": "def handler(e, c):\n    return e * 2\n"},
                            },
                        },
                    }
                },
                indent=2,
            )
        }
    )
    assert asl.load_template(root / "template.json").run(input=21).output == 42


CDK_TEMPLATE = {
    "Resources": {
        "HelloFnServiceRole1E0D4D68": {"Type": "AWS::IAM::Role", "Properties": {}},
        "HelloFn9270CBC0": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {
                    "S3Bucket": {
                        "Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
                    },
                    "S3Key": "0a1b2c.zip",
                },
                "Role": {"Fn::GetAtt": ["HelloFnServiceRole1E0D4D68", "Arn"]},
                "Environment": {"Variables": {"GREETING": "hello"}},
                "Handler": "index.handler",
                "Runtime": "python3.12",
                "Layers": [{"Ref": "SharedLayer5E1B2D01"}],
            },
            "DependsOn": ["HelloFnServiceRole1E0D4D68"],
            "Metadata": {"aws:asset:path": "asset.0a1b2c", "aws:asset:property": "Code"},
        },
        "SharedLayer5E1B2D01": {
            "Type": "AWS::Lambda::LayerVersion",
            "Properties": {
                "Content": {"S3Bucket": "b", "S3Key": "3d4e.zip"},
                "CompatibleRuntimes": ["python3.12"],
            },
            "Metadata": {"aws:asset:path": "asset.3d4e", "aws:asset:property": "Content"},
        },
        "StateMachine2E01A3A5": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "DefinitionString": {
                    "Fn::Join": [
                        "",
                        [
                            '{"StartAt":"Hello","States":{"Hello":{"End":true,"Type":"Task",'
                            '"OutputPath":"$.Payload","Resource":"arn:',
                            {"Ref": "AWS::Partition"},
                            ':states:::lambda:invoke","Parameters":{"FunctionName":"',
                            {"Fn::GetAtt": ["HelloFn9270CBC0", "Arn"]},
                            '","Payload.$":"$"}}}}',
                        ],
                    ]
                },
                "RoleArn": {"Fn::GetAtt": ["StateMachineRoleB840431D", "Arn"]},
            },
        },
        "StateMachineRoleB840431D": {"Type": "AWS::IAM::Role", "Properties": {}},
    },
    "Parameters": {
        "BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/cdk-bootstrap/hnb659fds/version",
        }
    },
}


def test_cdk_synth_output_with_assets_and_layers(project_dir):
    root = project_dir(
        {
            "cdk.out/HelloStack.template.json": json.dumps(CDK_TEMPLATE, indent=1),
            "cdk.out/asset.0a1b2c/index.py": (
                "import os\nfrom greetings import shout\n\n"
                "def handler(event, context):\n"
                "    return shout(os.environ['GREETING'] + ' ' + event['name'])\n"
            ),
            "cdk.out/asset.3d4e/python/greetings.py": "def shout(s):\n    return s.upper()\n",
        }
    )
    project = asl.load_template(root / "cdk.out")  # the directory's one template
    assert list(project.state_machines) == ["StateMachine2E01A3A5"]
    fn = project.functions["HelloFn9270CBC0"]
    assert fn.code == (root / "cdk.out/asset.0a1b2c").resolve()
    assert fn.layers == ((root / "cdk.out/asset.3d4e").resolve(),)
    assert project.run(input={"name": "cdk"}).output == "HELLO CDK"


def test_other_runtimes_are_reported_with_the_way_out(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  Definition:
                    StartAt: W
                    States:
                      W: {Type: Task, Resource: !GetAtt Node.Arn, End: true}
              Node:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: src, Handler: index.handler, Runtime: nodejs20.x}
              No:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: src, Handler: index.handler, Runtime: java21}
            """
        }
    )
    project = asl.load_template(root / "template.yaml")
    assert project.functions["Node"].unsupported == "uses nodejs20.x"
    assert list(project.functions_called_by()) == ["Node"]  # not "No", a prefix of its name
    with pytest.raises(
        asl.ConfigurationError,
        match=r"function Node \(Node\) uses nodejs20.x: "
        r"give a Python stand-in with functions=\{'Node': handler\} or mock",
    ):
        project.run(input={})
    ex = project.run(input={"a": 1}, functions={"Node": lambda event, context: {"js": event}})
    assert ex.output == {"js": {"a": 1}}


def test_several_state_machines_need_a_choice(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              One:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  Definition: {StartAt: P, States: {P: {Type: Pass, Result: 1, End: true}}}
              Two:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  StateMachineName: second
                  Definition: {StartAt: P, States: {P: {Type: Pass, Result: 2, End: true}}}
            """
        }
    )
    project = asl.load_template(root / "template.yaml")
    with pytest.raises(asl.ConfigurationError, match="choose one of One, Two"):
        project.run(input={})
    assert project.run("Two").output == 2
    assert project.run("second").output == 2  # by physical name too


def test_nested_state_machines_of_the_template_can_be_started(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              Parent:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  Definition:
                    StartAt: Child
                    States:
                      Child:
                        Type: Task
                        Resource: arn:aws:states:::states:startExecution.sync:2
                        Parameters:
                          StateMachineArn: !Ref Child
                          Input: {x: 1}
                        OutputPath: $.Output
                        End: true
              Child:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  Definition: {StartAt: P, States: {P: {Type: Pass, Result: child, End: true}}}
            """
        }
    )
    assert asl.load_template(root / "template.yaml").run("Parent").output == "child"


def test_resources_with_a_false_condition_are_left_out(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Parameters:
              WithDebug: {Type: String, Default: "false"}
            Conditions:
              Debug: !Equals [!Ref WithDebug, "true"]
            Resources:
              DebugFlow:
                Type: AWS::StepFunctions::StateMachine
                Condition: Debug
                Properties:
                  Definition: {StartAt: P, States: {P: {Type: Pass, End: true}}}
            """
        }
    )
    assert asl.load_template(root / "template.yaml").state_machines == {}
    with_debug = asl.load_template(root / "template.yaml", parameters={"WithDebug": "true"})
    assert list(with_debug.state_machines) == ["DebugFlow"]


def test_substitutions_argument_fills_placeholders(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              Flow:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  DefinitionString: '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"${Who}","End":true}}}'
            """
        }
    )
    project = asl.load_template(root / "template.yaml")
    assert project.state_machines["Flow"].unsubstituted == ("Who",)
    given = asl.load_template(root / "template.yaml", substitutions={"Who": "me"})
    assert given.run().output == "me"
