"""State machines and functions of a CloudFormation, SAM or CDK (``cdk.out``) template."""

from __future__ import annotations

import copy
import json
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from asl.diagnostics import pointer as make_pointer
from asl.project.document import TemplateDocument, TemplateError
from asl.project.intrinsics import Resolver
from asl.project.model import (
    PYTHON_RUNTIME,
    DefinitionOrigin,
    FunctionResource,
    StateMachineResource,
)
from asl.project.naming import Naming

__all__ = ["read_cloudformation", "substitute_placeholders"]

STATE_MACHINE_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
LAYER_TYPES = ("AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion")

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


class TemplateContents:
    """What `read_cloudformation` finds: state machines, functions, warnings."""

    def __init__(self) -> None:
        self.state_machines: dict[str, StateMachineResource] = {}
        self.functions: dict[str, FunctionResource] = {}
        self.warnings: list[str] = []
        self.resources: dict[str, dict[str, Any]] = {}
        self.naming: Naming | None = None
        self.workdir: tempfile.TemporaryDirectory[str] | None = None

    def scratch(self) -> Path:
        """A private directory for inline code and unpacked archives (removed with the
        project)."""
        if self.workdir is None:
            self.workdir = tempfile.TemporaryDirectory(prefix="asl-project-")
        return Path(self.workdir.name)


def substitute_placeholders(text: str, values: Mapping[str, Any]) -> tuple[str, list[str]]:
    """``text`` with each ``${Name}`` of ``values`` replaced; also the names left alone."""
    left: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            value = values[name]
            return value if isinstance(value, str) else json.dumps(value)
        left.append(name)
        return match.group(0)

    return _PLACEHOLDER.sub(replace, text), left


def read_cloudformation(
    template: TemplateDocument,
    *,
    parameters: Mapping[str, Any],
    substitutions: Mapping[str, Any],
    region: str,
    account_id: str,
    stack_name: str,
) -> TemplateContents:
    """Resolve a template's state machines, functions and layers."""
    document = template.document
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{template.path}: not a CloudFormation template (no Resources map)")
    resources: dict[str, Any] = document["Resources"]
    naming = Naming(resources, region=region, account_id=account_id, stack_name=stack_name)
    resolver = Resolver(template, naming, parameters)
    naming.resolve = resolver.resolve
    contents = TemplateContents()
    contents.naming = naming
    reader = _Reader(template, resolver, naming, contents, substitutions)
    for logical, resource in resources.items():
        if not isinstance(resource, dict):
            raise TemplateError(
                f"{template.where(make_pointer('Resources', logical))}: "
                f"resource {logical} must be a map"
            )
        condition = resource.get("Condition")
        if isinstance(condition, str) and not resolver.condition(
            condition, make_pointer("Resources", logical, "Condition")
        ):
            continue
        kind = resource.get("Type")
        contents.resources[logical] = resource
        if kind in STATE_MACHINE_TYPES:
            contents.state_machines[logical] = reader.state_machine(logical, resource)
    for logical, resource in contents.resources.items():
        if resource.get("Type") in FUNCTION_TYPES:
            contents.functions[logical] = reader.function(logical, resource)
    return contents


