"""Uses a module that only a layer provides."""

import shared_lib


def lambda_handler(event, context):
    return shared_lib.GREETING
