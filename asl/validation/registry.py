"""The registry of semantic validation rules (`asl.validation.rules` holds the rules).

A rule is registered with the `rule` decorator; `RULES` lists them in registration order.
Rules receive a `Definition` (see `asl.validation.model`) and must cope with any value of
any type: the schema check reports type errors, rules just skip what they cannot read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from asl.diagnostics import Diagnostic
from asl.validation.model import Definition

__all__ = ["ADVISORY", "RULES", "Rule", "advisory", "rule"]

Rule = Callable[[Definition], Iterable[Diagnostic]]

RULES: list[Rule] = []


#: rules that only ever yield warnings: `asl.parse` needs no warnings and skips them
ADVISORY: set[Rule] = set()


def rule(function: Rule) -> Rule:
    """Register ``function`` as a validation rule and return it unchanged."""
    RULES.append(function)
    return function


def advisory(function: Rule) -> Rule:
    """Register ``function`` as a rule that yields only warnings."""
    ADVISORY.add(function)
    return rule(function)
