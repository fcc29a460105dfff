"""Indefinite JSONPath (wildcards, filters, slices, unions, ``..``) with Jayway's semantics.

AWS Step Functions evaluates paths with Jayway JSONPath; the expectations below follow
Jayway's source (json-path/JsonPath: PathToken, ArraySliceToken, ScanPathToken,
PredicatePathToken, filter/ValueNodes, filter/EvaluatorFactory, filter/FilterCompiler)
where it differs from other JSONPath libraries.
"""

from __future__ import annotations

from typing import Any

import pytest

from asl.expressions.paths import PathSyntaxError, compile_path

SHOP: dict[str, Any] = {
    "items": [
        {"id": 1, "name": "Apple", "price": 5, "tags": ["a", "b"]},
        {"id": 2, "name": "banana", "price": "5", "tags": []},
        {"id": 3, "name": "Cherry", "price": 12.5},
        {"id": 4, "price": None},
        {"id": 5, "price": True},
    ],
    "limit": 10,
    "store": {"p": 1, "inner": {"p": 2}},
    "n": [0, 1, 2, 3, 4],
}


def ids(text: str, data: Any = SHOP) -> list[Any]:
    return compile_path(text + ".id").find(data)


def find(text: str, data: Any = SHOP) -> Any:
    return compile_path(text).find(data)


# --------------------------------------------------------------------------- native engine


@pytest.mark.parametrize(
    "text",
    [
        "$.items[*].id",
        "$.items.*",
        "$..v",
        "$.items..deep.v",
        "$.items[?(@.price < 10)].id",
        "$.items[?(@.cat == 'a' || !@.x && (@.y >= 2))]",
        "$.items[1:5]",
        "$.items[0,2]",
        "$['a','b']",
        "$..[0]",
        "$.items[?(@.name =~ /a.*/i)]",
        "$.items[?(@.id in [1, 2])]",
        "$.items.length()",
    ],
)
def test_supported_paths_are_evaluated_natively(text: str) -> None:
    path = compile_path(text)
    assert path._select is not None or path.definite


@pytest.mark.parametrize(
    "text",
    [
        "$.items[?(@.id = 1)].name",  # Jayway: "Filter operator = is not supported!"
        "$.items[?(@.id == 1 &&)]",
        "$.items[?(@.id <> 1)]",
        "$.items[?(@.price > 1 and @.price < 3)]",
    ],
)
def test_filters_outside_jayways_grammar_are_path_errors(text: str) -> None:
    # AWS compiles paths with Jayway: no other JSONPath dialect is tried at run time
    with pytest.raises(PathSyntaxError, match="invalid filter"):
        compile_path(text)


# --------------------------------------------------------------------------- wildcards


def test_wildcard_on_an_object_gives_its_values_in_order() -> None:
    assert find("$.store[*]") == [1, {"p": 2}]
    assert find("$.store.*") == [1, {"p": 2}]


def test_dot_wildcard_on_an_array_gives_its_elements() -> None:
    assert find("$.n.*") == [0, 1, 2, 3, 4]


def test_wildcard_keeps_null_elements_and_skips_scalars() -> None:
    data = {"a": [1, None, {"x": None}], "s": "text"}
    assert find("$.a[*]", data) == [1, None, {"x": None}]
    assert find("$.a[*].x", data) == [None]
    assert find("$.s[*]", data) == []


def test_missing_keys_inside_a_wildcard_are_skipped() -> None:
    assert find("$.items[*].name") == ["Apple", "banana", "Cherry"]
    assert find("$.items[*].tags[1]") == ["b"]


# --------------------------------------------------------------------------- filters


def test_filter_numeric_comparison_ignores_strings_and_booleans() -> None:
    # '5' (a string) and true are not numbers: '<' between different types is false.
    assert ids("$.items[?(@.price < 10)]") == [1]
    assert ids("$.items[?(@.price >= 5)]") == [1, 3]


def test_filter_compares_with_a_path_from_the_root() -> None:
    # '$' inside a filter is the whole document, not the array being filtered.
    assert ids("$.items[?(@.price < $.limit)]") == [1]


def test_filter_string_comparison_is_lexical() -> None:
    assert ids("$.items[?(@.name > 'B')]") == [2, 3]
    assert ids("$.items[?(@.name <= 'Apple')]") == [1]


