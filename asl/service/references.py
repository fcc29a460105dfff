"""``variableReferences``: the variables each state reads, as DescribeStateMachine lists them.

A state reads a variable where one of its JSONPath fields names it (``InputPath:
"$answer"``, ``"x.$": "States.Format($template, $.name)"``, a Choice rule's
``Variable`` or ``...Path``, ``SecondsPath``, ``ItemsPath``...) or one of its JSONata
expressions does (``{% $total + 1 %}``; ``$states``, function calls and names bound in
the expression are not variables).  States inside Parallel branches and Map item
processors are listed under their own names.  The lists are sorted; states that read no
variable are left out.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PATH_REFERENCE = re.compile(r"(?<![\w$])\$([A-Za-z_][A-Za-z0-9_]*)")
_JSONATA = re.compile(r"(?<![\w$])\$([A-Za-z_][A-Za-z0-9_]*)(\s*\()?")
_BOUND = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)\s*:=")
_PARAMS = re.compile(r"function\s*\(([^)]*)\)")
_NESTED = ("Branches", "ItemProcessor", "Iterator")


def variable_references(definition: str) -> dict[str, list[str]] | None:
    """State name -> sorted variable names it reads; None when no state reads any."""
    try:
        document = json.loads(definition)
    except ValueError:
        return None
    found: dict[str, set[str]] = {}
    _walk_states(document, found)
    out = {name: sorted(names) for name, names in found.items() if names}
    return out or None


def _walk_states(scope: Any, found: dict[str, set[str]]) -> None:
    states = scope.get("States") if isinstance(scope, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        names: set[str] = set()
        for key, value in state.items():
            if key in _NESTED:
                continue
            _collect(key, value, names)
        if names:
            found.setdefault(name, set()).update(names)
        for branch in state.get("Branches") or []:
            _walk_states(branch, found)
        for inner in ("ItemProcessor", "Iterator"):
            _walk_states(state.get(inner), found)


def _collect(key: str, value: Any, names: set[str]) -> None:
    if isinstance(value, str):
        if value.startswith("{%") and value.endswith("%}"):
            names.update(_jsonata_variables(value[2:-2]))
        elif _is_reference_field(key):
            names.update(_PATH_REFERENCE.findall(_without_literals(value)))
        return
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            _collect(inner_key, inner, names)
    elif isinstance(value, list):
        for item in value:
            _collect(key if key in ("Choices", "And", "Or") else "", item, names)


def _is_reference_field(key: str) -> bool:
    return key.endswith(".$") or key == "Variable" or (key.endswith("Path") and key != "ResultPath")


def _without_literals(text: str) -> str:
    """An intrinsic function call without its quoted string arguments."""
    return re.sub(r"'(?:\\.|[^'\\])*'", "''", text)


def _jsonata_variables(expression: str) -> set[str]:
    text = re.sub(r"\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", '""', expression)
    bound = set(_BOUND.findall(text))
    for params in _PARAMS.findall(text):
        bound.update(p.strip().lstrip("$") for p in params.split(",") if p.strip())
    names = set()
    for name, call in _JSONATA.findall(text):
        if call or name == "states" or name in bound:
            continue
        names.add(name)
    return names
