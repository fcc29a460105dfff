"""asl.testing.coverage: possible and taken transitions, from the machine and the history."""

from __future__ import annotations

import asl
from asl.testing.coverage import Coverage, possible_transitions, taken_transitions

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


def failing(times: int, error: type[Exception]):
    calls = {"n": 0}

    def handler(event: object, context: object) -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error("no")
        return "ok"

    return handler


RETRYING = {
    "StartAt": "Call",
    "States": {
        "Call": {
            "Type": "Task",
            "Resource": LAMBDA + "call",
            "Retry": [
                {"ErrorEquals": ["ValueError"], "MaxAttempts": 1},
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 3},
            ],
            "End": True,
        }
    },
}


def test_each_retrier_that_fired_is_a_transition_once_per_retry() -> None:
    machine = asl.parse(RETRYING)
    ex = asl.run(machine, functions={"call": failing(2, KeyError)})
    assert ex.status == "SUCCEEDED"
    assert taken_transitions(machine, ex.history) == [
        ("Call", "Call", "Retry[1]"),
        ("Call", "Call", "Retry[1]"),
    ]
    ex = asl.run(machine, functions={"call": failing(1, ValueError)})
    assert taken_transitions(machine, ex.history) == [("Call", "Call", "Retry[0]")]


def test_parallel_branches_and_map_processor_are_transitions() -> None:
    machine = asl.parse(
        {
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True}}},
                        {"StartAt": "R", "States": {"R": {"Type": "Pass", "End": True}}},
                    ],
                    "Next": "Each",
                },
                "Each": {
                    "Type": "Map",
                    "ItemsPath": "$[0]",
                    "ItemProcessor": {
                        "StartAt": "Item",
                        "States": {"Item": {"Type": "Pass", "End": True}},
                    },
                    "End": True,
                },
            },
        }
    )
    assert possible_transitions(machine) == [
        ("Both", "Each", "Next"),
        ("Both", "L", "Branches[0]"),
        ("Both", "R", "Branches[1]"),
        ("Each", "Item", "ItemProcessor"),
    ]
    ex = asl.run(machine, [1, 2])
    taken = taken_transitions(machine, ex.history)
    assert sorted(taken) == sorted(
        [
            ("Both", "L", "Branches[0]"),
            ("Both", "R", "Branches[1]"),
            ("Both", "Each", "Next"),
            ("Each", "Item", "ItemProcessor"),
            ("Each", "Item", "ItemProcessor"),
        ]
    )
    cov = Coverage()
    cov.record(machine, ex)
    (entry,) = cov.definitions.values()
    assert entry.states == {"Both": 1, "Each": 1, "L": 1, "R": 1, "Item": 2}
    assert entry.percent == 100.0


def test_catchers_are_told_apart_by_the_error() -> None:
    machine = asl.parse(
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": LAMBDA + "call",
                    "Catch": [
                        {"ErrorEquals": ["ValueError"], "Next": "Handle"},
                        {"ErrorEquals": ["States.ALL"], "Next": "Handle"},
                    ],
                    "End": True,
                },
                "Handle": {"Type": "Pass", "End": True},
            },
        }
    )
    ex = asl.run(machine, functions={"call": failing(1, KeyError)})
    assert taken_transitions(machine, ex.history) == [("Call", "Handle", "Catch[1]")]
    ex = asl.run(machine, functions={"call": failing(1, ValueError)})
    assert taken_transitions(machine, ex.history) == [("Call", "Handle", "Catch[0]")]


def test_choice_rules_and_default() -> None:
    machine = asl.parse(
        {
            "StartAt": "Pick",
            "States": {
                "Pick": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.n", "NumericEquals": 1, "Next": "One"},
                        {"Variable": "$.n", "NumericEquals": 2, "Next": "Two"},
                    ],
                    "Default": "One",
                },
                "One": {"Type": "Succeed"},
                "Two": {"Type": "Succeed"},
            },
        }
    )
    assert taken_transitions(machine, asl.run(machine, {"n": 2}).history) == [
        ("Pick", "Two", "Choices[1]")
    ]
    # a rule and the Default share a target: the rules, evaluated again on the recorded
    # input, tell which one sent the execution there
    assert taken_transitions(machine, asl.run(machine, {"n": 9}).history) == [
        ("Pick", "One", "Default")
    ]
    assert taken_transitions(machine, asl.run(machine, {"n": 1}).history) == [
        ("Pick", "One", "Choices[0]")
    ]


