"""Wiring mistakes AWS's own behaviour would let pass silently: see `asl.wiring`, where
``asl.run(strict=True)`` finds them too."""

from __future__ import annotations

from asl.wiring import EVENT_TYPES, invoked_functions, unknown_event_types, unused_wiring

__all__ = ["EVENT_TYPES", "invoked_functions", "unknown_event_types", "unused_wiring"]
