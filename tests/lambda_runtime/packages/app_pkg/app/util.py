"""Relative-import target."""


def double(x):
    return 2 * x
