"""JSONPath paths as Step Functions uses them, compiled once and evaluated fast.

A Reference Path (``$.a.b[0]``, ``$['x y']``) compiles to a tuple of keys walked
directly. Real JSONPath features (wildcards, filters, slices, unions, ``..``) compile
to a chain of steps evaluated by ``jsonpath_eval`` with Jayway's semantics; a filter
outside Jayway's grammar is a path error, as on AWS (no other dialect is tried). Error texts
imitate Jayway JSONPath, the library AWS uses, because AWS puts them in
``States.Runtime`` causes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from asl.errors import StatesError
from asl.java import to_string

if TYPE_CHECKING:
    from asl.expressions import jsonpath_eval as jp
else:

    class _LazyModule:
        """``jsonpath_eval`` is needed only for wildcards, filters, slices and ``..``: it is
        imported on first use, keeping start-up fast for definitions without them."""

        def __getattr__(self, name: str) -> Any:
            import importlib

            module = importlib.import_module("asl.expressions.jsonpath_eval")
            globals()["jp"] = module
            return getattr(module, name)

    jp = _LazyModule()


__all__ = [
    "Path",
    "PathNotFound",
    "PathSyntaxError",
    "compile_path",
    "compile_reference_path",
    "set_path",
]

# A definite step: a str is an object key, an int an array index.
Step = str | int

# Characters that end a property name written in dot notation (Jayway stops at
# whitespace, '.', '[' and '('; the rest are excluded to catch obvious typos).
_DOT_NAME_STOP = frozenset(".[]()'\"*?@,\\") | frozenset(" \t\r\n")


class PathSyntaxError(ValueError):
    """A path text is not valid JSONPath (or not a Reference Path where one is required)."""


class PathNotFound(Exception):
    """A definite path selected nothing; ``str()`` is Jayway's message, ``.path`` the Path."""

    def __init__(self, path: Path, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


class Path:
    """A compiled JSONPath: ``find(data)`` walks it over the root value.

    ``root`` is ``"$"`` (state input), ``"$$"`` (context object) or ``"var"``
    (``variable`` names it); ``definite`` is True when it selects exactly one node.
    """

    __slots__ = (
        "text",
        "root",
        "variable",
        "definite",
        "_steps",
        "_rest",
        "_function",
        "_select",
    )

    text: str
    root: str
    variable: str | None
    definite: bool
    _steps: tuple[Step, ...]
    _rest: str
    _function: str | None
    _select: Callable[[Any, Any], list[Any]] | None

    def __init__(
        self,
        text: str,
        root: str,
        variable: str | None,
        steps: tuple[Step, ...],
        rest: str,
        function: str | None,
        select: Callable[[Any, Any], list[Any]] | None = None,
    ):
        set_ = object.__setattr__
        set_(self, "text", text)
        set_(self, "root", root)
        set_(self, "variable", variable)
        set_(self, "_steps", steps)
        set_(self, "_rest", rest)
        set_(self, "_function", function)
        set_(self, "definite", not rest)
        set_(self, "_select", select)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Path is immutable")

    def __repr__(self) -> str:
        return f"Path({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Path) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The definite keys and indexes walked before any JSONPath feature."""
        return self._steps

    @property
    def normalized(self) -> str:
        """Jayway's normalized form, e.g. ``$['a']['b'][0]``, as AWS quotes it in errors."""
        text = _normalize(self._steps) + self._rest
        return text + (f".{self._function}()" if self._function else "")

    def find(self, data: Any) -> Any:
        """The selected value (definite path) or list of matches; raises PathNotFound.

        An indefinite path never fails: AWS gives ``[]`` when nothing matches, even
        when a key before the wildcard is missing.
        """
        if not self.definite:
            return self._find_all(data, data)
        node = data
        steps = self._steps
        for position, step in enumerate(steps):
            if isinstance(step, str):
                if type(node) is dict:
                    if step in node:
                        node = node[step]
                        continue
                    if position + 1 == len(steps):
                        raise PathNotFound(self, f"No results for path: {self.normalized}")
                    raise PathNotFound(
                        self, f"Missing property in path {_normalize(steps[: position + 1])}"
                    )
                raise PathNotFound(self, _not_an_object(steps, position, node))
            if type(node) is not list:
                raise PathNotFound(self, _not_an_array(steps, position, node))
            index = step if step >= 0 else len(node) + step
            if not 0 <= index < len(node):
                raise PathNotFound(self, f"No results for path: {self.normalized}")
            node = node[index]
        if self._function is not None:
            return _apply_function(self, node)
        return node

    def _find_all(self, data: Any, root: Any) -> Any:
        """All matches from ``data``; ``root`` is what ``$`` means inside filters."""
        node = data
        for step in self._steps:
            if isinstance(step, str):
                if type(node) is not dict or step not in node:
                    return _apply_function(self, [])
                node = node[step]
            else:
                if type(node) is not list or not -len(node) <= step < len(node):
                    return _apply_function(self, [])
                node = node[step]
        matches = self._select(node, root) if self._select is not None else [node]
        if self._function is None:
            return matches
        return _apply_function(self, matches)

    def _find_from(self, data: Any, root: Any) -> Any:
        """``find`` for a path inside a filter, whose ``$`` stays the document root."""
        if self.definite:
            return self.find(data)
        return self._find_all(data, root)


def compile_path(text: str) -> Path:
    """Compile any JSONPath AWS accepts (``$.a[*].b``, ``$$.Map.Item.Value``, ``$var.x``)."""
    if not isinstance(text, str):
        raise PathSyntaxError(f"a path must be a string, got {type(text).__name__}")
    return _compile_cached(text)


def compile_reference_path(text: str) -> Path:
    """Compile a Reference Path (selects one node); PathSyntaxError for any other path."""
    path = compile_path(text)
    if not path.definite:
        raise PathSyntaxError(
            f"'{text}' is not a Reference Path: wildcards, filters, slices, unions and '..'"
            " are not allowed here"
        )
    if path._function is not None:
        raise PathSyntaxError(f"'{text}' is not a Reference Path: functions are not allowed here")
    return path


@lru_cache(maxsize=4096)
def _compile_cached(text: str) -> Path:
    return _Parser(text).parse()


# --------------------------------------------------------------------------- parsing


class _Parser:
    """Reads a path text: the root, then definite steps, then any JSONPath features."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.steps: list[Step] = []
        self.rest: list[str] = []  # normalized text, once the path became indefinite
        self.selectors: list[jp.Step] = []  # the same, as steps
        self.function: str | None = None

    def error(self, what: str) -> PathSyntaxError:
        return PathSyntaxError(f"invalid JSONPath '{self.text}': {what} at position {self.pos}")

    def parse(self) -> Path:
        root, variable = self.parse_root()
        # Jayway trims the path it compiles: "$$.Execution.Name " is "$$.Execution.Name".
        end = len(self.text.rstrip(" \t\r\n"))
        while self.pos < end:
            if self.function is not None:
                raise self.error(f"nothing may follow the function {self.function}()")
            char = self.text[self.pos]
            if char == ".":
                self.parse_dot()
            elif char == "[":
                self.parse_bracket()
            else:
                raise self.error(f"unexpected character {char!r}")
        select = jp.compile_steps(self.selectors) if self.rest else None
        return Path(
            self.text,
            root,
            variable,
            tuple(self.steps),
            "".join(self.rest),
            self.function,
            select,
        )

    def parse_root(self) -> tuple[str, str | None]:
        text = self.text
        if not text.startswith("$"):
            raise self.error("a path must start with '$'")
        if text.startswith("$$"):
            self.pos = 2
            return "$$", None
        self.pos = 1
        name = self.read_identifier()
        if name:
            return "var", name
        return "$", None

    def read_identifier(self) -> str:
        start = self.pos
        text = self.text
        while self.pos < len(text) and text[start : self.pos + 1].isidentifier():
            self.pos += 1
        return text[start : self.pos]

    def add(self, step: Step, fragment: str) -> None:
        """A definite step: walked directly unless the path is already indefinite."""
        if self.rest:
            self.indefinite(fragment, jp.Key(step) if isinstance(step, str) else jp.Index(step))
        else:
            self.steps.append(step)

    def indefinite(self, fragment: str, *steps: jp.Step) -> None:
        """A step of the indefinite part: its normalized text and its steps."""
        self.rest.append(fragment)
        self.selectors.extend(steps)

    def parse_dot(self) -> None:
        text = self.text
        self.pos += 1
        if text.startswith(".", self.pos):
            self.parse_deep_scan()
            return
        if text.startswith("*", self.pos):
            self.pos += 1
            self.indefinite(".*", jp.Wildcard())
            return
        if text.startswith("[", self.pos):
            # Jayway reads the token after a '.' as it reads any token: "$.[0]" is "$[0]"
            self.parse_bracket()
            return
        start = self.pos
        while self.pos < len(text) and text[self.pos] not in _DOT_NAME_STOP:
            self.pos += 1
        name = text[start : self.pos]
        if not name:
            raise self.error("expected a property name after '.'")
        if text.startswith("()", self.pos):
            self.pos += 2
            if name not in _FUNCTIONS:
                raise self.error(f"unknown function {name}()")
            self.function = name
            return
        self.add(name, _bracket_key(name))

    def parse_deep_scan(self) -> None:
        text = self.text
        self.pos += 1  # now after '..'
        if text.startswith("[", self.pos):
            start = self.pos
            self.pos = self.find_bracket_end(start)
            fragment, step = _indefinite_bracket(text[start : self.pos], self)
            self.indefinite(".." + fragment, jp.Scan(), step)
            return
        start = self.pos
        if text.startswith("*", self.pos):
            self.pos += 1
        else:
            while self.pos < len(text) and text[self.pos] not in _DOT_NAME_STOP:
                self.pos += 1
        name = text[start : self.pos]
        if not name:
            raise self.error("expected a property name or '*' after '..'")
        if name == "*":
            self.indefinite("..*", jp.Scan(), jp.Wildcard())
        else:
            self.indefinite(".." + _bracket_key(name), jp.Scan(), jp.Key(name))

    def find_bracket_end(self, start: int) -> int:
        """Index just past the ']' closing the bracket at ``start``, skipping quotes."""
        text = self.text
        depth = 0
        pos = start
        quote = ""
        while pos < len(text):
            char = text[pos]
            if quote:
                if char == "\\":
                    pos += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                depth -= 1
                if depth == 0:
                    if char != "]":
                        break
                    return pos + 1
            pos += 1
        self.pos = start
        raise self.error("unclosed '['")

    def parse_bracket(self) -> None:
        start = self.pos
        end = self.find_bracket_end(start)
        inner = self.text[start + 1 : end - 1].strip()
        self.pos = end
        if not inner:
            self.pos = start
            raise self.error("empty brackets")
        if inner[0] in "'\"":
            keys = _quoted_keys(inner, self, start)
            if len(keys) == 1:
                self.add(keys[0], _bracket_key(keys[0]))
            else:
                self.indefinite(_keys_fragment(keys), jp.Keys(tuple(keys)))
            return
        if _is_int(inner):
            index = int(inner)
            self.add(index, f"[{index}]")
            return
        self.indefinite(*_indefinite_bracket(self.text[start:end], self))


def _quoted_keys(inner: str, parser: _Parser, start: int) -> list[str]:
    """The keys of ``'a'`` or ``'a', "b"``; a backslash only stops the quote ending (as AWS)."""
    keys: list[str] = []
    pos = 0
    while True:
        quote = inner[pos]
        end = pos + 1
        while end < len(inner) and inner[end] != quote:
            end += 2 if inner[end] == "\\" else 1
        if end >= len(inner):
            parser.pos = start
            raise parser.error("unterminated quoted property name")
        keys.append(inner[pos + 1 : end])
        pos = end + 1
        while pos < len(inner) and inner[pos] == " ":
            pos += 1
        if pos == len(inner):
            return keys
        if inner[pos] != ",":
            parser.pos = start
            raise parser.error("expected ',' or ']' after a quoted property name")
        pos += 1
        while pos < len(inner) and inner[pos] == " ":
            pos += 1
        if pos == len(inner) or inner[pos] not in "'\"":
            parser.pos = start
            raise parser.error("expected a quoted property name after ','")


def _indefinite_bracket(fragment: str, parser: _Parser) -> tuple[str, jp.Step]:
    """An indefinite bracket (``[*]``, ``[1:3]``, ``[0,2]``, ``['a','b']``, ``[?(...)]``):
    its normalized text and step."""
    inner = fragment[1:-1].strip()
    if not inner:
        raise parser.error("empty brackets")
    if inner == "*":
        return "[*]", jp.Wildcard()
    if inner.startswith("?"):
        body = inner[1:].strip()
        if not (body.startswith("(") and body.endswith(")")):
            raise parser.error("a filter must look like [?(<expression>)]")
        return "[?" + body + "]", _filter_step(body, parser)
    if inner[0] in "'\"":
        keys = _quoted_keys(inner, parser, parser.pos)
        step: jp.Step = jp.Key(keys[0]) if len(keys) == 1 else jp.Keys(tuple(keys))
        return _keys_fragment(keys), step
    parts = [p.strip() for p in inner.split(",")]
    if all(_is_int(p) for p in parts):
        indexes = tuple(int(p) for p in parts)
        text = "[" + ",".join(str(i) for i in indexes) + "]"
        return text, jp.Index(indexes[0]) if len(indexes) == 1 else jp.Indexes(indexes)
    bounds = [p.strip() for p in inner.split(":")]
    if ":" in inner and all(p == "" or _is_int(p) for p in bounds) and len(bounds) <= 3:
        start, stop, *rest = (int(p) if p else None for p in bounds)
        step_size = rest[0] if rest else None
        if step_size == 0:
            raise parser.error("a slice step cannot be zero")
        text = "[" + ":".join(bounds) + "]"
        return text, jp.Slice(start, stop, step_size)
    raise parser.error(f"unsupported bracket expression {fragment!r}")


def _filter_step(body: str, parser: _Parser) -> jp.Filter:
    """The step of a filter body ``(...)``; a path error when Jayway's grammar refuses it."""
    try:
        return jp.parse_filter(body, _filter_operand)
    except jp.FilterSyntaxError as exc:
        raise parser.error(f"invalid filter: {exc}") from None


def _filter_operand(text: str) -> jp.PathOperand:
    """A path inside a filter: ``@...`` reads the current item, ``$...`` the document root."""
    path = compile_path("$" + text[1:])
    if path.root != "$":
        raise PathSyntaxError(f"'{text}' is not a path from '@' or '$'")
    relative = text[0] == "@"
    steps = path.steps
    missing = jp.MISSING
    if not path.definite or path._function is not None:
        find = path._find_from

        def evaluate(item: Any, root: Any) -> Any:
            try:
                return find(item if relative else root, root)
            except PathNotFound:
                return missing

        return jp.PathOperand(evaluate, path.definite)
    if relative and len(steps) == 1 and type(steps[0]) is str:
        key = steps[0]

        def member(item: Any, root: Any) -> Any:
            return item.get(key, missing) if type(item) is dict else missing

        return jp.PathOperand(member, True, key)

    def walk(item: Any, root: Any) -> Any:
        node = item if relative else root
        for step in steps:
            if isinstance(step, str):
                if type(node) is not dict:
                    return missing
                node = node.get(step, missing)
                if node is missing:
                    return missing
            elif type(node) is list and -len(node) <= step < len(node):
                node = node[step]
            else:
                return missing
        return node

    return jp.PathOperand(walk, True)


def _keys_fragment(keys: Sequence[str]) -> str:
    return "[" + ",".join(_quote(k) for k in keys) + "]"


def _is_int(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return digits.isdigit() and digits.isascii()


def _quote(key: str) -> str:
    """A key as a quoted name in normalized text."""
    if "'" not in key:
        return f"'{key}'"
    return '"' + key.replace('"', '\\"') + '"'


def _bracket_key(key: str) -> str:
    return f"[{_quote(key)}]"


def _normalize(steps: Sequence[Step]) -> str:
    return "$" + "".join(f"['{s}']" if type(s) is str else f"[{s}]" for s in steps)


# --------------------------------------------------------------------------- errors


_JAYWAY_PROVIDER = "com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider"


def _java_class(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, list):
        return "java.util.ArrayList"
    return "java.util.LinkedHashMap"


def _not_an_object(steps: Sequence[Step], position: int, node: Any) -> str:
    return (
        f"Expected to find an object with property ['{steps[position]}'] in path "
        f"{_normalize(steps[:position])} but found '{_java_class(node)}'. This is not a json "
        f"object according to the JsonProvider: '{_JAYWAY_PROVIDER}'."
    )


def _not_an_array(steps: Sequence[Step], position: int, node: Any) -> str:
    if node is None:
        return f"The path {_normalize(steps[:position])} is null"
    return (
        f"Filter: [{steps[position]}] can only be applied to arrays. "
        f"Current context is: {to_string(node)}"
    )


def _numbers(path: Path, value: Any) -> list[float]:
    """The numbers an aggregate function (sum, avg, ...) works on; PathNotFound otherwise."""
    if not isinstance(value, list) or not value:
        raise PathNotFound(
            path, "Aggregation function attempted to calculate value using empty array"
        )
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
        raise PathNotFound(
            path, "Aggregation function attempted to calculate value using non-numeric values"
        )
    return value


def _length(path: Path, value: Any) -> Any:
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise PathNotFound(path, f"Function length() cannot be applied to {to_string(value)}")


def _sum(path: Path, value: Any) -> float:
    return float(sum(_numbers(path, value)))


def _avg(path: Path, value: Any) -> float:
    numbers = _numbers(path, value)
    return float(sum(numbers)) / len(numbers)


def _min(path: Path, value: Any) -> float:
    return float(min(_numbers(path, value)))


def _max(path: Path, value: Any) -> float:
    return float(max(_numbers(path, value)))


def _stddev(path: Path, value: Any) -> float:
    numbers = _numbers(path, value)
    mean = sum(numbers) / len(numbers)
    return math.sqrt(sum((n - mean) ** 2 for n in numbers) / len(numbers))


def _keys(path: Path, value: Any) -> list[str]:
    if isinstance(value, dict):
        return list(value)
    raise PathNotFound(path, f"Function keys() cannot be applied to {to_string(value)}")


def _first(path: Path, value: Any) -> Any:
    if isinstance(value, list) and value:
        return value[0]
    raise PathNotFound(path, f"No results for path: {path.normalized}")


def _last(path: Path, value: Any) -> Any:
    if isinstance(value, list) and value:
        return value[-1]
    raise PathNotFound(path, f"No results for path: {path.normalized}")


# Jayway's path functions (``$.items.length()``); they end a path.
_FUNCTIONS: dict[str, Callable[[Path, Any], Any]] = {
    "length": _length,
    "size": _length,
    "sum": _sum,
    "avg": _avg,
    "min": _min,
    "max": _max,
    "stddev": _stddev,
    "keys": _keys,
    "first": _first,
    "last": _last,
}


def _apply_function(path: Path, value: Any) -> Any:
    if path._function is None:
        return value
    return _FUNCTIONS[path._function](path, value)


# --------------------------------------------------------------------------- ResultPath


def set_path(path: Path, target: Any, value: Any) -> Any:
    """``target`` with ``value`` placed at ``path`` (ResultPath); copies only the spine.

    Missing objects on the way are created; raises ``States.ResultPathMatchFailure``
    when the path cannot be applied (a step into a non-object, an index out of range).
    """
    steps = path._steps
    if not path.definite or path._function is not None or path.root != "$":
        raise StatesError(
            "States.ResultPathMatchFailure", f"ResultPath '{path.text}' is not a Reference Path"
        )
    if not steps:
        return value
    return _set(path, target, steps, 0, value)


def _set(path: Path, node: Any, steps: tuple[Step, ...], position: int, value: Any) -> Any:
    step = steps[position]
    last = position + 1 == len(steps)
    if isinstance(step, str):
        if type(node) is not dict:
            raise _result_path_failure(path, node)
        copy = dict(node)
        copy[step] = value if last else _set(path, node.get(step, {}), steps, position + 1, value)
        return copy
    if type(node) is not list:
        raise _result_path_failure(path, node)
    index = step if step >= 0 else len(node) + step
    if not 0 <= index < len(node):
        raise _result_path_failure(path, node)
    items = list(node)
    items[index] = value if last else _set(path, node[index], steps, position + 1, value)
    return items


def _result_path_failure(path: Path, target: Any) -> StatesError:
    rendered = json.dumps(target, separators=(",", ":"), ensure_ascii=False)
    return StatesError(
        "States.ResultPathMatchFailure",
        f"Unable to apply ResultPath '{path.text}' to input '{rendered}'",
    )
