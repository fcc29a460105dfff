"""JSONPath selectors (wildcards, filters, slices, unions, ``..``) compiled to closures.

``paths.py`` parses a path; whatever follows its definite prefix becomes a list of step
objects, compiled here once. At run time each compiled step maps the list of current
nodes to the list of next nodes, in document order, so evaluating a path is a few plain
list passes with no per-node dispatch. Semantics follow Jayway JSONPath, the library AWS
Step Functions uses; where Jayway and other JSONPath libraries differ, the comments say so.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from asl.errors import StatesError
from asl.java import double_to_string, utf16_comparable

__all__ = [
    "MISSING",
    "FilterSyntaxError",
    "Filter",
    "Index",
    "Indexes",
    "Key",
    "Keys",
    "PathOperand",
    "Scan",
    "Slice",
    "Step",
    "Wildcard",
    "compile_steps",
    "parse_filter",
]


class _Missing:
    """The value of a filter operand whose path selects nothing (Jayway's UNDEFINED)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

Nodes = list[Any]
Selector = Callable[[Nodes, Any], Nodes]
# A filter predicate: (current item, document root) -> keep the item?
Predicate = Callable[[Any, Any], bool]
# A filter over one array: (array, document root) -> the items kept, in order.
ItemsFilter = Callable[[list[Any], Any], Nodes]
# A filter operand reader: (current item, document root) -> value or MISSING.
Getter = Callable[[Any, Any], Any]


class FilterSyntaxError(ValueError):
    """A filter expression this module cannot compile (the caller may fall back)."""


# --------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Key:
    """``.name`` / ``['name']``: the member of each object that has it."""

    name: str


@dataclass(frozen=True)
class Keys:
    """``['a','b']``: each listed member present, in the listed order."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Wildcard:
    """``[*]`` / ``.*``: every element of an array, every member value of an object."""


@dataclass(frozen=True)
class Index:
    """``[n]`` after an indefinite step; negative counts from the end; out of range is skipped."""

    index: int


@dataclass(frozen=True)
class Indexes:
    """``[0,2]``: the listed elements, in the listed order."""

    indexes: tuple[int, ...]


@dataclass(frozen=True)
class Slice:
    """``[start:stop]`` (Jayway's rules) or ``[start:stop:step]`` (Python's rules)."""

    start: int | None
    stop: int | None
    step: int | None = None


@dataclass(frozen=True)
class Filter:
    """``[?(...)]``: matching array elements, or the object itself when it matches.

    ``items`` filters a whole array at once (a comprehension for simple conditions).
    """

    predicate: Predicate
    text: str
    items: ItemsFilter


@dataclass(frozen=True)
class Scan:
    """``..``: the following step applies to every container at any depth (pre-order)."""


Step = Key | Keys | Wildcard | Index | Indexes | Slice | Filter | Scan


def compile_steps(steps: Sequence[Step]) -> Callable[[Any, Any], Nodes]:
    """A function ``(node, root) -> matches`` walking ``steps`` from ``node``.

    ``root`` is the document ``$`` refers to inside filters. The parser guarantees that
    a Scan is always followed by another (non-Scan) step.
    """
    selectors: list[Selector] = []
    position = 0
    while position < len(steps):
        step = steps[position]
        following = steps[position + 1] if position + 1 < len(steps) else None
        if isinstance(step, Scan):
            selectors.append(_scan(steps[position + 1]))
            position += 2
        elif isinstance(step, Wildcard) and isinstance(following, Key):
            selectors.append(_wildcard_key(following.name))
            position += 2
        else:
            selectors.append(_selector(step))
            position += 1
    chain = tuple(selectors)
    if len(chain) == 1:
        only = chain[0]

        def run_one(node: Any, root: Any) -> Nodes:
            return only([node], root)

        return run_one

    def run(node: Any, root: Any) -> Nodes:
        nodes = [node]
        for select in chain:
            nodes = select(nodes, root)
            if not nodes:
                break
        return nodes

    return run


def _selector(step: Step) -> Selector:
    if isinstance(step, Key):
        return _key(step.name)
    if isinstance(step, Keys):
        return _keys(step.names)
    if isinstance(step, Wildcard):
        return _wildcard
    if isinstance(step, Index):
        return _index(step.index)
    if isinstance(step, Indexes):
        return _indexes(step.indexes)
    if isinstance(step, Slice):
        return _slice(step)
    if isinstance(step, Filter):
        return _filter(step)
    raise TypeError(f"unexpected JSONPath step {step!r}")  # pragma: no cover


def _key(name: str) -> Selector:
    def select(nodes: Nodes, root: Any) -> Nodes:
        return [node[name] for node in nodes if type(node) is dict and name in node]

    return select


def _keys(names: tuple[str, ...]) -> Selector:
    def select(nodes: Nodes, root: Any) -> Nodes:
        return [
            node[name] for node in nodes if type(node) is dict for name in names if name in node
        ]

    return select


def _wildcard(nodes: Nodes, root: Any) -> Nodes:
    out: Nodes = []
    for node in nodes:
        kind = type(node)
        if kind is list:
            out += node
        elif kind is dict:
            out += node.values()
    return out


def _wildcard_key(name: str) -> Selector:
    """``[*].name`` in one pass (the commonest wildcard use)."""

    def select(nodes: Nodes, root: Any) -> Nodes:
        out: Nodes = []
        for node in nodes:
            kind = type(node)
            if kind is list:
                out += [item[name] for item in node if type(item) is dict and name in item]
            elif kind is dict:
                out += [item[name] for item in node.values() if type(item) is dict and name in item]
        return out

    return select


def _index(index: int) -> Selector:
    def select(nodes: Nodes, root: Any) -> Nodes:
        return [
            node[index] for node in nodes if type(node) is list and -len(node) <= index < len(node)
        ]

    return select


def _indexes(indexes: tuple[int, ...]) -> Selector:
    def select(nodes: Nodes, root: Any) -> Nodes:
        return [
            node[index]
            for node in nodes
            if type(node) is list
            for index in indexes
            if -len(node) <= index < len(node)
        ]

    return select


def _slice(step: Slice) -> Selector:
    start, stop = step.start, step.stop
    if step.step is not None or start is None or stop is None or start >= 0:
        # Jayway's [a:], [:b] and [a:b] with a >= 0 agree with Python slicing (its
        # [a:b] never counts b from the end: [1:-1] is empty, as in Python when a >= 0).
        if step.step is None and start is not None and stop is not None and stop < 0:
            return _nothing
        window = slice(start, stop, step.step)

        def select(nodes: Nodes, root: Any) -> Nodes:
            out: Nodes = []
            for node in nodes:
                if type(node) is list:
                    out += node[window]
            return out

        return select
    low, high = start, stop

    def select_between(nodes: Nodes, root: Any) -> Nodes:
        # Jayway's [a:b] with a < 0: indexes a..min(b, len)-1, each counted from the
        # end when negative, so [-2:3] on five elements gives 3, 4, 0, 1, 2.
        out: Nodes = []
        for node in nodes:
            if type(node) is list:
                length = len(node)
                out += [node[i] for i in range(low, min(high, length)) if -length <= i < length]
        return out

    return select_between


def _nothing(nodes: Nodes, root: Any) -> Nodes:
    return []


def _filter(step: Filter) -> Selector:
    predicate = step.predicate
    items = step.items

    def select(nodes: Nodes, root: Any) -> Nodes:
        out: Nodes = []
        for node in nodes:
            kind = type(node)
            if kind is list:
                out += items(node, root)
            elif kind is dict and predicate(node, root):
                # Jayway applies a filter to an object as a whole, not to its values.
                out.append(node)
        return out

    return select


# --------------------------------------------------------------------------- deep scan


def _scan(step: Step) -> Selector:
    """``..`` followed by ``step``: the step applied to every container, pre-order."""
    if isinstance(step, Key):
        return _scan_key(step.name)
    if isinstance(step, Filter):
        return _scan_filter(step.predicate)
    then = _selector(step)

    def select(nodes: Nodes, root: Any) -> Nodes:
        return then(_containers(nodes), root)

    return select


def _containers(nodes: Nodes) -> Nodes:
    """Every object and array in ``nodes`` and below, in document (pre-)order."""
    out: Nodes = []
    append = out.append
    try:
        for start in nodes:
            kind = type(start)
            if kind is dict:
                _walk_dict(start, append)
            elif kind is list:
                _walk_list(start, append)
    except RecursionError:
        return _containers_deep(nodes)
    return out


def _walk_dict(node: dict[str, Any], append: Callable[[Any], None]) -> None:
    append(node)
    for child in node.values():
        kind = type(child)
        if kind is dict:
            _walk_dict(child, append)
        elif kind is list:
            _walk_list(child, append)


def _walk_list(node: list[Any], append: Callable[[Any], None]) -> None:
    append(node)
    for child in node:
        kind = type(child)
        if kind is dict:
            _walk_dict(child, append)
        elif kind is list:
            _walk_list(child, append)


def _containers_deep(nodes: Nodes) -> Nodes:
    """``_containers`` for documents nested deeper than Python's recursion limit."""
    out: Nodes = []
    append = out.append
    for start in nodes:
        kind = type(start)
        if kind is dict:
            append(start)
            stack = [iter(start.values())]
        elif kind is list:
            append(start)
            stack = [iter(start)]
        else:
            continue
        while stack:
            for child in stack[-1]:
                kind = type(child)
                if kind is dict:
                    append(child)
                    stack.append(iter(child.values()))
                    break
                if kind is list:
                    append(child)
                    stack.append(iter(child))
                    break
            else:
                stack.pop()
    return out


def _scan_key(name: str) -> Selector:
    """``..name``: the member ``name`` of every object at any depth, pre-order.

    The commonest deep scan, so it collects while walking instead of listing containers.
    """
    then = _key(name)

    def select(nodes: Nodes, root: Any) -> Nodes:
        out: Nodes = []
        append = out.append
        try:
            for start in nodes:
                kind = type(start)
                if kind is dict:
                    _collect_dict(start, name, append)
                elif kind is list:
                    _collect_list(start, name, append)
        except RecursionError:
            return then(_containers_deep(nodes), root)
        return out

    return select


def _collect_dict(node: dict[str, Any], name: str, append: Callable[[Any], None]) -> None:
    if name in node:
        append(node[name])
    for child in node.values():
        kind = type(child)
        if kind is dict:
            _collect_dict(child, name, append)
        elif kind is list:
            _collect_list(child, name, append)


def _collect_list(node: list[Any], name: str, append: Callable[[Any], None]) -> None:
    for child in node:
        kind = type(child)
        if kind is dict:
            _collect_dict(child, name, append)
        elif kind is list:
            _collect_list(child, name, append)


def _scan_filter(predicate: Predicate) -> Selector:
    """``..[?(...)]`` as Jayway runs it: an object matches as a whole; an array's
    elements are filtered only when the array itself passes the predicate."""

    def select(nodes: Nodes, root: Any) -> Nodes:
        out: Nodes = []
        for node in _containers(nodes):
            if predicate(node, root):
                if type(node) is dict:
                    out.append(node)
                else:
                    out += [item for item in node if predicate(item, root)]
        return out

    return select


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class PathOperand:
    """A path inside a filter (``@.price``, ``$.limit``), compiled by the path parser.

    ``get`` returns the selected value or MISSING; an indefinite path returns the list
    of its matches. ``key`` is set for ``@.name`` so the commonest case can be inlined.
    """

    get: Getter
    definite: bool
    key: str | None = None


OperandFactory = Callable[[str], PathOperand]


@dataclass(frozen=True)
class _Literal:
    value: Any
    text: str | None = None  # a number's literal text (Jayway keeps BigDecimal's form)


@dataclass(frozen=True)
class _Pattern:
    regex: Any  # a ``regex`` module pattern (Java-like syntax, interruptible matching)
    source: str


_Operand = PathOperand | _Literal | _Pattern

_RELATIONAL_CHARS = frozenset("<>=~!")
_WORD_OPERATORS = frozenset({"in", "nin", "size", "empty", "contains"})
_NUMBER_CHARS = frozenset("0123456789.eE+-")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_REGEX_FLAGS = {"i": "IGNORECASE", "m": "MULTILINE", "s": "DOTALL", "x": "VERBOSE"}

#: How long one ``=~`` match may run.  Java's matcher (Jayway's) backtracks without bound;
#: a pattern such as ``/(a|aa)+b/`` against a long value would block the whole event loop
#: (and every timeout with it), so a match running longer fails the evaluation instead.
REGEX_TIMEOUT_SECONDS = 0.25


def parse_filter(text: str, operand: OperandFactory) -> Filter:
    """Compile a filter body such as ``(@.price < 10 && @.cat == 'a')`` to a Filter step.

    ``operand`` compiles the paths inside it. Raises FilterSyntaxError for anything
    outside the grammar Jayway accepts (a path error, as on AWS).
    """
    parser = _FilterParser(text, operand)
    predicate = parser.parse()
    simple, items = parser.simple
    if items is None or predicate is not simple:
        # Not one bare relation (negated, combined...): filter item by item.
        items = _items_filter(predicate)
    return Filter(predicate, text, items)


def _items_filter(predicate: Predicate) -> ItemsFilter:
    def items(array: list[Any], root: Any) -> Nodes:
        return [item for item in array if predicate(item, root)]

    return items


class _FilterParser:
    """Recursive descent over Jayway's filter grammar: ``||`` binds looser than ``&&``."""

    def __init__(self, text: str, operand: OperandFactory):
        self.text = text
        self.pos = 0
        self.operand = operand
        # The last relation read, with its comprehension form when it has one.
        self.simple: tuple[Predicate | None, ItemsFilter | None] = (None, None)

    def error(self, what: str) -> FilterSyntaxError:
        return FilterSyntaxError(f"{what} at position {self.pos} of filter '{self.text}'")

    def skip(self) -> str:
        """Skip blanks; the next character or '' at the end."""
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t\r\n":
            self.pos += 1
        return text[self.pos] if self.pos < len(text) else ""

    def parse(self) -> Predicate:
        if self.skip() != "(":
            raise self.error("a filter must be enclosed in parentheses")
        predicate = self.parse_or()
        if self.skip():
            raise self.error("unexpected text")
        return predicate

    def parse_or(self) -> Predicate:
        parts = [self.parse_and()]
        while self.skip() == "|":
            if not self.text.startswith("||", self.pos):
                raise self.error("expected '||'")
            self.pos += 2
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else _any_of(tuple(parts))

    def parse_and(self) -> Predicate:
        parts = [self.parse_unary()]
        while self.skip() == "&":
            if not self.text.startswith("&&", self.pos):
                raise self.error("expected '&&'")
            self.pos += 2
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else _all_of(tuple(parts))

    def parse_unary(self) -> Predicate:
        char = self.skip()
        if char == "!":
            start = self.pos
            self.pos += 1
            if self.skip() not in ("@", "$"):
                return _negate(self.parse_unary())
            self.pos = start  # '!@.x' is a path that must not exist: see parse_relation
        if char == "(":
            self.pos += 1
            predicate = self.parse_or()
            if self.skip() != ")":
                raise self.error("expected ')'")
            self.pos += 1
            return predicate
        return self.parse_relation()

    def parse_relation(self) -> Predicate:
        negated = self.skip() == "!"
        if negated:
            self.pos += 1
            self.skip()
        left = self.parse_value()
        char = self.skip()
        if char in ("", ")", "&", "|"):
            if not isinstance(left, PathOperand):
                raise self.error("a lone value in a filter must be a path")
            return _exists(left, not negated)
        # Like Jayway, a '!' before a path that is compared is ignored.
        operator = self.parse_operator()
        right = self.parse_value()
        predicate = _relation(left, operator, right)
        items = None
        if isinstance(left, PathOperand) and isinstance(right, _Literal):
            items = _simple_items_filter(left, operator, right)
        self.simple = (predicate, items)
        return predicate

    def parse_operator(self) -> str:
        text = self.text
        start = self.pos
        if text[start] in _RELATIONAL_CHARS:
            while self.pos < len(text) and text[self.pos] in _RELATIONAL_CHARS:
                self.pos += 1
        else:
            while self.pos < len(text) and text[self.pos].isalpha():
                self.pos += 1
        operator = text[start : self.pos]
        if operator not in _COMPARISONS and operator not in _WORD_OPERATORS and operator != "=~":
            self.pos = start
            raise self.error(f"unsupported operator {operator or text[start]!r}")
        return operator

    def parse_value(self) -> _Operand:
        char = self.skip()
        if char in ("@", "$"):
            return self.parse_path()
        if char in ("'", '"'):
            return _Literal(self.parse_string(char))
        if char in ("[", "{"):
            return _Literal(self.parse_json())
        if char == "/":
            return self.parse_pattern()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return _Literal(value)
        return self.parse_number()

    def parse_path(self) -> PathOperand:
        """A path runs to a blank, an operator, '&', '|' or a ')' that closes no call."""
        text = self.text
        start = self.pos
        self.pos += 1
        while self.pos < len(text):
            char = text[self.pos]
            if char == "[":
                self.pos = self.bracket_end(self.pos)
                continue
            if char == "(" and text.startswith("()", self.pos):
                self.pos += 2
                continue
            if char in " \t\r\n)&|" or char in _RELATIONAL_CHARS:
                break
            self.pos += 1
        source = text[start : self.pos]
        try:
            return self.operand(source)
        except ValueError as exc:
            self.pos = start
            raise self.error(f"invalid path {source!r} ({exc})") from None

    def bracket_end(self, start: int) -> int:
        """The index after the ']' matching the '[' at ``start`` (quotes skipped)."""
        text = self.text
        depth = 0
        quote = ""
        pos = start
        while pos < len(text):
            char = text[pos]
            if quote:
                if char == "\\":
                    pos += 1
                elif char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth == 0:
                    return pos + 1
            pos += 1
        self.pos = start
        raise self.error("unclosed bracket")

    def parse_string(self, quote: str) -> str:
        text = self.text
        pos = self.pos + 1
        chars: list[str] = []
        while pos < len(text):
            char = text[pos]
            if char == quote:
                self.pos = pos + 1
                return "".join(chars)
            if char == "\\" and pos + 1 < len(text):
                pos += 1
                char = text[pos]
                if char == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[pos + 1 : pos + 5]):
                    chars.append(chr(int(text[pos + 1 : pos + 5], 16)))
                    pos += 5
                    continue
                char = _ESCAPES.get(char, char)
            chars.append(char)
            pos += 1
        raise self.error("unterminated string")

    def parse_json(self) -> Any:
        start = self.pos
        end = self.bracket_end(start)
        self.pos = end
        try:
            return _permissive_json(self.text[start:end])
        except ValueError:
            self.pos = start
            raise self.error("invalid JSON literal") from None

    def parse_pattern(self) -> _Pattern:
        text = self.text
        pos = self.pos + 1
        while pos < len(text) and text[pos] != "/":
            pos += 2 if text[pos] == "\\" else 1
        if pos >= len(text):
            raise self.error("unterminated regular expression")
        source = text[self.pos + 1 : pos]
        pos += 1
        import regex  # noqa: PLC0415 - only filters with =~ need it

        flags = 0
        while pos < len(text) and text[pos].isalpha():
            name = _REGEX_FLAGS.get(text[pos])
            flags |= getattr(regex, name) if name else 0
            pos += 1
        try:
            compiled = regex.compile(source, flags)
        except (regex.error, ValueError, OverflowError) as exc:
            raise self.error(f"invalid regular expression ({exc})") from None
        self.pos = pos
        return _Pattern(compiled, source)

    def parse_number(self) -> _Literal:
        text = self.text
        start = self.pos
        while self.pos < len(text) and text[self.pos] in _NUMBER_CHARS:
            self.pos += 1
        source = text[start : self.pos]
        if not _NUMBER.fullmatch(source):
            self.pos = start
            raise self.error("expected a value")
        if source.lstrip("+-").isdigit():
            return _Literal(int(source), str(Decimal(source)))
        return _Literal(float(source), str(Decimal(source)))


