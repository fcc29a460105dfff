"""Loading definitions: JSON and YAML text, bytes, dicts and files, with positions."""

from __future__ import annotations

import json
import pathlib

import pytest
from validation_helpers import text_position

from asl.loading import MAX_DEPTH, json_value_problems, load, nesting_problem

VALID = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def test_json_text_loads_with_positions() -> None:
    text = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass", "End": true}\n  }\n}\n'
    loaded, diagnostics = load(text)
    assert diagnostics == []
    assert loaded is not None and loaded.document == VALID
    assert loaded.text == text
    assert loaded.position("/States/A/Type") == text_position(text, at='"Pass"')
    assert loaded.position("/StartAt") == (2, 14)
    assert loaded.position("") == (1, 1)


def test_position_falls_back_to_the_nearest_existing_ancestor() -> None:
    text = json.dumps(VALID, indent=2)
    loaded, _ = load(text)
    assert loaded is not None
    assert loaded.position("/States/A/Missing/deeper") == loaded.position("/States/A")


def test_positions_of_keys_needing_pointer_escapes_and_json_escapes() -> None:
    text = '{"a/b": {"c~d": 1, "\\u00e9": [10, 20]}}'
    loaded, _ = load(text)
    assert loaded is not None
    assert loaded.position("/a~1b/c~0d") == text_position(text, at="1,")
    assert loaded.position("/a~1b/\u00e9/1") == text_position(text, at="20")


def test_dict_source_has_no_text_and_no_positions() -> None:
    loaded, diagnostics = load(dict(VALID))
    assert diagnostics == [] and loaded is not None
    assert loaded.text is None and loaded.position("/States") is None


def test_bytes_and_a_utf8_bom_are_accepted() -> None:
    loaded, diagnostics = load(b"\xef\xbb\xbf" + json.dumps(VALID).encode())
    assert diagnostics == [] and loaded is not None and loaded.document == VALID


def test_non_utf8_bytes_are_a_diagnostic() -> None:
    loaded, diagnostics = load(b'{"StartAt": "\xff"}')
    assert loaded is None
    assert [d.code for d in diagnostics] == ["INVALID_JSON_DESCRIPTION"]


def test_a_path_is_read_and_names_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "m.asl.json"
    path.write_text(json.dumps(VALID))
    loaded, diagnostics = load(path)
    assert diagnostics == [] and loaded is not None
    assert loaded.filename == str(path) and loaded.document == VALID


def test_an_unreadable_path_is_a_diagnostic(tmp_path: pathlib.Path) -> None:
    loaded, diagnostics = load(tmp_path / "missing.json")
    assert loaded is None and [d.code for d in diagnostics] == ["FILE_NOT_READABLE"]


@pytest.mark.parametrize("argument", [1, None, 2.5, ["StartAt"], object()])
def test_an_argument_of_another_type_raises_type_error(argument: object) -> None:
    with pytest.raises(TypeError, match="definition must be"):
        load(argument)


def test_malformed_json_names_line_and_column() -> None:
    loaded, diagnostics = load('{\n  "StartAt": "A",\n  "States": {,}\n}')
    assert loaded is None
    [diagnostic] = diagnostics
    assert diagnostic.code == "INVALID_JSON_DESCRIPTION"
    assert (diagnostic.line, diagnostic.column) == (3, 14)
    assert "line 3 column 14" in diagnostic.message


def test_nan_and_infinity_are_not_json() -> None:
    loaded, diagnostics = load('{"StartAt": NaN}')
    assert loaded is None and diagnostics[0].code == "INVALID_JSON_DESCRIPTION"
    assert "NaN" in diagnostics[0].message


@pytest.mark.parametrize("text", ["", "   \n\t"])
def test_empty_text_is_not_a_definition(text: str) -> None:
    loaded, diagnostics = load(text)
    assert loaded is None
    assert [(d.code, d.message) for d in diagnostics] == [
        ("SCHEMA_VALIDATION_FAILED", "Definition must be a valid JSON object")
    ]


def test_duplicate_json_keys_are_reported_where_the_repeat_is() -> None:
    text = '{\n  "StartAt": "A",\n  "StartAt": "B",\n  "States": {}\n}'
    loaded, diagnostics = load(text)
    assert loaded is not None and loaded.document["StartAt"] == "B"
    [diagnostic] = diagnostics
    assert (diagnostic.code, diagnostic.path) == ("SCHEMA_VALIDATION_FAILED", "/StartAt")
    assert "Duplicate field 'StartAt'" in diagnostic.message
    assert (diagnostic.line, diagnostic.column) == text_position(text, at='"B"')


def test_nested_duplicate_keys_are_found() -> None:
    text = '{"States": {"A": {"Type": "Pass", "Type": "Wait"}}}'
    _, diagnostics = load(text)
    assert [(d.code, d.path) for d in diagnostics] == [
        ("SCHEMA_VALIDATION_FAILED", "/States/A/Type")
    ]


def test_deep_nesting_is_too_deeply_nested_not_a_recursion_error() -> None:
    text = '{"a": ' + "[" * (MAX_DEPTH + 50) + "]" * (MAX_DEPTH + 50) + "}"
    loaded, diagnostics = load(text)
    assert loaded is None
    [diagnostic] = diagnostics
    assert diagnostic.code == "TOO_DEEPLY_NESTED"
    assert (diagnostic.line, diagnostic.column) == (1, 7 + MAX_DEPTH - 1)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"Comment": "[" * (MAX_DEPTH * 2), **VALID})
    loaded, diagnostics = load(text)
    assert diagnostics == [] and loaded is not None


