"""Making the ``jsonata-python`` port answer as jsonata-js 2.0.6 (what AWS runs) does.

The port differs from jsonata-js in ways a workflow can see: how numbers are written by
``$string`` and ``&``, arithmetic on doubles (``1/0``, ``5.5 % 2``), which argument a
signature error names, error message wording (its catalogue says "Object" for "function"
and inserts values unquoted), and Python exceptions where jsonata-js raises coded errors.
`patch_engine` fixes what can only be fixed in the engine's classes (applied once, on first
use of JSONata); `wrapped_builtins` returns replacements for a few built-in functions;
`message_for` renders an engine error as jsonata-js words it.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

_lib: Any = None


def patch_engine(lib: Any) -> None:
    """Apply the engine-level fixes (idempotent).

    ``&``, ``$clone`` and transforms call ``Functions.string``; arithmetic goes through
    ``Jsonata.evaluate_numeric_expression``; signature errors through
    ``Signature.throw_validation_error``.  The port also prints debugging lines on stdout
    in a few error paths, which a library must not do.
    """
    global _lib
    if _lib is not None:
        return
    _lib = lib
    lib.Functions.string = staticmethod(string_function)
    lib.Jsonata.evaluate_numeric_expression = _numeric_expression
    lib.Signature.throw_validation_error = _throw_validation_error
    lib.Jsonata.evaluate_string_concat = _string_concat
    original_symbol = lib.Signature.get_symbol
    null = lib.Utils.NULL_VALUE

    def get_symbol(self: Any, value: Any) -> str:
        # jsonata-js types JSON null as "l", which only "x", "j" and "a" accept; the port
        # types it as a missing argument and then calls the function with it.
        return "l" if value is null else original_symbol(self, value)

    lib.Signature.get_symbol = get_symbol
    for name in ("jsonata.jsonata", "jsonata.parser", "jsonata.signature", "jsonata.functions"):
        module = sys.modules.get(name)
        if module is not None:
            module.print = _silent  # type: ignore[attr-defined]


def _silent(*args: Any, **kwargs: Any) -> None:
    """Swallow the engine's debugging output."""


# --- arithmetic ------------------------------------------------------------------------


def _numeric_expression(self: Any, lhs: Any, rhs: Any, op: Any) -> Any:
    """jsonata-js's arithmetic: type checks, then double arithmetic that may give ±Infinity/NaN."""
    is_numeric = _lib.Utils.is_numeric  # raises D1001 for a non-finite operand, as jsonata-js
    if lhs is not None and not is_numeric(lhs):
        raise _lib.JException("T2001", -1, op, lhs)
    if rhs is not None and not is_numeric(rhs):
        raise _lib.JException("T2002", -1, op, rhs)
    if lhs is None or rhs is None:
        return None
    result = arithmetic(op, finite_double(lhs), finite_double(rhs))
    if not math.isfinite(result):
        return result
    return _lib.Utils.convert_number(result)


def arithmetic(op: str, left: float, right: float) -> float:
    """``left op right`` on doubles as JavaScript computes it (±Infinity, NaN included)."""
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return _divide(left, right)
    # "%": JavaScript's remainder keeps the dividend's sign, like math.fmod
    return math.fmod(left, right) if right != 0 else math.nan


def _string_concat(self: Any, lhs: Any, rhs: Any) -> str:
    """``&``: both sides as strings, joined; refused beyond `MAX_VALUE_SIZE` characters."""
    left = string_function(lhs) if lhs is not None else ""
    right = string_function(rhs) if rhs is not None else ""
    if len(left) + len(right) > MAX_VALUE_SIZE:
        raise size_error("string built by the & operator", len(left) + len(right))
    return str(left) + str(right)


def _divide(left: float, right: float) -> float:
    """IEEE division: x/0 is ±Infinity, 0/0 is NaN."""
    if right != 0:
        return left / right
    if left == 0 or math.isnan(left):
        return math.nan
    return math.copysign(math.inf, left) * math.copysign(1.0, right)


