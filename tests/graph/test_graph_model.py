"""The drawable graph built from a parsed machine: nodes, clusters, edges and their keys."""

from __future__ import annotations

import asl
from asl.graph.model import Graph, build

MACHINE = {
    "Comment": "Every kind of edge",
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Work"},
                {
                    "And": [
                        {"Variable": "$.s", "StringMatches": "a*"},
                        {"Not": {"Variable": "$.t", "IsPresent": True}},
                    ],
                    "Next": "Fan",
                },
            ],
            "Default": "Rest",
        },
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": "arn:aws:lambda:us-east-1:1:function:price",
                "Payload.$": "$",
            },
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "X"], "MaxAttempts": 4}],
            "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Broken"}],
            "End": True,
        },
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                {
                    "StartAt": "Each",
                    "States": {
                        "Each": {
                            "Type": "Map",
                            "ItemProcessor": {
                                "StartAt": "Item",
                                "States": {"Item": {"Type": "Pass", "End": True}},
                            },
                            "End": True,
                        }
                    },
                },
            ],
            "Next": "Rest",
        },
        "Rest": {"Type": "Wait", "Seconds": 5, "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Broken": {"Type": "Fail", "Error": "WorkFailed"},
    },
}


def _graph() -> Graph:
    return build(asl.parse(MACHINE))


def _edge(graph: Graph, key: tuple[str, str, str]):
    found = [e for e in graph.edges if e.key == key]
    assert len(found) == 1, (key, [e.key for e in graph.edges])
    return found[0]


def test_every_state_is_a_node_with_its_type_and_start_and_end_are_nodes():
    graph = _graph()
    kinds = {n.name: n.kind for n in graph.nodes if n.name}
    assert kinds == {
        "Route": "Choice",
        "Work": "Task",
        "Fan": "Parallel",
        "A": "Pass",
        "Each": "Map",
        "Item": "Pass",
        "Rest": "Wait",
        "Done": "Succeed",
        "Broken": "Fail",
    }
    assert [n.kind for n in graph.nodes if not n.name].count("Start") == 1
    start = next(e for e in graph.edges if e.kind == "Start")
    assert graph.nodes[0].kind == "Start" and start.target == graph.state_nodes["Route"]


def test_choice_rules_are_labelled_with_their_condition_and_default_is_marked():
    graph = _graph()
    assert _edge(graph, ("Route", "Work", "Choices[0]")).label == "$.n > 3"
    fan = _edge(graph, ("Route", "Fan", "Choices[1]"))
    assert fan.detail == '($.s matches "a*") and (not ($.t is present))'
    default = _edge(graph, ("Route", "Rest", "Default"))
    assert default.kind == "Default" and default.label == "Default"


def test_catch_edges_carry_their_error_names_and_retry_is_a_loop_with_its_attempts():
    graph = _graph()
    catch = _edge(graph, ("Work", "Broken", "Catch[0]"))
    assert catch.kind == "Catch" and catch.label == "States.TaskFailed"
    retry = _edge(graph, ("Work", "Work", "Retry[0]"))
    assert retry.source == retry.target == graph.state_nodes["Work"]
    assert "\u00d74" in retry.label
    assert "Lambda.ServiceException, X" in retry.detail


def test_parallel_branches_and_map_processors_are_nested_clusters():
    graph = _graph()
    clusters = {c.id: c for c in graph.clusters}
    nodes = {n.name: n for n in graph.nodes if n.name}

    def chain(node_name: str) -> list[str]:
        out, cid = [], nodes[node_name].cluster
        while cid is not None:
            out.append(clusters[cid].kind)
            cid = clusters[cid].parent
        return out

    assert chain("Fan") == ["Parallel"]
    assert chain("A") == ["Branch", "Parallel"]
    assert chain("Each") == ["Map", "Branch", "Parallel"]
    assert chain("Item") == ["ItemProcessor", "Map", "Branch", "Parallel"]
    assert [c.label for c in graph.clusters if c.kind == "Branch"] == ["Branch 1", "Branch 2"]
    assert _edge(graph, ("Fan", "A", "Branches[0]")).kind == "Branch"
    assert _edge(graph, ("Fan", "Each", "Branches[1]")).kind == "Branch"
    assert _edge(graph, ("Each", "Item", "ItemProcessor")).kind == "Branch"


def test_a_parallel_state_leaves_from_its_join_node_after_its_branches_end():
    graph = _graph()
    nxt = _edge(graph, ("Fan", "Rest", "Next"))
    join = next(n for n in graph.nodes if n.id == nxt.source)
    assert (
        join.kind == "Join"
        and join.cluster
        == graph.nodes[[n.id for n in graph.nodes].index(graph.state_nodes["Fan"])].cluster
    )
    into_join = {e.source for e in graph.edges if e.target == join.id}
    assert graph.state_nodes["A"] in into_join


def test_nodes_say_what_a_task_calls_how_long_a_wait_waits_and_what_a_fail_raises():
    graph = _graph()
    detail = {n.name: n.detail for n in graph.nodes if n.name}
    assert detail["Work"] == "Lambda price"
    assert detail["Rest"] == "Wait 5s"
    assert detail["Broken"] == "WorkFailed"


def test_terminal_states_lead_to_the_end_node():
    graph = _graph()
    ends = {e.source for e in graph.edges if e.kind == "End"}
    assert ends == {graph.state_nodes["Work"], graph.state_nodes["Done"]}


def test_jsonata_conditions_label_their_edges_with_the_expression():
    machine = asl.parse(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Condition": "{% $states.input.n > 3 %}", "Next": "A"}],
                    "Default": "A",
                },
                "A": {"Type": "Pass", "End": True},
            },
        }
    )
    labels = {e.key: e.label for e in build(machine).edges if e.key}
    assert labels[("C", "A", "Choices[0]")] == "$states.input.n > 3"


def test_comparison_rules_read_as_written_from_the_definition_or_the_ast():
    import dataclasses

    machine = asl.parse(
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.t", "TimestampGreaterThanPath": "$.u", "Next": "A"},
                        {"Not": {"Variable": "$.x", "IsNull": False}, "Next": "A"},
                        {"Variable": "$.s", "StringEquals": "x", "Next": "A"},
                    ],
                    "Default": "A",
                },
                "A": {"Type": "Pass", "End": True},
            },
        }
    )
    expected = ["$.t > $.u", "not ($.x is not null)", '$.s == "x"', "Default"]
    assert [e.label for e in build(machine).edges if e.key] == expected
    # a machine built without its definition's text falls back to the compiled rules
    bare = dataclasses.replace(machine, definition={})
    assert [e.label for e in build(bare).edges if e.key] == expected


def test_long_rules_are_shortened_on_the_edge_and_kept_whole_in_the_tooltip():
    rule = {
        "Variable": "$.a_rather_long_field_name.and_more",
        "StringEquals": "x" * 40,
        "Next": "A",
    }
    machine = asl.parse(
        {
            "StartAt": "C",
            "States": {
                "C": {"Type": "Choice", "Choices": [rule], "Default": "A"},
                "A": {"Type": "Pass", "End": True},
            },
        }
    )
    edge = next(e for e in build(machine).edges if e.key == ("C", "A", "Choices[0]"))
    assert len(edge.label) == 48 and edge.label.endswith("\u2026")
    assert edge.detail == f'$.a_rather_long_field_name.and_more == "{"x" * 40}"'
