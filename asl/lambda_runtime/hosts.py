"""Hosts: where function code runs.

- ``"inprocess"`` (:class:`InProcessHost`, default): threads of this process, the fastest;
- ``"subprocess"`` (:class:`SubprocessHost`): a worker process per execution environment,
  isolated as on Lambda (memory limit, private ``/tmp``, a matching interpreter);
- ``"aws"`` (:class:`AwsHost`): deployed functions, invoked through boto3.

The ``*Backend`` names are the deprecated names of these classes.
"""

from __future__ import annotations

from typing import Any

from asl.errors import ConfigurationError
from asl.lambda_runtime.environment import Host

HOST_NAMES = ("inprocess", "subprocess", "aws")

__all__ = ["HOST_NAMES", "Host", "make_host"]


def make_host(host: Any, region: str) -> Any:
    """A host object from a name (``"inprocess"``, ``"subprocess"``, ``"aws"``) or itself."""
    if host == "inprocess":
        from asl.lambda_runtime.inprocess import InProcessHost

        return InProcessHost()
    if host == "subprocess":
        from asl.lambda_runtime.process import SubprocessHost

        return SubprocessHost()
    if host == "aws":
        from asl.lambda_runtime.remote import AwsHost

        return AwsHost(region=region)
    if isinstance(host, str) or host is None:
        raise ConfigurationError(
            f"host must be 'inprocess', 'subprocess', 'aws' or a host object, got {host!r}"
        )
    if not getattr(host, "remote", False) and not hasattr(host, "create_environment"):
        raise ConfigurationError(
            f"host {host!r} has neither create_environment() nor invoke_async()"
        )
    return host
