"""Structure: the JSON Schema for ASL, applied to the definition and to each state."""

from __future__ import annotations

import json

import pytest
from validation_helpers import accepts, errors, machine, rejects, single

from asl.validation import validate

TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}


def test_a_minimal_machine_is_valid() -> None:
    accepts(single({"Type": "Succeed"}))


def test_start_at_and_states_are_required() -> None:
    diagnostic = rejects({"States": {"A": {"Type": "Succeed"}}}, "SCHEMA_VALIDATION_FAILED", "")
    assert diagnostic.message == "These fields are required: [StartAt]"
    text = '{"StartAt": "A"}'
    [found] = [d for d in validate(text) if d.code == "SCHEMA_VALIDATION_FAILED"]
    assert (found.message, found.line, found.column) == (
        "These fields are required: [States]",
        1,
        1,
    )


@pytest.mark.parametrize("document", [[], "text", 3, None])
def test_the_definition_must_be_an_object(document: object) -> None:
    [diagnostic] = validate(json.dumps(document))
    assert diagnostic.code == "SCHEMA_VALIDATION_FAILED"
    assert diagnostic.message == "Definition must be a valid JSON object"


def test_unknown_top_level_fields_are_rejected() -> None:
    doc = single({"Type": "Succeed"}, Coment="typo")
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", "/Coment", at='"typo"')
    assert diagnostic.message == "The field 'Coment' is not supported by Step Functions"


def test_top_level_field_types_and_query_language() -> None:
    accepts(single({"Type": "Succeed"}, Version="1.0", TimeoutSeconds=60, QueryLanguage="JSONata"))
    rejects(
        single({"Type": "Succeed"}, TimeoutSeconds="60"),
        "SCHEMA_VALIDATION_FAILED",
        "/TimeoutSeconds",
    )
    rejects(
        single({"Type": "Succeed"}, QueryLanguage="XPath"),
        "SCHEMA_VALIDATION_FAILED",
        "/QueryLanguage",
    )


def test_a_state_must_be_an_object() -> None:
    diagnostic = rejects(
        machine({"A": {"Type": "Succeed"}, "B": 7}), "SCHEMA_VALIDATION_FAILED", "/States/B", at="7"
    )
    assert (
        diagnostic.message == "The value of the field 'States.B' must be a state object"
        or "object" in diagnostic.message
    )


def test_state_type_must_be_known() -> None:
    diagnostic = rejects(
        single({"Type": "Sleep", "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Type",
        at='"Sleep"',
    )
    assert diagnostic.message == (
        "The field 'Type' should have one of these values: "
        "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]"
    )
    assert rejects(single({"End": True}), "SCHEMA_VALIDATION_FAILED", "/States/A").message == (
        "These fields are required: [Type]"
    )


def test_unknown_state_fields_are_rejected() -> None:
    doc = single({"Type": "Pass", "bugInputPath": "$.x", "End": True})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/bugInputPath", at='"$.x"')


@pytest.mark.parametrize(
    ("state_type", "field"),
    [
        ("Choice", "ResultPath"),
        ("Succeed", "Parameters"),
        ("Fail", "ResultSelector"),
        ("Wait", "ResultPath"),
        ("Pass", "ResultSelector"),
    ],
)
def test_fields_a_state_type_does_not_have(state_type: str, field: str) -> None:
    states = {
        "Choice": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "B"}]},
        "Succeed": {"Type": "Succeed"},
        "Fail": {"Type": "Fail"},
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "B"},
        "Pass": {"Type": "Pass", "Next": "B"},
    }
    state = dict(states[state_type], **{field: {"a": 1}})
    doc = machine({"A": state, "B": {"Type": "Succeed"}})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", f"/States/A/{field}")


