"""Importing real deployment packages: modules in sys.modules while they execute, private
/tmp that leaves the interpreter's own files alone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asl.lambda_runtime import LambdaRuntime

MODELS = """\
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Order:
    order_id: str
    items: list[str] = field(default_factory=list)
"""

APP = """\
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from models import Order


@dataclass
class Reply:
    count: int


def handler(event, context):
    order = Order(event["id"], event["items"])
    return dataclasses.asdict(Reply(len(order.items)))
"""


@pytest.mark.parametrize("host", ["inprocess", "subprocess"])
def test_future_annotations_with_dataclasses_import(tmp_path: Path, host: str) -> None:
    # Seen in chardet (and so requests): @dataclass looks the module up in sys.modules
    # to resolve string annotations while the module executes.
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "app.py").write_text(APP)
    with LambdaRuntime(host=host) as runtime:
        runtime.register("f", code=tmp_path, handler_name="app.handler")
        result = runtime.invoke("f", {"id": "o-1", "items": ["a", "b"]})
        assert result.function_error is None, result.payload
        assert result.json() == {"count": 2}
    assert "models" not in sys.modules and "app" not in sys.modules


def test_two_packages_with_the_same_module_name_stay_apart(tmp_path: Path) -> None:
    for name, value in (("one", 1), ("two", 2)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "settings.py").write_text(
            f"from __future__ import annotations\nfrom dataclasses import dataclass\n"
            f"@dataclass\nclass S:\n    value: int = {value}\n"
        )
        (tmp_path / name / "lambda_function.py").write_text(
            "import settings\ndef lambda_handler(event, context):\n    return settings.S().value\n"
        )
    with LambdaRuntime() as runtime:
        runtime.register("one", code=tmp_path / "one")
        runtime.register("two", code=tmp_path / "two")
        assert [runtime.invoke(n).json() for n in ("one", "two", "one")] == [1, 2, 1]


def test_private_tmp_leaves_import_paths_under_tmp_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A virtualenv under /tmp: its packages read their data files by absolute path
    # (botocore's service models, for boto3.client()); the private /tmp must not
    # rewrite those paths.
    assert str(tmp_path).startswith("/tmp/"), "pytest's tmp_path is expected under /tmp"
    site = tmp_path / "site"
    (site / "datapkg").mkdir(parents=True)
    (site / "datapkg" / "data.json").write_text('{"models": 3}')
    (site / "datapkg" / "__init__.py").write_text(
        "import json, os\n"
        "with open(os.path.join(os.path.dirname(__file__), 'data.json')) as f:\n"
        "    DATA = json.load(f)\n"
    )
    code = tmp_path / "code"
    code.mkdir()
    (code / "lambda_function.py").write_text(
        "import datapkg\n"
        "def lambda_handler(event, context):\n"
        "    with open('/tmp/mine.txt', 'w') as f:\n"
        "        f.write('private')\n"
        "    return datapkg.DATA\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    with LambdaRuntime(host="subprocess") as runtime:
        runtime.register("f", code=code)
        result = runtime.invoke("f")
        assert result.function_error is None, result.payload
        assert result.json() == {"models": 3}
        (environment,) = runtime.get_function("f").environments
        assert (environment.tmp_dir / "mine.txt").read_text() == "private"
    assert not Path("/tmp/mine.txt").exists() or Path("/tmp/mine.txt").read_text() != "private"


def test_boto3_client_in_the_subprocess_host(tmp_path: Path) -> None:
    pytest.importorskip("boto3")
    (tmp_path / "lambda_function.py").write_text(
        "import boto3\n"
        "def lambda_handler(event, context):\n"
        "    return boto3.client('s3', region_name='us-east-1').meta.region_name\n"
    )
    with LambdaRuntime(host="subprocess") as runtime:
        runtime.register("f", code=tmp_path, timeout=30)
        result = runtime.invoke("f")
        assert result.function_error is None, result.payload
        assert result.json() == "us-east-1"
