"""``StringMatches`` patterns: the regex semantics, without the regex's backtracking."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asl.expressions.patterns import compile_string_pattern


def _oracle(pattern: str) -> re.Pattern[str]:
    """The pattern as a regular expression (``.*`` per wildcard): slow, but plainly right."""
    out = []
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern):
            out.append(re.escape(pattern[position + 1]))
            position += 2
            continue
        out.append(".*" if char == "*" else re.escape(char))
        position += 1
    return re.compile("".join(out), re.DOTALL)


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("log-*.txt", "log-2024.txt", True),
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log-2024.txt.bak", False),
        ("*", "", True),
        ("", "", True),
        ("", "a", False),
        ("a*", "a", True),
        ("*a", "ba", True),
        ("a*a", "a", False),  # prefix and suffix may not overlap
        ("a*a", "aa", True),
        ("*ab*ab*", "abab", True),
        ("*ab*ab*", "aba", False),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("a\\\\*", "a\\xyz", True),
        ("a\\", "a\\", True),  # a trailing backslash is literal
        ("\\q", "q", True),  # a backslash makes any character literal
        ("**", "anything", True),
        ("x*\n*y", "x\n\ny", True),  # the wildcard matches line breaks too
    ],
)
def test_pattern_matches_whole_value(pattern: str, value: str, expected: bool) -> None:
    assert compile_string_pattern(pattern).matches(value) is expected


def test_fullmatch_answers_like_a_regex_pattern() -> None:
    pattern = compile_string_pattern("a*c")
    assert pattern.fullmatch("abc") is not None
    assert pattern.fullmatch("abd") is None


def test_patterns_compare_by_their_text() -> None:
    assert compile_string_pattern("a*") == compile_string_pattern("a*")
    assert hash(compile_string_pattern("a*")) == hash(compile_string_pattern("a*"))
    assert compile_string_pattern("a*") != compile_string_pattern("a\\*")


def test_many_wildcards_against_a_long_value_does_not_backtrack() -> None:
    # A backtracking regex takes hours here; the segment search takes milliseconds.
    value = "a" * 100_000
    assert not compile_string_pattern("*a" * 50 + "*b").matches(value)
    assert compile_string_pattern("*a" * 50 + "*").matches(value)


_alphabet = st.sampled_from("ab*\\\n")


@settings(max_examples=500)
@given(
    pattern=st.text(_alphabet, max_size=8), value=st.text(st.sampled_from("ab*\\\n"), max_size=8)
)
def test_pattern_agrees_with_the_regular_expression(pattern: str, value: str) -> None:
    expected = _oracle(pattern).fullmatch(value) is not None
    assert compile_string_pattern(pattern).matches(value) is expected