def test_jsonpath_fields_in_a_jsonata_state_name_the_query_language() -> None:
    accepts(single({"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"a": 1}, "End": True}))
    doc = single({"Type": "Pass", "QueryLanguage": "JSONata", "ResultPath": "$.x", "End": True})
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/ResultPath", at='"$.x"')
    assert (
        diagnostic.message
        == "The field 'ResultPath' is not supported in JSONata states (it belongs to JSONPath states)"
    )


def test_jsonata_fields_in_a_jsonpath_state_are_rejected() -> None:
    doc = single(dict(TASK, Arguments={"a": 1}))
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Arguments")
    assert "JSONPath states" in diagnostic.message


def test_wrong_value_types_are_reported_per_field() -> None:
    doc = single(dict(TASK, TimeoutSeconds="30"))
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/TimeoutSeconds", at='"30"')
    assert diagnostic.message == "The value of the field 'TimeoutSeconds' must be an integer"


def test_jsonata_numeric_fields_accept_expressions() -> None:
    state = dict(TASK, QueryLanguage="JSONata", TimeoutSeconds="{% $states.input.t %}")
    accepts(single(state))
    diagnostic = rejects(
        single(dict(state, TimeoutSeconds="30")),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/TimeoutSeconds",
    )
    assert "JSONata expression" in diagnostic.message


@pytest.mark.parametrize(
    ("retrier", "field"),
    [
        ({"MaxAttempts": -1}, "MaxAttempts"),
        ({"IntervalSeconds": 0}, "IntervalSeconds"),
        ({"BackoffRate": 0.5}, "BackoffRate"),
        ({"MaxDelaySeconds": 0}, "MaxDelaySeconds"),
        ({"JitterStrategy": "PARTIAL"}, "JitterStrategy"),
    ],
)
def test_retrier_fields_have_ranges(retrier: dict, field: str) -> None:
    good = {
        "ErrorEquals": ["States.Timeout"],
        "MaxAttempts": 0,
        "IntervalSeconds": 1,
        "BackoffRate": 1,
        "MaxDelaySeconds": 1,
        "JitterStrategy": "FULL",
    }
    accepts(single(dict(TASK, Retry=[good])))
    rejects(
        single(dict(TASK, Retry=[dict(good, **retrier)])),
        "SCHEMA_VALIDATION_FAILED",
        f"/States/A/Retry/0/{field}",
    )


def test_error_equals_is_a_non_empty_list_of_strings() -> None:
    rejects(
        single(dict(TASK, Retry=[{"ErrorEquals": []}])),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Retry/0/ErrorEquals",
    )
    doc = machine(
        {"A": dict(TASK, Catch=[{"ErrorEquals": [True], "Next": "B"}]), "B": {"Type": "Succeed"}}
    )
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Catch/0/ErrorEquals/0")
    doc = machine(
        {"A": dict(TASK, Catch=[{"Error Equals": ["X"], "Next": "B"}]), "B": {"Type": "Succeed"}}
    )
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Catch/0/Error Equals")


def test_a_catcher_needs_next() -> None:
    diagnostic = rejects(
        single(dict(TASK, Catch=[{"ErrorEquals": ["States.ALL"]}])),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Catch/0",
    )
    assert diagnostic.message == "These fields are required: [Next]"


def test_map_and_parallel_ranges_and_shapes() -> None:
    processor = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    good_map = {
        "Type": "Map",
        "ItemProcessor": processor,
        "MaxConcurrency": 0,
        "ToleratedFailurePercentage": 100,
        "End": True,
    }
    accepts(single(good_map))
    rejects(
        single(dict(good_map, MaxConcurrency=-1)),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/MaxConcurrency",
    )
    rejects(
        single(dict(good_map, ToleratedFailurePercentage=105)),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/ToleratedFailurePercentage",
    )
    rejects(
        single({"Type": "Parallel", "Branches": [], "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Branches",
    )
    rejects(
        single({"Type": "Parallel", "Branches": [[processor]], "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Branches/0",
    )
    rejects(single({"Type": "Parallel", "End": True}), "SCHEMA_VALIDATION_FAILED", "/States/A")


def test_choices_is_a_non_empty_list() -> None:
    rejects(
        single({"Type": "Choice", "Choices": []}), "SCHEMA_VALIDATION_FAILED", "/States/A/Choices"
    )


def test_credentials_allow_only_role_arn() -> None:
    accepts(single(dict(TASK, Credentials={"RoleArn": "arn:aws:iam::123456789012:role/x"})))
    accepts(single(dict(TASK, Credentials={"RoleArn.$": "$.role"})))
    rejects(
        single(dict(TASK, Credentials={"RoleArn": "r", "flag": True})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Credentials/flag",
    )
    rejects(
        single(dict(TASK, Credentials=None)), "SCHEMA_VALIDATION_FAILED", "/States/A/Credentials"
    )


def test_jsonata_credentials_require_role_arn() -> None:
    state = dict(TASK, QueryLanguage="JSONata", Credentials={"InvalidField": "x"})
    found = {(d.path, d.message) for d in errors(single(state))}
    assert ("/States/A/Credentials", "The field 'RoleArn' is required but was missing") in found


def test_parameters_may_be_any_json_value() -> None:
    accepts(single({"Type": "Pass", "Parameters": [{"a.$": "$.b"}], "End": True}))
    accepts(single({"Type": "Pass", "Parameters": ["abc"], "End": True}))
