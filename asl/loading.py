"""Loading a definition: JSON or YAML text (or a dict) into a value with source positions.

`load` never raises for a bad definition: malformed text, duplicate keys, absurd nesting and
similar problems come back as diagnostics.  Positions are computed lazily, only when a
diagnostic needs one, so loading a valid definition costs little more than ``json.loads``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from asl.diagnostics import Diagnostic, pointer

__all__ = ["LoadedDefinition", "MAX_DEPTH", "json_value_problems", "load", "nesting_problem"]

#: Deepest nesting of arrays and objects accepted.  Deeper documents get TOO_DEEPLY_NESTED
#: rather than a RecursionError somewhere in the validator or the executor.
MAX_DEPTH = 200

#: AWS refuses definitions larger than 1 MB (ASL-NOTES 1.1); we accept larger ones but
#: warn, since the limit belongs to the service rather than to the language.
AWS_MAX_DEFINITION_BYTES = 1024 * 1024

_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class LoadedDefinition:
    """A decoded definition plus what is needed to point back into its source text."""

    document: Any
    text: str | None = None
    filename: str | None = None
    syntax: str = "json"
    _positions: Any = field(default=None, repr=False)  # pointer -> (line, column) lookups
    #: set by `load` once the document is known to hold only JSON values
    json_checked: bool = field(default=False, repr=False)

    def position(self, pointer: str) -> tuple[int, int] | None:
        """The 1-based (line, column) of the value at a JSON pointer, or of its nearest
        ancestor that exists; None when there is no source text."""
        if self.text is None:
            return None
        if self._positions is None:
            self._positions = _compute_positions(self.text, self.syntax)
        positions = self._positions
        current = pointer
        while True:
            found = positions.get(current)
            if found is not None:
                return found
            if not current:
                return None
            current = current[: current.rfind("/")]


def load(
    source: Any, *, filename: str | None = None
) -> tuple[LoadedDefinition | None, list[Diagnostic]]:
    """Decode a definition given as text, bytes, a dict or a path.

    Returns ``(loaded, diagnostics)``; ``loaded`` is None when the text could not be decoded
    at all.  Raises TypeError only for an argument of an unsupported type.
    """
    if isinstance(source, dict):
        problems = json_value_problems(source)
        loaded = LoadedDefinition(source, None, filename, "object", json_checked=not problems)
        return loaded, problems
    if isinstance(source, os.PathLike):
        filename = os.fspath(source) if filename is None else filename
        try:
            with open(source, "rb") as handle:
                source = handle.read()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return None, [Diagnostic("FILE_NOT_READABLE", f"cannot read {filename}: {reason}")]
    if isinstance(source, (bytes, bytearray, memoryview)):
        try:
            source = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [
                Diagnostic("INVALID_JSON_DESCRIPTION", f"the definition is not UTF-8 text: {exc}")
            ]
    if not isinstance(source, str):
        raise TypeError(
            "a definition must be JSON or YAML text (str or bytes), a dict or a path, "
            f"not {type(source).__name__}"
        )
    return _load_text(source, filename)


def _load_text(text: str, filename: str | None) -> tuple[LoadedDefinition | None, list[Diagnostic]]:
    """Decode text as JSON or YAML, chosen by file suffix or by the first character."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return None, [
            Diagnostic("SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object")
        ]
    if _is_yaml(text, filename):
        too_deep = nesting_problem(text)
        if too_deep is not None:
            return None, [too_deep]
        loaded, diags = _load_yaml(text, filename)
    else:
        loaded, diags = _load_json(text, filename)
    if loaded is not None and len(text.encode("utf-8", "surrogatepass")) > AWS_MAX_DEFINITION_BYTES:
        diags.append(
            Diagnostic(
                "DEFINITION_TOO_LARGE",
                "the definition is larger than 1 MB, the largest AWS accepts",
                severity="warning",
            )
        )
    return loaded, diags


def _is_yaml(text: str, filename: str | None) -> bool:
    """Whether to decode as YAML: by suffix when there is a filename, else unless the text
    looks like a JSON object or array."""
    if filename:
        lower = filename.lower()
        if lower.endswith(_YAML_SUFFIXES):
            return True
        if lower.endswith(".json"):
            return False
    return text.lstrip()[:1] not in ("{", "[")


