"""Definitions from public AWS sample projects that AWS accepts (issue 12), and the
neighbouring forms it rejects."""

from __future__ import annotations

import pytest
from validation_helpers import accepts, rejects, single, text_position

from asl.loading import load
from asl.validation import validate
from asl.validation.rules.resources import resource_problem

REGIONAL = "arn:aws:states:us-east-1:123456789012:"


@pytest.mark.parametrize(
    "resource",
    [
        REGIONAL + "aws-sdk:s3:getObject",
        REGIONAL + "lambda:invoke",
        REGIONAL + "sqs:sendMessage.waitForTaskToken",
        REGIONAL + "states:startExecution.sync:2",
    ],
)
def test_integration_arns_may_carry_region_and_account(resource: str) -> None:
    assert resource_problem(resource) is None
    accepts(single({"Type": "Task", "Resource": resource, "End": True}))


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:states:us-east-1::lambda:invoke",
        "arn:aws:states::123456789012:lambda:invoke",
        REGIONAL + "lambda:nosuchaction",
        REGIONAL + "stateMachine:Other",
    ],
)
def test_integration_arns_with_half_a_location_or_no_integration_are_refused(
    resource: str,
) -> None:
    rejects(
        single({"Type": "Task", "Resource": resource, "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Resource",
    )


YAML_NAMES = """\
StartAt: Yes
States:
  Yes:
    Type: Pass
    Result: {On: Off, y: n, time: 1:20, octal: 0o17, leading: 017, big: 1e3, flag: true}
    Next: No
  No:
    Type: Succeed
"""


def test_yaml_yes_no_on_off_stay_strings_as_in_yaml_1_2() -> None:
    loaded, diagnostics = load(YAML_NAMES, filename="m.asl.yaml")
    assert diagnostics == [] and loaded is not None
    document = loaded.document
    assert document["StartAt"] == "Yes"
    assert set(document["States"]) == {"Yes", "No"}
    assert document["States"]["Yes"]["Next"] == "No"
    result = document["States"]["Yes"]["Result"]
    assert result == {
        "On": "Off",
        "y": "n",
        "time": "1:20",
        "octal": 15,
        "leading": 17,
        "big": 1000.0,
        "flag": True,
    }
    assert validate(YAML_NAMES, filename="m.asl.yaml") == []


def test_yaml_1_2_scalars_keep_their_positions() -> None:
    loaded, _ = load(YAML_NAMES, filename="m.asl.yaml")
    assert loaded is not None
    assert loaded.position("/States/No") == text_position(YAML_NAMES, after="  No:\n    ")
    text = YAML_NAMES.replace("Next: No", "Next: Maybe")
    found = [d for d in validate(text, filename="m.asl.yaml") if d.path == "/States/Yes/Next"]
    assert [d.code for d in found] == ["MISSING_TRANSITION_TARGET"]
    assert (found[0].line, found[0].column) == text_position(text, at="Maybe")


@pytest.mark.parametrize("holder", ["ItemProcessor", "Iterator"])
def test_query_language_inside_a_map_processor_is_a_schema_error(holder: str) -> None:
    processor = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    accepts(single({"Type": "Map", holder: processor, "End": True}))
    doc = single(
        {"Type": "Map", holder: {**processor, "QueryLanguage": "JSONata"}, "End": True},
        QueryLanguage="JSONata",
    )
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", f"/States/A/{holder}/QueryLanguage")
    assert diagnostic.message == "The field 'QueryLanguage' is not supported by Step Functions"


def test_query_language_inside_a_parallel_branch_is_a_schema_error() -> None:
    branch = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    accepts(single({"Type": "Parallel", "Branches": [branch], "End": True}))
    doc = single(
        {"Type": "Parallel", "Branches": [{**branch, "QueryLanguage": "JSONPath"}], "End": True}
    )
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Branches/0/QueryLanguage")


def test_query_language_on_the_map_state_itself_is_still_accepted() -> None:
    processor = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    accepts(
        single({"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": processor, "End": True})
    )
