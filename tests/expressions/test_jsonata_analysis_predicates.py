"""Variables read inside predicates count as references; fields inside them are relative."""

from asl.expressions.jsonata import compile_jsonata


def test_variables_inside_predicates_are_references():
    assert compile_jsonata("{% $a[$i] %}").variable_references() == {"a", "i"}
    assert compile_jsonata("{% $states.input[$p > 1] %}").variable_references() == {"p"}


def test_fields_inside_predicates_are_not_top_level():
    assert (
        compile_jsonata("{% $states.input.items[price > 1] %}").top_level_field_references() == []
    )
    assert compile_jsonata("{% foo[bar] %}").top_level_field_references() == ["foo"]
