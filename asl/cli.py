"""The ``asl`` command: ``asl validate FILE...`` and ``asl run FILE --input JSON``."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

USAGE = """usage: asl <command> [options]

commands:
  validate FILE...   check state machine definitions (JSON or YAML)
  run FILE           execute a state machine offline and print its output
  serve              serve the Step Functions API over HTTP (boto3, AWS CLI, SDKs)
  graph FILE         draw a state machine (mermaid, dot, svg or html)

'asl <command> --help' describes each command."""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "validate":
        from asl.validation.command import main as validate_main

        return validate_main(rest)
    if command == "run":
        return run_main(rest)
    if command == "serve":
        return serve_main(rest)
    if command == "graph":
        from asl.graph.command import main as graph_main

        return graph_main(rest)
    if command in ("--version", "version"):
        from asl import __version__

        print(__version__)
        return 0
    print(f"asl: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with the usage, as argparse does
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def serve_main(argv: list[str]) -> int:
    """``asl serve``: the Step Functions API over HTTP (see `asl.service.server`)."""
    parser = _Parser(
        prog="asl serve",
        description="Serve the AWS Step Functions API (JSON 1.0 protocol) over HTTP, "
        "as Step Functions Local does. SFN_MOCK_CONFIG, LAMBDA_ENDPOINT, "
        "AWS_DEFAULT_REGION and AWS_ACCOUNT_ID are read from the environment.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8083, help="port (default 8083)")
    parser.add_argument(
        "--state-dir", help="keep state machines and executions in DIR/state.db (SQLite)"
    )
    parser.add_argument(
        "--functions",
        action="append",
        default=[],
        metavar="MODULE_OR_DIR",
        help="Lambda handlers, as for 'asl run --functions'",
    )
    parser.add_argument("--clock", choices=["virtual", "real"], default="real")
    parser.add_argument("--region", help="default: $AWS_DEFAULT_REGION or us-east-1")
    parser.add_argument("--account-id", help="default: $AWS_ACCOUNT_ID or 123456789012")
    ns = parser.parse_args(argv)

    from asl.errors import ASLError
    from asl.service.server import client_from_environment, serve

    try:
        functions: dict[str, Callable[..., Any]] = {}
        for spec in ns.functions:
            functions.update(load_functions(spec))
        client = client_from_environment(
            state_dir=ns.state_dir,
            functions=functions or None,
            clock=ns.clock,
            region=ns.region,
            account_id=ns.account_id,
        )
    except (ASLError, ImportError, OSError) as e:
        print(f"asl serve: {e}", file=sys.stderr)
        return 2
    print(f"asl serve: listening on http://{ns.host}:{ns.port}", file=sys.stderr)
    try:
        serve(client, host=ns.host, port=ns.port)
    except KeyboardInterrupt:
        pass
    except ASLError as e:
        print(f"asl serve: {e}", file=sys.stderr)
        return 2
    return 0


def run_main(argv: list[str]) -> int:
    parser = _Parser(prog="asl run", description="Execute a state machine offline.")
    parser.add_argument(
        "file", help="the definition (JSON or YAML), or a SAM/CloudFormation/CDK template or .tf"
    )
    parser.add_argument(
        "--input", default=None, help="input JSON text, or @FILE to read it from a file"
    )
    parser.add_argument(
        "--functions",
        action="append",
        default=[],
        metavar="MODULE_OR_DIR",
        help="a Python file or module, or a directory of them, whose functions become "
        "Lambda handlers: every callable named 'handler' or 'lambda_handler' is registered "
        "under its module name, and a module-level FUNCTIONS dict maps names to handlers",
    )
    parser.add_argument("--clock", choices=["virtual", "real"], default="virtual")
    parser.add_argument("--name", help="execution name")
    parser.add_argument("--mock-config", help="an AWS Step Functions Local mock configuration")
    parser.add_argument("--test-case", help="the mock configuration test case to use")
    parser.add_argument(
        "--state-machine-name", help="state machine name (selects the mock file entry)"
    )
    parser.add_argument("--history", action="store_true", help="print the history to stderr")
    from asl.project.command import add_run_arguments, is_template, run_template

    add_run_arguments(parser)
    parser.add_argument(
        "--report", metavar="FILE", help="write the execution view (one HTML file) to FILE"
    )
    ns = parser.parse_args(argv)

    import asl

    try:
        input_value = _read_input(ns.input)
        functions: dict[str, Callable[..., Any]] = {}
        for spec in ns.functions:
            functions.update(load_functions(spec))
        if is_template(ns.file):  # a SAM/CloudFormation/CDK template or Terraform
            return run_template(ns, input_value, functions)
        path = Path(ns.file)
        machine = asl.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except asl.DefinitionError as e:
        for d in e.diagnostics:
            where = f"{ns.file}:{d.line}:{d.column}" if d.line else ns.file
            print(f"{where}: {d.code} {d.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError, ImportError, asl.ASLError) as e:
        print(f"asl run: {e}", file=sys.stderr)
        return 2
    options: dict[str, Any] = {"functions": functions or None, "clock": ns.clock}
    if ns.name:
        options["name"] = ns.name
    if ns.mock_config:
        options["mock_config"] = ns.mock_config
        options["test_case"] = ns.test_case
    if ns.state_machine_name:
        options["state_machine_name"] = ns.state_machine_name
    try:
        ex = asl.run(machine, input_value, **options)
    except asl.ASLError as e:
        print(f"asl run: {e}", file=sys.stderr)
        return 2
    if ns.history:
        json.dump(ex.history, sys.stderr, indent=2, default=str)
        print(file=sys.stderr)
    if ns.report:
        from asl.graph.command import write_report

        problem = write_report(ns.report, ex, machine)
        if problem:
            print(f"asl run: {problem}", file=sys.stderr)
    if ex.status == "SUCCEEDED":
        print(json.dumps(ex.output, indent=2, ensure_ascii=False))
        return 0
    print(f"{ex.status}: {ex.error or ''}", file=sys.stderr)
    if ex.cause:
        print(ex.cause, file=sys.stderr)
    return 1


def _read_input(text: str | None) -> Any:
    if text is None:
        return {}
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as e:
        raise ValueError(f"--input is not valid JSON: {e}") from None


_HANDLER_NAMES = ("handler", "lambda_handler")


def load_functions(spec: str) -> dict[str, Callable[..., Any]]:
    """Lambda handlers from a Python file, a directory of files, or an importable module.

    Each module contributes its ``FUNCTIONS`` dict if it has one, else its ``handler`` /
    ``lambda_handler`` function registered under the module's name.
    """
    path = Path(spec)
    modules: list[Any] = []
    if path.is_dir():
        for file in sorted(path.glob("*.py")):
            if not file.name.startswith("_"):
                modules.append(_load_file(file))
    elif path.suffix == ".py" and path.exists():
        modules.append(_load_file(path))
    else:
        import importlib

        modules.append(importlib.import_module(spec))
    out: dict[str, Callable[..., Any]] = {}
    for module in modules:
        table = getattr(module, "FUNCTIONS", None)
        if isinstance(table, dict):
            out.update(table)
            continue
        for attr in _HANDLER_NAMES:
            fn = getattr(module, attr, None)
            if callable(fn):
                out[module.__name__.rsplit(".", 1)[-1]] = fn
                break
    if not out:
        raise ImportError(f"no Lambda handlers found in {spec!r} (FUNCTIONS dict or handler())")
    return out


def _load_file(file: Path) -> Any:
    name = file.stem
    spec = importlib.util.spec_from_file_location(f"asl_functions_{name}", file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(file.parent))
    module.__name__ = name
    return module


if __name__ == "__main__":
    raise SystemExit(main())
