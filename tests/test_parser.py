"""Building the AST: which states can read the Context object."""

from __future__ import annotations

import asl


def test_only_states_that_mention_the_context_object_read_it() -> None:
    machine = asl.parse(
        {
            "StartAt": "Plain",
            "States": {
                "Plain": {"Type": "Pass", "Parameters": {"a.$": "$.a"}, "Next": "Param"},
                "Param": {
                    "Type": "Pass",
                    "Parameters": {"id.$": "$$.Execution.Id"},
                    "Next": "Deep",
                },
                "Deep": {
                    "Type": "Pass",
                    "Parameters": {"list": [{"x.$": "States.Format('{}', $$.State.Name)"}]},
                    "Next": "Fan",
                },
                "Fan": {
                    "Type": "Map",
                    "ItemSelector": {"i.$": "$$.Map.Item.Index"},
                    "ItemProcessor": {
                        "StartAt": "Inner",
                        "States": {"Inner": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                },
            },
        }
    )
    reads = {name: state.uses_context for name, state in machine.states.items()}
    assert reads == {"Plain": False, "Param": True, "Deep": True, "Fan": True}
    assert machine.states["Fan"].processor.states["Inner"].uses_context is False


def test_jsonata_states_binding_counts_as_reading_the_context() -> None:
    machine = asl.parse(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Output": "{% $states.context.State.Name %}", "Next": "B"},
                "B": {"Type": "Pass", "Output": "{% 1 + 1 %}", "End": True},
            },
        }
    )
    assert machine.states["A"].uses_context is True
    assert machine.states["B"].uses_context is False


def test_a_state_reading_the_context_sees_it_when_others_do_not() -> None:
    ex = asl.run(
        {
            "StartAt": "Plain",
            "States": {
                "Plain": {"Type": "Pass", "Result": {"x": 1}, "Next": "Named"},
                "Named": {"Type": "Pass", "Parameters": {"name.$": "$$.State.Name"}, "End": True},
            },
        }
    )
    assert ex.output == {"name": "Named"}
