"""JSONPath paths: compilation, evaluation, AWS's error texts, ResultPath placement."""

from __future__ import annotations

import copy

import pytest

from asl.errors import StatesError
from asl.expressions.paths import (
    Path,
    PathNotFound,
    PathSyntaxError,
    compile_path,
    compile_reference_path,
    set_path,
)
from asl.java import to_string

DATA = {
    "a": {"b": [10, 20, {"c": "deep"}]},
    "items": [{"x": 1, "y": "q"}, {"x": 2, "y": "z"}, {"x": 3}],
    "input-foo": 7,
    "a.b": "dotted key",
    "0": "zero key",
    "books": [1, 2, 3],
    "nested": {"items": [{"x": 9}]},
}


# --------------------------------------------------------------------------- reference paths


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$", DATA),
        ("$.a.b[0]", 10),
        ("$.a.b[2].c", "deep"),
        ("$['a']['b'][1]", 20),
        ('$["a"]["b"][1]', 20),
        ("$.input-foo", 7),  # hyphens are valid in dot notation (asl-validator case)
        ("$['a.b']", "dotted key"),
        ("$.0", "zero key"),
        ("$.books[-1]", 3),  # negative indexes count from the end
        ("$.books[-3]", 1),
    ],
)
def test_reference_path_selects_one_value(text: str, expected: object) -> None:
    path = compile_reference_path(text)
    assert path.definite
    assert path.find(DATA) == expected


def test_reference_path_compiles_to_direct_steps() -> None:
    path = compile_path("$.a.b[0]")
    assert path.steps == ("a", "b", 0)
    assert path._select is None


def test_quoted_key_keeps_backslashes_as_written() -> None:
    # Recorded on AWS (test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH]).
    path = compile_path('$[\'Test\\""Name"\']')
    assert path.find({'Test\\""Name"': 'Value"\\'}) == 'Value"\\'


def test_normalized_form_quotes_keys_like_jayway() -> None:
    assert compile_path("$.a.b[0]").normalized == "$['a']['b'][0]"
    assert compile_path("$").normalized == "$"
    assert compile_path("$.items.length()").normalized == "$['items'].length()"


def test_compile_is_cached_per_text() -> None:
    assert compile_path("$.cached.path") is compile_path("$.cached.path")


def test_path_is_immutable() -> None:
    path = compile_path("$.a")
    with pytest.raises(AttributeError):
        path.text = "$.b"  # type: ignore[misc]


# --------------------------------------------------------------------------- roots


def test_context_root() -> None:
    path = compile_path("$$.Execution.Id")
    assert (path.root, path.variable) == ("$$", None)
    assert path.find({"Execution": {"Id": "arn"}}) == "arn"


@pytest.mark.parametrize(
    ("text", "name", "steps"),
    [
        ("$myVar", "myVar", ()),
        ("$myVar.x[0]", "myVar", ("x", 0)),
        ("$_v2['k']", "_v2", ("k",)),
        ("$ünïcode.a", "ünïcode", ("a",)),
    ],
)
def test_variable_root(text: str, name: str, steps: tuple[object, ...]) -> None:
    path = compile_path(text)
    assert (path.root, path.variable, path.steps) == ("var", name, steps)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$.nope", "No results for path: $['nope']"),
        # Recorded on AWS (test_catch_states_runtime): a missing key before the leaf.
        ("$.no.such.result.path", "Missing property in path $['no']"),
        ("$.books[7]", "No results for path: $['books'][7]"),
        ("$.books[-4]", "No results for path: $['books'][-4]"),
        ("$.a.b[2].c.d", "Expected to find an object with property ['d'] in path"),
        ("$.a[0]", "Filter: [0] can only be applied to arrays"),
    ],
)
def test_missing_definite_path_raises_with_jayway_message(text: str, message: str) -> None:
    path = compile_path(text)
    with pytest.raises(PathNotFound) as info:
        path.find(DATA)
    assert message in str(info.value)
    assert info.value.path is path


def test_index_on_null_says_the_path_is_null() -> None:
    with pytest.raises(PathNotFound, match=r"The path \$\['a'\] is null"):
        compile_path("$.a[0]").find({"a": None})


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a.b",
        "$.",
        "$..",
        "$[",
        "$.a[",
        "$.a b",
        "$[]",
        "$['unterminated]",
        "$['a' 'b']",
        "$$x",
        "$.a.nosuch()",
        "$.a.length().b",
        "$[?(@.x > 1)",
        "$[?@.x]",
        "$[a:b]",
        "$[(@.length-1)]",
    ],
)
def test_syntax_errors_name_the_text(text: str) -> None:
    with pytest.raises(PathSyntaxError) as info:
        compile_path(text)
    assert f"'{text}'" in str(info.value)


def test_non_string_path_is_a_syntax_error() -> None:
    with pytest.raises(PathSyntaxError, match="must be a string"):
        compile_path(12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["$.items[*]", "$..x", "$.items[?(@.x > 1)]", "$.items[0:2]", "$.items.length()"]
)
def test_reference_path_rejects_jsonpath_features(text: str) -> None:
    with pytest.raises(PathSyntaxError, match="not a Reference Path"):
        compile_reference_path(text)


