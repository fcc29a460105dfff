"""Evaluating the Terraform expressions a state machine's definition is built from: string
templates with ``${...}``, heredocs, references, ``templatefile()``, ``file()``,
``jsonencode()`` and a few more functions, lists, objects and conditionals.

python-hcl2 (the ``terraform`` extra) reads the ``.tf`` syntax; it leaves each expression
as HCL text, which `evaluate` reads here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ExpressionParser", "HclError", "evaluate", "interpolate", "render_template"]


class HclError(ValueError):
    """An expression that cannot be evaluated offline."""


Lookup = Callable[[list[Any]], Any]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    | (?P<heredoc><<-?(?P<tag>[A-Za-z_][A-Za-z0-9_]*)\n)
    | (?P<op>==|!=|>=|<=|&&|\|\||=>|\.\.\.|[{}\[\]().,=:?!<>+\-*/%"])
    )""",
    re.VERBOSE,
)


def evaluate(value: Any, lookup: Lookup, base: Path) -> Any:
    """The value of python-hcl2's representation of an attribute (expression text,
    or lists and maps of them)."""
    if isinstance(value, dict):
        return {
            _unquote(k): evaluate(v, lookup, base) for k, v in value.items() if k != "__is_block__"
        }
    if isinstance(value, list):
        return [evaluate(v, lookup, base) for v in value]
    if not isinstance(value, str):
        return value
    text = value
    if text.startswith('"<<') and text.endswith('"'):  # python-hcl2 quotes heredocs
        text = text[1:-1] + "\n"
    if text.startswith("${") and text.endswith("}") and _whole_wrap(text):
        text = text[2:-1]
    parser = ExpressionParser(text, lookup, base)
    result = parser.expression()
    parser.expect_end()
    return result


def render_template(text: str, variables: dict[str, Any], base: Path, what: str) -> str:
    """Terraform's template syntax (``templatefile``): ``${expr}`` over ``variables``;
    ``$${`` and ``%%{`` are literal; ``%{`` directives are not supported."""

    def lookup(parts: list[Any]) -> Any:
        name = parts[0]
        if name not in variables:
            raise HclError(
                f"{what}: ${{{name}}} is not among the template's variables "
                f"({', '.join(sorted(variables)) or 'none'})"
            )
        value = variables[name]
        for part in parts[1:]:
            value = _index(value, part, name)
        return value

    return interpolate(text, ExpressionParser("", lookup, base), what)