def test_filter_equality_of_a_number_and_a_numeric_string() -> None:
    # Jayway: NumberNode.equals(StringNode) parses the string; StringNode.equals(NumberNode)
    # compares the number's text. So 5 == '5' both ways, but '1.0' == 1 is false.
    assert ids("$.items[?(@.price == 5)]") == [1, 2]
    assert ids("$.items[?(@.price == '5')]") == [1, 2]
    data = {"items": [{"id": 1, "v": "1.0"}, {"id": 2, "v": 1.0}, {"id": 3, "v": "01"}]}
    assert ids("$.items[?(@.v == 1)]", data) == [2]
    assert ids("$.items[?(@.v == '1')]", data) == [2]
    assert ids("$.items[?(@.v == '1.0')]", data) == [1, 2]


def test_strict_equality_requires_the_same_type() -> None:
    assert ids("$.items[?(@.price === 5)]") == [1]
    assert ids("$.items[?(@.price !== 5)]") == [2, 3, 4, 5]


def test_filter_equality_keeps_booleans_and_null_apart_from_numbers() -> None:
    assert ids("$.items[?(@.price == true)]") == [5]
    assert ids("$.items[?(@.price == 1)]") == []
    assert ids("$.items[?(@.price == null)]") == [4]


def test_not_equal_includes_items_without_the_key() -> None:
    # A missing value equals nothing, so '!=' holds for it (Jayway's UNDEFINED).
    data = {"items": [{"id": 1, "c": "a"}, {"id": 2, "c": "b"}, {"id": 3}]}
    assert ids("$.items[?(@.c != 'a')]", data) == [2, 3]


def test_existence_filter_counts_null_values_as_present() -> None:
    assert ids("$.items[?(@.price)]") == [1, 2, 3, 4, 5]
    assert ids("$.items[?(@.name)]") == [1, 2, 3]
    assert ids("$.items[?(!@.name)]") == [4, 5]


def test_logical_operators_and_precedence() -> None:
    assert ids("$.items[?(@.price > 1 && @.price < 6 || @.id == 3)]") == [1, 3]
    assert ids("$.items[?(@.id == 3 || @.price > 1 && @.price < 6)]") == [1, 3]
    assert ids("$.items[?((@.id == 1 || @.id == 2) && @.name)]") == [1, 2]
    assert ids("$.items[?(!(@.price < 10))]") == [2, 3, 4, 5]


def test_filter_operand_paths() -> None:
    assert ids("$.items[?(@.tags[0] == 'a')]") == [1]
    assert ids("$.items[?(@['name'] == 'Cherry')]") == [3]
    assert ids("$.items[?(@.tags.length() > 1)]") == [1]
    assert find("$.n[?(@ > 2)]") == [3, 4]
    assert ids("$.items[?(1 < @.id)]") == [2, 3, 4, 5]
    data = {"items": [{"id": 1, "a": {"b": 2}}, {"id": 2, "a": 3}, {"id": 3}]}
    assert ids("$.items[?(@.a.b == 2)]", data) == [1]
    assert ids("$.items[?(@.a.b)]", data) == [1]


def test_regex_filter_matches_the_whole_value() -> None:
    assert ids("$.items[?(@.name =~ /^[a-c].*/i)]") == [1, 2, 3]
    assert ids("$.items[?(@.name =~ /an/)]") == []  # a full match, as Java's matches()
    assert ids("$.items[?(@.name =~ /.*an.*/)]") == [2]


def test_word_operators() -> None:
    assert ids("$.items[?(@.id in [1, 3])]") == [1, 3]
    assert ids("$.items[?(@.name in ['Apple', 'Cherry'])]") == [1, 3]
    assert ids("$.items[?(@.id nin [1, 3])]") == [2, 4, 5]
    assert ids("$.items[?(@.tags size 2)]") == [1]
    assert ids("$.items[?(@.tags empty true)]") == [2]
    assert ids("$.items[?(@.tags contains 'b')]") == [1]
    assert ids("$.items[?(@.name contains 'an')]") == [2]


def test_filter_compares_json_literals_structurally() -> None:
    assert ids("$.items[?(@.tags == ['a','b'])]") == [1]
    assert ids('$.items[?(@.tags == ["a"])]') == []


def test_filter_string_literal_escapes() -> None:
    data = {"items": [{"id": 1, "s": "it's"}, {"id": 2, "s": 'say "hi"'}]}
    assert ids("$.items[?(@.s == 'it\\'s')]", data) == [1]
    assert ids('$.items[?(@.s == "say \\"hi\\"")]', data) == [2]


