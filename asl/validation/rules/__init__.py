"""Semantic rules: one function per rule, each yielding Diagnostics for a Definition.

Each module here registers its rules with `asl.validation.registry`'s decorators;
`all_rules` imports them all and lists every rule in registration order.
"""

from __future__ import annotations

from asl.validation.registry import ADVISORY, RULES, Rule, advisory, rule

__all__ = ["RULES", "Rule", "rule", "advisory", "all_rules", "ADVISORY"]


def all_rules() -> list[Rule]:
    """Every registered rule (importing the rule modules registers them)."""
    from asl.validation.rules import (  # noqa: F401
        choice,
        fields,
        item_reader,
        jsonata,
        names,
        paths,
        resources,
        result_writer,
        retry,
        structure,
        templates,
        transitions,
        variables,
    )

    return list(RULES)
