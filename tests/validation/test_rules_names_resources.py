"""Names (states, Map labels, variables), resources and Express restrictions."""

from __future__ import annotations

import pytest
from validation_helpers import accepts, machine, rejects, single

from asl.validation import validate
from asl.validation.rules.resources import resource_problem

PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "P",
    "States": {"P": {"Type": "Pass", "End": True}},
}


def test_state_names_have_at_most_80_characters() -> None:
    accepts(machine({"n" * 80: {"Type": "Succeed"}}))
    long = "n" * 81
    diagnostic = rejects(
        machine({long: {"Type": "Succeed"}}), "INVALID_STATE_NAME", f"/States/{long}"
    )
    assert "81 characters" in diagnostic.message


@pytest.mark.parametrize("label", ["", "x" * 41, "label_$", "has space", "a/b", "tab\t"])
def test_map_labels(label: str) -> None:
    accepts(single({"Type": "Map", "ItemProcessor": PROCESSOR, "Label": "x" * 40, "End": True}))
    doc = single({"Type": "Map", "ItemProcessor": PROCESSOR, "Label": label, "End": True})
    rejects(doc, "INVALID_LABEL_NAME", "/States/A/Label")


def test_variable_names() -> None:
    accepts(
        single(
            {"Type": "Pass", "Assign": {"total": 1, "name.$": "$.name", "émoji_ok": 2}, "End": True}
        )
    )
    rejects(
        single({"Type": "Pass", "Assign": {"states": 1}, "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Assign/states",
    )
    long = "v" * 81
    rejects(
        single({"Type": "Pass", "Assign": {long: 1}, "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        f"/States/A/Assign/{long}",
    )


def test_a_variable_name_that_cannot_be_read_back_is_a_warning() -> None:
    doc = single(
        {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"top-level": 1}, "End": True}
    )
    rejects(doc, "UNREADABLE_VARIABLE", "/States/A/Assign/top-level", severity="warning")
    accepts(doc)


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:my-function",
        "arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST",
        "arn:aws:lambda:us-east-1:123456789012:function:my-function:prod_2",
        "arn:aws:states:us-east-1:123456789012:activity:approve",
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::dynamodb:putItem",
        "arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:states:::aws-sdk:s3:listObjectsV2",
        "arn:aws:states:::aws-sdk:dynamodb:query.waitForTaskToken",
        "arn:aws:states:::http:invoke",
        "arn:aws:states:::sagemaker:createTrainingJob.sync",
    ],
)
def test_resources_aws_accepts(resource: str) -> None:
    assert resource_problem(resource) is None
    accepts(single({"Type": "Task", "Resource": resource, "End": True}))


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:my-function:",
        "arn:aws:lambda:us-east-1:123456789012:function:my-function:$*#$7485",
        "arn:aws:states:::dynamodb:query",
        "arn:aws:states:::sns:publish.sync",
        "arn:aws:states:::aws-sdk:s3",
        "arn:aws:states:us-east-1:123456789012:stateMachine:x",
        "${lambdaArn",
        "${a}}",
        "arn:aws:lambda",
    ],
)
def test_resources_aws_rejects(resource: str) -> None:
    doc = single({"Type": "Task", "Resource": resource, "End": True})
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Resource")
    assert diagnostic.message.startswith(f"The resource provided {resource} is not recognized.")


@pytest.mark.parametrize(
    "resource",
    [
        "foo:bar",
        "${lambdaArn}",
        "arn:aws:swf:us-east-1:123456789012:task:X",
        "arn:aws:states:::newservice:doIt",
        "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}",
    ],
)
def test_resources_asl_can_run_but_aws_does_not_know_only_warn(resource: str) -> None:
    doc = single({"Type": "Task", "Resource": resource, "End": True})
    rejects(doc, "UNRECOGNIZED_RESOURCE", "/States/A/Resource", severity="warning")
    accepts(doc)


def test_item_reader_resources_are_checked() -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObjectz",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k"},
    }
    doc = single({"Type": "Map", "ItemProcessor": PROCESSOR, "ItemReader": reader, "End": True})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/ItemReader/Resource")


def test_a_jsonata_resource_is_rejected() -> None:
    doc = single(
        {
            "Type": "Task",
            "QueryLanguage": "JSONata",
            "Resource": "{% $states.input.arn %}",
            "End": True,
        }
    )
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Resource")


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        # AWS's texts, as recorded: the callback one ends with a space ("integration  at")
        (
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Express state machine does not support '.waitForTaskToken' service integration ",
        ),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            "Express state machine does not support '.sync' service integration",
        ),
    ],
)
def test_express_machines_refuse_sync_and_callbacks(resource: str, message: str) -> None:
    doc = single({"Type": "Task", "Resource": resource, "End": True})
    accepts(doc)
    diagnostic = rejects(
        doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Resource", machine_type="EXPRESS"
    )
    assert diagnostic.message == message


def test_express_machines_refuse_activities() -> None:
    doc = single(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
            "End": True,
        }
    )
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Resource", machine_type="EXPRESS")
    accepts(
        single({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}),
        machine_type="EXPRESS",
    )


def _branching(inner_assign: dict, processor_config: dict | None = None) -> dict:
    inner = {"Type": "Pass", "Assign": inner_assign, "End": True}
    processor: dict = {"StartAt": "In", "States": {"In": inner}}
    if processor_config:
        processor["ProcessorConfig"] = processor_config
    return machine(
        {
            "Set": {"Type": "Pass", "Assign": {"total": 0}, "Next": "Each"},
            "Each": {"Type": "Map", "ItemProcessor": processor, "End": True},
        }
    )


def test_assigning_an_outer_variable_in_an_inner_scope_is_a_warning() -> None:
    doc = _branching({"total": 1})
    accepts(doc)
    rejects(
        doc,
        "OUTER_VARIABLE_ASSIGNED",
        "/States/Each/ItemProcessor/States/In/Assign/total",
        severity="warning",
    )
    assert validate(_branching({"subtotal": 1})) == []


def test_a_distributed_map_child_has_its_own_variables() -> None:
    doc = _branching({"total": 1}, {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})
    assert validate(doc) == []


def test_map_labels_are_unique() -> None:
    first = {"Type": "Map", "ItemProcessor": PROCESSOR, "Label": "Run", "Next": "B"}
    second = dict(first, Label="Other", End=True)
    del second["Next"]
    other_processor = dict(PROCESSOR, StartAt="Q", States={"Q": {"Type": "Pass", "End": True}})
    second["ItemProcessor"] = other_processor
    accepts(machine({"A": first, "B": second}))
    doc = machine({"A": first, "B": dict(second, Label="Run")})
    diagnostic = rejects(doc, "DUPLICATE_LABEL_NAME", "/States/B/Label")
    assert diagnostic.message == "Duplicate Map Label: Run"
