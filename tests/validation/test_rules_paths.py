"""Paths, payload templates, Choice rules and Retry/Catch wildcards of JSONPath states."""

from __future__ import annotations

import pytest
from validation_helpers import accepts, machine, rejects, single

from asl.validation import validate

TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
SUCCEED = {"Type": "Succeed"}


def choice(*rules: dict) -> dict:
    return machine({"C": {"Type": "Choice", "Choices": list(rules), "Default": "B"}, "B": SUCCEED})


# --- paths -----------------------------------------------------------------------------


def test_input_and_output_paths_compile() -> None:
    accepts(
        single(
            {
                "Type": "Pass",
                "InputPath": "$.a[0].b",
                "OutputPath": "$$.Execution.Input",
                "End": True,
            }
        )
    )
    accepts(
        single(
            {
                "Type": "Pass",
                "InputPath": None,
                "OutputPath": "$.items[?(@.price < 10)]",
                "End": True,
            }
        )
    )
    doc = single({"Type": "Pass", "InputPath": "bug$.library", "End": True})
    diagnostic = rejects(
        doc, "SCHEMA_VALIDATION_FAILED", "/States/A/InputPath", at='"bug$.library"'
    )
    assert diagnostic.message.startswith(
        "The value for the field 'InputPath' must be a valid JSONPath"
    )


def test_an_intrinsic_function_is_not_an_input_path() -> None:
    doc = single({"Type": "Pass", "InputPath": "States.Format('{}', $.a)", "End": True})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/InputPath")


@pytest.mark.parametrize(
    "path", [".guid", "..guid", "()", "$...", "$$.Execution.Id", "$foo", "$.a[*]"]
)
def test_result_path_is_a_reference_path_into_the_input(path: str) -> None:
    accepts(single(dict(TASK, ResultPath="$.result.value")))
    accepts(single(dict(TASK, ResultPath=None)))
    rejects(single(dict(TASK, ResultPath=path)), "SCHEMA_VALIDATION_FAILED", "/States/A/ResultPath")


def test_catcher_result_path_is_checked() -> None:
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$$.x", "Next": "B"}]
    doc = machine({"A": dict(TASK, Catch=catch), "B": SUCCEED})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Catch/0/ResultPath")


def test_path_fields_take_reference_paths() -> None:
    accepts(single({"Type": "Wait", "SecondsPath": "$$.Execution.Input.wait", "End": True}))
    accepts(single(dict(TASK, TimeoutSecondsPath="$timeout")))
    doc = single({"Type": "Wait", "SecondsPath": "$.waits[*]", "End": True})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/SecondsPath")


def test_fail_error_path_may_be_an_intrinsic_call() -> None:
    accepts(
        single({"Type": "Fail", "ErrorPath": "$.error", "CausePath": "States.Format('x {}', $.c)"})
    )
    rejects(
        single({"Type": "Fail", "CausePath": "States.Nope($.c)"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/CausePath",
    )


def test_jsonata_states_have_no_paths_to_check() -> None:
    accepts(
        single({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "$.not.a.path", "End": True})
    )


# --- payload templates -------------------------------------------------------------------------


def test_template_expressions_compile() -> None:
    params = {
        "static": "x",
        "good1.$": "$.g1",
        "good2.$": "$$.Execution.Id",
        "good3.$": "States.Format('{} {}', $.a, $var)",
        "nested": [{"good4.$": "$.x[2]"}],
    }
    accepts(single({"Type": "Pass", "Parameters": params, "End": True}))


@pytest.mark.parametrize(
    ("value", "pointer"),
    [
        (23, "/States/A/Parameters/bad.$"),
        ("23", "/States/A/Parameters/bad.$"),
        ("$$23", "/States/A/Parameters/bad.$"),
        ("States.Xyz($.a)", "/States/A/Parameters/bad.$"),
        ("States.ArrayLength($.a, 1)", "/States/A/Parameters/bad.$"),
        (" States.UUID()", "/States/A/Parameters/bad.$"),
        ({"f": 1}, "/States/A/Parameters/bad.$"),
    ],
)
def test_bad_template_expressions(value: object, pointer: str) -> None:
    doc = single({"Type": "Pass", "Parameters": {"bad.$": value}, "End": True})
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", pointer, after='"bad.$": ')
    assert diagnostic.message.startswith(
        "The value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic function call"
    )


def test_templates_are_checked_everywhere_they_occur() -> None:
    bad = {"x.$": "nope"}
    catch = [{"ErrorEquals": ["States.ALL"], "Assign": bad, "Next": "B"}]
    state = dict(
        TASK, ResultSelector=bad, Credentials={"RoleArn.$": "nope"}, Assign=bad, Catch=catch
    )
    doc = machine({"A": state, "B": SUCCEED})
    for pointer in (
        "ResultSelector/x.$",
        "Credentials/RoleArn.$",
        "Assign/x.$",
        "Catch/0/Assign/x.$",
    ):
        rejects(doc, "SCHEMA_VALIDATION_FAILED", f"/States/A/{pointer}")


def test_a_key_and_its_dollar_twin_collide() -> None:
    params = {"slack": {"channel.$": "$.channel", "channel": "general"}}
    doc = single({"Type": "Pass", "Parameters": params, "End": True})
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Parameters/slack/channel.$")
    assert "both produce the field 'channel'" in diagnostic.message


def test_a_path_without_dollar_key_is_a_warning() -> None:
    doc = single({"Type": "Pass", "Parameters": {"id": "$.id"}, "End": True})
    rejects(doc, "NO_DOLLAR", "/States/A/Parameters/id", severity="warning")
    accepts(doc)


# --- Choice rules -----------------------------------------------------------------------


def test_well_formed_choice_rules() -> None:
    accepts(
        choice(
            {"Variable": "$.a", "NumericGreaterThanEquals": 1, "Next": "B"},
            {
                "And": [
                    {"Variable": "$.b", "IsPresent": True},
                    {"Not": {"Variable": "$.c", "StringMatches": "x*"}},
                ],
                "Next": "B",
            },
            {"Variable": "$.t", "TimestampLessThan": "2024-01-01T00:00:00Z", "Next": "B"},
            {"Variable": "$$.Execution.Input.x", "StringEqualsPath": "$.y", "Next": "B"},
        )
    )


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"Variable": "$.a", "Next": "B"}, "needs a comparison operator"),
        (
            {"Variable": "$.a", "StringEquals": "x", "IsNull": True, "Next": "B"},
            "only one comparison operator",
        ),
        ({"NumericEquals": 1, "Next": "B"}, "requires the field 'Variable'"),
        (
            {
                "Variable": "$.a",
                "IsNull": True,
                "And": [{"Variable": "$.b", "IsNull": True}],
                "Next": "B",
            },
            "cannot also use And",
        ),
        ({"Next": "B"}, "needs a 'Variable'"),
    ],
)
def test_malformed_choice_rules(rule: dict, fragment: str) -> None:
    diagnostic = rejects(choice(rule), "SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0")
    assert fragment in diagnostic.message


