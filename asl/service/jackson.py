"""JSON parse errors worded as AWS words them (its parser is Jackson)."""

from __future__ import annotations

import json
import re

_WORD = re.compile(r"[A-Za-z0-9_$+\-.]+")
_EXPECTING_VALUE = (
    "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
)


def parse_error(text: str) -> tuple[str, int, int] | None:
    """``(message, line, column)`` for text that is not JSON, None if it parses."""
    try:
        json.loads(text)
        return None
    except ValueError as e:
        pos = getattr(e, "pos", 0) or 0
        detail = getattr(e, "msg", str(e))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    if detail == "Expecting value":
        m = _WORD.match(text, pos)
        if m is not None and m.group(0)[0].isalpha():
            token = m.group(0)
            return f"Unrecognized token '{token}': {_EXPECTING_VALUE}", line, column + len(token)
    if detail.startswith("Expecting property name enclosed in double quotes") and pos < len(text):
        char = text[pos]
        return (
            f"Unexpected character ('{char}' (code {ord(char)})): was expecting double-quote "
            "to start field name",
            line,
            column + 1,
        )
    return detail, line, column + 1


def source(text: str) -> str:
    """Jackson's description of where the text came from."""
    return f'[Source: (String)"{text}"; line: {{line}}, column: {{column}}]'
