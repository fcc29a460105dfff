"""Real projects as they are: SAM, CloudFormation, CDK (``cdk.out``) and Terraform.

project = asl.load_template("template.yaml", parameters={"Stage": "dev"})
project.state_machines           # {"OrderFlow": StateMachineResource, ...}
ex = project.run("OrderFlow", {"order": 1})   # with the template's own Lambda code
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asl.project.document import TemplateError
    from asl.project.model import FunctionResource, StateMachineResource
    from asl.project.project import Project, load_template

# loaded on first use, so that `asl validate` (which asks asl.project.command whether a
# file is a template) does not import the template machinery for plain definitions
_LAZY = {
    "TemplateError": "asl.project.document",
    "FunctionResource": "asl.project.model",
    "StateMachineResource": "asl.project.model",
    "Project": "asl.project.project",
    "load_template": "asl.project.project",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'asl.project' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "FunctionResource",
    "Project",
    "StateMachineResource",
    "TemplateError",
    "load_template",
]
