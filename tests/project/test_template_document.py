"""Reading templates: JSON and YAML, short-form tags, positions kept."""

from __future__ import annotations

import pytest

from asl.project.document import TemplateError, read_document


def test_yaml_short_form_tags_become_their_long_form(project_dir):
    root = project_dir(
        {
            "t.yaml": """
            AWSTemplateFormatVersion: 2010-09-09
            Resources:
              A:
                Type: X
                Properties:
                  Ref: !Ref Param
                  Att: !GetAtt Fn.Arn
                  AttList: !GetAtt [Fn, Arn]
                  Sub: !Sub "${AWS::Region}-x"
                  Join: !Join [",", [a, !Ref B]]
                  If: !If [Cond, 1, 2]
                  Cond: !Condition IsProd
                  Azs: !GetAZs ""
                  Map: !FindInMap [M, k, v]
            """
        }
    )
    props = read_document(root / "t.yaml").document["Resources"]["A"]["Properties"]
    assert props["Ref"] == {"Ref": "Param"}
    assert props["Att"] == {"Fn::GetAtt": ["Fn", "Arn"]}
    assert props["AttList"] == {"Fn::GetAtt": ["Fn", "Arn"]}
    assert props["Sub"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert props["Join"] == {"Fn::Join": [",", ["a", {"Ref": "B"}]]}
    assert props["If"] == {"Fn::If": ["Cond", 1, 2]}
    assert props["Cond"] == {"Condition": "IsProd"}
    assert props["Azs"] == {"Fn::GetAZs": ""}
    assert props["Map"] == {"Fn::FindInMap": ["M", "k", "v"]}


def test_unquoted_format_version_stays_text(project_dir):
    root = project_dir({"t.yaml": "AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n"})
    assert read_document(root / "t.yaml").document["AWSTemplateFormatVersion"] == "2010-09-09"


def test_yaml_positions_are_kept_for_values_and_tagged_values(project_dir):
    root = project_dir(
        {
            "t.yaml": """
            Resources:
              Machine:
                Type: AWS::StepFunctions::StateMachine
                Properties:
                  DefinitionString: !Sub |
                    {"StartAt": "A"}
            """
        }
    )
    doc = read_document(root / "t.yaml")
    assert doc.position("/Resources/Machine/Type") == (3, 11)
    assert doc.position("/Resources/Machine/Properties/DefinitionString/Fn::Sub")[0] == 5
    # a pointer below a scalar falls back to its nearest ancestor
    assert doc.position("/Resources/Machine/Type/nothing") == (3, 11)


def test_json_positions_are_kept(project_dir):
    root = project_dir({"t.json": '{\n  "Resources": {\n    "A": {"Type": "X"}\n  }\n}\n'})
    doc = read_document(root / "t.json")
    assert doc.position("/Resources/A/Type") == (3, 19)


def test_invalid_yaml_names_file_and_line(project_dir):
    root = project_dir({"t.yaml": "Resources:\n  A: [1, 2\n"})
    with pytest.raises(TemplateError, match=r"t\.yaml:\d+: the template is not valid YAML"):
        read_document(root / "t.yaml")


def test_unknown_tag_is_named(project_dir):
    root = project_dir({"t.yaml": "Resources:\n  A: !Bogus x\n"})
    with pytest.raises(TemplateError, match=r"t\.yaml:2: unknown tag !Bogus"):
        read_document(root / "t.yaml")


def test_json_positions_with_tab_indentation_and_slashes_in_keys(project_dir):
    text = '{\n\t"Resources": {\n\t\t"A": {"Type": "X", "a/b": 1}\n\t}\n}\n'
    root = project_dir({"t.json": text})
    doc = read_document(root / "t.json")
    assert doc.position("/Resources/A/Type") == (3, 17)
    assert doc.position("/Resources/A/a~1b") == (3, 29)
