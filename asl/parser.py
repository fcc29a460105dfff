"""Build the AST from a validated definition document.

`asl.parse` runs validation first, so the builders here may assume the structure is
right; they compile every path, template, intrinsic call and JSONata expression once.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from asl import ast
from asl.expressions.paths import compile_path, compile_reference_path
from asl.expressions.patterns import compile_string_pattern
from asl.expressions.templates import compile_template

# the default of InputPath, OutputPath, ResultPath and ItemsPath, compiled once
_ROOT = compile_path("$")


def build(document: Mapping[str, Any]) -> ast.StateMachine:
    """The compiled `StateMachine` for a validated definition document."""
    import json

    language = document.get("QueryLanguage", "JSONPath")
    # most machines never read the Context object: then no state needs the per-state check
    # (over a whole document, the C encoder scans faster than _reads_context)
    text = json.dumps(document)
    token = _CONTEXT_CHECK.set("$$" in text or "$states" in text)
    try:
        states = _build_states(document["States"], language)
    finally:
        _CONTEXT_CHECK.reset(token)
    return ast.StateMachine(
        start_at=document["StartAt"],
        states=states,
        query_language=language,
        comment=document.get("Comment"),
        version=document.get("Version", "1.0"),
        timeout_seconds=document.get("TimeoutSeconds"),
        definition=document,
    )


def _build_scope(document: Mapping[str, Any], machine_language: str) -> ast.Scope:
    language = document.get("QueryLanguage", machine_language)
    return ast.Scope(
        start_at=document["StartAt"],
        states=_build_states(document["States"], machine_language),
        query_language=language,
    )


def _build_states(states: Mapping[str, Any], machine_language: str) -> dict[str, ast.State]:
    return {name: _build_state(name, body, machine_language) for name, body in states.items()}


def is_jsonata(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) >= 4
        and value.startswith("{%")
        and value.endswith("%}")
    )


def _jsonata(text: str) -> Any:
    from asl.expressions.jsonata import compile_jsonata

    return compile_jsonata(text)


def _jsonata_template(value: Any) -> Any:
    from asl.expressions.jsonata import compile_jsonata_template

    return compile_jsonata_template(value)


def _path_or_default(body: Mapping[str, Any], key: str) -> tuple[Any, bool]:
    """(compiled path or None for `null`, whether the field was present)."""
    if key not in body:
        return _ROOT, False
    value = body[key]
    if value is None:
        return None, True
    return compile_path(value), True


def _number_field(
    body: Mapping[str, Any], key: str, language: str, *, path_key: str | None = None
) -> ast.Expr | None:
    """A numeric field that may be a constant, a ``...Path`` or a JSONata expression."""
    if key in body:
        value = body[key]
        if language == "JSONata" and is_jsonata(value):
            return ast.JsonataExpr(_jsonata(value), key)
        return ast.Const(value)
    if path_key and path_key in body:
        return ast.PathExpr(compile_reference_path(body[path_key]), path_key)
    return None


def _assignment(value: Any, language: str) -> ast.Assignment | None:
    if value is None:
        return None
    if language == "JSONata":
        return ast.Assignment(_jsonata_template(value), "JSONata")
    return ast.Assignment(compile_template(value), "JSONPath")


def _retriers(items: Any) -> tuple[ast.Retrier, ...]:
    out = []
    for r in items or ():
        out.append(
            ast.Retrier(
                error_equals=tuple(r["ErrorEquals"]),
                interval_seconds=r.get("IntervalSeconds", 1),
                max_attempts=r.get("MaxAttempts", 3),
                backoff_rate=r.get("BackoffRate", 2.0),
                max_delay_seconds=r.get("MaxDelaySeconds"),
                jitter_strategy=r.get("JitterStrategy", "NONE"),
            )
        )
    return tuple(out)


def _catchers(items: Any, language: str) -> tuple[ast.Catcher, ...]:
    out = []
    for c in items or ():
        result_path, result_path_set = None, False
        if "ResultPath" in c:
            result_path_set = True
            if c["ResultPath"] is not None:
                result_path = compile_reference_path(c["ResultPath"])
        output = _jsonata_template(c["Output"]) if "Output" in c else None
        out.append(
            ast.Catcher(
                error_equals=tuple(c["ErrorEquals"]),
                next=c["Next"],
                result_path=result_path,
                result_path_set=result_path_set,
                output=output,
                assign=_assignment(c.get("Assign"), language),
            )
        )
    return tuple(out)


def _common(name: str, body: Mapping[str, Any], language: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "uses_context": _mentions_context(body),
        "name": name,
        "type": body["Type"],
        "query_language": language,
        "comment": body.get("Comment"),
        "next": body.get("Next"),
        "end": bool(body.get("End", False)),
        "assign": _assignment(body.get("Assign"), language),
    }
    if language == "JSONPath":
        fields["input_path"], fields["input_path_set"] = _path_or_default(body, "InputPath")
        fields["output_path"], fields["output_path_set"] = _path_or_default(body, "OutputPath")
    elif "Output" in body:
        fields["output"] = _jsonata_template(body["Output"])
    return fields


_CONTEXT_CHECK: contextvars.ContextVar[bool] = contextvars.ContextVar("context_check", default=True)


def _mentions_context(body: Mapping[str, Any]) -> bool:
    """Whether a state's definition can read the Context object (checked once, so states
    that never do skip building it)."""
    return _CONTEXT_CHECK.get() and _reads_context(body)


# The members of ``$states`` that hold the state's data; any other use of ``$states``
# (``$states.context``, ``$states`` whole, ``$lookup($states, ...)``) may read the Context.
_STATES_DATA = frozenset({"input", "result", "errorOutput"})


def _mentions_context_in(text: str) -> bool:
    """Whether a string can read the Context object: ``$$``, or a ``{% %}`` expression
    using ``$states`` other than for its data (`JsonataExpression.states_references`)."""
    if "$$" in text:
        return True
    if "$states" not in text or not is_jsonata(text):
        return False
    from asl.expressions.jsonata import compile_jsonata

    # compiled once: the state's fields reuse it
    return bool(compile_jsonata(text).states_references() - _STATES_DATA)


def _reads_context(document: Any) -> bool:
    """Whether any string of a JSON document (keys included) mentions ``$$`` or a
    ``$states`` that may read the Context (`_mentions_context_in`), the only ways to read
    it.  For one state's body this walk is cheaper than serialising it."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "$" in value and _mentions_context_in(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _result_fields(body: Mapping[str, Any], language: str, params_key: str = "Parameters") -> dict:
    fields: dict[str, Any] = {
        "retry": _retriers(body.get("Retry")),
        "catch": _catchers(body.get("Catch"), language),
    }
    if language == "JSONPath":
        if params_key in body:
            fields["parameters"] = compile_template(body[params_key])
        if "ResultSelector" in body:
            fields["result_selector"] = compile_template(body["ResultSelector"])
        if "ResultPath" in body:
            fields["result_path_set"] = True
            rp = body["ResultPath"]
            fields["result_path"] = None if rp is None else compile_reference_path(rp)
        else:
            fields["result_path"] = _ROOT
    elif "Arguments" in body:
        fields["parameters"] = _jsonata_template(body["Arguments"])
    return fields


