"""The drawable graph of a state machine, shared by the Mermaid, DOT and HTML renderers.

A state is a node; a Parallel or Map state is a cluster holding its own node (the box's
title, where edges enter), one cluster per branch or item processor, and a join node
where its branches end and its outgoing edges leave, as the AWS console draws them.
Every edge that is a transition carries ``key = (source, target, label)`` with the labels
the coverage report uses: ``Next``, ``Choices[i]``, ``Default``, ``Catch[i]``,
``Retry[i]``, ``Branches[i]`` and ``ItemProcessor``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asl import ast

Transition = tuple[str, str, str]


@dataclass
class Node:
    id: str
    name: str  # the state name ("" for Start, End and join nodes)
    kind: str  # the state Type, or "Start", "End", "Join"
    label: str
    detail: str = ""  # a second line: the resource, the wait, the error...
    cluster: str | None = None  # id of the innermost cluster holding the node


@dataclass
class Cluster:
    id: str
    label: str
    kind: str  # "Parallel", "Map", "Branch" or "ItemProcessor"
    parent: str | None = None
    state: str = ""  # the Parallel/Map state's name


@dataclass
class Edge:
    id: str
    source: str  # node ids
    target: str
    kind: str  # "Start", "End", "Next", "Choice", "Default", "Catch", "Retry", "Branch", "Join"
    label: str = ""
    key: Transition | None = None  # the transition, for execution and coverage overlays
    detail: str = ""  # a longer text for tooltips (all error names, the full rule)


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    state_nodes: dict[str, str] = field(default_factory=dict)  # state name -> node id
    state_types: dict[str, str] = field(default_factory=dict)  # state name -> Type
    retriers: dict[str, tuple[ast.Retrier, ...]] = field(default_factory=dict)
    catchers: dict[str, tuple[ast.Catcher, ...]] = field(default_factory=dict)
    choice_states: dict[str, ast.ChoiceState] = field(default_factory=dict)
    comment: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The graph as plain JSON data, for the HTML view's script."""
        return {
            "nodes": [vars(n) for n in self.nodes],
            "clusters": [vars(c) for c in self.clusters],
            "edges": [{**vars(e), "key": _key_text(e.key)} for e in self.edges],
            "comment": self.comment,
        }


def key_text(key: Transition) -> str:
    """A transition as one string (``source\\u2192target\\u00a0label``), usable as a JSON key."""
    return f"{key[0]}\u2192{key[1]}\u00a0{key[2]}"


def _key_text(key: Transition | None) -> str | None:
    return None if key is None else key_text(key)


MAX_LABEL = 48


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def build(machine: ast.StateMachine) -> Graph:
    """The graph of a parsed state machine."""
    builder = _Builder(machine)
    builder.run()
    return builder.graph


