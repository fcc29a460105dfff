"""The plugin is tested by running pytest on small test files (pytest's `pytester`)."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

# Imported here, once: pytester's in-process runs unload the modules first imported during
# a run, which would leave `asl.run` (cached on the asl module) calling an unloaded
# `asl.api` the plugin of the next run cannot see.
import asl.api
import asl.lambda_runtime
import asl.pytest_plugin
import asl.testing.coverage
import asl.testing.observe  # noqa: F401


def plugin_args() -> list[str]:
    """Load the plugin from this checkout: the installed entry point may be an older
    copy of the package, or absent."""
    installed = any(ep.name == "asl" for ep in entry_points(group="pytest11"))
    return ["-p", "no:asl", "-p", "asl.pytest_plugin"] if installed else ["-p", "asl.pytest_plugin"]


@pytest.fixture
def plugin_options() -> list[str]:
    """The pytest options that load the plugin from this checkout."""
    return plugin_args()


@pytest.fixture
def run_tests(pytester: pytest.Pytester):
    """Run pytest, in this process, on the files written by the test, with the plugin."""

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest(*plugin_args(), "-p", "no:cacheprovider", *args)

    return run