def test_filter_on_an_object_tests_the_object_itself() -> None:
    # Jayway's PredicatePathToken: on a map the filter keeps or drops the map.
    assert find("$.store[?(@.p == 1)]") == [SHOP["store"]]
    assert find("$.store[?(@.p == 2)]") == []
    assert find("$.items[?(@.id == 1)][?(@.name)].id") == [1]


def test_filter_with_no_match_is_empty() -> None:
    assert find("$.items[?(@.id > 99)]") == []
    assert find("$.missing[?(@.id > 0)]") == []


@pytest.mark.parametrize(
    "text",
    ["$[?(@.x > )]", "$[?(@.x == 'open)]", "$[?(@.x =~ /[/)]"],
)
def test_broken_filters_are_syntax_errors(text: str) -> None:
    with pytest.raises(PathSyntaxError):
        compile_path(text)


# --------------------------------------------------------------------------- slices and unions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$.n[1:3]", [1, 2]),
        ("$.n[:-1]", [0, 1, 2, 3]),
        ("$.n[-2:]", [3, 4]),
        ("$.n[3:]", [3, 4]),
        ("$.n[:2]", [0, 1]),
        ("$.n[1:99]", [1, 2, 3, 4]),
        ("$.n[3:1]", []),
        ("$.n[::2]", [0, 2, 4]),
        ("$.n[::-1]", [4, 3, 2, 1, 0]),
        # Jayway's [a:b] never counts b from the end...
        ("$.n[1:-1]", []),
        # ...and walks a..b-1 counting each negative index from the end.
        ("$.n[-3:-1]", [2, 3]),
        ("$.n[-2:3]", [3, 4, 0, 1, 2]),
    ],
)
def test_slices(text: str, expected: list[Any]) -> None:
    assert find(text) == expected


def test_index_unions_keep_the_listed_order_and_skip_missing_indexes() -> None:
    assert find("$.n[4,0,9]") == [4, 0]
    assert find("$.n[-1,0]") == [4, 0]
    assert find("$.items[*].tags[0,1]") == ["a", "b"]


def test_key_unions_skip_missing_keys() -> None:
    assert find("$.store['inner','nope','p']") == [{"p": 2}, 1]
    assert find("$.items[*]['id','nope']") == [1, 2, 3, 4, 5]


# --------------------------------------------------------------------------- deep scan


def test_deep_scan_includes_the_roots_own_key_and_nested_matches_in_pre_order() -> None:
    data = {"v": {"v": 1}, "a": [{"v": 2}, [{"v": 3}]], "b": {"c": {"v": 4}}}
    assert find("$..v", data) == [{"v": 1}, 1, 2, 3, 4]


def test_deep_scan_from_a_prefix_and_with_a_following_path() -> None:
    items = [{"id": i, "nested": {"deep": {"v": i}}} for i in range(3)]
    assert find("$.items..deep.v", {"items": items}) == [0, 1, 2]
    assert find("$..nested..v", {"items": items}) == [0, 1, 2]


def test_deep_scan_wildcard_index_and_union() -> None:
    data = {"a": {"b": 1}, "c": [2, [3]]}
    assert find("$..*", data) == [{"b": 1}, [2, [3]], 1, 2, [3], 3]
    assert find("$..[*]", data) == find("$..*", data)
    assert find("$..[0]", data) == [2, 3]
    assert find("$..['a','b']", data) == [{"b": 1}, 1]


def test_deep_scan_filter_tests_objects_as_a_whole() -> None:
    # Jayway's ScanPathToken: an object is kept when it passes the filter itself.
    assert find("$..[?(@.p)]") == [SHOP["store"], {"p": 2}]
    assert find("$..[?(@.p > 1)]") == [{"p": 2}]


def test_deep_scan_survives_documents_deeper_than_the_recursion_limit() -> None:
    document: dict[str, Any] = {}
    node = document
    for i in range(3000):
        node["a"] = {"v": i}
        node = node["a"]
    assert find("$..v", document) == list(range(3000))
    assert len(find("$..*", document)) == 6000


# --------------------------------------------------------------------------- functions and roots


def test_function_after_an_indefinite_path_applies_to_all_matches() -> None:
    assert find("$.items[?(@.price)].length()") == 5
    assert find("$..p.sum()") == 3.0


def test_indefinite_path_from_context_and_variables() -> None:
    path = compile_path("$$.Map.Item.Value[?(@.x > 1)].x")
    assert path.root == "$$"
    assert path.find({"Map": {"Item": {"Value": [{"x": 1}, {"x": 2}]}}}) == [2]
    assert compile_path("$list[*].x").find([{"x": 1}, {"y": 2}]) == [1]
