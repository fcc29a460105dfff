"""``pytest --asl-cov``: state machine coverage across a session."""

from __future__ import annotations

import json

import pytest

DEFINITION = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.kind", "StringEquals": "gift", "Next": "Wrap"}],
            "Default": "Ship",
        },
        "Wrap": {"Type": "Pass", "Next": "Ship"},
        "Ship": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ship",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}],
            "End": True,
        },
        "Refund": {"Type": "Pass", "End": True},
    },
}

TESTS = """
from pathlib import Path
import asl

HERE = Path(__file__).parent

def ship(event, context):
    return "shipped"

def test_gift():
    ex = asl.run(HERE / "order.asl.json", {"kind": "gift"}, functions={"ship": ship})
    assert ex.status == "SUCCEEDED"
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "order.asl.json").write_text(json.dumps(DEFINITION))
    pytester.makepyfile(test_order=TESTS)
    return pytester


def test_term_missing_table_names_missed_states_and_transitions(project, run_tests) -> None:
    result = run_tests("--asl-cov", "--asl-cov-report=term-missing")
    result.assert_outcomes(passed=1)
    # 4 states (1 missed), 4 transitions (Choices[0], Default, Wrap->Ship, Catch[0]): 2 missed
    result.stdout.fnmatch_lines(
        [
            "*asl state machine coverage*",
            "Name*States*Miss*Trans*Miss*Cover*Missing",
            "order.asl.json*4*1*4*2*62%*Refund, Route->Ship (Default), Ship->Refund (Catch[[]0[]])",
            "TOTAL*4*1*4*2*62%",
        ]
    )


def test_coverage_adds_up_across_tests(project, run_tests) -> None:
    project.makepyfile(
        test_more="""
from pathlib import Path
import asl

def boom(event, context):
    raise RuntimeError("no stock")

def test_plain_order_fails_over_to_refund():
    ex = asl.run(Path(__file__).parent / "order.asl.json", {"kind": "plain"}, functions={"ship": boom})
    assert ex.output["Error"] == "RuntimeError"
"""
    )
    result = run_tests("--asl-cov", "--asl-cov-report=term-missing")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["order.asl.json*4*0*4*0*100%"])


def test_definitions_parsed_from_a_file_keep_its_name(project, run_tests) -> None:
    project.makepyfile(
        test_order="""
from pathlib import Path
import asl

MACHINE = asl.parse(Path(__file__).parent / "order.asl.json")

def test_gift():
    assert asl.run(MACHINE, {"kind": "gift"}, functions={"ship": lambda e, c: 1}).succeeded
"""
    )
    result = run_tests("--asl-cov")
    result.stdout.fnmatch_lines(["order.asl.json*4*1*4*2*62%"])


def test_a_dict_definition_gets_a_name_from_its_start_state(
    pytester: pytest.Pytester, run_tests
) -> None:
    pytester.makepyfile(
        test_dict="""
import asl

def test_pass():
    asl.run({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}})
"""
    )
    result = run_tests("--asl-cov")
    result.stdout.fnmatch_lines(["<definition StartAt=Only>*1*0*0*0*100%"])


def test_json_report(project, run_tests) -> None:
    result = run_tests("--asl-cov", "--asl-cov-report=json:out/cov.json")
    result.assert_outcomes(passed=1)
    report = json.loads((project.path / "out" / "cov.json").read_text())
    (name,) = report["definitions"]
    assert name.endswith("order.asl.json")
    entry = report["definitions"][name]
    assert entry["states"] == {"Route": 1, "Wrap": 1, "Ship": 1, "Refund": 0}
    taken = {(t["from"], t["to"], t["label"]): t["hits"] for t in entry["transitions"]}
    assert taken == {
        ("Route", "Wrap", "Choices[0]"): 1,
        ("Route", "Ship", "Default"): 0,
        ("Wrap", "Ship", "Next"): 1,
        ("Ship", "Refund", "Catch[0]"): 0,
    }
    assert entry["summary"]["percent_covered"] == 62.5
    assert "cov.json" in result.stdout.str()


def test_html_report(project, run_tests) -> None:
    run_tests("--asl-cov", "--asl-cov-report=html:htmlcov").assert_outcomes(passed=1)
    index = (project.path / "htmlcov" / "index.html").read_text()
    assert "order.asl.json" in index and "62%" in index
    page = (project.path / "htmlcov" / "definition_0.html").read_text()
    assert "Refund" in page


def test_fail_under_fails_the_session(project, run_tests) -> None:
    result = run_tests("--asl-cov", "--asl-cov-fail-under=80")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["FAIL Required asl coverage of 80% not reached*62.50%"])


def test_fail_under_met_passes(project, run_tests) -> None:
    result = run_tests("--asl-cov", "--asl-cov-fail-under=60")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["Required asl coverage of 60% reached*"])


def test_bad_report_type_is_a_usage_error(project, run_tests) -> None:
    result = run_tests("--asl-cov", "--asl-cov-report=xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--asl-cov-report=xml: the report type must be one of*"])


def test_report_options_need_asl_cov(project, run_tests) -> None:
    result = run_tests("--asl-cov-report=term")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*need --asl-cov*"])


def test_without_the_option_there_is_no_table(project, run_tests) -> None:
    result = run_tests()
    assert "asl state machine coverage" not in result.stdout.str()
