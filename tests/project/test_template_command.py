"""``asl run TEMPLATE`` and ``asl validate TEMPLATE``."""

from __future__ import annotations

import json

import pytest

from asl.cli import main
from asl.project.command import is_template, parameter_overrides

TEMPLATE = """
Parameters:
  Greeting: {Type: String, Default: hello}
Resources:
  Greet:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      Definition:
        StartAt: Say
        States:
          Say:
            Type: Pass
            Parameters:
              text: !Sub "${Greeting} world"
              name.$: $.name
            End: true
  Broken:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      Definition:
        StartAt: A
        States:
          A:
            Type: Pass
            Next: Missing
"""


@pytest.fixture
def template(project_dir):
    return project_dir({"template.yaml": TEMPLATE}) / "template.yaml"


def test_run_a_chosen_state_machine_with_parameter_overrides(template, capsys):
    code = main(
        [
            "run",
            str(template),
            "--state-machine",
            "Greet",
            "--parameter-overrides",
            "Greeting=hi",
            "--input",
            '{"name": "x"}',
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"text": "hi world", "name": "x"}


def test_run_sam_style_parameter_overrides(template, capsys):
    argv = [
        "run",
        str(template),
        "--state-machine",
        "Greet",
        "--parameter-overrides",
        "ParameterKey=Greeting,ParameterValue=hey",
        "--input",
        '{"name": 1}',
    ]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["text"] == "hey world"


def test_run_without_choosing_among_several_is_a_usage_error(template, capsys):
    assert main(["run", str(template)]) == 2
    assert "choose one of Greet, Broken (--state-machine LogicalId)" in capsys.readouterr().err


def test_run_an_invalid_state_machine_reports_template_lines(template, capsys):
    assert (
        main(["run", str(template), "--state-machine", "Broken"]) == 2
    )  # an invalid definition, as for a plain definition file
    err = capsys.readouterr().err
    assert f"{template}:24:" in err and "MISSING_TRANSITION_TARGET" in err


def test_validate_a_template_reports_each_state_machine_at_its_lines(template, capsys):
    assert main(["validate", str(template)]) == 1
    out = capsys.readouterr().out
    assert f"{template}:24:19: MISSING_TRANSITION_TARGET Broken: " in out
    assert "Greet:" not in out


def test_validate_a_template_error_names_the_line(project_dir, capsys):
    root = project_dir(
        {
            "template.yaml": """
            Resources:
              M:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  DefinitionString: !Sub "${Nothing}"
            """
        }
    )
    assert main(["validate", str(root / "template.yaml")]) == 1
    out = capsys.readouterr().out
    assert ":5:1: TEMPLATE_ERROR " in out and "Ref to 'Nothing'" in out


def test_validate_a_valid_template(project_dir, capsys):
    root = project_dir(
        {
            "template.json": json.dumps(
                {
                    "Resources": {
                        "M": {
                            "Type": "AWS::StepFunctions::StateMachine",
                            "Properties": {
                                "Definition": {
                                    "StartAt": "P",
                                    "States": {"P": {"Type": "Pass", "End": True}},
                                }
                            },
                        }
                    }
                }
            )
        }
    )
    assert main(["validate", str(root / "template.json")]) == 0
    assert capsys.readouterr().out == ""


def test_definitions_are_not_mistaken_for_templates(project_dir):
    root = project_dir(
        {
            "sm.asl.json": json.dumps(
                {
                    "StartAt": "P",
                    "States": {
                        "P": {
                            "Type": "Pass",
                            "Result": {"Resources": "AWS::Lambda::Function"},
                            "End": True,
                        }
                    },
                }
            ),
            "sm.asl.yaml": "StartAt: P\nStates:\n  P:\n    Type: Pass\n    Result:\n"
            "      Resources: AWS::Lambda::Function\n    End: true\n",
            "template.yaml": TEMPLATE,
            "main.tf": "",
        }
    )
    assert not is_template(root / "sm.asl.json")
    assert not is_template(root / "sm.asl.yaml")
    assert is_template(root / "template.yaml")
    assert is_template(root / "main.tf")


def test_parameter_overrides_forms():
    assert parameter_overrides(["A=1", "B=x=y", "ParameterKey=C,ParameterValue=2"]) == {
        "A": "1",
        "B": "x=y",
        "C": "2",
    }
    with pytest.raises(ValueError, match="expected KEY=VALUE, got 'nope'"):
        parameter_overrides(["nope"])


def test_validate_gives_parameters_without_default_a_stand_in(project_dir, capsys):
    root = project_dir(
        {
            "template.yaml": """
            Parameters:
              Env: {Type: String, AllowedValues: [qa, prod]}
              Name: {Type: String}
            Resources:
              M:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  Definition:
                    StartAt: P
                    States:
                      P: {Type: Pass, Result: !Sub "${Env}-${Name}", Next: Nowhere}
            """
        }
    )
    assert main(["validate", str(root / "template.yaml")]) == 1
    out = capsys.readouterr().out
    assert "MISSING_TRANSITION_TARGET" in out and "TEMPLATE_ERROR" not in out


def test_the_pre_commit_hook_for_templates():
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    [declared] = [h for h in hooks if h["id"] == "asl-validate-templates"]
    assert declared["entry"] == "asl validate"
    files = re.compile(declared["files"])
    for name in ("template.yaml", "app/template.yml", "template.json", "cdk.out/S.template.json"):
        assert files.search(name), name
    for name in ("a.asl.json", "mytemplate.yaml", "template.yaml.bak", "package.json"):
        assert not files.search(name), name


def test_a_template_without_state_machines_is_valid(project_dir, capsys):
    root = project_dir({"template.yaml": "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"})
    assert main(["validate", str(root / "template.yaml")]) == 0
    assert capsys.readouterr().out == ""
