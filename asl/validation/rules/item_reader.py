"""The Distributed Map ``ItemReader``: the S3 action it calls and the ``ReaderConfig``
combinations that action accepts.

The JSON Schema checks each field alone (types, the InputType/ManifestType/Transformation/
CSVHeaderLocation/CSVDelimiter values, MaxItems bounds); `paths`, `templates` and `jsonata`
check MaxItemsPath, Parameters and Arguments; ``MaxItems``/``MaxItemsPath`` exclusivity is
in `fields`.  The rules here check what depends on several fields at once, so that a
definition that validates never fails these checks at run time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from asl.diagnostics import Diagnostic
from asl.validation.codes import SCHEMA_VALIDATION_FAILED
from asl.validation.model import Definition, State
from asl.validation.registry import rule
from asl.validation.rules.resources import resource_problem

GET_OBJECT = "getObject"
LIST_OBJECTS = "listObjectsV2"
#: ReaderConfig.InputType values by what they read
INPUT_TYPES = ("CSV", "JSON", "JSONL", "PARQUET", "MANIFEST")
DATA_TYPES = ("CSV", "JSON", "JSONL", "PARQUET")  # the format of one data file
ATHENA_TYPES = ("CSV", "JSONL", "PARQUET")  # the formats of Athena UNLOAD data files


def s3_action(resource: Any) -> str | None:
    """The S3 action of an optimized integration ARN (``arn:aws:states:::s3:getObject``, with
    or without region and account), or None for any other resource."""
    if not isinstance(resource, str) or resource_problem(resource) is not None:
        return None
    parts = resource.split(":", 5)
    if parts[2] != "states":
        return None
    service, _, action = parts[5].partition(":")
    return action if service == "s3" else None


def _readers(definition: Definition) -> Iterator[tuple[State, dict[str, Any]]]:
    """(Map state, its ItemReader) for every ItemReader that is an object."""
    for state in definition.states_of_type("Map"):
        reader = state.node.get("ItemReader")
        if isinstance(reader, dict):
            yield state, reader


def _config(reader: dict[str, Any]) -> dict[str, Any] | None:
    """The ReaderConfig ({} when absent), or None when it is not an object (a schema error)."""
    config = reader.get("ReaderConfig", {})
    return config if isinstance(config, dict) else None


def _config_at(state: State, reader: dict[str, Any], *field: str) -> str:
    """The pointer of a ReaderConfig field, or of the closest object that exists."""
    if "ReaderConfig" not in reader:
        return state.at("ItemReader")
    return state.at("ItemReader", "ReaderConfig", *field)


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


@rule
def item_reader_resource(definition: Definition) -> Iterator[Diagnostic]:
    """An ItemReader reads with ``arn:aws:states:::s3:getObject`` (one object) or
    ``arn:aws:states:::s3:listObjectsV2`` (the objects under a prefix)."""
    for state, reader in _readers(definition):
        resource = reader.get("Resource")
        if not isinstance(resource, str) or "${" in resource:
            continue  # the schema reports a missing or non-string Resource; see placeholders
        if s3_action(resource) in (GET_OBJECT, LIST_OBJECTS):
            continue
        problem = resource_problem(resource) if resource else None
        if problem is not None and problem[0] == SCHEMA_VALIDATION_FAILED:
            continue  # known_resources already reports an ARN AWS does not know
        message = (
            f"The ItemReader cannot read items with the resource '{resource}': use"
            " arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2"
        )
        yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, state.at("ItemReader", "Resource"))


@rule
def item_reader_list_objects_config(definition: Definition) -> Iterator[Diagnostic]:
    """listObjectsV2 reads the listed objects; with ``Transformation`` ``LOAD_AND_FLATTEN``
    it reads the items inside each, so it needs the files' ``InputType`` (not MANIFEST)."""
    for state, reader in _readers(definition):
        config = _config(reader)
        if config is None or s3_action(reader.get("Resource")) != LIST_OBJECTS:
            continue
        if config.get("Transformation") != "LOAD_AND_FLATTEN":
            continue
        kind = config.get("InputType")
        if kind not in DATA_TYPES:
            found = "no InputType" if kind is None else f"the InputType {_shown(kind)}"
            message = (
                f"The ItemReader has {found}: Transformation LOAD_AND_FLATTEN needs"
                f" ReaderConfig.InputType {', '.join(DATA_TYPES)}"
            )
            where = _config_at(state, reader, *(["InputType"] if "InputType" in config else []))
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, where)


