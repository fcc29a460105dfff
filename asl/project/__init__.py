"""Real projects as they are: SAM, CloudFormation, CDK (``cdk.out``) and Terraform.

project = asl.load_template("template.yaml", parameters={"Stage": "dev"})
project.state_machines           # {"OrderFlow": StateMachineResource, ...}
ex = project.run("OrderFlow", {"order": 1})   # with the template's own Lambda code
"""

from asl.project.document import TemplateError
from asl.project.model import FunctionResource, StateMachineResource
from asl.project.project import Project, load_template

__all__ = [
    "FunctionResource",
    "Project",
    "StateMachineResource",
    "TemplateError",
    "load_template",
]
