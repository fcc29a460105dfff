"""A walk of a loaded definition that rules share: its scopes and states, with pointers.

Nothing here assumes the document is well formed: a value of the wrong type is skipped (the
schema check reports it), so every rule can rely on ``State.node`` being a dict and
``Scope.states`` holding only dict-valued states.

The walk classifies each state once (type, query language) and keeps facts several rules
need in ``Definition.memo``; pointers are built only when a diagnostic asks for one, since
a valid definition of thousands of states needs none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from asl.diagnostics import pointer

__all__ = ["Definition", "Scope", "State", "JSONPATH", "JSONATA"]

JSONPATH = "JSONPath"
JSONATA = "JSONata"

T = TypeVar("T")


class Scope:
    """A set of states with its own StartAt: the machine, a Parallel branch or a Map processor.

    ``kind`` is ``"machine"``, ``"branch"`` or ``"processor"``; ``owner`` the Parallel or Map
    state that holds it (None for the machine); ``start_at`` the StartAt value (any type,
    None when absent); ``depth`` how many Parallel/Map states enclose it; ``distributed``
    whether it is the processor of a DISTRIBUTED Map (its own child executions).
    """

    __slots__ = ("node", "pointer", "kind", "owner", "states", "start_at", "depth", "distributed")

    def __init__(self, node: dict[str, Any], pointer: str, kind: str, owner: State | None):
        self.node = node
        self.pointer = pointer
        self.kind = kind
        self.owner = owner
        self.states: dict[str, State] = {}
        self.start_at: Any = node.get("StartAt")
        self.depth: int = 0 if owner is None else owner.scope.depth + 1
        config = node.get("ProcessorConfig")
        self.distributed: bool = (
            kind == "processor" and isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
        )


class State:
    """One state: its name, value, scope, ``type`` (the Type value, any type; None when
    absent) and effective query language; ``pointer`` is computed on first use."""

    __slots__ = ("name", "node", "scope", "type", "query_language", "is_jsonata", "_pointer")

    def __init__(self, name: str, node: dict[str, Any], scope: Scope, query_language: str) -> None:
        self.name = name
        self.node = node
        self.scope = scope
        self.type: Any = node.get("Type")
        self.query_language = query_language
        #: Whether the state uses JSONata (its own QueryLanguage, else the machine's).
        self.is_jsonata: bool = query_language == JSONATA
        self._pointer: str | None = None

    @property
    def pointer(self) -> str:
        """The JSON pointer of the state."""
        if self._pointer is None:
            self._pointer = self.scope.pointer + pointer("States", self.name)
        return self._pointer

    def at(self, *parts: str | int) -> str:
        """The pointer of a value inside this state."""
        return self.pointer + pointer(*parts)


class Definition:
    """A definition document broken into scopes and states for the rules.

    ``machine_type`` is the type the machine is validated for (STANDARD or EXPRESS);
    ``states`` lists every state, ``jsonpath_states`` and ``jsonata_states`` those of each
    query language, all in the same (breadth-first) order.
    """

    def __init__(self, document: Any, *, machine_type: str = "STANDARD"):
        self.document = document
        self.machine_type = machine_type.upper()
        self.scopes: list[Scope] = []
        self.states: list[State] = []
        self.jsonpath_states: list[State] = []
        self.jsonata_states: list[State] = []
        self._by_type: dict[str, list[State]] = {}
        self._memo: dict[str, Any] = {}
        top = document.get("QueryLanguage") if isinstance(document, dict) else None
        self.query_language = top if top in (JSONPATH, JSONATA) else JSONPATH
        if isinstance(document, dict):
            self._walk(Scope(document, "", "machine", None))

    def _walk(self, machine: Scope) -> None:
        """Collect every scope and state, breadth first and without recursion."""
        pending = [machine]
        seen: set[int] = set()
        default_language = self.query_language
        by_type = self._by_type
        index = 0
        while index < len(pending):
            scope = pending[index]
            index += 1
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
                own = node.get("QueryLanguage")
                language = own if own in (JSONPATH, JSONATA) else default_language
                state = State(name, node, scope, language)
                scope.states[name] = state
                self.states.append(state)
                (self.jsonata_states if state.is_jsonata else self.jsonpath_states).append(state)
                kind = state.type
                if isinstance(kind, str):
                    by_type.setdefault(kind, []).append(state)
                if kind == "Parallel" or kind == "Map":
                    pending.extend(_child_scopes(state))

    def states_of_type(self, *types: str) -> Iterator[State]:
        """The states whose Type is one of ``types``, in definition order."""
        if len(types) == 1:
            return iter(self._by_type.get(types[0], ()))
        return (state for state in self.states if state.type in types)

    def memo(self, key: str, compute: Callable[[Definition], T]) -> T:
        """``compute(self)``, computed once per definition: facts several rules share."""
        try:
            value: T = self._memo[key]
        except KeyError:
            value = self._memo[key] = compute(self)
        return value


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