def test_definitions_are_told_apart_by_content_and_named() -> None:
    cov = Coverage()
    one = asl.parse({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    two = asl.parse({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    cov.record(one, asl.run(one), name="flows/a.json")
    cov.record(one, asl.run(one))  # same content: same entry, whatever the name
    cov.record(two, asl.run(two))
    cov.record(two, asl.run(two), name="flows/a.json")  # same name, other content
    assert sorted(cov.definitions) == ["<definition StartAt=A>", "flows/a.json"]
    assert cov.definitions["flows/a.json"].states == {"A": 2}
    assert cov.definitions["<definition StartAt=A>"].states == {"A": 2}


def test_report_table_and_json() -> None:
    cov = Coverage()
    machine = asl.parse(RETRYING)
    cov.record(machine, asl.run(machine, functions={"call": failing(0, KeyError)}), name="r.json")
    table = cov.report(show_missing=True).splitlines()
    assert table[0].split() == ["Name", "States", "Miss", "Trans", "Miss", "Cover", "Missing"]
    assert table[2].split(maxsplit=6) == [
        "r.json",
        "1",
        "0",
        "2",
        "2",
        "33%",
        "Call->Call (Retry[0]), Call->Call (Retry[1])",
    ]
    assert table[-1].split() == ["TOTAL", "1", "0", "2", "2", "33%"]
    summary = cov.to_json()["definitions"]["r.json"]["summary"]
    assert summary == {
        "states": 1,
        "missed_states": 0,
        "transitions": 2,
        "missed_transitions": 2,
        "percent_covered": 33.33,
    }


def test_a_parallel_retried_after_a_branch_failed() -> None:
    machine = asl.parse(
        {
            "StartAt": "Both",
            "States": {
                "Both": {
                    "Type": "Parallel",
                    "Retry": [
                        {"ErrorEquals": ["TypeError"]},
                        {"ErrorEquals": ["ValueError"], "MaxAttempts": 2},
                    ],
                    "Branches": [
                        {
                            "StartAt": "Call",
                            "States": {
                                "Call": {
                                    "Type": "Task",
                                    "Resource": LAMBDA + "call",
                                    "End": True,
                                }
                            },
                        }
                    ],
                    "End": True,
                }
            },
        }
    )
    ex = asl.run(machine, functions={"call": failing(1, ValueError)})
    assert ex.status == "SUCCEEDED"
    assert sorted(taken_transitions(machine, ex.history)) == [
        ("Both", "Both", "Retry[1]"),
        ("Both", "Call", "Branches[0]"),
        ("Both", "Call", "Branches[0]"),
    ]


def test_html_pages_are_drawn_by_asl_graph_when_it_is_there(tmp_path, monkeypatch) -> None:
    import sys
    import types

    drawn = []

    def to_html(machine, coverage):
        drawn.append(coverage)
        return "<html>drawn</html>"

    fake = types.ModuleType("asl.graph")
    fake.to_html = to_html  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "asl.graph", fake)
    machine = asl.parse(RETRYING)
    cov = Coverage()
    cov.record(machine, asl.run(machine, functions={"call": failing(1, ValueError)}))
    cov.write_html(tmp_path)
    assert (tmp_path / "definition_0.html").read_text() == "<html>drawn</html>"
    assert drawn == [
        {
            "states": {"Call": 1},
            "transitions": {("Call", "Call", "Retry[0]"): 1, ("Call", "Call", "Retry[1]"): 0},
        }
    ]


def test_html_pages_are_tables_without_asl_graph(tmp_path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "asl.graph", None)  # import fails
    machine = asl.parse(RETRYING)
    cov = Coverage()
    cov.record(machine, asl.run(machine, functions={"call": failing(0, ValueError)}))
    page = tmp_path / "definition_0.html"
    cov.write_html(tmp_path)
    text = page.read_text()
    assert "<tr class='hit'><td>Call</td><td>1</td></tr>" in text
    assert "<td>Retry[0]</td><td>0</td></tr>" in text
