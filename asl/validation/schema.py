"""The JSON Schema for ASL (``asl.schema.json``) and how values are checked against it.

The schema is checked in two steps.  A small interpreter for the handful of keywords the
schema uses answers "valid or not" quickly and without importing ``jsonschema`` (whose import
alone costs ~0.1 s, more than a pre-commit hook can spend).  Only when it says "not valid"
does ``jsonschema`` run, to report every error; the two are kept in agreement by tests.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from typing import Any, NamedTuple

__all__ = ["SchemaError", "definition_names", "errors", "is_valid", "schema_document"]

# Keywords the fast checker implements; anything else in the schema must be annotation only.
SUPPORTED_KEYWORDS = frozenset(
    {
        "$ref",
        "type",
        "const",
        "enum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "minLength",
        "minimum",
        "maximum",
        "pattern",
        "anyOf",
    }
)
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description", "x-expected"})

Predicate = Callable[[Any], bool]

SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "asl.schema.json")


class SchemaError(NamedTuple):
    """One schema violation: ``path`` is relative to the checked value."""

    # A NamedTuple rather than a frozen dataclass: creating the class is three times faster,
    # which counts towards every ``asl validate`` start.

    path: tuple[str | int, ...]
    message: str
    keyword: str = ""


@lru_cache(maxsize=1)
def schema_document() -> dict[str, Any]:
    """The ASL schema, loaded once from the package data file."""
    # A plain file read: importlib.resources costs a few ms of import time on every run.
    with open(SCHEMA_FILE, encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


def definition_names() -> list[str]:
    """Names of the schema's definitions (``Pass.JSONPath``, ``retrier``, ...)."""
    return list(schema_document()["$defs"])


def is_valid(value: Any, definition: str) -> bool:
    """Whether ``value`` satisfies the schema definition named ``definition``."""
    return _compiled(definition)(value)


def errors(value: Any, definition: str) -> list[SchemaError]:
    """Every violation of ``definition`` by ``value``, as readable messages (uses jsonschema)."""
    validator = _jsonschema_validator(definition)
    found: list[SchemaError] = []
    for error in validator.iter_errors(value):
        found.extend(_describe(error))
    found.sort(key=lambda e: tuple(str(p) for p in e.path))
    return found


# --- the fast checker ---------------------------------------------------------------------

_compiled_defs: dict[str, Predicate] = {}


def _compiled(definition: str) -> Predicate:
    """The predicate for a definition, compiled on first use (recursive $refs allowed)."""
    predicate = _compiled_defs.get(definition)
    if predicate is None:
        defs = schema_document()["$defs"]
        if definition not in defs:
            raise KeyError(f"the ASL schema has no definition named {definition!r}")
        # $refs are looked up when called, so recursive definitions compile fine.
        predicate = _compiled_defs[definition] = _compile(defs[definition])
    return predicate


def _compile(schema: dict[str, Any]) -> Predicate:
    """A predicate equivalent to ``schema`` for the supported keywords."""
    unknown = set(schema) - SUPPORTED_KEYWORDS - ANNOTATIONS
    if unknown:
        raise ValueError(f"the fast schema checker does not implement {sorted(unknown)}")
    checks: list[Predicate] = []
    if "$ref" in schema:
        checks.append(_ref_check(schema["$ref"].rsplit("/", 1)[-1]))
    object_check = _object_check(schema)
    if object_check is not None:
        # "type": "object" is folded into the members check, the hottest path of all.
        checks.append(object_check)
    elif "type" in schema:
        checks.append(_type_check(schema["type"]))
    if "const" in schema:
        checks.append(_enum_check([schema["const"]]))
    if "enum" in schema:
        checks.append(_enum_check(schema["enum"]))
    if "anyOf" in schema:
        options_ = [_compile(s) for s in schema["anyOf"]]
        checks.append(lambda v: any(option(v) for option in options_))
    checks.extend(_string_checks(schema))
    checks.extend(_number_checks(schema))
    checks.extend(_array_checks(schema))
    if object_check is None:
        checks.extend(_object_checks(schema))
    return _all_of(checks)


def _all_of(checks: list[Predicate]) -> Predicate:
    """One predicate true when all of ``checks`` are (``_always`` for none)."""
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    every = tuple(checks)

    def all_checks(v: Any) -> bool:
        for check in every:
            if not check(v):
                return False
        return True

    return all_checks


def _always(value: Any) -> bool:
    return True


def _ref_check(name: str) -> Predicate:
    """A predicate for ``$ref``; the target is looked up on first call, so cycles work."""
    target: Predicate | None = None

    def ref(v: Any) -> bool:
        nonlocal target
        if target is None:
            target = _compiled(name)
        return target(v)

    return ref


def _type_check(types: str | list[str]) -> Predicate:
    """A predicate for the ``type`` keyword with JSON Schema's notion of types."""
    names = [types] if isinstance(types, str) else list(types)
    if not {"number", "integer", "boolean"} & set(names):
        # Plain isinstance tests: no bool-is-an-int subtlety among these types.
        classes = tuple(_CLASSES[name] for name in names)
        return lambda v: isinstance(v, classes)
    tests = [_TYPE_TESTS[name] for name in names]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(test(v) for test in tests)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_CLASSES: dict[str, type] = {
    "object": dict,
    "array": list,
    "string": str,
    "null": type(None),
}

_TYPE_TESTS: dict[str, Predicate] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    # JSON Schema counts 1.0 as an integer, as jsonschema does.
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or float(v).is_integer()),
}


