"""The state machine AST: frozen dataclasses built once by `asl.parse`.

Every string that needs interpreting (paths, payload templates, intrinsic calls, JSONata
expressions, timestamps) is already compiled here, so the executor never parses text.
A field that can hold either a constant or an expression holds an `Expr`: `Const`, a
compiled `Path` (JSONPath ``...Path`` fields) or a compiled JSONata expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

QueryLanguage = Literal["JSONPath", "JSONata"]


@dataclass(frozen=True, slots=True)
class Const:
    """A constant value known at parse time."""

    value: Any


@dataclass(frozen=True, slots=True)
class PathExpr:
    """A value read through a reference path (``SecondsPath``, ``TimeoutSecondsPath``...)."""

    path: Any  # asl.expressions.paths.Path
    field: str  # the field name as written, for error messages


@dataclass(frozen=True, slots=True)
class JsonataExpr:
    """A value computed by a JSONata expression (``{% ... %}``)."""

    expression: Any  # asl.expressions.jsonata.JsonataExpression
    field: str


Expr = Const | PathExpr | JsonataExpr


@dataclass(frozen=True, slots=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int | None = None
    jitter_strategy: str = "NONE"


@dataclass(frozen=True, slots=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: Any = None  # Path, or None to discard; default "$"
    result_path_set: bool = False  # False: field absent (default "$")
    output: Any = None  # JSONata template or None
    assign: Any = None  # Assignment or None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The ``Assign`` field: a compiled template (JSONPath) or JSONata template."""

    template: Any
    language: QueryLanguage


@dataclass(frozen=True, slots=True)
class ChoiceRule:
    """A JSONPath-mode boolean expression or data test, or a JSONata ``Condition``.

    ``kind`` is ``"And"``, ``"Or"``, ``"Not"``, an operator name such as
    ``"NumericEquals"``/``"StringMatchesPath"``, or ``"Condition"``.
    """

    kind: str
    variable: Any = None  # Path for data tests
    operand: Any = None  # constant, Path (for ...Path operators), compiled pattern, or JSONata
    children: tuple[ChoiceRule, ...] = ()
    next: str | None = None
    assign: Any = None
    output: Any = None


@dataclass(frozen=True, slots=True)
class State:
    """Fields common to every state type."""

    name: str
    type: str
    query_language: QueryLanguage
    comment: str | None = None
    next: str | None = None
    end: bool = False
    # JSONPath-mode I/O; None = JSONPath `null`; the default "$" path is a Path too.
    input_path: Any = None
    input_path_set: bool = False
    output_path: Any = None
    output_path_set: bool = False
    # JSONata-mode Output template, or None.
    output: Any = None
    assign: Assignment | None = None
    # whether anything in the state reads the Context object ($$ / $states.context)
    uses_context: bool = True


@dataclass(frozen=True, slots=True)
class ResultState(State):
    """States that produce a result: Pass, Task, Parallel, Map."""

    parameters: Any = None  # Template (JSONPath Parameters) or JSONata template (Arguments)
    result_selector: Any = None
    result_path: Any = None
    result_path_set: bool = False
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True)
class PassState(ResultState):
    result: Any = None
    has_result: bool = False


@dataclass(frozen=True, slots=True)
class TaskState(ResultState):
    resource: str = ""
    timeout_seconds: Expr | None = None
    heartbeat_seconds: Expr | None = None
    credentials: Any = None  # template or None


@dataclass(frozen=True, slots=True)
class ChoiceState(State):
    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None


@dataclass(frozen=True, slots=True)
class WaitState(State):
    seconds: Expr | None = None
    timestamp: Expr | None = None  # Const(datetime) / PathExpr / JsonataExpr


@dataclass(frozen=True, slots=True)
class SucceedState(State):
    pass


@dataclass(frozen=True, slots=True)
class FailState(State):
    error: Expr | None = (
        None  # Const(str), PathExpr, JsonataExpr, or intrinsic (Const of Intrinsic)
    )
    cause: Expr | None = None


@dataclass(frozen=True, slots=True)
class IntrinsicExpr:
    """A value computed by an intrinsic function (Fail ``ErrorPath``/``CausePath``)."""

    intrinsic: Any
    field: str


@dataclass(frozen=True, slots=True)
class Scope:
    """A set of states with a StartAt: the machine, a Parallel branch or a Map processor."""

    start_at: str
    states: Mapping[str, State]
    query_language: QueryLanguage = "JSONPath"


@dataclass(frozen=True, slots=True)
class ParallelState(ResultState):
    branches: tuple[Scope, ...] = ()


