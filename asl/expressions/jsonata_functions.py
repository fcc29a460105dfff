"""The functions Step Functions adds to JSONata, bound on every compiled expression.

Step Functions binds ``$partition``, ``$range``, ``$hash``, ``$random`` (with an optional
seed, drawn from ``java.util.Random``), ``$uuid`` and ``$parse`` on every expression and
removes ``$eval`` (calling it fails with ``T1006``).  Behaviour at the edges (argument
rounding toward zero, undefined results, error texts) follows what AWS was measured doing
(floci-io/floci issues #2662, #2737 and their fixes).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from asl.expressions import jsonata_compat, strict_json
from asl.java import JavaRandom
from asl.loading import MAX_DEPTH

# the evaluation running on this thread: its ``$now()``/``$millis()`` time (set by
# asl.expressions.jsonata_runtime around each evaluation)
EVALUATION = threading.local()


#: The evaluation's time for ``$now()``/``$millis()``, in epoch milliseconds: a number, a
#: function giving it (called when first needed: most expressions never read the time),
#: or None for the current time.
Millis = int | Callable[[], int] | None


def current_millis() -> int:
    """The ``$now()``/``$millis()`` time of the evaluation running on this thread (the same
    for every call within one evaluation)."""
    value = getattr(EVALUATION, "now_millis", None)
    if value is None:
        return int(time.time() * 1000)
    if callable(value):
        value = EVALUATION.now_millis = value()
    return int(value)


#: Digest algorithms ``$hash`` accepts (names as AWS spells them).
HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}

# --- the engine plumbing -----------------------------------------------------------------

_lib: Any = None
_bindings: dict[str, Any] = {}


class _AwsFunction:
    """Adapter giving a Python function the engine's ``call(input, args)`` interface."""

    def __init__(self, implementation: Callable[[list[Any]], Any]):
        self.implementation = implementation

    def call(self, input: Any, args: Sequence[Any] | None) -> Any:  # noqa: A002 - engine API
        """Run the function with the evaluated arguments (JSONata undefined is None)."""
        try:
            return self.implementation(list(args or []))
        except (_lib.JException, RecursionError):
            raise
        except OverflowError:
            raise _lib.JException("D1001", -1, math.inf) from None
        except Exception:  # noqa: BLE001 - no Python text may reach a cause
            raise _custom_error("The arguments of the function cannot be evaluated") from None


def prepare(lib: Any) -> None:
    """Build the engine objects for the Step Functions functions (once per process)."""
    global _lib
    if _lib is not None:
        return
    jsonata_compat.patch_engine(lib)
    _lib = lib
    # One optional slot more than each function takes, so a surplus argument reaches the
    # function and fails with AWS's message rather than the engine's.
    specs: dict[str, tuple[Callable[[list[Any]], Any], str]] = {
        "partition": (_partition, "<x?x?x?:x>"),
        "range": (_range, "<x?x?x?x?:x>"),
        "hash": (_hash, "<x?x?x?:x>"),
        "random": (_random_number, "<x?x?:n>"),
        "uuid": (_uuid_string, "<x?:s>"),
        "parse": (_parse, "<x?x?:x>"),
        "now": (_now, "<s?s?:s>"),
        "millis": (_millis, "<:n>"),
    }
    for name, (implementation, signature) in specs.items():
        function = lib.Jsonata.JFunction(_AwsFunction(implementation), signature)
        function.signature.set_function_name(name)
        _bindings[name] = function
    _bindings["now"] = jsonata_compat.wrap_call("now", _bindings["now"])
    string = lib.Jsonata.JFunction(_AwsFunction(_string_call), "<x-b?:s>")
    string.signature.set_function_name("string")
    _bindings["string"] = string
    for name, function in jsonata_compat.wrapped_builtins(lib).items():
        _bindings.setdefault(name, function)
    # AWS disables $eval: an unbound name called as a function is JSONata's own T1006.
    _bindings["eval"] = None


def bind_all(engine: Any) -> None:
    """Bind the Step Functions functions in a compiled expression's environment."""
    environment = engine.environment
    for name, function in _bindings.items():
        environment.bindings[name] = function


def builtin_function_names() -> frozenset[str]:
    """Names of every function an expression can call without defining it."""
    names = set(_JSONATA_FUNCTIONS)
    names.update(("partition", "range", "hash", "random", "uuid", "parse"))
    return frozenset(names)


#: The functions of JSONata 2.0 (AWS removes ``eval``).
_JSONATA_FUNCTIONS = (
    "sum count max min average string substring substringBefore substringAfter lowercase "
    "uppercase length trim pad match contains replace split join formatNumber formatBase "
    "formatInteger parseInteger number floor ceil round abs sqrt power random boolean not "
    "map zip filter single reduce sift keys lookup append exists spread merge reverse each "
    "error assert type sort shuffle distinct base64encode base64decode encodeUrlComponent "
    "encodeUrl decodeUrlComponent decodeUrl toMillis fromMillis clone now millis"
).split()


def _error(code: str, *values: Any) -> Exception:
    """An engine exception with a code and the values its message template takes."""
    return _lib.JException(code, -1, *values)


def _custom_error(message: str) -> Exception:
    """An engine exception carrying a whole message (code D3137, as AWS reports them)."""
    return _lib.JException("D3137", -1, message)


def _signature_error(function: str, index: int) -> Exception:
    """JSONata's T0410 for argument ``index`` (1-based) of ``function``."""
    return _error("T0410", index, function)


