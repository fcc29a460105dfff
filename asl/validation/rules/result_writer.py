"""The Distributed Map ``ResultWriter``: which fields it holds and the S3 action it calls.

The JSON Schema checks each field alone (WriterConfig's OutputType and Transformation
values); `templates` and `jsonata` check Parameters and Arguments.
"""

from __future__ import annotations

from collections.abc import Iterator

from asl.diagnostics import Diagnostic
from asl.validation.codes import SCHEMA_VALIDATION_FAILED
from asl.validation.model import Definition
from asl.validation.registry import rule
from asl.validation.rules.item_reader import s3_action
from asl.validation.rules.resources import resource_problem

PUT_OBJECT = "putObject"


@rule
def result_writer_fields(definition: Definition) -> Iterator[Diagnostic]:
    """A ResultWriter holds WriterConfig, or Resource with Parameters (Arguments in
    JSONata), or all three; AWS documents that it cannot be empty or hold part of a set."""
    for state in definition.states_of_type("Map"):
        writer = state.node.get("ResultWriter")
        if not isinstance(writer, dict):
            continue
        has_config = "WriterConfig" in writer
        has_resource = "Resource" in writer
        has_parameters = "Parameters" in writer or "Arguments" in writer
        if has_resource == has_parameters and (has_config or has_resource):
            continue
        parameters = "Arguments" if state.is_jsonata else "Parameters"
        message = (
            "ResultWriter must hold 'WriterConfig', or 'Resource' with"
            f" '{parameters}', or all three"
        )
        yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at("ResultWriter"))


@rule
def result_writer_resource(definition: Definition) -> Iterator[Diagnostic]:
    """A ResultWriter exports the results with ``arn:aws:states:::s3:putObject``."""
    for state in definition.states_of_type("Map"):
        writer = state.node.get("ResultWriter")
        resource = writer.get("Resource") if isinstance(writer, dict) else None
        if not isinstance(resource, str) or "${" in resource or s3_action(resource) == PUT_OBJECT:
            continue
        problem = resource_problem(resource) if resource else None
        if problem is not None and problem[0] == SCHEMA_VALIDATION_FAILED:
            continue  # known_resources already reports an ARN AWS does not know
        message = (
            f"The ResultWriter cannot write results with the resource '{resource}': use"
            " arn:aws:states:::s3:putObject"
        )
        yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at("ResultWriter", "Resource"))
