"""Task and Map resources: Lambda function ARNs, activity ARNs and ``arn:aws:states:::``
service integrations that AWS knows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import SCHEMA_VALIDATION_FAILED, UNRECOGNIZED_RESOURCE
from asl.validation.model import Definition, State
from asl.validation.registry import rule

SYNC = ".sync"
SYNC2 = ".sync:2"
CALLBACK = ".waitForTaskToken"

# Optimized integrations: service -> {action: allowed suffixes}; None = any action (the
# service is known but its action list is long or changes often).
OPTIMIZED: dict[str, dict[str, tuple[str, ...]] | None] = {
    "lambda": {"invoke": (CALLBACK,)},
    "dynamodb": {"getItem": (), "putItem": (), "updateItem": (), "deleteItem": ()},
    "sns": {"publish": (CALLBACK,)},
    "sqs": {"sendMessage": (CALLBACK,)},
    "states": {"startExecution": (SYNC, SYNC2, CALLBACK)},
    "batch": {"submitJob": (SYNC,)},
    "ecs": {"runTask": (SYNC, CALLBACK)},
    "glue": {"startJobRun": (SYNC,)},
    "databrew": {"startJobRun": (SYNC,)},
    "apigateway": {"invoke": (CALLBACK,)},
    "events": {"putEvents": (CALLBACK,)},
    "mediaconvert": {"createJob": (SYNC,)},
    "http": {"invoke": ()},
    "s3": {"getObject": (), "putObject": (), "listObjectsV2": ()},
    "athena": None,
    "bedrock": None,
    "codebuild": None,
    "eks": None,
    "elasticmapreduce": None,
    "emr-containers": None,
    "emr-serverless": None,
    "sagemaker": None,
}
SUFFIXES = (SYNC2, SYNC, CALLBACK)

_NAME = r"[A-Za-z0-9_-]+"
# Patterns as text, compiled (and cached) by ``re`` on first use: many definitions have
# no Task, and ``asl validate`` should start quickly.
_LAMBDA = rf"function:({_NAME})(?::(\$LATEST|{_NAME}))?"
_ACTIVITY = r"activity:[^\s:]+"
_SDK = r"aws-sdk:[a-z0-9-]+:[A-Za-z0-9]+"


def resource_problem(resource: str) -> tuple[str, str] | None:
    """(code, message) when AWS would not accept ``resource``, else None."""
    if "${" in resource:
        # CloudFormation/SAM DefinitionSubstitutions and Terraform templates fill these in
        # before AWS sees the definition; only a malformed placeholder is certainly wrong.
        if "${" in re.sub(_PLACEHOLDER, "", resource) or not _balanced(resource):
            why = "an unclosed '${' placeholder"
            return SCHEMA_VALIDATION_FAILED, _not_recognized(resource, why)
        return UNRECOGNIZED_RESOURCE, (
            f"The resource '{resource}' holds '${{...}}' placeholders; it is checked only once"
            " they are substituted"
        )
    if not resource.startswith("arn:"):
        return UNRECOGNIZED_RESOURCE, (
            f"The resource '{resource}' is not an ARN; AWS accepts only Lambda function, activity"
            " and service integration ARNs (asl can still run it with a registered handler)"
        )
    parts = resource.split(":", 5)
    if len(parts) < 6:
        return SCHEMA_VALIDATION_FAILED, _not_recognized(
            resource, "an ARN has six ':'-separated parts"
        )
    _, _, service, region, account, rest = parts
    if service == "lambda":
        return (
            None
            if re.fullmatch(_LAMBDA, rest)
            else (SCHEMA_VALIDATION_FAILED, _not_recognized(resource))
        )
    if service != "states":
        return UNRECOGNIZED_RESOURCE, (
            f"The resource '{resource}' is not a Lambda function, activity or Step Functions"
            " service integration ARN"
        )
    if re.fullmatch(_ACTIVITY, rest):
        if region and account:
            return None
        return SCHEMA_VALIDATION_FAILED, _not_recognized(resource)
    if bool(region) != bool(account):
        # Integration ARNs leave both empty (arn:aws:states:::s3:getObject) or, as AWS also
        # accepts, carry both (arn:aws:states:us-east-1:123456789012:s3:getObject).
        why = "an integration ARN gives both the region and the account, or neither"
        return SCHEMA_VALIDATION_FAILED, _not_recognized(resource, why)
    found = _integration_problem(resource, rest)
    if region and found is not None and found[0] == UNRECOGNIZED_RESOURCE:
        # arn:aws:states:REGION:ACCOUNT:stateMachine:... and the like name no integration
        return SCHEMA_VALIDATION_FAILED, _not_recognized(resource)
    return found


_PLACEHOLDER = r"\$\{[^{}]*\}"


def _balanced(text: str) -> bool:
    """Whether every '{' in ``text`` is closed by a later '}'."""
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def _integration_problem(resource: str, rest: str) -> tuple[str, str] | None:
    """Problems with ``arn:aws:states:[region:account]:<service>:<action>[suffix]``."""
    suffix = next((s for s in SUFFIXES if rest.endswith(s)), "")
    body = rest[: len(rest) - len(suffix)]
    if body.startswith("aws-sdk:"):
        if re.fullmatch(_SDK, body) and suffix in ("", CALLBACK):
            return None
        return SCHEMA_VALIDATION_FAILED, _not_recognized(resource)
    service, _, action = body.partition(":")
    if service not in OPTIMIZED:
        return (
            UNRECOGNIZED_RESOURCE,
            f"The resource '{resource}' is not a service integration asl knows",
        )
    actions = OPTIMIZED[service]
    if not action or ":" in action:
        return SCHEMA_VALIDATION_FAILED, _not_recognized(resource)
    if actions is None:
        return None
    if action not in actions or (suffix and suffix not in actions[action]):
        return SCHEMA_VALIDATION_FAILED, _not_recognized(resource)
    return None


def _not_recognized(resource: str, why: str = "") -> str:
    """AWS's wording for a resource it does not know."""
    detail = f" ({why})" if why else ""
    return (
        f"The resource provided {resource} is not recognized. The value is not a valid resource"
        f" ARN, or the resource is not available in this region.{detail}"
    )


