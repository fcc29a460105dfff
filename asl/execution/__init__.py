"""The executor: runs a parsed state machine."""
