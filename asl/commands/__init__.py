"""The ``asl`` command's subcommands that have modules of their own (``asl validate``,
``asl graph``); `asl.cli` dispatches to them."""
