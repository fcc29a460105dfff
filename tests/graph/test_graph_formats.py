"""Every example and the conformance definitions with Parallel, Map, Choice and Catch
render in each format: Mermaid and DOT always, SVG when Graphviz is installed."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import asl
import asl.graph
from asl.graph.model import all_scopes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.asl.json") if "invalid" not in p.parts)


def _conformance_definitions() -> list[tuple[str, Any]]:
    out = []
    for path in sorted((ROOT / "conformance").rglob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8")).get("definition")
        text = json.dumps(definition)
        if any(f'"{word}"' in text for word in ("Parallel", "Map", "Choice", "Catch")):
            out.append((str(path.relative_to(ROOT)), definition))
    return out


DEFINITIONS: list[tuple[str, Any]] = [(str(p.relative_to(ROOT)), p) for p in EXAMPLES]
DEFINITIONS += _conformance_definitions()
IDS = [name for name, _ in DEFINITIONS]


def _state_names(machine: asl.StateMachine) -> set[str]:
    return {name for scope in all_scopes(machine) for name in scope.states}


def test_the_examples_and_conformance_cases_cover_every_construct():
    text = json.dumps(
        [json.dumps(d) if not isinstance(d, Path) else d.read_text() for _, d in DEFINITIONS]
    )
    for word in ("Parallel", "Map", "Choice", "Catch", "Retry", "Default"):
        assert word in text
    assert len(EXAMPLES) >= 3


_KEYWORDS = {"end", "subgraph", "graph", "flowchart", "style", "class", "classDef", "click"}
_MERMAID_NODE = re.compile(
    r'^\s*([A-Za-z_][\w]*)(\(\(|\(\[|\[\[|\[/|\{|\(|\[)"(.*)"(\)\)|\]\)|\]\]|/\]|\}|\)|\])$'
)
_MERMAID_EDGE = re.compile(r'^\s*(\w+) (-->|-\.->)(?:\|"([^"]*)"\|)? (\w+)$')


def _mermaid_entities(text: str) -> str:
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


@pytest.mark.parametrize("name, source", DEFINITIONS, ids=IDS)
def test_mermaid(name: str, source: Any) -> None:
    machine = asl.parse(source)
    text = asl.graph.to_mermaid(machine)
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    nodes: dict[str, str] = {}
    edges = []
    depth = 0
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("subgraph "):
            depth += 1
        elif stripped == "end":
            depth -= 1
            assert depth >= 0
        elif m := _MERMAID_NODE.match(line):
            assert m.group(1) != "end"  # a Mermaid keyword
            assert '"' not in m.group(3)
            nodes[m.group(1)] = _mermaid_entities(m.group(3))
        elif m := _MERMAID_EDGE.match(line):
            edges.append((m.group(1), m.group(4)))
        elif stripped.startswith(("classDef ", "class ")):
            assert stripped.split()[-1 if stripped.startswith("class ") else 1] not in _KEYWORDS
        else:
            assert stripped.startswith(("direction ", "style ")), line
    assert depth == 0
    labels = {label.split("<br/>")[0] for label in nodes.values()}
    assert _state_names(machine) <= labels
    subgraphs = {
        line.split()[1].split("[")[0] for line in lines if line.strip().startswith("subgraph ")
    }
    for source_id, target_id in edges:
        assert source_id in nodes and target_id in nodes | dict.fromkeys(subgraphs), (
            source_id,
            target_id,
        )


@pytest.mark.parametrize("name, source", DEFINITIONS, ids=IDS)
def test_dot(name: str, source: Any) -> None:
    machine = asl.parse(source)
    text = asl.graph.to_dot(machine)
    assert text.startswith('digraph "StateMachine" {') and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    labels = set(re.findall(r'\[label="((?:[^"\\]|\\.)*)"', text))
    decoded = {json.loads(f'"{label}"').split("\n")[0] for label in labels}
    assert _state_names(machine) <= decoded
    nested = [s for s in machine.states.values() if s.type in ("Parallel", "Map")]
    assert text.count("subgraph cluster_") >= len(nested)


needs_graphviz = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)"
)


@needs_graphviz
@pytest.mark.parametrize("name, source", DEFINITIONS, ids=IDS)
def test_svg(name: str, source: Any) -> None:
    machine = asl.parse(source)
    svg = asl.graph.to_svg(machine)
    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text}
    assert _state_names(machine) <= texts


def test_svg_without_graphviz_says_what_to_install_and_what_to_use_instead(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(asl.graph.GraphvizNotFound) as info:
        asl.graph.to_svg(asl.parse(EXAMPLES[0]))
    message = str(info.value)
    assert "Graphviz" in message and "'html'" in message and "'mermaid'" in message
    assert isinstance(info.value, asl.ASLError)


def test_labels_with_markup_characters_are_escaped():
    machine = asl.parse(
        {
            "StartAt": 'Say "hi" <b>|{x}',
            "States": {'Say "hi" <b>|{x}': {"Type": "Pass", "End": True}},
        }
    )
    mermaid = asl.graph.to_mermaid(machine)
    assert "#34;hi#34;" in mermaid and "<b>" not in mermaid and "|{x}" not in mermaid
    dot = asl.graph.to_dot(machine)
    assert '\\"hi\\" <b>|{x}' in dot


def test_render_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="unknown graph format 'png'"):
        asl.graph.render(asl.parse(EXAMPLES[0]), "png")
