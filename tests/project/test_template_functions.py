"""Details of reading functions from templates: SAM Globals, code locations, layers."""

from __future__ import annotations

import zipfile

import asl
from asl.project.cloudformation import _merge_globals


def test_globals_merge_as_sam_merges_them():
    merged = _merge_globals(
        {
            "Timeout": 3,
            "Layers": ["arn:global"],
            "Environment": {"Variables": {"A": "global", "B": "global"}},
            "Tags": {"Fn::If": ["C", {"x": 1}, {"y": 2}]},
        },
        {
            "Timeout": 9,
            "Layers": ["arn:own"],
            "Environment": {"Variables": {"B": "own"}},
            "Tags": {"z": 3},
        },
    )
    assert merged["Timeout"] == 9
    assert merged["Layers"] == ["arn:global", "arn:own"]
    assert merged["Environment"] == {"Variables": {"A": "global", "B": "own"}}
    assert merged["Tags"] == {"z": 3}  # an intrinsic is replaced, never merged into


def test_code_from_a_zip_archive_and_from_s3(project_dir, tmp_path):
    root = project_dir(
        {
            "template.yaml": """
            Globals:
              Function: {Runtime: python3.12, Handler: app.handler}
            Resources:
              Zipped:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: build/fn.zip}
              Remote:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: s3://bucket/key.zip}
              Image:
                Type: AWS::Serverless::Function
                Properties: {PackageType: Image, ImageUri: repo:latest}
              External:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src
                  Layers: [arn:aws:lambda:us-east-1:017000801446:layer:Powertools:1]
            """,
            "src/app.py": "def handler(event, context):\n    return 'src'\n",
        }
    )
    (root / "build").mkdir()
    with zipfile.ZipFile(root / "build" / "fn.zip", "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'zipped'\n")
    project = asl.load_template(root / "template.yaml")
    zipped = project.functions["Zipped"]
    assert zipped.code is not None and (zipped.code / "app.py").is_file()
    assert project.functions["Remote"].unsupported == 'has its code in S3 ("s3://bucket/key.zip")'
    assert project.functions["Image"].unsupported == "is a container image"
    assert project.functions["External"].layers == ()
    assert project.warnings == [
        "function External: layer arn:aws:lambda:us-east-1:017000801446:layer:Powertools:1 "
        "is not in the template; its code is not available offline"
    ]
    runtime = project.lambda_runtime()
    try:
        assert runtime.invoke("Zipped", {}).payload == b'"zipped"'
        assert not runtime.has_function("Remote")
    finally:
        runtime.close()
    project.close()
    assert not zipped.code.exists()  # the scratch directory is removed


def test_inline_code_is_index_py_as_cloudformation_writes_it(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              Good:
                Type: AWS::Lambda::Function
                Properties:
                  Runtime: python3.12
                  Handler: index.handler
                  ReservedConcurrentExecutions: 2
                  Code:
                    ZipFile: "def handler(event, context):\\n    return 'inline'\\n"
              Misnamed:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.handler
                  InlineCode: "def handler(event, context):\\n    return 'never'\\n"
            """
        }
    )
    project = asl.load_template(root / "template.yaml")
    assert project.functions["Good"].reserved_concurrency == 2
    runtime = project.lambda_runtime()
    try:
        assert runtime.invoke("Good", {}).payload == b'"inline"'
        assert runtime.get_function("Good").reserved_concurrency == 2
        result = runtime.invoke("Misnamed", {})
        assert result.function_error == "Unhandled"
        assert b"Runtime.ImportModuleError" in result.payload
    finally:
        runtime.close()
        project.close()


def test_auto_publish_alias_refs_invoke_the_alias(project_dir):
    root = project_dir(
        {
            "template.yaml": """
            Globals:
              Function: {AutoPublishAlias: live, Runtime: python3.12}
            Resources:
              Flow:
                Type: AWS::Serverless::StateMachine
                Properties:
                  DefinitionUri: flow.json
                  DefinitionSubstitutions:
                    AliasArn: !Ref Work.Alias
                    VersionArn: !Ref Work.Version
              Work:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src
                  Handler: app.handler
            """,
            "flow.json": """
            {"StartAt": "A", "States": {
              "A": {"Type": "Task", "Resource": "${AliasArn}", "ResultPath": "$.a", "Next": "V"},
              "V": {"Type": "Task", "Resource": "${VersionArn}", "ResultPath": "$.v", "End": true}}}
            """,
            "src/app.py": "def handler(event, context):\n    return context.invoked_function_arn\n",
        }
    )
    project = asl.load_template(root / "template.yaml")
    assert project.functions["Work"].alias == "live"
    arn = "arn:aws:lambda:us-east-1:123456789012:function:Work"
    assert project.run(input={}).output == {"a": f"{arn}:live", "v": f"{arn}:1"}
