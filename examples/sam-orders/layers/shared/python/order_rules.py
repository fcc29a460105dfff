"""Shared order rules, packaged as a Lambda layer (imported as Lambda's /opt/python is)."""

import os


class InvalidOrder(Exception):
    """The order cannot be processed."""


def stage() -> str:
    return os.environ.get("STAGE", "unknown")


def line_total(line: dict) -> float:
    return round(float(line["price"]) * int(line["quantity"]), 2)
