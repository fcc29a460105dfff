"""Intrinsic functions (``States.Format(...)`` and friends) for JSONPath states.

A call is parsed once by a small recursive-descent parser into a tree of literals,
paths and nested calls; evaluation walks the tree. Each function is one Python
function registered with its arity in ``FUNCTIONS``.

What AWS does, as observed (see the conformance cases): a failing intrinsic fails the
state with ``States.Runtime`` and the cause ``Invalid arguments in States.<Name>``
(not ``States.IntrinsicFailure`` as the specification says); numbers are Java
numbers (``MathAdd`` rounds half up, the other integer arguments are truncated);
``Format`` renders objects the way Java's ``toString`` does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from asl import java
from asl.errors import StatesError
from asl.expressions import strict_json
from asl.expressions.paths import Path, PathNotFound, PathSyntaxError, compile_path
from asl.loading import MAX_DEPTH

__all__ = [
    "FUNCTIONS",
    "INTRINSIC_ERROR",
    "MAX_NESTING",
    "Intrinsic",
    "IntrinsicSyntaxError",
    "compile_intrinsic",
    "is_intrinsic",
]

# The error AWS reports when an intrinsic fails at run time (recorded AWS executions
# report States.Runtime; the specification names States.IntrinsicFailure).
INTRINSIC_ERROR = "States.Runtime"

# AWS documents that up to 10 intrinsic calls may be nested inside one another.
MAX_NESTING = 10

# String and hash arguments are limited to 10,000 characters (AWS documentation).
MAX_STRING_LENGTH = 10_000

# States.ArrayRange may produce at most 1,000 items (AWS documentation).
MAX_RANGE_ITEMS = 1_000


class IntrinsicSyntaxError(ValueError):
    """An intrinsic function call is malformed, unknown, or has the wrong number of arguments."""


class InvalidArguments(Exception):
    """Raised by a function body: the call fails with ``Invalid arguments in States.X``."""


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Literal:
    """A constant argument: a string, number, boolean or null.

    ``raw`` keeps a string literal as written (escapes included) because
    States.Format needs to know which braces were escaped.
    """

    value: Any
    raw: str | None = None


@dataclass(frozen=True)
class Call:
    """A call ``States.Name(args...)``; ``name`` is the full name, e.g. ``States.Format``."""

    name: str
    args: tuple[Literal | Path | Call, ...]


Argument = Literal | Path | Call


class Intrinsic:
    """A compiled intrinsic call; ``evaluate`` computes its value."""

    __slots__ = ("text", "call", "arity_error")

    def __init__(self, text: str, call: Call, arity_error: str | None = None):
        self.text = text
        self.call = call
        # Set when compiled with check_arity=False and the arity is wrong: AWS creates
        # such a state machine and fails when the call runs.
        self.arity_error = arity_error

    def __repr__(self) -> str:
        return f"Intrinsic({self.text!r})"

    def evaluate(
        self, data: Any, context: Any, variables: Mapping[str, Any], *, field: str = ""
    ) -> Any:
        """The call's value; raises StatesError (``States.Runtime``) as AWS does.

        ``field`` names the template key (``"value.$"``) for the message of a missing path.
        """
        if self.arity_error is not None:
            raise StatesError(INTRINSIC_ERROR, self.arity_error)
        return _evaluate_call(self.call, _Scope(data, context, variables, field))


class _Scope:
    """What paths inside a call read (a plain class: one is made per evaluation)."""

    __slots__ = ("data", "context", "variables", "field")

    def __init__(self, data: Any, context: Any, variables: Mapping[str, Any], field: str):
        self.data = data
        self.context = context
        self.variables = variables
        self.field = field


def _evaluate(argument: Argument, scope: _Scope) -> Any:
    if isinstance(argument, Literal):
        return argument.value
    if isinstance(argument, Path):
        return _resolve(argument, scope)
    return _evaluate_call(argument, scope)


def _evaluate_call(call: Call, scope: _Scope) -> Any:
    values = [_evaluate(arg, scope) for arg in call.args]
    function = FUNCTIONS[call.name].function
    try:
        return function(call, values)
    except InvalidArguments as exc:
        detail = f": {exc}" if str(exc) else ""
        raise StatesError(INTRINSIC_ERROR, f"Invalid arguments in {call.name}{detail}") from None
    except StatesError:
        raise
    except Exception:  # noqa: BLE001 - hostile arguments (huge, deep): AWS's words, no Python's
        raise StatesError(INTRINSIC_ERROR, f"Invalid arguments in {call.name}") from None


def _resolve(path: Path, scope: _Scope) -> Any:
    try:
        if path.root == "$":
            return path.find(scope.data)
        if path.root == "$$":
            return path.find(scope.context)
        name = path.variable or ""
        if name not in scope.variables:
            raise PathNotFound(path, f"The variable '{name}' is not defined")
        return path.find(scope.variables[name])
    except PathNotFound:
        rendered = json.dumps(scope.data, separators=(",", ":"), ensure_ascii=False)
        where = f" specified for the field '{scope.field}'" if scope.field else ""
        raise StatesError(
            "States.Runtime",
            f"The JSONPath '{path.text}'{where} could not be found in the input '{rendered}'",
        ) from None


# --------------------------------------------------------------------------- parsing


def is_intrinsic(text: Any) -> bool:
    """True when ``text`` looks like a ``States.Name(...)`` call (it may still be malformed)."""
    return isinstance(text, str) and text.startswith("States.") and "(" in text


def compile_intrinsic(text: str, *, check_arity: bool = True) -> Intrinsic:
    """Parse an intrinsic call once; IntrinsicSyntaxError says what is wrong and where.

    With ``check_arity=False`` a wrong number of arguments is not a syntax error; the
    call fails when evaluated instead (what AWS does for most functions).
    """
    if not isinstance(text, str):
        raise IntrinsicSyntaxError(f"an intrinsic function call must be a string, got {text!r}")
    parser = _Parser(text, check_arity)
    call = parser.parse()
    return Intrinsic(text, call, parser.arity_errors[0] if parser.arity_errors else None)


_NUMBER_START = frozenset("-0123456789")


class _Parser:
    """Recursive descent over the text: call := 'States.' Name '(' [arg {',' arg}] ')'."""

    def __init__(self, text: str, check_arity: bool):
        self.text = text
        self.pos = 0
        self.check_arity = check_arity
        self.arity_errors: list[str] = []

    def error(self, what: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(
            f"invalid intrinsic function call '{self.text}': {what} at position {self.pos}"
        )

    def parse(self) -> Call:
        # No leading whitespace: AWS does not take " States.Array(...)" as a call.
        call = self.parse_call(depth=1)
        self.skip_spaces()
        if self.pos != len(self.text):
            raise self.error("unexpected text after the closing parenthesis")
        return call

    def skip_spaces(self) -> None:
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse_call(self, depth: int) -> Call:
        if depth > MAX_NESTING:
            raise self.error(f"intrinsic functions may be nested at most {MAX_NESTING} deep")
        start = self.pos
        if not self.text.startswith("States.", start):
            raise self.error("expected an intrinsic function name starting with 'States.'")
        self.pos += len("States.")
        while self.pos < len(self.text) and (
            self.text[self.pos].isalnum() or self.text[self.pos] == "_"
        ):
            self.pos += 1
        name = self.text[start : self.pos]
        if name not in FUNCTIONS:
            self.pos = start
            raise self.error(f"unknown intrinsic function '{name}'")
        self.skip_spaces()
        if self.peek() != "(":
            raise self.error(f"expected '(' after {name}")
        self.pos += 1
        args = self.parse_arguments(depth)
        self.check_call_arity(name, len(args), start)
        return Call(name, tuple(args))

    def parse_arguments(self, depth: int) -> list[Argument]:
        args: list[Argument] = []
        self.skip_spaces()
        if self.peek() == ")":
            self.pos += 1
            return args
        while True:
            self.skip_spaces()
            args.append(self.parse_argument(depth))
            self.skip_spaces()
            char = self.peek()
            if char == ",":
                self.pos += 1
                continue
            if char == ")":
                self.pos += 1
                return args
            if not char:
                raise self.error("missing ')'")
            raise self.error(f"expected ',' or ')' but found {char!r}")

    def parse_argument(self, depth: int) -> Argument:
        char = self.peek()
        if char == "'":
            return self.parse_string()
        if char == "$":
            return self.parse_path()
        if char in _NUMBER_START:
            return self.parse_number()
        if self.text.startswith("States.", self.pos):
            return self.parse_call(depth + 1)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos) and not self.is_word_char(self.pos + len(word)):
                self.pos += len(word)
                return Literal(value)
        if char in (",", ")"):
            raise self.error("missing argument")
        if not char:
            raise self.error("missing ')'")
        raise self.error(
            "expected an argument: a 'string', a number, true, false, null, a path or a call"
        )

    def is_word_char(self, pos: int) -> bool:
        return pos < len(self.text) and (self.text[pos].isalnum() or self.text[pos] == "_")

    def parse_string(self) -> Literal:
        """A 'single-quoted' string; only \\' \\{ \\} \\\\ are escapes (as AWS accepts)."""
        text = self.text
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\":
                escaped = text[self.pos + 1 : self.pos + 2]
                if escaped not in ("'", "{", "}", "\\"):
                    raise self.error(
                        "invalid escape in a string: only \\', \\{, \\} and \\\\ are allowed"
                    )
                chars.append(escaped)
                self.pos += 2
                continue
            if char == "'":
                self.pos += 1
                return Literal("".join(chars), raw=text[start + 1 : self.pos - 1])
            chars.append(char)
            self.pos += 1
        self.pos = start
        raise self.error("unterminated string")

    def parse_number(self) -> Literal:
        """A JSON number (``-1``, ``2.5``, ``1e3``); ``1.`` and ``.5`` are rejected."""
        text = self.text
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        digits = self.read_digits()
        if not digits or (len(digits) > 1 and digits[0] == "0"):
            self.pos = start
            raise self.error("invalid number")
        is_float = False
        if self.peek() == ".":
            self.pos += 1
            is_float = True
            if not self.read_digits():
                self.pos = start
                raise self.error("invalid number: digits must follow '.'")
        if self.peek() in ("e", "E"):
            self.pos += 1
            is_float = True
            if self.peek() in ("+", "-"):
                self.pos += 1
            if not self.read_digits():
                self.pos = start
                raise self.error("invalid number: digits must follow the exponent")
        if self.is_word_char(self.pos) or self.peek() == ".":
            self.pos = start
            raise self.error("invalid number")
        literal = text[start : self.pos]
        return Literal(float(literal) if is_float else int(literal))

    def read_digits(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in "0123456789":
            self.pos += 1
        return self.text[start : self.pos]

    def parse_path(self) -> Path:
        """A path argument runs to the next ',' or ')' outside brackets and quotes."""
        text = self.text
        start = self.pos
        depth = 0
        quote = ""
        while self.pos < len(text):
            char = text[self.pos]
            if quote:
                if char == "\\":
                    self.pos += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    break
                depth -= 1
            elif char == "," and depth == 0:
                break
            self.pos += 1
        source = text[start : self.pos].rstrip()
        try:
            return compile_path(source)
        except PathSyntaxError as exc:
            self.pos = start
            raise self.error(f"invalid path argument: {exc}") from None

    def check_call_arity(self, name: str, count: int, start: int) -> None:
        spec = FUNCTIONS[name]
        if spec.minimum <= count and (spec.maximum is None or count <= spec.maximum):
            return
        message = f"{name} takes {spec.describe()}, got {count}"
        if self.check_arity:
            self.pos = start
            raise self.error(message)
        self.arity_errors.append(f"Invalid arguments in {name}: {message}")


# --------------------------------------------------------------------------- Java-isms


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _truncated_int(value: Any) -> int:
    """A numeric argument as AWS's integer parameters take it: truncated toward zero."""
    if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidArguments()
    return int(value)


@lru_cache(maxsize=1024)
def _format_parts(template: str) -> tuple[str, ...]:
    """Split a Format template at its ``{}`` placeholders; lone braces are invalid.

    Cached: a template is usually a literal, split again on every evaluation otherwise.
    """
    parts: list[str] = []
    current: list[str] = []
    pos = 0
    while pos < len(template):
        char = template[pos]
        if char == "\\" and pos + 1 < len(template) and template[pos + 1] in "{}\\'":
            current.append(template[pos + 1])
            pos += 2
            continue
        if char == "{":
            if template[pos + 1 : pos + 2] != "}":
                raise InvalidArguments("the template has a '{' without a matching '}'")
            parts.append("".join(current))
            current = []
            pos += 2
            continue
        if char == "}":
            raise InvalidArguments("the template has a '}' without a matching '{'")
        current.append(char)
        pos += 1
    parts.append("".join(current))
    return tuple(parts)


# --------------------------------------------------------------------------- functions


def _require_array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidArguments()
    return value


def _require_string(value: Any, limit: int | None = None) -> str:
    if not isinstance(value, str) or (limit is not None and len(value) > limit):
        raise InvalidArguments()
    return value


def states_format(call: Call, args: list[Any]) -> str:
    """Replace each ``{}`` of the template with the next argument, Java-style."""
    template = args[0]
    if not isinstance(template, str):
        raise InvalidArguments()
    source = call.args[0]
    raw = source.raw if isinstance(source, Literal) and source.raw is not None else template
    parts = _format_parts(raw)
    values = args[1:]
    if len(parts) - 1 != len(values):
        raise InvalidArguments("the number of arguments does not match the occurrences of {}")
    out = [parts[0]]
    for value, part in zip(values, parts[1:], strict=True):
        out.append(java.to_string(value))
        out.append(part)
    return "".join(out)


def states_string_to_json(call: Call, args: list[Any]) -> Any:
    """Parse JSON text; a blank string gives null (as AWS does).

    What JSON cannot hold fails as invalid JSON, as AWS's parser refuses it: ``NaN``,
    ``Infinity``, a number beyond the double range (``1e999``) and nesting deeper than
    the documents asl loads (`asl.loading.MAX_DEPTH`).
    """
    text = _require_string(args[0])
    if not text.strip():
        return None
    try:
        return strict_json(text, MAX_JSON_DEPTH)
    except ValueError:
        raise InvalidArguments() from None


# Parsed JSON may nest as deep as a loaded definition or input (deeper values cannot be
# processed without exhausting Python's stack).
MAX_JSON_DEPTH = MAX_DEPTH


def states_json_to_string(call: Call, args: list[Any]) -> str:
    """Compact JSON text of the value."""
    return json.dumps(args[0], separators=(",", ":"), ensure_ascii=False)


def states_array(call: Call, args: list[Any]) -> list[Any]:
    """The arguments as an array."""
    return list(args)


def states_array_partition(call: Call, args: list[Any]) -> list[list[Any]]:
    """Chunks of the given size (AWS truncates a fractional size); the last may be shorter."""
    array = _require_array(args[0])
    size = _truncated_int(args[1])
    if size < 1:
        raise InvalidArguments()
    return [array[i : i + size] for i in range(0, len(array), size)]


def states_array_contains(call: Call, args: list[Any]) -> bool:
    """Whether the array holds the value; AWS compares Java string forms (``true`` = ``'true'``)."""
    array = _require_array(args[0])
    wanted = java.to_string(args[1])
    return any(java.to_string(item) == wanted and _same_kind(item, args[1]) for item in array)


def _same_kind(item: Any, wanted: Any) -> bool:
    # A null only matches null: "null" strings render the same way in Java.
    return (item is None) == (wanted is None)


def states_array_range(call: Call, args: list[Any]) -> list[int]:
    """Integers from first to last (inclusive when reached) by step; at most 1000 items."""
    first, last, step = (_truncated_int(a) for a in args)
    if step == 0:
        raise InvalidArguments()
    if (step > 0 and first > last) or (step < 0 and first < last):
        return []
    count = (last - first) // step + 1
    if count > MAX_RANGE_ITEMS:
        raise InvalidArguments()
    return [first + i * step for i in range(count)]


def states_array_get_item(call: Call, args: list[Any]) -> Any:
    """The item at a 0-based index (AWS truncates a fractional index)."""
    array = _require_array(args[0])
    index = _truncated_int(args[1])
    if not array:
        return None  # recorded AWS behaviour: any index into [] gives null
    if not 0 <= index < len(array):
        raise InvalidArguments()
    return array[index]


def states_array_length(call: Call, args: list[Any]) -> int:
    """The number of items."""
    return len(_require_array(args[0]))


def states_array_unique(call: Call, args: list[Any]) -> list[Any]:
    """Distinct items, in the order AWS returns them (a Java HashSet's order)."""
    return java.hash_set_order(_require_array(args[0]))


def states_base64_encode(call: Call, args: list[Any]) -> str:
    """Base64 of the UTF-8 bytes of a string of at most 10,000 characters."""
    text = _require_string(args[0], MAX_STRING_LENGTH)
    import base64

    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def states_base64_decode(call: Call, args: list[Any]) -> str:
    """Decode Base64 leniently (like Java's MIME decoder, characters outside the alphabet are skipped)."""
    text = _require_string(args[0], MAX_STRING_LENGTH)
    cleaned = "".join(char for char in text if char in _BASE64_ALPHABET)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        import base64

        return base64.b64decode(cleaned).decode("utf-8", errors="replace")
    except ValueError:
        raise InvalidArguments() from None


_HASHES = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def states_hash(call: Call, args: list[Any]) -> str:
    """Lower-case hex digest; AWS hashes a non-string value's text."""
    data, algorithm = args
    if not isinstance(data, str):
        data = (
            java.to_string(data)
            if not isinstance(data, (dict, list))
            else json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        )
    if len(data) > MAX_STRING_LENGTH or not isinstance(algorithm, str) or algorithm not in _HASHES:
        raise InvalidArguments()
    import hashlib

    return hashlib.new(_HASHES[algorithm], data.encode("utf-8")).hexdigest()


def states_json_merge(call: Call, args: list[Any]) -> dict[str, Any]:
    """Shallow merge: the second object's keys win. AWS rejects a deep merge (``true``)."""
    left, right, deep = args
    if not isinstance(left, dict) or not isinstance(right, dict) or deep is True:
        raise InvalidArguments()
    merged = dict(left)
    merged.update(right)
    return merged


def states_math_random(call: Call, args: list[Any]) -> int:
    """A random integer in [start, end); a seed makes it java.util.Random's."""
    start = _truncated_int(args[0])
    end = _truncated_int(args[1])
    if start >= end:
        raise InvalidArguments()
    if len(args) == 3:
        generator = java.JavaRandom(_truncated_int(args[2]))
        return start + generator.next_int(end - start)
    import random

    return random.randrange(start, end)


def states_math_add(call: Call, args: list[Any]) -> int:
    """The sum of two numbers, each first rounded half up (Java ``Math.round``); int32 only."""
    total = 0
    for value in args:
        if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
            raise InvalidArguments()
        rounded = java.java_round(value) if isinstance(value, float) else value
        if not java.INT32_MIN <= rounded <= java.INT32_MAX:
            raise InvalidArguments()
        total += rounded
    if not java.INT32_MIN <= total <= java.INT32_MAX:
        raise InvalidArguments()
    return total


def states_string_split(call: Call, args: list[Any]) -> list[str]:
    """Split on every character of the delimiter string; empty tokens are dropped."""
    text = _require_string(args[0])
    delimiters = _require_string(args[1])
    tokens: list[str] = []
    current: list[str] = []
    for char in text:
        if char in delimiters:
            tokens.append("".join(current))
            current = []
        else:
            current.append(char)
    tokens.append("".join(current))
    return [token for token in tokens if token]


def states_uuid(call: Call, args: list[Any]) -> str:
    """A random version 4 UUID."""
    import uuid

    return str(uuid.uuid4())


@dataclass(frozen=True)
class FunctionSpec:
    """An intrinsic's arity (``maximum`` None = any) and the Python function computing it."""

    minimum: int
    maximum: int | None
    function: Callable[[Call, list[Any]], Any]

    def describe(self) -> str:
        """The arity in words: "2 arguments", "2 or 3 arguments", "at least 1 argument"."""
        if self.maximum is None:
            plural = "s" if self.minimum != 1 else ""
            return f"at least {self.minimum} argument{plural}"
        if self.minimum == self.maximum:
            plural = "s" if self.minimum != 1 else ""
            return f"{self.minimum} argument{plural}"
        return f"{self.minimum} or {self.maximum} arguments"


FUNCTIONS: dict[str, FunctionSpec] = {
    "States.Format": FunctionSpec(1, None, states_format),
    "States.StringToJson": FunctionSpec(1, 1, states_string_to_json),
    "States.JsonToString": FunctionSpec(1, 1, states_json_to_string),
    "States.Array": FunctionSpec(0, None, states_array),
    "States.ArrayPartition": FunctionSpec(2, 2, states_array_partition),
    "States.ArrayContains": FunctionSpec(2, 2, states_array_contains),
    "States.ArrayRange": FunctionSpec(3, 3, states_array_range),
    "States.ArrayGetItem": FunctionSpec(2, 2, states_array_get_item),
    "States.ArrayLength": FunctionSpec(1, 1, states_array_length),
    "States.ArrayUnique": FunctionSpec(1, 1, states_array_unique),
    "States.Base64Encode": FunctionSpec(1, 1, states_base64_encode),
    "States.Base64Decode": FunctionSpec(1, 1, states_base64_decode),
    "States.Hash": FunctionSpec(2, 2, states_hash),
    "States.JsonMerge": FunctionSpec(3, 3, states_json_merge),
    "States.MathRandom": FunctionSpec(2, 3, states_math_random),
    "States.MathAdd": FunctionSpec(2, 2, states_math_add),
    "States.StringSplit": FunctionSpec(2, 2, states_string_split),
    "States.UUID": FunctionSpec(0, 0, states_uuid),
}