def test_deep_nesting_in_a_dict_source_is_reported() -> None:
    deep: object = "leaf"
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    loaded, diagnostics = load({"Comment": deep})
    assert "TOO_DEEPLY_NESTED" in [d.code for d in diagnostics]


def _nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def test_too_deep_names_the_definition_by_default() -> None:
    [diagnostic] = json_value_problems({"a": _nested(MAX_DEPTH + 5)})
    assert diagnostic.code == "TOO_DEEPLY_NESTED"
    assert diagnostic.message.startswith("the definition nests")


def test_too_deep_names_an_execution_input_when_told() -> None:
    [diagnostic] = json_value_problems({"a": _nested(MAX_DEPTH + 5)}, what="execution input")
    assert diagnostic.code == "TOO_DEEPLY_NESTED"
    assert diagnostic.message == (
        f"the execution input nests objects and arrays more than {MAX_DEPTH} levels deep"
    )


def test_nesting_problem_checks_input_text_before_decoding_it() -> None:
    text = "\n" + "[" * 5000 + "]" * 5000
    diagnostic = nesting_problem(text, what="execution input")
    assert diagnostic is not None
    assert diagnostic.message.startswith("the execution input nests")
    assert (diagnostic.line, diagnostic.column) == (2, MAX_DEPTH + 1)
    assert nesting_problem("[" * 10 + "]" * 10, what="execution input") is None


YAML = """\
StartAt: A
States:
  A:
    Type: Wait
    Timestamp: 2016-03-14T01:59:00Z
    End: true
"""


def test_yaml_text_loads_with_positions_and_string_timestamps() -> None:
    loaded, diagnostics = load(YAML)
    assert diagnostics == [] and loaded is not None
    assert loaded.document["States"]["A"]["Timestamp"] == "2016-03-14T01:59:00Z"
    assert loaded.position("/States/A/Timestamp") == (5, 16)
    assert loaded.position("/States/A") == (4, 5)


def test_yaml_is_chosen_by_file_suffix(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "m.asl.yml"
    path.write_text("{StartAt: A, States: {A: {Type: Pass, End: true}}}")
    loaded, diagnostics = load(path)
    assert diagnostics == [] and loaded is not None and loaded.document == VALID


def test_a_json_file_with_a_trailing_comma_is_not_read_as_yaml(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "m.asl.json"
    path.write_text('{"StartAt": "A", "States": {},}')
    loaded, diagnostics = load(path)
    assert loaded is None and diagnostics[0].code == "INVALID_JSON_DESCRIPTION"


def test_malformed_yaml_names_line_and_column() -> None:
    loaded, diagnostics = load("StartAt: A\nStates: [1\n")
    assert loaded is None
    [diagnostic] = diagnostics
    assert diagnostic.code == "INVALID_JSON_DESCRIPTION" and diagnostic.line == 3


def test_duplicate_yaml_keys_are_reported_with_position() -> None:
    loaded, diagnostics = load("StartAt: A\nStates: {}\nStartAt: B\n")
    assert loaded is not None
    [diagnostic] = diagnostics
    assert (diagnostic.code, diagnostic.path) == ("SCHEMA_VALIDATION_FAILED", "/StartAt")
    assert (diagnostic.line, diagnostic.column) == (3, 1)


def test_yaml_values_that_json_cannot_hold_are_reported() -> None:
    loaded, diagnostics = load("StartAt: A\nStates: {}\nComment: .nan\n1: x\n")
    assert loaded is not None
    assert sorted(d.path for d in diagnostics) == ["", "/Comment"]


@pytest.mark.parametrize("text", ["&a [*a]\n", "x: &a {b: *a}\n"])
def test_a_yaml_alias_cycle_is_reported_not_followed(text: str) -> None:
    loaded, diagnostics = load(text)
    assert loaded is None
    assert [d.code for d in diagnostics] == ["INVALID_JSON_DESCRIPTION"]
    assert "alias" in diagnostics[0].message


def test_a_document_too_large_for_aws_gets_a_warning() -> None:
    big = dict(VALID, Comment="x" * (1024 * 1024))
    loaded, diagnostics = load(json.dumps(big))
    assert loaded is not None
    assert [(d.code, d.severity) for d in diagnostics] == [("DEFINITION_TOO_LARGE", "warning")]


def test_a_number_too_large_for_a_double_is_a_diagnostic() -> None:
    loaded, diagnostics = load('{"StartAt": 1e999}')
    assert loaded is None and "too large" in diagnostics[0].message


def test_a_str_naming_a_file_gets_a_hint(tmp_path: pathlib.Path) -> None:
    from asl.validation import validate

    path = tmp_path / "m.asl.json"
    path.write_text(json.dumps(VALID))
    [diagnostic] = validate(str(path))
    assert diagnostic.code == "SCHEMA_VALIDATION_FAILED" and "pathlib.Path" in diagnostic.message


def test_a_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, previous in zip("bcdefgh", "abcdefg", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    loaded, diagnostics = load("\n".join(lines) + "\n")
    assert loaded is None
    assert "expand" in diagnostics[0].message


def test_shared_yaml_anchors_are_fine() -> None:
    loaded, diagnostics = load("StartAt: A\nStates:\n  A: &s {Type: Pass, End: true}\n  B: *s\n")
    assert diagnostics == [] and loaded is not None
    assert loaded.document["States"]["B"] == {"Type": "Pass", "End": True}
