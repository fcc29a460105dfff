"""Distributed Map ItemReader, ItemBatcher and ResultWriter: the definition checks that
used to wait for run time (issue 10), one accepted and one rejected definition per rule,
and a check that whatever validates passes the executor's own definition checks."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validation_helpers import accepts, rejects

import asl
from asl.validation import validate

GET = "arn:aws:states:::s3:getObject"
LIST = "arn:aws:states:::s3:listObjectsV2"
PUT = "arn:aws:states:::s3:putObject"
PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Item",
    "States": {"Item": {"Type": "Pass", "End": True}},
}
PARAMETERS = {"Bucket": "b", "Key": "k"}


def machine(**fields: Any) -> dict[str, Any]:
    """A machine whose one state is a distributed Map "Map" with ``fields``."""
    body = {"Type": "Map", "ItemProcessor": PROCESSOR, "End": True, **fields}
    return {"StartAt": "Map", "States": {"Map": body}}


def reader(resource: str = GET, **config: Any) -> dict[str, Any]:
    return machine(
        ItemReader={"Resource": resource, "ReaderConfig": config, "Parameters": PARAMETERS}
    )


def only(document: dict[str, Any], path: str) -> tuple[str, str]:
    """(code, message) of the one error of ``document``, which must be at ``path``."""
    found = [d for d in validate(document) if d.severity == "error"]
    assert [d.path for d in found] == [path], found
    return found[0].code, found[0].message


AT_RESOURCE = "/States/Map/ItemReader/Resource"
AT_CONFIG = "/States/Map/ItemReader/ReaderConfig"


# --- item_reader_resource ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource", [GET, LIST, "arn:aws:states:us-east-1:123456789012:s3:getObject"]
)
def test_item_reader_reads_with_get_object_or_list_objects(resource: str) -> None:
    accepts(reader(resource, InputType="JSON") if "get" in resource else reader(resource))


@pytest.mark.parametrize(
    "resource",
    [
        PUT,
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::aws-sdk:s3:getObject",
        "MyReader",
        "",
    ],
)
def test_item_reader_with_another_resource_is_refused(resource: str) -> None:
    assert only(reader(resource, InputType="JSON"), AT_RESOURCE) == (
        "SCHEMA_VALIDATION_FAILED",
        f"The ItemReader cannot read items with the resource '{resource}': use"
        " arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2",
    )


def test_item_reader_resource_not_an_arn_aws_knows_is_reported_once() -> None:
    found = [d for d in validate(reader("arn:aws:states:::s3:nope")) if d.path == AT_RESOURCE]
    assert [d.code for d in found] == ["SCHEMA_VALIDATION_FAILED"]
    assert "is not recognized" in found[0].message


# --- item_reader_list_objects_config ----------------------------------------------------------


def test_load_and_flatten_reads_files_of_a_data_input_type() -> None:
    accepts(reader(LIST))
    accepts(reader(LIST, Transformation="LOAD_AND_FLATTEN", InputType="JSONL"))
    assert only(reader(LIST, Transformation="LOAD_AND_FLATTEN"), AT_CONFIG) == (
        "SCHEMA_VALIDATION_FAILED",
        "The ItemReader has no InputType: Transformation LOAD_AND_FLATTEN needs"
        " ReaderConfig.InputType CSV, JSON, JSONL, PARQUET",
    )
    document = reader(LIST, Transformation="LOAD_AND_FLATTEN", InputType="MANIFEST")
    assert only(document, AT_CONFIG + "/InputType")[1].startswith(
        "The ItemReader has the InputType 'MANIFEST': "
    )


# --- item_reader_get_object_config ------------------------------------------------------------


def test_get_object_needs_an_input_type() -> None:
    accepts(reader(GET, InputType="CSV"))
    assert only(reader(GET), AT_CONFIG) == (
        "SCHEMA_VALIDATION_FAILED",
        "An ItemReader using arn:aws:states:::s3:getObject requires ReaderConfig.InputType"
        " (CSV, JSON, JSONL, PARQUET, MANIFEST)",
    )
    no_config = machine(ItemReader={"Resource": GET, "Parameters": PARAMETERS})
    assert only(no_config, "/States/Map/ItemReader")[0] == "SCHEMA_VALIDATION_FAILED"


def test_get_object_takes_no_transformation() -> None:
    assert only(
        reader(GET, InputType="JSON", Transformation="NONE"), AT_CONFIG + "/Transformation"
    ) == (
        "SCHEMA_VALIDATION_FAILED",
        "The field 'Transformation' is only for ItemReaders using"
        " arn:aws:states:::s3:listObjectsV2",
    )


def test_manifest_type_goes_with_its_input_type() -> None:
    accepts(reader(GET, InputType="MANIFEST"))
    accepts(reader(GET, InputType="MANIFEST", ManifestType="S3_INVENTORY"))
    accepts(reader(GET, InputType="PARQUET", ManifestType="ATHENA_DATA"))
    assert only(
        reader(GET, InputType="CSV", ManifestType="S3_INVENTORY"), AT_CONFIG + "/InputType"
    ) == (
        "SCHEMA_VALIDATION_FAILED",
        "ManifestType S3_INVENTORY reads an S3 Inventory manifest: InputType must be MANIFEST",
    )
    assert only(
        reader(GET, InputType="JSON", ManifestType="ATHENA_DATA"), AT_CONFIG + "/InputType"
    ) == (
        "SCHEMA_VALIDATION_FAILED",
        "ManifestType ATHENA_DATA reads an Athena manifest: InputType must be the data files'"
        " format, CSV, JSONL, PARQUET",
    )


# --- item_reader_csv_headers -------------------------------------------------------------------


def test_given_csv_headers_are_listed() -> None:
    accepts(reader(GET, InputType="CSV", CSVHeaderLocation="GIVEN", CSVHeaders=["a", "b"]))
    accepts(reader(GET, InputType="CSV", CSVHeaderLocation="FIRST_ROW"))
    assert only(reader(GET, InputType="CSV", CSVHeaderLocation="GIVEN"), AT_CONFIG) == (
        "SCHEMA_VALIDATION_FAILED",
        "CSVHeaderLocation GIVEN requires the field 'CSVHeaders', listing the column names",
    )


# --- item_reader_items_pointer -----------------------------------------------------------------


@pytest.mark.parametrize("pointer", ["", "/data/items", "/a~1b/0"])
def test_items_pointer_is_a_json_pointer_into_a_json_file(pointer: str) -> None:
    accepts(reader(GET, InputType="JSON", ItemsPointer=pointer))


def test_items_pointer_of_another_input_type_or_shape_is_refused() -> None:
    assert only(reader(GET, InputType="CSV", ItemsPointer="/a"), AT_CONFIG + "/ItemsPointer") == (
        "SCHEMA_VALIDATION_FAILED",
        "The field 'ItemsPointer' is only for ReaderConfig.InputType JSON",
    )
    assert only(
        reader(GET, InputType="JSON", ItemsPointer="data.items"), AT_CONFIG + "/ItemsPointer"
    ) == (
        "SCHEMA_VALIDATION_FAILED",
        "ItemsPointer 'data.items' is not a JSON Pointer: it must be empty or start with '/',"
        " e.g. /data/items",
    )


# --- MaxItems / MaxItemsPath and ItemBatcher (schema, paths, jsonata, exclusive fields) --------


def test_max_items_and_max_items_path_are_exclusive() -> None:
    accepts(reader(LIST, MaxItems=10))
    accepts(reader(LIST, MaxItemsPath="$.limit"))
    rejects(
        reader(LIST, MaxItems=10, MaxItemsPath="$.limit"),
        "SCHEMA_VALIDATION_FAILED",
        AT_CONFIG + "/MaxItemsPath",
    )


@pytest.mark.parametrize(
    ("config", "path"),
    [
        ({"MaxItems": -1}, AT_CONFIG + "/MaxItems"),
        ({"MaxItems": 1.5}, AT_CONFIG + "/MaxItems"),
        ({"MaxItems": "{% 3 %}"}, AT_CONFIG + "/MaxItems"),  # JSONata only in JSONata states
        ({"MaxItemsPath": "$.a[*]"}, AT_CONFIG + "/MaxItemsPath"),
        ({"InputType": "XML"}, AT_CONFIG + "/InputType"),
        ({"CSVDelimiter": "COLON"}, AT_CONFIG + "/CSVDelimiter"),
        ({"Transformation": "FLATTEN"}, AT_CONFIG + "/Transformation"),
    ],
)
def test_reader_config_values_are_checked(config: dict[str, Any], path: str) -> None:
    rejects(reader(LIST, **config), "SCHEMA_VALIDATION_FAILED", path)


@pytest.mark.parametrize(
    ("batcher", "path"),
    [
        ({"MaxItemsPerBatch": 2, "MaxItemsPerBatchPath": "$.n"}, "/MaxItemsPerBatchPath"),
        (
            {"MaxInputBytesPerBatch": 10, "MaxInputBytesPerBatchPath": "$.n"},
            "/MaxInputBytesPerBatchPath",
        ),
        ({"MaxItemsPerBatch": 0}, "/MaxItemsPerBatch"),
        ({"MaxInputBytesPerBatch": 262145}, "/MaxInputBytesPerBatch"),
        ({"MaxItemsPerBatchPath": "$.n[0:2]"}, "/MaxItemsPerBatchPath"),
        ({"MaxItemsPerBatch": "2"}, "/MaxItemsPerBatch"),
        ({"BatchInput": {"a.$": "$$$"}}, "/BatchInput/a.$"),
    ],
)
def test_item_batcher_fields_are_checked(batcher: dict[str, Any], path: str) -> None:
    accepts(machine(ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"a.$": "$.x"}}))
    rejects(
        machine(ItemBatcher=batcher), "SCHEMA_VALIDATION_FAILED", "/States/Map/ItemBatcher" + path
    )


def test_jsonata_batcher_numbers_must_parse() -> None:
    document = machine(ItemBatcher={"MaxItemsPerBatch": "{% 2 %}"})
    document["QueryLanguage"] = "JSONata"
    accepts(document)
    document["States"]["Map"]["ItemBatcher"]["MaxItemsPerBatch"] = "{% 2 + %}"
    rejects(document, "INVALID_JSONATA_EXPRESSION", "/States/Map/ItemBatcher/MaxItemsPerBatch")


# --- result_writer_resource and result_writer_fields -------------------------------------------

AT_WRITER = "/States/Map/ResultWriter"


def test_result_writer_exports_with_put_object() -> None:
    accepts(machine(ResultWriter={"Resource": PUT, "Parameters": {"Bucket": "b"}}))
    document = machine(ResultWriter={"Resource": GET, "Parameters": {"Bucket": "b"}})
    assert only(document, AT_WRITER + "/Resource") == (
        "SCHEMA_VALIDATION_FAILED",
        f"The ResultWriter cannot write results with the resource '{GET}': use"
        " arn:aws:states:::s3:putObject",
    )


@pytest.mark.parametrize(
    "writer",
    [
        {"WriterConfig": {"OutputType": "JSONL"}},
        {"Resource": PUT, "Parameters": {"Bucket": "b"}},
        {
            "Resource": PUT,
            "Parameters": {"Bucket": "b"},
            "WriterConfig": {"Transformation": "FLATTEN"},
        },
    ],
)
def test_result_writer_field_sets_aws_accepts(writer: dict[str, Any]) -> None:
    accepts(machine(ResultWriter=writer))


@pytest.mark.parametrize(
    "writer",
    [{}, {"Resource": PUT}, {"Parameters": {"Bucket": "b"}}, {"WriterConfig": {}, "Resource": PUT}],
)
def test_result_writer_needs_a_whole_field_set(writer: dict[str, Any]) -> None:
    assert only(machine(ResultWriter=writer), AT_WRITER) == (
        "SCHEMA_VALIDATION_FAILED",
        "ResultWriter must hold 'WriterConfig', or 'Resource' with 'Parameters', or all three",
    )


@pytest.mark.parametrize(
    ("config", "path"),
    [({"OutputType": "CSV"}, "/OutputType"), ({"Transformation": "ALL"}, "/Transformation")],
)
def test_writer_config_values_are_checked(config: dict[str, Any], path: str) -> None:
    rejects(
        machine(ResultWriter={"WriterConfig": config}),
        "SCHEMA_VALIDATION_FAILED",
        AT_WRITER + "/WriterConfig" + path,
    )


# --- whatever validates passes the executor's definition checks --------------------------------

_VALUES = {
    "InputType": ["CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"],
    "ManifestType": ["S3_INVENTORY", "ATHENA_DATA"],
    "Transformation": ["NONE", "LOAD_AND_FLATTEN"],
    "CSVHeaderLocation": ["FIRST_ROW", "GIVEN"],
    "CSVHeaders": [["a", "b"]],
    "CSVDelimiter": ["COMMA", "TAB"],
    "ItemsPointer": ["", "/a", "a"],
    "MaxItems": [0, 3],
    "MaxItemsPath": ["$.n"],
}


@st.composite
def map_states(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        config = {
            key: draw(st.sampled_from(values))
            for key, values in _VALUES.items()
            if draw(st.integers(0, 2)) == 0
        }
        fields["ItemReader"] = {
            "Resource": draw(st.sampled_from([GET, LIST, PUT])),
            "ReaderConfig": config,
            "Parameters": {"Bucket": "b", "Key": "k"},
        }
    if draw(st.booleans()):
        fields["ItemBatcher"] = draw(
            st.sampled_from(
                [
                    {"MaxItemsPerBatch": 2},
                    {"MaxItemsPerBatchPath": "$.n", "BatchInput": {"x.$": "$.n"}},
                    {"MaxInputBytesPerBatchPath": "$.n"},
                ]
            )
        )
    if draw(st.booleans()):
        fields["ResultWriter"] = draw(
            st.sampled_from(
                [
                    {"WriterConfig": {"OutputType": "JSONL"}},
                    {"Resource": PUT, "Parameters": {"Bucket": "b", "Prefix": "p"}},
                    {"Resource": GET, "Parameters": {"Bucket": "b"}},
                    {"Resource": PUT},
                ]
            )
        )
    return machine(**fields)


def _s3(parameters: Any, context: Any) -> Any:
    """getObject, listObjectsV2 and putObject at once: an empty object, an empty listing."""
    return {"Body": "", "Contents": [], "IsTruncated": False}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(map_states())
def test_what_validates_passes_the_executors_definition_checks(document: dict[str, Any]) -> None:
    if any(d.severity == "error" for d in validate(document)):
        return
    ex = asl.run(document, {"n": 2}, resources={GET: _s3, LIST: _s3, PUT: _s3}, strict=False)
    cause = ex.cause or ""
    assert "The ItemReader of state" not in cause, cause
    assert "The ResultWriter of state" not in cause, cause
