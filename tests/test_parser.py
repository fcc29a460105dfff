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


def test_jsonata_states_input_and_result_alone_do_not_read_the_context() -> None:
    outputs = {
        "Input": "{% $states.input.a %}",
        "Spaced": "{% $states . input . a %}",
        "Context": "{% $states.context.Execution.Id %}",
        "Whole": "{% $states %}",
        "Subscript": '{% $states["context"] %}',
        "Lookup": "{% $lookup($states, 'context') %}",
        "Typo": "{% $states.inputs %}",
    }
    names = list(outputs)
    states = {
        name: {"Type": "Pass", "Output": output, "Next": names[i + 1]}
        for i, (name, output) in enumerate(outputs.items())
        if i + 1 < len(names)
    }
    states[names[-1]] = {"Type": "Pass", "Output": outputs[names[-1]], "End": True}
    machine = asl.parse({"QueryLanguage": "JSONata", "StartAt": names[0], "States": states})
    reads = {name: state.uses_context for name, state in machine.states.items()}
    assert reads == {
        "Input": False,
        "Spaced": False,
        "Context": True,
        "Whole": True,
        "Subscript": True,
        "Lookup": True,
        "Typo": True,
    }


def test_jsonata_context_reads_see_the_context_beside_states_that_skip_it() -> None:
    ex = asl.run(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Input",
            "States": {
                "Input": {"Type": "Pass", "Output": "{% $states.input.a %}", "Next": "Whole"},
                "Whole": {
                    "Type": "Pass",
                    "Output": "{% [$states.input, $states.context.State.Name] %}",
                    "Next": "Lookup",
                },
                "Lookup": {
                    "Type": "Pass",
                    "Output": "{% $lookup($states, 'context').State.Name %}",
                    "End": True,
                },
            },
        },
        {"a": 7},
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.state_output("Input") == 7
    assert ex.state_output("Whole") == [7, "Whole"]
    assert ex.output == "Lookup"


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
