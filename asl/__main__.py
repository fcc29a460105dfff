"""``python -m asl`` is the ``asl`` command."""

from asl.cli import main

raise SystemExit(main())
