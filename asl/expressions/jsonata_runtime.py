"""The bridge to the ``jsonata-python`` engine: compile, evaluate, convert values.

Everything that touches the third-party ``jsonata`` package lives here, imported on first
use so that ``import asl`` stays fast for definitions without JSONata.  The public
classes and error texts are in `asl.expressions.jsonata`.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from asl.expressions import jsonata_compat, jsonata_direct, jsonata_functions
from asl.expressions.jsonata_functions import EVALUATION as _evaluation
from asl.expressions.jsonata_functions import Millis


class CompileError(Exception):
    """The engine could not parse an expression."""

    def __init__(self, code: str | None, message: str, position: int | None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position


class EvaluationFailure(Exception):
    """The engine raised an error while evaluating (``code`` like ``T1006``)."""

    def __init__(self, code: str | None, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class UndefinedResult(Exception):
    """The expression produced JSONata ``undefined``."""


class FunctionResult(Exception):
    """The expression produced a function, which JSON cannot hold."""


class Compiled:
    """A parsed expression: the engine object, its syntax tree and, for the simplest
    expressions, a direct evaluator (see `asl.expressions.jsonata_direct`)."""

    __slots__ = ("engine", "ast", "_direct")

    def __init__(self, engine: Any):
        self.engine = engine
        self.ast = engine.ast
        self._direct: Any = _NOT_YET

    @property
    def direct(self) -> jsonata_direct.Direct | None:
        """The direct evaluator (None: the engine evaluates), built on first use: validating
        a definition compiles its expressions but never evaluates them."""
        direct = self._direct
        if direct is _NOT_YET:
            direct = self._direct = jsonata_direct.compile_direct(self.ast)
        return direct  # type: ignore[no-any-return]

    @direct.setter
    def direct(self, value: jsonata_direct.Direct | None) -> None:
        self._direct = value


_NOT_YET = object()


#: How deep an evaluation may nest: AWS refuses depth 101, counted the way this engine
#: counts (one level per evaluation step entered and not yet left).
MAX_DEPTH = 100
#: How long one evaluation may run before it fails (AWS bounds evaluation too).
TIMEOUT_SECONDS = 10.0

_lib: Any = None


class _Guard:
    """Per-evaluation bounds on nesting depth and running time (engine step callbacks)."""

    __slots__ = ("depth", "steps", "deadline")

    def __init__(self) -> None:
        self.depth = 0
        self.steps = 0
        self.deadline = time.monotonic() + TIMEOUT_SECONDS

    def enter(self, expr: Any, input: Any, environment: Any) -> None:  # noqa: A002
        """Called by the engine before each step."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _lib.JException("D1011", -1)
        self.steps += 1
        if not self.steps & 0x3FF and time.monotonic() > self.deadline:
            raise _lib.JException("D1012", -1, int(TIMEOUT_SECONDS * 1000))

    def leave(self, expr: Any, input: Any, environment: Any, result: Any) -> None:  # noqa: A002
        """Called by the engine after each step."""
        self.depth -= 1


def _library() -> Any:
    """The ``jsonata`` package, imported (and prepared) on first use."""
    global _lib, _frame_class
    if _lib is None:
        limit = sys.getrecursionlimit()
        import jsonata  # noqa: PLC0415 - heavy optional import, deferred on purpose

        # its import raises the process's recursion limit for good: asl raises it only
        # while the engine works (`_EngineDepth`)
        sys.setrecursionlimit(limit)
        jsonata_functions.prepare(jsonata)
        _frame_class = _variables_frame(jsonata)
        _lib = jsonata
    return _lib


_frame_class: Any = None


