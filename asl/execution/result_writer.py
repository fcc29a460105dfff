"""The Distributed Map ``ResultWriter``: shape the Map Run's results, or export them to S3.

As AWS documents it (Step Functions guide, "ResultWriter (Map)"):

- ``WriterConfig`` only: nothing is exported; the Map's result is the child executions'
  results transformed by ``Transformation``: ``COMPACT`` (their outputs), ``FLATTEN``
  (outputs that are arrays flattened one level) or ``NONE`` (each child's execution
  metadata: ``ExecutionArn``, ``Input``, ``Output`` as JSON text, ``Status``, dates...).
  A failed (tolerated) child is always given as its metadata, as with ``NONE``.
- ``Resource`` (``arn:aws:states:::s3:putObject``) and ``Parameters`` / ``Arguments``
  (``Bucket``, ``Prefix``), with or without a ``WriterConfig``: the results go to
  ``<Prefix>/<map run id>/`` as ``SUCCEEDED_0.json``, ``FAILED_0.json`` (failed and
  aborted children) and ``PENDING_0.json`` (children never started), only those that have
  entries, then ``manifest.json`` listing them; the Map's result is
  ``{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": <manifest key>}}``.
  Without a WriterConfig the files hold the metadata (``NONE``) as a JSON array;
  ``OutputType`` ``JSONL`` writes one JSON value per line.  A Map Run that fails still
  writes its files before it fails.

The writes go through the task backends as an ItemReader's reads do: register a handler
for ``arn:aws:states:::s3:putObject`` in ``resources=`` (it gets ``{"Bucket", "Key",
"Body"}``, ``Body`` being the file's text), mock the Map state by name, or forward it to
S3 with `asl.backends.aws.AwsBackend`.  A failed write is ``States.ResultWriterFailed``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asl import ast
from asl.backends.base import Resource, parse_resource
from asl.errors import StatesError
from asl.execution.item_reader import call_resource, request_parameters
from asl.execution.step import Step, compact
from asl.timestamps import iso_millis

RESULT_WRITER_FAILED = "States.ResultWriterFailed"
# the result files, in the order the manifest lists their statuses
_STATUSES = ("FAILED", "PENDING", "SUCCEEDED")


@dataclass
class ChildRun:
    """One child execution of a Map Run, as the writer reports it."""

    input: Any
    name: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "PENDING"  # RUNNING, SUCCEEDED, FAILED or ABORTED once started
    output: Any = None
    error: str | None = None
    cause: str | None = None
    start: datetime | None = None
    stop: datetime | None = None


class ChildRuns:
    """The child executions of one Map Run, tracked while they run (for its ResultWriter,
    and for the API's DescribeMapRun and ListExecutions)."""

    def __init__(self, count: int, now: Callable[[], datetime], inputs: Callable[[int], Any]):
        self.runs: list[ChildRun | None] = [None] * count
        self._now = now
        self._inputs = inputs
        self.label = ""  # the Map state's Label (or generated), part of child ARNs

    async def track(self, i: int, value: Any, body: Awaitable[Any]) -> Any:
        """Await child ``i``'s ``body`` (it runs on ``value``), recording how it ends."""
        run = self.runs[i] = ChildRun(value, start=self._now(), status="RUNNING")
        try:
            run.output = await body
        except StatesError as e:
            run.status, run.error, run.cause = "FAILED", e.error, e.cause
            raise
        except BaseException:
            run.status = "ABORTED"  # cancelled: another child's failure stopped the run
            raise
        finally:
            run.stop = self._now()
        run.status = "SUCCEEDED"
        return run.output

    def all(self) -> list[ChildRun]:
        """Every child in item order; those never started are PENDING."""
        out = []
        for i, run in enumerate(self.runs):
            if run is None:
                try:
                    value = self._inputs(i)
                except StatesError:
                    value = None
                run = ChildRun(value)
            out.append(run)
        return out


@dataclass(frozen=True)
class WriterCall:
    """A ResultWriter, checked and with its S3 request evaluated (None: no export)."""

    step: Step
    resource: Resource | None
    bucket: str | None
    prefix: str
    transformation: str
    output_type: str

    async def finish(self, children: ChildRuns, map_run_arn: str) -> Any:
        """The Map's result once its run succeeded (exporting first, if asked)."""
        runs = children.all()
        if self.resource is None:
            return self.transform(runs, map_run_arn)
        return await self.export(runs, map_run_arn)

    def transform(self, runs: list[ChildRun], map_run_arn: str) -> list[Any]:
        """The runs' results after ``Transformation`` (failed children as metadata)."""
        if self.transformation == "NONE":
            return [metadata(run, map_run_arn) for run in runs]
        out: list[Any] = []
        for run in runs:
            if run.status != "SUCCEEDED":
                out.append(metadata(run, map_run_arn))
            elif self.transformation == "FLATTEN" and isinstance(run.output, list):
                out.extend(run.output)
            else:
                out.append(run.output)
        return out

    async def export(self, runs: list[ChildRun], map_run_arn: str) -> dict[str, Any]:
        """Write the result files and the manifest; returns the Map's result."""
        assert self.resource is not None and self.bucket is not None
        directory = f"{self.prefix}{map_run_id(map_run_arn)}/"
        files: dict[str, list[dict[str, Any]]] = {status: [] for status in _STATUSES}
        for status in ("SUCCEEDED", "FAILED", "PENDING"):
            group = [run for run in runs if _file_status(run) == status]
            if not group:
                continue
            if status == "SUCCEEDED":
                entries = self.transform(group, map_run_arn)
            else:
                entries = [metadata(run, map_run_arn) for run in group]
            key = f"{directory}{status}_0.json"
            body = self._text(entries)
            await self._put(key, body)
            files[status].append({"Key": key, "Size": len(body.encode("utf-8"))})
        manifest_key = f"{directory}manifest.json"
        manifest = {"DestinationBucket": self.bucket, "MapRunArn": map_run_arn}
        manifest["ResultFiles"] = files  # type: ignore[assignment]
        await self._put(manifest_key, compact(manifest))
        return {
            "MapRunArn": map_run_arn,
            "ResultWriterDetails": {"Bucket": self.bucket, "Key": manifest_key},
        }

    def _text(self, entries: list[Any]) -> str:
        if self.output_type == "JSONL":
            return "".join(compact(entry) + "\n" for entry in entries)
        return compact(entries)

    async def _put(self, key: str, body: str) -> None:
        assert self.resource is not None
        parameters = {"Bucket": self.bucket, "Key": key, "Body": body}
        await call_resource(
            self.step,
            self.resource,
            parameters,
            RESULT_WRITER_FAILED,
            "Writing the results failed.",
        )


def prepare_writer(step: Step, writer: ast.ResultWriter, data: Any) -> WriterCall:
    """Evaluate a ResultWriter's Parameters (or Arguments) for ``data``, the Map's
    effective input; raises ``States.Runtime`` for a request AWS would not accept."""
    if writer.resource is None:
        return WriterCall(step, None, None, "", writer.transformation, writer.output_type)
    with step.evaluating():
        parameters = request_parameters(step, writer.parameters, data)
        bucket, prefix = _location(step, parameters)
    return WriterCall(
        step,
        parse_resource(writer.resource),
        bucket,
        prefix,
        writer.transformation,
        writer.output_type,
    )


def metadata(run: ChildRun, map_run_arn: str) -> dict[str, Any]:
    """A child as the ``NONE`` transformation gives it (keys in AWS's order)."""
    if run.status == "PENDING":
        return {
            "Input": compact(run.input),
            "InputDetails": {"Included": True},
            "Status": "PENDING",
        }
    machine = map_run_arn.split(":mapRun:", 1)[-1].rsplit(":", 1)[0]
    base = map_run_arn.split(":mapRun:", 1)[0]
    entry: dict[str, Any] = {}
    if run.cause is not None:
        entry["Cause"] = run.cause
    if run.error is not None:
        entry["Error"] = run.error
    entry["ExecutionArn"] = f"{base}:execution:{machine}:{run.name}"
    entry["Input"] = compact(run.input)
    entry["InputDetails"] = {"Included": True}
    entry["Name"] = run.name
    if run.status == "SUCCEEDED":
        entry["Output"] = compact(run.output)
    entry["OutputDetails"] = {"Included": True}
    entry["RedriveCount"] = 0
    if run.status == "SUCCEEDED":
        entry["RedriveStatus"] = "NOT_REDRIVABLE"
        entry["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    else:
        entry["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN"
    if run.start is not None:
        entry["StartDate"] = iso_millis(run.start)
    entry["StateMachineArn"] = f"{base}:stateMachine:{machine}"
    entry["Status"] = run.status
    if run.stop is not None:
        entry["StopDate"] = iso_millis(run.stop)
    return entry


def map_run_id(map_run_arn: str) -> str:
    """The id a Map Run ARN ends with (the folder of its result files)."""
    return map_run_arn.rsplit(":", 1)[-1]


def _file_status(run: ChildRun) -> str:
    """The result file a child goes to: FAILED holds failed, timed-out and aborted ones."""
    if run.status in ("SUCCEEDED", "PENDING"):
        return run.status
    return "FAILED"


def _location(step: Step, parameters: Any) -> tuple[str, str]:
    """(Bucket, Prefix) of the evaluated request; the prefix ends with ``/`` unless empty."""
    if not isinstance(parameters, Mapping):
        raise StatesError(
            "States.Runtime",
            f"The ResultWriter of state '{step.state.name}' needs Parameters with a Bucket, "
            f"not {compact(parameters)}",
        )
    bucket = parameters.get("Bucket")
    if not isinstance(bucket, str) or not bucket:
        raise StatesError(
            "States.Runtime",
            f"The ResultWriter of state '{step.state.name}' needs a Bucket name (a string), "
            f"not {compact(bucket) if 'Bucket' in parameters else 'none'}",
        )
    prefix = parameters.get("Prefix", "")
    if prefix is None:
        prefix = ""
    if not isinstance(prefix, str):
        raise StatesError(
            "States.Runtime",
            f"The ResultWriter of state '{step.state.name}' has a Prefix that is not a "
            f"string: {compact(prefix)}",
        )
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return bucket, prefix


__all__ = [
    "RESULT_WRITER_FAILED",
    "ChildRun",
    "ChildRuns",
    "WriterCall",
    "map_run_id",
    "metadata",
    "prepare_writer",
]
