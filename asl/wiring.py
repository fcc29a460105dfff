"""Detect wiring mistakes that AWS's own behaviour would let pass silently.

``unused_wiring(machine, functions=..., mocks=..., resources=...)`` lists the entries of
those arguments that no state of the machine can use: a handler for a Lambda function no
Task invokes, a mock for a state that does not exist (or is not a Task), a ``resources``
key that matches no Task's Resource (say, written in another case).
``unknown_event_types(types)`` lists history event type names AWS does not have (a typo
in ``ex.events("TaskStateEnterd")``).  Each message names the entry and, when there is
one, the close match that was probably meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from asl.execution.history import EVENT_TYPES, unknown_event_types

__all__ = ["EVENT_TYPES", "invoked_functions", "unknown_event_types", "unused_wiring"]

_FUNCTION_ARN = re.compile(
    r"arn:[\w-]+:lambda:[\w-]+:\d{12}:function:(?P<name>[A-Za-z0-9_-]+)(?::[\w$-]+)?"
)
# FunctionName of lambda:invoke: a name, name:qualifier, a partial or a full ARN
_FUNCTION_NAME = re.compile(
    r"(?:arn:[\w-]+:lambda:[\w-]+:\d{12}:function:|\d{12}:function:)?"
    r"(?P<name>[A-Za-z0-9_-]+)(?::[\w$-]+)?"
)
_LAMBDA_INVOKE = re.compile(r"arn:[\w-]+:states:::lambda:invoke(?:\.waitForTaskToken)?")
_SUFFIXES = (".sync:2", ".sync", ".waitForTaskToken")


def _states(definition: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every state of a decoded definition, nested ones included."""
    pending = [definition.get("States") or {}]
    while pending:
        states = pending.pop()
        for name, state in states.items():
            if not isinstance(state, Mapping):
                continue
            yield name, state
            for branch in state.get("Branches") or ():
                if isinstance(branch, Mapping):
                    pending.append(branch.get("States") or {})
            for key in ("ItemProcessor", "Iterator"):
                scope = state.get(key)
                if isinstance(scope, Mapping):
                    pending.append(scope.get("States") or {})


def _definition(machine: Any) -> Mapping[str, Any]:
    definition = getattr(machine, "definition", machine)
    if not isinstance(definition, Mapping):
        raise TypeError(f"expected an asl.StateMachine or a decoded definition, not {machine!r}")
    return definition


def invoked_functions(machine: Any) -> set[str] | None:
    """Names of the Lambda functions a machine's Tasks invoke; None when one of them is
    chosen at run time (a ``FunctionName.$`` path or a JSONata expression)."""
    names: set[str] = set()
    for _, state in _states(_definition(machine)):
        if state.get("Type") != "Task":
            continue
        resource = state.get("Resource")
        if not isinstance(resource, str):
            continue
        direct = _FUNCTION_ARN.fullmatch(resource)
        if direct:
            names.add(direct.group("name"))
            continue
        if not _LAMBDA_INVOKE.fullmatch(resource):
            continue
        payload = state.get("Parameters") or state.get("Arguments") or {}
        if not isinstance(payload, Mapping):
            return None
        if "FunctionName.$" in payload:
            return None
        value = payload.get("FunctionName")
        if not isinstance(value, str) or value.startswith("{%"):
            return None
        match = _FUNCTION_NAME.fullmatch(value)
        if match:
            names.add(match.group("name"))
    return names


def _function_name(key: str) -> str:
    match = _FUNCTION_ARN.fullmatch(key)
    return match.group("name") if match else key


def _hint(word: str, candidates: Iterable[str]) -> str:
    pool = list(candidates)
    same_case = [c for c in pool if c.lower() == word.lower()]
    close = same_case or difflib.get_close_matches(word, pool, n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""


def unused_wiring(
    machine: Any,
    *,
    functions: Mapping[str, Any] | None = None,
    mocks: Mapping[str, Any] | Iterable[str] | None = None,
    resources: Mapping[str, Any] | None = None,
) -> list[str]:
    """One message per ``functions`` / ``mocks`` / ``resources`` entry that no state of
    ``machine`` (an `asl.StateMachine` or a decoded definition) can use.

    ``mocks`` is the ``mocks=`` mapping of `asl.run`, or the state names of a mock file's
    test case.  A function chosen at run time makes every ``functions`` entry plausible:
    none is reported then.
    """
    definition = _definition(machine)
    problems: list[str] = []
    states = dict(_states(definition))
    tasks = {name for name, state in states.items() if state.get("Type") == "Task"}

    if functions:
        invoked = invoked_functions(definition)
        if invoked is not None:
            for key in functions:
                name = _function_name(key)
                if name not in invoked:
                    listed = ", ".join(sorted(invoked)) or "none"
                    problems.append(
                        f"functions[{key!r}]: no Task invokes a Lambda function named "
                        f"{name!r} (the definition invokes: {listed}){_hint(name, invoked)}"
                    )

    for state_name in mocks or ():
        if state_name in tasks:
            continue
        body = states.get(state_name) or {}
        if body.get("Type") == "Map" and ("ItemReader" in body or "ResultWriter" in body):
            continue  # a Map's S3 reads and writes are mocked by the Map's name
        if state_name in states:
            kind = states[state_name].get("Type")
            problems.append(
                f"mocks[{state_name!r}]: state {state_name!r} is a {kind} state; "
                "only Task states are mocked"
            )
        else:
            problems.append(
                f"mocks[{state_name!r}]: no state is named {state_name!r}{_hint(state_name, tasks)}"
            )

    if resources:
        used: set[str] = set()
        for name in tasks | _map_io(states):
            for resource in _resources_of(states[name]):
                used.add(resource)
                for suffix in _SUFFIXES:
                    if resource.endswith(suffix):
                        used.add(resource[: -len(suffix)])
                        break
        for key in resources:
            if key not in used:
                problems.append(
                    f"resources[{key!r}]: no Task state has this Resource{_hint(key, used)}"
                )
    return problems


def _map_io(states: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Map states that read or write S3 through a Resource."""
    return {
        name
        for name, body in states.items()
        if body.get("Type") == "Map" and ("ItemReader" in body or "ResultWriter" in body)
    }


def _resources_of(body: Mapping[str, Any]) -> Iterator[str]:
    """The Resource ARNs a Task or Map state calls, in the forms a handler may be
    registered under (a regional integration ARN also without region and account)."""
    found: list[Any] = [body.get("Resource")]
    for key in ("ItemReader", "ResultWriter"):
        part = body.get(key)
        if isinstance(part, Mapping):
            found.append(part.get("Resource"))
            if key == "ItemReader":  # manifests and LOAD_AND_FLATTEN fetch objects too
                found.append("arn:aws:states:::s3:getObject")
    for resource in found:
        if not isinstance(resource, str):
            continue
        yield resource
        regional = _REGIONAL.fullmatch(resource)
        if regional:
            yield f"arn:aws:states:::{regional.group(1)}"


_REGIONAL = re.compile(r"arn:[\w-]+:states:[\w-]+:\d{12}:((?!activity:|stateMachine:).+)")
