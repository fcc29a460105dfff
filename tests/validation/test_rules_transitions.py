"""Transitions: targets exist in the same scope, states are reachable, scopes can end,
Next xor End, unique state names."""

from __future__ import annotations

from validation_helpers import accepts, errors, machine, rejects, single

PASS_END = {"Type": "Pass", "End": True}


def parallel(*branches: dict, **extra: object) -> dict:
    return {"Type": "Parallel", "Branches": list(branches), **extra}


def test_start_at_names_a_state() -> None:
    accepts(machine({"A": PASS_END}, start="A"))
    rejects(
        machine({"A": PASS_END}, start="Nope"), "MISSING_TRANSITION_TARGET", "/StartAt", at='"Nope"'
    )


def test_branch_start_at_names_a_state_of_the_branch() -> None:
    branch = {"StartAt": "Gone", "States": {"B": PASS_END}}
    doc = single(parallel(branch, End=True))
    rejects(doc, "MISSING_TRANSITION_TARGET", "/States/A/Branches/0/StartAt", at='"Gone"')


def test_next_names_a_state() -> None:
    accepts(machine({"A": {"Type": "Pass", "Next": "B"}, "B": PASS_END}))
    doc = machine({"A": {"Type": "Pass", "Next": "Nowhere"}, "B": PASS_END})
    diagnostic = rejects(doc, "MISSING_TRANSITION_TARGET", "/States/A/Next", at='"Nowhere"')
    assert diagnostic.message == "Missing 'Next' target: Nowhere"


def test_default_choice_and_catch_targets_name_states() -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Ghost1"}],
        "Default": "Ghost2",
    }
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Ghost3"}],
        "Next": "C",
    }
    doc = machine({"T": task, "C": choice, "E": PASS_END})
    rejects(doc, "MISSING_TRANSITION_TARGET", "/States/C/Choices/0/Next", at='"Ghost1"')
    rejects(doc, "MISSING_TRANSITION_TARGET", "/States/C/Default", at='"Ghost2"')
    rejects(doc, "MISSING_TRANSITION_TARGET", "/States/T/Catch/0/Next", at='"Ghost3"')


def test_a_transition_cannot_leave_its_branch() -> None:
    branch = {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "Outside"}}}
    doc = machine({"A": parallel(branch, Next="Outside"), "Outside": PASS_END})
    diagnostic = rejects(doc, "MISSING_TRANSITION_TARGET", "/States/A/Branches/0/States/B/Next")
    assert "cannot leave" in diagnostic.message


def test_every_state_is_reachable() -> None:
    accepts(machine({"A": {"Type": "Pass", "Next": "B"}, "B": PASS_END}))
    doc = machine({"A": PASS_END, "Island": PASS_END})
    diagnostic = rejects(doc, "MISSING_TRANSITION_TARGET", "/States/Island", after='"Island": ')
    assert diagnostic.message == 'State "Island" is not reachable.'


def test_states_reached_only_through_catch_or_default_are_reachable() -> None:
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}],
        "End": True,
    }
    accepts(machine({"T": task, "Handler": PASS_END}))


def test_each_scope_has_a_terminal_state() -> None:
    accepts(machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}))
    loop = machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}})
    rejects(loop, "MISSING_END_STATE", "/States", after='"States": ')


def test_a_branch_without_terminal_state_is_rejected() -> None:
    branch = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "W"}}}
    rejects(single(parallel(branch, End=True)), "MISSING_END_STATE", "/States/A/Branches/0/States")


def test_next_and_end_are_exclusive() -> None:
    doc = machine({"A": {"Type": "Pass", "Next": "B", "End": True}, "B": {"Type": "Succeed"}})
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A/End", at="true")


def test_a_transitioning_state_needs_next_or_end() -> None:
    doc = machine({"A": {"Type": "Pass"}, "B": PASS_END}, start="A")
    rejects(doc, "SCHEMA_VALIDATION_FAILED", "/States/A", after='"A": ')


def test_end_false_is_not_an_end() -> None:
    rejects(single({"Type": "Pass", "End": False}), "SCHEMA_VALIDATION_FAILED", "/States/A")


def test_state_names_are_unique_across_branches() -> None:
    branch = {"StartAt": "Twin", "States": {"Twin": PASS_END}}
    accepts(single(parallel(branch, End=True)))
    doc = machine({"A": parallel(branch, Next="Twin"), "Twin": PASS_END})
    diagnostic = rejects(doc, "DUPLICATE_STATE_NAME", "/States/A/Branches/0/States/Twin")
    assert diagnostic.message == "Duplicate State name: Twin"


def test_no_terminal_state_is_not_reported_when_a_state_type_is_unknown() -> None:
    doc = machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succes"}})
    assert [d.code for d in errors(doc)] == ["SCHEMA_VALIDATION_FAILED"]
