"""An offline AWS Lambda runtime: functions, environments, invocations, as Lambda runs them.

    runtime = LambdaRuntime()
    runtime.register("greet", lambda event, context: {"hello": event["name"]})
    result = runtime.invoke("greet", {"name": "world"})   # InvokeResult(status_code=200, ...)

Backends: ``"inprocess"`` (default), ``"subprocess"`` (a worker process per execution
environment) and ``"aws"`` (deployed functions through boto3, the optional ``aws`` extra).
"""

from asl.lambda_runtime.asynchronous import DeadLetterMessage, EventInvokeConfig
from asl.lambda_runtime.bootstrap import LambdaContext
from asl.lambda_runtime.configuration import FunctionConfiguration
from asl.lambda_runtime.environment import ExecutionEnvironment
from asl.lambda_runtime.errors import LambdaServiceError
from asl.lambda_runtime.functions import Alias, Function, FunctionVersion, InvocationStats
from asl.lambda_runtime.inprocess import InProcessBackend
from asl.lambda_runtime.logs import LogEvent
from asl.lambda_runtime.process import SubprocessBackend
from asl.lambda_runtime.remote import AwsLambdaBackend
from asl.lambda_runtime.runtime import InvokeResult, LambdaRuntime

__all__ = [
    "Alias",
    "AwsLambdaBackend",
    "DeadLetterMessage",
    "EventInvokeConfig",
    "ExecutionEnvironment",
    "Function",
    "FunctionConfiguration",
    "FunctionVersion",
    "InProcessBackend",
    "InvocationStats",
    "InvokeResult",
    "LambdaContext",
    "LambdaRuntime",
    "LambdaServiceError",
    "LogEvent",
    "SubprocessBackend",
]
