"""State machines and functions of a Terraform configuration (``aws_sfn_state_machine``,
``aws_lambda_function``, ``aws_lambda_layer_version``), read with python-hcl2 (the
``terraform`` extra) and evaluated offline: variables (defaults or given), locals,
``templatefile()`` / ``file()`` / heredoc / ``jsonencode()`` definitions, references to the
configuration's own resources resolved to the ARNs a deployment would give them."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asl.project.cloudformation import TemplateContents, substitute_placeholders
from asl.project.document import TemplateError
from asl.project.hcl import ExpressionParser, HclError, evaluate
from asl.project.model import (
    PYTHON_RUNTIME,
    DefinitionOrigin,
    FunctionResource,
    StateMachineResource,
)
from asl.project.naming import Naming

__all__ = ["read_terraform"]

# Terraform resource type -> (CloudFormation type, the attribute holding the name)
_LAMBDA_MODULE_SETTINGS = (
    "function_name",
    "handler",
    "runtime",
    "timeout",
    "memory_size",
    "layers",
    "package_type",
    "image_uri",
    "reserved_concurrent_executions",
)
_LAMBDA_MODULE_OUTPUTS = {
    "lambda_function_arn": "arn",
    "lambda_function_qualified_arn": "arn",
    "lambda_function_name": "function_name",
    "lambda_function_invoke_arn": "invoke_arn",
}
_SFN_MODULE_OUTPUTS = {
    "state_machine_arn": "arn",
    "state_machine_id": "arn",
    "state_machine_name": "name",
}

_TYPES = {
    "aws_lambda_function": ("AWS::Lambda::Function", "function_name"),
    "aws_sfn_state_machine": ("AWS::StepFunctions::StateMachine", "name"),
    "aws_sfn_activity": ("AWS::StepFunctions::Activity", "name"),
    "aws_dynamodb_table": ("AWS::DynamoDB::Table", "name"),
    "aws_sqs_queue": ("AWS::SQS::Queue", "name"),
    "aws_sns_topic": ("AWS::SNS::Topic", "name"),
    "aws_s3_bucket": ("AWS::S3::Bucket", "bucket"),
    "aws_iam_role": ("AWS::IAM::Role", "name"),
    "aws_lambda_layer_version": ("AWS::Lambda::LayerVersion", "layer_name"),
    "aws_cloudwatch_event_bus": ("AWS::Events::EventBus", "name"),
    "aws_cloudwatch_log_group": ("AWS::Logs::LogGroup", "name"),
}


def _load_hcl(files: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    try:
        import hcl2
    except ImportError:
        raise TemplateError(
            "reading Terraform needs python-hcl2: pip install 'asl-interpreter[terraform]'"
        ) from None
    out = []
    for file in files:
        try:
            with open(file, encoding="utf-8") as handle:
                out.append((file, hcl2.load(handle)))
        except Exception as e:  # python-hcl2 raises lark's exceptions for syntax errors
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise TemplateError(f"{file}: not valid Terraform: {first}") from None
    return out


def _label(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


class _Configuration:
    """The blocks of a module, and the evaluation of references between them."""

    def __init__(self, directory: Path, variables: Mapping[str, Any], region: str, account: str):
        self.directory = directory
        self.given = dict(variables)
        self.region = region
        self.account = account
        self.variables: dict[str, Any] = {}
        self.locals: dict[str, Any] = {}
        self.resources: dict[tuple[str, str], tuple[Path, dict[str, Any]]] = {}
        self.data: dict[tuple[str, str], dict[str, Any]] = {}
        self._values: dict[str, Any] = {}
        self._busy: set[str] = set()
        self.names: dict[tuple[str, str], str] = {}
        # module name -> (the resource type it is read as, its outputs -> attributes)
        self.modules: dict[str, tuple[str, dict[str, str]]] = {}

    def add(self, file: Path, document: dict[str, Any]) -> None:
        for block in document.get("variable", []):
            for name, body in block.items():
                self.variables[_label(name)] = body
        for block in document.get("locals", []):
            for name, body in block.items():
                if name != "__is_block__":
                    self.locals[name] = body
        for block in document.get("resource", []):
            for kind, named in block.items():
                for name, body in named.items():
                    self.resources[(_label(kind), _label(name))] = (file, body)
        for block in document.get("data", []):
            for kind, named in block.items():
                for name, body in named.items():
                    self.data[(_label(kind), _label(name))] = body
        for block in document.get("module", []):
            for name, body in block.items():
                self._module(file, _label(name), body)

    def _module(self, file: Path, label: str, body: dict[str, Any]) -> None:
        """The community modules for Lambda and Step Functions (terraform-aws-modules),
        read as the resources they create."""
        source = str(body.get("source", ""))
        if "terraform-aws-modules/lambda/aws" in source:
            function = {k: v for k, v in body.items() if k in _LAMBDA_MODULE_SETTINGS}
            if "environment_variables" in body:
                function["environment"] = [{"variables": body["environment_variables"]}]
            if "source_path" in body:
                function["__source_path"] = body["source_path"]
            self.resources[("aws_lambda_function", label)] = (file, function)
            self.modules[label] = ("aws_lambda_function", _LAMBDA_MODULE_OUTPUTS)
        elif "terraform-aws-modules/step-functions/aws" in source:
            machine = {k: v for k, v in body.items() if k in ("name", "definition", "type")}
            self.resources[("aws_sfn_state_machine", label)] = (file, machine)
            self.modules[label] = ("aws_sfn_state_machine", _SFN_MODULE_OUTPUTS)

    def value(self, expression: Any, what: str) -> Any:
        try:
            return evaluate(expression, self.lookup, self.directory)
        except HclError as e:
            raise TemplateError(f"{what}: {e}") from None
        except RecursionError:
            raise TemplateError(f"{what}: the expression refers to itself") from None

    def _cached(self, key: str, compute: Any) -> Any:
        if key in self._values:
            return self._values[key]
        if key in self._busy:
            raise HclError(f"{key} refers to itself")
        self._busy.add(key)
        try:
            self._values[key] = compute()
        finally:
            self._busy.discard(key)
        return self._values[key]

    def lookup(self, parts: list[Any]) -> Any:
        head = parts[0]
        if head == "var":
            name = str(parts[1])
            value = self._cached(f"var.{name}", lambda: self._variable(name))
            return self._walk(value, parts[2:], f"var.{name}")
        if head == "local":
            name = str(parts[1])
            if name not in self.locals:
                raise HclError(f"local.{name} is not declared")
            value = self._cached(
                f"local.{name}", lambda: evaluate(self.locals[name], self.lookup, self.directory)
            )
            return self._walk(value, parts[2:], f"local.{name}")
        if head == "path":
            return str(self.directory)
        if head == "terraform" and len(parts) > 1 and parts[1] == "workspace":
            return "default"
        if head == "module" and len(parts) > 2 and str(parts[1]) in self.modules:
            kind, outputs = self.modules[str(parts[1])]
            output = str(parts[2])
            if output not in outputs:
                raise HclError(f"module.{parts[1]}.{output} is not an output read offline")
            return self.attribute(kind, str(parts[1]), outputs[output])
        if head == "data":
            return self._data(str(parts[1]), str(parts[2]), [str(p) for p in parts[3:]])
        if isinstance(head, str) and (head, str(parts[1])) in self.resources:
            rest = [p for p in parts[2:] if isinstance(p, str) and not p.isdigit()]
            return self.attribute(head, str(parts[1]), rest[0] if rest else "id")
        raise HclError(
            f"{'.'.join(str(p) for p in parts)} cannot be resolved offline (not a variable, "
            "local or resource of this configuration)"
        )

    def _walk(self, value: Any, rest: list[Any], name: str) -> Any:
        for part in rest:
            try:
                value = value[int(part)] if isinstance(value, list) else value[part]
            except (KeyError, IndexError, TypeError, ValueError):
                raise HclError(f"{name} has no element {part!r}") from None
        return value

    def _variable(self, name: str) -> Any:
        if name in self.given:
            return self.given[name]
        body = self.variables.get(name)
        if body is None:
            raise HclError(f"var.{name} is not declared")
        if "default" not in body:
            raise HclError(
                f"var.{name} has no default: give it with parameters={{{name!r}: ...}} "
                f"(--parameter-overrides {name}=VALUE)"
            )
        return evaluate(body["default"], self.lookup, self.directory)

    def _data(self, kind: str, name: str, rest: list[str]) -> Any:
        attribute = rest[0] if rest else "id"
        if kind == "aws_region":
            return self.region
        if kind == "aws_caller_identity":
            return self.account
        if kind == "aws_partition":
            return "aws"
        if kind == "archive_file":
            body = self.data.get((kind, name))
            if body is None:
                raise HclError(f"data.{kind}.{name} is not declared")
            return evaluate(body.get(attribute, '""'), self.lookup, self.directory)
        raise HclError(f"data.{kind}.{name} cannot be read offline")

    def name(self, kind: str, label: str) -> str:
        def compute() -> str:
            _, body = self.resources[(kind, label)]
            attribute = _TYPES.get(kind, ("", "name"))[1]
            if attribute in body:
                return str(evaluate(body[attribute], self.lookup, self.directory))
            return label

        return str(self._cached(f"name:{kind}.{label}", compute))

    def attribute(self, kind: str, label: str, attribute: str) -> Any:
        cfn_type = _TYPES.get(kind, ("AWS::Unknown::Resource", ""))[0]
        name = self.name(kind, label)
        naming = Naming(
            {label: {"Type": cfn_type, "Properties": {}}},
            region=self.region,
            account_id=self.account,
            stack_name="local",
        )
        naming._names[label] = name
        if attribute in ("arn", "qualified_arn"):
            return naming.arn(label)
        if attribute in ("url", "id") and kind == "aws_sqs_queue":
            return naming.queue_url(label)
        if attribute == "invoke_arn":
            return (
                f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/"
                f"{naming.arn(label)}/invocations"
            )
        if attribute == "id" and kind in ("aws_sfn_state_machine", "aws_sns_topic"):
            return naming.arn(label)
        if attribute == "layer_arn":
            return naming.arn(label).rsplit(":", 1)[0]
        if attribute in ("name", "id", "function_name", "bucket", "layer_name"):
            return name
        _, body = self.resources[(kind, label)]
        if attribute in body:
            return evaluate(body[attribute], self.lookup, self.directory)
        return f"{naming.arn(label)}/{attribute}"


def read_terraform(
    source: Path,
    *,
    variables: Mapping[str, Any],
    substitutions: Mapping[str, Any],
    region: str,
    account_id: str,
) -> TemplateContents:
    """Resolve the state machines and functions of the module holding ``source``."""
    directory = (source if source.is_dir() else source.parent).resolve()
    files = sorted(directory.glob("*.tf"))
    if not files:
        raise TemplateError(f"{source}: no .tf files")
    config = _Configuration(directory, variables, region, account_id)
    for file, document in _load_hcl(files):
        config.add(file, document)
    try:
        return _read(config, substitutions)
    except HclError as e:  # a name or attribute outside a definition or setting
        raise TemplateError(f"{directory}: {e}") from None


def _read(config: _Configuration, substitutions: Mapping[str, Any]) -> TemplateContents:
    contents = TemplateContents()
    for (kind, label), (file, body) in config.resources.items():
        if kind == "aws_sfn_state_machine":
            contents.state_machines[label] = _state_machine(
                config, label, file, body, substitutions
            )
    layer_dirs: dict[str, Path] = {}
    for (kind, label), (file, body) in config.resources.items():
        if kind == "aws_lambda_layer_version":
            try:
                what = f"{file}: aws_lambda_layer_version.{label}"
                code = _code(config, contents, what, body, label)
            except TemplateError as e:
                contents.warnings.append(str(e))
                continue
            if code is not None:
                layer_dirs[config.attribute(kind, label, "arn")] = code
    for (kind, label), (file, body) in config.resources.items():
        if kind == "aws_lambda_function":
            contents.functions[label] = _function(config, contents, label, file, body, layer_dirs)
    _service_resources(config, contents)
    return contents


def _service_resources(config: _Configuration, contents: TemplateContents) -> None:
    """The tables, buckets, queues and topics, described as CloudFormation describes them
    (for `Project.aws_environment`)."""
    resources: dict[str, dict[str, Any]] = {}
    for (kind, label), (file, body) in config.resources.items():
        what = f"{file}: {kind}.{label}"
        name = config.name(kind, label) if kind in _TYPES else label
        if kind == "aws_dynamodb_table":
            keys = [("hash_key", "HASH"), ("range_key", "RANGE")]
            schema = [
                {"AttributeName": str(config.value(body[key], what)), "KeyType": role}
                for key, role in keys
                if key in body
            ]
            attributes = [
                {"AttributeName": str(a.get("name")), "AttributeType": str(a.get("type", "S"))}
                for a in config.value(body.get("attribute", []), what) or []
            ]
            properties: dict[str, Any] = {
                "TableName": name,
                "KeySchema": schema,
                "AttributeDefinitions": attributes,
            }
        elif kind == "aws_s3_bucket":
            properties = {"BucketName": name}
        elif kind == "aws_sqs_queue":
            fifo = config.value(body.get("fifo_queue", False), what) is True
            properties = {"QueueName": name, "FifoQueue": fifo}
        elif kind == "aws_sns_topic":
            properties = {"TopicName": name}
        else:
            continue
        resources[f"{kind}.{label}"] = {"Type": _TYPES[kind][0], "Properties": properties}
    contents.resources = resources
    contents.naming = Naming(
        resources, region=config.region, account_id=config.account, stack_name="local"
    )


def _state_machine(
    config: _Configuration,
    label: str,
    file: Path,
    body: dict[str, Any],
    substitutions: Mapping[str, Any],
) -> StateMachineResource:
    what = f"{file}: aws_sfn_state_machine.{label}"
    if "definition" not in body:
        raise TemplateError(f"{what} has no definition")
    text = config.value(body["definition"], f"{what}.definition")
    if not isinstance(text, str):
        raise TemplateError(f"{what}.definition must be a string")
    text, left = substitute_placeholders(text, substitutions)
    kind = str(config.value(body.get("type", '"STANDARD"'), f"{what}.type")).upper()
    return StateMachineResource(
        logical_id=label,
        name=config.name("aws_sfn_state_machine", label),
        arn=config.attribute("aws_sfn_state_machine", label, "arn"),
        type=kind,
        definition_text=text,
        origin=_origin(config, label, file, body["definition"]),
        unsubstituted=tuple(dict.fromkeys(left)),
    )


def _origin(config: _Configuration, label: str, file: Path, expression: Any) -> DefinitionOrigin:
    """The definition file (templatefile/file) or the line of the definition in the .tf."""
    if isinstance(expression, str):
        match = re.match(r"\$\{\s*(templatefile|file)\s*\(", expression)
        if match:
            parser = ExpressionParser(expression[match.end() :], config.lookup, config.directory)
            try:
                path = parser.expression()
                return DefinitionOrigin("file", (config.directory / str(path)).resolve())
            except HclError:
                pass
    text = file.read_text(encoding="utf-8")
    block = re.search(rf'resource\s+"aws_sfn_state_machine"\s+"{re.escape(label)}"', text)
    start = block.end() if block else 0
    found = re.compile(r"^\s*definition\s*=\s*(<<-?\w+\s*$)?", re.MULTILINE).search(text, start)
    if found is None:
        return DefinitionOrigin("string", file, line=1, exact=False)
    line = text.count("\n", 0, found.start()) + 1
    if found.group(1):  # a heredoc: the definition's lines are the file's
        return DefinitionOrigin("string", file, line=line + 1)
    return DefinitionOrigin("string", file, line=line, exact=False)


def _function(
    config: _Configuration,
    contents: TemplateContents,
    label: str,
    file: Path,
    body: dict[str, Any],
    layer_dirs: dict[str, Path],
) -> FunctionResource:
    what = f"{file}: aws_lambda_function.{label}"

    def get(key: str, default: Any) -> Any:
        return config.value(body[key], f"{what}.{key}") if key in body else default

    environment: dict[str, str] = {}
    for block in get("environment", []) or []:
        for key, value in ((block or {}).get("variables") or {}).items():
            environment[str(key)] = (
                ("true" if value else "false") if isinstance(value, bool) else str(value)
            )
    runtime = str(get("runtime", ""))
    function = FunctionResource(
        logical_id=label,
        name=config.name("aws_lambda_function", label),
        arn=config.attribute("aws_lambda_function", label, "arn"),
        runtime=runtime,
        handler=get("handler", None),
        code=None,
        timeout=int(get("timeout", 3)),
        memory_size=int(get("memory_size", 128)),
        reserved_concurrency=(
            int(get("reserved_concurrent_executions", -1))
            if int(get("reserved_concurrent_executions", -1)) >= 0
            else None
        ),
        environment=environment,
    )
    from dataclasses import replace

    if "image_uri" in body or get("package_type", "Zip") == "Image":
        return replace(function, unsupported="is a container image")
    if not PYTHON_RUNTIME.match(runtime):
        return replace(function, unsupported=f"uses {runtime}" if runtime else "has no runtime")
    layers = []
    for arn in get("layers", []) or []:
        if str(arn) in layer_dirs:
            layers.append(layer_dirs[str(arn)])
        else:
            contents.warnings.append(
                f"function {label}: layer {arn} is not in the configuration; its code is not "
                "available offline"
            )
    try:
        code = _code(config, contents, what, body, label)
    except TemplateError as e:
        return replace(function, layers=tuple(layers), unsupported=f"has no local code ({e})")
    if code is None:
        return replace(function, layers=tuple(layers), unsupported="has its code in S3")
    return replace(function, code=code, layers=tuple(layers))


def _code(
    config: _Configuration, contents: TemplateContents, what: str, body: dict[str, Any], label: str
) -> Path | None:
    """The code directory of a function or layer: an archive_file's source, or a zip (or
    the lambda module's ``source_path``)."""
    if "__source_path" in body:
        value = config.value(body["__source_path"], f"{what}.source_path")
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = value.get("path")
        folder = (config.directory / str(value)).resolve()
        if not folder.is_dir():
            raise TemplateError(f"{what}: source_path {value} is not a directory")
        return folder
    if "filename" not in body:
        return None
    filename = str(config.value(body["filename"], f"{what}.filename"))
    for (kind, _name), data in config.data.items():
        if kind != "archive_file":
            continue
        output = config.value(data.get("output_path", '""'), f"data.archive_file.{_name}")
        if (config.directory / str(output)).resolve() == (config.directory / filename).resolve():
            if "source_dir" in data:
                folder = config.directory / str(config.value(data["source_dir"], what))
                return folder.resolve()
            if "source_file" in data:
                file = config.directory / str(config.value(data["source_file"], what))
                return file.resolve().parent
    archive = config.directory / filename
    if archive.is_file() and archive.suffix == ".zip":
        folder = contents.scratch() / label
        with zipfile.ZipFile(archive) as handle:
            handle.extractall(folder)
        return folder
    if archive.is_dir():
        return archive.resolve()
    raise TemplateError(f"{what}: the code {filename} is not found (build it, or use archive_file)")
