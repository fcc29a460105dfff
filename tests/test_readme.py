"""The README's "Testing with pytest" example runs as a test file (with the plugin)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_the_testing_with_pytest_example_passes(pytester: pytest.Pytester) -> None:
    blocks = re.findall(r"```python\n(.*?)```", section("Testing with pytest"), re.S)
    assert blocks, "the section has no example"
    for i, block in enumerate(blocks):
        pytester.makepyfile(**{f"test_readme_example_{i}": block})
    from tests.plugin.conftest import plugin_args

    result = pytester.runpytest(*plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(blocks))
