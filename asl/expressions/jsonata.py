"""JSONata expressions as Step Functions evaluates them.

A field value that is a string starting with ``{%`` and ending with ``%}`` holds a JSONata
expression.  This module compiles such strings once (with the maintained ``jsonata-python``
package, imported only when a definition contains JSONata), evaluates them with the
``$states`` binding and the workflow variables, adds the functions Step Functions provides
(``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid``, ``$parse``), and reports
failures with the texts AWS uses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from asl.errors import ASLError
from asl.expressions import json_type_name, jsonata_analysis, jsonata_runtime
from asl.expressions.jsonata_functions import Millis

__all__ = [
    "JsonataError",
    "JsonataEvaluationError",
    "JsonataExpression",
    "JsonataFieldError",
    "JsonataSyntaxError",
    "JsonataTemplate",
    "JsonataUndefined",
    "JsonataUnsupportedResult",
    "compile_jsonata",
    "compile_jsonata_template",
    "is_jsonata",
]


class JsonataError(ASLError):
    """Base class of the errors raised while compiling or evaluating JSONata."""


class JsonataSyntaxError(JsonataError, ValueError):
    """A ``{% ... %}`` string is not a valid JSONata expression.

    ``str(err)`` is the parser's message as AWS reports it after ``INVALID_JSONATA_EXPRESSION: ``
    (``Unexpected end of expression``); ``code`` the JSONata code (``S0207``) or ``None``;
    ``position`` the character offset in ``source``, the inner expression.
    """

    def __init__(self, source: str, code: str | None, message: str, position: int | None = None):
        self.source = source
        self.code = code
        self.message = message
        self.position = position
        super().__init__(message)

    def describe(self) -> str:
        """A self-contained sentence naming the expression, for people reading a traceback."""
        where = f" at position {self.position}" if self.position is not None else ""
        return f"invalid JSONata expression '{self.source}'{where}: {self.message}"


class JsonataUndefined(JsonataError):
    """The expression evaluated to nothing (JSONata ``undefined``)."""


class JsonataUnsupportedResult(JsonataError):
    """The expression evaluated to a value JSON cannot hold (a function)."""


class JsonataEvaluationError(JsonataError):
    """Evaluating the expression raised a JSONata error.

    ``code`` is the JSONata error code (``T1006`` ...) or ``None``; ``message`` the text;
    ``str(err)`` is ``"T1006: Attempted to invoke a non-function"`` as AWS prints it.
    """

    def __init__(self, code: str | None, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}" if code else message)

    @property
    def detail(self) -> str:
        """The ``CODE: message`` text AWS appends to its cause."""
        return str(self)


_CODED = re.compile(r"[STD]\d{4}: ")

#: Kinds of JsonataFieldError, each with the sentence AWS uses for it.
FIELD_ERROR_KINDS = ("undefined", "evaluation", "unsupported", "type")


class JsonataFieldError(JsonataError):
    """A JSONata expression in a state field failed; carries what AWS's cause needs.

    ``kind`` is one of ``undefined``, ``evaluation`` (detail = ``"T1006: ..."``),
    ``unsupported`` (function-valued result) or ``type`` (detail = what was expected and
    got, see `type_mismatch`); ``location`` the field path AWS reports (``"Output/result"``);
    ``expression`` the inner expression text.
    """

    def __init__(self, kind: str, location: str, expression: str, detail: str = ""):
        if kind not in FIELD_ERROR_KINDS:
            raise ValueError(f"unknown JsonataFieldError kind {kind!r}")
        self.kind = kind
        self.location = location
        self.expression = expression
        self.detail = detail
        super().__init__(self.cause())

    def cause(self) -> str:
        """AWS's sentence for this failure (the part after "... (entered at the event id #n). ")."""
        head = (
            f"The JSONata expression '{self.expression}' specified for the field '{self.location}'"
        )
        if self.kind == "undefined":
            return f"{head} returned nothing (undefined)."
        if self.kind == "evaluation":
            # AWS ends a coded JSONata message as a sentence of its own, a bare one after ':'
            separator = ". " if _CODED.match(self.detail) else ": "
            return f"{head} threw an error during evaluation{separator}{self.detail}"
        if self.kind == "unsupported":
            return f"{head} returned an unsupported result type."
        return f"{head} returned an unexpected result type. {self.detail}"

    @classmethod
    def type_mismatch(
        cls, location: str, expression: str, expected: str, value: Any
    ) -> JsonataFieldError:
        """The error for a result of the wrong JSON type (e.g. Map ``Items`` not an array)."""
        detail = (
            f"Expected '{expected}', but was '{json_type_name(value)}' "
            f"for value: {jsonata_runtime.to_json_text(value)}"
        )
        return cls("type", location, expression, detail)


