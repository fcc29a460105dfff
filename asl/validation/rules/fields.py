"""Field combinations: mutually exclusive fields, fields required together or one of a
set, timeouts, timestamps, Credentials and query-language mixing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import DISTRIBUTED_MAP_FIELD, SCHEMA_VALIDATION_FAILED
from asl.validation.model import JSONATA, JSONPATH, Definition, State
from asl.validation.registry import advisory, rule

# (state type, pointer parts of the object inside the state, the exclusive fields).
EXCLUSIVE_FIELDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Task", (), ("TimeoutSeconds", "TimeoutSecondsPath")),
    ("Task", (), ("HeartbeatSeconds", "HeartbeatSecondsPath")),
    ("Task", ("Credentials",), ("RoleArn", "RoleArn.$")),
    ("Fail", (), ("Error", "ErrorPath")),
    ("Fail", (), ("Cause", "CausePath")),
    ("Wait", (), ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")),
    ("Map", (), ("ItemProcessor", "Iterator")),
    ("Map", (), ("ItemSelector", "Parameters")),
    ("Map", (), ("Items", "ItemsPath")),
    ("Map", (), ("MaxConcurrency", "MaxConcurrencyPath")),
    ("Map", (), ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath")),
    ("Map", (), ("ToleratedFailureCount", "ToleratedFailureCountPath")),
    ("Map", ("ItemReader", "ReaderConfig"), ("MaxItems", "MaxItemsPath")),
    ("Map", ("ItemBatcher",), ("MaxItemsPerBatch", "MaxItemsPerBatchPath")),
    ("Map", ("ItemBatcher",), ("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")),
)

# (state type, the fields of which one is required, in JSONPath states / in JSONata states).
ONE_REQUIRED: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Wait", ("Seconds", "SecondsPath", "Timestamp", "TimestampPath"), ("Seconds", "Timestamp")),
    ("Map", ("ItemProcessor", "Iterator"), ("ItemProcessor", "Iterator")),
)

_ONE_REQUIRED_TYPES = tuple(kind for kind, _, _ in ONE_REQUIRED)


def _object_at(node: Any, parts: tuple[str, ...]) -> Any:
    """The value at ``parts`` inside ``node``, or None when some step is missing."""
    for part in parts:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _quoted(fields: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"'{field}'" for field in fields)


# EXCLUSIVE_FIELDS by state type, in the same order.
_EXCLUSIVE_BY_TYPE: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
for _kind, _parts, _group in EXCLUSIVE_FIELDS:
    _EXCLUSIVE_BY_TYPE.setdefault(_kind, []).append((_parts, _group))


@rule
def exclusive_fields(definition: Definition) -> Iterator[Diagnostic]:
    """Fields that say the same thing two ways (Seconds/SecondsPath, Error/ErrorPath, ...)."""
    for state in definition.states:
        groups = _EXCLUSIVE_BY_TYPE.get(state.type) if isinstance(state.type, str) else None
        for parts, group in groups or ():
            holder = _object_at(state.node, parts)
            if not isinstance(holder, dict):
                continue
            present = [field for field in group if field in holder]
            if len(present) > 1:
                message = f"The fields {_quoted(present)} are mutually exclusive: use only one"
                yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*parts, present[1]))


@rule
def one_field_required(definition: Definition) -> Iterator[Diagnostic]:
    """A Wait needs a duration or a time; a Map needs an ItemProcessor (or Iterator)."""
    for state in definition.states:
        if state.type not in _ONE_REQUIRED_TYPES:
            continue
        for kind, jsonpath_fields, jsonata_fields in ONE_REQUIRED:
            fields = jsonata_fields if state.is_jsonata else jsonpath_fields
            if state.type == kind and not any(field in state.node for field in fields):
                message = f"A {kind} state requires one of these fields: [{', '.join(fields)}]"
                yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.pointer)


@rule
def credentials_role(definition: Definition) -> Iterator[Diagnostic]:
    """Task Credentials name the role to assume: RoleArn (or RoleArn.$ with JSONPath)."""
    for state in definition.states_of_type("Task"):
        credentials = state.node.get("Credentials")
        if (
            isinstance(credentials, dict)
            and "RoleArn" not in credentials
            and "RoleArn.$" not in credentials
        ):
            if not state.is_jsonata:  # the JSONata schema already requires RoleArn
                message = "The field 'RoleArn' is required but was missing"
                yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at("Credentials"))


@rule
def heartbeat_below_timeout(definition: Definition) -> Iterator[Diagnostic]:
    """A literal HeartbeatSeconds must be smaller than a literal TimeoutSeconds."""
    for state in definition.states_of_type("Task"):
        heartbeat = state.node.get("HeartbeatSeconds")
        timeout = state.node.get("TimeoutSeconds")
        if (
            isinstance(heartbeat, (int, float))
            and isinstance(timeout, (int, float))
            and _is_number(heartbeat)
            and _is_number(timeout)
            and heartbeat >= timeout
        ):
            message = (
                f"HeartbeatSeconds ({heartbeat}) must be smaller than TimeoutSeconds ({timeout})"
            )
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at("HeartbeatSeconds"))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# Patterns of rules that most definitions never need are kept as text: ``re`` compiles
# (and caches) them on first use, which keeps ``asl validate`` quick to start.
_RFC3339 = r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))"


def is_rfc3339(text: str) -> bool:
    """Whether ``text`` is an RFC 3339 date-time as AWS requires (uppercase T and Z)."""
    match = re.fullmatch(_RFC3339, text, re.ASCII)
    if match is None:
        return False
    from datetime import datetime  # imported when needed: most definitions have no timestamp

    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    try:
        datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return False
    offset_ok = match.group(9) is None or (int(match.group(9)) <= 23 and int(match.group(10)) <= 59)
    return second <= 60 and offset_ok


@rule
def wait_timestamp_format(definition: Definition) -> Iterator[Diagnostic]:
    """A literal Wait Timestamp is an RFC 3339 date-time (a JSONata expression is checked later)."""
    for state in definition.states_of_type("Wait"):
        value = state.node.get("Timestamp")
        if (
            isinstance(value, str)
            and not (state.is_jsonata and value.startswith("{%"))
            and not is_rfc3339(value)
        ):
            yield Diagnostic(
                SCHEMA_VALIDATION_FAILED,
                "String does not match RFC3339 timestamp",
                state.at("Timestamp"),
            )


@rule
def no_jsonpath_state_in_jsonata_machine(definition: Definition) -> Iterator[Diagnostic]:
    """A machine whose QueryLanguage is JSONata cannot hold JSONPath states.

    The states of a DISTRIBUTED Map's ItemProcessor are exempt: they run as a child workflow
    of their own (asl-validator accepts such definitions; AWS's wording, "for whole state
    machine", names the workflow the state belongs to).
    """
    if definition.query_language != JSONATA:
        return
    for state in definition.states:
        if state.node.get("QueryLanguage") == JSONPATH and not _in_distributed_processor(state):
            message = (
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
            )
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.pointer)


def _in_distributed_processor(state: State) -> bool:
    """Whether a state lies inside the ItemProcessor of a DISTRIBUTED Map, at any depth."""
    scope = state.scope
    while scope.owner is not None:
        if scope.distributed:
            return True
        scope = scope.owner.scope
    return False


DISTRIBUTED_ONLY = (
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "Label",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
)


@advisory
def distributed_map_fields(definition: Definition) -> Iterator[Diagnostic]:
    """Warn about Distributed-Map fields on a Map whose processor runs INLINE (the default)."""
    for state in definition.states_of_type("Map"):
        processor = state.node.get("ItemProcessor", state.node.get("Iterator"))
        if not isinstance(processor, dict):
            continue
        config = processor.get("ProcessorConfig")
        if isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED":
            continue
        for field in DISTRIBUTED_ONLY:
            if field in state.node:
                message = (
                    f"The field '{field}' is for Distributed Map states; this Map's ItemProcessor"
                    " runs INLINE (set ProcessorConfig.Mode to DISTRIBUTED)"
                )
                yield Diagnostic(
                    DISTRIBUTED_MAP_FIELD, message, state.at(field), severity="warning"
                )


@rule
def distributed_execution_type(definition: Definition) -> Iterator[Diagnostic]:
    """A DISTRIBUTED processor names the type of its child executions (STANDARD or EXPRESS)."""
    for scope in definition.scopes:
        if scope.distributed and "ExecutionType" not in scope.node["ProcessorConfig"]:
            message = "The field 'ExecutionType' is required when 'Mode' is 'DISTRIBUTED'"
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, scope.pointer + "/ProcessorConfig")
