"""The ``asl`` command's subcommands that have modules of their own (``asl validate``,
``asl graph``); `asl.cli` dispatches to them."""

from __future__ import annotations

import argparse
import sys
from typing import Any


class Parser(argparse.ArgumentParser):
    """An argument parser that exits with status 2 and the usage on a usage error, as
    argparse does, with the message after it."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)