def is_jsonata(value: Any) -> bool:
    """Whether a field value is a JSONata expression: a str that starts with ``{%`` and ends with ``%}``."""
    return isinstance(value, str) and len(value) >= 4 and value[:2] == "{%" and value[-2:] == "%}"


def inner_source(text: str) -> str:
    """The expression between ``{%`` and ``%}``, without surrounding whitespace (as AWS quotes it)."""
    return text[2:-2].strip()


class JsonataExpression:
    """One compiled ``{% ... %}`` expression; evaluate it as often as needed."""

    __slots__ = ("text", "source", "_compiled", "_variables", "_fields", "_context", "_members")

    def __init__(self, text: str):
        if not is_jsonata(text):
            raise JsonataSyntaxError(
                str(text), None, "A JSONata expression must start with '{%' and end with '%}'"
            )
        self.text = text
        self.source = inner_source(text)
        try:
            self._compiled = jsonata_runtime.compile_source(self.source)
        except jsonata_runtime.CompileError as err:
            raise JsonataSyntaxError(self.source, err.code, err.message, err.position) from None
        self._variables: frozenset[str] | None = None
        self._fields: tuple[str, ...] | None = None
        self._context: tuple[str, ...] | None = None
        self._members: frozenset[str] | None = None

    def __repr__(self) -> str:
        return f"JsonataExpression({self.text!r})"

    def evaluate(
        self,
        states: Mapping[str, Any],
        variables: Mapping[str, Any],
        *,
        now_millis: Millis = None,
    ) -> Any:
        """The expression's value given ``$states`` and the workflow variables.

        Raises `JsonataUndefined` for an undefined result, `JsonataUnsupportedResult` for a
        function, `JsonataEvaluationError` for a JSONata error.  ``now_millis`` (epoch ms,
        or a function giving them) is what ``$now()``/``$millis()`` return; default: the
        current time.
        """
        try:
            result = jsonata_runtime.evaluate(self._compiled, states, variables, now_millis)
        except jsonata_runtime.EvaluationFailure as err:
            raise JsonataEvaluationError(err.code, err.message) from None
        except jsonata_runtime.UndefinedResult:
            raise JsonataUndefined(f"'{self.source}' returned nothing (undefined)") from None
        except jsonata_runtime.FunctionResult:
            raise JsonataUnsupportedResult(
                f"'{self.source}' returned an unsupported result type"
            ) from None
        return result

    def evaluate_field(
        self,
        states: Mapping[str, Any],
        variables: Mapping[str, Any],
        *,
        field: str,
        now_millis: Millis = None,
    ) -> Any:
        """`evaluate`, with every failure as a `JsonataFieldError` located at ``field``."""
        try:
            return self.evaluate(states, variables, now_millis=now_millis)
        except JsonataUndefined:
            raise JsonataFieldError("undefined", field, self.source) from None
        except JsonataUnsupportedResult:
            raise JsonataFieldError("unsupported", field, self.source) from None
        except JsonataEvaluationError as err:
            raise JsonataFieldError("evaluation", field, self.source, err.detail) from None

    def states_references(self) -> set[str]:
        """Members of ``$states`` the expression reads: ``{"input", "result"}`` ...

        ``""`` stands for ``$states`` used as a whole.  Lets a validator refuse
        ``$states.result``/``$states.errorOutput`` where AWS does not provide them.
        """
        if self._members is None:
            self._members = frozenset(jsonata_analysis.states_members(self._compiled.ast))
        return set(self._members)

    def variable_references(self) -> set[str]:
        """Names of the variables (``$name``) the expression reads from outside itself.

        Excludes ``$states``, ``$``/``$$``, built-in functions and names bound inside the
        expression (``:=``, lambda parameters, ``@``/``#`` bindings).
        """
        if self._variables is None:
            self._variables = frozenset(jsonata_analysis.free_variables(self._compiled.ast))
        return set(self._variables)

    def top_level_field_references(self) -> list[str]:
        """Bare field names read from the (absent) input document at the top level.

        AWS rejects these at create time with ``UNSUPPORTED_JSONATA_EXPRESSION``
        (``Reference to 'phone' at the top level is not supported.``).
        """
        if self._fields is None:
            self._fields = tuple(jsonata_analysis.top_level_fields(self._compiled.ast))
        return list(self._fields)

    def top_level_context_references(self) -> list[str]:
        """``"$"`` and/or ``"$$"`` if the expression reads the context at the top level.

        The ASL specification forbids both there (no input document is provided); AWS's
        exact refusal text for them has not been recorded.
        """
        if self._context is None:
            self._context = tuple(jsonata_analysis.top_level_context(self._compiled.ast))
        return list(self._context)


