"""Process-wide defaults that callers may change for a context (a test, say)."""

from __future__ import annotations

import contextvars

#: Whether runs that do not say ``strict=`` check their wiring (see `asl.execute`): off,
#: except inside tests run with the pytest plugin.
STRICT_DEFAULT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "asl_strict_default", default=False
)

#: The Lambda timeout, in seconds, of handlers given with ``functions=`` (None: Lambda's
#: maximum, 900, so that the Task's TimeoutSeconds decides).  The pytest plugin sets it
#: (``asl_handler_timeout``, 60 s) so that a hung handler fails its test instead of
#: blocking it for fifteen minutes.
HANDLER_TIMEOUT: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "asl_handler_timeout", default=None
)