def _build_state(name: str, body: Mapping[str, Any], machine_language: str) -> ast.State:
    language = body.get("QueryLanguage", machine_language)
    kind = body["Type"]
    common = _common(name, body, language)
    if kind == "Pass":
        fields = _result_fields(body, language)
        return ast.PassState(
            **common, **fields, result=body.get("Result"), has_result="Result" in body
        )
    if kind == "Task":
        credentials = body.get("Credentials")
        if credentials is not None:
            credentials = (
                _jsonata_template(credentials)
                if language == "JSONata"
                else compile_template(credentials)
            )
        return ast.TaskState(
            **common,
            **_result_fields(body, language),
            resource=body["Resource"],
            timeout_seconds=_number_field(
                body, "TimeoutSeconds", language, path_key="TimeoutSecondsPath"
            ),
            heartbeat_seconds=_number_field(
                body, "HeartbeatSeconds", language, path_key="HeartbeatSecondsPath"
            ),
            credentials=credentials,
        )
    if kind == "Choice":
        return ast.ChoiceState(
            **common,
            choices=tuple(_choice_rule(r, language, top=True) for r in body.get("Choices", ())),
            default=body.get("Default"),
        )
    if kind == "Wait":
        timestamp: ast.Expr | None = None
        if "Timestamp" in body:
            value = body["Timestamp"]
            if language == "JSONata" and is_jsonata(value):
                timestamp = ast.JsonataExpr(_jsonata(value), "Timestamp")
            else:
                timestamp = ast.Const(parse_timestamp(value))
        elif "TimestampPath" in body:
            timestamp = ast.PathExpr(compile_reference_path(body["TimestampPath"]), "TimestampPath")
        return ast.WaitState(
            **common,
            seconds=_number_field(body, "Seconds", language, path_key="SecondsPath"),
            timestamp=timestamp,
        )
    if kind == "Succeed":
        return ast.SucceedState(**common)
    if kind == "Fail":
        return ast.FailState(
            **common,
            error=_fail_field(body, "Error", language),
            cause=_fail_field(body, "Cause", language),
        )
    if kind == "Parallel":
        return ast.ParallelState(
            **common,
            **_result_fields(body, language),
            branches=tuple(_build_scope(b, machine_language) for b in body["Branches"]),
        )
    if kind == "Map":
        return _build_map(common, body, language, machine_language)
    raise ValueError(f"unknown state type {kind!r}")  # validation rejects this first


