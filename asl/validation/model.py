"""A walk of a loaded definition that rules share: its scopes and states, with pointers.

Nothing here assumes the document is well formed: a value of the wrong type is skipped (the
schema check reports it), so every rule can rely on ``State.node`` being a dict and
``Scope.states`` holding only dict-valued states.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from asl.diagnostics import pointer

__all__ = ["Definition", "Scope", "State", "JSONPATH", "JSONATA"]

JSONPATH = "JSONPath"
JSONATA = "JSONata"


@dataclass(eq=False)
class Scope:
    """A set of states with its own StartAt: the machine, a Parallel branch or a Map processor.

    ``kind`` is ``"machine"``, ``"branch"`` or ``"processor"``; ``owner`` the Parallel or Map
    state that holds it (None for the machine).
    """

    node: dict[str, Any]
    pointer: str
    kind: str
    owner: State | None
    states: dict[str, State] = field(default_factory=dict)

    @property
    def start_at(self) -> Any:
        """The scope's StartAt value (any type; None when absent)."""
        return self.node.get("StartAt")

    @property
    def depth(self) -> int:
        """How many Parallel/Map states enclose this scope."""
        return 0 if self.owner is None else self.owner.scope.depth + 1

    @property
    def distributed(self) -> bool:
        """Whether this is the processor of a DISTRIBUTED Map (its own child executions)."""
        config = self.node.get("ProcessorConfig")
        return (
            self.kind == "processor"
            and isinstance(config, dict)
            and config.get("Mode") == "DISTRIBUTED"
        )


@dataclass(eq=False)
class State:
    """One state: its name, value, pointer, scope and effective query language."""

    name: str
    node: dict[str, Any]
    pointer: str
    scope: Scope
    query_language: str

    @property
    def type(self) -> Any:
        """The ``Type`` value (any type; None when absent)."""
        return self.node.get("Type")

    @property
    def is_jsonata(self) -> bool:
        """Whether the state uses JSONata (its own QueryLanguage, else the machine's)."""
        return self.query_language == JSONATA

    def at(self, *parts: str | int) -> str:
        """The pointer of a value inside this state."""
        return self.pointer + pointer(*parts)


class Definition:
    """A definition document broken into scopes and states for the rules.

    ``machine_type`` is the type the machine is validated for (STANDARD or EXPRESS).
    """

    def __init__(self, document: Any, *, machine_type: str = "STANDARD"):
        self.document = document
        self.machine_type = machine_type.upper()
        self.scopes: list[Scope] = []
        self.states: list[State] = []
        top = document.get("QueryLanguage") if isinstance(document, dict) else None
        self.query_language = top if top in (JSONPATH, JSONATA) else JSONPATH
        if isinstance(document, dict):
            self._walk(Scope(document, "", "machine", None))

    def _walk(self, machine: Scope) -> None:
        """Collect every scope and state, breadth first and without recursion."""
        pending = [machine]
        seen: set[int] = set()
        while pending:
            scope = pending.pop(0)
            if id(scope.node) in seen:  # a dict built in Python may contain itself
                continue
            seen.add(id(scope.node))
            self.scopes.append(scope)
            states = scope.node.get("States")
            if not isinstance(states, dict):
                continue
            for name, node in states.items():
                if not isinstance(node, dict):
                    continue
                state = State(
                    name, node, scope.pointer + pointer("States", name), scope, self._language(node)
                )
                scope.states[name] = state
                self.states.append(state)
                pending.extend(_child_scopes(state))

    def _language(self, node: dict[str, Any]) -> str:
        """A state's query language: its own QueryLanguage, else the machine's."""
        own = node.get("QueryLanguage")
        return own if own in (JSONPATH, JSONATA) else self.query_language

    def states_of_type(self, *types: str) -> Iterator[State]:
        """The states whose Type is one of ``types``."""
        return (state for state in self.states if state.type in types)


def _child_scopes(state: State) -> Iterator[Scope]:
    """The scopes a Parallel (Branches) or Map (ItemProcessor/Iterator) state holds."""
    if state.type == "Parallel":
        branches = state.node.get("Branches")
        if isinstance(branches, list):
            for index, branch in enumerate(branches):
                if isinstance(branch, dict):
                    yield Scope(branch, state.at("Branches", index), "branch", state)
    elif state.type == "Map":
        for key in ("ItemProcessor", "Iterator"):
            processor = state.node.get(key)
            if isinstance(processor, dict):
                yield Scope(processor, state.at(key), "processor", state)