def test_nested_rules_are_checked_and_cannot_have_next() -> None:
    doc = choice({"Not": {"Variable": "$.a"}, "Next": "B"})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/Not")
    doc = choice({"Or": [{"Variable": "$.a", "IsNull": True, "Next": "B"}], "Next": "B"})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/Or/0/Next")


def test_a_rule_cannot_end_the_machine() -> None:
    rejects(
        choice({"Variable": "$.a", "IsNull": True, "End": True, "Next": "B"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/C/Choices/0/End",
    )


def test_choice_variables_and_operand_paths_compile() -> None:
    doc = choice({"Variable": "States.ArrayContains($.a, 'x')", "NumericEquals": 1, "Next": "B"})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/Variable")
    doc = choice({"Variable": "$.a", "NumericEqualsPath": "x", "Next": "B"})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/NumericEqualsPath")


def test_timestamp_operands_are_rfc3339() -> None:
    doc = choice({"Variable": "$.t", "TimestampEquals": "yesterday", "Next": "B"})
    rejects(
        doc, "SCHEMA_VALIDATION_FAILED", "/States/C/Choices/0/TimestampEquals", at='"yesterday"'
    )


def test_operand_types_follow_the_operator() -> None:
    rejects(
        choice({"Variable": "$.a", "NumericEquals": "1", "Next": "B"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/C/Choices/0/NumericEquals",
    )
    rejects(
        choice({"Variable": "$.a", "IsNull": "yes", "Next": "B"}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/C/Choices/0/IsNull",
    )


# --- Retry and Catch ---------------------------------------------------------------------


def test_states_all_alone_and_last() -> None:
    ok = [{"ErrorEquals": ["Custom"]}, {"ErrorEquals": ["States.ALL"]}]
    accepts(single(dict(TASK, Retry=ok)))
    alone = [{"ErrorEquals": ["States.ALL", "Custom"]}]
    diagnostic = rejects(
        single(dict(TASK, Retry=alone)), "SCHEMA_VALIDATION_FAILED", "/States/A/Retry/0/ErrorEquals"
    )
    assert "alone" in diagnostic.message
    catch = [{"ErrorEquals": ["States.ALL"], "Next": "B"}, {"ErrorEquals": ["X"], "Next": "B"}]
    doc = machine({"A": dict(TASK, Catch=catch), "B": SUCCEED})
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Catch/0/ErrorEquals")
    assert "last catcher" in diagnostic.message


def test_paths_in_a_pass_result_are_static_with_a_warning() -> None:
    doc = single({"Type": "Pass", "Result": {"nested": {"x.$": "$.x"}}, "End": True})
    accepts(doc)
    rejects(doc, "PASS_RESULT_IS_STATIC", "/States/A/Result/nested/x.$", severity="warning")
    assert [
        d for d in validate(single({"Type": "Pass", "Result": {"x": "$.x"}, "End": True}))
    ] == []


def test_a_fail_error_that_looks_like_a_path_is_a_warning() -> None:
    doc = single({"Type": "Fail", "Error": "$.error", "Cause": "plain"})
    accepts(doc)
    rejects(doc, "NO_PATH", "/States/A/Error", severity="warning")
    assert validate(single({"Type": "Fail", "Error": "Plain", "Cause": "plain"})) == []