def _fail_field(body: Mapping[str, Any], key: str, language: str) -> ast.Expr | None:
    if key in body:
        value = body[key]
        if language == "JSONata" and is_jsonata(value):
            return ast.JsonataExpr(_jsonata(value), key)
        return ast.Const(value)
    path_key = key + "Path"
    if path_key in body:
        text = body[path_key]
        if isinstance(text, str) and text.startswith("States."):
            from asl.expressions.intrinsics import compile_intrinsic

            return ast.IntrinsicExpr(compile_intrinsic(text), path_key)  # type: ignore[return-value]
        return ast.PathExpr(compile_path(text), path_key)
    return None


def _build_map(
    common: dict[str, Any], body: Mapping[str, Any], language: str, machine_language: str
) -> ast.MapState:
    processor_doc = body.get("ItemProcessor") or body.get("Iterator")
    config = (processor_doc or {}).get("ProcessorConfig") or {}
    fields = _result_fields(body, language, params_key="__none__")
    item_selector: Any = None
    items_path: Any = None
    items: Any = None
    if language == "JSONPath":
        selector = body.get("ItemSelector", body.get("Parameters"))
        if selector is not None:
            item_selector = compile_template(selector)
        if "ItemsPath" in body:
            items_path = compile_reference_path(body["ItemsPath"])
        else:
            items_path = _ROOT
    else:
        if "ItemSelector" in body:
            item_selector = _jsonata_template(body["ItemSelector"])
        if "Items" in body:
            items = _jsonata_template(body["Items"])
    return ast.MapState(
        **common,
        **fields,
        processor=_build_scope(processor_doc, machine_language) if processor_doc else None,
        mode=config.get("Mode", "INLINE"),
        execution_type=config.get("ExecutionType"),
        items_path=items_path,
        items=items,
        item_selector=item_selector,
        item_reader=_item_reader(body.get("ItemReader"), language),
        item_batcher=_item_batcher(body.get("ItemBatcher"), language),
        result_writer=_result_writer(body.get("ResultWriter"), language),
        max_concurrency=_number_field(
            body, "MaxConcurrency", language, path_key="MaxConcurrencyPath"
        ),
        tolerated_failure_percentage=_number_field(
            body,
            "ToleratedFailurePercentage",
            language,
            path_key="ToleratedFailurePercentagePath",
        ),
        tolerated_failure_count=_number_field(
            body, "ToleratedFailureCount", language, path_key="ToleratedFailureCountPath"
        ),
        label=body.get("Label"),
    )


def _request(spec: Mapping[str, Any], language: str) -> Any:
    """An ItemReader's or ResultWriter's S3 request: Parameters (JSONPath) or Arguments."""
    if language == "JSONata":
        return _jsonata_template(spec["Arguments"]) if "Arguments" in spec else None
    return compile_template(spec["Parameters"]) if "Parameters" in spec else None


def _item_reader(spec: Mapping[str, Any] | None, language: str) -> ast.ItemReader | None:
    if spec is None:
        return None
    config = spec.get("ReaderConfig") or {}
    headers = config.get("CSVHeaders")
    return ast.ItemReader(
        resource=spec["Resource"],
        action=spec["Resource"].rsplit(":", 1)[-1],
        parameters=_request(spec, language),
        config=ast.ReaderConfig(
            input_type=config.get("InputType"),
            manifest_type=config.get("ManifestType"),
            transformation=config.get("Transformation", "NONE"),
            csv_header_location=config.get("CSVHeaderLocation", "FIRST_ROW"),
            csv_headers=tuple(headers) if headers is not None else None,
            csv_delimiter=config.get("CSVDelimiter", "COMMA"),
            items_pointer=config.get("ItemsPointer", ""),
            max_items=_number_field(config, "MaxItems", language, path_key="MaxItemsPath"),
        ),
    )


