"""Imports a module that does not exist."""

import no_such_module_anywhere  # noqa: F401


def lambda_handler(event, context):
    return None