def _resources(definition: Definition) -> Iterator[tuple[State, tuple[str, ...], Any, bool]]:
    """(state, parts, value, is_task) of every Resource field: Task states and Map
    reader/writer (the pointer is built only for a diagnostic)."""
    for state in definition.states:
        if state.type == "Task" and "Resource" in state.node:
            yield state, _RESOURCE, state.node["Resource"], True
        elif state.type == "Map":
            for key in ("ItemReader", "ResultWriter"):
                holder = state.node.get(key)
                if isinstance(holder, dict) and "Resource" in holder:
                    yield state, (key, "Resource"), holder["Resource"], False


_RESOURCE = ("Resource",)


@rule
def known_resources(definition: Definition) -> Iterator[Diagnostic]:
    """Resources are ARNs AWS accepts; non-ARN names only warn (asl can run them offline)."""
    for state, parts, resource, _ in _resources(definition):
        if not isinstance(resource, str) or not resource:
            continue
        if resource.startswith("{%"):
            message = "The field 'Resource' must be a constant string, not a JSONata expression"
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*parts))
            continue
        found = _cached_resource_problem(resource)
        if found is not None:
            code, message = found
            if code == UNRECOGNIZED_RESOURCE:
                yield Diagnostic(code, message, state.at(*parts), severity="warning")
            else:
                yield Diagnostic(code, message, state.at(*parts))


#: Many tasks of one machine share a resource; each distinct one is checked once.
_cached_resource_problem = lru_cache(maxsize=4096)(resource_problem)


@rule
def express_integrations(definition: Definition) -> Iterator[Diagnostic]:
    """Express machines support neither .sync, .waitForTaskToken nor activities."""
    if definition.machine_type != "EXPRESS":
        return
    for state, parts, resource, is_task in _resources(definition):
        if not is_task or not isinstance(resource, str):
            continue
        suffix = next((s for s in (SYNC2, SYNC, CALLBACK) if resource.endswith(s)), None)
        if suffix is not None:
            pattern = SYNC if suffix == SYNC2 else suffix
            message = f"Express state machine does not support '{pattern}' service integration"
            if suffix == CALLBACK:
                message += " "  # AWS's text has a space more for this one (two before "at")
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*parts))
        elif re.fullmatch(_ACTIVITY, resource.split(":", 5)[-1]) and resource.startswith("arn:"):
            message = "Express state machine does not support activities"
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at(*parts))