class _EngineDepth:
    """While the engine parses or evaluates (on any thread), the recursion limit is at
    least ENGINE_RECURSION_LIMIT, as deep as jsonata-python means its recursive evaluator
    to go; the process's own limit is back once no evaluation runs."""

    __slots__ = ()
    _lock = threading.Lock()
    _users = 0
    _saved = 0

    def __enter__(self) -> None:
        cls = _EngineDepth
        with cls._lock:
            if cls._users == 0:
                cls._saved = sys.getrecursionlimit()
                if cls._saved < ENGINE_RECURSION_LIMIT:
                    sys.setrecursionlimit(ENGINE_RECURSION_LIMIT)
            cls._users += 1

    def __exit__(self, *exc: object) -> None:
        cls = _EngineDepth
        with cls._lock:
            cls._users -= 1
            if cls._users == 0:
                sys.setrecursionlimit(cls._saved)


ENGINE_RECURSION_LIMIT = 10_000
_engine_depth = _EngineDepth()


def _variables_frame(lib: Any) -> Any:
    """The engine frame class that reads the workflow variables from their mapping."""
    null = lib.Utils.NULL_VALUE
    missing = lib.Utils.NONE
    base = lib.Jsonata.Frame

    class VariablesFrame(base):  # type: ignore[misc, valid-type]
        """An evaluation's frame: its own bindings, then the variables, then the functions."""

        def __init__(self, parent: Any, variables: Mapping[str, Any]):
            base.__init__(self, parent)
            self.variables = variables

        def lookup(self, name: str) -> Any:
            value = self.bindings.get(name, missing)
            if value is not missing:
                return value
            value = self.variables.get(name, missing)
            if value is not missing:
                return null if value is None else value
            return self.parent.lookup(name)

    return VariablesFrame


def compile_source(source: str) -> Compiled:
    """Parse an expression (without ``{% %}``) and bind the Step Functions functions."""
    engine = _parse(source)
    engine.set_output_convert_nulls(False)
    # Inputs come from JSON already; the engine's own check walks the whole input each time.
    engine.set_validate_input(False)
    jsonata_functions.bind_all(engine)
    return Compiled(engine)


def _parse(source: str) -> Any:
    """The engine's parse of ``source``; raises `CompileError` with jsonata-js's message."""
    lib = _library()
    # The port's tokenizer reads past the end after a trailing comment; a newline avoids it.
    for text in (source, source + "\n"):
        try:
            with _engine_depth:
                return lib.Jsonata(text, _regex_engine)
        except lib.JException as err:
            raise CompileError(
                jsonata_compat.error_code(err), jsonata_compat.message_for(err), err.location
            ) from None
        except RecursionError:
            raise CompileError(None, "The expression is nested too deeply", None) from None
        except Exception:  # noqa: BLE001 - the port's own failure; retried once, then reported
            continue
    raise CompileError("S0207", "Unexpected end of expression", len(source))


