"""Property tests: validate never raises and no rule crashes, whatever the definition."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asl.diagnostics import Diagnostic
from asl.validation import validate

PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
    "StartAt": "Price",
    "States": {
        "Price": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    },
}

JSONPATH_MACHINE: dict[str, Any] = {
    "Comment": "every state type, JSONPath",
    "StartAt": "Start",
    "TimeoutSeconds": 300,
    "States": {
        "Start": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f:prod",
            "Parameters": {
                "a.$": "$.a",
                "f.$": "States.Format('{}', $.b)",
                "n": [1, {"c.$": "$$.Execution.Id"}],
            },
            "ResultSelector": {"r.$": "$.Payload"},
            "ResultPath": "$.out",
            "TimeoutSeconds": 30,
            "HeartbeatSeconds": 10,
            "Credentials": {"RoleArn": "arn:aws:iam::123456789012:role/r"},
            "Assign": {"v.$": "$.x", "w": 1},
            "Retry": [
                {
                    "ErrorEquals": ["States.Timeout"],
                    "IntervalSeconds": 2,
                    "MaxAttempts": 3,
                    "BackoffRate": 1.5,
                    "MaxDelaySeconds": 9,
                    "JitterStrategy": "FULL",
                }
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Oops"}],
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.a", "NumericGreaterThan": 1},
                        {"Not": {"Variable": "$.b", "IsNull": True}},
                    ],
                    "Next": "Wait",
                },
                {
                    "Variable": "$.t",
                    "TimestampLessThanPath": "$.u",
                    "Next": "Fan",
                    "Assign": {"z": 2},
                },
            ],
            "Default": "Items",
        },
        "Wait": {"Type": "Wait", "Timestamp": "2024-01-01T00:00:00Z", "Next": "Fan"},
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "B1",
                    "States": {"B1": {"Type": "Pass", "Result": {"x": 1}, "End": True}},
                }
            ],
            "Next": "Items",
        },
        "Items": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"v.$": "$$.Map.Item.Value"},
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {
                    "InputType": "CSV",
                    "CSVHeaderLocation": "FIRST_ROW",
                    "MaxItems": 5,
                },
                "Parameters": {"Bucket": "b", "Key": "k"},
            },
            "ItemBatcher": {"MaxItemsPerBatch": 3, "BatchInput": {"k": 1}},
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "b", "Prefix": "p"},
            },
            "MaxConcurrency": 2,
            "ToleratedFailurePercentage": 10,
            "Label": "Items",
            "ItemProcessor": PROCESSOR,
            "Next": "Done",
        },
        "Done": {"Type": "Succeed", "OutputPath": "$.out"},
        "Oops": {"Type": "Fail", "ErrorPath": "$.err.Error", "Cause": "failed"},
    },
}

JSONATA_MACHINE: dict[str, Any] = {
    "QueryLanguage": "JSONata",
    "StartAt": "Start",
    "States": {
        "Start": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"Payload": "{% $states.input %}", "FunctionName": "f"},
            "Output": "{% $states.result.Payload %}",
            "Assign": {"count": "{% $count($states.input.items) %}"},
            "TimeoutSeconds": "{% $states.input.timeout %}",
            "Catch": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "Output": "{% $states.errorOutput %}",
                    "Next": "Oops",
                }
            ],
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $count > 1 %}", "Next": "Items"}],
            "Default": "Wait",
        },
        "Wait": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "Items"},
        "Items": {
            "Type": "Map",
            "Items": "{% $states.input.items %}",
            "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}"},
            "MaxConcurrency": "{% 2 %}",
            "ItemProcessor": {
                "StartAt": "P",
                "States": {
                    "P": {"Type": "Pass", "Output": {"x": "{% $states.input.v %}"}, "End": True}
                },
            },
            "End": True,
        },
        "Oops": {"Type": "Fail", "Error": "{% 'E' %}", "Cause": "c"},
    },
}

BASES = (JSONPATH_MACHINE, JSONATA_MACHINE)


def test_the_base_machines_are_valid() -> None:
    for base in BASES:
        assert [d for d in validate(base) if d.severity == "error"] == []


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "$",
            "$.a",
            "$$",
            "States.Format(",
            "{% %}",
            "{% $states.result %}",
            "States.ALL",
            "Pass",
            "Map",
            "JSONata",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``value``."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A base machine with a few random edits: values replaced, keys removed or added."""
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            document = draw(json_values) if action == "replace" else document
            continue
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[
                draw(
                    st.sampled_from(
                        ["Next", "End", "Type", "States", "Branches", "Choices", "Bogus", "x.$"]
                    )
                )
            ] = draw(json_values)
    return document


def _check_result(diagnostics: object) -> None:
    assert isinstance(diagnostics, list)
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
    crashed = [d for d in diagnostics if d.code == "INTERNAL_ERROR"]
    assert crashed == [], crashed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_definitions_never_crash_validation(document: Any) -> None:
    _check_result(
        validate(document) if isinstance(document, dict) else validate(json.dumps(document))
    )
    _check_result(validate(json.dumps(document)))


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_value_gets_diagnostics_not_exceptions(value: Any) -> None:
    _check_result(validate(json.dumps(value)))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gets_diagnostics_not_exceptions(text: str) -> None:
    _check_result(validate(text))


def test_a_huge_definition_is_validated() -> None:
    states = {
        f"S{i}": {"Type": "Pass", "Parameters": {"v.$": f"$.a[{i}]"}, "Next": f"S{i + 1}"}
        for i in range(3000)
    }
    states["S3000"] = {"Type": "Succeed"}
    diagnostics = validate(json.dumps({"StartAt": "S0", "States": states}, indent=1))
    assert [d for d in diagnostics if d.severity == "error"] == []


def test_absurdly_nested_parallel_states_are_reported() -> None:
    state: dict[str, Any] = {"Type": "Succeed"}
    for _ in range(100):
        state = {
            "Type": "Parallel",
            "End": True,
            "Branches": [{"StartAt": "X", "States": {"X": state}}],
        }
    diagnostics = validate(json.dumps({"StartAt": "X", "States": {"X": state}}))
    assert [d.code for d in diagnostics] == ["TOO_DEEPLY_NESTED"]


def test_check_refuses_a_dict_that_contains_itself() -> None:
    from asl.loading import LoadedDefinition
    from asl.validation import check

    document: dict[str, Any] = {"StartAt": "A", "States": {}}
    document["States"]["A"] = {"Type": "Parallel", "End": True, "Branches": [document, document]}
    assert [d.code for d in check(LoadedDefinition(document))] == ["TOO_DEEPLY_NESTED"]


def test_python_values_that_are_not_json_are_reported_before_the_rules_run() -> None:
    from asl.loading import LoadedDefinition
    from asl.validation import check

    document = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, 1: (2,)}}}
    found = check(LoadedDefinition(document))
    assert [(d.code, d.path) for d in found] == [("SCHEMA_VALIDATION_FAILED", "/States/A")]