def _enum_check(options: list[Any]) -> Predicate:
    """A predicate for ``enum`` (and ``const``, a one-option enum)."""
    if all(isinstance(option, str) for option in options):
        # Only a string equals a string option (true is not "true"), so a set lookup does.
        texts = frozenset(options)
        return lambda v: isinstance(v, str) and v in texts
    return lambda v: any(_json_equal(v, option) for option in options)


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema defines it (true is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _string_checks(schema: dict[str, Any]) -> Iterator[Predicate]:
    """Predicates for minLength and pattern (which ignore non-strings)."""
    if "minLength" in schema:
        length = schema["minLength"]
        yield lambda v: not isinstance(v, str) or len(v) >= length
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        yield lambda v: not isinstance(v, str) or search(v) is not None


def _number_checks(schema: dict[str, Any]) -> Iterator[Predicate]:
    """Predicates for minimum and maximum (which ignore non-numbers)."""
    if "minimum" in schema:
        low = schema["minimum"]
        yield lambda v: not _is_number(v) or v >= low
    if "maximum" in schema:
        high = schema["maximum"]
        yield lambda v: not _is_number(v) or v <= high


def _array_checks(schema: dict[str, Any]) -> Iterator[Predicate]:
    """Predicates for items and minItems (which ignore non-arrays)."""
    if "minItems" in schema:
        count = schema["minItems"]
        yield lambda v: not isinstance(v, list) or len(v) >= count
    if "items" in schema:
        item = _compile(schema["items"])
        yield lambda v: not isinstance(v, list) or all(item(x) for x in v)


def _object_check(schema: dict[str, Any]) -> Predicate | None:
    """For ``"type": "object"`` with members keywords: one predicate for the type, required,
    properties and additionalProperties; None for any other schema."""
    if schema.get("type") != "object" or not (
        {"required", "properties", "additionalProperties"} & set(schema)
    ):
        return None
    members = _members_check(schema)
    required = tuple(schema.get("required", ()))

    def check_object(v: Any) -> bool:
        if not isinstance(v, dict):
            return False
        for name in required:
            if name not in v:
                return False
        return members is None or members(v)

    return check_object


def _object_checks(schema: dict[str, Any]) -> Iterator[Predicate]:
    """Predicates for required, properties and additionalProperties (ignoring non-objects)."""
    if "required" in schema:
        required = list(schema["required"])
        yield lambda v: not isinstance(v, dict) or all(name in v for name in required)
    members = _members_check(schema)
    if members is not None:
        yield lambda v: not isinstance(v, dict) or members(v)


def _members_check(schema: dict[str, Any]) -> Predicate | None:
    """A predicate over a dict's members for properties and additionalProperties, or None
    when they allow anything."""
    properties = {name: _compile(s) for name, s in schema.get("properties", {}).items()}
    additional = schema.get("additionalProperties", True)
    if additional is True and not properties:
        return None
    other: Predicate
    if additional is True:
        other = _always
    elif additional is False:
        other = _never
    else:
        other = _compile(additional)
    lookup = properties.get

    def check_members(v: dict[str, Any]) -> bool:
        for name, member in v.items():
            check = lookup(name, other)
            if check is not _always and not check(member):
                return False
        return True

    return check_members


def _never(value: Any) -> bool:
    return False


# --- jsonschema, for the messages -------------------------------------------------------------


@cache
def _jsonschema_validator(definition: str) -> Any:
    """A jsonschema validator for one definition (imported and built on first need)."""
    import jsonschema

    document = schema_document()
    root = {"$ref": f"#/$defs/{definition}", "$defs": document["$defs"]}
    return jsonschema.Draft202012Validator(root)


_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "boolean": "a boolean",
    "null": "null",
    "number": "a number",
    "integer": "an integer",
}


def _field_name(path: tuple[str | int, ...]) -> str:
    """How to name the value at ``path`` in a message: ``'Retry[0].MaxAttempts'``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "definition"


def _describe(error: Any) -> Iterator[SchemaError]:
    """Readable SchemaErrors for one jsonschema ValidationError, worded as AWS words them."""
    path = tuple(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    name = _field_name(path)
    if keyword == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        for key in instance:
            if key not in known:
                message = f"The field '{key}' is not supported by Step Functions"
                yield SchemaError((*path, key), message, keyword)
    elif keyword == "required":
        missing = [field for field in value if field not in instance]
        if len(missing) == 1 and path and isinstance(path[-1], str):
            yield SchemaError(path, f"The field '{missing[0]}' is required but was missing")
        else:
            # AWS gathers the missing names in a java.util.HashSet: its order, not ours
            from asl.java import hash_set_order

            names = ", ".join(hash_set_order(missing))
            yield SchemaError(path, f"These fields are required: [{names}]")
    elif keyword == "type":
        types = [value] if isinstance(value, str) else value
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        yield SchemaError(path, f"The value of the field '{name}' must be {words}")
    elif keyword in ("enum", "const"):
        options = value if keyword == "enum" else [value]
        listed = ", ".join(str(option) for option in options)
        yield SchemaError(path, f"The field '{name}' should have one of these values: [{listed}]")
    elif keyword == "anyOf":
        expected = error.schema.get("x-expected", "of another type")
        yield SchemaError(path, f"The value of the field '{name}' must be {expected}")
    elif keyword == "minimum":
        yield SchemaError(path, f"The value of the field '{name}' must be at least {value}")
    elif keyword == "maximum":
        yield SchemaError(path, f"The value of the field '{name}' must be at most {value}")
    elif keyword == "minItems":
        if value == 1:  # AWS (recorded for an empty Parallel Branches): "Value cannot be empty"
            yield SchemaError(path, "Value cannot be empty")
        else:
            yield SchemaError(path, f"The field '{name}' must contain at least {value} items")
    elif keyword == "minLength":
        yield SchemaError(path, f"The field '{name}' must not be empty")
    else:
        yield SchemaError(path, f"The field '{name}' is invalid: {error.message}")
