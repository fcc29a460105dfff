"""Handlers that never finish in time."""

import time


def sleep(event, context):
    print("going to sleep")
    time.sleep(60)
    return event


def spin(event, context):
    while True:
        pass