def _permissive_json(text: str) -> Any:
    """A JSON literal, also with 'single-quoted' strings (Jayway parses permissively)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    out: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char in "'\"":
            end = pos + 1
            while end < len(text) and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise ValueError("unterminated string")
            body = text[pos + 1 : end]
            if char == "'":
                body = body.replace("\\'", "'").replace('"', '\\"')
            out.append('"' + body + '"')
            pos = end + 1
        else:
            out.append(char)
            pos += 1
    return json.loads("".join(out))


# --------------------------------------------------------------------------- predicates


def _any_of(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 2:
        first, second = parts

        def either(item: Any, root: Any) -> bool:
            return first(item, root) or second(item, root)

        return either

    def any_part(item: Any, root: Any) -> bool:
        for part in parts:
            if part(item, root):
                return True
        return False

    return any_part


def _all_of(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 2:
        first, second = parts

        def both(item: Any, root: Any) -> bool:
            return first(item, root) and second(item, root)

        return both

    def all_parts(item: Any, root: Any) -> bool:
        for part in parts:
            if not part(item, root):
                return False
        return True

    return all_parts


def _negate(predicate: Predicate) -> Predicate:
    def negated(item: Any, root: Any) -> bool:
        return not predicate(item, root)

    return negated


def _exists(operand: PathOperand, should_exist: bool) -> Predicate:
    """``[?(@.x)]``: the path selects something (even null); ``[?(!@.x)]``: it does not."""
    get = operand.get
    if operand.definite:
        if should_exist:

            def exists(item: Any, root: Any) -> bool:
                return get(item, root) is not MISSING

            return exists

        def absent(item: Any, root: Any) -> bool:
            return get(item, root) is MISSING

        return absent

    def exists_any(item: Any, root: Any) -> bool:
        # An indefinite path exists when it matches something.
        found = get(item, root)
        return (found is not MISSING and bool(found)) is should_exist

    return exists_any


def _relation(left: _Operand, operator: str, right: _Operand) -> Predicate:
    """``left <operator> right`` with Jayway's typing rules."""
    if operator == "=~":
        return _regex_relation(left, right)
    if operator in _WORD_OPERATORS:
        return _word_relation(left, operator, right)
    if isinstance(left, _Pattern) or isinstance(right, _Pattern):
        return _never
    test = _COMPARISONS[operator]
    if isinstance(right, _Literal) and isinstance(left, PathOperand):
        return _against_literal(left, _literal_test(operator, right))
    if isinstance(left, _Literal) and isinstance(right, PathOperand):
        swapped = _SWAPPED.get(operator)
        if swapped is not None:
            return _against_literal(right, _literal_test(swapped, left))
    get_left = _reader(left)
    get_right = _reader(right)

    def compare(item: Any, root: Any) -> bool:
        return test(get_left(item, root), get_right(item, root))

    return compare


