"""An offline AWS Lambda runtime: functions, environments, invocations, as Lambda runs them.

    runtime = LambdaRuntime()
    runtime.register("greet", lambda event, context: {"hello": event["name"]})
    result = runtime.invoke("greet", {"name": "world"})   # InvokeResult(status_code=200, ...)

Hosts (where code runs): ``"inprocess"`` (default), ``"subprocess"`` (a worker process
per execution environment) and ``"aws"`` (deployed functions through boto3, the optional
``aws`` extra).  ``InProcessBackend``, ``SubprocessBackend`` and ``AwsLambdaBackend`` are
the deprecated names of ``InProcessHost``, ``SubprocessHost`` and ``AwsHost``.
"""

from asl.lambda_runtime.asynchronous import DeadLetterMessage, EventInvokeConfig
from asl.lambda_runtime.bootstrap import LambdaContext
from asl.lambda_runtime.configuration import FunctionConfiguration
from asl.lambda_runtime.environment import ExecutionEnvironment, Host
from asl.lambda_runtime.errors import LambdaServiceError
from asl.lambda_runtime.functions import Alias, Function, FunctionVersion, InvocationStats
from asl.lambda_runtime.inprocess import InProcessBackend, InProcessHost
from asl.lambda_runtime.logs import LogEvent
from asl.lambda_runtime.logs import add_listener as add_log_listener
from asl.lambda_runtime.process import SubprocessBackend, SubprocessHost
from asl.lambda_runtime.remote import AwsHost, AwsLambdaBackend
from asl.lambda_runtime.results import InvokeResult
from asl.lambda_runtime.runtime import LambdaRuntime

__all__ = [
    "Alias",
    "AwsHost",
    "AwsLambdaBackend",
    "DeadLetterMessage",
    "EventInvokeConfig",
    "ExecutionEnvironment",
    "Function",
    "FunctionConfiguration",
    "FunctionVersion",
    "Host",
    "InProcessBackend",
    "InProcessHost",
    "InvocationStats",
    "InvokeResult",
    "LambdaContext",
    "LambdaRuntime",
    "LambdaServiceError",
    "LogEvent",
    "SubprocessBackend",
    "SubprocessHost",
    "add_log_listener",
]
