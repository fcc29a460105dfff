"""`load_template` and `Project`: a template's state machines, run with its own functions."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asl.errors import ConfigurationError
from asl.project.cloudformation import TemplateContents, read_cloudformation
from asl.project.document import TemplateError, read_document
from asl.project.model import FunctionResource, StateMachineResource

if TYPE_CHECKING:
    from asl.diagnostics import Diagnostic
    from asl.execution.result import Execution
    from asl.lambda_runtime import LambdaRuntime

__all__ = ["Project", "load_template"]


def load_template(
    path: str | os.PathLike[str],
    *,
    parameters: Mapping[str, Any] | None = None,
    substitutions: Mapping[str, Any] | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    stack_name: str = "local",
) -> Project:
    """Read a SAM / CloudFormation template (JSON or YAML), a CDK ``cdk.out`` template or a
    Terraform configuration (a ``.tf`` file or a directory of them).

    ``parameters`` are the template's parameter values (``--parameter-overrides``; for
    Terraform, its variables), ``substitutions`` extra ``${Name}`` values for every
    definition.  Raises `TemplateError` naming the file and line of what is wrong.
    """
    source = Path(path)
    given_parameters = dict(parameters or {})
    given_substitutions = dict(substitutions or {})
    if source.is_dir():
        if any(source.glob("*.tf")):
            return _terraform(source, given_parameters, given_substitutions, region, account_id)
        candidates = sorted(source.glob("*.template.json")) or [
            source / name
            for name in ("template.yaml", "template.yml", "template.json")
            if (source / name).is_file()
        ]
        if len(candidates) != 1:
            found = ", ".join(c.name for c in candidates) or "none"
            raise TemplateError(f"{source}: name the template file (found {found})")
        source = candidates[0]
    if source.suffix == ".tf":
        return _terraform(source, given_parameters, given_substitutions, region, account_id)
    if not source.is_file():
        raise TemplateError(f"{source}: no such template file")
    document = read_document(source)
    contents = read_cloudformation(
        document,
        parameters=given_parameters,
        substitutions=given_substitutions,
        region=region,
        account_id=account_id,
        stack_name=stack_name,
    )
    return Project(source, contents, region=region, account_id=account_id)


def _terraform(
    source: Path,
    parameters: dict[str, Any],
    substitutions: dict[str, Any],
    region: str,
    account_id: str,
) -> Project:
    from asl.project.terraform import read_terraform

    contents = read_terraform(
        source,
        variables=parameters,
        substitutions=substitutions,
        region=region,
        account_id=account_id,
    )
    return Project(source, contents, region=region, account_id=account_id)


class Project:
    """A template's state machines (by logical id) and Lambda functions, ready to run.

    ``state_machines`` and ``functions`` map logical ids (Terraform: resource names) to
    `StateMachineResource` / `FunctionResource`; ``warnings`` lists what was left out
    (layers from outside the template...).
    """

    def __init__(self, path: Path, contents: TemplateContents, *, region: str, account_id: str):
        self.path = path
        self.state_machines: dict[str, StateMachineResource] = contents.state_machines
        self.functions: dict[str, FunctionResource] = contents.functions
        self.warnings: list[str] = contents.warnings
        self.region = region
        self.account_id = account_id
        self._contents = contents
        self._aws: Any = None

    def __repr__(self) -> str:
        return (
            f"<Project {self.path} state_machines={list(self.state_machines)} "
            f"functions={list(self.functions)}>"
        )

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Every resource of the template (its ``Type`` and ``Properties``), by logical id;
        for Terraform, the tables, buckets, queues and topics, in CloudFormation's terms."""
        return self._contents.resources

    def state_machine(self, logical_id: str | None = None) -> StateMachineResource:
        """A state machine by logical id (or name); the only one when ``logical_id`` is None."""
        if logical_id is None:
            if len(self.state_machines) == 1:
                return next(iter(self.state_machines.values()))
            if not self.state_machines:
                raise ConfigurationError(f"{self.path} declares no state machine")
            raise ConfigurationError(
                f"{self.path} declares {len(self.state_machines)} state machines: choose one "
                f"of {', '.join(self.state_machines)} (--state-machine LogicalId)"
            )
        found = self.state_machines.get(logical_id) or next(
            (sm for sm in self.state_machines.values() if sm.name == logical_id), None
        )
        if found is None:
            raise ConfigurationError(
                f"{self.path} has no state machine {logical_id!r}; it has: "
                f"{', '.join(self.state_machines) or 'none'}"
            )
        return found

    def functions_called_by(self, state_machine: str | None = None) -> dict[str, FunctionResource]:
        """The template's functions a state machine's definition names (by ARN, or by name
        as a ``lambda:invoke`` FunctionName), by logical id."""
        text = self.state_machine(state_machine).definition_text
        return {
            logical: fn
            for logical, fn in self.functions.items()
            if re.search(rf'function:{re.escape(fn.name)}(?![\w-])|"{re.escape(fn.name)}"', text)
        }

    def validate(self) -> dict[str, list[Diagnostic]]:
        """Each state machine's diagnostics (at the template's or definition file's lines)."""
        return {logical: sm.validate() for logical, sm in self.state_machines.items()}

    def lambda_runtime(
        self,
        *,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        clock: Any = None,
    ) -> LambdaRuntime:
        """A `LambdaRuntime` with every Python function of the template registered (code
        directory, handler, layers, timeout, memory, environment).  ``functions`` maps
        logical ids or names to Python stand-ins (for functions in other languages, or to
        replace one); other keys are registered as they are."""
        from asl.lambda_runtime import LambdaRuntime

        runtime = LambdaRuntime(clock=clock, region=self.region, account_id=self.account_id)
        stand_ins = dict(functions or {})
        for logical, fn in self.functions.items():
            handler = stand_ins.pop(logical, None) or stand_ins.pop(fn.name, None)
            environment = fn.environment
            settings: dict[str, Any] = {
                "timeout": fn.timeout,
                "memory_size": fn.memory_size,
                "environment": environment,
                "reserved_concurrency": fn.reserved_concurrency,
            }
            if handler is not None:
                runtime.register(fn.name, handler, **settings)
            elif fn.unsupported is None and fn.code is not None:
                runtime.register(
                    fn.name, code=fn.code, handler_name=fn.handler, layers=fn.layers, **settings
                )
            else:
                continue
            if fn.alias is not None:  # SAM's AutoPublishAlias: version 1 and the alias
                runtime.create_alias(fn.name, fn.alias, runtime.publish_version(fn.name))
        for key, handler in stand_ins.items():
            if not callable(handler):
                raise ConfigurationError(f"functions[{key!r}] must be a handler(event, context)")
            runtime.register(key, handler, timeout=900)
        return runtime

    def run(
        self, state_machine: str | None = None, input: Any = None, **run_options: Any
    ) -> Execution:
        """Run a state machine of the template with the template's functions; the options
        are `asl.run`'s (``functions`` also takes logical ids; ``lambda_runtime`` replaces
        the template's functions: pass ``project.lambda_runtime()`` to keep environments
        warm across runs)."""
        from asl.api import run
        from asl.clock import make_clock

        sm = self.state_machine(state_machine)
        machine = sm.parse()
        functions = run_options.pop("functions", None)
        own_runtime = None
        if run_options.get("lambda_runtime") is None:
            self._check_stand_ins(sm, functions, run_options)
            clock = make_clock(run_options.get("clock", "virtual"))
            run_options["clock"] = clock
            own_runtime = self.lambda_runtime(functions=functions, clock=clock)
            run_options["lambda_runtime"] = own_runtime
        elif functions:
            run_options["functions"] = functions
        run_options.setdefault("state_machine_name", sm.name)
        run_options.setdefault("state_machines", self._started_by(sm))
        if self._aws is not None:
            run_options["resources"] = {
                **self._aws.resources_for(machine.definition),
                **(run_options.get("resources") or {}),
            }
        try:
            return run(machine, input, **run_options)
        finally:
            if own_runtime is not None:  # one made for this run: shut its environments down
                own_runtime.close()

    def _started_by(self, sm: StateMachineResource) -> dict[str, str]:
        """The template's state machines that ``sm`` (or one they start) names, by ARN:
        those its ``states:startExecution`` tasks can start."""
        found: dict[str, str] = {}
        pending = [sm]
        while pending:
            text = pending.pop().definition_text
            for other in self.state_machines.values():
                if other.arn not in found and other.arn in text:
                    found[other.arn] = other.definition_text
                    pending.append(other)
        return found

    def _check_stand_ins(
        self,
        sm: StateMachineResource,
        functions: Mapping[str, Any] | None,
        options: Mapping[str, Any],
    ) -> None:
        """Fail clearly when the workflow calls a function that cannot run here."""
        if options.get("mocks") or options.get("mock_config"):
            return  # the mocked states may be exactly those
        given = set(functions or {})
        for logical, fn in self.functions_called_by(sm.logical_id).items():
            if fn.unsupported is not None and logical not in given and fn.name not in given:
                raise ConfigurationError(fn.stand_in_message)

    @contextmanager
    def aws_environment(self) -> Iterator[Any]:
        """Inside, moto's in-memory AWS holds the template's DynamoDB tables, S3 buckets,
        SQS queues and SNS topics; `run` forwards the workflow's service integrations to
        it, and the functions' boto3 calls reach it too.  Needs ``moto`` and ``boto3``."""
        from asl.project.environment import AwsEnvironment

        if self._aws is not None:
            raise ConfigurationError("aws_environment() is already active for this project")
        with AwsEnvironment.start(self) as environment:
            self._aws = environment
            try:
                yield environment
            finally:
                self._aws = None

    def close(self) -> None:
        """Remove the scratch directory holding inline code (also done when collected)."""
        if self._contents.workdir is not None:
            self._contents.workdir.cleanup()
            self._contents.workdir = None