class _Builder:
    def __init__(self, machine: ast.StateMachine):
        self.machine = machine
        self.graph = Graph(comment=machine.comment)
        self.counter = 0

    def new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def run(self) -> None:
        g = self.graph
        # not "start"/"end": "end" is a Mermaid keyword
        start = Node("asl_start", "", "Start", "Start")
        end = Node("asl_end", "", "End", "End")
        g.nodes.append(start)
        self.scope(self.machine.scope, self.machine.definition, None, end.id)
        g.nodes.append(end)
        first = g.state_nodes.get(self.machine.start_at)
        if first is not None:
            g.edges.insert(0, Edge("e0", start.id, first, "Start"))

    def scope(
        self, scope: ast.Scope, raw: Mapping[str, Any] | None, cluster: str | None, exit_id: str
    ) -> None:
        """Add a scope's states to ``cluster``; terminal states lead to ``exit_id``."""
        raw_states = raw.get("States") if isinstance(raw, Mapping) else None
        # nodes first (so targets exist), then edges
        entries: dict[str, str] = {}  # state name -> id where edges enter
        exits: dict[str, str] = {}  # state name -> id where edges leave
        for name, state in scope.states.items():
            state_raw = raw_states.get(name) if isinstance(raw_states, Mapping) else None
            entries[name], exits[name] = self.state(
                state, state_raw if isinstance(state_raw, Mapping) else None, cluster
            )
        for name, state in scope.states.items():
            state_raw = raw_states.get(name) if isinstance(raw_states, Mapping) else None
            self.edges_of(state, state_raw, entries, exits, exit_id)

    def state(
        self, state: ast.State, raw: Mapping[str, Any] | None, cluster: str | None
    ) -> tuple[str, str]:
        g = self.graph
        detail = _detail(state, raw)
        node = Node(
            self.new_id("n"),
            state.name,
            state.type,
            state.name,
            "" if detail == state.name else detail,
            cluster,
        )
        g.state_nodes.setdefault(state.name, node.id)
        g.state_types.setdefault(state.name, state.type)
        if isinstance(state, ast.ChoiceState):
            g.choice_states.setdefault(state.name, state)
        if isinstance(state, ast.ResultState):
            g.retriers.setdefault(state.name, state.retry)
            g.catchers.setdefault(state.name, state.catch)
        if isinstance(state, ast.ParallelState | ast.MapState):
            box = Cluster(self.new_id("c"), state.name, state.type, cluster, state.name)
            g.clusters.append(box)
            node.cluster = box.id
            g.nodes.append(node)
            join = Node(self.new_id("j"), "", "Join", "", "", box.id)
            if isinstance(state, ast.ParallelState):
                scopes = list(enumerate(state.branches))
                raw_scopes = raw.get("Branches") if raw else None
            else:
                scopes = [(0, state.processor)] if state.processor is not None else []
                raw_scopes = [raw.get("ItemProcessor") or raw.get("Iterator")] if raw else None
            for i, sub in scopes:
                assert sub is not None
                kind = "Branch" if isinstance(state, ast.ParallelState) else "ItemProcessor"
                label = (
                    f"Branch {i + 1}"
                    if isinstance(state, ast.ParallelState)
                    else (_processor_label(state))
                )
                inner = Cluster(self.new_id("c"), label, kind, box.id, state.name)
                g.clusters.append(inner)
                sub_raw = (
                    raw_scopes[i] if isinstance(raw_scopes, list) and i < len(raw_scopes) else None
                )
                self.scope(sub, sub_raw, inner.id, join.id)
                first = g.state_nodes.get(sub.start_at)
                if first is not None:
                    tkey = f"Branches[{i}]" if kind == "Branch" else "ItemProcessor"
                    g.edges.append(
                        Edge(
                            self.new_id("e"),
                            node.id,
                            first,
                            "Branch",
                            key=(state.name, sub.start_at, tkey),
                        )
                    )
            g.nodes.append(join)
            return node.id, join.id
        g.nodes.append(node)
        return node.id, node.id

    def edges_of(
        self,
        state: ast.State,
        raw: Any,
        entries: Mapping[str, str],
        exits: Mapping[str, str],
        exit_id: str,
    ) -> None:
        g = self.graph
        source = exits[state.name]
        name = state.name

        def add(
            target_name: str | None, kind: str, label: str, tkey: str, detail: str = ""
        ) -> None:
            if target_name is None or target_name not in entries:
                return
            g.edges.append(
                Edge(
                    self.new_id("e"),
                    source,
                    entries[target_name],
                    kind,
                    label,
                    (name, target_name, tkey),
                    detail or label,
                )
            )

        if isinstance(state, ast.ChoiceState):
            raw_rules = raw.get("Choices") if isinstance(raw, Mapping) else None
            for i, rule in enumerate(state.choices):
                raw_rule = (
                    raw_rules[i] if isinstance(raw_rules, list) and i < len(raw_rules) else None
                )
                text = rule_text(raw_rule) if isinstance(raw_rule, Mapping) else ast_rule_text(rule)
                add(rule.next, "Choice", shorten(text), f"Choices[{i}]", text)
            add(state.default, "Default", "Default", "Default")
        if state.next is not None:
            add(state.next, "Next", "", "Next")
        if isinstance(state, ast.ResultState):
            for i, retrier in enumerate(state.retry):
                errors = ", ".join(retrier.error_equals)
                g.edges.append(
                    Edge(
                        self.new_id("e"),
                        entries[name],
                        entries[name],
                        "Retry",
                        f"\u21bb retry \u00d7{retrier.max_attempts}",
                        (name, name, f"Retry[{i}]"),
                        f"Retry[{i}]: {errors}; MaxAttempts {retrier.max_attempts}, "
                        f"IntervalSeconds {retrier.interval_seconds}, "
                        f"BackoffRate {retrier.backoff_rate:g}",
                    )
                )
            for i, catcher in enumerate(state.catch):
                errors = ", ".join(catcher.error_equals)
                add(catcher.next, "Catch", shorten(errors, 36), f"Catch[{i}]", f"Catch: {errors}")
        if state.end or state.type in ("Succeed",):
            g.edges.append(
                Edge(self.new_id("e"), source, exit_id, "End" if exit_id == "asl_end" else "Join")
            )


def _processor_label(state: ast.MapState) -> str:
    if state.mode == "DISTRIBUTED":
        return "Item processor (distributed)"
    return "Item processor"


