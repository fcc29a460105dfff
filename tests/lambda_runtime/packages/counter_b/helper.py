"""Helper module of package B."""


def name():
    return "b"