def _never(item: Any, root: Any) -> bool:
    return False


def _reader(operand: _Operand) -> Getter:
    if isinstance(operand, PathOperand):
        return operand.get
    if isinstance(operand, _Pattern):  # pragma: no cover - the callers handle patterns
        raise TypeError("a pattern is not a value")
    value = _NumberText(operand.value, operand.text) if operand.text else operand.value

    def constant(item: Any, root: Any) -> Any:
        return value

    return constant


def _against_literal(operand: PathOperand, test: Callable[[Any], bool]) -> Predicate:
    """A predicate testing one path against a constant; ``@.name`` is read inline."""
    key = operand.key
    if key is not None:

        def test_key(item: Any, root: Any) -> bool:
            return test(item.get(key, MISSING) if type(item) is dict else MISSING)

        return test_key
    get = operand.get

    def test_path(item: Any, root: Any) -> bool:
        return test(get(item, root))

    return test_path


def _simple_items_filter(
    operand: PathOperand, operator: str, literal: _Literal
) -> ItemsFilter | None:
    """A comprehension for ``[?(@.name <op> literal)]`` over an array, when the literal
    allows one: no Python call per item, which makes the commonest filters fast."""
    key = operand.key
    if key is None:
        return None
    value = literal.value
    kind = type(value)
    if operator in _ORDERINGS and (kind is int or kind is float):
        compare = _ORDERINGS[operator]
        numbers = _NUMBER_TYPES

        def numeric(array: list[Any], root: Any) -> Nodes:
            return [
                item
                for item in array
                if type(item) is dict
                and type(found := item.get(key)) in numbers
                and compare(found, value)
            ]

        return numeric
    if operator in _ORDERINGS and kind is str and value.isascii():
        # Against an ASCII string, Python's order is Java's UTF-16 order.
        compare = _ORDERINGS[operator]

        def textual(array: list[Any], root: Any) -> Nodes:
            return [
                item
                for item in array
                if type(item) is dict
                and type(found := item.get(key)) is str
                and compare(found, value)
            ]

        return textual
    if operator in ("==", "!=") and kind is str and not _NUMBER.fullmatch(value):
        if operator == "==":

            def same(array: list[Any], root: Any) -> Nodes:
                # Only the same string equals a non-numeric string (a missing key: None).
                return [item for item in array if type(item) is dict and item.get(key) == value]

            return same

        def different(array: list[Any], root: Any) -> Nodes:
            return [item for item in array if not (type(item) is dict and item.get(key) == value)]

        return different
    return None


