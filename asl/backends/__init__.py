"""Task backends: what a Task state's Resource runs against."""

from asl.backends.base import Backends, Resource, TaskBackend, TaskRequest, parse_resource

__all__ = ["Backends", "Resource", "TaskBackend", "TaskRequest", "parse_resource"]
