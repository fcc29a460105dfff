"""Pictures of state machines, of the path an execution took, and of coverage.

    import asl, asl.graph
    machine = asl.parse("order.asl.json")
    asl.graph.to_mermaid(machine)            # Mermaid flowchart text (Markdown, GitHub)
    asl.graph.to_dot(machine)                # Graphviz DOT text
    asl.graph.to_svg(machine)                # SVG laid out by Graphviz's `dot`
    asl.graph.to_html(machine)               # one offline HTML file, laid out in the browser
    asl.graph.to_html(machine, execution)    # ... with the path an execution took
    asl.graph.to_html(machine, coverage=cov) # ... with states and transitions coloured by hits

States are drawn by type, Choice rules and ``Default`` label their edges, Catch edges carry
their error names, retriers are loops marked with their ``MaxAttempts``, and Parallel
branches and Map item processors are nested boxes, as the AWS console draws them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asl.graph.model import Graph, Transition, build, key_text
from asl.graph.text import GraphvizNotFound, dot_to_svg, to_dot_text, to_mermaid_text

__all__ = [
    "FORMATS",
    "GraphvizNotFound",
    "Transition",
    "execution_html",
    "render",
    "to_dot",
    "to_html",
    "to_mermaid",
    "to_svg",
]

FORMATS = ("mermaid", "dot", "svg", "html")


def _machine(machine: Any) -> Any:
    """A parsed `asl.StateMachine` from a machine, or from anything `asl.parse` accepts."""
    from asl.ast import StateMachine

    if isinstance(machine, StateMachine):
        return machine
    from asl.parser import parse_definition

    return parse_definition(machine)


def _graph(machine: Any) -> Graph:
    return build(_machine(machine))


def to_mermaid(machine: Any) -> str:
    """The machine as a Mermaid flowchart (``flowchart TD``), for Markdown and GitHub."""
    return to_mermaid_text(_graph(machine))


def to_dot(machine: Any) -> str:
    """The machine as Graphviz DOT text (Parallel and Map states as clusters)."""
    return to_dot_text(_graph(machine))


def to_svg(machine: Any) -> str:
    """The machine as SVG, laid out by Graphviz's ``dot`` program.

    Raises `GraphvizNotFound` (an `asl.ASLError`) when ``dot`` is not on PATH; `to_html`
    and `to_mermaid` need nothing installed.
    """
    return dot_to_svg(to_dot(machine))


def to_html(
    machine: Any,
    execution: Any = None,
    coverage: Mapping[str, Any] | None = None,
    *,
    title: str | None = None,
) -> str:
    """One self-contained HTML page (no network needed) drawing the machine.

    With ``execution`` (an `asl.Execution`, or anything with ``.history`` shaped like AWS
    GetExecutionHistory and ``.status``), the page shows the path taken: each state
    coloured succeeded, caught (failed, then handled by a Catch), failed, in progress or
    cancelled, its visit and retry counts, the transitions taken, a timeline of the history
    on the execution clock, and each visit's input and output when the state is clicked.

    With ``coverage``, states and transitions are coloured by hit count. Its shape::

        {
            "states": {"StateName": hits, ...},
            "transitions": {(source, target, label): hits, ...},
        }

    where a transition's ``label`` is ``"Next"``, ``"Choices[i]"`` or ``"Default"`` (a
    Choice state's rule ``i`` or its Default), ``"Catch[i]"`` (to the catcher's Next),
    ``"Retry[i]"`` (``target == source``), ``"Branches[i]"`` (a Parallel state to branch
    ``i``'s StartAt) or ``"ItemProcessor"`` (a Map state to its processor's StartAt).
    Names are state names (nested states included); missing entries count as 0 hits.
    """
    sm = _machine(machine)
    graph = build(sm)
    data: dict[str, Any] = {"graph": graph.to_json(), "execution": None, "coverage": None}
    subtitle = sm.comment or ""
    if execution is not None:
        from asl.graph.path import execution_overlay

        data["execution"] = execution_overlay(graph, execution)
        name = getattr(execution, "name", None) or "execution"
        subtitle = f"{name}: {getattr(execution, 'status', '')}"
        title = title or f"Execution {name}"
    if coverage is not None:
        data["coverage"] = _coverage(coverage)
        title = title or "State machine coverage"
    from asl.graph.html import render as render_html

    return render_html(data, title=title or "State machine", subtitle=subtitle)


def execution_html(execution: Any, machine: Any) -> str:
    """The execution view of ``execution`` (an `asl.Execution`) of ``machine``: what
    ``Execution.to_html()`` and ``asl run --report FILE`` write."""
    return to_html(machine, execution)


def render(machine: Any, format: str = "mermaid") -> str:
    """The machine in one of `FORMATS` (``mermaid``, ``dot``, ``svg`` or ``html``)."""
    renderers = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg, "html": to_html}
    if format not in renderers:
        raise ValueError(f"unknown graph format {format!r}: use one of {', '.join(FORMATS)}")
    return renderers[format](machine)


def _coverage(coverage: Mapping[str, Any]) -> dict[str, Any]:
    """The coverage mapping checked and turned into JSON data (transitions as text keys)."""
    if not isinstance(coverage, Mapping):
        raise TypeError(
            "coverage must be a mapping {'states': {name: hits}, "
            f"'transitions': {{(source, target, label): hits}}}}, not {type(coverage).__name__}"
        )
    states = coverage.get("states") or {}
    transitions = coverage.get("transitions") or {}
    if not isinstance(states, Mapping) or not isinstance(transitions, Mapping):
        raise TypeError("coverage['states'] and coverage['transitions'] must be mappings")
    out_t: dict[str, int] = {}
    for key, hits in transitions.items():
        if not (isinstance(key, tuple | list) and len(key) == 3):
            raise ValueError(
                f"coverage transition key {key!r} is not a (source, target, label) tuple"
            )
        text = key_text((str(key[0]), str(key[1]), str(key[2])))
        out_t[text] = out_t.get(text, 0) + _hits(hits, f"transition {tuple(key)!r}")
    return {
        "states": {str(k): _hits(v, f"state {k!r}") for k, v in states.items()},
        "transitions": out_t,
    }


def _hits(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"coverage hits for {where} must be a non-negative integer, got {value!r}")
    return value
