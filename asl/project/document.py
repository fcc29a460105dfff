"""Reading a CloudFormation or SAM template: JSON or YAML (with the short-form tags
``!Ref``, ``!Sub``, ``!GetAtt``...), keeping the line and column of every value."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from asl.diagnostics import pointer as make_pointer
from asl.errors import ASLError

__all__ = ["TemplateDocument", "TemplateError", "read_document"]


class TemplateError(ASLError, ValueError):
    """A template cannot be read or resolved; the message names the file and line
    (also in ``.file`` and ``.line`` when known)."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.file = file
        self.line = line


@dataclass(frozen=True)
class TemplateDocument:
    """A decoded template with the position (line, column; 1-based) of each JSON pointer."""

    path: Path
    document: Any
    text: str
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)

    def position(self, pointer: str) -> tuple[int, int] | None:
        """The position of ``pointer``, or of its nearest ancestor that has one."""
        while True:
            found = self.positions.get(pointer)
            if found is not None or not pointer:
                return found
            pointer = pointer.rsplit("/", 1)[0]

    def error(self, pointer: str, message: str) -> TemplateError:
        """A TemplateError about the value at ``pointer``, with its file and line."""
        position = self.position(pointer)
        line = position[0] if position else None
        return TemplateError(f"{self.where(pointer)}: {message}", file=str(self.path), line=line)

    def where(self, pointer: str) -> str:
        """``FILE:LINE`` of a pointer, for messages."""
        position = self.position(pointer)
        return f"{self.path}:{position[0]}" if position else str(self.path)


# Short-form tags: !Ref and !Condition stand for keys without the "Fn::" prefix.
_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "Sub",
            "GetAtt",
            "Join",
            "If",
            "Select",
            "Split",
            "FindInMap",
            "Equals",
            "Not",
            "And",
            "Or",
            "Base64",
            "ImportValue",
            "GetAZs",
            "Cidr",
            "Transform",
            "ToJsonString",
            "Length",
        )
    },
}


def read_document(path: Path) -> TemplateDocument:
    """Read a template file; raise TemplateError (with FILE:LINE) if it is not JSON or YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TemplateError(f"cannot read template {path}: {e}") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            return _read_json(path, text)
        except TemplateError:
            if path.suffix.lower() == ".json":
                raise
    return _read_yaml(path, text)


def _read_json(path: Path, text: str) -> TemplateDocument:
    try:
        document = json.loads(text)
    except ValueError as e:
        line = getattr(e, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise TemplateError(f"{where}: the template is not valid JSON: {e}") from None
    return TemplateDocument(path, document, text, _json_positions(text))


def _json_positions(text: str) -> dict[str, tuple[int, int]]:
    """Pointer -> (line, column) of a JSON text: libyaml's node marks (JSON is YAML, and
    composing it is fast), else json-source-map's."""
    import yaml

    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        node = None
    if node is not None:
        positions: dict[str, tuple[int, int]] = {}
        stack: list[tuple[str, Any]] = [("", node)]
        while stack:
            where, current = stack.pop()
            positions[where] = (current.start_mark.line + 1, current.start_mark.column + 1)
            if isinstance(current, yaml.MappingNode):
                stack.extend((f"{where}/{_escape(k.value)}", v) for k, v in current.value)
            elif isinstance(current, yaml.SequenceNode):
                stack.extend((f"{where}/{i}", v) for i, v in enumerate(current.value))
        return positions
    import json_source_map

    try:
        return {
            pointer: (entry.value_start.line + 1, entry.value_start.column + 1)
            for pointer, entry in json_source_map.calculate(text).items()
        }
    except Exception:  # positions are a courtesy: a template without them still loads
        return {}


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _read_yaml(path: Path, text: str) -> TemplateDocument:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = base(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise TemplateError(f"{where}: the template is not valid YAML: {e.problem}") from None
    except yaml.YAMLError as e:
        raise TemplateError(f"{path}: the template is not valid YAML: {e}") from None
    finally:
        loader.dispose()
    if node is None:
        raise TemplateError(f"{path}: the template is empty")
    positions: dict[str, tuple[int, int]] = {}
    builder = _YamlBuilder(path, loader, positions)
    document = builder.build(node, ())
    return TemplateDocument(path, document, text, positions)


class _YamlBuilder:
    """Turns a YAML node tree into plain values, short-form tags into their long form."""

    def __init__(self, path: Path, loader: Any, positions: dict[str, tuple[int, int]]):
        self.path = path
        self.loader = loader
        self.positions = positions

    def build(self, node: Any, where: tuple[str | int, ...]) -> Any:
        import yaml

        self.positions[make_pointer(*where)] = (
            node.start_mark.line + 1,
            node.start_mark.column + 1,
        )
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            return self._short_form(node, tag[1:], where)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise TemplateError(
                        f"{self._at(key_node)}: YAML merge keys (<<) are not supported"
                    )
                key = str(self._scalar(key_node))
                out[key] = self.build(value_node, (*where, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*where, i)) for i, child in enumerate(node.value)]
        return self._scalar(node)

    def _short_form(self, node: Any, name: str, where: tuple[str | int, ...]) -> Any:
        import yaml

        key = _SHORT_TAGS.get(name)
        if key is None:
            raise TemplateError(f"{self._at(node)}: unknown tag !{name}")
        inner = (*where, key)
        if isinstance(node, yaml.ScalarNode):
            value: Any = node.value
            self.positions[make_pointer(*inner)] = (
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
            if name == "GetAtt":
                # !GetAtt Resource.Attribute.With.Dots -> ["Resource", "Attribute.With.Dots"]
                value = value.split(".", 1)
        else:
            plain = yaml.MappingNode if isinstance(node, yaml.MappingNode) else yaml.SequenceNode
            value = self.build(
                plain(
                    "tag:yaml.org,2002:" + ("map" if plain is yaml.MappingNode else "seq"),
                    node.value,
                    node.start_mark,
                    node.end_mark,
                ),
                inner,
            )
        return {key: value}

    def _scalar(self, node: Any) -> Any:
        import yaml

        if not isinstance(node, yaml.ScalarNode):
            raise TemplateError(f"{self._at(node)}: a mapping key must be a plain value")
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, date):  # AWSTemplateFormatVersion: 2010-09-09, unquoted
            return node.value
        return value

    def _at(self, node: Any) -> str:
        return f"{self.path}:{node.start_mark.line + 1}"
