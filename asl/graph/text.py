"""Mermaid and Graphviz DOT text for a state machine graph."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict

from asl.errors import ASLError
from asl.graph.model import Cluster, Edge, Graph, Node


class GraphvizNotFound(ASLError):
    """SVG output needs Graphviz's ``dot`` program, which is not installed."""


# fill, border and text colours by state type, close to the AWS console's palette
STYLES: dict[str, tuple[str, str]] = {
    "Task": ("#e8f1fb", "#2b6cb0"),
    "Pass": ("#f4f4f5", "#6b7280"),
    "Choice": ("#fff4e0", "#c77700"),
    "Wait": ("#f3ecfb", "#7e57c2"),
    "Succeed": ("#e6f4ea", "#2e7d32"),
    "Fail": ("#fdecea", "#c62828"),
    "Parallel": ("#eef6f8", "#00838f"),
    "Map": ("#eef6f8", "#00838f"),
    "Start": ("#ffffff", "#374151"),
    "End": ("#ffffff", "#374151"),
}


def _children(graph: Graph) -> tuple[dict[str | None, list[Cluster]], dict[str | None, list[Node]]]:
    clusters: dict[str | None, list[Cluster]] = defaultdict(list)
    nodes: dict[str | None, list[Node]] = defaultdict(list)
    for c in graph.clusters:
        clusters[c.parent].append(c)
    for n in graph.nodes:
        nodes[n.cluster].append(n)
    return clusters, nodes


# -- Mermaid ---------------------------------------------------------------------------