def _argument(args: list[Any], index: int) -> Any:
    """The argument at ``index``, None (undefined) when absent; JSON null becomes None too."""
    if index >= len(args):
        return None
    value = args[index]
    return None if value is _lib.Utils.NULL_VALUE else value


def _reject_surplus(args: list[Any], function: str, first_surplus: int) -> None:
    """Fail as AWS does when a call passes more arguments than the function takes."""
    if len(args) > first_surplus and args[first_surplus] is not None:
        raise _signature_error(function, first_surplus + 1)


def _integer(value: Any, function: str, index: int) -> int:
    """An integer parameter: non-integers are truncated toward zero, as AWS does."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _signature_error(function, index)
    if isinstance(value, float) and not math.isfinite(value):
        raise _signature_error(function, index)
    return int(value)


def _sequence(values: list[Any]) -> Any:
    """A JSONata sequence, so that a one-item result collapses to the item (as on AWS)."""
    sequence = _lib.Utils.create_sequence()
    sequence.extend(values)
    return sequence


# --- the functions -----------------------------------------------------------------------


def _partition(args: list[Any]) -> Any:
    """``$partition(array, size)``: chunks of ``size`` items, the last one shorter."""
    _reject_surplus(args, "partition", 2)
    array = _argument(args, 0)
    if array is None:
        return None
    if not isinstance(array, list):
        raise _error("T0412", 1, "partition", "?")  # jsonata-js: "an array of undefined"
    if not array:
        return None
    size_argument = _argument(args, 1)
    if size_argument is None:
        return [list(array)]
    size = _integer(size_argument, "partition", 2)
    if size < 0:
        raise _custom_error("Second argument must be zero or greater")
    if size == 0:
        return None
    return [list(array[start : start + size]) for start in range(0, len(array), size)]


def _range(args: list[Any]) -> Any:
    """``$range(start, end, step)``: start, start+step, ... up to end (included when hit)."""
    _reject_surplus(args, "range", 3)
    start = _integer(_argument(args, 0), "range", 1)
    end = _integer(_argument(args, 1), "range", 2)
    step_argument = _argument(args, 2)
    if step_argument is None:
        return None
    step = _integer(step_argument, "range", 3)
    if step == 0 or (step > 0 and start > end) or (step < 0 and start < end):
        return None
    size = (end - start) // step + 1
    if size > jsonata_compat.MAX_VALUE_SIZE:
        raise jsonata_compat.size_error("sequence allocated by function range", size)
    return _sequence(list(range(start, end + (1 if step > 0 else -1), step)))


def _hash(args: list[Any]) -> Any:
    """``$hash(value, algorithm)``: the hex digest of a string's UTF-8 bytes."""
    _reject_surplus(args, "hash", 2)
    value = _argument(args, 0)
    if not isinstance(value, str):
        raise _signature_error("hash", 1)
    algorithm = _argument(args, 1)
    if algorithm is None:
        return None
    if not isinstance(algorithm, str):
        raise _signature_error("hash", 2)
    name = HASH_ALGORITHMS.get(algorithm)
    if name is None:
        raise _custom_error(
            f"Hash algorithm '{algorithm}' must be one of SHA-1, SHA-384, SHA-256, SHA-512, MD5"
        )
    import hashlib  # imported when first used: validation never needs it

    return hashlib.new(name, value.encode("utf-8")).hexdigest()


def _random_number(args: list[Any]) -> float:
    """``$random([seed])``: a number in [0, 1); seeded as ``new java.util.Random(seed)``."""
    _reject_surplus(args, "random", 1)
    seed = _argument(args, 0)
    if seed is None:
        import random

        return random.random()
    return JavaRandom(_integer(seed, "random", 1)).next_double()


def _uuid_string(args: list[Any]) -> str:
    """``$uuid()``: a random version 4 UUID."""
    _reject_surplus(args, "uuid", 0)
    import uuid

    return str(uuid.uuid4())


def _parse(args: list[Any]) -> Any:
    """``$parse(text)``: the JSON value a string holds (what ``$eval`` did, safely)."""
    _reject_surplus(args, "parse", 1)
    text = _argument(args, 0)
    if text is None:
        return None
    if not isinstance(text, str):
        raise _signature_error("parse", 1)
    try:
        value = strict_json(text, MAX_DEPTH, object_pairs_hook=_unique_keys)
    except ValueError:
        raise _custom_error("Invalid JSON") from None
    return _to_engine(value)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object from its members, refusing a repeated key as AWS's parser does."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _to_engine(value: Any) -> Any:
    """A parsed JSON value as the engine holds it: a top-level null is JSONata null."""
    return _lib.Utils.NULL_VALUE if value is None else value


def _now(args: list[Any]) -> Any:
    """``$now([picture[, timezone]])`` at the evaluation's time (see ``now_millis``)."""

    picture = _argument(args, 0)
    timezone = _argument(args, 1)
    return _lib.Functions.datetime_from_millis(current_millis(), picture, timezone)


def _millis(args: list[Any]) -> int:
    """``$millis()`` at the evaluation's time."""

    return current_millis()


def _string_call(args: list[Any]) -> Any:
    """``$string(value[, prettify])`` written as jsonata-js writes it."""
    value = args[0] if args else None
    prettify = args[1] if len(args) > 1 else None
    return jsonata_compat.string_function(value, prettify)