# --- JSON -----------------------------------------------------------------------------


class _DuplicateKeys:
    """Collects the duplicate keys of every decoded object, keyed by the object's id."""

    def __init__(self) -> None:
        self.found: dict[int, list[str]] = {}

    def hook(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        """object_pairs_hook: build the dict, remembering repeated keys."""
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            repeated = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
            self.found[id(result)] = repeated
        return result


def _finite_float(text: str) -> float:
    """parse_float hook: a number too large for a double is refused, not made infinite."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def _reject_constant(name: str) -> Any:
    """parse_constant hook: NaN and Infinity are not JSON."""
    raise ValueError(f"{name} is not a valid JSON value")


def _load_json(text: str, filename: str | None) -> tuple[LoadedDefinition | None, list[Diagnostic]]:
    """Decode JSON text, reporting syntax errors and duplicate keys with positions."""
    # Nesting deeper than MAX_DEPTH is reported before anything else.  Scanning the text for
    # it costs several times more than decoding, so the scan runs only when the decoded
    # document is that deep, or when decoding failed (perhaps because of the depth).
    dupes = _DuplicateKeys()
    try:
        document = json.loads(
            text,
            object_pairs_hook=dupes.hook,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except (ValueError, RecursionError) as exc:
        too_deep = nesting_problem(text)
        if too_deep is not None:
            return None, [too_deep]
        return None, [_json_error(exc)]
    # A text with no more brackets than MAX_DEPTH cannot nest deeper: most skip the walk.
    openers = text.count("{") + text.count("[")
    if openers > MAX_DEPTH and _has_container_at_depth(document, MAX_DEPTH):
        too_deep = nesting_problem(text)
        if too_deep is not None:
            return None, [too_deep]
    loaded = LoadedDefinition(document, text, filename, "json")
    diags = _duplicate_diagnostics(document, dupes.found, loaded)
    return loaded, diags


def _json_error(exc: Exception) -> Diagnostic:
    """The diagnostic for text that ``json.loads`` refused."""
    if isinstance(exc, json.JSONDecodeError):
        message = (
            f"the definition is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        )
        return Diagnostic("INVALID_JSON_DESCRIPTION", message, "", exc.lineno, exc.colno)
    return Diagnostic("INVALID_JSON_DESCRIPTION", f"the definition is not valid JSON: {exc}")


def _has_container_at_depth(document: Any, depth: int) -> bool:
    """Whether an object or array of a decoded JSON document lies ``depth`` levels below
    its top (the top being level 0); that is, whether its text nests deeper than ``depth``."""
    level = [document] if isinstance(document, (dict, list)) else []
    for _ in range(depth):
        below: list[Any] = []
        for value in level:
            for child in value.values() if isinstance(value, dict) else value:
                if isinstance(child, (dict, list)):
                    below.append(child)
        if not below:
            return False
        level = below
    return bool(level)


def _duplicate_diagnostics(
    document: Any, found: dict[int, list[str]], loaded: LoadedDefinition
) -> list[Diagnostic]:
    """One diagnostic per repeated key; AWS rejects definitions with duplicate fields."""
    if not found:
        return []
    diags = []
    for path, value in _walk(document):
        for key in found.get(id(value), ()) if isinstance(value, dict) else ():
            where = pointer(*path, key)
            line, column = loaded.position(where) or (None, None)
            diags.append(
                Diagnostic(
                    "SCHEMA_VALIDATION_FAILED",
                    f"Duplicate field '{key}'",
                    where,
                    line,
                    column,
                )
            )
    return diags


def _walk(document: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every (path, value) in a JSON value, parents before children, without recursion."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(value))))


# --- YAML -----------------------------------------------------------------------------


# YAML 1.2 core schema (what AWS's YAML tooling follows): only these plain scalars are not
# strings, so Yes/No/On/Off/y/n, 1:20, 0b1, 1_000 and 2024-01-01 stay strings, 017 is 17
# and 0o17 is 15.  PyYAML alone implements YAML 1.1, where Yes is true and 1:20 is 80.
_YAML12_RESOLVERS: tuple[tuple[str, str, str], ...] = (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
)


def _yaml12_int(loader: Any, node: Any) -> int:
    """An integer as YAML 1.2 reads it (017 is decimal; 0o17 octal; 0x1f hex)."""
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


@lru_cache(maxsize=1)
def _yaml_loader_class() -> Any:
    """A safe YAML loader that resolves plain scalars by the YAML 1.2 core schema."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    Loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in _YAML12_RESOLVERS:
        Loader.add_implicit_resolver(tag, re.compile(pattern), list(first))
    Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])
    Loader.add_constructor("tag:yaml.org,2002:int", _yaml12_int)
    return Loader