def to_double(value: int | float) -> float:
    """A number as a JavaScript double: an integer beyond the double range is ±Infinity."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def finite_double(value: int | float) -> float:
    """A number as a double; D1001 (as jsonata-js) when it is out of the double range."""
    number = to_double(value)
    if not math.isfinite(number) and not math.isnan(number):
        raise _lib.JException("D1001", -1, number)
    return number


# --- signature errors --------------------------------------------------------------------


def _throw_validation_error(self: Any, bad_args: Any, bad_sig: Any, function_name: Any) -> Any:
    """T0410 naming the argument jsonata-js names: the first one a prefix of the signature
    cannot cover (so ``$abs(1, 2)`` blames argument 2, not 1)."""
    partial = "^"
    good_to = 0
    for param in self._params:
        partial += param.regex
        match = re.match(partial, bad_sig or "")
        if match is None:
            break
        good_to = match.end()
    raise _lib.JException("T0410", -1, good_to + 1, function_name)


# --- JavaScript's number and JSON text ----------------------------------------------------


def js_number_text(value: float | int) -> str:
    """A number as JavaScript's ``String(number)`` writes it (``1e+21``, ``1.5e-7``, ``100``)."""
    if isinstance(value, int) and abs(value) < 10**21:
        return str(value)
    number = float(value)
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    mantissa, _, exponent_text = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # where the decimal point sits, counted from the first significant digit
    point = len(whole) + int(exponent_text or 0) - (len(whole + fraction) - len(digits))
    digits = digits.rstrip("0")
    count = len(digits)
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    exponent = point - 1
    shown = digits[0] + ("." + digits[1:] if count > 1 else "")
    return f"{sign}{shown}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def _js_json(value: Any, indent: str | None, depth: int) -> str:
    """JSON text of an engine value as jsonata-js's ``$string`` writes it."""
    if value is None or value is _lib.Utils.NULL_VALUE:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int) and abs(value) < 2**63:
        return str(value)  # AWS keeps integers that fit a long exact
    if isinstance(value, (int, float)):
        number = to_double(value)
        if not math.isfinite(number):
            raise ValueError("non-finite number")
        if number.is_integer():
            # whole numbers are written in full (below 1e21), not rounded to 15 digits:
            # AWS writes a double holding 2**63 as "9223372036854776000"
            return js_number_text(number)
        # other numbers: Number(value.toPrecision(15)), as jsonata-js's replacer does
        return js_number_text(float(f"{number:.15g}"))
    if isinstance(value, dict):
        items = [(json.dumps(str(key), ensure_ascii=False), item) for key, item in value.items()]
        return _js_container("{", "}", items, indent, depth)
    if isinstance(value, (list, tuple)):
        return _js_container("[", "]", [(None, item) for item in value], indent, depth)
    return '""'  # a function: jsonata-js's replacer writes it as an empty string


def _js_container(
    opening: str,
    closing: str,
    items: Sequence[tuple[str | None, Any]],
    indent: str | None,
    depth: int,
) -> str:
    """An object or array in JSON text, compact or as ``JSON.stringify(v, null, 2)``."""
    if not items:
        return opening + closing
    parts = []
    for key, item in items:
        text = _js_json(item, indent, depth + 1)
        if key is None:
            parts.append(text)
        else:
            parts.append(f"{key}:{' ' if indent else ''}{text}")
    if indent is None:
        return opening + ",".join(parts) + closing
    inner = "\n" + indent * (depth + 1)
    return opening + inner + ("," + inner).join(parts) + "\n" + indent * depth + closing


def js_stringify(value: Any, prettify: bool = False) -> str:
    """``JSON.stringify`` with jsonata-js's ``$string`` replacer (numbers to 15 digits)."""
    return _js_json(value, "  " if prettify else None, 0)


def string_function(value: Any, prettify: Any = None) -> Any:
    """jsonata-js's ``$string``: strings unchanged, everything else as JSON text."""
    if isinstance(value, _lib.Utils.JList) and value.outer_wrapper:
        value = value[0]
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if _is_engine_function(value):
        return ""
    try:
        return js_stringify(value, bool(prettify))
    except ValueError:
        raise _lib.JException("D3001", -1) from None


def _is_engine_function(value: Any) -> bool:
    """Whether an engine value is a function (native, lambda or partial application)."""
    return isinstance(value, (_lib.Jsonata.JFunctionCallable, _lib.Parser.Symbol))


