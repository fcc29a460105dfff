"""The bridge to the ``jsonata-python`` engine: compile, evaluate, convert values.

Everything that touches the third-party ``jsonata`` package lives here, imported on first
use so that ``import asl`` stays fast for definitions without JSONata.  The public
classes and error texts are in `asl.expressions.jsonata`.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Mapping
from typing import Any

from asl.expressions import jsonata_functions


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
    """A parsed expression: the engine object and its syntax tree."""

    __slots__ = ("engine", "ast")

    def __init__(self, engine: Any):
        self.engine = engine
        self.ast = engine.ast


_lib: Any = None
_evaluation = threading.local()


def _library() -> Any:
    """The ``jsonata`` package, imported (and prepared) on first use."""
    global _lib
    if _lib is None:
        import jsonata  # noqa: PLC0415 - heavy optional import, deferred on purpose

        jsonata_functions.prepare(jsonata)
        _lib = jsonata
    return _lib


def compile_source(source: str) -> Compiled:
    """Parse an expression (without ``{% %}``) and bind the Step Functions functions."""
    lib = _library()
    try:
        engine = lib.Jsonata(source)
    except lib.JException as err:
        code = err.error
        raise CompileError(code, jsonata_functions.message_for(err), err.location) from None
    except (ValueError, TypeError, IndexError, AttributeError, KeyError):
        # The port fails with a Python error on some inputs jsonata-js reports as the end.
        raise CompileError("S0207", "Unexpected end of expression", len(source)) from None
    except RecursionError:
        raise CompileError(None, "The expression is nested too deeply", None) from None
    engine.set_output_convert_nulls(False)
    # Inputs come from JSON already; the engine's own check walks the whole input each time.
    engine.set_validate_input(False)
    jsonata_functions.bind_all(engine)
    return Compiled(engine)


def current_millis() -> int:
    """The ``$now()``/``$millis()`` time of the evaluation running on this thread."""
    value = getattr(_evaluation, "now_millis", None)
    if value is None:
        return int(time.time() * 1000)
    return int(value)


def evaluate(
    compiled: Compiled,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    now_millis: int | None,
) -> Any:
    """Evaluate with ``$states`` and the variables bound; returns a plain JSON value."""
    lib = _library()
    null = lib.Utils.NULL_VALUE
    bindings = {name: null if value is None else value for name, value in variables.items()}
    bindings["states"] = states
    _evaluation.now_millis = now_millis if now_millis is not None else int(time.time() * 1000)
    try:
        raw = compiled.engine.evaluate(None, bindings)
    except lib.JException as err:
        raise EvaluationFailure(err.error, jsonata_functions.message_for(err)) from None
    except RecursionError:
        raise EvaluationFailure(
            "D1011",
            "Stack overflow. Check for non-terminating recursive function.  "
            "Consider rewriting as tail-recursive",
        ) from None
    except ZeroDivisionError:
        # jsonata-js divides to Infinity, then rejects the non-finite number.
        raise EvaluationFailure("D1001", "Number out of range: null") from None
    except (OverflowError, ValueError, TypeError, KeyError, IndexError, AttributeError) as err:
        raise EvaluationFailure(None, str(err) or type(err).__name__) from None
    finally:
        _evaluation.now_millis = None
    if raw is None:
        raise UndefinedResult
    return to_json(raw, null)


def to_json(value: Any, null: Any) -> Any:
    """A plain JSON copy of an engine value; whole floats become ints, as in JSON from JS.

    Raises `FunctionResult` if a function (or any non-JSON value) sits anywhere in it.
    """
    if value is null:
        return None
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        # Engine-built objects never hold undefined members, so None here is JSON null.
        return {key: to_json(item, null) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item, null) for item in value]
    raise FunctionResult


def _number(value: float) -> int | float:
    """A float as JSON from JavaScript would carry it: integral values without ``.0``."""
    if math.isfinite(value) and value.is_integer() and abs(value) < 2**63:
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
