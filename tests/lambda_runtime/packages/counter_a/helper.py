"""Helper module of package A."""


def name():
    return "a"
