"""The JSON Schema for ASL (``asl.schema.json``) and how values are checked against it.

The schema is checked in two steps.  Compiled predicates for the handful of keywords the
schema uses answer "valid or not" quickly and without importing ``jsonschema`` (whose import
alone costs ~40 ms, more than validating a hundred definitions).  Only when they say "not
valid" is the value walked again, keyword by keyword as jsonschema's ``iter_errors`` walks
it, to find every error.  ``jsonschema`` is the reference: tests compare both steps with it
on generated values (`reference_errors`), and it reports the errors itself whenever the walk
finds none although the predicate said "not valid".
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
    """Every violation of ``definition`` by ``value``, as readable messages, in the order and
    words of `reference_errors`."""
    defs = schema_document()["$defs"]
    if definition not in defs:
        raise KeyError(f"the ASL schema has no definition named {definition!r}")
    found = [
        described
        for error in _violations(defs[definition], value, ())
        for described in _describe(error)
    ]
    if not found and not is_valid(value, definition):
        return reference_errors(value, definition)  # never "invalid" without saying why
    found.sort(key=lambda e: tuple(str(p) for p in e.path))
    return found


def reference_errors(value: Any, definition: str) -> list[SchemaError]:
    """`errors` as ``jsonschema`` itself finds them: the reference the tests compare with."""
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


# --- the errors, found as jsonschema finds them ----------------------------------------------


class _Violation(NamedTuple):
    """One failed keyword, with the attributes of a jsonschema ValidationError that
    `_describe` reads, so both are worded by the same function."""

    absolute_path: tuple[str | int, ...]
    validator: str  # the keyword
    validator_value: Any
    instance: Any
    schema: dict[str, Any]
    message: str = ""


# Predicates of anyOf options, by the id of their (long-lived) schema node.
_option_predicates: dict[int, Predicate] = {}


def _violations(
    schema: dict[str, Any], value: Any, path: tuple[str | int, ...]
) -> Iterator[_Violation]:
    """The keywords of ``schema`` that ``value`` fails, in the order jsonschema's
    ``iter_errors`` yields them (the schema's keyword order, members in the schema's
    order, extra members and items in the value's order)."""
    is_dict = isinstance(value, dict)
    for keyword, argument in schema.items():
        failed = False
        message = ""
        if keyword == "$ref":
            target = schema_document()["$defs"][argument.rsplit("/", 1)[-1]]
            yield from _violations(target, value, path)
        elif keyword == "type":
            failed = not _type_check(argument)(value)
        elif keyword == "const":
            failed = not _json_equal(value, argument)
        elif keyword == "enum":
            failed = not any(_json_equal(value, option) for option in argument)
        elif keyword == "properties" and is_dict:
            for field, member in argument.items():
                if field in value:
                    yield from _violations(member, value[field], (*path, field))
        elif keyword == "additionalProperties" and is_dict:
            known = schema.get("properties", {})
            extra = [key for key in value if key not in known]
            if argument is False:
                failed = bool(extra)
            elif isinstance(argument, dict):
                for key in extra:
                    yield from _violations(argument, value[key], (*path, key))
        elif keyword == "required" and is_dict:
            for field in argument:  # one error per missing field, as jsonschema gives
                if field not in value:
                    yield _Violation(path, keyword, argument, value, schema)
        elif keyword == "items" and isinstance(value, list):
            for index, item in enumerate(value):
                yield from _violations(argument, item, (*path, index))
        elif keyword == "minItems":
            failed = isinstance(value, list) and len(value) < argument
        elif keyword == "minLength":
            failed = isinstance(value, str) and len(value) < argument
        elif keyword == "minimum":
            failed = _is_number(value) and value < argument
        elif keyword == "maximum":
            failed = _is_number(value) and value > argument
        elif keyword == "pattern" and isinstance(value, str):
            failed = re.search(argument, value) is None
            message = f"{value!r} does not match {argument!r}"
        elif keyword == "anyOf":
            failed = not any(_option(option)(value) for option in argument)
        if failed:
            yield _Violation(path, keyword, argument, value, schema, message)


def _option(schema: dict[str, Any]) -> Predicate:
    """The compiled predicate of an anyOf option (compiled once)."""
    predicate = _option_predicates.get(id(schema))
    if predicate is None:
        predicate = _option_predicates[id(schema)] = _compile(schema)
    return predicate


# --- jsonschema, the reference -----------------------------------------------------------------


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
