"""The self-contained HTML page: offline, carrying the graph, an execution or coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import asl
import asl.graph

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "order.asl.json"


def _data(page: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="asl-data">(.*?)</script>', page, re.S)
    assert m, "the page carries its data"
    return json.loads(m.group(1))


def test_the_page_is_one_offline_file_with_the_layout_engine_inlined():
    page = asl.graph.to_html(asl.parse(EXAMPLE))
    assert page.startswith("<!DOCTYPE html>")
    # nothing is fetched: no external script, stylesheet, image or font
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert "@import" not in page and "url(http" not in page
    assert "dagre" in page and "graphlib" in page
    assert page.count("<script") == 3
    data = _data(page)
    names = {n["name"] for n in data["graph"]["nodes"] if n["name"]}
    assert names == {
        "ValidateOrder",
        "PriceOrder",
        "ChargeCard",
        "SendReceipt",
        "OrderRejected",
        "PaymentFailed",
    }
    assert data["execution"] is None and data["coverage"] is None


def test_text_that_looks_like_markup_cannot_break_out_of_the_page():
    name = "</script><script>alert(1)</script>"
    machine = asl.parse({"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}})
    ex = asl.run(machine, {"x": "</script><!--"})
    page = asl.graph.to_html(machine, ex)
    assert "<script>alert(1)" not in page and "<!--" not in page.split("<script", 1)[1]
    data = _data(page)
    assert data["graph"]["nodes"][1]["name"] == name
    run = data["execution"]["states"][name]
    assert json.loads(run["payloads"][0]["input"]) == {"x": "</script><!--"}


def test_an_execution_view_carries_the_path_the_timeline_and_the_payloads():
    def validate(event: Any, context: Any) -> Any:
        raise type("InvalidOrder", (Exception,), {})("no items")

    machine = asl.parse(EXAMPLE)
    ex = asl.run(machine, {"items": []}, functions={"validate-order": validate})
    assert ex.status == "FAILED" and ex.error == "OrderRejected"
    page = asl.graph.execution_html(ex, machine)
    data = _data(page)
    overlay = data["execution"]
    assert overlay["status"] == "FAILED" and overlay["error"] == "OrderRejected"
    assert overlay["states"]["ValidateOrder"]["status"] == "caught"
    assert overlay["states"]["OrderRejected"]["status"] == "failed"
    assert "PriceOrder" not in overlay["states"]
    assert overlay["transitions"] == {"ValidateOrder\u2192OrderRejected\u00a0Catch[0]": 1}
    assert [e["type"] for e in overlay["timeline"]["events"]][-1] == "ExecutionFailed"
    assert f"Execution {ex.name}" in page


def test_coverage_is_carried_with_transitions_keyed_as_the_graph_keys_its_edges():
    machine = asl.parse(EXAMPLE)
    coverage = {
        "states": {"ValidateOrder": 3, "PriceOrder": 2},
        "transitions": {
            ("ValidateOrder", "PriceOrder", "Next"): 2,
            ("ChargeCard", "ChargeCard", "Retry[0]"): 0,
        },
    }
    data = _data(asl.graph.to_html(machine, coverage=coverage))
    assert data["coverage"]["states"] == {"ValidateOrder": 3, "PriceOrder": 2}
    keys = {e["key"] for e in data["graph"]["edges"] if e["key"]}
    assert set(data["coverage"]["transitions"]) <= keys
    assert data["coverage"]["transitions"]["ValidateOrder\u2192PriceOrder\u00a0Next"] == 2


@pytest.mark.parametrize(
    "coverage, message",
    [
        ({"states": {"A": -1}}, "non-negative integer"),
        ({"states": {"A": "3"}}, "non-negative integer"),
        ({"transitions": {("A", "B"): 1}}, "is not a (source, target, label) tuple"),
        ({"states": ["A"]}, "must be mappings"),
    ],
)
def test_bad_coverage_data_is_a_clear_error(coverage: Any, message: str):
    with pytest.raises((TypeError, ValueError), match=re.escape(message)):
        asl.graph.to_html(asl.parse(EXAMPLE), coverage=coverage)


def test_functions_accept_a_definition_as_well_as_a_parsed_machine():
    assert asl.graph.to_mermaid(EXAMPLE) == asl.graph.to_mermaid(asl.parse(EXAMPLE))
    with pytest.raises(asl.DefinitionError):
        asl.graph.to_html({"StartAt": "Nowhere", "States": {}})


def test_a_running_execution_shows_the_state_it_waits_in_as_in_progress():
    import anyio

    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "W"},
            "W": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
                "End": True,
            },
        },
    }
    seen: dict[str, Any] = {}

    async def main() -> None:
        sqs = {"arn:aws:states:::sqs:sendMessage": lambda p, c: {}}
        async with asl.start(definition, {}, resources=sqs) as handle:
            await handle.wait_for_task_token("W")
            seen.update(_data(asl.graph.to_html(definition, handle))["execution"])
            handle.stop("Stopped", "by the test")

    anyio.run(main)
    assert seen["status"] == "RUNNING"
    assert {k: v["status"] for k, v in seen["states"].items()} == {"A": "succeeded", "W": "running"}
