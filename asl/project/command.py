"""The command line for templates: ``asl run template.yaml`` and ``asl validate template.yaml``."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from asl.diagnostics import Diagnostic

__all__ = [
    "add_run_arguments",
    "is_template",
    "parameter_overrides",
    "run_template",
    "validate_template",
]

_YAML_RESOURCES = re.compile(r"^[\"']?Resources[\"']?\s*:", re.MULTILINE)
_RESOURCE_TYPE = re.compile(r"AWS::\w+::\w+")


def is_template(name: str | os.PathLike[str]) -> bool:
    """Whether a path is a template or Terraform configuration rather than a definition."""
    path = Path(name)
    if path.is_dir() or path.suffix == ".tf":
        return True
    if not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(1_000_000)
    except OSError:
        return False
    if not _RESOURCE_TYPE.search(head):
        return False
    if head.lstrip().startswith("{"):  # JSON: a template has Resources at the top, no States
        try:
            document = json.loads(head)
        except ValueError:
            return False
        return isinstance(document, dict) and "Resources" in document and "States" not in document
    return bool(_YAML_RESOURCES.search(head))


def add_run_arguments(parser: Any) -> None:
    """The options ``asl run`` has for templates."""
    parser.add_argument(
        "--state-machine",
        metavar="LOGICAL_ID",
        help="with a template: the state machine to run (needed when it declares several)",
    )
    parser.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="with a template: parameter values (also ParameterKey=K,ParameterValue=V); "
        "with Terraform, variable values",
    )
    parser.add_argument(
        "--aws-environment",
        choices=("auto", "moto", "none"),
        default="auto",
        help="with a template: run inside moto's in-memory AWS holding the template's tables, "
        "buckets, queues and topics (auto: when it declares any and moto is installed)",
    )


def parameter_overrides(items: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` and SAM's ``ParameterKey=K,ParameterValue=V`` forms, as a dict."""
    values: dict[str, str] = {}
    for item in items:
        match = re.fullmatch(r"ParameterKey=([^,]+),ParameterValue=(.*)", item)
        if match:
            values[match.group(1)] = match.group(2)
            continue
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--parameter-overrides: expected KEY=VALUE, got {item!r}")
        values[key] = value
    return values


def run_template(ns: Any, input_value: Any, functions: dict[str, Any]) -> int:
    """``asl run TEMPLATE``: run one of its state machines with its functions; exit status."""
    from asl.errors import ASLError, DefinitionError
    from asl.project.environment import SERVICE_TYPES
    from asl.project.project import load_template

    try:
        project = load_template(ns.file, parameters=parameter_overrides(ns.parameter_overrides))
        sm = project.state_machine(ns.state_machine)
    except (ASLError, ValueError, OSError) as e:
        print(f"asl run: {e}", file=sys.stderr)
        return 2
    for warning in project.warnings:
        print(f"asl run: warning: {warning}", file=sys.stderr)
    options: dict[str, Any] = {"clock": ns.clock}
    if functions:
        options["functions"] = functions
    if ns.name:
        options["name"] = ns.name
    if ns.mock_config:
        options["mock_config"] = ns.mock_config
        options["test_case"] = ns.test_case
    if ns.state_machine_name:
        options["state_machine_name"] = ns.state_machine_name
    use_aws = ns.aws_environment == "moto" or (
        ns.aws_environment == "auto"
        and any(r.get("Type") in SERVICE_TYPES for r in project.resources.values())
        and _moto_installed()
    )
    try:
        if use_aws:
            with project.aws_environment():
                ex = project.run(sm.logical_id, input_value, **options)
        else:
            ex = project.run(sm.logical_id, input_value, **options)
    except DefinitionError as e:
        for d in e.diagnostics:
            where = f"{sm.origin.file}:{d.line}:{d.column}" if d.line else str(sm.origin.file)
            print(f"{where}: {d.code} {d.message}", file=sys.stderr)
        return 2
    except ASLError as e:
        print(f"asl run: {e}", file=sys.stderr)
        return 2
    if ns.history:
        json.dump(ex.history, sys.stderr, indent=2, default=str)
        print(file=sys.stderr)
    if ex.status == "SUCCEEDED":
        print(json.dumps(ex.output, indent=2, ensure_ascii=False))
        return 0
    print(f"{ex.status}: {ex.error or ''}", file=sys.stderr)
    if ex.cause:
        print(ex.cause, file=sys.stderr)
    return 1


def _moto_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("moto") is not None


def _stand_in_parameters(name: str) -> dict[str, Any]:
    """Values for the parameters that have no Default (their first allowed value, else the
    parameter's name), so that a template validates without deployment values."""
    from asl.project.document import TemplateError, read_document

    if Path(name).suffix == ".tf":
        return {}
    try:
        document = read_document(Path(name)).document
    except TemplateError:
        return {}  # load_template reports it
    declared = document.get("Parameters") if isinstance(document, dict) else None
    values: dict[str, Any] = {}
    for key, spec in (declared if isinstance(declared, dict) else {}).items():
        if isinstance(spec, dict) and "Default" not in spec:
            allowed = spec.get("AllowedValues")
            values[key] = allowed[0] if isinstance(allowed, list) and allowed else key
    return values


def validate_template(name: str) -> list[tuple[str, list[Diagnostic]]]:
    """``asl validate TEMPLATE``: each state machine's diagnostics, by the file they are in
    (the template, or a definition file it names), the message naming the state machine."""
    from asl.errors import ASLError
    from asl.project.project import load_template

    try:
        project = load_template(name, parameters=_stand_in_parameters(name))
    except ASLError as e:
        line = getattr(e, "line", None)
        return [
            (name, [Diagnostic("TEMPLATE_ERROR", str(e), line=line, column=1 if line else None)])
        ]
    results: list[tuple[str, list[Diagnostic]]] = []
    for logical, sm in project.state_machines.items():
        file = str(sm.origin.file) if sm.origin.kind == "file" else name
        if sm.origin.kind == "file":
            file = os.path.relpath(file) if not os.path.isabs(name) else file
        found = [
            Diagnostic(d.code, f"{logical}: {d.message}", d.path, d.line, d.column, d.severity)
            for d in sm.validate()
        ]
        for placeholder in sm.unsubstituted:
            found.append(
                Diagnostic(
                    "UNSUBSTITUTED_PLACEHOLDER",
                    f"{logical}: ${{{placeholder}}} is not in DefinitionSubstitutions",
                    severity="warning",
                )
            )
        results.append((file, found))
    if not results:
        results.append((name, []))
    return results
