"""JSONata in JSONata states: syntax, bare top-level fields, $states members by field."""

from __future__ import annotations

import pytest
from validation_helpers import accepts, machine, rejects, single

TASK = {
    "Type": "Task",
    "QueryLanguage": "JSONata",
    "Resource": "arn:aws:states:::lambda:invoke",
    "End": True,
}


def jsonata_pass(**fields: object) -> dict:
    return single({"Type": "Pass", "QueryLanguage": "JSONata", "End": True, **fields})


def test_expressions_that_parse_are_accepted() -> None:
    accepts(
        jsonata_pass(Output={"sum": "{% $sum($states.input.items.price) %}", "n": [1, "{%10%}"]})
    )
    accepts(jsonata_pass(Assign={"items": "{% $states.input.items[price > 10] %}"}))


@pytest.mark.parametrize(
    "expression",
    [
        "{% 10 + * 2 %}",
        "{% $sum($states.input.n %}",
        "{% 420. %}",
        "{% $.store.book[?(@.price < 10)] %}",
    ],
)
def test_unparsable_expressions_are_invalid(expression: str) -> None:
    doc = jsonata_pass(Output={"v": expression})
    rejects(doc, "INVALID_JSONATA_EXPRESSION", "/States/A/Output/v", at=f'"{expression}"')


def test_expressions_are_found_at_any_depth_of_every_field() -> None:
    bad = "{% ) %}"
    doc = machine(
        {
            "A": dict(
                TASK, Arguments={"deep": [{"x": bad}]}, TimeoutSeconds=bad, Next="C", End=None
            ),
            "C": {
                "Type": "Choice",
                "QueryLanguage": "JSONata",
                "Choices": [{"Condition": bad, "Next": "D"}],
                "Default": "D",
            },
            "D": {"Type": "Succeed"},
        }
    )
    del doc["States"]["A"]["End"]
    for pointer in (
        "/States/A/Arguments/deep/0/x",
        "/States/A/TimeoutSeconds",
        "/States/C/Choices/0/Condition",
    ):
        rejects(doc, "INVALID_JSONATA_EXPRESSION", pointer)


def test_bare_top_level_fields_are_unsupported() -> None:
    accepts(jsonata_pass(Output="{% $states.input.phone %}"))
    diagnostic = rejects(
        jsonata_pass(Output={"v": "{% phone %}"}),
        "UNSUPPORTED_JSONATA_EXPRESSION",
        "/States/A/Output/v",
    )
    assert diagnostic.message == "Reference to 'phone' at the top level is not supported."


def test_states_result_only_in_output_and_assign_of_task_map_parallel() -> None:
    accepts(
        single(
            dict(TASK, Output="{% $states.result.Payload %}", Assign={"r": "{% $states.result %}"})
        )
    )
    doc = single(dict(TASK, Arguments={"r": "{% $states.result %}"}))
    rejects(doc, "UNSUPPORTED_JSONATA_EXPRESSION", "/States/A/Arguments/r")
    rejects(
        jsonata_pass(Output="{% $states.result %}"),
        "UNSUPPORTED_JSONATA_EXPRESSION",
        "/States/A/Output",
    )


def test_states_error_output_only_in_catchers() -> None:
    catch = [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "B"}]
    accepts(machine({"A": dict(TASK, Catch=catch, End=True), "B": {"Type": "Succeed"}}))
    doc = single(dict(TASK, Output="{% $states.errorOutput %}"))
    rejects(doc, "UNSUPPORTED_JSONATA_EXPRESSION", "/States/A/Output")


def test_misdelimited_expressions_are_literal_strings_with_a_warning() -> None:
    for literal in ("{% 10 %", "10 %}", " {% 10 %}"):
        doc = jsonata_pass(Output={"v": literal})
        accepts(doc)
        rejects(doc, "JSONATA_DELIMITERS", "/States/A/Output/v", severity="warning")


def test_jsonpath_states_do_not_evaluate_jsonata() -> None:
    accepts(single({"Type": "Pass", "Result": "{% not jsonata here ( %}", "End": True}))


@pytest.mark.parametrize(("expression", "name"), [("{% $.phone %}", "$"), ("{% $$ %}", "$$")])
def test_the_context_at_the_top_level_is_unsupported(expression: str, name: str) -> None:
    diagnostic = rejects(
        jsonata_pass(Output={"v": expression}),
        "UNSUPPORTED_JSONATA_EXPRESSION",
        "/States/A/Output/v",
    )
    assert diagnostic.message == f"Reference to '{name}' at the top level is not supported."


def test_the_context_inside_a_predicate_is_the_item_at_hand() -> None:
    accepts(jsonata_pass(Output="{% $states.input.items[$.price > 10] %}"))


def test_states_members_are_found_in_the_syntax_tree_not_in_strings() -> None:
    accepts(jsonata_pass(Output="{% 'mention $states.result in text' %}"))
