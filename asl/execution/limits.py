"""AWS's size and count limits on an execution: payloads, variables and history.

- A state's or task's input and output: 256 KiB of JSON text (`PAYLOAD_LIMIT`), measured
  by `SizeMeter` (States.DataLimitExceeded beyond it).
- Variables: 256 KiB per variable and per Assign, 10 MiB for all of an execution's.
- History: 25,000 events by default (`DEFAULT_MAX_HISTORY_EVENTS`); the event that would
  go past it fails the execution (`HistoryLimitExceeded`, States.Runtime).
"""

from __future__ import annotations

import math
from typing import Any

from asl.errors import StatesError
from asl.expressions.templates import compact_json

PAYLOAD_LIMIT = 262_144
VARIABLE_LIMIT = 262_144  # one variable, and all variables of one Assign
VARIABLES_TOTAL_LIMIT = 10 * 1024 * 1024  # every variable stored by an execution
DEFAULT_MAX_HISTORY_EVENTS = 25_000


class HistoryLimitExceeded(StatesError):
    """The execution reached its maximum number of history events."""

    def __init__(self, max_events: int):
        super().__init__(
            "States.Runtime",
            f"The execution reached the maximum number of history events ({max_events}).",
        )


class SizeMeter:
    """Measures JSON sizes for the 256 KiB payload limit.

    Values are never mutated once produced, so a container's size is remembered by
    identity: a big payload threaded through many states is measured once.  A new
    container is measured one level deep, reusing its children's remembered sizes; a
    child seen for the first time is summed exactly here when it is a small object or
    array of plain scalars (as states often build), else serialised by the C encoder.
    Either way it is remembered.
    """

    __slots__ = ("_memo",)

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, int]] = {}

    def size(self, value: Any) -> int:
        """UTF-8 size of ``value``'s compact JSON text (key escapes aside)."""
        if not isinstance(value, (dict, list)):
            return _scalar_size(value)
        memo = self._memo
        hit = memo.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        if isinstance(value, dict):
            total = 1 + 2 * len(value) if value else 2  # braces, colons and commas
            for k in value:
                total += (len(k) if k.isascii() else len(k.encode("utf-8"))) + 2
            children: Any = value.values()
        else:
            total = 1 + len(value) if value else 2
            children = value
        for v in children:
            if isinstance(v, (dict, list)):
                hit = memo.get(id(v))
                total += hit[1] if hit is not None and hit[0] is v else self._first_size(v)
            else:
                total += _scalar_size(v)
        memo[id(value)] = (value, total)
        return total

    def _first_size(self, child: dict | list) -> int:
        """Measure and remember a child container seen for the first time."""
        total = _small_size(child)
        if total is None:
            text = compact_json(child)
            total = len(text) if text.isascii() else len(text.encode("utf-8"))
        self._memo[id(child)] = (child, total)
        return total

    def exceeds(self, value: Any) -> bool:
        return self.size(value) > PAYLOAD_LIMIT


def _small_size(value: dict | list) -> int | None:
    """The exact compact JSON size of a container of at most 8 plain scalars; None for
    anything else (the encoder measures that)."""
    if len(value) > 8:
        return None
    if not value:
        return 2
    total = len(value) + 1  # brackets and commas
    if type(value) is dict:
        total += len(value)  # colons
        for k, v in value.items():
            key = _plain_size(k)
            item = _plain_size(v)
            if key is None or item is None:
                return None
            total += key + item
        return total
    for v in value:
        item = _plain_size(v)
        if item is None:
            return None
        total += item
    return total


def _plain_size(value: Any) -> int | None:
    """The exact JSON size of a scalar the encoder writes as is: a printable ASCII string
    with nothing to escape, an int, a finite float, true, false or null; None otherwise."""
    kind = type(value)
    if kind is str:
        if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
            return len(value) + 2
        return None
    if kind is int or (kind is float and math.isfinite(value)):
        return len(repr(value))
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    return None


def _scalar_size(value: Any) -> int:
    if isinstance(value, str):
        return (len(value) if value.isascii() else len(value.encode("utf-8"))) + 2
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    return len(repr(value))


def payload_size(value: Any) -> int:
    """UTF-8 size of a value's JSON text, cheaply bounded for the common small case."""
    if value is None or isinstance(value, (bool, int, float)):
        return 8
    if isinstance(value, str) and len(value) < PAYLOAD_LIMIT // 4:
        return len(value) + 2
    return len(compact_json(value).encode("utf-8"))