def _load_yaml(text: str, filename: str | None) -> tuple[LoadedDefinition | None, list[Diagnostic]]:
    """Decode YAML text (a single document), reporting syntax errors and duplicate keys."""
    import yaml

    loader = _yaml_loader_class()(text)
    try:
        node = loader.get_single_node()
        problem = _alias_problem(node, len(text)) if node is not None else None
        if problem is not None:
            message = f"the definition is not valid YAML for a state machine: {problem}"
            return None, [Diagnostic("INVALID_JSON_DESCRIPTION", message)]
        document = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        problem = exc.problem or exc.context or "malformed YAML"
        return None, [
            Diagnostic(
                "INVALID_JSON_DESCRIPTION",
                f"the definition is not valid YAML: {problem}",
                "",
                line,
                column,
            )
        ]
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        return None, [
            Diagnostic("INVALID_JSON_DESCRIPTION", f"the definition is not valid YAML: {exc}")
        ]
    finally:
        loader.dispose()
    if node is None:
        return None, [
            Diagnostic("SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object")
        ]
    loaded = LoadedDefinition(document, text, filename, "yaml")
    loaded._positions = _yaml_positions(node)
    diags = _yaml_duplicates(node, loaded) + json_value_problems(document, loaded)
    return loaded, diags


def _alias_problem(node: Any, text_length: int) -> str | None:
    """Why anchors and aliases make a composed YAML document unusable, or None.

    An alias that refers to a node containing it makes a value JSON cannot represent; aliases
    of aliases can expand a small text into billions of values ("billion laughs").
    """
    import yaml

    limit = max(100_000, 20 * text_length)
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if children_done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _yaml_children(current, yaml))
            if sizes[key] > limit:
                return f"its aliases expand it to more than {limit} values"
            continue
        if key in sizes:
            continue
        if key in active:
            return "an alias refers to a node that contains it, which JSON cannot represent"
        active.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in _yaml_children(current, yaml))
    return None


