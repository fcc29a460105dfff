"""The Distributed Map ResultWriter: WriterConfig transformations and exports to S3.

Shapes from the Step Functions guide ("ResultWriter (Map)"): the Map's result when
exporting (``MapRunArn`` + ``ResultWriterDetails`` with ``<Prefix>/<map run id>/
manifest.json``), the manifest (``DestinationBucket``, ``MapRunArn``, ``ResultFiles``
by status with ``Key`` and ``Size``), and the child metadata of the ``NONE`` transformation.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import asl
from asl.errors import StatesError

PUT = "arn:aws:states:::s3:putObject"
GET = "arn:aws:states:::s3:getObject"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DATE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
PASS = {"P": {"Type": "Pass", "End": True}}


def machine(
    writer: Any, states: dict | None = None, *, jsonata: bool = False, **fields: Any
) -> dict:
    """A machine whose distributed Map "Map" runs ``states`` (a Pass by default)."""
    body = {
        "Type": "Map",
        "ResultWriter": writer,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": next(iter(states or PASS)),
            "States": states or PASS,
        },
        "End": True,
        **fields,
    }
    definition: dict[str, Any] = {"StartAt": "Map", "States": {"Map": body}}
    if jsonata:
        definition["QueryLanguage"] = "JSONata"
    return definition


def export(prefix: str | None = "results", **config: Any) -> dict[str, Any]:
    writer: dict[str, Any] = {"Resource": PUT, "Parameters": {"Bucket": "bucket"}}
    if prefix is not None:
        writer["Parameters"]["Prefix"] = prefix
    if config:
        writer["WriterConfig"] = config
    return writer


class Bucket:
    """An s3:putObject handler keeping the objects written, in order."""

    def __init__(self, fail: BaseException | None = None):
        self.objects: dict[str, str] = {}
        self.requests: list[dict[str, Any]] = []
        self.fail = fail

    def put(self, parameters: Any, context: Any) -> Any:
        if self.fail is not None:
            raise self.fail
        self.requests.append(parameters)
        self.objects[parameters["Key"]] = parameters["Body"]
        return {"ETag": '"etag"'}

    def json(self, key: str) -> Any:
        return json.loads(self.objects[key])

    @property
    def resources(self) -> dict[str, Any]:
        return {PUT: self.put}


def map_run_arn(ex: asl.Execution) -> str:
    (event,) = [e for e in ex.history if e["type"] == "MapRunStarted"]
    return event["mapRunStartedEventDetails"]["mapRunArn"]


def events(ex: asl.Execution) -> list[str]:
    return [e["type"] for e in ex.history]


# -- WriterConfig only: the transformed results are the Map's output ------------------------

CHILD_ARRAYS = [[{"id": 1}, {"id": 2}], [{"id": 3}], {"id": 4}]


def test_compact_gives_the_outputs_as_they_are():
    writer = {"WriterConfig": {"OutputType": "JSON", "Transformation": "COMPACT"}}
    ex = asl.run(machine(writer), CHILD_ARRAYS)
    assert ex.status == "SUCCEEDED"
    assert ex.output == CHILD_ARRAYS


def test_flatten_flattens_array_outputs_one_level():
    writer = {"WriterConfig": {"OutputType": "JSON", "Transformation": "FLATTEN"}}
    ex = asl.run(machine(writer), [*CHILD_ARRAYS, [[5]]])
    assert ex.output == [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, [5]]


def test_none_gives_each_childs_execution_metadata():
    writer = {"WriterConfig": {"OutputType": "JSONL", "Transformation": "NONE"}}
    ex = asl.run(machine(writer, Label="getOrders"), [{"a": 1}, [1, "x"]])
    assert ex.status == "SUCCEEDED"
    arn = map_run_arn(ex)
    base, rest = arn.split(":mapRun:")
    machine_part = rest.rsplit(":", 1)[0]
    assert machine_part == "StateMachine/getOrders"
    first, second = ex.output
    assert list(first) == [
        "ExecutionArn",
        "Input",
        "InputDetails",
        "Name",
        "Output",
        "OutputDetails",
        "RedriveCount",
        "RedriveStatus",
        "RedriveStatusReason",
        "StartDate",
        "StateMachineArn",
        "Status",
        "StopDate",
    ]
    assert re.fullmatch(UUID, first["Name"])
    assert first["Name"] != second["Name"]
    assert first["ExecutionArn"] == f"{base}:execution:StateMachine/getOrders:{first['Name']}"
    assert first["StateMachineArn"] == f"{base}:stateMachine:StateMachine/getOrders"
    assert (first["Input"], first["Output"]) == ('{"a":1}', '{"a":1}')
    assert (second["Input"], second["Output"]) == ('[1,"x"]', '[1,"x"]')
    assert first["InputDetails"] == first["OutputDetails"] == {"Included": True}
    assert first["RedriveCount"] == 0
    assert first["RedriveStatus"] == "NOT_REDRIVABLE"
    assert first["RedriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
    assert first["Status"] == "SUCCEEDED"
    assert re.fullmatch(DATE, first["StartDate"]) and re.fullmatch(DATE, first["StopDate"])
    assert first["StartDate"] <= first["StopDate"]


def test_without_transformation_the_output_is_compact():
    ex = asl.run(machine({"WriterConfig": {"OutputType": "JSON"}}), [[1], [2]])
    assert ex.output == [[1], [2]]


def test_a_tolerated_failure_is_given_as_its_metadata():
    states = {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Boom"}],
            "Default": "Done",
        },
        "Boom": {"Type": "Fail", "Error": "Custom.Error", "Cause": "two"},
        "Done": {"Type": "Pass", "End": True},
    }
    writer = {"WriterConfig": {"OutputType": "JSON", "Transformation": "FLATTEN"}}
    ex = asl.run(machine(writer, states, ToleratedFailureCount=1), [1, 2, 3])
    assert ex.status == "SUCCEEDED"
    one, failed, three = ex.output
    assert (one, three) == (1, 3)
    assert failed["Status"] == "FAILED"
    assert (failed["Error"], failed["Cause"]) == ("Custom.Error", "two")
    assert failed["Input"] == "2"
    assert "Output" not in failed
    assert failed["RedriveStatus"] == "REDRIVABLE_BY_MAP_RUN"
    assert list(failed)[:3] == ["Cause", "Error", "ExecutionArn"]


def test_writer_config_output_goes_through_result_selector_and_path():
    writer = {"WriterConfig": {"OutputType": "JSON", "Transformation": "FLATTEN"}}
    definition = machine(writer, ItemsPath="$.items", ResultPath="$.flat")
    ex = asl.run(definition, {"items": [[1, 2], [3]]})
    assert ex.output == {"items": [[1, 2], [3]], "flat": [1, 2, 3]}


# -- exporting to S3 -------------------------------------------------------------------------


def test_export_writes_the_metadata_and_a_manifest_and_returns_where():
    bucket = Bucket()
    ex = asl.run(machine(export("csvProcessJobs")), [1, {"b": 2}], resources=bucket.resources)
    assert ex.status == "SUCCEEDED", ex.cause
    arn = map_run_arn(ex)
    run_id = arn.rsplit(":", 1)[1]
    folder = f"csvProcessJobs/{run_id}/"
    assert ex.output == {
        "MapRunArn": arn,
        "ResultWriterDetails": {"Bucket": "bucket", "Key": folder + "manifest.json"},
    }
    assert [r["Key"] for r in bucket.requests] == [
        folder + "SUCCEEDED_0.json",
        folder + "manifest.json",
    ]
    assert {r["Bucket"] for r in bucket.requests} == {"bucket"}
    succeeded = bucket.json(folder + "SUCCEEDED_0.json")
    assert [(e["Input"], e["Output"], e["Status"]) for e in succeeded] == [
        ("1", "1", "SUCCEEDED"),
        ('{"b":2}', '{"b":2}', "SUCCEEDED"),
    ]
    size = len(bucket.objects[folder + "SUCCEEDED_0.json"].encode("utf-8"))
    assert bucket.json(folder + "manifest.json") == {
        "DestinationBucket": "bucket",
        "MapRunArn": arn,
        "ResultFiles": {
            "FAILED": [],
            "PENDING": [],
            "SUCCEEDED": [{"Key": folder + "SUCCEEDED_0.json", "Size": size}],
        },
    }
    assert events(ex)[-5:] == [
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]


@pytest.mark.parametrize(
    ("prefix", "folder"), [("jobs/", "jobs/"), ("", ""), (None, ""), ("a/b", "a/b/")]
)
def test_the_prefix_names_the_folder(prefix: str | None, folder: str):
    bucket = Bucket()
    ex = asl.run(machine(export(prefix)), [1], resources=bucket.resources)
    run_id = map_run_arn(ex).rsplit(":", 1)[1]
    assert ex.output["ResultWriterDetails"]["Key"] == f"{folder}{run_id}/manifest.json"


def test_export_with_writer_config_writes_transformed_json_lines():
    bucket = Bucket()
    writer = export("out", OutputType="JSONL", Transformation="FLATTEN")
    ex = asl.run(machine(writer), [[{"x": 1}, {"x": 2}], [{"x": 3}]], resources=bucket.resources)
    assert ex.status == "SUCCEEDED", ex.cause
    key = ex.output["ResultWriterDetails"]["Key"].replace("manifest.json", "SUCCEEDED_0.json")
    assert bucket.objects[key] == '{"x":1}\n{"x":2}\n{"x":3}\n'


def test_export_with_compact_json_writes_the_outputs_array():
    bucket = Bucket()
    writer = export("out", OutputType="JSON", Transformation="COMPACT")
    ex = asl.run(machine(writer), [[1], {"k": "é"}], resources=bucket.resources)
    key = ex.output["ResultWriterDetails"]["Key"].replace("manifest.json", "SUCCEEDED_0.json")
    assert bucket.objects[key] == '[[1],{"k":"é"}]'
    manifest = bucket.json(ex.output["ResultWriterDetails"]["Key"])
    assert manifest["ResultFiles"]["SUCCEEDED"][0]["Size"] == len(bucket.objects[key].encode())


def test_parameters_are_evaluated_on_the_map_input():
    bucket = Bucket()
    writer = {
        "Resource": PUT,
        "Parameters": {"Bucket.$": "$.bucket", "Prefix.$": "States.Format('runs/{}', $.run)"},
    }
    ex = asl.run(
        machine(writer, ItemsPath="$.items"),
        {"bucket": "mine", "run": 7, "items": [1]},
        resources=bucket.resources,
    )
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["ResultWriterDetails"]["Bucket"] == "mine"
    assert ex.output["ResultWriterDetails"]["Key"].startswith("runs/7/")
    assert {r["Bucket"] for r in bucket.requests} == {"mine"}


def test_jsonata_arguments():
    bucket = Bucket()
    writer = {
        "Resource": PUT,
        "Arguments": {"Bucket": "{% $states.input.bucket %}", "Prefix": "{% 'p' & '1' %}"},
        "WriterConfig": {"OutputType": "JSON", "Transformation": "COMPACT"},
    }
    definition = machine(writer, jsonata=True, Items="{% $states.input.items %}")
    ex = asl.run(definition, {"bucket": "jb", "items": [1, 2]}, resources=bucket.resources)
    assert ex.status == "SUCCEEDED", ex.cause
    details = ex.output["ResultWriterDetails"]
    assert details["Bucket"] == "jb" and details["Key"].startswith("p1/")
    assert bucket.json(details["Key"].replace("manifest.json", "SUCCEEDED_0.json")) == [1, 2]


def test_items_read_by_an_item_reader_are_exported():
    bucket = Bucket()
    reader = {
        "Resource": GET,
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "in", "Key": "items.json"},
    }
    resources = {**bucket.resources, GET: lambda parameters, context: "[10, 20]"}
    definition = machine(export("out", OutputType="JSON", Transformation="COMPACT"))
    definition["States"]["Map"]["ItemReader"] = reader
    ex = asl.run(definition, {}, resources=resources)
    assert ex.status == "SUCCEEDED", ex.cause
    key = ex.output["ResultWriterDetails"]["Key"].replace("manifest.json", "SUCCEEDED_0.json")
    assert bucket.json(key) == [10, 20]


def test_an_empty_map_run_writes_only_the_manifest():
    bucket = Bucket()
    ex = asl.run(machine(export("out")), [], resources=bucket.resources)
    assert ex.status == "SUCCEEDED", ex.cause
    assert [r["Key"] for r in bucket.requests] == [ex.output["ResultWriterDetails"]["Key"]]
    manifest = bucket.json(ex.output["ResultWriterDetails"]["Key"])
    assert manifest["ResultFiles"] == {"FAILED": [], "PENDING": [], "SUCCEEDED": []}


FAIL_ON_TWO = {
    "Check": {
        "Type": "Choice",
        "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Boom"}],
        "Default": "Done",
    },
    "Boom": {"Type": "Fail", "Error": "Custom.Error", "Cause": "two"},
    "Done": {"Type": "Pass", "End": True},
}


def test_tolerated_failures_go_to_the_failed_file():
    bucket = Bucket()
    definition = machine(export("out"), FAIL_ON_TWO, ToleratedFailurePercentage=50)
    ex = asl.run(definition, [1, 2, 3], resources=bucket.resources)
    assert ex.status == "SUCCEEDED", ex.cause
    folder = ex.output["ResultWriterDetails"]["Key"].removesuffix("manifest.json")
    assert [e["Input"] for e in bucket.json(folder + "SUCCEEDED_0.json")] == ["1", "3"]
    (failed,) = bucket.json(folder + "FAILED_0.json")
    assert (failed["Status"], failed["Error"], failed["Cause"]) == ("FAILED", "Custom.Error", "two")
    files = bucket.json(folder + "manifest.json")["ResultFiles"]
    assert [f["Key"] for f in files["FAILED"]] == [folder + "FAILED_0.json"]
    assert files["PENDING"] == []


def test_a_failed_map_run_still_writes_failed_and_pending_files():
    bucket = Bucket()
    definition = machine(export("out"), FAIL_ON_TWO, MaxConcurrency=1)
    ex = asl.run(definition, [1, 2, 3, 4], resources=bucket.resources)
    assert (ex.status, ex.error, ex.cause) == ("FAILED", "Custom.Error", "two")
    folder = f"out/{map_run_arn(ex).rsplit(':', 1)[1]}/"
    assert [e["Input"] for e in bucket.json(folder + "SUCCEEDED_0.json")] == ["1"]
    assert [e["Input"] for e in bucket.json(folder + "FAILED_0.json")] == ["2"]
    assert bucket.json(folder + "PENDING_0.json") == [
        {"Input": "3", "InputDetails": {"Included": True}, "Status": "PENDING"},
        {"Input": "4", "InputDetails": {"Included": True}, "Status": "PENDING"},
    ]
    files = bucket.json(folder + "manifest.json")["ResultFiles"]
    assert {status: len(entries) for status, entries in files.items()} == {
        "FAILED": 1,
        "PENDING": 1,
        "SUCCEEDED": 1,
    }
    assert "MapRunFailed" in events(ex)


def test_exceeding_the_tolerance_exports_then_fails_with_the_threshold_error():
    bucket = Bucket()
    definition = machine(export("out"), FAIL_ON_TWO, ToleratedFailureCount=0, MaxConcurrency=1)
    ex = asl.run(definition, [1, 2, 3], resources=bucket.resources)
    assert ex.error == "States.ExceedToleratedFailureThreshold"
    assert any(key.endswith("/manifest.json") for key in bucket.objects)


# -- failures --------------------------------------------------------------------------------


def test_a_failed_write_is_result_writer_failed_and_catchable():
    bucket = Bucket(fail=StatesError("S3.AccessDeniedException", "Access Denied"))
    ex = asl.run(machine(export("out")), [1], resources=bucket.resources)
    assert (ex.status, ex.error) == ("FAILED", "States.ResultWriterFailed")
    assert ex.cause == "S3.AccessDeniedException: Access Denied"
    (failed,) = [e for e in ex.history if e["type"] == "MapRunFailed"]
    assert failed["mapRunFailedEventDetails"]["error"] == "States.ResultWriterFailed"

    definition = machine(export("out"))
    definition["States"]["Map"].pop("End")
    definition["States"]["Map"]["Next"] = "Done"
    definition["States"]["Map"]["Catch"] = [
        {"ErrorEquals": ["States.ResultWriterFailed"], "Next": "Caught"}
    ]
    definition["States"]["Done"] = {"Type": "Succeed"}
    definition["States"]["Caught"] = {"Type": "Pass", "Result": "caught", "End": True}
    ex = asl.run(definition, [1], resources=bucket.resources)
    assert (ex.status, ex.output) == ("SUCCEEDED", "caught")


def test_a_python_exception_in_the_handler_is_named_after_s3():
    bucket = Bucket(fail=PermissionError("denied"))
    ex = asl.run(machine(export("out")), [1], resources=bucket.resources)
    assert ex.error == "States.ResultWriterFailed"
    assert ex.cause.startswith("S3.") and "denied" in ex.cause


def test_without_a_backend_the_error_says_how_to_register_one():
    ex = asl.run(machine(export("out")), [1])
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert f"No backend for resource '{PUT}' in state 'Map'" in ex.cause
    assert f"resources={{'{PUT}': handler}}" in ex.cause
    assert "MapRunFailed" in events(ex)


def test_mocked_by_the_map_state_name():
    written: list[str] = []

    def put(parameters: Any, context: Any) -> Any:
        written.append(parameters["Key"])
        return {}

    ex = asl.run(machine(export("out")), [1], mocks={"Map": put})
    assert ex.status == "SUCCEEDED", ex.cause
    assert written[-1] == ex.output["ResultWriterDetails"]["Key"]
    assert written[0].endswith("/SUCCEEDED_0.json")


@pytest.mark.parametrize(
    ("writer", "problem"),
    [
        ({"Resource": PUT, "Parameters": {"Prefix": "p"}}, "needs a Bucket name"),
        ({"Resource": PUT, "Parameters": {"Bucket": "b", "Prefix": 3}}, "Prefix that is not"),
    ],
)
def test_definitions_aws_would_refuse_fail_clearly(writer: dict, problem: str):
    ex = asl.run(machine(writer), [1], resources=Bucket().resources)
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert "The ResultWriter of state 'Map'" in ex.cause
    assert problem in ex.cause


@pytest.mark.parametrize("writer", [{}, {"Parameters": {"Bucket": "b"}}])
def test_incomplete_writers_are_refused_before_running(writer: dict):
    with pytest.raises(asl.DefinitionError, match="ResultWriter must hold 'WriterConfig'"):
        asl.run(machine(writer), [1], resources=Bucket().resources)


def test_a_writer_resource_other_than_put_object_is_refused_before_running():
    writer = {"Resource": GET, "Parameters": {"Bucket": "b"}}
    with pytest.raises(asl.DefinitionError, match="use arn:aws:states:::s3:putObject"):
        asl.run(machine(writer), [1], resources=Bucket().resources)


def test_an_inline_map_ignores_result_writer():
    definition = machine({"WriterConfig": {"OutputType": "JSON", "Transformation": "FLATTEN"}})
    definition["States"]["Map"]["ItemProcessor"]["ProcessorConfig"] = {"Mode": "INLINE"}
    ex = asl.run(definition, [[1], [2]])
    assert ex.output == [[1], [2]]


def test_mocked_responses_answer_every_write_of_the_map():
    # one response (not a list) answers every call: each file and the manifest is a call
    ex = asl.run(machine(export("out")), [1, 2], mocks={"Map": {"Return": {}}})
    assert ex.status == "SUCCEEDED", ex.cause
    throw = {"Throw": {"Error": "S3.NoSuchBucketException", "Cause": "no bucket"}}
    ex = asl.run(machine(export("out")), [1], mocks={"Map": throw})
    assert (ex.error, ex.cause) == (
        "States.ResultWriterFailed",
        "S3.NoSuchBucketException: no bucket",
    )
