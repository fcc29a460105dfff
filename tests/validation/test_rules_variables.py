"""Workflow variables: a read that no Assign of its scope or an enclosing one sets is a
warning (UNDEFINED_VARIABLE), never an error."""

from __future__ import annotations

from typing import Any

import pytest
from validation_helpers import accepts, machine, rejects

from asl.validation import validate

CODE = "UNDEFINED_VARIABLE"


def undefined(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer, variable) of each UNDEFINED_VARIABLE diagnostic, checking it only warns."""
    found = []
    for diagnostic in validate(document):
        if diagnostic.code == CODE:
            assert diagnostic.severity == "warning", diagnostic
            found.append((diagnostic.path, diagnostic.message.split("'")[1]))
    return sorted(found)


def processor(states: dict[str, Any], **config: Any) -> dict[str, Any]:
    """A Map ItemProcessor holding ``states``."""
    return {"ProcessorConfig": config, **machine(states)} if config else machine(states)


def test_outer_variables_are_readable_in_map_and_parallel_states() -> None:
    document = machine(
        {
            "Init": {
                "Type": "Pass",
                "Assign": {"items.$": "$.items", "factor": 2},
                "Next": "M",
            },
            "M": {
                "Type": "Map",
                "ItemsPath": "$items",
                "ItemSelector": {"f.$": "$factor", "v.$": "$$.Map.Item.Value"},
                "ItemProcessor": processor(
                    {
                        "Mul": {
                            "Type": "Pass",
                            "Parameters": {"f.$": "States.MathAdd($factor, $late)"},
                            "Assign": {"own.$": "$factor"},
                            "Next": "Use",
                        },
                        "Use": {"Type": "Pass", "InputPath": "$own", "End": True},
                    }
                ),
                "Next": "P",
            },
            "P": {
                "Type": "Parallel",
                "Branches": [
                    machine(
                        {
                            "C": {
                                "Type": "Choice",
                                "Choices": [
                                    {
                                        "Variable": "$factor",
                                        "NumericEqualsPath": "$caught",
                                        "Next": "F",
                                    }
                                ],
                                "Default": "F",
                            },
                            "F": {"Type": "Fail", "ErrorPath": "$states_like", "CausePath": "$x"},
                        }
                    )
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"caught": 1}, "Next": "Late"}],
                "Next": "Late",
            },
            # Assigned after the reads above: still counts (no ordering analysis).
            "Late": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.a", "IsPresent": True, "Assign": {"x": 1}, "Next": "End"}
                ],
                "Default": "End",
                "Assign": {"late": 1, "states_like": "e"},
            },
            "End": {"Type": "Succeed"},
        }
    )
    accepts(document)
    assert undefined(document) == []


def test_jsonata_parameters_bound_names_builtins_and_states_are_not_variables() -> None:
    document = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"factor": 3}, "Next": "Use"},
            "Use": {
                "Type": "Pass",
                "Output": {
                    "mapped": "{% $map($states.input.l, function($v, $i) { $v * $i * $factor }) %}",
                    "bound": "{% ($n := $count($states.input.l); $n + $factor) %}",
                    "aws": "{% [$partition([1, 2], 1), $range(0, 4, 2), $hash('a', 'SHA-256'),"
                    " $random(), $uuid(), $parse('[1]')] %}",
                    "context": "{% $states.context.Execution.Id & $string($states.input) %}",
                    "positional": "{% $states.input.l@$item#$pos.($item + $pos) %}",
                },
                "End": True,
            },
        },
        QueryLanguage="JSONata",
    )
    accepts(document)
    assert undefined(document) == []


def test_a_variable_nobody_assigns_is_a_warning_at_the_field_reading_it() -> None:
    document = machine(
        {
            "A": {
                "Type": "Pass",
                "Assign": {"known": 1},
                "Parameters": {"deep": {"v.$": "States.Format('{} {}', $known, $missing)"}},
                "Next": "B",
            },
            "B": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": {"list": [1, "{% $known + $absent %}"]},
                "End": True,
            },
        }
    )
    accepts(document)  # a warning never makes a definition invalid
    diagnostic = rejects(
        document,
        CODE,
        "/States/A/Parameters/deep/v.$",
        severity="warning",
        at='"States.Format(',
    )
    assert diagnostic.message == (
        "The variable '$missing' is read but never assigned in this scope or an enclosing one"
    )
    rejects(document, CODE, "/States/B/Output/list/1", severity="warning")
    assert undefined(document) == [
        ("/States/A/Parameters/deep/v.$", "$missing"),
        ("/States/B/Output/list/1", "$absent"),
    ]


@pytest.mark.parametrize(
    ("state", "pointer"),
    [
        ({"Type": "Pass", "InputPath": "$nope", "End": True}, "/States/A/InputPath"),
        ({"Type": "Pass", "OutputPath": "$nope.a[0]", "End": True}, "/States/A/OutputPath"),
        ({"Type": "Fail", "CausePath": "States.Format('{}', $nope)"}, "/States/A/CausePath"),
        ({"Type": "Wait", "SecondsPath": "$nope", "End": True}, "/States/A/SecondsPath"),
        (
            {
                "Type": "Choice",
                "Choices": [{"Not": {"Variable": "$nope", "IsNull": True}, "Next": "A"}],
            },
            "/States/A/Choices/0/Not/Variable",
        ),
        (
            {"Type": "Pass", "Assign": {"v.$": "$nope"}, "End": True},
            "/States/A/Assign/v.$",
        ),
    ],
)
def test_every_kind_of_jsonpath_reference_is_checked(state: dict, pointer: str) -> None:
    assert undefined(machine({"A": state})) == [(pointer, "$nope")]


def test_sibling_and_inner_scopes_do_not_lend_their_variables() -> None:
    document = machine(
        {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    machine({"Set": {"Type": "Pass", "Assign": {"mine": 1}, "End": True}}),
                    machine({"Get": {"Type": "Pass", "InputPath": "$mine", "End": True}}),
                ],
                "Next": "After",
            },
            "After": {"Type": "Pass", "Parameters": {"m.$": "$mine"}, "End": True},
        }
    )
    assert undefined(document) == [
        ("/States/After/Parameters/m.$", "$mine"),
        ("/States/P/Branches/1/States/Get/InputPath", "$mine"),
    ]


def test_a_distributed_map_processor_cannot_read_outer_variables() -> None:
    document = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "M"},
            "M": {
                "Type": "Map",
                # The Map's own fields run in the parent: the way to pass variables in.
                "ItemSelector": {"o.$": "$outer"},
                "ItemProcessor": processor(
                    {
                        "Read": {
                            "Type": "Pass",
                            "Assign": {"child": 1},
                            "Parameters": {"o.$": "$outer"},
                            "Next": "Inner",
                        },
                        # Scopes inside the child workflow read the child's variables.
                        "Inner": {
                            "Type": "Parallel",
                            "Branches": [
                                machine({"B": {"Type": "Pass", "InputPath": "$child", "End": True}})
                            ],
                            "End": True,
                        },
                    },
                    Mode="DISTRIBUTED",
                    ExecutionType="STANDARD",
                ),
                "End": True,
            },
        }
    )
    accepts(document)
    assert undefined(document) == [("/States/M/ItemProcessor/States/Read/Parameters/o.$", "$outer")]
    inline = processor(document["States"]["M"]["ItemProcessor"]["States"], Mode="INLINE")
    document["States"]["M"]["ItemProcessor"] = inline
    assert undefined(document) == []


def test_references_that_do_not_compile_are_left_to_the_syntax_rules() -> None:
    document = machine(
        {
            "A": {
                "Type": "Pass",
                "Parameters": {"v.$": "States.Format('{}', $nope"},
                "InputPath": "$nope[",
                "End": True,
            }
        }
    )
    assert undefined(document) == []
    assert any(d.severity == "error" for d in validate(document))


def test_an_assign_that_is_not_an_object_hides_every_warning_of_its_scope() -> None:
    document = machine(
        {
            "A": {"Type": "Pass", "Assign": "{% {'x': 1} %}", "Next": "B"},
            "B": {"Type": "Pass", "InputPath": "$x", "End": True},
        }
    )
    assert undefined(document) == []
    document["States"]["A"]["Assign"] = {}
    assert undefined(document) == [("/States/B/InputPath", "$x")]
