"""Whatever a template holds, loading it gives a Project or a TemplateError, never a crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import asl
from asl.project import TemplateError

FUNCTIONS = [
    "Ref",
    "Condition",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::If",
    "Fn::Select",
    "Fn::Split",
    "Fn::FindInMap",
    "Fn::Equals",
    "Fn::Not",
    "Fn::And",
    "Fn::Or",
    "Fn::Base64",
    "Fn::ImportValue",
    "Fn::GetAZs",
    "Fn::Cidr",
    "Fn::ToJsonString",
    "Fn::Length",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(["", "P", "Fn", "Fn.Arn", "IsTrue", "${P}", "${Fn.Arn}", "a,b", "10.0.0.0/16"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(FUNCTIONS), inner, min_size=1, max_size=1),
        st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    ),
    max_leaves=12,
)


@given(values)
def test_any_value_in_a_definition_loads_or_is_a_template_error(value):
    template = {
        "Parameters": {"P": {"Type": "String", "Default": "p"}},
        "Mappings": {"M": {"k": {"v": 1}}},
        "Conditions": {"IsTrue": {"Fn::Equals": [1, 1]}},
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "nodejs20.x"}},
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "Definition": {
                        "StartAt": "S",
                        "States": {"S": {"Type": "Pass", "Result": value, "End": True}},
                    }
                },
            },
        },
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.json"
        path.write_text(json.dumps(template))
        try:
            project = asl.load_template(path)
        except TemplateError:
            return
        project.state_machines["Machine"].validate()
