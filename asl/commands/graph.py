"""``asl graph FILE [--format mermaid|dot|svg|html] [-o OUT]``: draw a state machine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from asl.commands import Parser
from asl.graph import FORMATS


def main(argv: list[str]) -> int:
    parser = Parser(
        prog="asl graph",
        description="Draw a state machine: Mermaid text (the default, for Markdown and "
        "GitHub), Graphviz DOT, SVG (needs Graphviz's 'dot'), or one self-contained HTML page.",
    )
    parser.add_argument(
        "file", help="the definition (JSON or YAML), or a SAM/CloudFormation/CDK template or .tf"
    )
    parser.add_argument(
        "--state-machine", metavar="ID", help="which state machine of a template (logical id)"
    )
    parser.add_argument("--format", "-f", choices=FORMATS, default=None, help="default: mermaid")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="write to OUT (its suffix picks the format)"
    )
    ns = parser.parse_args(argv)
    fmt = ns.format or _format_from_suffix(ns.output) or "mermaid"

    import asl
    from asl.graph import render
    from asl.project.command import is_template

    path = Path(ns.file)
    try:
        if is_template(path):
            sm = asl.load_template(path).state_machine(ns.state_machine)
            machine = asl.parse(sm.definition_text, filename=str(sm.origin.file))
        else:
            machine = asl.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except asl.DefinitionError as e:
        for d in e.diagnostics:
            where = f"{ns.file}:{d.line}:{d.column}" if d.line else ns.file
            print(f"{where}: {d.code} {d.message}", file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as e:
        print(f"asl graph: cannot read {ns.file}: {e}", file=sys.stderr)
        return 2
    except asl.ASLError as e:  # a template that cannot be read or has no such machine
        print(f"asl graph: {e}", file=sys.stderr)
        return 2
    try:
        text = render(machine, fmt)
    except asl.ASLError as e:
        print(f"asl graph: {e}", file=sys.stderr)
        return 1
    if ns.output:
        try:
            Path(ns.output).write_text(text, encoding="utf-8")
        except OSError as e:
            print(f"asl graph: cannot write {ns.output}: {e}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    return 0


def _format_from_suffix(output: str | None) -> str | None:
    if not output:
        return None
    suffix = Path(output).suffix.lower().lstrip(".")
    aliases = {"mmd": "mermaid", "mermaid": "mermaid", "gv": "dot", "dot": "dot", "svg": "svg"}
    return aliases.get(suffix) or ("html" if suffix in ("html", "htm") else None)


def write_report(path: str, execution: Any, machine: Any) -> str | None:
    """Write the execution view to ``path``; an error message, or None when written."""
    from asl.graph import execution_html

    try:
        Path(path).write_text(execution_html(execution, machine), encoding="utf-8")
    except OSError as e:
        return f"cannot write the report {path}: {e}"
    return None
