"""Property tests: the native JSONPath evaluator against jsonpath-ng, and against itself.

jsonpath-ng is the reference where its semantics match Jayway's (the library AWS uses):
keys, wildcards, indexes, unions, slices without a negative end, deep scans, and filters
over arrays whose values never compare a number with a numeric string. The Jayway-only
behaviours (filters on objects, number/string equality, ``[1:-1]``) have unit tests in
test_paths_jsonpath.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonpath_ng.ext import parse as ng_parse

from asl.expressions.paths import compile_path

KEYS = ("a", "b", "c")

# Strings are never numeric, so Jayway's ``1 == '1'`` never comes up against jsonpath-ng.
scalars = st.one_of(
    st.integers(min_value=-3, max_value=5),
    st.sampled_from(["x", "y", ""]),
    st.booleans(),
    st.none(),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=3),
    ),
    max_leaves=25,
)

key_segments = st.sampled_from(KEYS).flatmap(lambda k: st.sampled_from([f".{k}", f"['{k}']"]))
index_segments = st.sampled_from(["[0]", "[1]", "[-1]", "[0,1]", "[1,0]", "[2,0]"])
slice_segments = st.one_of(
    st.tuples(st.integers(0, 3), st.integers(0, 4)).map(lambda p: f"[{p[0]}:{p[1]}]"),
    st.integers(-3, 3).map(lambda i: f"[{i}:]"),
    st.integers(-3, 3).map(lambda i: f"[:{i}]"),
    st.sampled_from(["[::2]", "[1::2]", "[::-1]"]),
)
segments = st.one_of(
    key_segments,
    st.sampled_from(["[*]", ".*"]),
    index_segments,
    slice_segments,
    st.sampled_from(KEYS).map(lambda k: f"..{k}"),
    st.sampled_from(["..[*]", "..*", "..[0]", "..['a','b']", "['a','c']"]),
)
paths = st.lists(segments, min_size=1, max_size=4).map(lambda parts: "$" + "".join(parts))


def reference(text: str, document: Any) -> list[Any]:
    return [match.value for match in ng_parse(text).find(document)]


@settings(max_examples=250, deadline=None)
@given(paths, documents)
def test_paths_select_what_jsonpath_ng_selects(text: str, document: Any) -> None:
    path = compile_path(text)
    if path.definite:
        return  # definite paths raise on a miss instead of answering []
    assert path.find(document) == reference(text, document)


# --------------------------------------------------------------------------- filters

literals = st.one_of(st.integers(-2, 4).map(str), st.sampled_from(["'x'", "'y'", "true", "null"]))
operators = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
# Ordering against null or a boolean is false in Jayway (and AWS) but not in jsonpath-ng,
# the reference here: those cases have their own test below.
comparisons = st.builds(
    lambda key, op_literal: f"@.{key} {op_literal[0]} {op_literal[1]}",
    st.sampled_from(KEYS),
    st.tuples(operators, literals).filter(
        lambda p: p[1] not in ("null", "true") or p[0] in ("==", "!=")
    ),
)
existence = st.sampled_from(KEYS).flatmap(lambda k: st.sampled_from([f"@.{k}", f"!@.{k}"]))
conditions = st.recursive(
    st.one_of(comparisons, existence),
    lambda inner: st.builds(
        lambda left, op, right: f"({left}) {op} ({right})",
        inner,
        st.sampled_from(["&&", "||"]),
        inner,
    ),
    max_leaves=4,
)
flat_items = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), scalars, max_size=3),
    scalars,
)


@settings(max_examples=250, deadline=None)
@given(conditions, st.lists(flat_items, max_size=6), st.sampled_from(["", ".a", "[*]"]))
def test_filters_over_arrays_match_jsonpath_ng(condition: str, items: list[Any], tail: str) -> None:
    text = f"$.items[?({condition})]{tail}"
    path = compile_path(text)
    document = {"items": items}
    assert path.find(document) == reference(text, document)


def test_ordering_against_null_is_false() -> None:
    document = {"items": [{"b": None}, {"b": 1}]}
    for op in ("<", "<=", ">", ">="):
        assert compile_path(f"$.items[?(@.b {op} null)]").find(document) == []
        assert compile_path(f"$.items[?(@.b {op} true)]").find({"items": [{"b": True}]}) == []
    assert compile_path("$.items[?(@.b == null)]").find(document) == [{"b": None}]


# Values where Jayway's typing rules matter: numeric strings, floats, bools, containers.
typed_values = st.one_of(
    st.integers(-2, 3),
    st.sampled_from([1.0, 2.5, -0.5]),
    st.sampled_from(["1", "2.5", "1.0", "x", "", "B", "é"]),
    st.booleans(),
    st.none(),
    st.just([1, 2]),
    st.just({"k": 1}),
)
typed_literals = st.sampled_from(
    ["1", "2.5", "-1", "1.0", "'1'", "'1.0'", "'x'", "'B'", "'é'", "true", "false", "null"]
)


@settings(max_examples=250, deadline=None)
@given(
    st.lists(st.dictionaries(st.just("a"), typed_values, max_size=1), max_size=8),
    operators,
    typed_literals,
)
def test_array_filter_fast_path_agrees_with_the_general_predicate(
    items: list[Any], operator: str, literal: str
) -> None:
    # '[?(C)]' runs as one list comprehension; '[?(C && C)]' tests item by item.
    condition = f"@.a {operator} {literal}"
    fast = compile_path(f"$[?({condition})]")
    general = compile_path(f"$[?({condition} && {condition})]")
    assert fast.find(items) == general.find(items)