@dataclass(frozen=True, slots=True)
class MapState(ResultState):
    processor: Scope | None = None
    mode: str = "INLINE"
    execution_type: str | None = None
    items_path: Any = None  # Path (JSONPath mode)
    items: Any = None  # JSONata template/value (JSONata mode)
    item_selector: Any = None  # Template / JSONata template
    item_reader: ItemReader | None = None
    item_batcher: ItemBatcher | None = None
    result_writer: ResultWriter | None = None
    max_concurrency: Expr | None = None
    tolerated_failure_percentage: Expr | None = None
    tolerated_failure_count: Expr | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    """An ItemReader's ``ReaderConfig`` (AWS's defaults where a field is absent)."""

    input_type: str | None = None  # CSV, JSON, JSONL, PARQUET or MANIFEST
    manifest_type: str | None = None  # S3_INVENTORY or ATHENA_DATA
    transformation: str = "NONE"  # or LOAD_AND_FLATTEN (listObjectsV2)
    csv_header_location: str = "FIRST_ROW"  # or GIVEN
    csv_headers: tuple[str, ...] | None = None
    csv_delimiter: str = "COMMA"  # COMMA, PIPE, SEMICOLON, SPACE or TAB
    items_pointer: str = ""  # a JSON Pointer into a JSON document
    max_items: Expr | None = None  # MaxItems / MaxItemsPath


@dataclass(frozen=True, slots=True)
class ItemReader:
    """A distributed Map's ``ItemReader``: an S3 read (``s3:getObject`` or
    ``s3:listObjectsV2``) and how to turn what it reads into items."""

    resource: str
    action: str  # getObject or listObjectsV2
    parameters: Any = None  # Template (Parameters) / JSONata template (Arguments); None: {}
    config: ReaderConfig = ReaderConfig()


@dataclass(frozen=True, slots=True)
class ItemBatcher:
    """A Map's ``ItemBatcher``: at most so many items and bytes per child."""

    max_items_per_batch: Expr | None = None
    max_input_bytes_per_batch: Expr | None = None
    batch_input: Any = None  # Template (JSONPath), JSONata template or constant; None: absent


@dataclass(frozen=True, slots=True)
class ResultWriter:
    """A distributed Map's ``ResultWriter``: how results are shaped (``WriterConfig``) and
    where they are exported (``s3:putObject`` with Parameters/Arguments), if anywhere."""

    resource: str | None = None  # None: no export
    parameters: Any = None  # Template / JSONata template; None: {}
    transformation: str = "COMPACT"  # NONE, COMPACT or FLATTEN (NONE when exporting)
    output_type: str = "JSON"  # or JSONL


@dataclass(frozen=True, slots=True)
class StateMachine:
    """A parsed, validated and compiled state machine."""

    start_at: str
    states: Mapping[str, State]
    query_language: QueryLanguage = "JSONPath"
    comment: str | None = None
    version: str = "1.0"
    timeout_seconds: int | None = None
    definition: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def scope(self) -> Scope:
        return Scope(self.start_at, self.states, self.query_language)


TimestampValue = datetime


def _quick_init(cls: type) -> None:
    """Give a frozen, slotted dataclass a faster ``__init__`` (same signature).

    The generated frozen ``__init__`` stores every field through ``object.__setattr__``;
    storing through each slot's descriptor does the same in a third of the time, which
    counts when a definition has thousands of states.  Instances stay frozen.
    """
    import types
    from dataclasses import MISSING, fields

    env: dict[str, Any] = {}
    params: list[str] = []
    lines: list[str] = []
    for f in fields(cls):
        slot = next(
            k.__dict__[f.name]
            for k in cls.__mro__
            if isinstance(k.__dict__.get(f.name), types.MemberDescriptorType)
        )
        env[f"_set_{f.name}"] = slot.__set__
        if f.default is not MISSING:
            env[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:  # none among the states; keep it exact
            return
        else:
            params.append(f.name)
        lines.append(f"        _set_{f.name}(self, {f.name})")
    source = (
        f"def make({', '.join(env)}):\n"
        f"    def __init__(self, {', '.join(params)}):\n" + "\n".join(lines) + "\n"
        "    return __init__\n"
    )
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # code built from the dataclass's own fields, above
    init = namespace["make"](**env)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    type.__setattr__(cls, "__init__", init)


for _cls in (
    PassState,
    TaskState,
    ChoiceState,
    WaitState,
    SucceedState,
    FailState,
    ParallelState,
    MapState,
    ChoiceRule,
    Retrier,
    Catcher,
):
    _quick_init(_cls)
del _cls
