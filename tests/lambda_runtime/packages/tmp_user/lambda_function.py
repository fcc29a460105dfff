"""Caches a value in /tmp and in TMPDIR between invocations."""

import os
import tempfile


def lambda_handler(event, context):
    path = os.path.join(tempfile.gettempdir(), "cache.txt")
    seen = open(path).read() if os.path.exists(path) else None
    with open(path, "w") as f:
        f.write(event)
    literal = "/tmp/asl-literal-cache.txt"
    seen_literal = open(literal).read() if os.path.exists(literal) else None
    with open(literal, "w") as f:
        f.write(event)
    return {"seen": seen, "seen_literal": seen_literal}