def _literal_test(operator: str, literal: _Literal) -> Callable[[Any], bool]:
    """A one-argument test ``value <operator> literal`` specialised on the literal's type."""
    value = literal.value
    kind = type(value)
    if operator in ("<", "<=", ">", ">="):
        compare = _ORDERINGS[operator]
        if kind is int or kind is float:

            def number_order(found: Any) -> bool:
                found_kind = type(found)
                return (found_kind is int or found_kind is float) and compare(found, value)

            return number_order
        if kind is str:

            def string_order(found: Any) -> bool:
                return type(found) is str and compare(*utf16_comparable(found, value))

            return string_order
        return lambda found: False
    if operator in ("==", "!="):
        expected = operator == "=="
        if kind is str and not _NUMBER.fullmatch(value):
            # A non-numeric string equals only the same string.
            return lambda found: (type(found) is str and found == value) is expected
        other = _NumberText(value, literal.text) if literal.text else value
        return lambda found: _equals(found, other) is expected
    test = _COMPARISONS[operator]
    return lambda found: test(found, value)


# --------------------------------------------------------------------------- Jayway typing


class _NumberText:
    """A number literal together with its text, which Jayway compares with strings."""

    __slots__ = ("value", "text")

    def __init__(self, value: int | float, text: str):
        self.value = value
        self.text = text


