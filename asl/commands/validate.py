"""``asl validate PATH...``: validate definitions, one line per diagnostic.

A PATH is a definition file or a directory, searched recursively for ``*.asl.json``,
``*.asl.yaml`` and ``*.asl.yml`` files and for ``*.json`` / ``*.yaml`` / ``*.yml`` files
whose top level holds ``StartAt`` and ``States`` (hidden directories, ``node_modules`` and
virtual environments are skipped).

Exit status: 0 when every file is valid (warnings allowed, unless ``--strict``), 1 when any
has an error (or, with ``--strict``, a warning), 2 for a usage error (bad option, missing
file).  Formats: ``text`` (``FILE:LINE:COL: CODE
message``), ``json``, ``github`` (workflow commands that annotate a pull request) and
``aws`` (ValidateStateMachineDefinition's response shape).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from asl.diagnostics import Diagnostic

__all__ = ["main", "build_parser"]

FORMATS = ("text", "json", "github", "aws")


def build_parser(prog: str = "asl validate") -> argparse.ArgumentParser:
    """The argument parser of ``asl validate`` (the top-level CLI reuses it)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Validate Amazon States Language definitions (JSON or YAML files).",
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="definition files, or directories to search for definitions",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--severity",
        choices=("error", "warning"),
        type=str.lower,
        help="lowest severity shown (default: warning; error with --format aws, as AWS does)",
    )
    parser.add_argument(
        "--type",
        dest="machine_type",
        choices=("STANDARD", "EXPRESS"),
        type=str.upper,
        default="STANDARD",
        help="state machine type: EXPRESS forbids .sync, .waitForTaskToken and activities",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings as errors: exit 1 when any diagnostic is found (for pre-commit)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run ``asl validate`` with ``argv`` (without the program name); returns the exit status."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse exits on usage errors and --help
        return int(exc.code) if isinstance(exc.code, int) else 2
    missing = [name for name in args.files if not os.path.exists(name)]
    if missing:
        for name in missing:
            err.write(f"asl validate: {name}: no such file or directory\n")
        return 2
    from asl.project.command import is_template, validate_template

    results: list[tuple[str, list[Diagnostic]]] = []
    for name in args.files:
        if os.path.isdir(name):
            found = [
                (path, _validate_file(path, args.machine_type)) for path in definitions_in(name)
            ]
            if not found:
                err.write(f"asl validate: {name}: no state machine definitions found\n")
            results.extend(found)
        elif is_template(name):  # a template contributes each of its state machines
            results.extend(validate_template(name))
        else:
            results.append((name, _validate_file(name, args.machine_type)))
    severity = args.severity or ("error" if args.format == "aws" else "warning")
    out.write(_render(args.format, results, severity))
    failing = ("error", "warning") if args.strict else ("error",)
    failed = any(d.severity in failing for _, diags in results for d in diags)
    return 1 if failed else 0


#: Always definitions, whatever they hold.
DEFINITION_SUFFIXES = (".asl.json", ".asl.yaml", ".asl.yml")
#: Definitions when their top level holds StartAt and States.
CANDIDATE_SUFFIXES = (".json", ".yaml", ".yml")
#: Directories never searched: tools' caches and installed packages, not sources.
SKIPPED_DIRECTORIES = frozenset({"node_modules", "__pycache__", "venv", "site-packages"})


def definitions_in(directory: str) -> Iterator[str]:
    """The definition files under ``directory``, recursively, in sorted order."""
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRECTORIES)
        for name in sorted(files):
            lower = name.lower()
            path = os.path.join(root, name)
            if lower.endswith(DEFINITION_SUFFIXES):
                yield path
            elif lower.endswith(CANDIDATE_SUFFIXES) and _looks_like_a_state_machine(path):
                yield path


def _looks_like_a_state_machine(path: str) -> bool:
    """Whether a JSON or YAML file's top level is an object holding StartAt and States."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    if b"StartAt" not in data or b"States" not in data:
        return False  # most JSON and YAML files are not definitions: skip them cheaply
    from asl.loading import load

    try:
        loaded, _ = load(data, filename=path)
    except Exception:  # anything unreadable is simply not taken for a definition
        return False
    document = loaded.document if loaded is not None else None
    return isinstance(document, dict) and "StartAt" in document and "States" in document


def _validate_file(name: str, machine_type: str) -> list[Diagnostic]:
    """The diagnostics of one file."""
    from asl.validation import validate

    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return [Diagnostic("FILE_NOT_READABLE", f"cannot read {name}: {reason}")]
    return validate(data, filename=name, machine_type=machine_type)


def _shown(diagnostics: list[Diagnostic], severity: str) -> list[Diagnostic]:
    """The diagnostics at or above ``severity``."""
    return [d for d in diagnostics if severity == "warning" or d.severity == "error"]


def _render(fmt: str, results: list[tuple[str, list[Diagnostic]]], severity: str) -> str:
    """All results in one output format."""
    if fmt == "json":
        return _json(results, severity)
    if fmt == "aws":
        return _aws(results, severity)
    render_line = _github_line if fmt == "github" else _text_line
    lines = [render_line(name, d) for name, diags in results for d in _shown(diags, severity)]
    return "".join(line + "\n" for line in lines)


def _text_line(name: str, diagnostic: Diagnostic) -> str:
    """``FILE:LINE:COL: CODE message (at /pointer)``; warnings say so after the code."""
    line, column = diagnostic.line or 1, diagnostic.column or 1
    kind = " warning:" if diagnostic.severity == "warning" else ""
    at = f" (at {diagnostic.path})" if diagnostic.path else ""
    return f"{name}:{line}:{column}: {diagnostic.code}{kind} {diagnostic.message}{at}"


def _github_line(name: str, diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command: ``::error file=F,line=L,col=C,title=CODE::message``."""
    command = "warning" if diagnostic.severity == "warning" else "error"
    properties = {
        "file": name,
        "line": str(diagnostic.line or 1),
        "col": str(diagnostic.column or 1),
        "title": diagnostic.code,
    }
    listed = ",".join(f"{key}={_escape_property(value)}" for key, value in properties.items())
    at = f" (at {diagnostic.path})" if diagnostic.path else ""
    return f"::{command} {listed}::{_escape_data(diagnostic.message + at)}"


def _escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _json(results: list[tuple[str, list[Diagnostic]]], severity: str) -> str:
    """``{"valid": bool, "files": [{"file", "valid", "diagnostics": [...]}]}``."""
    files = []
    for name, diagnostics in results:
        files.append(
            {
                "file": name,
                "valid": not any(d.severity == "error" for d in diagnostics),
                "diagnostics": [
                    {
                        "code": d.code,
                        "message": d.message,
                        "path": d.path,
                        "line": d.line,
                        "column": d.column,
                        "severity": d.severity,
                    }
                    for d in _shown(diagnostics, severity)
                ],
            }
        )
    document = {"valid": all(f["valid"] for f in files), "files": files}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _aws(results: list[tuple[str, list[Diagnostic]]], severity: str) -> str:
    """AWS's response for one file; for several, an object mapping each file to its response."""
    from asl.validation.aws_format import response

    level = severity.upper()
    responses = {name: response(diagnostics, severity=level) for name, diagnostics in results}
    document = next(iter(responses.values())) if len(responses) == 1 else responses
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.exit(main())
