"""Fails while the module initialises."""

raise RuntimeError("cannot start")