def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and markup characters as entity codes."""
    out = []
    for ch in text:
        if ch in '"#<>|&`{}[]()':
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def _mermaid_node(node: Node) -> str:
    label = _mermaid_text(node.label)
    if node.detail and node.detail != node.kind:
        label += "<br/>" + _mermaid_text(node.detail)
    shapes = {
        "Start": ('(("', '"))'),
        "End": ('(("', '"))'),
        "Join": ('(("', '"))'),
        "Choice": ('{"', '"}'),
        "Wait": ('[/"', '"/]'),
        "Succeed": ('(["', '"])'),
        "Fail": ('(["', '"])'),
        "Pass": ('["', '"]'),
        "Parallel": ('[["', '"]]'),
        "Map": ('[["', '"]]'),
    }
    left, right = shapes.get(node.kind, ('("', '")'))
    if node.kind == "Join":
        label = " "
    return f"{node.id}{left}{label}{right}"


def to_mermaid_text(graph: Graph) -> str:
    lines = ["flowchart TD"]
    clusters, nodes = _children(graph)

    def emit(parent: str | None, indent: str) -> None:
        for node in nodes.get(parent, []):
            lines.append(indent + _mermaid_node(node))
        for cluster in clusters.get(parent, []):
            lines.append(f'{indent}subgraph {cluster.id}["{_mermaid_text(cluster.label)}"]')
            lines.append(f"{indent}  direction TB")
            emit(cluster.id, indent + "  ")
            lines.append(f"{indent}end")

    emit(None, "  ")
    arrows = {"Catch": "-.->", "Default": "-.->", "Retry": "-.->"}
    for edge in graph.edges:
        arrow = arrows.get(edge.kind, "-->")
        if edge.label:
            lines.append(f'  {edge.source} {arrow}|"{_mermaid_text(edge.label)}"| {edge.target}')
        else:
            lines.append(f"  {edge.source} {arrow} {edge.target}")
    # class names get a prefix: "end" (the End node's kind) is a Mermaid keyword
    by_kind: dict[str, list[str]] = defaultdict(list)
    for node in graph.nodes:
        by_kind[node.kind].append(node.id)
    for kind, ids in by_kind.items():
        fill, stroke = STYLES.get(kind, ("#374151", "#374151"))
        lines.append(f"  classDef asl{kind} fill:{fill},stroke:{stroke},color:#111827")
        lines.append(f"  class {','.join(ids)} asl{kind}")
    for cluster in graph.clusters:
        fill, stroke = (
            STYLES["Map"] if cluster.kind in ("Parallel", "Map") else ("#ffffff", "#9ca3af")
        )
        lines.append(f"  style {cluster.id} fill:{fill},stroke:{stroke},stroke-dasharray: 4 3")
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ----------------------------------------------------------------------


def _dot_string(text: str) -> str:
    """A DOT double-quoted string (JSON's escaping is a subset DOT accepts)."""
    return json.dumps(text, ensure_ascii=False).replace("\\/", "/")


_DOT_SHAPES = {
    "Start": "circle",
    "End": "doublecircle",
    "Join": "point",
    "Choice": "diamond",
    "Wait": "parallelogram",
    "Succeed": "box",
    "Fail": "box",
    "Pass": "box",
    "Task": "box",
    "Parallel": "box",
    "Map": "box",
}


def _dot_node(node: Node) -> str:
    fill, stroke = STYLES.get(node.kind, ("#ffffff", "#374151"))
    shape = _DOT_SHAPES.get(node.kind, "box")
    label = node.label
    if node.detail and node.detail != node.kind:
        label += "\n" + node.detail
    attrs = {
        "label": label,
        "shape": shape,
        "style": "rounded,filled" if shape == "box" else "filled",
        "fillcolor": fill,
        "color": stroke,
        "tooltip": f"{node.kind}: {node.name}" if node.name else node.kind,
    }
    if node.kind in ("Start", "End"):
        attrs.update(width="0.6", fixedsize="true", fontsize="10")
    if node.kind == "Join":
        attrs.update(width="0.08", label="", color=stroke, fillcolor=stroke)
    if node.kind in ("Succeed", "Fail", "Parallel", "Map"):
        attrs["penwidth"] = "1.6"
    body = ", ".join(f"{k}={_dot_string(v)}" for k, v in attrs.items())
    return f"{node.id} [{body}];"


def _dot_edge(edge: Edge) -> str:
    attrs: dict[str, str] = {}
    if edge.label:
        attrs["label"] = edge.label
    if edge.detail and edge.detail != edge.label:
        attrs["tooltip"] = edge.detail
    if edge.kind in ("Catch", "Default"):
        attrs["style"] = "dashed"
    if edge.kind == "Catch":
        attrs["color"] = attrs["fontcolor"] = "#c62828"
    if edge.kind == "Retry":
        attrs.update(style="dashed", color="#c77700", fontcolor="#c77700", dir="forward")
    body = ", ".join(f"{k}={_dot_string(v)}" for k, v in attrs.items())
    return f"{edge.source} -> {edge.target}" + (f" [{body}]" if body else "") + ";"


def to_dot_text(graph: Graph, name: str = "StateMachine") -> str:
    lines = [
        f"digraph {_dot_string(name)} {{",
        '  graph [rankdir=TB, fontname="Helvetica", fontsize=11, nodesep=0.35, ranksep=0.45];',
        '  node [fontname="Helvetica", fontsize=11, margin="0.15,0.06"];',
        '  edge [fontname="Helvetica", fontsize=9, color="#4b5563", arrowsize=0.7];',
    ]
    if graph.comment:
        lines.append(f"  // {' '.join(graph.comment.split())}")
    clusters, nodes = _children(graph)

    def emit(parent: str | None, indent: str) -> None:
        for node in nodes.get(parent, []):
            lines.append(indent + _dot_node(node))
        for cluster in clusters.get(parent, []):
            fill, stroke = (
                STYLES["Map"] if cluster.kind in ("Parallel", "Map") else ("#ffffff", "#9ca3af")
            )
            lines.append(f"{indent}subgraph cluster_{cluster.id} {{")
            lines.append(
                f'{indent}  graph [label={_dot_string(cluster.label)}, style="dashed,rounded,filled", '
                f'fillcolor="{fill}", color="{stroke}", labeljust=l];'
            )
            emit(cluster.id, indent + "  ")
            lines.append(f"{indent}}}")

    emit(None, "  ")
    for edge in graph.edges:
        lines.append("  " + _dot_edge(edge))
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_to_svg(dot_text: str, *, timeout: float = 60.0) -> str:
    """Lay out DOT text with Graphviz's ``dot`` and return the SVG."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFound(
            "SVG output needs Graphviz's 'dot' program, which is not on PATH: install "
            "Graphviz (e.g. 'apt-get install graphviz' or 'brew install graphviz'), or use "
            "the 'html' format (self-contained, drawn in the browser) or 'mermaid'"
        )
    try:
        done = subprocess.run(
            [program, "-Tsvg"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ASLError(f"Graphviz 'dot' took longer than {timeout:g} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise ASLError(f"Graphviz 'dot' failed (exit {done.returncode}): {message}")
    return done.stdout.decode("utf-8")