@rule
def item_reader_get_object_config(definition: Definition) -> Iterator[Diagnostic]:
    """getObject reads one object: it needs its ``InputType``, takes no ``Transformation``,
    and a ``ManifestType`` says which InputType goes with it (S3_INVENTORY: MANIFEST;
    ATHENA_DATA: the data files' CSV, JSONL or PARQUET)."""
    for state, reader in _readers(definition):
        config = _config(reader)
        if config is None or s3_action(reader.get("Resource")) != GET_OBJECT:
            continue
        if "Transformation" in config:
            message = (
                "The field 'Transformation' is only for ItemReaders using"
                " arn:aws:states:::s3:listObjectsV2"
            )
            yield Diagnostic(
                SCHEMA_VALIDATION_FAILED, message, _config_at(state, reader, "Transformation")
            )
        kind = config.get("InputType")
        if kind is None:
            message = (
                "An ItemReader using arn:aws:states:::s3:getObject requires"
                f" ReaderConfig.InputType ({', '.join(INPUT_TYPES)})"
            )
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, _config_at(state, reader))
            continue
        manifest = config.get("ManifestType")
        if manifest == "S3_INVENTORY" and kind != "MANIFEST":
            message = "ManifestType S3_INVENTORY reads an S3 Inventory manifest: InputType must be MANIFEST"
            yield Diagnostic(
                SCHEMA_VALIDATION_FAILED, message, _config_at(state, reader, "InputType")
            )
        elif manifest == "ATHENA_DATA" and kind not in ATHENA_TYPES:
            message = (
                "ManifestType ATHENA_DATA reads an Athena manifest: InputType must be the data"
                f" files' format, {', '.join(ATHENA_TYPES)}"
            )
            yield Diagnostic(
                SCHEMA_VALIDATION_FAILED, message, _config_at(state, reader, "InputType")
            )


@rule
def item_reader_csv_headers(definition: Definition) -> Iterator[Diagnostic]:
    """CSV headers GIVEN in the definition are listed in ``CSVHeaders``."""
    for state, reader in _readers(definition):
        config = _config(reader)
        if (
            config is not None
            and config.get("InputType") == "CSV"
            and config.get("CSVHeaderLocation") == "GIVEN"
            and "CSVHeaders" not in config
        ):
            message = (
                "CSVHeaderLocation GIVEN requires the field 'CSVHeaders', listing the column names"
            )
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, _config_at(state, reader))


@rule
def item_reader_items_pointer(definition: Definition) -> Iterator[Diagnostic]:
    """``ItemsPointer`` is a JSON Pointer (RFC 6901: empty, or starting with '/') into a JSON
    file, so only InputType JSON takes it."""
    for state, reader in _readers(definition):
        config = _config(reader)
        if config is None or "ItemsPointer" not in config:
            continue
        where = _config_at(state, reader, "ItemsPointer")
        if config.get("InputType") != "JSON":
            message = "The field 'ItemsPointer' is only for ReaderConfig.InputType JSON"
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, where)
        pointer = config["ItemsPointer"]
        if isinstance(pointer, str) and pointer and not pointer.startswith("/"):
            message = (
                f"ItemsPointer '{pointer}' is not a JSON Pointer: it must be empty or start"
                " with '/', e.g. /data/items"
            )
            yield Diagnostic(SCHEMA_VALIDATION_FAILED, message, where)
