"""Payload sizes for the 256 KiB limit: the size meter agrees with the JSON text."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asl
from asl.execution.limits import SizeMeter


def json_text_size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.text(alphabet=st.characters(max_codepoint=127), max_size=6)  # quotes, escapes
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=10)
        | st.dictionaries(st.text(max_size=8), children, max_size=10)
    ),
    max_leaves=12,
)
plain_keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        plain_keys,
        st.lists(values, max_size=5) | st.dictionaries(st.text(max_size=8), values, max_size=5),
        max_size=4,
    )
)
def test_the_size_of_an_object_of_containers_is_its_json_text_size(value: dict) -> None:
    # small flat children are summed without the encoder, the others serialised: both exact
    assert SizeMeter().size(value) == json_text_size(value)


@pytest.mark.parametrize("text", ['say "hi"', "back\\slash", "tab\there", "del\x7f", "é", "\u2028"])
def test_strings_to_escape_inside_a_new_child_are_measured_escaped(text: str) -> None:
    value = {"child": {"s": text, "n": 1}, "list": [text, 2.5]}
    assert SizeMeter().size(value) == json_text_size(value)


def test_a_remembered_child_is_measured_once_and_still_counted() -> None:
    meter = SizeMeter()
    child = {"name": "x" * 100, "n": [1, 2.5, None, True]}
    first = meter.size({"a": child})
    assert meter.size({"a": child, "b": child}) == json_text_size({"a": child, "b": child})
    assert first == json_text_size({"a": child})


def test_a_pass_state_output_over_256_kib_fails_the_execution() -> None:
    definition = {
        "StartAt": "Grow",
        "States": {
            "Grow": {
                "Type": "Pass",
                "Parameters": {"copy.$": "$.blob", "again.$": "$.blob"},
                "End": True,
            }
        },
    }
    ex = asl.run(definition, {"blob": ["y" * 1000] * 100})  # about 100 KB, 200 KB copied
    assert ex.status == "SUCCEEDED"
    ex = asl.run(definition, {"blob": ["y" * 1000] * 140})  # about 140 KB, 280 KB copied
    assert ex.status == "FAILED"
    assert ex.error == "States.DataLimitExceeded"