# --------------------------------------------------------------------------- indefinite paths


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$.items[*].x", [1, 2, 3]),
        ("$.items.*.x", [1, 2, 3]),
        ("$.items[?(@.x > 1)].x", [2, 3]),
        ("$.items[?(@.x > 1 && @.y)].y", ["z"]),
        ("$.items[?(@.x == 1 || @.x == 3)].x", [1, 3]),
        ("$.items[?(@.y == 'z')].x", [2]),
        ("$.items[0:2].x", [1, 2]),
        ("$.items[-1:].x", [3]),
        ("$.items[0,2].x", [1, 3]),
        ("$['books','input-foo']", [[1, 2, 3], 7]),
        ("$.nested..x", [9]),
        ("$.a.b[*]", [10, 20, {"c": "deep"}]),
    ],
)
def test_indefinite_path_returns_all_matches(text: str, expected: list[object]) -> None:
    path = compile_path(text)
    assert not path.definite
    assert path.find(DATA) == expected


def test_deep_scan_lists_matches_in_document_order() -> None:
    data = {"x": 0, "a": [{"x": 1}, {"x": 2}], "b": {"c": {"x": 3}}}
    assert compile_path("$..x").find(data) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "text",
    [
        "$.items[?(@.x > 99)]",
        # Recorded on AWS (json_path_array_wildcard_or_slice_with_no_input): a missing key
        # before a wildcard or slice gives [] rather than an error.
        "$.missing[*]",
        "$.missing.deeper[1:5].v",
        "$[*]",
        "$.books[9][*]",
    ],
)
def test_indefinite_path_with_no_match_is_empty(text: str) -> None:
    data = {} if text == "$[*]" else DATA
    assert compile_path(text).find(data) == []


def test_length_function_counts_items() -> None:
    assert compile_path("$.items.length()").find(DATA) == 3
    assert compile_path("$.items[*].length()").find(DATA) == 3


def test_aggregate_functions() -> None:
    assert compile_path("$.books.sum()").find(DATA) == 6.0
    assert compile_path("$.books.avg()").find(DATA) == 2.0
    assert compile_path("$.books.max()").find(DATA) == 3.0
    assert compile_path("$.a.keys()").find(DATA) == ["b"]


def test_function_on_wrong_value_is_not_found() -> None:
    with pytest.raises(PathNotFound, match="length"):
        compile_path("$.input-foo.length()").find(DATA)


# --------------------------------------------------------------------------- set_path


def test_set_path_root_replaces_everything() -> None:
    assert set_path(compile_reference_path("$"), {"a": 1}, [1]) == [1]


def test_set_path_creates_missing_objects_and_keeps_the_input() -> None:
    target = {"a": 1, "keep": {"big": [1, 2, 3]}}
    before = copy.deepcopy(target)
    result = set_path(compile_reference_path("$.x.y"), target, 5)
    assert result == {"a": 1, "keep": {"big": [1, 2, 3]}, "x": {"y": 5}}
    assert target == before
    # Only the containers along the path are copied.
    assert result["keep"] is target["keep"]


def test_set_path_replaces_an_existing_value_and_array_item() -> None:
    target = {"a": {"b": [1, 2, 3]}}
    result = set_path(compile_reference_path("$.a.b[1]"), target, "Z")
    assert result == {"a": {"b": [1, "Z", 3]}}
    assert target == {"a": {"b": [1, 2, 3]}}
    assert set_path(compile_reference_path("$.a.b[-1]"), target, 0) == {"a": {"b": [1, 2, 0]}}


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("$.x", "a string input"),
        ("$.x", 12),
        ("$.a.b", {"a": "not an object"}),
        ("$.a[5]", {"a": [1]}),
        ("$.a[0]", {"a": {"0": 1}}),
        ("$.a.b", {"a": None}),
    ],
)
def test_set_path_failure_is_result_path_match_failure(text: str, target: object) -> None:
    with pytest.raises(StatesError) as info:
        set_path(compile_reference_path(text), target, 1)
    assert info.value.error == "States.ResultPathMatchFailure"
    assert text in (info.value.cause or "")


def test_set_path_refuses_paths_that_are_not_reference_paths() -> None:
    for text in ("$.a[*]", "$var.a", "$$.Execution"):
        with pytest.raises(StatesError):
            set_path(compile_path(text), {}, 1)


# --------------------------------------------------------------------------- java_string


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        ("raw", "raw"),
        (1, "1"),
        (1.1, "1.1"),
        (2.0, "2.0"),
        (1e10, "1.0E10"),
        ([1, "a", None], "[1, a, null]"),
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),
    ],
)
def test_java_string_renders_like_java_to_string(value: object, text: str) -> None:
    assert to_string(value) == text


def test_paths_compare_by_text() -> None:
    assert compile_path("$.a") == compile_path("$.a")
    assert isinstance(compile_path("$.a"), Path)
    assert len({compile_path("$.a"), compile_path("$.a"), compile_path("$.b")}) == 2


def test_empty_brackets_after_a_deep_scan_are_a_syntax_error():
    for text in ("$..[]", "$..[ ]", "$.a..[]"):
        with pytest.raises(PathSyntaxError, match="empty brackets"):
            compile_path(text)
