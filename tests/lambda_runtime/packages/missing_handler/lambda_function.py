"""Has no function called lambda_handler."""


def other(event, context):
    return None
