"""Allocates more memory than asked for in the event."""


def lambda_handler(event, context):
    block = bytearray(event["megabytes"] * 1024 * 1024)
    return len(block)
