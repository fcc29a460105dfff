"""One self-contained HTML file drawing a state machine, offline: the data, the bundled
dagre layout engine and the view script are all inlined, nothing is fetched."""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import Any

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;
  color: #202124; background: #f8f9fa; }
header { padding: 10px 18px; background: #232f3e; color: #fff; display: flex; gap: 16px;
  align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header .sub { color: #d5dbdb; }
#legend { padding: 6px 18px; background: #fff; border-bottom: 1px solid #dadce0; }
.legend-item { margin-right: 14px; white-space: nowrap; }
.legend-item i { display: inline-block; width: 12px; height: 12px; border: 2px solid;
  border-radius: 3px; margin-right: 5px; vertical-align: -2px; }
main { display: flex; align-items: flex-start; }
#graph { flex: 1 1 auto; overflow: auto; padding: 8px; min-width: 0; }
#graph > svg { display: block; margin: 0 auto; }
#panel { flex: 0 0 340px; max-height: calc(100vh - 90px); overflow: auto; position: sticky;
  top: 0; background: #fff; border-left: 1px solid #dadce0; padding: 12px 14px; }
#panel h3 { margin: 0 0 4px; font-size: 15px; word-break: break-all; }
#panel h4 { margin: 10px 0 3px; font-size: 12px; color: #5f6368; }
#panel pre { background: #f1f3f4; padding: 6px 8px; border-radius: 4px; margin: 0;
  max-height: 260px; overflow: auto; white-space: pre-wrap; word-break: break-word;
  font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
#panel .kind, .hint { color: #5f6368; }
#panel details { margin-top: 8px; border: 1px solid #e8eaed; border-radius: 4px; padding: 4px 6px; }
#panel summary { cursor: pointer; font-weight: 600; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600;
  font-size: 12px; }
.status-succeeded { background: #d7f5dd; color: #137333; }
.status-failed { background: #fbd3d0; color: #a50e0e; }
.status-caught { background: #ffe7c2; color: #b06000; }
.status-running { background: #d2e3fc; color: #174ea6; }
.status-cancelled { background: #e8eaed; color: #3c4043; }
svg text { font-family: system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; }
.state-label { font-size: 13px; font-weight: 600; fill: #202124; }
.terminal-label { font-size: 11px; fill: #3c4043; }
.state-detail { font-size: 11px; fill: #5f6368; }
.edge-label { font-size: 11px; }
.cluster-label { font-size: 11px; fill: #5f6368; font-style: italic; }
.badge { font-size: 11px; fill: #fff; font-weight: 600; }
.node[data-state] { cursor: pointer; }
.node.selected > rect:first-child, .node.selected > polygon { stroke: #1a73e8; stroke-width: 3; }
#timeline { padding: 8px 18px 24px; background: #fff; border-top: 1px solid #dadce0; }
#timeline h2 { font-size: 14px; margin: 6px 0; }
#asl-timeline .axis, #asl-timeline .row-label { font-size: 11px; fill: #5f6368; }
table.events { border-collapse: collapse; margin-top: 10px; font-size: 12px; }
table.events th, table.events td { border-bottom: 1px solid #e8eaed; padding: 3px 10px 3px 0;
  text-align: left; vertical-align: top; }
table.events td:nth-child(2) { font-variant-numeric: tabular-nums; white-space: nowrap; }
table.events tr.bad td { color: #a50e0e; }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="asl {version}">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header><h1>{title}</h1><span class="sub">{subtitle}</span></header>
<div id="legend"></div>
<main><div id="graph"></div><aside id="panel"></aside></main>
<section id="timeline" hidden><h2>Timeline (execution clock)</h2></section>
<noscript>This page draws the state machine with JavaScript.</noscript>
<script type="application/json" id="asl-data">{data}</script>
<script>{dagre}</script>
<script>{view}</script>
</body>
</html>
"""


@cache
def _static(name: str) -> str:
    return (
        resources.files("asl.graph").joinpath("static").joinpath(name).read_text(encoding="utf-8")
    )


def _script_safe(json_text: str) -> str:
    """JSON text that cannot end its ``<script>`` element early: in JSON a ``<`` only
    occurs inside strings, where ``\\u003c`` means the same."""
    return json_text.replace("<", "\\u003c")


def render(data: dict[str, Any], *, title: str, subtitle: str = "") -> str:
    """The HTML page for the view data (``graph``, ``execution``, ``coverage``)."""
    from asl.version import __version__

    payload = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))
    return _TEMPLATE.format(
        version=__version__,
        title=html.escape(title),
        subtitle=html.escape(subtitle),
        css=_CSS,
        data=_script_safe(payload),
        dagre=_static("dagre.min.js").replace("</script", "<\\/script"),
        view=_static("view.js"),
    )
