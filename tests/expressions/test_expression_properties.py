"""Property tests for the path and intrinsic parsers: round-trips and robustness."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from asl.expressions.intrinsics import IntrinsicSyntaxError, compile_intrinsic
from asl.expressions.paths import PathNotFound, PathSyntaxError, compile_path, set_path
from asl.expressions.templates import TemplateSyntaxError, compile_template

# Keys that can be written inside ['...'] (a quote or backslash would need escaping).
quoted_keys = st.text(st.characters(blacklist_characters="'\\", blacklist_categories=("Cs",)))
# Keys that can be written in dot notation.
dot_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,10}", fullmatch=True)
steps = st.lists(st.one_of(quoted_keys, st.integers(min_value=0, max_value=3)), max_size=6)


def _render(path_steps: list[Any]) -> str:
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{s}']" for s in path_steps)


def _nest(path_steps: list[Any], leaf: Any) -> Any:
    """A document in which ``path_steps`` leads to ``leaf``."""
    value = leaf
    for step in reversed(path_steps):
        value = [None] * step + [value] if isinstance(step, int) else {step: value}
    return value


@given(steps)
def test_bracket_path_round_trips_to_its_steps(path_steps: list[Any]) -> None:
    path = compile_path(_render(path_steps))
    assert path.definite
    assert list(path.steps) == path_steps
    assert path.normalized == _render(path_steps)


@given(steps, st.integers())
def test_compiled_path_finds_the_value_it_names(path_steps: list[Any], leaf: int) -> None:
    path = compile_path(_render(path_steps))
    assert path.find(_nest(path_steps, leaf)) == leaf


@given(st.lists(dot_keys, min_size=1, max_size=5))
def test_dot_and_bracket_notation_agree(keys: list[str]) -> None:
    dotted = compile_path("$." + ".".join(keys))
    bracketed = compile_path(_render(keys))
    assert dotted.steps == bracketed.steps


@given(st.lists(dot_keys, min_size=1, max_size=4), st.integers())
def test_set_path_then_find_returns_the_value(keys: list[str], value: int) -> None:
    path = compile_path("$." + ".".join(keys))
    document = {"untouched": [1, 2]}
    updated = set_path(path, document, value)
    assert path.find(updated) == value
    assert document == {"untouched": [1, 2]}


@settings(max_examples=300)
@given(st.text(max_size=30))
def test_path_parser_never_crashes(text: str) -> None:
    for candidate in (text, "$" + text, "$." + text, "$[" + text):
        try:
            path = compile_path(candidate)
        except PathSyntaxError:
            continue
        try:
            path.find({"a": [1, {"b": 2}]})
        except PathNotFound:
            pass


@settings(max_examples=300)
@given(st.text(alphabet="$.[]'\"*?@()=<>&|!,:-01ab ", max_size=25))
def test_path_parser_never_crashes_on_jsonpath_like_text(text: str) -> None:
    try:
        path = compile_path("$" + text)
    except PathSyntaxError:
        return
    try:
        path.find({"a": [1, {"b": 2}], "b": {"a": 0}})
    except PathNotFound:
        pass


# --------------------------------------------------------------------------- intrinsics

literal_strings = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
literal_numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
literals = st.one_of(literal_strings, literal_numbers, st.booleans(), st.none())


def _render_literal(value: Any) -> str:
    if isinstance(value, str):
        escaped = "".join("\\" + c if c in "'{}\\" else c for c in value)
        return f"'{escaped}'"
    return json.dumps(value)


@given(st.lists(literals, max_size=6))
def test_array_of_literals_round_trips(values: list[Any]) -> None:
    text = "States.Array(" + ", ".join(_render_literal(v) for v in values) + ")"
    assert compile_intrinsic(text).evaluate({}, {}, {}) == values


@given(literal_strings)
def test_format_without_arguments_returns_the_unescaped_template(value: str) -> None:
    text = "States.Format(" + _render_literal(value) + ")"
    assert compile_intrinsic(text).evaluate({}, {}, {}) == value


@given(st.lists(literals, max_size=4))
def test_json_to_string_and_back(values: list[Any]) -> None:
    text = (
        "States.StringToJson(States.JsonToString(States.Array("
        + ", ".join(_render_literal(v) for v in values)
        + ")))"
    )
    assert compile_intrinsic(text).evaluate({}, {}, {}) == values


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_intrinsic_parser_never_crashes(text: str) -> None:
    for candidate in ("States." + text, "States.Array(" + text, "States.Format('" + text):
        try:
            compile_intrinsic(candidate)
        except IntrinsicSyntaxError:
            pass


@settings(max_examples=300)
@given(st.text(alphabet="States.ArayFomUID()'\\{},$ 0123-.truefalsn", max_size=40))
def test_intrinsic_parser_never_crashes_on_call_like_text(text: str) -> None:
    try:
        compile_intrinsic("States." + text)
    except IntrinsicSyntaxError:
        pass


plain_keys = st.text(max_size=5).filter(lambda key: not key.endswith(".$"))


@given(st.recursive(literals, lambda inner: st.dictionaries(plain_keys, inner, max_size=3)))
def test_template_without_dynamic_keys_is_identity(value: Any) -> None:
    template = compile_template({"k": value})
    assert template.evaluate({}, {}, {}) == {"k": value}


@given(st.dictionaries(st.text(max_size=6), st.text(max_size=10), max_size=4))
def test_template_compile_never_crashes(entries: dict[str, str]) -> None:
    try:
        compile_template({key + ".$": value for key, value in entries.items()})
    except TemplateSyntaxError:
        pass
