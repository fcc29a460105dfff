"""Reports the environment variables and context a handler sees."""

import os

AT_INIT = os.environ.get("GREETING")


def lambda_handler(event, context):
    os.environ["SET_BY_HANDLER"] = str(context.aws_request_id)
    names = [
        "GREETING",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_REGION",
        "_HANDLER",
        "OTHER",
    ]
    return {
        "env": {n: os.environ.get(n) for n in names},
        "at_init": AT_INIT,
        "previous": event,
        "pid": os.getpid(),
    }