# --- built-ins that raise Python errors where jsonata-js raises coded ones ----------------


#: How long one regular-expression call ($match, $replace, $split, $contains) may run:
#: Python's matcher cannot be interrupted, so a backtracking pattern would block the event
#: loop past every timeout; the ``regex`` module stops at this bound (D1012).
REGEX_TIMEOUT_SECONDS = 0.25

#: The longest string and the largest array a built-in may build.  AWS refuses payloads over
#: 256 KiB, so a value far beyond that can only fail later: refusing it before it is allocated
#: keeps one expression from taking gigabytes.
MAX_VALUE_SIZE = 16 * 1024 * 1024


def size_error(what: str, size: Any) -> Exception:
    """The error for a value that would exceed `MAX_VALUE_SIZE` (D3137, AWS's custom-error code)."""
    return _lib.JException(
        "D3137",
        -1,
        f"The size of the {what} must not exceed {MAX_VALUE_SIZE}. "
        f"Attempted to allocate {js_number_text(to_double(size)) if isinstance(size, (int, float)) else size}.",
    )


class _Wrapped:
    """A built-in whose Python exceptions are turned into jsonata-js's coded errors.

    ``check`` (optional) refuses arguments before the original runs (sizes).
    """

    def __init__(
        self,
        name: str,
        original: Any,
        translate: Callable[[Exception, list[Any]], Any],
        check: Callable[[list[Any]], None] | None = None,
    ):
        self.name = name
        self.original = original
        self.translate = translate
        self.check = check

    def call(self, input: Any, args: Sequence[Any] | None) -> Any:  # noqa: A002 - engine API
        """Call the original; translate what it raises."""
        if self.check is not None:
            self.check(list(args or []))
        try:
            return self.original.call(input, args)
        except (_lib.JException, RecursionError):
            raise
        except Exception as err:  # noqa: BLE001 - every Python error becomes a JSONata one
            raise self.translate(err, list(args or [])) from None


def _generic_error(name: str) -> Callable[[Exception, list[Any]], Exception]:
    """The translation for a built-in without a specific one: no Python text leaks out."""

    def translate(err: Exception, args: list[Any]) -> Exception:
        if isinstance(err, TimeoutError):  # a regular expression ran past its bound
            return _lib.JException("D1012", -1, int(REGEX_TIMEOUT_SECONDS * 1000))
        if isinstance(err, OverflowError):
            return _lib.JException("D1001", -1, math.inf)
        if isinstance(err, MemoryError):
            return size_error(f"result of function {name}", "more than is available")
        return _lib.JException("D3137", -1, f"The arguments of function {name} cannot be evaluated")

    return translate


def _check_pad(args: list[Any]) -> None:
    """``$pad`` allocates ``|width|`` characters: refuse a width beyond `MAX_VALUE_SIZE`."""
    width = args[1] if len(args) > 1 else None
    if isinstance(width, (int, float)) and not isinstance(width, bool):
        if abs(to_double(width)) > MAX_VALUE_SIZE:
            raise size_error("string padded by function pad", abs(width))


def _check_append(args: list[Any]) -> None:
    """``$append`` may double an array per call: refuse a result beyond `MAX_VALUE_SIZE`."""
    total = sum(len(arg) if isinstance(arg, list) else 1 for arg in args[:2])
    if total > MAX_VALUE_SIZE:
        raise size_error("array built by function append", total)


_CHECKS: dict[str, Callable[[list[Any]], None]] = {"pad": _check_pad, "append": _check_append}


def _first(args: list[Any]) -> Any:
    """The first argument (None when absent)."""
    return args[0] if args else None


def _number_error(err: Exception, args: list[Any]) -> Exception:
    return _lib.JException("D3030", -1, _first(args))


def _to_millis_error(err: Exception, args: list[Any]) -> Exception:
    return _lib.JException("D3110", -1, _first(args))


def _power_error(err: Exception, args: list[Any]) -> Exception:
    exponent = args[1] if len(args) > 1 else None
    return _lib.JException("D3061", -1, _first(args), exponent)


def _url_error(name: str) -> Callable[[Exception, list[Any]], Exception]:
    def translate(err: Exception, args: list[Any]) -> Exception:
        return _lib.JException("D3140", -1, name, _first(args))

    return translate