def _yaml_children(node: Any, yaml: Any) -> list[Any]:
    """The child nodes of a composed YAML node (keys and values of a mapping)."""
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _yaml_nodes(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (pointer, node) of a composed YAML document, without recursion."""
    import yaml

    stack: list[tuple[str, Any]] = [("", node)]
    seen: set[int] = set()
    while stack:
        where, current = stack.pop()
        if id(current) in seen:  # anchors/aliases can make the node graph cyclic
            continue
        seen.add(id(current))
        yield where, current
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                stack.append((where + pointer(key), value_node))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                stack.append((where + pointer(index), item))


def _yaml_positions(node: Any) -> dict[str, tuple[int, int]]:
    """Map each pointer of a YAML document to the 1-based start of its value."""
    positions: dict[str, tuple[int, int]] = {}
    for where, current in _yaml_nodes(node):
        positions.setdefault(where, (current.start_mark.line + 1, current.start_mark.column + 1))
    return positions


def _yaml_duplicates(node: Any, loaded: LoadedDefinition) -> list[Diagnostic]:
    """Diagnostics for keys repeated within one YAML mapping."""
    import yaml

    diags = []
    for where, current in _yaml_nodes(node):
        if not isinstance(current, yaml.MappingNode):
            continue
        seen: set[str] = set()
        for key_node, _ in current.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                continue
            if key_node.value in seen:
                mark = key_node.start_mark
                diags.append(
                    Diagnostic(
                        "SCHEMA_VALIDATION_FAILED",
                        f"Duplicate field '{key_node.value}'",
                        where + pointer(key_node.value),
                        mark.line + 1,
                        mark.column + 1,
                    )
                )
            seen.add(key_node.value)
    return diags


# --- values that JSON cannot hold ------------------------------------------------------


def json_value_problems(
    document: Any, loaded: LoadedDefinition | None = None, *, what: str = "definition"
) -> list[Diagnostic]:
    """Diagnostics for what JSON cannot hold (non-string keys, NaN, dates, tuples, nesting
    deeper than MAX_DEPTH or a value containing itself), which a YAML document or a dict
    built in Python can contain; positions come from ``loaded`` when given.  ``what`` names
    the document in messages ("definition", "execution input", ...)."""
    if _plainly_json(document):
        return []
    return _json_value_walk(document, loaded, what)


def _json_value_walk(
    document: Any, loaded: LoadedDefinition | None, what: str = "definition"
) -> list[Diagnostic]:
    """``json_value_problems`` by a walk that keeps the path of every value, to name it."""
    diags = []
    depth_limit_hit = False
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_DEPTH:
            depth_limit_hit = True
            break
        problem = _non_json_problem(value)
        if problem is None and isinstance(value, dict):
            bad_keys = [k for k in value if not isinstance(k, str)]
            if bad_keys:
                problem = f"object keys must be strings, found {bad_keys[0]!r}"
            stack.extend(((*path, k), v) for k, v in value.items() if isinstance(k, str))
        elif problem is None and isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        if problem is not None:
            where = pointer(*path)
            line, column = (loaded.position(where) if loaded else None) or (None, None)
            diags.append(Diagnostic("SCHEMA_VALIDATION_FAILED", problem, where, line, column))
    if depth_limit_hit:
        diags.append(_too_deep(what=what))
    return diags


def _plainly_json(document: Any) -> bool:
    """Whether a value is certainly JSON (exact dict/list/str/int/bool/None and finite
    floats, string keys, nesting within MAX_DEPTH), checked without building paths.

    False means "look closer": ``json_value_problems`` then walks again, naming each problem.
    """
    # Only objects and arrays go on the stack; depth-first, so a value containing itself
    # reaches MAX_DEPTH after a few hundred steps.
    stack: list[tuple[Any, int]] = [(document, 0)] if type(document) in (dict, list) else []
    if not stack:
        return _plain_scalar(document)
    while stack:
        value, depth = stack.pop()
        if type(value) is dict:
            for key in value:
                if type(key) is not str:
                    return False
            children = value.values()
        else:
            children = value
        if not children:
            continue
        if depth >= MAX_DEPTH:
            return False
        depth += 1
        for child in children:
            kind = type(child)
            if kind is str or kind is int or kind is bool or child is None:
                continue
            if kind is dict or kind is list:
                stack.append((child, depth))
            elif kind is not float or child - child != 0.0:  # NaN and infinities give NaN
                return False
    return True


def _plain_scalar(value: Any) -> bool:
    """Whether a value that is no object or array is certainly a JSON value."""
    kind = type(value)
    if kind is float:
        return bool(value - value == 0.0)
    return kind is str or kind is int or kind is bool or value is None


def _non_json_problem(value: Any) -> str | None:
    """Why a single value is not a JSON value, or None when it is one."""
    if value is None or isinstance(value, (str, bool, int, dict, list)):
        return None
    if isinstance(value, tuple):
        return "a tuple is not a JSON value (use a list)"
    if isinstance(value, float):
        return (
            None
            if value == value and value not in (float("inf"), float("-inf"))
            else f"{value} is not a valid JSON number"
        )
    return f"a {type(value).__name__} is not a JSON value"


# --- nesting ---------------------------------------------------------------------------

# Compiled by ``re`` on first use: only texts with many brackets are scanned.
_STRUCTURE = r'"(?:[^"\\]|\\.)*"|[\[\]{}]'


def nesting_problem(text: str, *, what: str = "definition") -> Diagnostic | None:
    """A TOO_DEEPLY_NESTED diagnostic when brackets nest deeper than MAX_DEPTH, found by a
    scan of the text that skips JSON strings; None otherwise.  ``what`` names the document
    in the message; check an execution input's text with it before ``json.loads`` (which
    raises RecursionError for very deep text)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for match in re.finditer(_STRUCTURE, text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                return _too_deep(line, column, what)
        elif token in ("]", "}"):
            depth -= 1
    return None


def _too_deep(
    line: int | None = None, column: int | None = None, what: str = "definition"
) -> Diagnostic:
    """The diagnostic for a document (the definition unless ``what`` says otherwise) nested
    deeper than MAX_DEPTH."""
    return Diagnostic(
        "TOO_DEEPLY_NESTED",
        f"the {what} nests objects and arrays more than {MAX_DEPTH} levels deep",
        "",
        line,
        column,
    )


# --- positions -------------------------------------------------------------------------


class _Pairs(list):  # type: ignore[type-arg]
    """The key/value pairs of one JSON object, in source order (duplicates kept)."""


def _compute_positions(text: str, syntax: str) -> Any:
    """Map pointers to 1-based (line, column) for a JSON or YAML source."""
    if syntax == "yaml":
        import yaml

        try:
            node = _yaml_loader_class()(text).get_single_node()
        except yaml.YAMLError:
            return {}
        return _yaml_positions(node) if node is not None else {}
    return _json_positions(text)


def _json_positions(text: str) -> Any:
    """Positions of a JSON text (something with ``.get(pointer)``): looked up in libyaml's
    composed node tree when PyYAML has libyaml (JSON text is YAML; its C parser is five
    times faster, and only the pointers asked for are walked), else, or for text it
    refuses, from json-source-map."""
    fast = _json_nodes_by_libyaml(text)
    return fast if fast is not None else _json_positions_by_source_map(text)


class _NodePositions:
    """Positions in a composed node tree, found per pointer (a repeated key: its last
    occurrence, as JSON decoders keep it)."""

    __slots__ = ("_root", "_cache")

    def __init__(self, root: Any):
        self._root = root
        self._cache: dict[str, tuple[int, int] | None] = {}

    def get(self, where: str) -> tuple[int, int] | None:
        if where in self._cache:
            return self._cache[where]
        found = self._lookup(where)
        self._cache[where] = found
        return found

    def _lookup(self, where: str) -> tuple[int, int] | None:
        import yaml

        node = self._root
        tokens = where.split("/")[1:] if where else []
        for token in tokens:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, yaml.MappingNode):
                match = None
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                        match = value_node  # the last one wins
                node = match
            elif isinstance(node, yaml.SequenceNode) and key.isdigit():
                index = int(key)
                node = node.value[index] if index < len(node.value) else None
            else:
                node = None
            if node is None:
                return None
        return (node.start_mark.line + 1, node.start_mark.column + 1)


