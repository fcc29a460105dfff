"""Diagnostic codes.  Where AWS's ValidateStateMachineDefinition has a code for a problem,
the same code is used, so scripts written against AWS work unchanged."""

from __future__ import annotations

# Codes AWS uses (ValidateStateMachineDefinition / CreateStateMachine).
SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
INVALID_JSON_DESCRIPTION = "INVALID_JSON_DESCRIPTION"
MISSING_TRANSITION_TARGET = "MISSING_TRANSITION_TARGET"
MISSING_END_STATE = "MISSING_END_STATE"
DUPLICATE_STATE_NAME = "DUPLICATE_STATE_NAME"
INVALID_STATE_NAME = "INVALID_STATE_NAME"
INVALID_LABEL_NAME = "INVALID_LABEL_NAME"
DUPLICATE_LABEL_NAME = "DUPLICATE_LABEL_NAME"
TOO_DEEPLY_NESTED = "TOO_DEEPLY_NESTED"
INVALID_JSONATA_EXPRESSION = "INVALID_JSONATA_EXPRESSION"
UNSUPPORTED_JSONATA_EXPRESSION = "UNSUPPORTED_JSONATA_EXPRESSION"
# AWS warnings.
NO_DOLLAR = "NO_DOLLAR"
NO_PATH = "NO_PATH"
PASS_RESULT_IS_STATIC = "PASS_RESULT_IS_STATIC"

# Codes of our own.
UNRECOGNIZED_RESOURCE = "UNRECOGNIZED_RESOURCE"  # warning: a Resource AWS would not know
UNREADABLE_VARIABLE = "UNREADABLE_VARIABLE"  # warning: a variable name no path can read
OUTER_VARIABLE_ASSIGNED = "OUTER_VARIABLE_ASSIGNED"  # warning: inner scope assigns an outer name
UNDEFINED_VARIABLE = "UNDEFINED_VARIABLE"  # warning: a variable read that no visible Assign sets
DISTRIBUTED_MAP_FIELD = "DISTRIBUTED_MAP_FIELD"  # warning: a Distributed-Map field on an inline Map
JSONATA_DELIMITERS = (
    "JSONATA_DELIMITERS"  # warning: a string taken literally that looks like JSONata
)
INTERNAL_ERROR = "INTERNAL_ERROR"  # a validation rule crashed: a bug in asl, reported as such
