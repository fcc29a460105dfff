"""Terraform configurations: aws_sfn_state_machine definitions and their functions."""

from __future__ import annotations

import pytest

import asl
from asl.project import TemplateError

pytest.importorskip("hcl2")

MAIN_TF = """
variable "stage" {
  default = "dev"
}

variable "wait_seconds" {
  type    = number
  default = 2
}

locals {
  prefix = "orders-${var.stage}"
}

data "aws_region" "current" {}

data "archive_file" "check" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/check.zip"
}

resource "aws_lambda_function" "check" {
  function_name = "${local.prefix}-check"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.check.output_path
  timeout       = 10
  memory_size   = 256
  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.orders.name
      REGION     = data.aws_region.current.name
    }
  }
}

resource "aws_dynamodb_table" "orders" {
  name     = "${local.prefix}-table"
  hash_key = "id"
}

resource "aws_sfn_state_machine" "from_file" {
  name     = "${local.prefix}-flow"
  role_arn = aws_iam_role.sfn.arn
  definition = templatefile("${path.module}/flow.asl.json", {
    check_arn = aws_lambda_function.check.arn
    wait      = var.wait_seconds
  })
}

resource "aws_sfn_state_machine" "heredoc" {
  name       = "heredoc"
  definition = <<EOF
{
  "StartAt": "Check",
  "States": {
    "Check": {"Type": "Task", "Resource": "${aws_lambda_function.check.arn}", "Next": "Gone"}
  }
}
EOF
}

resource "aws_sfn_state_machine" "encoded" {
  name = "encoded"
  type = "EXPRESS"
  definition = jsonencode({
    StartAt = "Say"
    States = {
      Say = {
        Type   = "Pass"
        Result = { table = aws_dynamodb_table.orders.name, n = [1, 2], ok = true }
        End    = true
      }
    }
  })
}

resource "aws_iam_role" "sfn" {
  name = "sfn-role"
}
"""

FLOW = """{
  "StartAt": "Check",
  "States": {
    "Check": {"Type": "Task", "Resource": "${check_arn}", "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": ${wait}, "Next": "Done"},
    "Done": {"Type": "Pass", "Comment": "literal $${kept}", "End": true}
  }
}
"""

APP = """
import os

def handler(event, context):
    return {"table": os.environ["TABLE_NAME"], "region": os.environ["REGION"], "in": event}
"""


@pytest.fixture
def terraform(project_dir):
    return project_dir({"main.tf": MAIN_TF, "flow.asl.json": FLOW, "src/app.py": APP})


def test_templatefile_definition_runs_with_the_configurations_function(terraform):
    project = asl.load_template(terraform / "main.tf")
    sm = project.state_machines["from_file"]
    assert sm.name == "orders-dev-flow"
    assert sm.definition["States"]["Check"]["Resource"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:orders-dev-check"
    )
    assert sm.definition["States"]["Pause"]["Seconds"] == 2
    assert sm.definition["States"]["Done"]["Comment"] == "literal ${kept}"
    fn = project.functions["check"]
    assert fn.code == (terraform / "src").resolve()
    assert (fn.timeout, fn.memory_size) == (10, 256)
    ex = project.run("from_file", {"id": 1})
    assert ex.status == "SUCCEEDED"
    assert ex.output == {"table": "orders-dev-table", "region": "us-east-1", "in": {"id": 1}}


def test_variables_are_given_like_parameter_overrides(terraform):
    project = asl.load_template(terraform, parameters={"stage": "prod"})  # the directory
    assert project.state_machines["from_file"].name == "orders-prod-flow"
    assert project.functions["check"].environment["TABLE_NAME"] == "orders-prod-table"


def test_heredoc_definition_diagnostics_point_at_the_tf_lines(terraform):
    sm = asl.load_template(terraform / "main.tf").state_machines["heredoc"]
    assert sm.definition["States"]["Check"]["Resource"].endswith(":function:orders-dev-check")
    [diagnostic] = [d for d in sm.validate() if d.path == "/States/Check/Next"]
    lines = MAIN_TF.lstrip("\n").splitlines()
    assert '"Next": "Gone"' in lines[diagnostic.line - 1]


def test_templatefile_diagnostics_point_at_the_definition_file(project_dir):
    root = project_dir(
        {
            "main.tf": 'resource "aws_sfn_state_machine" "sm" {\n'
            '  name = "sm"\n'
            '  definition = templatefile("sm.json", {})\n}\n',
            "sm.json": '{"StartAt": "A",\n "States": {\n  "A": {"Type": "Pass", "Next": "B"}}}\n',
        }
    )
    sm = asl.load_template(root / "main.tf").state_machines["sm"]
    assert sm.origin.file == (root / "sm.json").resolve()
    [diagnostic] = [d for d in sm.validate() if d.path == "/States/A/Next"]
    assert diagnostic.line == 3