def _item_batcher(spec: Mapping[str, Any] | None, language: str) -> ast.ItemBatcher | None:
    if spec is None:
        return None
    batch_input: Any = None
    if "BatchInput" in spec:
        value = spec["BatchInput"]
        batch_input = _jsonata_template(value) if language == "JSONata" else compile_template(value)
    return ast.ItemBatcher(
        max_items_per_batch=_number_field(
            spec, "MaxItemsPerBatch", language, path_key="MaxItemsPerBatchPath"
        ),
        max_input_bytes_per_batch=_number_field(
            spec, "MaxInputBytesPerBatch", language, path_key="MaxInputBytesPerBatchPath"
        ),
        batch_input=batch_input,
    )


def _result_writer(spec: Mapping[str, Any] | None, language: str) -> ast.ResultWriter | None:
    if spec is None:
        return None
    config = spec.get("WriterConfig")
    exporting = "Resource" in spec
    # AWS's default Transformation is NONE when exporting, COMPACT when results are output
    default = "NONE" if exporting else "COMPACT"
    return ast.ResultWriter(
        resource=spec.get("Resource"),
        parameters=_request(spec, language) if exporting else None,
        transformation=(config or {}).get("Transformation", default),
        output_type=(config or {}).get("OutputType", "JSON"),
    )


_LOGICAL = ("And", "Or", "Not")


def _choice_rule(rule: Mapping[str, Any], language: str, *, top: bool = False) -> ast.ChoiceRule:
    operand: Any
    nxt = rule.get("Next") if top else None
    assign = _assignment(rule.get("Assign"), language) if top else None
    if "Condition" in rule:
        cond = rule["Condition"]
        operand = _jsonata(cond) if is_jsonata(cond) else cond
        output = _jsonata_template(rule["Output"]) if "Output" in rule else None
        return ast.ChoiceRule("Condition", operand=operand, next=nxt, assign=assign, output=output)
    if "And" in rule or "Or" in rule:
        kind = "And" if "And" in rule else "Or"
        children = tuple(_choice_rule(r, language) for r in rule[kind])
        return ast.ChoiceRule(kind, children=children, next=nxt, assign=assign)
    if "Not" in rule:
        return ast.ChoiceRule(
            "Not", children=(_choice_rule(rule["Not"], language),), next=nxt, assign=assign
        )
    variable = compile_path(rule["Variable"])
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign"):
            continue
        if key.endswith("Path"):
            operand = compile_path(value)
        elif key.startswith("Timestamp") and isinstance(value, str):
            operand = parse_timestamp_or_none(value)
        elif key == "StringMatches":
            operand = compile_string_pattern(value)
        else:
            operand = value
        return ast.ChoiceRule(key, variable=variable, operand=operand, next=nxt, assign=assign)
    raise ValueError("choice rule without comparison operator")  # validation rejects this first


# -- timestamps and patterns ------------------------------------------------------------


def parse_timestamp_or_none(text: Any) -> datetime | None:
    try:
        return parse_timestamp(text)
    except (ValueError, TypeError):
        return None


def parse_timestamp(text: Any) -> datetime:
    """An RFC 3339 / ISO 8601 extended offset date-time, as AWS accepts it.

    Requires an uppercase ``T`` and a ``Z`` or numeric offset; any number of
    fractional-second digits.
    """
    if not isinstance(text, str):
        raise TypeError("timestamp must be a string")
    m = _TS.fullmatch(text)
    if not m:
        raise ValueError(f"not an ISO-8601 extended offset date-time: {text!r}")
    date, frac, zone = m.group(1), m.group(2) or "", m.group(3)
    micro = (frac[1:] + "000000")[:6] if frac else "000000"
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(f"{date}.{micro}{zone}")


def _ts_regex() -> Any:
    import re

    return re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})")


_TS = _ts_regex()


def parse_definition(source: Any, *, filename: str | None = None) -> ast.StateMachine:
    """`asl.parse`: load (text, bytes, dict or path), validate and compile a definition;
    raises `DefinitionError` (with ``.diagnostics``) if it is invalid."""
    from asl.errors import DefinitionError
    from asl.loading import load
    from asl.validation import check

    if isinstance(source, ast.StateMachine):
        return source
    loaded, diagnostics = load(source, filename=filename)
    if loaded is not None and not any(d.severity == "error" for d in diagnostics):
        # warnings do not stop a run: skip the rules that can only warn, unless the
        # definition is invalid and the error should list everything found
        if any(d.severity == "error" for d in check(loaded, errors_only=True)):
            diagnostics = diagnostics + check(loaded)
    if loaded is None or any(d.severity == "error" for d in diagnostics):
        raise DefinitionError(diagnostics)
    return build(loaded.document)
