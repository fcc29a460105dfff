"""The ``asl`` command: ``asl validate FILE...`` and ``asl run FILE --input JSON``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asl.commands import Parser

USAGE = """usage: asl <command> [options]

commands:
  validate PATH...   check state machine definitions (JSON, YAML, templates, directories)
  run FILE           execute a state machine (or a template's) offline, print its output
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
        from asl.commands.validate import main as validate_main

        return validate_main(rest)
    if command == "run":
        return run_main(rest)
    if command == "serve":
        return serve_main(rest)
    if command == "graph":
        from asl.commands.graph import main as graph_main

        return graph_main(rest)
    if command in ("--version", "version"):
        from asl import __version__

        print(__version__)
        return 0
    print(f"asl: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


def serve_main(argv: list[str]) -> int:
    """``asl serve``: the Step Functions API over HTTP (see `asl.service.server`)."""
    parser = Parser(
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


RUN_EPILOG = """exit status: 0 the execution succeeded, 1 it failed (or timed out, or was
aborted), 2 the definition is invalid or the command was used wrongly.

stdout has only the output JSON; on failure stderr has the states taken, the failing
state, the error and cause, a Lambda handler's traceback and what it printed.  Handler
output (print, logging) never goes to stdout: --logs prints it to stderr.

--functions DIR: each *.py file in DIR is a function named after the file, and each
sub-folder is a function named after the folder, as SAM lays projects out
(DIR/charge/app.py); a folder's handler is --handler NAME=module.function, else
lambda_handler() or handler() in app.py, lambda_function.py, handler.py, index.py or
main.py.  --functions template.yaml registers a SAM template's Python functions
(AWS::Serverless::Function: logical id and FunctionName, Handler in CodeUri)."""


def run_main(argv: list[str]) -> int:
    parser = Parser(
        prog="asl run",
        description="Execute a state machine offline.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", help="the definition (JSON or YAML), or a SAM/CloudFormation/CDK template or .tf"
    )
    parser.add_argument(
        "--input",
        default=None,
        help="input JSON text, @FILE to read it from a file, or @- to read standard input "
        "(default: standard input when it is piped, else {})",
    )
    parser.add_argument(
        "--functions",
        action="append",
        default=[],
        metavar="MODULE_OR_DIR",
        help="Lambda handlers: a Python file or module (its handler/lambda_handler, or a "
        "FUNCTIONS dict of name -> handler), or a directory of files and of one folder "
        "per function (see below)",
    )
    parser.add_argument(
        "--handler",
        action="append",
        default=[],
        metavar="NAME=MODULE.FUNCTION",
        help="the handler string of function NAME, relative to its folder in a "
        "--functions directory (or to the directory itself), e.g. charge=app.handler",
    )
    parser.add_argument("--clock", choices=["virtual", "real"], default="virtual")
    parser.add_argument("--name", help="execution name")
    parser.add_argument("--mock-config", help="an AWS Step Functions Local mock configuration")
    parser.add_argument("--test-case", help="the mock configuration test case to use")
    parser.add_argument(
        "--state-machine-name", help="state machine name (selects the mock file entry)"
    )
    parser.add_argument("--history", action="store_true", help="print the history to stderr")
    parser.add_argument(
        "--logs", action="store_true", help="print the Lambda functions' logs to stderr"
    )
    parser.add_argument(
        "--report", metavar="FILE", help="write the execution view (one HTML file) to FILE"
    )
    from asl.project.command import add_run_arguments, is_template, run_template

    add_run_arguments(parser)
    ns = parser.parse_args(argv)

    import asl

    try:
        input_value = _read_input(ns.input)
        if is_template(ns.file):  # a SAM/CloudFormation/CDK template or Terraform
            with contextlib.redirect_stdout(sys.stderr):
                functions = _load_all_functions(ns.functions, ns.handler)
            return run_template(ns, input_value, functions)
        machine = asl.parse(Path(ns.file).read_text(encoding="utf-8"), filename=ns.file)
    except asl.DefinitionError as e:
        for d in e.diagnostics:
            where = f"{ns.file}:{d.line}:{d.column}" if d.line else ns.file
            print(f"{where}: {d.code} {d.message}", file=sys.stderr)
        return 2
    except (OSError, ValueError, asl.ASLError) as e:
        print(f"asl run: {e}", file=sys.stderr)
        return 2
    # stdout carries only the output JSON: anything else printed while the handlers are
    # imported or the execution runs (outside an invocation's log) goes to stderr
    try:
        with contextlib.redirect_stdout(sys.stderr):
            functions = _load_all_functions(ns.functions, ns.handler)
    except asl.ConfigurationError as e:
        print(f"asl run: {e}", file=sys.stderr)
        return 2
    except Exception:  # the handlers' own code failed to import: show where
        import traceback

        print("asl run: importing the Lambda handlers failed:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return 2
    options: dict[str, Any] = {}
    runtime = None
    clock: Any = ns.clock
    if functions:
        from asl.clock import make_clock
        from asl.lambda_runtime import LambdaRuntime

        clock = make_clock(ns.clock)
        runtime = LambdaRuntime(clock=clock)
        options.update(functions=functions, lambda_runtime=runtime)
    options["clock"] = clock
    if ns.name:
        options["name"] = ns.name
    if ns.mock_config:
        options["mock_config"] = ns.mock_config
        options["test_case"] = ns.test_case
    if ns.state_machine_name:
        options["state_machine_name"] = ns.state_machine_name
    try:
        with contextlib.redirect_stdout(sys.stderr):
            ex = asl.run(machine, input_value, **options)
    except asl.ASLError as e:
        print(f"asl run: {e}", file=sys.stderr)
        return 2
    finally:
        if runtime is not None and ns.logs:
            sys.stderr.write(runtime.log_text())
    if ns.history:
        json.dump(ex.history, sys.stderr, indent=2, default=str)
        print(file=sys.stderr)
    if ns.report:
        from asl.commands.graph import write_report

        problem = write_report(ns.report, ex, machine)
        if problem:
            print(f"asl run: {problem}", file=sys.stderr)
    if ex.status == "SUCCEEDED":
        print(json.dumps(ex.output, indent=2, ensure_ascii=False))
        return 0
    from asl.execution.explain import explain

    print(f"{ex.status}: {ex.error}" if ex.error else ex.status, file=sys.stderr)
    explanation = explain(ex, lambda_runtime=None if ns.logs else runtime)
    print(explanation.split("\n", 1)[1], file=sys.stderr)
    return 1


def _read_input(text: str | None) -> Any:
    if text is None:
        try:
            if sys.stdin is None or sys.stdin.isatty():
                return {}
            text = sys.stdin.read()
        except (OSError, ValueError):  # no readable standard input (closed, captured)
            return {}
        if not text.strip():
            return {}
        where = "standard input"
    elif text == "@-":
        text = sys.stdin.read()
        where = "standard input"
    elif text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
        where = "--input"
    else:
        where = "--input"
    try:
        return json.loads(text)
    except ValueError as e:
        raise ValueError(f"{where} is not valid JSON: {e}") from None


def _load_all_functions(specs: list[str], handler_options: list[str]) -> dict[str, Any]:
    from asl.errors import ConfigurationError
    from asl.function_code import load_functions, parse_handler_option

    handlers = dict(parse_handler_option(h) for h in handler_options)
    if handlers and not specs:
        raise ConfigurationError("--handler needs --functions DIR")
    functions: dict[str, Any] = {}
    for spec in specs:
        functions.update(load_functions(spec, handlers))
    for name, handler in handlers.items():
        if name not in functions:
            raise ConfigurationError(
                f"--handler {name}={handler}: no folder {name!r} and no module for "
                f"{handler!r} in {', '.join(specs)}"
            )
    return functions


def load_functions(spec: str) -> dict[str, Callable[..., Any]]:
    """Lambda handlers from a Python file, a directory, or an importable module (see
    `asl.function_code.load_functions`)."""
    from asl.function_code import load_functions as load

    return load(spec)


if __name__ == "__main__":
    raise SystemExit(main())
