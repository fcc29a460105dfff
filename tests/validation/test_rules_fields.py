"""Field combinations, timeouts, timestamps, Credentials and query-language mixing."""

from __future__ import annotations

import pytest
from validation_helpers import accepts, errors, machine, rejects, single

from asl.validation import validate
from asl.validation.rules.fields import is_rfc3339

TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
PROCESSOR = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
DISTRIBUTED = dict(PROCESSOR, ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})


@pytest.mark.parametrize(
    ("state", "second"),
    [
        (dict(TASK, TimeoutSeconds=5, TimeoutSecondsPath="$.t"), "TimeoutSecondsPath"),
        (dict(TASK, HeartbeatSeconds=5, HeartbeatSecondsPath="$.h"), "HeartbeatSecondsPath"),
        ({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}, "ErrorPath"),
        ({"Type": "Fail", "Cause": "C", "CausePath": "$.c"}, "CausePath"),
        ({"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}, "SecondsPath"),
        (
            {"Type": "Wait", "Timestamp": "2024-01-01T00:00:00Z", "Seconds": 1, "End": True},
            "Timestamp",
        ),
        (
            {"Type": "Map", "ItemProcessor": PROCESSOR, "Iterator": PROCESSOR, "End": True},
            "Iterator",
        ),
        (
            {
                "Type": "Map",
                "ItemProcessor": PROCESSOR,
                "ItemSelector": {},
                "Parameters": {},
                "End": True,
            },
            "Parameters",
        ),
        (
            {
                "Type": "Map",
                "ItemProcessor": PROCESSOR,
                "MaxConcurrency": 1,
                "MaxConcurrencyPath": "$.m",
                "End": True,
            },
            "MaxConcurrencyPath",
        ),
        (
            {
                "Type": "Map",
                "ItemProcessor": PROCESSOR,
                "ToleratedFailureCount": 1,
                "ToleratedFailureCountPath": "$.c",
                "End": True,
            },
            "ToleratedFailureCountPath",
        ),
        (
            {
                "Type": "Map",
                "ItemProcessor": PROCESSOR,
                "ToleratedFailurePercentage": 1,
                "ToleratedFailurePercentagePath": "$.p",
                "End": True,
            },
            "ToleratedFailurePercentagePath",
        ),
    ],
)
def test_mutually_exclusive_fields(state: dict, second: str) -> None:
    diagnostic = rejects(single(state), "SCHEMA_VALIDATION_FAILED", f"/States/A/{second}")
    assert "mutually exclusive" in diagnostic.message


def test_exclusive_fields_inside_map_sub_objects() -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {
            "InputType": "CSV",
            "CSVHeaderLocation": "FIRST_ROW",
            "MaxItems": 1,
            "MaxItemsPath": "$.m",
        },
        "Parameters": {"Bucket": "b", "Key": "k"},
    }
    state = {"Type": "Map", "ItemProcessor": DISTRIBUTED, "ItemReader": reader, "End": True}
    rejects(
        single(state), "SCHEMA_VALIDATION_FAILED", "/States/A/ItemReader/ReaderConfig/MaxItemsPath"
    )
    batcher = {"MaxItemsPerBatch": 2, "MaxItemsPerBatchPath": "$.b"}
    state = {"Type": "Map", "ItemProcessor": DISTRIBUTED, "ItemBatcher": batcher, "End": True}
    rejects(single(state), "SCHEMA_VALIDATION_FAILED", "/States/A/ItemBatcher/MaxItemsPerBatchPath")
    accepts(
        single(dict(state, ItemBatcher={"MaxItemsPerBatch": 2, "MaxInputBytesPerBatchPath": "$.b"}))
    )


def test_a_wait_needs_a_duration_or_a_time() -> None:
    accepts(single({"Type": "Wait", "SecondsPath": "$.s", "End": True}))
    diagnostic = rejects(
        single({"Type": "Wait", "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A",
        after='"A": ',
    )
    assert "Seconds, SecondsPath, Timestamp, TimestampPath" in diagnostic.message


def test_a_map_needs_an_item_processor() -> None:
    accepts(single({"Type": "Map", "Iterator": PROCESSOR, "End": True}))
    rejects(
        single({"Type": "Map", "ItemsPath": "$.items", "End": True}),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A",
    )


def test_credentials_need_a_role() -> None:
    diagnostic = rejects(
        single(dict(TASK, Credentials={})), "SCHEMA_VALIDATION_FAILED", "/States/A/Credentials"
    )
    assert diagnostic.message == "The field 'RoleArn' is required but was missing"
    rejects(
        single(dict(TASK, Credentials={"RoleArn": "r", "RoleArn.$": "$.r"})),
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/Credentials/RoleArn.$",
    )


def test_heartbeat_must_be_below_timeout() -> None:
    accepts(single(dict(TASK, TimeoutSeconds=10, HeartbeatSeconds=9)))
    doc = single(dict(TASK, TimeoutSeconds=10, HeartbeatSeconds=10))
    rejects(
        doc, "SCHEMA_VALIDATION_FAILED", "/States/A/HeartbeatSeconds", after='"HeartbeatSeconds": '
    )


@pytest.mark.parametrize(
    "timestamp",
    [
        "2016-03-14T01:59:00Z",
        "2016-03-14T01:59:00.123456Z",
        "2016-03-14T01:59:00+05:30",
        "2016-12-31T23:59:60Z",
    ],
)
def test_rfc3339_timestamps_are_accepted(timestamp: str) -> None:
    assert is_rfc3339(timestamp)
    accepts(single({"Type": "Wait", "Timestamp": timestamp, "End": True}))


@pytest.mark.parametrize(
    "timestamp",
    [
        "2016-13-05T21:29:29Z",
        "05-12-2016T21:29:29Z",
        "2016-12-05T25:29:29Z",
        "2016-12-05 21:29:29Z",
        "2016-12-05T21:29:29",
        "2016-02-30T00:00:00Z",
        "2016-12-05t21:29:29z",
        "2016-12-05T21:29:29+24:00",
    ],
)
def test_other_timestamps_are_rejected(timestamp: str) -> None:
    assert not is_rfc3339(timestamp)
    doc = single({"Type": "Wait", "Timestamp": timestamp, "End": True})
    diagnostic = rejects(
        doc, "SCHEMA_VALIDATION_FAILED", "/States/A/Timestamp", at=f'"{timestamp}"'
    )
    assert diagnostic.message == "String does not match RFC3339 timestamp"


def test_a_jsonata_timestamp_expression_is_not_a_literal() -> None:
    accepts(
        single(
            {
                "Type": "Wait",
                "QueryLanguage": "JSONata",
                "Timestamp": "{% $states.input.t %}",
                "End": True,
            }
        )
    )


def test_no_jsonpath_state_in_a_jsonata_machine() -> None:
    accepts(single({"Type": "Pass", "End": True}, QueryLanguage="JSONata"))
    doc = single(
        {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}, QueryLanguage="JSONata"
    )
    diagnostic = rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A", after='"A": ')
    assert (
        diagnostic.message
        == "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
    )


def test_a_distributed_map_child_workflow_may_use_jsonpath() -> None:
    inner = {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}
    processor = dict(DISTRIBUTED, StartAt="P", States={"P": inner})
    accepts(
        single({"Type": "Map", "ItemProcessor": processor, "End": True}, QueryLanguage="JSONata")
    )
    inline = dict(PROCESSOR, States={"P": inner})
    doc = single({"Type": "Map", "ItemProcessor": inline, "End": True}, QueryLanguage="JSONata")
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/ItemProcessor/States/P")


def test_jsonpath_machine_may_hold_jsonata_states() -> None:
    jsonata = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Output": "{% $states.input %}",
        "Next": "B",
    }
    accepts(machine({"A": jsonata, "B": {"Type": "Succeed"}}))
    assert errors(machine({"A": jsonata, "B": {"Type": "Succeed"}}, QueryLanguage="JSONPath")) == []


def test_distributed_map_fields_on_an_inline_map_are_a_warning() -> None:
    doc = single(
        {
            "Type": "Map",
            "ItemProcessor": PROCESSOR,
            "Label": "L",
            "ToleratedFailureCount": 1,
            "End": True,
        }
    )
    accepts(doc)
    rejects(doc, "DISTRIBUTED_MAP_FIELD", "/States/A/Label", severity="warning")
    rejects(doc, "DISTRIBUTED_MAP_FIELD", "/States/A/ToleratedFailureCount", severity="warning")
    distributed = single(
        {
            "Type": "Map",
            "ItemProcessor": DISTRIBUTED,
            "Label": "L",
            "ToleratedFailureCount": 1,
            "End": True,
        }
    )
    assert validate(distributed) == []


def test_a_distributed_processor_needs_an_execution_type() -> None:
    accepts(single({"Type": "Map", "ItemProcessor": DISTRIBUTED, "End": True}))
    processor = dict(DISTRIBUTED, ProcessorConfig={"Mode": "DISTRIBUTED"})
    doc = single({"Type": "Map", "ItemProcessor": processor, "End": True})
    diagnostic = rejects(
        doc,
        "SCHEMA_VALIDATION_FAILED",
        "/States/A/ItemProcessor/ProcessorConfig",
        after='"ProcessorConfig": ',
    )
    assert (
        diagnostic.message == "The field 'ExecutionType' is required when 'Mode' is 'DISTRIBUTED'"
    )


WRITER_RESOURCE = "arn:aws:states:::s3:putObject"


@pytest.mark.parametrize(
    "writer",
    [
        {},
        {"Resource": WRITER_RESOURCE},
        {"Parameters": {"Bucket": "b", "Prefix": "p"}},
        {"WriterConfig": {"OutputType": "JSON"}, "Resource": WRITER_RESOURCE},
    ],
)
def test_result_writer_needs_a_documented_set_of_fields(writer: dict) -> None:
    state = {"Type": "Map", "ItemProcessor": DISTRIBUTED, "ResultWriter": writer, "End": True}
    found = errors(single(state))
    assert [d.path for d in found] == ["/States/A/ResultWriter"]
    assert "WriterConfig" in found[0].message


@pytest.mark.parametrize(
    "writer",
    [
        {"WriterConfig": {"OutputType": "JSON", "Transformation": "FLATTEN"}},
        {"Resource": WRITER_RESOURCE, "Parameters": {"Bucket": "b", "Prefix": "p"}},
        {
            "Resource": WRITER_RESOURCE,
            "Parameters": {"Bucket": "b", "Prefix": "p"},
            "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"},
        },
    ],
)
def test_result_writer_field_sets_aws_accepts(writer: dict) -> None:
    state = {"Type": "Map", "ItemProcessor": DISTRIBUTED, "ResultWriter": writer, "End": True}
    accepts(single(state))