#: jsonata-js codes for the date/time picture errors the port raises as RuntimeError.
_PICTURE_ERRORS = {
    "Formatting or parsing an integer as a sequence": "D3130",
    "In a decimal digit pattern": "D3131",
    "Unknown component specifier": "D3132",
    "The 'name' modifier": "D3133",
    "The timezone integer format": "D3134",
    "No matching closing bracket": "D3135",
    "The date/time picture string is missing": "D3136",
}


def _picture_error(err: Exception, args: list[Any]) -> Exception:
    text = str(err)
    for prefix, code in _PICTURE_ERRORS.items():
        if text.startswith(prefix):
            picture = args[1] if code == "D3130" and len(args) > 1 else None
            return _lib.JException(code, -1, picture)
    if isinstance(err, KeyError):
        return _lib.JException("D3132", -1, str(err.args[0]) if err.args else None)
    if isinstance(err, RuntimeError) and type(err) is RuntimeError:
        return _lib.JException("D3137", -1, text)  # the port's own picture messages
    return _generic_error("date/time")(err, args)


_TRANSLATIONS: dict[str, Callable[[Exception, list[Any]], Exception]] = {
    "number": _number_error,
    "toMillis": _to_millis_error,
    "power": _power_error,
    "decodeUrlComponent": _url_error("decodeUrlComponent"),
    "decodeUrl": _url_error("decodeUrl"),
    "encodeUrlComponent": _url_error("encodeUrlComponent"),
    "encodeUrl": _url_error("encodeUrl"),
    "fromMillis": _picture_error,
    "formatInteger": _picture_error,
    "parseInteger": _picture_error,
    "now": _picture_error,
}


# --- $sort as jsonata-js sorts --------------------------------------------------------------


class _Sort:
    """jsonata-js's ``$sort``: a stable merge sort that swaps two items only when the
    comparator returns a truthy value (the port's comparator adapter breaks ties)."""

    def call(self, input: Any, args: Sequence[Any] | None) -> Any:  # noqa: A002 - engine API
        """``$sort(array[, comparator])``."""
        values = list(args or [])
        array = values[0] if values else None
        comparator = values[1] if len(values) > 1 else None
        if array is None:
            return None
        if not isinstance(array, list) or len(array) <= 1:
            return array
        if comparator is None:
            utils = _lib.Utils
            if not (utils.is_array_of_numbers(array) or utils.is_array_of_strings(array)):
                raise _lib.JException("D3070", -1)

            def swap(left: Any, right: Any) -> bool:
                return bool(left > right)

        else:

            def swap(left: Any, right: Any) -> bool:
                return _truthy(_lib.Functions.func_apply(comparator, [left, right]))

        return _merge_sort(list(array), swap)


def _truthy(value: Any) -> bool:
    """JavaScript truthiness of a comparator's result."""
    if value is None or value is _lib.Utils.NULL_VALUE:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, (list, dict)):
        return True
    return bool(value)


def _merge_sort(items: list[Any], swap: Callable[[Any, Any], bool]) -> list[Any]:
    """Top-down merge sort taking the right item first only when ``swap(left, right)``."""
    if len(items) <= 1:
        return items
    middle = len(items) // 2
    left = _merge_sort(items[:middle], swap)
    right = _merge_sort(items[middle:], swap)
    merged: list[Any] = []
    i = j = 0
    while i < len(left) and j < len(right):
        if swap(left[i], right[j]):
            merged.append(right[j])
            j += 1
        else:
            merged.append(left[i])
            i += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


def wrapped_builtins(lib: Any) -> dict[str, Any]:
    """Engine function objects to bind over the port's built-ins of the same name.

    Every built-in is wrapped so that a Python exception becomes a coded JSONata error.
    """
    wrapped: dict[str, Any] = {}
    original_sort = lib.Jsonata.static_frame.lookup("sort")
    sort = lib.Jsonata.JFunction(_Sort(), None)
    sort.signature = original_sort.signature
    wrapped["sort"] = sort
    for name in sorted(lib.Jsonata.static_frame.bindings):
        if name in wrapped or name == "eval":
            continue
        original = lib.Jsonata.static_frame.lookup(name)
        if original is None or getattr(original, "signature", None) is None:
            continue
        translate = _TRANSLATIONS.get(name) or _generic_error(name)
        function = lib.Jsonata.JFunction(
            _Wrapped(name, original, translate, _CHECKS.get(name)), None
        )
        function.signature = original.signature
        wrapped[name] = function
    return wrapped


