"""The Distributed Map ItemReader: S3 objects read through resource handlers and mocks.

The files and expected items are those of AWS-recorded executions (LocalStack's validated
``test_map_item_reader_*`` scenarios): CSV key order, padding and truncation of rows,
MaxItems / MaxItemsPath limits and the errors' names and causes.
"""

from __future__ import annotations

import copy
import json
from collections import ChainMap
from functools import lru_cache
from typing import Any

import anyio
import pytest

import asl
from asl.backends.base import Backends, TaskEnvironment
from asl.backends.mocks import MockBackend
from asl.backends.resources import ResourceBackend
from asl.clock import make_clock
from asl.errors import StatesError
from asl.execution.history import History
from asl.execution.item_reader import prepare_reader, read_items
from asl.execution.runner import Frame, Runner
from asl.execution.states import HANDLERS
from asl.execution.step import Step
from asl.java import hash_map_order

GET = "arn:aws:states:::s3:getObject"
LIST = "arn:aws:states:::s3:listObjectsV2"

VERDICTS = [
    {"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"},
    {"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"},
    {"verdict": "mostly-true", "statement_date": "5/18/2016", "statement_source": "news"},
]
ROWS = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"
COLUMNS = "Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n"
ALL_COLUMNS = [
    {"Col1": "Value1", "Col2": "Value2"},
    {"Col1": "Value3", "Col2": "Value4"},
    {"Col1": "Value5", "Col2": "Value6"},
    {"Col1": "Value7", "Col2": "Value8"},
]


def machine(reader: dict[str, Any], *, jsonata: bool = False, **fields: Any) -> dict:
    """A machine whose distributed Map "Map" reads with ``reader`` and passes items on."""
    body: dict[str, Any] = {
        "Type": "Map",
        "ItemReader": reader,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Item",
            "States": {"Item": {"Type": "Pass", "End": True}},
        },
        "End": True,
        **fields,
    }
    definition: dict[str, Any] = {"StartAt": "Map", "States": {"Map": body}}
    if jsonata:
        definition["QueryLanguage"] = "JSONata"
    return definition


def get_object(config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "Resource": GET,
        "ReaderConfig": config,
        "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"},
        **extra,
    }


INPUT = {"Bucket": "bucket", "Key": "file"}


class Bucket:
    """An S3 getObject / listObjectsV2 handler that records the requests it gets."""

    def __init__(self, body: Any = None, pages: list[Any] | None = None):
        self.body = body
        self.pages = list(pages or [])
        self.requests: list[Any] = []
        self.state_names: list[str] = []

    def get(self, parameters: Any, context: Any) -> Any:
        self.requests.append(parameters)
        self.state_names.append(context.state_name)
        return self.body

    def list(self, parameters: Any, context: Any) -> Any:
        self.requests.append(parameters)
        return self.pages[len(self.requests) - 1]

    @property
    def resources(self) -> dict[str, Any]:
        return {GET: self.get, LIST: self.list}


def make_step(
    definition: dict, raw_input: Any, *, backends: Backends, variables: dict | None = None
) -> Step:
    """A visit of the Map state "Map" of ``definition``, on a fresh execution's runner."""
    parsed = asl.parse(definition)
    clock = make_clock("virtual")
    runner = Runner(
        machine=parsed,
        handlers=HANDLERS,
        clock=clock,
        history=History(None),
        env=TaskEnvironment(clock, "us-east-1", "123456789012", backends, clock.now()),
        execution_context={"Id": "arn:execution", "Input": raw_input, "Name": "run"},
        state_machine_context={"Id": "arn:machine", "Name": "Machine"},
    )
    frame = Frame(runner, ChainMap(dict(variables or {})))
    return Step(parsed.states["Map"], raw_input, frame)


def read(
    definition: dict,
    raw_input: Any = INPUT,
    *,
    resources: dict | None = None,
    mocks: dict | None = None,
    backend: Any = None,
    variables: dict | None = None,
    reader: dict | None = None,
) -> list[Any]:
    """The items the Map state "Map" reads (``reader`` overrides the parsed ItemReader)."""
    backends = Backends()
    if mocks:
        backends.add(MockBackend.load(mocks=mocks))
    if resources:
        backends.add(ResourceBackend(resources))
    if backend is not None:
        backends.add(backend)
    if reader is not None:
        definition = copy.deepcopy(definition)
        definition["States"]["Map"]["ItemReader"] = reader
    step = make_step(definition, raw_input, backends=backends, variables=variables)
    return anyio.run(read_items, step, step.state.item_reader, raw_input)


def failure(definition: dict, raw_input: Any = INPUT, **options: Any) -> StatesError:
    with pytest.raises(StatesError) as caught:
        read(definition, raw_input, **options)
    return caught.value


# -- JSON and JSON Lines ------------------------------------------------------------------


def test_json_array_items_and_the_evaluated_request():
    bucket = Bucket(json.dumps(VERDICTS))
    items = read(machine(get_object({"InputType": "JSON"})), resources=bucket.resources)
    assert items == VERDICTS
    assert [list(item) for item in items] == [list(v) for v in VERDICTS]  # file order kept
    assert bucket.requests == [{"Bucket": "bucket", "Key": "file"}]
    assert bucket.state_names == ["Map"]


def test_get_object_response_with_a_body_field():
    bucket = Bucket({"Body": "[1, 2]", "ContentType": "application/json"})
    assert read(machine(get_object({"InputType": "JSON"})), resources=bucket.resources) == [1, 2]


class BytesBackend:
    """A backend returning the raw bytes of a GetObject Body (as boto3 would)."""

    def __init__(self, body: bytes):
        self.body = body

    def handles(self, resource: Any) -> bool:
        return True

    async def run(self, request: Any) -> Any:
        return {"Body": self.body}


def test_body_bytes_are_decoded_and_a_byte_order_mark_dropped():
    definition = machine(get_object({"InputType": "JSON"}))
    data = "\ufeff".encode() + json.dumps(["é"]).encode()
    assert read(definition, backend=BytesBackend(data)) == ["é"]
    error = failure(definition, backend=BytesBackend(b"\xff\xfe"))
    assert error.error == "States.ItemReaderFailed"
    assert error.cause.startswith("The object is not UTF-8 text")


def test_json_object_is_not_iterable():
    bucket = Bucket(json.dumps({"Hello": "world"}))
    error = failure(machine(get_object({"InputType": "JSON"})), resources=bucket.resources)
    assert (error.error, error.cause) == (
        "States.ItemReaderFailed",
        "Attempting to map over non-iterable node.",
    )


def test_malformed_json_is_item_reader_failed():
    for body in ["[1,", "[NaN]", ""]:
        bucket = Bucket(body)
        error = failure(machine(get_object({"InputType": "JSON"})), resources=bucket.resources)
        assert error.error == "States.ItemReaderFailed"
        assert error.cause.startswith("The object is not valid JSON")


def test_json_lines_one_value_per_line():
    body = '{"a": 1}\r\n\n  \n[2]\n"x\u2028y"\n3\n'
    bucket = Bucket(body)
    items = read(machine(get_object({"InputType": "JSONL"})), resources=bucket.resources)
    assert items == [{"a": 1}, [2], "x\u2028y", 3]
    limited = read(
        machine(get_object({"InputType": "JSONL", "MaxItems": 2})), resources=bucket.resources
    )
    assert limited == [{"a": 1}, [2]]


def test_json_lines_bad_line_is_named():
    bucket = Bucket('{"a": 1}\n{oops}\n')
    error = failure(machine(get_object({"InputType": "JSONL"})), resources=bucket.resources)
    assert error.error == "States.ItemReaderFailed"
    assert error.cause.startswith("Line 2 of the object is not valid JSON")


# -- CSV ----------------------------------------------------------------------------------------


def csv_reader(**config: Any) -> dict:
    return machine(get_object({"InputType": "CSV", **config}))


def test_csv_given_headers():
    items = read(
        csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=["H1", "H2", "H3"]),
        resources=Bucket(ROWS).resources,
    )
    assert items == [
        {"H1": "Value1", "H2": "Value2", "H3": "Value3"},
        {"H1": "Value4", "H2": "Value5", "H3": "Value6"},
        {"H1": "", "H2": "", "H3": ""},
        {"H1": "true", "H2": "1", "H3": "'HelloWorld'"},
        {"H1": "Null", "H2": "None", "H3": ""},
        {"H1": "   ", "H2": "", "H3": ""},
    ]


def test_csv_fields_past_the_headers_are_dropped():
    items = read(
        csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=["H1"]), resources=Bucket(ROWS).resources
    )
    assert items == [{"H1": v} for v in ["Value1", "Value4", "", "true", "Null", "   "]]


def test_csv_first_row_headers_keep_aws_key_order():
    body = "0,True,{}\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"
    items = read(csv_reader(CSVHeaderLocation="FIRST_ROW"), resources=Bucket(body).resources)
    # AWS's recorded output text: {"0":"Value4","{}":"Value6","True":"Value5"}
    assert json.dumps(items[0], separators=(",", ":")) == (
        '{"0":"Value4","{}":"Value6","True":"Value5"}'
    )
    assert items[1:] == [
        {"0": "", "True": "", "{}": ""},
        {"0": "true", "True": "1", "{}": "'HelloWorld'"},
        {"0": "Null", "True": "None", "{}": ""},
        {"0": "   ", "True": "", "{}": ""},
    ]


def test_csv_empty_header_field_is_a_key():
    body = "H1,\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"
    items = read(csv_reader(CSVHeaderLocation="FIRST_ROW"), resources=Bucket(body).resources)
    assert [json.dumps(i, separators=(",", ":")) for i in items] == [
        '{"":"Value5","H1":"Value4"}',
        '{"":"","H1":""}',
        '{"":"1","H1":"true"}',
        '{"":"None","H1":"Null"}',
        '{"":"","H1":"   "}',
    ]


def test_csv_header_location_defaults_to_first_row():
    assert read(csv_reader(), resources=Bucket(COLUMNS).resources) == ALL_COLUMNS


def test_duplicate_given_headers_fail_without_reading_the_object():
    bucket = Bucket(ROWS)
    error = failure(
        csv_reader(CSVHeaderLocation="GIVEN", CSVHeaders=["H1", "H1", "H3"]),
        resources=bucket.resources,
    )
    assert (error.error, error.cause) == (
        "States.ItemReaderFailed",
        "CSV headers cannot contain duplicates.",
    )
    assert bucket.requests == []


def test_duplicate_first_row_headers_fail():
    error = failure(csv_reader(), resources=Bucket("a,b,a\n1,2,3\n").resources)
    assert error.cause == "CSV headers cannot contain duplicates."


@pytest.mark.parametrize(
    ("name", "char"),
    [("COMMA", ","), ("PIPE", "|"), ("SEMICOLON", ";"), ("SPACE", " "), ("TAB", "\t")],
)
def test_csv_delimiters(name: str, char: str):
    body = f"a{char}b\n1{char}2\n"
    items = read(csv_reader(CSVDelimiter=name), resources=Bucket(body).resources)
    assert items == [{"a": "1", "b": "2"}]


def test_csv_quoted_fields_hold_delimiters_quotes_and_newlines():
    body = 'name,note\n"Smith, J","said ""hi""\nthen left"\n\n'
    items = read(csv_reader(), resources=Bucket(body).resources)
    assert items == [{"name": "Smith, J", "note": 'said "hi"\nthen left'}]


def test_csv_without_rows():
    assert read(csv_reader(), resources=Bucket("").resources) == []
    assert read(csv_reader(), resources=Bucket("a,b\n").resources) == []


def test_hash_map_order_matches_java():
    # orders printed by java.util.HashMap (OpenJDK 17) for these keys, in this insertion order
    cases = {
        ("0", "True", "{}"): ["0", "{}", "True"],
        ("H1", ""): ["", "H1"],
        tuple(f"k{i}" for i in range(1, 14)): [
            *("k1", "k2", "k3", "k4", "k5", "k11", "k6", "k10", "k7", "k13", "k8", "k12", "k9")
        ],
        ("Aa", "BB", "C#", "Polygenelubricants", "GydZG_", "DESIGNING WORKHOUSES"): [
            *("Aa", "BB", "C#", "GydZG_", "DESIGNING WORKHOUSES", "Polygenelubricants")
        ],
        (
            *("id", "name", "email", "age", "city", "country", "zip", "phone", "created_at"),
            *("updated_at", "status", "score", "rank", "é", "日本", "😀", "a,b"),
        ): [
            *("zip", "country", "city", "created_at", "é", "日本", "score", "updated_at"),
            *("phone", "a,b", "name", "😀", "rank", "id", "email", "age", "status"),
        ],
    }
    for keys, expected in cases.items():
        assert [keys[i] for i in hash_map_order(list(keys))] == expected


# -- MaxItems -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "count"), [(0, 4), (2, 2), (100_000_000, 4)])
def test_max_items(value: int, count: int):
    items = read(csv_reader(MaxItems=value), resources=Bucket(COLUMNS).resources)
    assert items == ALL_COLUMNS[:count]


@pytest.mark.parametrize(
    ("value", "count"), [(0, 4), (2, 2), ("2", 2), (2.0, 2), (100_000_000, 4), (100_000_001, 4)]
)
def test_max_items_path(value: Any, count: int):
    definition = csv_reader(MaxItemsPath="$.MaxItems")
    items = read(definition, {**INPUT, "MaxItems": value}, resources=Bucket(COLUMNS).resources)
    assert items == ALL_COLUMNS[:count]


def test_negative_max_items_fails_the_read_not_the_preparation():
    bucket = Bucket(COLUMNS)
    definition = csv_reader(MaxItemsPath="$.MaxItems")
    step = make_step(
        definition,
        {**INPUT, "MaxItems": -1},
        backends=Backends([ResourceBackend(bucket.resources)]),
    )
    call = prepare_reader(step, step.state.item_reader, step.input)
    with pytest.raises(StatesError) as caught:
        anyio.run(call.read)
    assert (caught.value.error, caught.value.cause) == (
        "States.ItemReaderFailed",
        "field MaxItems must be positive",
    )
    assert bucket.requests == []


def test_max_items_path_not_an_integer_is_states_runtime():
    for value, shown in [(1.5, "1.5"), ("x", "x"), (True, "true"), ([1], "[1]")]:
        error = failure(
            csv_reader(MaxItemsPath="$.MaxItems"),
            {**INPUT, "MaxItems": value},
            resources=Bucket(COLUMNS).resources,
        )
        assert error.error == "States.Runtime"
        assert error.cause == (
            "An error occurred while executing the state 'Map' (entered at the event id #1). "
            f'The MaxItemsPath field refers to value "{shown}" which is not a valid integer: '
            "$.MaxItems"
        )


def test_max_items_path_missing_and_from_variables():
    error = failure(csv_reader(MaxItemsPath="$.Nope"), resources=Bucket(COLUMNS).resources)
    assert error.error == "States.Runtime" and "MaxItemsPath" in error.cause
    definition = csv_reader(MaxItemsPath="$limit")
    definition["States"] = {
        "Set": {"Type": "Pass", "Assign": {"limit": 1}, "Next": "Map"},
        **definition["States"],
    }
    definition["StartAt"] = "Set"
    items = read(definition, resources=Bucket(COLUMNS).resources, variables={"limit": 1})
    assert items == ALL_COLUMNS[:1]


# -- JSONata ------------------------------------------------------------------------------------


def jsonata_reader(**config: Any) -> dict:
    reader = {
        "Resource": GET,
        "ReaderConfig": {"InputType": "JSON", **config},
        "Arguments": {"Bucket": "{% $states.input.Bucket %}", "Key": "{% $states.input.Key %}"},
    }
    return machine(reader, jsonata=True)


def test_jsonata_arguments_and_max_items_expression():
    bucket = Bucket(json.dumps(VERDICTS))
    items = read(jsonata_reader(MaxItems="{% $maxItems := 2 %}"), resources=bucket.resources)
    assert items == VERDICTS[:2]
    assert bucket.requests == [{"Bucket": "bucket", "Key": "file"}]
    assert read(jsonata_reader(MaxItems=1), resources=bucket.resources) == VERDICTS[:1]


def test_jsonata_max_items_of_the_wrong_type():
    error = failure(jsonata_reader(MaxItems="{% 'two' %}"), resources=Bucket("[]").resources)
    assert error.error == "States.QueryEvaluationError"
    assert error.cause.endswith(
        "The JSONata expression ''two'' specified for the field 'MaxItems' returned an "
        "unexpected result type. Expected 'integer', but was 'string' for value: \"two\""
    )


# -- listObjectsV2 --------------------------------------------------------------------------------


def list_reader(**config: Any) -> dict:
    reader: dict[str, Any] = {"Resource": LIST, "Parameters": {"Bucket.$": "$.Bucket"}}
    if config:
        reader["ReaderConfig"] = config
    return machine(reader)


def listed(key: str) -> dict[str, Any]:
    return {
        "Key": key,
        "LastModified": "2024-03-25T17:38:59+00:00",
        "ETag": f'"etag-{key}"',
        "ChecksumAlgorithm": ["CRC32"],
        "Size": 13,
        "StorageClass": "STANDARD",
    }


def test_listed_objects_are_shaped_as_aws_passes_them():
    bucket = Bucket(pages=[{"Contents": [listed("a.txt"), listed("b.txt")], "KeyCount": 2}])
    items = read(list_reader(), resources=bucket.resources)
    assert items[0] == {
        "Etag": '"etag-a.txt"',
        "Key": "a.txt",
        "LastModified": 1711388339,
        "Size": 13,
        "StorageClass": "STANDARD",
    }
    assert list(items[1]) == ["Etag", "Key", "LastModified", "Size", "StorageClass"]
    assert bucket.requests == [{"Bucket": "bucket"}]


def test_list_pages_are_followed_until_max_items():
    pages = [
        {"Contents": [listed("a")], "IsTruncated": True, "NextContinuationToken": "t1"},
        {"Contents": [listed("b")], "IsTruncated": True, "NextContinuationToken": "t2"},
        {"Contents": [listed("c")], "IsTruncated": False},
    ]
    bucket = Bucket(pages=pages)
    assert [i["Key"] for i in read(list_reader(), resources=bucket.resources)] == ["a", "b", "c"]
    assert bucket.requests == [
        {"Bucket": "bucket"},
        {"Bucket": "bucket", "ContinuationToken": "t1"},
        {"Bucket": "bucket", "ContinuationToken": "t2"},
    ]
    bucket = Bucket(pages=pages)
    items = read(list_reader(MaxItems=1), resources=bucket.resources)
    assert [i["Key"] for i in items] == ["a"] and len(bucket.requests) == 1


def test_empty_bucket_and_a_looping_token():
    assert read(list_reader(), resources=Bucket(pages=[{"KeyCount": 0}]).resources) == []
    page = {"Contents": [listed("a")], "IsTruncated": True, "NextContinuationToken": "same"}
    error = failure(list_reader(), resources=Bucket(pages=[page, page]).resources)
    assert error.error == "States.Runtime" and "'same' twice" in error.cause


def test_list_handler_must_return_a_list_response():
    error = failure(list_reader(), resources=Bucket(pages=["nope"]).resources)
    assert error.error == "States.Runtime" and "ListObjectsV2 response" in error.cause


# -- backends and failures -----------------------------------------------------------------------


class NoSuchKey(Exception):
    pass


def test_service_errors_become_item_reader_failed():
    def missing(parameters: Any, context: Any) -> Any:
        raise NoSuchKey("The specified key does not exist.")

    error = failure(machine(get_object({"InputType": "JSON"})), resources={GET: missing})
    assert (error.error, error.cause) == (
        "States.ItemReaderFailed",
        "S3.NoSuchKey: The specified key does not exist.",
    )


def test_without_a_handler_the_error_says_how_to_register_one():
    error = failure(machine(get_object({"InputType": "JSON"})))
    assert error.error == "States.Runtime"
    assert f"resources={{'{GET}': handler}}" in error.cause and "'Map'" in error.cause


def test_getobject_handler_must_return_text():
    error = failure(machine(get_object({"InputType": "JSON"})), resources=Bucket([1]).resources)
    assert error.error == "States.Runtime"
    assert "must return the object's body as a string" in error.cause


def test_mocked_by_the_map_state_name():
    mocks = {"Map": [{"Return": COLUMNS}, {"Throw": {"Error": "S3.AccessDenied", "Cause": "no"}}]}
    definition = csv_reader(MaxItems=1)
    step = make_step(definition, INPUT, backends=Backends([MockBackend.load(mocks=mocks)]))
    reader = step.state.item_reader
    assert anyio.run(read_items, step, reader, INPUT) == ALL_COLUMNS[:1]
    with pytest.raises(StatesError) as caught:
        anyio.run(read_items, step, reader, INPUT)
    assert (caught.value.error, caught.value.cause) == (
        "States.ItemReaderFailed",
        "S3.AccessDenied: no",
    )


# -- ItemsPointer, LOAD_AND_FLATTEN, manifests and Parquet ----------------------------------------

JSON_DEFINITION = machine(get_object({"InputType": "JSON"}))


def json_reader(**config: Any) -> dict:
    return get_object({"InputType": "JSON", **config})


def test_items_pointer_selects_a_nested_array():
    body = json.dumps({"data": {"a/b": [{"x": 1}], "~k": [[1, 2], [3]]}})
    bucket = Bucket(body)
    read_with = lambda pointer: read(  # noqa: E731
        JSON_DEFINITION, resources=bucket.resources, reader=json_reader(ItemsPointer=pointer)
    )
    assert read_with("/data/a~1b") == [{"x": 1}]
    assert read_with("/data/~0k/1") == [3]


def test_items_pointer_whole_document_and_max_items():
    bucket = Bucket(json.dumps([1, 2, 3]))
    reader = json_reader(ItemsPointer="", MaxItems=2)
    assert read(JSON_DEFINITION, resources=bucket.resources, reader=reader) == [1, 2]


@pytest.mark.parametrize(
    ("pointer", "cause"),
    [
        ("/missing", "The ItemsPointer '/missing' selects nothing in the JSON object"),
        ("/data/5", "The ItemsPointer '/data/5' selects nothing in the JSON object"),
        ("/data/01", "The ItemsPointer '/data/01' selects nothing in the JSON object"),
        ("/obj", "Attempting to map over non-iterable node."),
    ],
)
def test_items_pointer_failures(pointer: str, cause: str):
    bucket = Bucket(json.dumps({"data": [1, 2], "obj": {"a": 1}}))
    reader = json_reader(ItemsPointer=pointer)
    error = failure(JSON_DEFINITION, resources=bucket.resources, reader=reader)
    assert (error.error, error.cause) == ("States.ItemReaderFailed", cause)


class Store:
    """A backend for S3 buckets: getObject serves objects (text or bytes) by (bucket, key),
    listObjectsV2 lists a bucket."""

    def __init__(self, objects: dict[tuple[str, str], Any]):
        self.objects = objects
        self.gets: list[tuple[str, str]] = []

    def handles(self, resource: Any) -> bool:
        return resource.service == "s3"

    async def run(self, request: Any) -> Any:
        parameters = request.parameters
        if request.resource.action == "listObjectsV2":
            keys = sorted(k for b, k in self.objects if b == parameters["Bucket"])
            return {"Contents": [listed(k) for k in keys], "IsTruncated": False}
        key = (parameters["Bucket"], parameters["Key"])
        self.gets.append(key)
        if key not in self.objects:
            raise StatesError("S3.NoSuchKey", "The specified key does not exist.")
        return {"Body": self.objects[key]}


def flatten_reader(**config: Any) -> dict:
    return {
        "Resource": LIST,
        "ReaderConfig": {"Transformation": "LOAD_AND_FLATTEN", **config},
        "Parameters": {"Bucket.$": "$.Bucket", "Prefix": "in/"},
    }


def test_load_and_flatten_concatenates_each_objects_items():
    store = Store(
        {
            ("bucket", "in/a.json"): json.dumps([{"n": 1}, {"n": 2}]),
            ("bucket", "in/b.json"): b'[{"n": 3}]',
            ("bucket", "in/"): "",
        }
    )
    reader = flatten_reader(InputType="JSON")
    items = read(JSON_DEFINITION, backend=store, reader=reader)
    assert items == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert store.gets == [("bucket", "in/a.json"), ("bucket", "in/b.json")]


def test_load_and_flatten_csv_jsonl_and_max_items():
    store = Store({("bucket", "a.csv"): COLUMNS, ("bucket", "b.csv"): COLUMNS})
    reader = flatten_reader(InputType="CSV", MaxItems=5)
    items = read(JSON_DEFINITION, backend=store, reader=reader)
    assert items == ALL_COLUMNS + ALL_COLUMNS[:1]
    store = Store({("bucket", "a.jsonl"): "1\n2\n", ("bucket", "b.jsonl"): "3\n"})
    reader = flatten_reader(InputType="JSONL", MaxItems=2)
    assert read(JSON_DEFINITION, backend=store, reader=reader) == [1, 2]
    assert store.gets == [("bucket", "a.jsonl")]  # the limit stops the fetching


def test_load_and_flatten_bad_object_fails_the_read():
    store = Store({("bucket", "a.json"): '{"not": "a list"}'})
    error = failure(JSON_DEFINITION, backend=store, reader=flatten_reader(InputType="JSON"))
    assert (error.error, error.cause) == (
        "States.ItemReaderFailed",
        "Attempting to map over non-iterable node.",
    )


INVENTORY_MANIFEST = {
    "sourceBucket": "source",
    "destinationBucket": "arn:aws:s3:::inventory",
    "version": "2016-11-30",
    "fileFormat": "CSV",
    "fileSchema": "Bucket, Key, Size, LastModifiedDate",
    "files": [
        {"key": "source/config/data/one.csv.gz", "size": 10, "MD5checksum": "x"},
        {"key": "source/config/data/two.csv", "size": 10, "MD5checksum": "y"},
    ],
}


def inventory_store(manifest: dict[str, Any]) -> Store:
    import gzip

    one = '"source","a.txt","3","2024-01-01T00:00:00.000Z"\n"source","b.txt","4","2024-01-02T00:00:00.000Z"\n'
    two = '"source","c, d.txt","5","2024-01-03T00:00:00.000Z"\n'
    return Store(
        {
            ("bucket", "file"): json.dumps(manifest),
            ("inventory", "source/config/data/one.csv.gz"): gzip.compress(one.encode()),
            ("inventory", "source/config/data/two.csv"): two,
        }
    )


def test_s3_inventory_manifest_rows_become_items():
    store = inventory_store(INVENTORY_MANIFEST)
    reader = get_object({"InputType": "MANIFEST"})
    items = read(JSON_DEFINITION, backend=store, reader=reader)
    assert [item["Key"] for item in items] == ["a.txt", "b.txt", "c, d.txt"]
    assert items[0] == {
        "Bucket": "source",
        "Key": "a.txt",
        "Size": "3",
        "LastModifiedDate": "2024-01-01T00:00:00.000Z",
    }
    # fields in the order of AWS's CSV items (a java.util.HashMap)
    assert list(items[0]) == ["LastModifiedDate", "Bucket", "Size", "Key"]
    reader = get_object({"InputType": "MANIFEST", "ManifestType": "S3_INVENTORY", "MaxItems": 1})
    store = inventory_store(INVENTORY_MANIFEST)
    assert len(read(JSON_DEFINITION, backend=store, reader=reader)) == 1
    assert store.gets == [("bucket", "file"), ("inventory", "source/config/data/one.csv.gz")]


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ({"fileFormat": "ORC"}, "only CSV inventory reports can be read"),
        ({"files": None}, "needs a fileSchema string and a files list"),
        ({"files": [{"size": 1}]}, "lists a file without a key"),
        ({"files": [{"key": "gone.csv"}]}, "NoSuchKey"),
    ],
)
def test_s3_inventory_manifest_problems(change: dict, cause: str):
    store = inventory_store({**INVENTORY_MANIFEST, **change})
    error = failure(JSON_DEFINITION, backend=store, reader=get_object({"InputType": "MANIFEST"}))
    assert error.error == "States.ItemReaderFailed" and cause in error.cause


def test_athena_manifest_lists_the_data_files():
    import gzip

    store = Store(
        {
            ("bucket", "file"): "s3://results/q/part-1.gz\ns3://results/q/part-2\n",
            ("results", "q/part-1.gz"): gzip.compress(b'{"id": 1}\n{"id": 2}\n'),
            ("results", "q/part-2"): '{"id": 3}\n',
        }
    )
    reader = get_object({"InputType": "JSONL", "ManifestType": "ATHENA_DATA"})
    items = read(JSON_DEFINITION, backend=store, reader=reader)
    assert items == [{"id": 1}, {"id": 2}, {"id": 3}]
    store.objects[("bucket", "file")] = "s3://results/q/x.csv\n"
    store.objects[("results", "q/x.csv")] = "1,2\n3,4\n"
    reader = get_object(
        {
            "InputType": "CSV",
            "ManifestType": "ATHENA_DATA",
            "CSVHeaderLocation": "GIVEN",
            "CSVHeaders": ["a", "b"],
        }
    )
    items = read(JSON_DEFINITION, backend=store, reader=reader)
    assert items == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    store.objects[("bucket", "file")] = "results/q/x.csv\n"
    error = failure(JSON_DEFINITION, backend=store, reader=reader)
    assert error.error == "States.ItemReaderFailed" and "not an s3://bucket/key URI" in error.cause


def _has_pyarrow() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


@pytest.mark.skipif(_has_pyarrow(), reason="pyarrow is installed")
def test_parquet_without_pyarrow_says_how_to_install_it():
    error = failure(
        JSON_DEFINITION,
        backend=BytesBackend(b"PAR1...PAR1"),
        reader=get_object({"InputType": "PARQUET"}),
    )
    assert error.error == "States.ItemReaderFailed"
    assert "pip install pyarrow" in error.cause


@pytest.mark.skipif(not _has_pyarrow(), reason="pyarrow is not installed")
def test_parquet_rows_become_items():
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2, 3], "name": ["a", "b", None]}), sink)
    reader = get_object({"InputType": "PARQUET", "MaxItems": 2})
    items = read(JSON_DEFINITION, backend=BytesBackend(sink.getvalue()), reader=reader)
    assert items == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    error = failure(JSON_DEFINITION, backend=BytesBackend(b"junk"), reader=reader)
    assert error.error == "States.ItemReaderFailed" and "not a valid Parquet file" in error.cause


# -- whole executions (once the Map state reads with the ItemReader) -------------------------------


@lru_cache(maxsize=1)
def map_state_uses_the_reader() -> bool:
    ex = asl.run(
        machine(get_object({"InputType": "JSON"})), INPUT, resources={GET: lambda p, c: "[7]"}
    )
    return ex.status == "SUCCEEDED" and ex.output == [7]


needs_wiring = pytest.mark.skipif(
    "not map_state_uses_the_reader()", reason="the Map state does not read its ItemReader yet"
)


@needs_wiring
def test_execution_output_and_events_are_those_aws_records():
    body = "0,True,{}\nValue4,Value5,Value6\n"
    ex = asl.run(
        machine(get_object({"InputType": "CSV"})), INPUT, resources={GET: lambda p, c: body}
    )
    assert ex.status == "SUCCEEDED"
    assert ex.history[-1]["executionSucceededEventDetails"]["output"] == (
        '[{"0":"Value4","{}":"Value6","True":"Value5"}]'
    )
    assert ex.events("MapStateStarted")[0]["mapStateStartedEventDetails"] == {"length": 0}
    assert [e["type"] for e in ex.history][2:6] == [
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
    ]


@needs_wiring
def test_execution_reader_failure_fails_the_map_run():
    ex = asl.run(
        machine(get_object({"InputType": "JSON"})), INPUT, resources={GET: lambda p, c: "{}"}
    )
    assert (ex.status, ex.error, ex.cause) == (
        "FAILED",
        "States.ItemReaderFailed",
        "Attempting to map over non-iterable node.",
    )
    assert [e["type"] for e in ex.history][2:] == [
        "MapStateStarted",
        "MapRunStarted",
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


@needs_wiring
def test_execution_items_path_is_ignored_with_a_reader():
    definition = machine(get_object({"InputType": "JSON"}), ItemsPath="$.no_such_path")
    ex = asl.run(definition, INPUT, resources={GET: lambda p, c: '[["from-bucket-item-0"]]'})
    assert ex.status == "SUCCEEDED" and ex.output == [["from-bucket-item-0"]]


@needs_wiring
def test_execution_item_selector_and_batcher_apply_to_read_items():
    definition = machine(
        get_object({"InputType": "JSON"}),
        ItemSelector={"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
        ItemBatcher={"MaxItemsPerBatch": 2},
    )
    ex = asl.run(definition, INPUT, resources={GET: lambda p, c: '["a", "b", "c"]'})
    assert ex.status == "SUCCEEDED"
    assert ex.output == [
        {"Items": [{"value": "a", "index": 0}, {"value": "b", "index": 1}]},
        {"Items": [{"value": "c", "index": 2}]},
    ]


@needs_wiring
def test_execution_max_items_path_not_an_integer_fails_before_the_map_run():
    definition = csv_reader(MaxItemsPath="$.MaxItems")
    ex = asl.run(definition, {**INPUT, "MaxItems": 1.5}, resources={GET: lambda p, c: COLUMNS})
    assert (ex.status, ex.error) == ("FAILED", "States.Runtime")
    assert [e["type"] for e in ex.history][2:] == ["MapStateStarted", "ExecutionFailed"]


def test_items_pointer_and_load_and_flatten_run_end_to_end():
    # the definitions pass validation and run through asl.run with plain resources= handlers
    document = json.dumps({"page": {"rows": [{"n": 1}, {"n": 2}]}})
    pointer = machine(json_reader(ItemsPointer="/page/rows"))
    ex = asl.run(pointer, INPUT, resources={GET: lambda parameters, context: document})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == [{"n": 1}, {"n": 2}]

    objects = {"in/a.jsonl": "1\n2\n", "in/b.jsonl": "3\n"}

    def list_objects(parameters: dict, context: Any) -> dict:
        return {"Contents": [listed(k) for k in sorted(objects)], "IsTruncated": False}

    def get(parameters: dict, context: Any) -> str:
        return objects[parameters["Key"]]

    flatten = machine(flatten_reader(InputType="JSONL"))
    ex = asl.run(flatten, {"Bucket": "bucket"}, resources={LIST: list_objects, GET: get})
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output == [1, 2, 3]
