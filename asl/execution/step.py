"""One visit of one state (`Step`), and how its fields are evaluated.

A `Step` records the StateEntered event, gives the Context object (``$$``) and the
JSONata ``$states`` binding, names data-flow failures as AWS does (the state and the
event that entered it) and records StateExited.  `expr_value` evaluates a field that
holds a constant, a path, an intrinsic call or a JSONata expression; `number_value` does
the same for the numeric fields (MaxConcurrency, TimeoutSeconds, ...) with AWS's checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from asl import ast
from asl.errors import StatesError
from asl.expressions.paths import PathNotFound
from asl.expressions.templates import compact_json, resolve

if TYPE_CHECKING:
    from asl.execution.runner import Frame
    from asl.expressions.jsonata_functions import Millis

Result = tuple[str | None, Any]

QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"

_NO_DETAILS = {"truncated": False}
_EMPTY: dict = {}


class QueryEvaluationFailure(StatesError):
    """A JSONata evaluation failed; ``location`` is the field AWS names in its event."""

    def __init__(self, cause: str, location: str):
        super().__init__(QUERY_EVALUATION_ERROR, cause)
        self.location = location


def compact(value: Any) -> str:
    """Compact JSON text, Unicode kept (as AWS writes payloads and quotes values)."""
    return compact_json(value)


def evaluate_jsonata(
    template: Any,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    field: str,
    now_millis: Millis = None,
) -> Any:
    """Evaluate a JSONata template or expression; failures become QueryEvaluationFailure.

    ``now_millis`` is the execution clock's time, so ``$now()`` follows a virtual clock.
    """
    j = _jsonata or _load_jsonata()
    try:
        if isinstance(template, j.JsonataExpression):
            return template.evaluate_field(states, variables, field=field, now_millis=now_millis)
        return template.evaluate(states, variables, field=field, now_millis=now_millis)
    except j.JsonataFieldError as e:
        raise QueryEvaluationFailure(e.cause(), e.location) from None


_jsonata: Any = None  # asl.expressions.jsonata, imported on the first JSONata evaluation


def _load_jsonata() -> Any:
    global _jsonata
    from asl.expressions import jsonata

    _jsonata = jsonata
    return jsonata


class _Evaluating:
    __slots__ = ("step",)

    def __init__(self, step: Step):
        self.step = step

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, tb: Any) -> None:
        if isinstance(error, StatesError):
            renamed = self.step._renamed(error)
            if renamed is not None:
                raise renamed from None


class Step:
    """One visit of one state."""

    __slots__ = (
        "state",
        "input",
        "frame",
        "jsonata",
        "entered_id",
        "entered",
        "retry_count",
        "task_token",
        "_ctx",
    )

    def __init__(self, state: ast.State, raw_input: Any, frame: Frame):
        self.state = state
        self.input = raw_input
        self.frame = frame
        self.jsonata = state.query_language == "JSONata"
        # POSIX seconds: the StateEntered event's time, and the Context's EnteredTime
        self.entered = frame.runner.clock.timestamp()
        self.entered_id = frame.emit(
            state.type + "StateEntered",
            {"name": state.name, "input": raw_input, "inputDetails": _NO_DETAILS},
            self.entered,
        )
        self.retry_count: int | None = 0 if state.type == "Task" else None
        self.task_token: str | None = None
        self._ctx: dict | None = None

    @property
    def context(self) -> dict:
        if self._ctx is None:
            self._ctx = self.frame.runner.context(
                self.state.name, self.entered, self.retry_count, self.task_token
            )
        return self._ctx

    @property
    def now_millis(self) -> Callable[[], int]:
        """The execution clock's time, for JSONata's $now() and $millis(): a function,
        called only by an evaluation that reads the time."""
        clock = self.frame.runner.clock
        return lambda: int(clock.now().timestamp() * 1000)

    @property
    def ctx(self) -> dict:
        """The Context object for evaluating fields (empty when no field can read it)."""
        return self.context if self.state.uses_context else _EMPTY

    @property
    def variables(self) -> Any:
        return self.frame.variables

    def states_binding(self, **extra: Any) -> dict[str, Any]:
        """The JSONata ``$states`` variable."""
        binding = {"input": self.input, "context": self.ctx}
        binding.update(extra)
        return binding

    def prefix(self, cause: str | None) -> str:
        return (
            f"An error occurred while executing the state '{self.state.name}' "
            f"(entered at the event id #{self.entered_id}). {cause or ''}"
        )

    def evaluating(self) -> _Evaluating:
        """A context naming data-flow failures as AWS does: the state and the event that
        entered it (a class, not a generator: it runs several times per state).  The
        per-state JSONPath steps use ``except StatesError: raise step.named(e)`` instead,
        which costs nothing when nothing fails."""
        return _Evaluating(self)

    def named(self, e: StatesError) -> StatesError:
        """``e`` as AWS reports a data-flow failure of this state (see `evaluating`)."""
        return self._renamed(e) or e

    def _renamed(self, e: StatesError) -> StatesError | None:
        if isinstance(e, QueryEvaluationFailure):
            if getattr(e, "prefixed", False):
                return None
            cause = self.prefix(e.cause)
            self.frame.emit(
                "EvaluationFailed",
                {
                    "error": e.error,
                    "cause": cause,
                    "location": e.location,
                    "state": self.state.name,
                },
            )
            err: StatesError = QueryEvaluationFailure(cause, e.location)
        else:
            if getattr(e, "prefixed", False) or e.error not in _PREFIXED:
                return None
            err = StatesError(e.error, self.prefix(e.cause))
        err.prefixed = True  # type: ignore[attr-defined]
        return err

    def exit(self, next_name: str | None, output: Any, assigned: dict | None = None) -> Result:
        state = self.state
        frame = self.frame
        if state.type in _NEW_DATA and frame.runner.sizes.exceeds(output):
            raise StatesError(
                "States.DataLimitExceeded",
                f"The state/task '{state.name}' returned a result with a size exceeding "
                "the maximum number of bytes service limit.",
            )
        details = {"name": state.name, "output": output, "outputDetails": _NO_DETAILS}
        if assigned:
            details["assignedVariables"] = assigned
            details["assignedVariablesDetails"] = _NO_DETAILS
        frame.emit(state.type + "StateExited", details)
        return next_name, output


# state types whose output can be larger than their input
_NEW_DATA = frozenset({"Pass", "Map", "Parallel", "Task"})


_PREFIXED = frozenset({"States.Runtime", "States.QueryEvaluationError", "States.IntrinsicFailure"})


def expr_value(
    step: Step, expr: Any, data: Any, missing: Callable[[Any], str] | None = None
) -> Any:
    """The value of a field that holds a constant, a JSONata expression, an intrinsic call
    or a ``...Path``.  A path selecting nothing is ``States.Runtime`` with the cause
    ``missing(path)`` (by default Jayway's "Invalid path" text).  Call it inside
    ``step.evaluating()``."""
    if isinstance(expr, ast.Const):
        return expr.value
    if isinstance(expr, ast.JsonataExpr):
        return evaluate_jsonata(
            expr.expression,
            step.states_binding(),
            step.variables,
            expr.field,
            now_millis=step.now_millis,
        )
    if isinstance(expr, ast.IntrinsicExpr):
        return expr.intrinsic.evaluate(data, step.ctx, step.variables, field=expr.field)
    try:
        return resolve(expr.path, data, step.ctx, step.variables)
    except PathNotFound as e:
        cause = missing(expr.path) if missing else f"Invalid path '{expr.path.text}' : {e.message}"
        raise StatesError("States.Runtime", cause) from None
