"""Regenerate docs/images/: the README's picture of the first example's execution view.

python docs/make_graph_images.py      (needs Chromium: apt-get install chromium)
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import asl
import asl.graph

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def main() -> None:
    spec = importlib.util.spec_from_file_location(
        "handlers", EXAMPLES / "user_data" / "handlers.py"
    )
    assert spec and spec.loader
    handlers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handlers)
    machine = asl.parse(EXAMPLES / "user_data.asl.json")
    payload = json.loads((EXAMPLES / "user_data" / "input.json").read_text(encoding="utf-8"))
    ex = asl.run(machine, payload, functions=handlers.FUNCTIONS, name="user-data-example")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "execution.html"
        page.write_text(asl.graph.execution_html(ex, machine), encoding="utf-8")
        out = ROOT / "docs" / "images" / "user_data_execution.png"
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={tmp}/profile",
                "--window-size=1200,860",
                "--virtual-time-budget=5000",
                f"--screenshot={out}",
                page.as_uri() + "#state=UpdateDatabase",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(out.relative_to(ROOT))


if __name__ == "__main__":
    main()