def compile_jsonata(text: str) -> JsonataExpression:
    """Compile a full ``{% ... %}`` string; raises `JsonataSyntaxError` if it does not parse.

    Compiled expressions are immutable and shared: the same text compiles once per process.
    """
    if not isinstance(text, str):
        raise JsonataSyntaxError(repr(text), None, "A JSONata expression must be a string")
    return _compile_cached(text)


@functools.lru_cache(maxsize=4096)
def _compile_cached(text: str) -> JsonataExpression:
    """The compiled expression for a text (parse errors are not cached)."""
    return JsonataExpression(text)


@dataclass(frozen=True)
class _Dynamic:
    """A template node: the compiled expression found at some place of the template."""

    expression: JsonataExpression


class JsonataTemplate:
    """A JSON value in which every ``{% ... %}`` string, at any depth, is an expression."""

    __slots__ = ("value", "dynamic", "_tree")

    def __init__(self, value: Any):
        self.value = value
        self._tree = _compile_tree(value)
        self.dynamic = _has_dynamic(self._tree)

    def __repr__(self) -> str:
        return f"JsonataTemplate({self.value!r})"

    def expressions(self) -> list[tuple[str, JsonataExpression]]:
        """Every expression with its relative location (``""``, ``"result"``, ``"a/0"``)."""
        found: list[tuple[str, JsonataExpression]] = []
        _collect(self._tree, "", found)
        return found

    def evaluate(
        self,
        states: Mapping[str, Any],
        variables: Mapping[str, Any],
        *,
        field: str,
        now_millis: Millis = None,
    ) -> Any:
        """The template's value; raises `JsonataFieldError` located under ``field``.

        An expression anywhere in the template that is undefined fails the field, as on AWS
        (``'Output/result' returned nothing (undefined)``).
        """
        if not self.dynamic:
            return jsonata_runtime.copy_json(self.value)
        return _evaluate_tree(self._tree, states, variables, field, now_millis)


def compile_jsonata_template(value: Any) -> JsonataTemplate:
    """Compile a JSON value holding ``{% %}`` strings; raises `JsonataSyntaxError`."""
    return JsonataTemplate(value)


def _compile_tree(value: Any) -> Any:
    """The value with each JSONata string replaced by a `_Dynamic` node."""
    if isinstance(value, str):
        return _Dynamic(compile_jsonata(value)) if is_jsonata(value) else value
    if isinstance(value, dict):
        return {key: _compile_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_compile_tree(item) for item in value]
    return value


def _has_dynamic(tree: Any) -> bool:
    """Whether a compiled tree contains any expression."""
    if isinstance(tree, _Dynamic):
        return True
    if isinstance(tree, dict):
        return any(_has_dynamic(item) for item in tree.values())
    if isinstance(tree, list):
        return any(_has_dynamic(item) for item in tree)
    return False


def _join(location: str, part: str | int) -> str:
    """A field location one level deeper, as AWS writes it: ``Output/a/b[0][1]``."""
    if isinstance(part, int):
        return f"{location}[{part}]"
    return f"{location}/{part}" if location else part


def _collect(tree: Any, location: str, found: list[tuple[str, JsonataExpression]]) -> None:
    """Append every (location, expression) pair of a compiled tree to ``found``."""
    if isinstance(tree, _Dynamic):
        found.append((location, tree.expression))
    elif isinstance(tree, dict):
        for key, item in tree.items():
            _collect(item, _join(location, key), found)
    elif isinstance(tree, list):
        for index, item in enumerate(tree):
            _collect(item, _join(location, index), found)


def _evaluate_tree(
    tree: Any,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    location: str,
    now_millis: Millis,
) -> Any:
    """Evaluate a compiled tree; errors name ``location`` extended by the keys walked."""
    if isinstance(tree, _Dynamic):
        return tree.expression.evaluate_field(
            states, variables, field=location, now_millis=now_millis
        )
    if isinstance(tree, dict):
        return {
            key: _evaluate_tree(item, states, variables, _join(location, key), now_millis)
            for key, item in tree.items()
        }
    if isinstance(tree, list):
        return [
            _evaluate_tree(item, states, variables, _join(location, index), now_millis)
            for index, item in enumerate(tree)
        ]
    return jsonata_runtime.copy_json(tree)
