"""The ``=~`` filter operator: Java-like regular expressions that cannot hang an execution."""

from __future__ import annotations

import pytest

from asl.errors import StatesError
from asl.expressions.paths import compile_path


def test_regex_filter_selects_items_whose_whole_value_matches() -> None:
    path = compile_path("$.items[?(@.name =~ /ab+c/i)].name")
    data = {"items": [{"name": "ABBC"}, {"name": "abcd"}, {"name": "ac"}, {"name": "abc"}]}
    assert path.find(data) == ["ABBC", "abc"]


@pytest.mark.parametrize(
    ("pattern", "value", "selected"),
    [
        (r"\p{L}+", "Ünïcödé", True),  # Unicode classes, as in java.util.regex
        ("a*+a", "aaa", False),  # possessive quantifiers, as in java.util.regex
        ("(?>a+)b", "aab", True),  # atomic groups
    ],
)
def test_regex_filter_reads_java_syntax(pattern: str, value: str, selected: bool) -> None:
    path = compile_path(f"$[?(@.v =~ /{pattern}/)]")
    assert path.find([{"v": value}]) == ([{"v": value}] if selected else [])


def test_catastrophic_regex_fails_the_evaluation_instead_of_blocking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from asl.expressions import jsonpath_eval

    monkeypatch.setattr(jsonpath_eval, "REGEX_TIMEOUT_SECONDS", 0.05)
    path = compile_path("$[?(@.v =~ /(a|aa)+b/)]")
    with pytest.raises(StatesError) as caught:
        path.find([{"v": "a" * 5_000}])
    assert caught.value.error == "States.Runtime"
    assert "/(a|aa)+b/ of a JSONPath filter took longer than" in str(caught.value.cause)
