"""``asl graph FILE`` and ``asl run FILE --report OUT``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from asl.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORDER = str(EXAMPLES / "order.asl.json")


def test_graph_prints_mermaid_by_default(capsys):
    assert main(["graph", ORDER]) == 0
    out = capsys.readouterr().out
    assert out.startswith("flowchart TD\n") and "ChargeCard" in out


def test_graph_writes_dot_and_html_and_picks_the_format_from_the_suffix(tmp_path, capsys):
    assert main(["graph", ORDER, "--format", "dot"]) == 0
    assert capsys.readouterr().out.startswith("digraph")
    page = tmp_path / "order.html"
    assert main(["graph", ORDER, "-o", str(page)]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    mmd = tmp_path / "order.mmd"
    assert main(["graph", ORDER, "-o", str(mmd)]) == 0
    assert mmd.read_text(encoding="utf-8").startswith("flowchart TD")
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_writes_svg_with_graphviz(tmp_path):
    out = tmp_path / "order.svg"
    assert main(["graph", ORDER, "--format", "svg", "-o", str(out)]) == 0
    assert "<svg" in out.read_text(encoding="utf-8")


def test_graph_svg_without_graphviz_fails_with_advice(monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    assert main(["graph", ORDER, "--format", "svg"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("asl graph: SVG output needs Graphviz") and "'html'" in err


def test_graph_of_an_invalid_definition_lists_its_diagnostics(capsys):
    bad = str(EXAMPLES / "invalid" / "missing-target.asl.json")
    assert main(["graph", bad]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:10:15: MISSING_TRANSITION_TARGET" in err


def test_graph_usage_errors_exit_2(capsys, tmp_path):
    assert main(["graph", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["graph", ORDER, "--format", "png"])
    assert info.value.code == 2


def test_run_report_writes_the_execution_view(tmp_path, capsys):
    report = tmp_path / "run.html"
    code = main(
        [
            "run",
            str(EXAMPLES / "user_data.asl.json"),
            "--input",
            "@" + str(EXAMPLES / "user_data" / "input.json"),
            "--functions",
            str(EXAMPLES / "user_data" / "handlers.py"),
            "--report",
            str(report),
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["notification"]["sent"] is True
    page = report.read_text(encoding="utf-8")
    assert (
        '"UpdateDatabase":{"name":"UpdateDatabase","status":"succeeded","visits":1,"retries":2'
        in page
    )


def test_run_report_is_written_for_a_failed_execution_too(tmp_path, capsys):
    report = tmp_path / "failed.html"
    definition = tmp_path / "fail.json"
    definition.write_text(
        json.dumps({"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Nope"}}})
    )
    assert main(["run", str(definition), "--report", str(report)]) == 1
    assert "FAILED: Nope" in capsys.readouterr().err
    assert '"status":"FAILED"' in report.read_text(encoding="utf-8")


def test_graph_draws_a_state_machine_of_a_template(capsys):
    template = str(Path(__file__).resolve().parents[2] / "examples/sam-orders/template.yaml")
    assert main(["graph", template]) == 0
    out = capsys.readouterr().out
    assert out.startswith("flowchart TD\n")
    assert "ValidateOrder" in out and "NeedsApproval" in out
    assert main(["graph", template, "--state-machine", "NoSuchMachine"]) == 2
    assert "NoSuchMachine" in capsys.readouterr().err