class _BoundedPattern:
    """A ``regex`` pattern whose searches stop after ``jsonata_compat.REGEX_TIMEOUT_SECONDS``."""

    __slots__ = ("compiled",)

    def __init__(self, compiled: Any):
        self.compiled = compiled

    def search(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled.search(*args, timeout=jsonata_compat.REGEX_TIMEOUT_SECONDS, **kwargs)

    def match(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled.match(*args, timeout=jsonata_compat.REGEX_TIMEOUT_SECONDS, **kwargs)

    def fullmatch(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled.fullmatch(
            *args, timeout=jsonata_compat.REGEX_TIMEOUT_SECONDS, **kwargs
        )

    def finditer(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled.finditer(*args, timeout=jsonata_compat.REGEX_TIMEOUT_SECONDS, **kwargs)

    def sub(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled.sub(*args, timeout=jsonata_compat.REGEX_TIMEOUT_SECONDS, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiled.split(*args, timeout=jsonata_compat.REGEX_TIMEOUT_SECONDS, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled, name)  # pattern, flags, groups ...


def _regex_engine(pattern: str, flags: Any) -> _BoundedPattern:
    """The engine's regex literals, compiled by ``regex`` (interruptible) instead of ``re``."""
    import regex  # noqa: PLC0415 - only expressions with regex literals need it

    options = 0
    if flags.case_insensitive:
        options |= regex.IGNORECASE
    if flags.multiline:
        options |= regex.MULTILINE
    return _BoundedPattern(regex.compile(pattern, options))


def _regex_timeout() -> EvaluationFailure:
    milliseconds = int(jsonata_compat.REGEX_TIMEOUT_SECONDS * 1000)
    return EvaluationFailure(
        "D1012", f"Evaluation timeout after {milliseconds} milliseconds. Check for infinite loop"
    )


def _wall_millis() -> int:
    return int(time.time() * 1000)


def evaluate(
    compiled: Compiled,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    now_millis: Millis,
) -> Any:
    """Evaluate with ``$states`` and the variables bound; returns a plain JSON value."""
    lib = _library()
    direct = compiled.direct
    if direct is not None:
        try:
            return to_json(direct(states, variables), None)
        except jsonata_direct.Fallback:
            pass  # outside the plain cases: the engine decides
    null = lib.Utils.NULL_VALUE
    engine = compiled.engine
    # What Jsonata.evaluate(None, bindings) does, with the variables looked up when read
    # instead of copied into the frame: a Map iteration sees every enclosing scope's.
    frame = _frame_class(engine.environment, variables)
    bindings = frame.bindings
    # The engine navigates plain dicts only.
    bindings["states"] = states if type(states) is dict else dict(states)
    guard = _Guard()
    bindings["__evaluate_entry"] = guard.enter
    bindings["__evaluate_exit"] = guard.leave
    bindings["$"] = None
    # read by $now()/$millis(), a function called on the first read (then kept)
    _evaluation.now_millis = now_millis if now_millis is not None else _wall_millis
    try:
        if engine.errors is not None:
            raise lib.JException("S0500", 0)
        with _engine_depth:
            raw = engine.eval(engine.ast, None, frame)
    except lib.JException as err:
        raise EvaluationFailure(
            jsonata_compat.error_code(err), jsonata_compat.message_for(err)
        ) from None
    except RecursionError:
        raise EvaluationFailure(
            "D1011",
            "Stack overflow. Check for non-terminating recursive function.  "
            "Consider rewriting as tail-recursive",
        ) from None
    except TimeoutError:
        raise _regex_timeout() from None
    except MemoryError:
        raise EvaluationFailure(
            None, "The expression needs more memory than is available"
        ) from None
    except OverflowError:
        raise EvaluationFailure("D1001", "Number out of range: null") from None
    except Exception:  # noqa: BLE001 - the port raises plain Python errors at times
        # Its texts name Python types ("'NullValue' object has no attribute ..."): not shown.
        raise EvaluationFailure(None, "The expression could not be evaluated") from None
    finally:
        _evaluation.now_millis = None
    if raw is None:
        raise UndefinedResult
    return to_json(raw, null)


def to_json(value: Any, null: Any) -> Any:
    """A plain JSON copy of an engine value; whole floats become ints, as in JSON from JS.

    Raises `FunctionResult` if a function (or any non-JSON value) sits anywhere in it.
    """
    kind = type(value)
    if kind is dict:
        # Engine-built objects never hold undefined members, so None here is JSON null.
        return {key: to_json(item, null) for key, item in value.items()}
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return _number(value)
    if isinstance(value, (list, tuple)):
        return [to_json(item, null) for item in value]
    if value is null:
        return None
    if isinstance(value, dict):
        return {key: to_json(item, null) for key, item in value.items()}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _number(float(value))
    if isinstance(value, str):
        return str(value)
    raise FunctionResult


def _number(value: float) -> int | float | str:
    """A float as AWS returns it: integral values without ``.0``, non-finite ones named.

    JSON has no Infinity or NaN; AWS writes them as the strings JavaScript names them by.
    """
    if not math.isfinite(value):
        if math.isnan(value):
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def to_json_text(value: Any) -> str:
    """Compact JSON text of a value, as AWS prints values in causes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