def interpolate(text: str, parser: ExpressionParser, what: str) -> str:
    """A template's text with each ``${expr}`` evaluated; ``$${`` and ``%%{`` are literal;
    ``%{`` directives are not supported."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$${", i) or text.startswith("%%{", i):
            out.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith("${", i):
            end = _closing(text, i + 2)
            out.append(_as_text(parser.sub(text[i + 2 : end]).expression_all()))
            i = end + 1
        elif text.startswith("%{", i):
            line = text.count("\n", 0, i) + 1
            raise HclError(f"{what}:{line}: template directives (%{{...}}) are not supported")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _whole_wrap(text: str) -> bool:
    return _closing(text, 2) == len(text) - 1


def _closing(text: str, start: int) -> int:
    """The index of the brace closing an interpolation that starts at ``start``."""
    depth, i, quoted = 1, start, False
    while i < len(text):
        c = text[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise HclError(f"unclosed ${{ in {text!r}")


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)) or value is None:
        raise HclError(f"cannot interpolate {json.dumps(value)} into a string")
    return str(value)


def _index(value: Any, key: Any, name: str) -> Any:
    try:
        return value[int(key)] if isinstance(value, list) else value[key]
    except (KeyError, IndexError, TypeError, ValueError):
        raise HclError(f"{name} has no element {key!r}") from None


class ExpressionParser:
    """Recursive descent over one expression, evaluating as it goes."""

    def __init__(self, text: str, lookup: Lookup, base: Path):
        self.text = text
        self.pos = 0
        self.lookup = lookup
        self.base = base

    def sub(self, text: str) -> ExpressionParser:
        return ExpressionParser(text, self.lookup, self.base)

    def expression_all(self) -> Any:
        value = self.expression()
        self.expect_end()
        return value

    # -- tokens -----------------------------------------------------------------------

    def peek(self) -> tuple[str, str]:
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            rest = self.text[self.pos :].strip()
            return ("end", "") if not rest else ("bad", rest[:20])
        kind = match.lastgroup or "op"
        if kind == "tag":
            kind = "heredoc"
        return kind, match.group(kind if kind != "heredoc" else "tag")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        match = _TOKEN.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
        return token

    def accept(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.take()
            return True
        return False

    def expect(self, op: str) -> None:
        if not self.accept(op):
            raise HclError(f"expected {op!r} at {self.text[self.pos : self.pos + 30]!r}")

    def expect_end(self) -> None:
        if self.peek()[0] != "end":
            raise HclError(f"unexpected {self.text[self.pos : self.pos + 30].strip()!r}")

    # -- grammar ----------------------------------------------------------------------

    def expression(self) -> Any:
        condition = self.binary(0)
        if self.accept("?"):
            then = self.expression()
            self.expect(":")
            otherwise = self.expression()
            return then if condition else otherwise
        return condition

    _LEVELS = (("||",), ("&&",), ("==", "!="), (">", "<", ">=", "<="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int) -> Any:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while True:
            kind, op = self.peek()
            if kind != "op" or op not in self._LEVELS[level]:
                return left
            self.take()
            right = self.binary(level + 1)
            left = _apply(op, left, right)

    def unary(self) -> Any:
        if self.accept("!"):
            return not self.unary()
        if self.accept("-"):
            return -self.unary()
        return self.postfix(self.primary())

    def postfix(self, value: Any) -> Any:
        while True:
            if self.accept("["):
                key = self.expression()
                self.expect("]")
                value = _index(value, key, "value")
            elif self.peek() == ("op", ".") and isinstance(value, (dict, list)):
                self.take()
                value = _index(value, self.take()[1], "value")
            else:
                return value

    def primary(self) -> Any:
        kind, text = self.peek()
        if kind == "number":
            self.take()
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "heredoc":
            return self.heredoc()
        if kind == "op":
            if text == '"':
                return self.string()
            if text == "(":
                self.take()
                value = self.expression()
                self.expect(")")
                return value
            if text == "[":
                return self.list_()
            if text == "{":
                return self.object_()
        if kind == "name":
            self.take()
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self.accept("("):
                return self.call(text)
            return self.reference(text)
        raise HclError(f"cannot read {self.text[self.pos : self.pos + 30].strip()!r}")

    def reference(self, first: str) -> Any:
        parts: list[Any] = [first]
        while True:
            if self.peek() == ("op", "."):
                self.take()
                parts.append(self.take()[1])
            elif self.peek() == ("op", "["):
                self.take()
                parts.append(self.expression())
                self.expect("]")
            else:
                break
        return self.lookup(parts)

    def string(self) -> str:
        """A quoted template: escapes and ``${...}`` interpolations."""
        start = self.text.index('"', self.pos) + 1
        out, i = [], start
        escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
        while True:
            if i >= len(self.text):
                raise HclError(f"unterminated string in {self.text!r}")
            c = self.text[i]
            if c == '"':
                break
            if c == "\\" and i + 1 < len(self.text):
                out.append(escapes.get(self.text[i + 1], self.text[i + 1]))
                i += 2
            elif self.text.startswith("$${", i) or self.text.startswith("%%{", i):
                out.append(self.text[i + 1 : i + 3])
                i += 3
            elif self.text.startswith("${", i):
                end = _closing(self.text, i + 2)
                out.append(_as_text(self.sub(self.text[i + 2 : end]).expression_all()))
                i = end + 1
            else:
                out.append(c)
                i += 1
        self.pos = i + 1
        return "".join(out)

    def heredoc(self) -> str:
        match = _TOKEN.match(self.text, self.pos)
        assert match is not None
        tag, indented = match.group("tag"), match.group("heredoc").startswith("<<-")
        body_start = match.end()
        end = re.compile(rf"^[ \t]*{re.escape(tag)}[ \t]*$", re.MULTILINE).search(
            self.text, body_start
        )
        if end is None:
            raise HclError(f"heredoc <<{tag} is not closed")
        body = self.text[body_start : end.start()]
        self.pos = end.end()
        if indented:
            lines = body.splitlines(keepends=True)
            margin = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
            body = "".join(x[margin:] for x in lines)
        return interpolate(body, self, "a heredoc")

    def list_(self) -> list[Any]:
        self.expect("[")
        items = []
        while not self.accept("]"):
            items.append(self.expression())
            if not self.accept(","):
                self.expect("]")
                break
        return items

    def object_(self) -> dict[str, Any]:
        self.expect("{")
        out: dict[str, Any] = {}
        while not self.accept("}"):
            kind, text = self.peek()
            if kind == "name":
                self.take()
                key = text
            else:
                key = _as_text(self.expression())
            if not (self.accept("=") or self.accept(":")):
                raise HclError(f"expected '=' after object key {key!r}")
            out[key] = self.expression()
            self.accept(",")
        return out

    def call(self, name: str) -> Any:
        args = []
        while not self.accept(")"):
            args.append(self.expression())
            if not self.accept(","):
                self.expect(")")
                break
        function = _FUNCTIONS.get(name)
        if function is None:
            raise HclError(f"the function {name}() is not supported offline")
        try:
            return function(self, *args)
        except HclError:
            raise
        except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError) as e:
            raise HclError(f"{name}(): {e}") from None


def _apply(op: str, left: Any, right: Any) -> Any:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "&&":
        return bool(left) and bool(right)
    if op == "||":
        return bool(left) or bool(right)
    try:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return left / right
        if op == "%":
            return left % right
        if op == ">":
            return left > right
        if op == "<":
            return left < right
        if op == ">=":
            return left >= right
        return left <= right
    except TypeError:
        raise HclError(f"cannot apply {op} to {left!r} and {right!r}") from None


def _read(parser: ExpressionParser, path: Any) -> str:
    file = parser.base / str(path)
    try:
        return file.read_text(encoding="utf-8")
    except OSError as e:
        raise HclError(f"cannot read {path}: {e.strerror or e}") from None


def _templatefile(parser: ExpressionParser, path: Any, variables: Any = None) -> str:
    if not isinstance(variables, dict):
        variables = {}
    return render_template(_read(parser, path), variables, parser.base, str(path))


def _jsonencode(parser: ExpressionParser, value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _merge(parser: ExpressionParser, *maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        out.update(item or {})
    return out


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "templatefile": _templatefile,
    "file": _read,
    "jsonencode": _jsonencode,
    "jsondecode": lambda parser, text: json.loads(text),
    "tostring": lambda parser, value: _as_text(value),
    "tonumber": lambda parser, value: float(value) if "." in str(value) else int(value),
    "lower": lambda parser, value: str(value).lower(),
    "upper": lambda parser, value: str(value).upper(),
    "replace": lambda parser, text, old, new: str(text).replace(str(old), str(new)),
    "format": lambda parser, spec, *args: (
        str(spec).replace("%s", "{}").replace("%d", "{}").format(*args)
    ),
    "join": lambda parser, sep, items: str(sep).join(_as_text(i) for i in items),
    "merge": _merge,
    "lookup": lambda parser, m, k, d=None: (m or {}).get(k, d),
    "abspath": lambda parser, p: str((parser.base / str(p)).resolve()),
    "trimspace": lambda parser, s: str(s).strip(),
    "length": lambda parser, value: len(value),
    "concat": lambda parser, *lists: [item for items in lists for item in items],
    "element": lambda parser, items, index: items[int(index) % len(items)],
    "keys": lambda parser, m: sorted(m),
    "values": lambda parser, m: [m[k] for k in sorted(m)],
    "contains": lambda parser, items, value: value in items,
    "coalesce": lambda parser, *args: next((a for a in args if a not in (None, "")), None),
    "split": lambda parser, sep, text: str(text).split(str(sep)),
    "tolist": lambda parser, items: list(items),
    "toset": lambda parser, items: list(dict.fromkeys(items)),
    "flatten": lambda parser, items: _flatten(items),
    "max": lambda parser, *args: max(args),
    "min": lambda parser, *args: min(args),
}


def _flatten(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out