def _number_and_text(value: Any) -> tuple[Any, str | None]:
    if type(value) is _NumberText:
        return value.value, value.text
    return value, None


def _equals(left: Any, right: Any) -> bool:
    """Jayway's ``==``: numbers equal numerically, a number equals a string holding it
    (``1 == '1'``; a string compares against the number's decimal text), booleans, null
    and JSON values only equal their own kind; a missing value equals nothing."""
    left, left_text = _number_and_text(left)
    right, right_text = _number_and_text(right)
    if left is MISSING or right is MISSING:
        return False
    left_kind = type(left)
    right_kind = type(right)
    if left_kind is str:
        if right_kind is str:
            return bool(left == right)
        if right_kind is int or right_kind is float:
            return left == (right_text or _decimal_text(right))
        return False
    if left_kind is int or left_kind is float:
        if right_kind is int or right_kind is float:
            return bool(left == right)
        if right_kind is str:
            number = _big_decimal(right)
            return number is not None and number == Decimal(left_text or _decimal_text(left))
        return False
    if left_kind is bool:
        return right_kind is bool and left == right
    if left is None:
        return right is None
    if left_kind is list or left_kind is dict:
        return (right_kind is list or right_kind is dict) and _json_equal(left, right)
    return False


def _strict_equals(left: Any, right: Any) -> bool:
    """Jayway's ``===``: same kind of value, then ``==``."""
    return _kind(_number_and_text(left)[0]) == _kind(_number_and_text(right)[0]) and _equals(
        left, right
    )


