"""AWS's timestamp text: ISO 8601 in UTC with millisecond precision and a ``Z``.

The Context object's ``EnteredTime`` and ``StartTime``, ``StartDate`` fields of
integration results, Map Run result files and Lambda log lines all use it.
"""

from __future__ import annotations

from datetime import datetime


def iso_millis(moment: datetime) -> str:
    """``2024-01-02T03:04:05.678Z``: ``moment`` (UTC) to the millisecond."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
