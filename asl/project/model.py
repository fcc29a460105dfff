"""What a template declares, resolved: state machines and Lambda functions."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asl.diagnostics import Diagnostic

if TYPE_CHECKING:
    from asl.ast import StateMachine

__all__ = ["DefinitionOrigin", "FunctionResource", "StateMachineResource"]

PYTHON_RUNTIME = re.compile(r"python3(\.\d+)?$")


@dataclass(frozen=True)
class DefinitionOrigin:
    """Where a definition's text sits, to report diagnostics at the template's own lines.

    ``kind`` is ``"file"`` (a definition file: its lines are the text's lines),
    ``"object"`` (an inline definition: ``pointer`` is its JSON pointer in the template,
    ``positions`` the template's positions), or ``"string"`` (a definition string whose
    first line is ``line`` of ``file``; ``exact`` when its lines follow the template's).
    """

    kind: str
    file: Path
    pointer: str = ""
    line: int = 1
    exact: bool = True
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class StateMachineResource:
    """A state machine of a template: its names and its definition with placeholders filled."""

    logical_id: str
    name: str
    arn: str
    type: str
    definition_text: str
    origin: DefinitionOrigin
    unsubstituted: tuple[str, ...] = ()

    @property
    def definition(self) -> Any:
        """The definition, decoded (JSON or YAML)."""
        from asl.loading import load

        loaded, _ = load(self.definition_text)
        return None if loaded is None else loaded.document

    def validate(self) -> list[Diagnostic]:
        """The definition's diagnostics, at the lines of the file it was written in."""
        from asl.validation import validate

        origin = self.origin
        if origin.kind == "object":
            try:
                document = json.loads(self.definition_text)
            except ValueError:  # a substituted value broke the JSON, as it would on AWS
                found = validate(self.definition_text, machine_type=self.type)
                return [dataclasses.replace(d, line=origin.line, column=1) for d in found]
            found = validate(document, machine_type=self.type)
        else:
            found = validate(
                self.definition_text, filename=str(origin.file), machine_type=self.type
            )
        return [self._located(d) for d in found]

    def parse(self) -> StateMachine:
        """The compiled state machine; DefinitionError with template lines if invalid."""
        from asl.api import parse
        from asl.errors import DefinitionError

        try:
            return parse(self.definition_text, filename=str(self.origin.file))
        except DefinitionError as e:
            raise DefinitionError([self._located(d) for d in e.diagnostics]) from None

    def _located(self, diagnostic: Diagnostic) -> Diagnostic:
        origin = self.origin
        if origin.kind == "file":
            return diagnostic
        if origin.kind == "object":
            pointer = diagnostic.path
            while True:
                found = origin.positions.get(origin.pointer + pointer)
                if found is not None or not pointer:
                    break
                pointer = pointer.rsplit("/", 1)[0]
            line, column = found or (origin.line, 1)
            return dataclasses.replace(diagnostic, line=line, column=column)
        if origin.exact and diagnostic.line is not None:
            line = origin.line + diagnostic.line - 1
            return dataclasses.replace(diagnostic, line=line)
        return dataclasses.replace(diagnostic, line=origin.line, column=1)


@dataclass(frozen=True)
class FunctionResource:
    """A Lambda function of a template, as the in-process Lambda runtime will run it.

    ``code`` is the code directory (``CodeUri``, a CDK asset, or a directory holding the
    inline code), ``handler`` Lambda's ``module.function``; ``alias`` SAM's
    ``AutoPublishAlias`` (published as version 1); ``unsupported`` says why the function
    cannot run here (another language, a container image, code in S3).
    """

    logical_id: str
    name: str
    arn: str
    runtime: str
    handler: str | None
    code: Path | None
    layers: tuple[Path, ...] = ()
    timeout: int = 3
    memory_size: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    reserved_concurrency: int | None = None
    alias: str | None = None
    unsupported: str | None = None

    @property
    def stand_in_message(self) -> str:
        """The error raised when a workflow calls this function without a stand-in."""
        return (
            f"function {self.logical_id} ({self.name}) {self.unsupported}: give a Python "
            f"stand-in with functions={{{self.logical_id!r}: handler}} or mock the state"
        )
