"""State-machine coverage: which states were entered and which transitions were taken.

    cov = Coverage()
    cov.record(machine, execution, name="order.asl.json")
    print(cov.report(show_missing=True))

A transition is ``(source, target, label)``: ``Next``, ``Choices[i]`` and ``Default`` of
a Choice state, ``Catch[i]`` (to the catcher's Next), ``Retry[i]`` (the state again),
``Branches[i]`` (a Parallel state to a branch's StartAt) and ``ItemProcessor`` (a Map
state to its processor's StartAt).  The possible ones come from the parsed machine, the
taken ones from the execution's history.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asl.execution.explain import visits

Transition = tuple[str, str, str]


def _scopes(machine: Any) -> Iterator[Mapping[str, Any]]:
    """The state tables of a machine: its own, then each branch and item processor."""
    pending = [machine.states]
    while pending:
        states = pending.pop(0)
        yield states
        for state in states.values():
            for branch in getattr(state, "branches", ()) or ():
                pending.append(branch.states)
            processor = getattr(state, "processor", None)
            if processor is not None:
                pending.append(processor.states)


def all_states(machine: Any) -> dict[str, Any]:
    """Every state of a machine by name, nested states included."""
    out: dict[str, Any] = {}
    for states in _scopes(machine):
        for name, state in states.items():
            out.setdefault(name, state)
    return out


def possible_transitions(machine: Any) -> list[Transition]:
    """Every transition the definition allows, in definition order."""
    out: list[Transition] = []
    for name, state in all_states(machine).items():
        for i, rule in enumerate(getattr(state, "choices", ()) or ()):
            if rule.next:
                out.append((name, rule.next, f"Choices[{i}]"))
        default = getattr(state, "default", None)
        if state.type == "Choice" and default:
            out.append((name, default, "Default"))
        if state.next:
            out.append((name, state.next, "Next"))
        for i, _ in enumerate(getattr(state, "retry", ()) or ()):
            out.append((name, name, f"Retry[{i}]"))
        for i, catcher in enumerate(getattr(state, "catch", ()) or ()):
            out.append((name, catcher.next, f"Catch[{i}]"))
        for i, branch in enumerate(getattr(state, "branches", ()) or ()):
            out.append((name, branch.start_at, f"Branches[{i}]"))
        processor = getattr(state, "processor", None)
        if processor is not None:
            out.append((name, processor.start_at, "ItemProcessor"))
    return out


def taken_transitions(
    machine: Any, history: list[dict[str, Any]], graph: Any = None
) -> list[Transition]:
    """The transitions an execution took, one per time taken: those its graph shows taken
    (`asl.graph.path.transitions`; ``graph``: the machine's, when already built)."""
    from asl.graph.model import build
    from asl.graph.path import transitions

    return transitions(graph if graph is not None else build(machine), visits(history))


@dataclass
class DefinitionCoverage:
    """Hits of one definition's states and transitions."""

    name: str
    states: dict[str, int]
    transitions: dict[Transition, int]
    machine: Any = field(default=None, repr=False)
    graph: Any = field(default=None, repr=False)  # the machine's graph, built on first use

    @property
    def missed_states(self) -> list[str]:
        return [s for s, hits in self.states.items() if not hits]

    @property
    def missed_transitions(self) -> list[Transition]:
        return [t for t, hits in self.transitions.items() if not hits]

    @property
    def percent(self) -> float:
        total = len(self.states) + len(self.transitions)
        if not total:
            return 100.0
        hit = total - len(self.missed_states) - len(self.missed_transitions)
        return 100.0 * hit / total

    def missing(self) -> list[str]:
        """Missed states, then missed transitions as ``A->B (label)``."""
        return self.missed_states + [
            f"{src}->{dst} ({label})" for src, dst, label in self.missed_transitions
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "states": dict(self.states),
            "transitions": [
                {"from": s, "to": d, "label": label, "hits": hits}
                for (s, d, label), hits in self.transitions.items()
            ],
            "summary": {
                "states": len(self.states),
                "missed_states": len(self.missed_states),
                "transitions": len(self.transitions),
                "missed_transitions": len(self.missed_transitions),
                "percent_covered": round(self.percent, 2),
            },
            "missing": self.missing(),
        }


class Coverage:
    """Coverage of every definition recorded, keyed by definition (file name or, for a
    definition given as a dict or text, a name made from its states)."""

    def __init__(self) -> None:
        self.definitions: dict[str, DefinitionCoverage] = {}
        self._keys: dict[str, str] = {}  # definition text -> name
        self._machines: dict[int, tuple[Any, str]] = {}  # id(machine) -> (machine, name)

    def _entry(self, machine: Any, name: str | None) -> DefinitionCoverage:
        known = self._machines.get(id(machine))
        if known is not None and known[0] is machine and (name is None or name == known[1]):
            return self.definitions[known[1]]
        entry = self._entry_by_text(machine, name)
        self._machines[id(machine)] = (machine, entry.name)
        return entry

    def _entry_by_text(self, machine: Any, name: str | None) -> DefinitionCoverage:
        text = json.dumps(machine.definition, sort_keys=True, default=str)
        key = self._keys.get(text)
        if key is None:
            key = name or self._anonymous_name(machine)
            if key in self.definitions and self.definitions[key].machine is not None:
                other = json.dumps(self.definitions[key].machine.definition, sort_keys=True)
                if other != text:  # same file name, different content: keep both apart
                    key = f"{key} [{len(self.definitions)}]"
            self._keys[text] = key
        entry = self.definitions.get(key)
        if entry is None:
            entry = DefinitionCoverage(
                name=key,
                states=dict.fromkeys(all_states(machine), 0),
                transitions=dict.fromkeys(possible_transitions(machine), 0),
                machine=machine,
            )
            self.definitions[key] = entry
        return entry

    def _anonymous_name(self, machine: Any) -> str:
        base = f"<definition StartAt={machine.start_at}>"
        name, n = base, 2
        while name in self.definitions:
            name, n = f"{base} #{n}", n + 1
        return name

    def record(self, machine: Any, execution: Any, name: str | None = None) -> None:
        """Add one execution of ``machine`` (``name``: the file it came from, if any)."""
        entry = self._entry(machine, name)
        history = execution.history
        for visit in visits(history):
            if visit.name in entry.states:
                entry.states[visit.name] += 1
        if entry.graph is None:
            from asl.graph.model import build

            entry.graph = build(machine)
        for transition in taken_transitions(machine, history, entry.graph):
            if transition in entry.transitions:
                entry.transitions[transition] += 1

    @property
    def percent(self) -> float:
        total = hit = 0
        for d in self.definitions.values():
            n = len(d.states) + len(d.transitions)
            total += n
            hit += n - len(d.missed_states) - len(d.missed_transitions)
        return 100.0 if not total else 100.0 * hit / total

    def report(self, *, show_missing: bool = False) -> str:
        """A table like coverage.py's: one row per definition and a TOTAL row."""
        header = ["Name", "States", "Miss", "Trans", "Miss", "Cover"]
        if show_missing:
            header.append("Missing")
        rows: list[list[str]] = []
        totals = [0, 0, 0, 0]
        for d in sorted(self.definitions.values(), key=lambda d: d.name):
            counts = [
                len(d.states),
                len(d.missed_states),
                len(d.transitions),
                len(d.missed_transitions),
            ]
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            row = [_display(d.name), *map(str, counts), f"{d.percent:.0f}%"]
            if show_missing:
                row.append(", ".join(d.missing()))
            rows.append(row)
        total_row = ["TOTAL", *map(str, totals), f"{self.percent:.0f}%"]
        if show_missing:
            total_row.append("")
        widths = [max(len(r[i]) for r in [header, *rows, total_row]) for i in range(6)]

        def line(cells: list[str]) -> str:
            parts = [cells[0].ljust(widths[0])]
            parts += [c.rjust(w) for c, w in zip(cells[1:6], widths[1:6], strict=True)]
            if show_missing:
                parts.append(cells[6])
            return "   ".join(parts).rstrip()

        rule = "-" * len(line(header))
        out = [line(header), rule, *map(line, rows), rule, line(total_row)]
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "definitions": {name: d.to_json() for name, d in sorted(self.definitions.items())},
            "totals": {"percent_covered": round(self.percent, 2)},
        }

    def write_json(self, path: str | os.PathLike[str]) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")

    def write_html(self, directory: str | os.PathLike[str]) -> Path:
        """``index.html`` (a table of definitions) and one page per definition, drawn by
        `asl.graph.to_html` when that is available, else as tables; returns the index."""
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        links = []
        for n, d in enumerate(sorted(self.definitions.values(), key=lambda d: d.name)):
            page = f"definition_{n}.html"
            (root / page).write_text(_definition_page(d), encoding="utf-8")
            links.append(
                f"<tr><td><a href='{page}'>{html.escape(_display(d.name))}</a></td>"
                f"<td>{len(d.states)}</td><td>{len(d.missed_states)}</td>"
                f"<td>{len(d.transitions)}</td><td>{len(d.missed_transitions)}</td>"
                f"<td>{d.percent:.0f}%</td></tr>"
            )
        index = root / "index.html"
        index.write_text(
            _page(
                "State machine coverage",
                "<table><tr><th>Name</th><th>States</th><th>Miss</th><th>Trans</th>"
                "<th>Miss</th><th>Cover</th></tr>"
                + "".join(links)
                + f"</table><p>Total: {self.percent:.0f}%</p>",
            ),
            encoding="utf-8",
        )
        return index


