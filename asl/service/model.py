"""The records the Step Functions API keeps: state machines, versions, aliases, activities,
executions, and the opaque paging tokens of its List operations."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from asl.backends.base import Arn as Arn  # ARNs are parsed where the backends parse them
from asl.backends.base import parse_arn as parse_arn
from asl.service.errors import ApiError

# Names AWS refuses: whitespace, brackets, wildcards, special and control characters.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def now() -> datetime:
    return datetime.now(timezone.utc)


def check_name(name: Any) -> str:
    """A state machine, execution or activity name, or AWS's ``InvalidName``."""
    if not isinstance(name, str) or not 1 <= len(name) <= 80 or _BAD_NAME.search(name):
        raise ApiError("InvalidName", f"Invalid Name: '{name}'")  # control characters kept
    return name


@dataclass
class Version:
    arn: str
    number: int
    definition: str
    role_arn: str
    revision_id: str | None
    description: str | None
    creation_date: datetime
    logging: dict[str, Any]
    tracing: dict[str, Any]


@dataclass
class Alias:
    arn: str
    name: str
    description: str | None
    routing: list[dict[str, Any]]
    creation_date: datetime
    update_date: datetime | None = None


@dataclass
class StateMachineRecord:
    arn: str
    name: str
    definition: str
    role_arn: str
    type: str
    creation_date: datetime
    logging: dict[str, Any]
    tracing: dict[str, Any]
    revision_id: str | None = None
    update_date: datetime | None = None
    versions: dict[int, Version] = field(default_factory=dict)
    next_version: int = 1
    aliases: dict[str, Alias] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    encryption: dict[str, Any] | None = None


@dataclass
class ActivityRecord:
    arn: str
    name: str
    creation_date: datetime
    tags: dict[str, str] = field(default_factory=dict)


# -- paging ---------------------------------------------------------------------------


def page(
    items: list[Any], max_results: int | None, next_token: str | None, scope: str
) -> tuple[list[Any], str | None]:
    """One page of ``items`` and the token of the next (None on the last page).

    Tokens are opaque: the offset and the listing they belong to, base64-encoded.
    """
    start = 0
    if next_token is not None:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(next_token.encode()).decode())
            if decoded["s"] != scope:
                raise ValueError
            start = int(decoded["o"])
        except Exception:
            raise ApiError("InvalidToken", "Invalid Token: 'Invalid token'") from None
    size = max_results or 100
    chunk = items[start : start + size]
    if start + size < len(items):
        token = json.dumps({"s": scope, "o": start + size}, separators=(",", ":"))
        return chunk, base64.urlsafe_b64encode(token.encode()).decode()
    return chunk, None