def wrap_call(name: str, function: Any) -> Any:
    """Wrap one of our own engine functions with the translation for ``name``, if any."""
    translate = _TRANSLATIONS.get(name) or _generic_error(name)
    wrapped = _lib.Jsonata.JFunction(_Wrapped(name, function, translate), None)
    wrapped.signature = function.signature
    return wrapped


# --- error messages ----------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{\{(\w+)\}\}\}|\{\{(\w+)\}\}")

#: jsonata-js wording where the port's catalogue differs beyond "Object" for "function".
_JS_TEMPLATES = {
    "T0412": "Argument {{index}} of function {{token}} must be an array of {{type}}",
    "D3050": "The second argument of reduce function must be a function with at least two arguments",
    "D3130": "Formatting or parsing an integer as a sequence starting with {{value}} is not supported by this implementation",
}

#: Messages the port raises as the "code" itself, with the jsonata-js code they have.
_MESSAGE_CODES = {
    "Second argument of replace function cannot be an empty string": "D3010",
    "Fourth argument of replace function must evaluate to a positive number": "D3011",
}

#: How jsonata-js names the element type a signature asks an array for.
_ARRAY_TYPES = {
    "a": "arrays",
    "b": "booleans",
    "f": "functions",
    "n": "numbers",
    "o": "objects",
    "s": "strings",
}


def _js_text(value: Any) -> str:
    """``JSON.stringify`` of a value, as jsonata-js inserts ``{{value}}`` into messages."""
    if value is None:
        return "undefined"
    if value is _lib.Utils.NULL_VALUE:
        return "null"
    if isinstance(value, float) and not math.isfinite(value):
        return "null"
    try:
        return js_stringify(value)
    except ValueError:
        return "null"


def _raw_text(value: Any) -> str:
    """A value inserted raw (``{{{token}}}``), as JavaScript's string conversion writes it."""
    if value is None:
        return "undefined"
    return str(value)


def error_code(err: Any) -> str | None:
    """The jsonata-js code of an engine exception (None when it has none)."""
    code = getattr(err, "error", None)
    if code in _MESSAGE_CODES:
        return _MESSAGE_CODES[code]
    if isinstance(code, str) and re.fullmatch(r"[STD]\d{4}", code):
        return code
    return None


def message_for(err: Any) -> str:
    """The jsonata-js message for an engine exception (without the ``CODE: `` prefix)."""
    try:
        return _message_for(err)
    except Exception:  # noqa: BLE001 - a value the template cannot show: say what failed
        return "The expression could not be evaluated"


def _message_for(err: Any) -> str:
    raw_code = getattr(err, "error", None)
    code = error_code(err)
    template = _JS_TEMPLATES.get(code) if code else None
    if template is None and code:
        template = _lib.JException.error_codes.get(code)
        if template is not None:
            template = template.replace("Object", "function")
    if template is None:
        return raw_code if isinstance(raw_code, str) and raw_code != code else str(err)
    if template == "{{{message}}}":
        return _raw_text(err.current)
    return _PLACEHOLDER.sub(_filler(code, err), template)


def _filler(code: str | None, err: Any) -> Callable[[re.Match[str]], str]:
    """The function filling a template's placeholders, in order, from the exception."""
    values = [err.current, err.expected, err.extra]
    if code == "T0412":
        # the port passes the signature's element type ("n"); "?" stands for none
        values[2] = _ARRAY_TYPES.get(str(err.extra)[:1])
    elif code == "D1002":
        values = [err.expected]  # the port passes (operator, value)
    elif code == "D3100":
        values = [err.location]  # the port passes the radix as the position
    position = iter(values)

    def fill(match: re.Match[str]) -> str:
        value = next(position, None)
        return _raw_text(value) if match.group(1) else _js_text(value)

    return fill