def _display(name: str) -> str:
    """A file name relative to the working directory when it is inside it."""
    if name.startswith("<"):
        return name
    try:
        return os.path.relpath(name)
    except ValueError:  # another drive (Windows)
        return name


def _definition_page(d: DefinitionCoverage) -> str:
    try:
        from asl.graph import to_html
    except ImportError:  # asl.graph unavailable: the plain tables still tell the story
        to_html = None  # type: ignore[assignment]
    if to_html is not None and d.machine is not None:
        try:
            return str(
                to_html(d.machine, coverage={"states": d.states, "transitions": d.transitions})
            )
        except Exception:  # the drawing failed: fall back on the tables
            pass
    states = "".join(
        f"<tr class='{'hit' if hits else 'miss'}'><td>{html.escape(name)}</td><td>{hits}</td></tr>"
        for name, hits in d.states.items()
    )
    transitions = "".join(
        f"<tr class='{'hit' if hits else 'miss'}'><td>{html.escape(s)}</td>"
        f"<td>{html.escape(t)}</td><td>{html.escape(label)}</td><td>{hits}</td></tr>"
        for (s, t, label), hits in d.transitions.items()
    )
    body = (
        f"<p>{d.percent:.0f}% covered</p>"
        "<h2>States</h2><table><tr><th>State</th><th>Hits</th></tr>" + states + "</table>"
        "<h2>Transitions</h2><table><tr><th>From</th><th>To</th><th>Label</th>"
        "<th>Hits</th></tr>" + transitions + "</table>"
    )
    return _page(_display(d.name), body)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}"
        ".hit{background:#d4f7d4}.miss{background:#f7d4d4}"
        f"</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )
