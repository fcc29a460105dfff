"""The Distributed Map ``ItemReader``: read the items a Map state iterates from Amazon S3.

The reader calls its Resource through the task backends, as a Task state would, so
register a handler like any other resource (or mock the Map state by name in ``mocks=``):

- ``arn:aws:states:::s3:getObject``: the handler returns the object's body as text, or a
  GetObject response with a ``Body`` (text or bytes).  ``ReaderConfig.InputType`` says how
  to read it: ``JSON`` (an array), ``JSONL`` (one JSON value per line) or ``CSV`` (one
  object per row, every value a string; ``CSVHeaderLocation`` ``FIRST_ROW`` or ``GIVEN``
  with ``CSVHeaders``; ``CSVDelimiter`` ``COMMA``, ``PIPE``, ``SEMICOLON``, ``SPACE`` or
  ``TAB``).
- ``arn:aws:states:::s3:listObjectsV2``: the handler returns a ListObjectsV2 response; each
  object of ``Contents`` is an item, shaped as AWS passes it (``Etag``, ``Key``,
  ``LastModified`` in epoch seconds, ``Size``, ``StorageClass``).  A truncated response is
  followed by calls with its ``NextContinuationToken``.

- ``ReaderConfig.ItemsPointer`` (JSON): a JSON Pointer (RFC 6901, e.g. ``/data/items``)
  selecting the array to iterate inside the file.
- ``InputType`` ``PARQUET``: one object per row, read with pyarrow (``pip install pyarrow``);
  the handler returns the object's bytes.
- ``InputType`` ``MANIFEST`` (``ManifestType`` ``S3_INVENTORY``, the default): the object is
  an S3 Inventory ``manifest.json``; each CSV inventory file it lists (gzip or plain) is
  fetched with s3:getObject from its ``destinationBucket``, one item per row keyed by the
  ``fileSchema`` fields.  ``ManifestType`` ``ATHENA_DATA``: the object is an Athena UNLOAD
  manifest (one ``s3://bucket/key`` a line); each data file is read per ``InputType``
  (``CSV``, ``JSONL`` or ``PARQUET``).
- ``listObjectsV2`` with ``ReaderConfig.Transformation`` ``LOAD_AND_FLATTEN``: each listed
  object is fetched with s3:getObject and read per ``InputType``; the items are concatenated.

``MaxItems`` / ``MaxItemsPath`` limit the count (0 means no limit; AWS stops at 100,000,000).
AWS records no history events for these calls.  As AWS reports them: a failure to read
the items is ``States.ItemReaderFailed`` (inside the Map Run), a ``MaxItemsPath`` value that
is not an integer ``States.Runtime`` (before the Map Run starts).  Hence two steps:
`prepare_reader` evaluates the request, `ReaderCall.read` fetches and parses the items.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from asl import ast
from asl.backends.base import Resource, TaskRequest, parse_resource
from asl.errors import StatesError
from asl.execution.numbers import NumberRule, number_value, shown
from asl.execution.step import Step, compact, evaluate_jsonata
from asl.expressions import json_type_name
from asl.java import hash_map_order

ITEM_READER_FAILED = "States.ItemReaderFailed"
# "The Distributed Map state stops reading items beyond 100,000,000" (AWS)
MAX_ITEMS_LIMIT = 100_000_000

_GET_OBJECT = "getObject"
_LIST_OBJECTS = "listObjectsV2"
_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
# the fields of a listed object, in the order AWS writes them
_OBJECT_FIELDS = ("Key", "LastModified", "Size", "StorageClass")

# MaxItemsPath may select a numeric string; anything else but an integer is refused
MAX_ITEMS = NumberRule(
    integer=True,
    minimum=None,  # a negative count fails the read itself (States.ItemReaderFailed)
    lenient_text=True,
    wrong_type=lambda expr, value: (
        f'The MaxItemsPath field refers to value "{shown(value)}" which is not a valid '
        f"integer: {expr.path.text}"
    ),
    missing=lambda expr: (
        f"The MaxItemsPath field does not reference an input value: {expr.path.text}"
    ),
)


@dataclass(frozen=True)
class ReaderCall:
    """An ItemReader request, evaluated; `read` fetches and parses the items."""

    step: Step
    resource: Resource
    parameters: Any
    config: ast.ReaderConfig
    max_items: int | None

    async def read(self) -> list[Any]:
        """The items (at most the MaxItems limit); raises ``States.ItemReaderFailed``."""
        limit = _limit(self.max_items)
        headers = _given_headers(self.config)
        if self.resource.action == _LIST_OBJECTS:
            if self.config.transformation == "LOAD_AND_FLATTEN":
                listed = await _list_objects(self, MAX_ITEMS_LIMIT)
                return await _load_and_flatten(self, listed, headers, limit)
            return await _list_objects(self, limit)
        raw = _raw_body(await _call(self, self.parameters), self.step)
        if self.config.manifest_type == "ATHENA_DATA":
            return await _athena_items(self, _text(raw), headers, limit)
        if self.config.input_type == "MANIFEST":
            return await _inventory_items(self, _text(raw), limit)
        return _parse(raw, self.config, headers, limit)


def prepare_reader(step: Step, reader: ast.ItemReader, data: Any) -> ReaderCall:
    """Evaluate an ItemReader's Parameters (or Arguments) and MaxItems for ``data``, the
    Map's effective input; raises ``States.Runtime`` / ``States.QueryEvaluationError``
    (named after the state, as AWS names them)."""
    with step.evaluating():
        parameters = request_parameters(step, reader.parameters, data)
    max_items = number_value(step, reader.config.max_items, data, MAX_ITEMS)
    return ReaderCall(
        step,
        parse_resource(reader.resource),
        parameters,
        reader.config,
        None if max_items is None else int(max_items),
    )


async def read_items(step: Step, reader: ast.ItemReader, data: Any) -> list[Any]:
    """The items an ItemReader reads for ``data`` (`prepare_reader`, then `ReaderCall.read`)."""
    return await prepare_reader(step, reader, data).read()


def request_parameters(step: Step, template: Any, data: Any) -> Any:
    """The S3 request of an ItemReader or ResultWriter: its compiled Parameters (JSONPath
    payload template, evaluated on ``data``) or Arguments (JSONata); ``{}`` if absent."""
    if template is None:
        return {}
    if step.jsonata:
        return evaluate_jsonata(
            template, step.states_binding(), step.variables, "Arguments", now_millis=step.now_millis
        )
    return template.evaluate(data, step.ctx, step.variables, field="Parameters")


def _limit(max_items: int | None) -> int:
    """How many items to read: 0 (or none given) reads up to AWS's limit."""
    if max_items is None or max_items == 0:
        return MAX_ITEMS_LIMIT
    if max_items < 0:
        raise StatesError(ITEM_READER_FAILED, "field MaxItems must be positive")
    return min(max_items, MAX_ITEMS_LIMIT)


# -- calling S3 -------------------------------------------------------------------------------


def _nothing(*_: Any) -> None:
    """The reader's calls record no task events (AWS records none for them)."""


async def _call(call: ReaderCall, parameters: Any) -> Any:
    """One S3 call through the task backends; service errors become ItemReaderFailed."""
    return await call_resource(
        call.step, call.resource, parameters, ITEM_READER_FAILED, "Reading the items failed."
    )


async def call_resource(
    step: Step, resource: Resource, parameters: Any, failure: str, default_cause: str
) -> Any:
    """One call of ``resource`` through the task backends (as a Task state would make it,
    without task events); a service error becomes ``failure`` (e.g.
    ``States.ItemReaderFailed``), a ``States.Runtime`` error (no backend) stays as is."""
    runner = step.frame.runner
    backend = runner.backends.resolve(resource)
    request = TaskRequest(
        resource=resource,
        parameters=parameters,
        state_name=step.state.name,
        context=step.context,
        timeout_seconds=None,
        heartbeat_seconds=None,
        credentials=None,
        env=runner.env,
        started=_nothing,
        submitted=_nothing,
    )
    try:
        return await backend.run(request)
    except StatesError as e:
        # States.Runtime says the reader cannot run at all (no handler, no mocked response)
        if e.error == "States.Runtime":
            raise
        detail = f"{e.error}: {e.cause}" if e.error and e.cause else e.error or e.cause
        raise StatesError(failure, detail or default_cause) from None


def _raw_body(result: Any, step: Step) -> str | bytes:
    """The object's content from a getObject result: text, bytes or ``{"Body": ...}``."""
    if isinstance(result, Mapping) and "Body" in result:
        result = result["Body"]
    if hasattr(result, "read"):  # a botocore StreamingBody
        result = result.read()
    if isinstance(result, (bytes, bytearray)):
        return bytes(result)
    if not isinstance(result, str):
        raise StatesError(
            "States.Runtime",
            f"The s3:getObject handler for the ItemReader of state '{step.state.name}' must "
            "return the object's body as a string or bytes, or a dict with a 'Body', not "
            f"{json_type_name(result)}",
        )
    return result


def _text(raw: str | bytes) -> str:
    """The object's text (UTF-8, without a byte order mark)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise StatesError(ITEM_READER_FAILED, f"The object is not UTF-8 text: {e}") from None
    return raw.removeprefix("\ufeff")  # a byte order mark is not part of the data


def _gunzipped(raw: str | bytes) -> str | bytes:
    """A listed data file's content, decompressed when gzip (inventory and UNLOAD files)."""
    if isinstance(raw, bytes) and raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise StatesError(ITEM_READER_FAILED, f"The object is not valid gzip: {e}") from None
    return raw


async def _get(call: ReaderCall, bucket: Any, key: Any) -> str | bytes:
    """One object's content, fetched with s3:getObject through the same backends."""
    arn = call.resource.arn
    resource = parse_resource(arn[: arn.rindex(":") + 1] + _GET_OBJECT)
    result = await call_resource(
        call.step,
        resource,
        {"Bucket": bucket, "Key": key},
        ITEM_READER_FAILED,
        "Reading the items failed.",
    )
    return _raw_body(result, call.step)


async def _list_objects(call: ReaderCall, limit: int) -> list[Any]:
    """The listed objects, following continuation tokens until ``limit`` are read."""
    parameters = call.parameters
    items: list[Any] = []
    seen: set[str] = set()
    while True:
        contents, token = _page(await _call(call, parameters), call.step)
        items.extend(_object_item(entry, call.step) for entry in contents)
        if token is None or len(items) >= limit:
            return items[:limit]
        if token in seen:
            raise StatesError(
                "States.Runtime",
                f"The s3:listObjectsV2 handler for the ItemReader of state "
                f"'{call.step.state.name}' returned the NextContinuationToken {token!r} twice",
            )
        seen.add(token)
        base = parameters if isinstance(parameters, Mapping) else {}
        parameters = {**base, "ContinuationToken": token}


def _page(response: Any, step: Step) -> tuple[list[Any], str | None]:
    """A ListObjectsV2 response's objects and the token of the next page (None: last)."""
    if isinstance(response, list):
        return response, None
    contents = response.get("Contents", []) if isinstance(response, Mapping) else None
    if not isinstance(contents, list):
        raise StatesError(
            "States.Runtime",
            f"The s3:listObjectsV2 handler for the ItemReader of state '{step.state.name}' "
            "must return a ListObjectsV2 response (a dict with a 'Contents' list)",
        )
    token = response.get("NextContinuationToken") if response.get("IsTruncated") else None
    return contents, token if isinstance(token, str) and token else None


def _object_item(entry: Any, step: Step) -> dict[str, Any]:
    """A listed object as AWS passes it to an iteration."""
    if not isinstance(entry, Mapping):
        raise StatesError(
            "States.Runtime",
            f"The s3:listObjectsV2 handler for the ItemReader of state '{step.state.name}' "
            f"returned an entry of Contents that is not an object: {compact(entry)}",
        )
    item: dict[str, Any] = {}
    etag = entry.get("Etag", entry.get("ETag"))  # the S3 API spells it ETag, AWS's item Etag
    if etag is not None:
        item["Etag"] = etag
    for key in _OBJECT_FIELDS:
        if key in entry:
            item[key] = entry[key]
    if isinstance(item.get("LastModified"), str):
        item["LastModified"] = _epoch_seconds(item["LastModified"])
    return item


def _epoch_seconds(text: str) -> Any:
    from asl.parser import parse_timestamp_or_none

    moment = parse_timestamp_or_none(text)
    return text if moment is None else int(moment.timestamp())


# -- parsing the object ------------------------------------------------------------------------


def _parse(
    raw: str | bytes, config: ast.ReaderConfig, headers: list[str] | None, limit: int
) -> list[Any]:
    """The items of one object read as ``config.input_type``, at most ``limit``."""
    kind = config.input_type
    if kind == "PARQUET":
        return _parquet_items(raw, limit)
    body = _text(raw)
    if kind == "JSON":
        return _json_items(body, config.items_pointer)[:limit]
    if kind == "JSONL":
        return _jsonl_items(body, limit)
    return _csv_items(body, config, headers, limit)


async def _load_and_flatten(
    call: ReaderCall, listed: list[dict[str, Any]], headers: list[str] | None, limit: int
) -> list[Any]:
    """The items of every listed object, in listing order (LOAD_AND_FLATTEN)."""
    bucket = call.parameters.get("Bucket") if isinstance(call.parameters, Mapping) else None
    items: list[Any] = []
    for entry in listed:
        key = entry.get("Key")
        if len(items) >= limit:
            break
        if isinstance(key, str) and key.endswith("/"):
            continue  # a "folder" placeholder holds no data
        raw = await _get(call, bucket, key)
        items.extend(_parse(raw, call.config, headers, limit - len(items)))
    return items


async def _inventory_items(call: ReaderCall, body: str, limit: int) -> list[dict[str, str]]:
    """The rows of the CSV files an S3 Inventory ``manifest.json`` lists."""
    manifest = _manifest(body)
    file_format = manifest.get("fileFormat")
    if file_format != "CSV":
        raise StatesError(
            ITEM_READER_FAILED,
            f"The S3 Inventory manifest has the fileFormat {compact(file_format)}: "
            "only CSV inventory reports can be read",
        )
    schema = manifest.get("fileSchema")
    files = manifest.get("files")
    if not isinstance(schema, str) or not isinstance(files, list):
        raise StatesError(
            ITEM_READER_FAILED,
            "The S3 Inventory manifest needs a fileSchema string and a files list",
        )
    headers = [name.strip() for name in schema.split(",")]
    bucket = _inventory_bucket(manifest, call.parameters)
    items: list[dict[str, str]] = []
    for entry in files:
        if len(items) >= limit:
            break
        key = entry.get("key") if isinstance(entry, Mapping) else None
        if not isinstance(key, str):
            raise StatesError(
                ITEM_READER_FAILED,
                f"The S3 Inventory manifest lists a file without a key: {compact(entry)}",
            )
        text = _text(_gunzipped(await _get(call, bucket, key)))
        items.extend(_csv_items(text, ast.ReaderConfig(), headers, limit - len(items)))
    return items


def _manifest(body: str) -> Mapping[str, Any]:
    try:
        manifest = json.loads(body, parse_constant=_reject_constant)
    except ValueError as e:
        raise StatesError(ITEM_READER_FAILED, f"The manifest is not valid JSON: {e}") from None
    if not isinstance(manifest, Mapping):
        raise StatesError(ITEM_READER_FAILED, "The manifest is not a JSON object")
    return manifest


def _inventory_bucket(manifest: Mapping[str, Any], parameters: Any) -> Any:
    """The bucket holding the inventory files: the manifest's destinationBucket (an ARN),
    else the bucket the manifest was read from."""
    destination = manifest.get("destinationBucket")
    if isinstance(destination, str) and destination:
        return destination.removeprefix("arn:aws:s3:::").split(":::")[-1]
    return parameters.get("Bucket") if isinstance(parameters, Mapping) else None


async def _athena_items(
    call: ReaderCall, body: str, headers: list[str] | None, limit: int
) -> list[Any]:
    """The items of the data files an Athena UNLOAD manifest lists (one S3 URI a line)."""
    items: list[Any] = []
    for line in body.splitlines():
        uri = line.strip()
        if not uri:
            continue
        if len(items) >= limit:
            break
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        if not uri.startswith("s3://") or not bucket or not key:
            raise StatesError(
                ITEM_READER_FAILED,
                f"The Athena manifest lists {uri!r}, which is not an s3://bucket/key URI",
            )
        raw = _gunzipped(await _get(call, bucket, key))
        items.extend(_parse(raw, call.config, headers, limit - len(items)))
    return items


def _parquet_items(raw: str | bytes, limit: int) -> list[dict[str, Any]]:
    """One object per row of a Parquet file (pyarrow, imported only when needed)."""
    try:
        import pyarrow.parquet as pq  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        raise StatesError(
            ITEM_READER_FAILED,
            "Reading InputType PARQUET needs the pyarrow package: pip install pyarrow",
        ) from None
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as e:  # pyarrow raises its own ArrowInvalid / OSError kinds
        raise StatesError(
            ITEM_READER_FAILED, f"The object is not a valid Parquet file: {e}"
        ) from None
    rows: list[dict[str, Any]] = table.slice(0, limit).to_pylist()
    return [{k: _json_value(v) for k, v in row.items()} for row in rows]


def _json_value(value: Any) -> Any:
    """A Parquet cell as JSON: dates, times and decimals become text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _json_items(body: str, pointer: str = "") -> list[Any]:
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except ValueError as e:
        raise StatesError(ITEM_READER_FAILED, f"The object is not valid JSON: {e}") from None
    value = _resolve_pointer(value, pointer)
    if not isinstance(value, list):
        raise StatesError(ITEM_READER_FAILED, "Attempting to map over non-iterable node.")
    return value


def _resolve_pointer(document: Any, pointer: str) -> Any:
    """The value a JSON Pointer (RFC 6901) selects in ``document``."""
    value = document
    if not pointer:
        return value
    for token in pointer[1:].split("/"):
        name = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, Mapping) and name in value:
            value = value[name]
        elif isinstance(value, list) and name.isdigit() and (name == "0" or name[0] != "0"):
            if int(name) >= len(value):
                raise _pointer_failure(pointer)
            value = value[int(name)]
        else:
            raise _pointer_failure(pointer)
    return value


def _pointer_failure(pointer: str) -> StatesError:
    return StatesError(
        ITEM_READER_FAILED, f"The ItemsPointer {pointer!r} selects nothing in the JSON object"
    )


def _jsonl_items(body: str, limit: int) -> list[Any]:
    items: list[Any] = []
    # split on line feeds only: U+2028 and friends may stand unescaped inside JSON strings
    for number, line in enumerate(body.split("\n"), 1):
        if not line.strip():
            continue
        if len(items) >= limit:
            break
        try:
            items.append(json.loads(line, parse_constant=_reject_constant))
        except ValueError as e:
            raise StatesError(
                ITEM_READER_FAILED, f"Line {number} of the object is not valid JSON: {e}"
            ) from None
    return items


def _given_headers(config: ast.ReaderConfig) -> list[str] | None:
    """The CSVHeaders of a GIVEN header location (checked before the object is read)."""
    if config.input_type != "CSV" or config.csv_header_location != "GIVEN":
        return None
    headers = list(config.csv_headers or ())
    _check_headers(headers)
    return headers


def _check_headers(headers: list[str]) -> None:
    if len(set(headers)) != len(headers):
        raise StatesError(ITEM_READER_FAILED, "CSV headers cannot contain duplicates.")


def _csv_items(
    body: str, config: ast.ReaderConfig, headers: list[str] | None, limit: int
) -> list[dict[str, str]]:
    """One object per row: a missing field is ``""``, a field past the headers is dropped."""
    delimiter = _DELIMITERS[config.csv_delimiter]
    rows = _csv_rows(body, delimiter)
    try:
        if headers is None:
            first = next(rows, None)
            if first is None:
                return []
            headers = first
            _check_headers(headers)
        order = hash_map_order(headers)
        return [
            {headers[i]: row[i] if i < len(row) else "" for i in order}
            for row in itertools.islice(rows, limit)
        ]
    except csv.Error as e:
        raise StatesError(ITEM_READER_FAILED, f"The object is not valid CSV: {e}") from None


def _csv_rows(body: str, delimiter: str) -> Iterator[list[str]]:
    """The non-empty rows of a CSV text (quoted fields may hold delimiters and newlines)."""
    for row in csv.reader(io.StringIO(body, newline=""), delimiter=delimiter):
        if row:
            yield row


__all__ = [
    "ITEM_READER_FAILED",
    "MAX_ITEMS_LIMIT",
    "ReaderCall",
    "call_resource",
    "prepare_reader",
    "read_items",
    "request_parameters",
]