def _kind(value: Any) -> str:
    kind = type(value)
    if kind is int or kind is float:
        return "number"
    if kind is list or kind is dict:
        return "json"
    if value is MISSING:
        return "missing"
    return kind.__name__


def _json_equal(left: Any, right: Any) -> bool:
    """Structural equality where true is not 1 (Java's Map/List equality)."""
    left_kind = type(left)
    right_kind = type(right)
    if left_kind is dict:
        return (
            right_kind is dict
            and left.keys() == right.keys()
            and all(_json_equal(value, right[key]) for key, value in left.items())
        )
    if left_kind is list:
        return (
            right_kind is list
            and len(left) == len(right)
            and all(_json_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    if left_kind is bool or right_kind is bool:
        return left_kind is right_kind and left == right
    return bool(left == right) and (left is None) == (right is None)


def _order(left: Any, right: Any) -> int | None:
    """-1/0/1 for two numbers or two strings (Java's UTF-16 order); None otherwise."""
    left = _number_and_text(left)[0]
    right = _number_and_text(right)[0]
    left_kind = type(left)
    right_kind = type(right)
    if (left_kind is int or left_kind is float) and (right_kind is int or right_kind is float):
        return (left > right) - (left < right)
    if left_kind is str and right_kind is str:
        a, b = utf16_comparable(left, right)
        return (a > b) - (a < b)
    return None


def _decimal_text(number: int | float) -> str:
    """The text Jayway gives a number from the document (BigDecimal of Java's toString)."""
    if type(number) is int:
        return str(number)
    return str(Decimal(double_to_string(number)))


def _big_decimal(text: str) -> Decimal | None:
    """``new BigDecimal(text)``, or None when Java would reject the text."""
    return Decimal(text) if _NUMBER.fullmatch(text) else None


def _less(left: Any, right: Any) -> bool:
    order = _order(left, right)
    return order is not None and order < 0


def _less_equal(left: Any, right: Any) -> bool:
    order = _order(left, right)
    return order is not None and order <= 0


def _greater(left: Any, right: Any) -> bool:
    order = _order(left, right)
    return order is not None and order > 0


def _greater_equal(left: Any, right: Any) -> bool:
    order = _order(left, right)
    return order is not None and order >= 0


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equals,
    "!=": lambda left, right: not _equals(left, right),
    "===": _strict_equals,
    "!==": lambda left, right: not _strict_equals(left, right),
    "<": _less,
    "<=": _less_equal,
    ">": _greater,
    ">=": _greater_equal,
}

# Plain comparisons of two already type-checked values, for the literal fast paths.
_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_NUMBER_TYPES = frozenset({int, float})

# ``literal < @.x`` is ``@.x > literal`` (only for operators where swapping is exact).
_SWAPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


# --------------------------------------------------------------------------- =~ and words


def _regex_relation(left: _Operand, right: _Operand) -> Predicate:
    """``@.name =~ /^a.*/i``: a full match of the value's text (Java's Matcher.matches)."""
    if isinstance(left, _Pattern) == isinstance(right, _Pattern):
        return _never
    pattern, other = (left, right) if isinstance(left, _Pattern) else (right, left)
    assert isinstance(pattern, _Pattern)
    get = _reader(other)
    fullmatch = _bounded_fullmatch(pattern)

    def matches(item: Any, root: Any) -> bool:
        value = get(item, root)
        if type(value) is list:
            return any(fullmatch(_regex_input(v)) for v in value)
        return fullmatch(_regex_input(value))

    return matches


class RegexTimeout(StatesError):
    """An ``=~`` match ran longer than `REGEX_TIMEOUT_SECONDS` (``States.Runtime``)."""


def _bounded_fullmatch(pattern: _Pattern) -> Callable[[str], bool]:
    """``fullmatch`` that gives up after `REGEX_TIMEOUT_SECONDS` with `RegexTimeout`."""
    regex = pattern.regex

    def fullmatch(value: str) -> bool:
        try:
            return regex.fullmatch(value, timeout=REGEX_TIMEOUT_SECONDS) is not None
        except TimeoutError:
            raise RegexTimeout(
                "States.Runtime",
                f"The regular expression /{pattern.source}/ of a JSONPath filter took longer "
                f"than {REGEX_TIMEOUT_SECONDS} seconds to match a value of {len(value)} characters",
            ) from None

    return fullmatch


def _regex_input(value: Any) -> str:
    value, text = _number_and_text(value)
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return text or _decimal_text(value)
    return ""


def _word_relation(left: _Operand, operator: str, right: _Operand) -> Predicate:
    """``in``, ``nin``, ``size``, ``empty`` and ``contains`` as Jayway evaluates them."""
    if isinstance(left, _Pattern) or isinstance(right, _Pattern):
        return _never
    get_left = _reader(left)
    get_right = _reader(right)
    test = _WORD_TESTS[operator]

    def relate(item: Any, root: Any) -> bool:
        return test(get_left(item, root), get_right(item, root))

    return relate


def _is_in(value: Any, values: Any) -> bool:
    return type(values) is list and any(_equals(value, v) for v in values)


def _not_in(value: Any, values: Any) -> bool:
    # Jayway's ``nin`` against something that is not a list fails like ``in``.
    return type(values) is list and not _is_in(value, values)


def _has_size(value: Any, size: Any) -> bool:
    size = _number_and_text(size)[0]
    if type(size) not in (int, float):
        return False
    if type(value) is str:
        return len(value.encode("utf-16-le")) // 2 == int(size)
    return type(value) is list and len(value) == int(size)


def _is_empty(value: Any, expected: Any) -> bool:
    if type(expected) is not bool:
        return False
    if type(value) in (str, list, dict):
        return (len(value) == 0) is expected
    return False


def _contains(value: Any, member: Any) -> bool:
    if type(value) is str:
        return type(member) is str and member in value
    return type(value) is list and any(_equals(member, v) for v in value)


_WORD_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "in": _is_in,
    "nin": _not_in,
    "size": _has_size,
    "empty": _is_empty,
    "contains": _contains,
}