class _Reader:
    def __init__(
        self,
        template: TemplateDocument,
        resolver: Resolver,
        naming: Naming,
        contents: TemplateContents,
        substitutions: Mapping[str, Any],
    ):
        self.template = template
        self.resolver = resolver
        self.naming = naming
        self.contents = contents
        self.substitutions = substitutions
        self.base = template.path.parent
        globals_ = template.document.get("Globals") or {}
        self.globals: dict[str, Any] = globals_ if isinstance(globals_, dict) else {}

    def error(self, where: str, message: str) -> TemplateError:
        return self.template.error(where, message)

    def properties(self, logical: str, resource: dict[str, Any]) -> dict[str, Any]:
        """The resource's properties, with SAM's Globals applied."""
        properties = resource.get("Properties") or {}
        if not isinstance(properties, dict):
            raise self.error(make_pointer("Resources", logical), "Properties must be a map")
        kind = str(resource.get("Type"))
        if kind.startswith("AWS::Serverless::"):
            section = self.globals.get(kind.rsplit("::", 1)[1])
            if isinstance(section, dict):
                return _merge_globals(section, properties)
        return properties

    def resolve(self, logical: str, properties: dict[str, Any], key: str) -> Any:
        where = make_pointer("Resources", logical, "Properties", key)
        return self.resolver.resolve(properties[key], where)

    # -- state machines -----------------------------------------------------------------

    def state_machine(self, logical: str, resource: dict[str, Any]) -> StateMachineResource:
        properties = self.properties(logical, resource)
        serverless = resource["Type"] == "AWS::Serverless::StateMachine"
        base = make_pointer("Resources", logical, "Properties")
        type_key = "Type" if serverless else "StateMachineType"
        machine_type = (
            str(self.resolve(logical, properties, type_key))
            if type_key in properties
            else "STANDARD"
        )
        values: dict[str, Any] = {}
        if "DefinitionSubstitutions" in properties:
            given = self.resolve(logical, properties, "DefinitionSubstitutions")
            if not isinstance(given, dict):
                raise self.error(
                    f"{base}/DefinitionSubstitutions", "DefinitionSubstitutions must be a map"
                )
            values.update(given)
        values.update(self.substitutions)
        text, origin = self._definition(logical, properties, base)
        text, left = substitute_placeholders(text, values)
        return StateMachineResource(
            logical_id=logical,
            name=self.naming.name(logical),
            arn=self.naming.arn(logical),
            type=machine_type.upper(),
            definition_text=text,
            origin=origin,
            unsubstituted=tuple(dict.fromkeys(left)),
        )

    def _definition(
        self, logical: str, properties: dict[str, Any], base: str
    ) -> tuple[str, DefinitionOrigin]:
        path = self.template.path
        if "Definition" in properties:
            where = f"{base}/Definition"
            value = self.resolve(logical, properties, "Definition")
            if isinstance(value, str):  # a JSON text given as Definition
                return value, self._string_origin(where)
            if not isinstance(value, dict):
                raise self.error(where, "Definition must be a map (the state machine)")
            origin = DefinitionOrigin(
                "object",
                path,
                pointer=where,
                line=self._line(where),
                positions=self.template.positions,
            )
            return json.dumps(value, indent=2, ensure_ascii=False), origin
        if "DefinitionString" in properties:
            where = f"{base}/DefinitionString"
            value = self.resolve(logical, properties, "DefinitionString")
            if not isinstance(value, str):
                raise self.error(where, "DefinitionString must resolve to a string")
            return value, self._string_origin(where)
        for key in ("DefinitionUri", "DefinitionS3Location"):
            if key in properties:
                return self._definition_file(logical, properties, key, f"{base}/{key}")
        raise self.error(
            base, f"state machine {logical} has no Definition, DefinitionString or DefinitionUri"
        )

    def _definition_file(
        self, logical: str, properties: dict[str, Any], key: str, where: str
    ) -> tuple[str, DefinitionOrigin]:
        value = self.resolve(logical, properties, key)
        local = value if isinstance(value, str) else None
        if (
            isinstance(value, dict)
            and isinstance(value.get("Key"), str)
            and not value.get("Bucket")
        ):
            local = value["Key"]
        if local is None or local.startswith("s3://"):
            raise self.error(
                where,
                f"{key} {json.dumps(value)} is in S3: point it at a local file to run offline",
            )
        file = (self.base / local).resolve()
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as e:
            raise self.error(
                where, f"cannot read the definition {local}: {e.strerror or e}"
            ) from None
        return text, DefinitionOrigin("file", file)

    def _string_origin(self, where: str) -> DefinitionOrigin:
        """Where a definition string starts, and whether its lines follow the template's."""
        path = self.template.path
        for pointer in (f"{where}/Fn::Sub", f"{where}/Fn::Sub/0", where):
            raw = _at(self.template.document, pointer)
            if isinstance(raw, str) and pointer in self.template.positions:
                line, column = self.template.positions[pointer]
                text_lines = self.template.text.splitlines()
                rest = text_lines[line - 1][column - 1 :] if line <= len(text_lines) else ""
                if re.match(r"(![A-Za-z]+\s+)?[|>]", rest):  # a YAML block scalar: next line
                    return DefinitionOrigin("string", path, line=line + 1)
                exact = "\n" not in raw  # a quoted one-line string (or JSON's \n escapes)
                return DefinitionOrigin("string", path, line=line, exact=exact)
        return DefinitionOrigin("string", path, line=self._line(where), exact=False)

    def _line(self, where: str) -> int:
        position = self.template.position(where)
        return position[0] if position else 1

    # -- functions ----------------------------------------------------------------------

    def function(self, logical: str, resource: dict[str, Any]) -> FunctionResource:
        properties = self.properties(logical, resource)
        base = make_pointer("Resources", logical, "Properties")
        serverless = resource["Type"] == "AWS::Serverless::Function"

        def get(key: str, default: Any = None) -> Any:
            return self.resolve(logical, properties, key) if key in properties else default

        name, arn = self.naming.name(logical), self.naming.arn(logical)
        runtime = str(get("Runtime", ""))
        handler = get("Handler")
        common = FunctionResource(
            logical_id=logical,
            name=name,
            arn=arn,
            runtime=runtime,
            handler=str(handler) if handler is not None else None,
            code=None,
            timeout=_integer(get("Timeout", 3), self, f"{base}/Timeout"),
            memory_size=_integer(get("MemorySize", 128), self, f"{base}/MemorySize"),
            alias=self.resolver.auto_publish_alias(logical) if serverless else None,
            reserved_concurrency=(
                _integer(
                    get("ReservedConcurrentExecutions"),
                    self,
                    f"{base}/ReservedConcurrentExecutions",
                )
                if "ReservedConcurrentExecutions" in properties
                else None
            ),
            environment=self._environment(get("Environment", {}), f"{base}/Environment"),
        )
        if str(get("PackageType", "Zip")) == "Image" or "ImageUri" in properties:
            return replace(common, unsupported="is a container image")
        if not PYTHON_RUNTIME.match(runtime):
            what = f"uses {runtime}" if runtime else "has no Runtime"
            return replace(common, unsupported=what)
        if handler is None:
            raise self.error(base, f"function {logical} has no Handler")
        layers = tuple(self._layers(get("Layers", []), f"{base}/Layers", logical))
        code, problem = self._code(logical, resource, properties, serverless, str(handler))
        return replace(common, code=code, layers=layers, unsupported=problem)

    def _environment(self, value: Any, where: str) -> dict[str, str]:
        variables = value.get("Variables", {}) if isinstance(value, dict) else {}
        if not isinstance(variables, dict):
            raise self.error(where, "Environment.Variables must be a map")
        out = {}
        for key, item in variables.items():
            if isinstance(item, bool):
                item = "true" if item else "false"
            elif isinstance(item, (dict, list)):
                raise self.error(
                    f"{where}/Variables/{key}", f"environment variable {key} must be a string"
                )
            out[str(key)] = "" if item is None else str(item)
        return out

    def _code(
        self,
        logical: str,
        resource: dict[str, Any],
        properties: dict[str, Any],
        serverless: bool,
        handler: str,
    ) -> tuple[Path | None, str | None]:
        base = make_pointer("Resources", logical, "Properties")
        inline_key = "InlineCode" if serverless else None
        code = properties.get("Code") if not serverless else None
        if isinstance(code, dict) and "ZipFile" in code:
            inline_key = "Code"
        if inline_key and inline_key in properties:
            value = self.resolve(logical, properties, inline_key)
            text = value.get("ZipFile") if isinstance(value, dict) else value
            if not isinstance(text, str):
                raise self.error(f"{base}/{inline_key}", "inline code must be a string")
            folder = self.contents.scratch() / logical
            folder.mkdir(parents=True, exist_ok=True)
            # CloudFormation writes inline Python code to index.py (Handler: index.<function>)
            (folder / "index.py").write_text(text, encoding="utf-8")
            return folder, None
        asset = (resource.get("Metadata") or {}).get("aws:asset:path")
        if isinstance(asset, str) and (self.base / asset).exists():  # a CDK asset in cdk.out
            return self._local_code(self.base / asset, logical), None
        uri = properties.get("CodeUri") if serverless else None
        if serverless and uri is None:
            return None, "has no CodeUri"
        if serverless:
            value = self.resolve(logical, properties, "CodeUri")
            if isinstance(value, str) and not value.startswith("s3://"):
                path = self.base / value
                if not path.exists():
                    raise self.error(f"{base}/CodeUri", f"CodeUri {value} not found")
                return self._local_code(path, logical), None
            return None, f"has its code in S3 ({json.dumps(value)})"
        return None, "has its code in S3 (no local copy; give a CDK asset or ZipFile)"

    def _local_code(self, path: Path, logical: str) -> Path:
        """A code directory (a .zip archive is unpacked to a private one)."""
        if path.is_dir():
            return path.resolve()
        if path.suffix == ".zip":
            folder = self.contents.scratch() / f"{logical}-{path.stem}"
            with zipfile.ZipFile(path) as archive:
                archive.extractall(folder)
            return folder
        if path.suffix == ".py":
            return path.parent.resolve()
        raise TemplateError(f"{path}: the code of {logical} must be a directory or a .zip file")

    def _layers(self, value: Any, where: str, logical: str) -> list[Path]:
        if not isinstance(value, list):
            raise self.error(where, "Layers must be a list")
        by_arn = {
            self.naming.arn(other): other
            for other, resource in self.contents.resources.items()
            if resource.get("Type") in LAYER_TYPES
        }
        out = []
        for arn in value:
            layer = by_arn.get(str(arn))
            if layer is None:
                self.contents.warnings.append(
                    f"function {logical}: layer {arn} is not in the template; its code is "
                    "not available offline"
                )
                continue
            out.append(self._layer_content(layer))
        return out

    def _layer_content(self, logical: str) -> Path:
        resource = self.contents.resources[logical]
        base = make_pointer("Resources", logical, "Properties")
        asset = (resource.get("Metadata") or {}).get("aws:asset:path")
        if isinstance(asset, str) and (self.base / asset).exists():
            return self._local_code(self.base / asset, logical)
        properties = self.properties(logical, resource)
        key = "ContentUri" if resource["Type"] == "AWS::Serverless::LayerVersion" else "Content"
        if key not in properties:
            raise self.error(base, f"layer {logical} has no {key}")
        value = self.resolve(logical, properties, key)
        if isinstance(value, str) and not value.startswith("s3://"):
            path = self.base / value
            if path.exists():
                return self._local_code(path, logical)
            raise self.error(f"{base}/{key}", f"layer content {value} not found")
        raise self.error(f"{base}/{key}", f"layer {logical} has its content in S3")


def _merge_globals(globals_: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """SAM's rule: maps merge (the resource wins), lists concatenate (globals first),
    other values are replaced by the resource's."""
    merged = copy.deepcopy(globals_)
    for key, value in properties.items():
        mine = merged.get(key)
        if (
            isinstance(mine, dict)
            and isinstance(value, dict)
            and not (_intrinsic(mine) or _intrinsic(value))
        ):
            merged[key] = _merge_globals(mine, value)
        elif isinstance(mine, list) and isinstance(value, list):
            merged[key] = mine + value
        else:
            merged[key] = value
    return merged


def _intrinsic(value: dict[str, Any]) -> bool:
    return (
        len(value) == 1
        and next(iter(value)) in ("Ref", "Condition")
        or next(iter(value), "").startswith("Fn::")
    )


def _integer(value: Any, reader: _Reader, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise reader.error(where, f"expected a whole number, got {value!r}") from None


def _at(document: Any, pointer: str) -> Any:
    current = document
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict):
            current = current.get(key)
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return None
    return current