def test_jsonencode_definition_of_literal_hcl(terraform):
    project = asl.load_template(terraform / "main.tf")
    sm = project.state_machines["encoded"]
    assert sm.type == "EXPRESS"
    assert project.run("encoded").output == {"table": "orders-dev-table", "n": [1, 2], "ok": True}


def test_an_unresolvable_reference_is_named(project_dir):
    root = project_dir(
        {
            "main.tf": 'resource "aws_sfn_state_machine" "sm" {\n'
            '  name = "sm"\n'
            '  definition = templatefile("sm.json", { arn = module.shared.arn })\n}\n',
            "sm.json": "{}",
        }
    )
    with pytest.raises(
        TemplateError,
        match=r"main\.tf: aws_sfn_state_machine\.sm\.definition: "
        r"module\.shared\.arn cannot be resolved offline",
    ):
        asl.load_template(root / "main.tf")


def test_a_template_variable_missing_from_templatefile_is_named(project_dir):
    root = project_dir(
        {
            "main.tf": 'resource "aws_sfn_state_machine" "sm" {\n'
            '  name = "sm"\n  definition = templatefile("sm.json", { a = 1 })\n}\n',
            "sm.json": '{"Comment": "${b}"}',
        }
    )
    with pytest.raises(TemplateError, match=r"\$\{b\} is not among the template's variables \(a\)"):
        asl.load_template(root / "main.tf")


def test_indented_heredoc_and_functions(project_dir):
    root = project_dir(
        {
            "main.tf": """
            variable "items" {
              default = ["a", "b"]
            }
            resource "aws_sfn_state_machine" "indented" {
              name = "i-${length(var.items)}-${upper(element(var.items, 0))}"
              definition = <<-EOT
                {
                  "StartAt": "P",
                  "States": {"P": {"Type": "Pass", "Result": "${var.items[1]}", "End": true}}
                }
              EOT
            }
            """
        }
    )
    project = asl.load_template(root / "main.tf")
    sm = project.state_machines["indented"]
    assert sm.name == "i-2-A"
    assert project.run().output == "b"
    assert sm.validate() == []


def test_an_unsupported_function_is_named(project_dir):
    root = project_dir(
        {
            "main.tf": 'resource "aws_sfn_state_machine" "sm" {\n'
            '  name = "x-${uuid()}"\n  definition = "{}"\n}\n'
        }
    )
    with pytest.raises(TemplateError, match=r"the function uuid\(\) is not supported offline"):
        asl.load_template(root / "main.tf")


def test_the_community_lambda_and_step_functions_modules(project_dir):
    root = project_dir(
        {
            "main.tf": """
            module "check_fn" {
              source        = "terraform-aws-modules/lambda/aws"
              function_name = "check"
              handler       = "app.handler"
              runtime       = "python3.12"
              source_path   = "${path.module}/src"
              environment_variables = {
                MODE = "strict"
              }
            }

            module "flow" {
              source     = "terraform-aws-modules/step-functions/aws"
              name       = "flow"
              definition = templatefile("flow.asl.json", {
                check_arn = module.check_fn.lambda_function_arn
              })
            }
            """,
            "flow.asl.json": '{"StartAt": "C", "States": {"C": {"Type": "Task", '
            '"Resource": "${check_arn}", "End": true}}}',
            "src/app.py": "import os\n\ndef handler(event, context):\n"
            "    return os.environ['MODE']\n",
        }
    )
    project = asl.load_template(root)
    assert project.functions["check_fn"].code == (root / "src").resolve()
    assert project.state_machines["flow"].name == "flow"
    assert project.run("flow").output == "strict"


def test_the_moto_environment_holds_the_configurations_table(project_dir):
    pytest.importorskip("moto")
    root = project_dir(
        {
            "main.tf": """
            resource "aws_dynamodb_table" "orders" {
              name         = "orders"
              billing_mode = "PAY_PER_REQUEST"
              hash_key     = "id"
              attribute {
                name = "id"
                type = "S"
              }
            }

            resource "aws_sfn_state_machine" "record" {
              name = "record"
              definition = jsonencode({
                StartAt = "Put"
                States = {
                  Put = {
                    Type     = "Task"
                    Resource = "arn:aws:states:::dynamodb:putItem"
                    Parameters = {
                      TableName = aws_dynamodb_table.orders.name
                      Item      = { id = { "S.$" = "$.id" } }
                    }
                    ResultSelector = { "code.$" = "$.SdkHttpMetadata.HttpStatusCode" }
                    End = true
                  }
                }
              })
            }
            """
        }
    )
    project = asl.load_template(root / "main.tf")
    with project.aws_environment() as aws:
        assert aws.created == {"aws_dynamodb_table.orders": "orders"}
        assert project.run(input={"id": "o-1"}).output == {"code": 200}
        item = aws.session.client("dynamodb").get_item(
            TableName="orders", Key={"id": {"S": "o-1"}}
        )["Item"]
    assert item == {"id": {"S": "o-1"}}