def _detail(state: ast.State, raw: Mapping[str, Any] | None) -> str:
    """A short second line for a state: what it calls, how long it waits, what it raises."""
    if isinstance(state, ast.TaskState):
        text = resource_text(state.resource)
        args = (raw.get("Parameters") or raw.get("Arguments")) if raw else None
        function = args.get("FunctionName") if isinstance(args, Mapping) else None
        if text.startswith("lambda:invoke") and isinstance(function, str):
            return "Lambda " + shorten(function.split(":function:")[-1], 40)
        return text
    if isinstance(state, ast.WaitState):
        return _wait_text(state)
    if isinstance(state, ast.FailState):
        err = state.error
        if isinstance(err, ast.Const) and isinstance(err.value, str):
            return err.value
        return ""
    if isinstance(state, ast.MapState):
        return "Map (distributed)" if state.mode == "DISTRIBUTED" else "Map"
    return state.type


def resource_text(resource: str) -> str:
    """The part of a Task's resource ARN a reader recognises."""
    parts = resource.split(":")
    if resource.startswith("arn:") and len(parts) >= 6:
        service = parts[2]
        if service == "lambda" and len(parts) >= 7 and parts[5] == "function":
            return "Lambda " + ":".join(parts[6:])
        if service == "states" and parts[3] == "" and parts[4] == "":
            return shorten(":".join(parts[5:]), 40)
        if service == "states" and parts[5] == "activity" and len(parts) >= 7:
            return "Activity " + parts[6]
    return shorten(resource, 40)


def _wait_text(state: ast.WaitState) -> str:
    for value, unit in ((state.seconds, "s"), (state.timestamp, "")):
        if isinstance(value, ast.Const):
            v = value.value
            return f"Wait {v}{unit}" if unit else f"Until {_scalar(v)}"
        if isinstance(value, ast.PathExpr):
            return f"Wait {value.field}"
        if isinstance(value, ast.JsonataExpr):
            return f"Wait {value.field}"
    return "Wait"


_OPERATORS = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
}


def rule_text(rule: Mapping[str, Any]) -> str:
    """A Choice rule as it was written, in a compact infix form: ``$.n > 3``."""
    if "Condition" in rule:
        return _jsonata_text(rule["Condition"])
    for op in ("And", "Or"):
        if isinstance(rule.get(op), list):
            parts = [rule_text(r) if isinstance(r, Mapping) else "?" for r in rule[op]]
            return f" {op.lower()} ".join(f"({p})" for p in parts)
    if isinstance(rule.get("Not"), Mapping):
        return f"not ({rule_text(rule['Not'])})"
    variable = str(rule.get("Variable", "?"))
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        return _comparison(variable, key, value)
    return variable


def _comparison(variable: str, key: str, value: Any) -> str:
    op = key[:-4] if key.endswith("Path") else key
    operand = str(value) if key.endswith("Path") else _scalar(value)
    if op.startswith("Is"):
        what = op[2:].lower()
        return f"{variable} is {what}" if value is True else f"{variable} is not {what}"
    if op == "StringMatches":
        return f"{variable} matches {operand}"
    for suffix, symbol in _OPERATORS.items():
        if op.endswith(suffix):
            return f"{variable} {symbol} {operand}"
    return f"{variable} {op} {operand}"


def ast_rule_text(rule: ast.ChoiceRule) -> str:
    """A Choice rule from the AST, when the definition's text is not at hand."""
    if rule.kind == "Condition":
        return _jsonata_text(getattr(rule.operand, "text", rule.operand))
    if rule.kind in ("And", "Or"):
        return f" {rule.kind.lower()} ".join(f"({ast_rule_text(c)})" for c in rule.children)
    if rule.kind == "Not":
        return f"not ({ast_rule_text(rule.children[0])})" if rule.children else "not"
    variable = getattr(rule.variable, "text", "?")
    operand = rule.operand
    value: Any = getattr(operand, "text", None)
    if value is None:
        pattern = getattr(operand, "pattern", None)
        value = pattern if isinstance(pattern, str) else operand
    if isinstance(value, datetime):
        value = value.isoformat()
    return _comparison(str(variable), rule.kind, value)


def _jsonata_text(value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{%") and text.endswith("%}"):
            return text[2:-2].strip()
        return text
    return _scalar(value)


def _scalar(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def all_scopes(machine: ast.StateMachine) -> Iterator[ast.Scope]:
    """The machine's scope, then each Parallel branch and Map item processor, nested too."""
    pending = [machine.scope]
    while pending:
        scope = pending.pop(0)
        yield scope
        for state in scope.states.values():
            if isinstance(state, ast.ParallelState):
                pending.extend(state.branches)
            elif isinstance(state, ast.MapState) and state.processor is not None:
                pending.append(state.processor)
