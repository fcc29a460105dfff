"""``StringMatches`` patterns: ``*`` matches any run of characters, matched in linear time.

The pattern text follows the Choice rule's rules: ``*`` is the only wildcard, ``\\*`` is a
literal asterisk, ``\\\\`` a literal backslash (a backslash makes any character after it
literal; a backslash at the very end is itself literal).  A regular expression with one
``.*`` per wildcard backtracks catastrophically on patterns such as ``*a*a*a*a*a*b``
against a long string; a glob has no such need: the text between wildcards is a list of
literal segments, and taking each middle segment at its leftmost occurrence after the
previous one is always a match when any match exists.  So a match costs a few
``str.find`` calls over the value, never a backtracking search.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["StringPattern", "compile_string_pattern"]


class StringPattern:
    """A compiled ``StringMatches`` pattern; ``matches(value)`` tests a whole string."""

    __slots__ = ("pattern", "_segments", "_exact")

    def __init__(self, pattern: str, segments: tuple[str, ...]):
        self.pattern = pattern
        # One more segment than wildcards: segments[0] the prefix, segments[-1] the suffix.
        self._segments = segments
        self._exact = len(segments) == 1

    def __repr__(self) -> str:
        return f"StringPattern({self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StringPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def matches(self, value: str) -> bool:
        """Whether the whole of ``value`` matches the pattern."""
        segments = self._segments
        if self._exact:
            return value == segments[0]
        prefix, suffix = segments[0], segments[-1]
        end = len(value) - len(suffix)
        if end < len(prefix) or not value.startswith(prefix) or not value.endswith(suffix):
            return False
        position = len(prefix)
        for segment in segments[1:-1]:
            found = value.find(segment, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True

    def fullmatch(self, value: str) -> Literal[True] | None:
        """`matches` in the shape of ``re.Pattern.fullmatch`` (None when it does not match)."""
        return True if self.matches(value) else None


def compile_string_pattern(text: str) -> StringPattern:
    """Compile a ``StringMatches`` pattern (``"log-*.txt"``, ``"a\\*b"``)."""
    segments: list[str] = []
    current: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            current.append(text[position + 1])
            position += 2
            continue
        if char == "*":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
        position += 1
    segments.append("".join(current))
    # Empty middle segments (``**``) constrain nothing.
    middle = [segment for segment in segments[1:-1] if segment]
    if len(segments) > 1:
        segments = [segments[0], *middle, segments[-1]]
    return StringPattern(text, tuple(segments))