def _json_nodes_by_libyaml(text: str) -> _NodePositions | None:
    """The composed node tree of a JSON text from PyYAML's C composer; None when libyaml
    is missing or refuses the text."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    try:
        node = yaml.compose(text, Loader=loader)
    except (yaml.YAMLError, ValueError):
        return None
    return None if node is None else _NodePositions(node)


def _json_positions_by_source_map(text: str) -> dict[str, tuple[int, int]]:
    """Positions from json-source-map, re-keyed with correctly escaped pointers.

    The library names entries by the raw key text, unescaped for ``/`` and ``~``; its entries
    come in document order, so they are matched one to one with a walk of the same text.
    """
    try:
        entries = _source_map_entries(text)
        pairs_tree = json.loads(text, object_pairs_hook=_Pairs)
    except Exception:  # the library is best effort; positions are optional
        return {}
    pointers = list(_source_order_pointers(pairs_tree))
    positions: dict[str, tuple[int, int]] = {}
    if len(pointers) == len(entries):
        for where, entry in zip(pointers, entries, strict=True):
            start = entry.value_start
            positions[where] = (start.line + 1, start.column + 1)
    return positions


def _source_map_entries(text: str) -> list[Any]:
    """The library's entries in document order (its dict keeps only the last duplicate)."""
    from json_source_map import handle, types

    return [
        entry for _, entry in handle.value(source=text, current_location=types.Location(0, 0, 0))
    ]


def _source_order_pointers(tree: Any) -> Iterator[str]:
    """Pointers of a pairs tree in document (pre-)order, duplicates included."""
    stack: list[tuple[str, Any]] = [("", tree)]
    while stack:
        where, value = stack.pop()
        yield where
        if isinstance(value, _Pairs):
            stack.extend((where + pointer(k), v) for k, v in reversed(value))
        elif isinstance(value, list):
            stack.extend((where + pointer(i), v) for i, v in reversed(list(enumerate(value))))
