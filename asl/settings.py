"""Process-wide defaults that callers may change for a context (a test, say)."""

from __future__ import annotations

import contextvars

#: Whether runs that do not say ``strict=`` check their wiring (see `asl.execute`): off,
#: except inside tests run with the pytest plugin.
STRICT_DEFAULT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "asl_strict_default", default=False
)
