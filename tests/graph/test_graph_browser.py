"""The HTML view opened in real headless Chromium: the graph draws (the screenshot is not
blank and shows the path taken in green) and every state's label is in the rendered DOM."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import asl
import asl.graph

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)
Image = pytest.importorskip("PIL.Image")


def _browser(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--window-size=1200,900",
        "--virtual-time-budget=5000",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, timeout=120, check=False)


def _render(html: str, tmp_path: Path) -> tuple[Any, str]:
    """The page's screenshot (a PIL image) and its DOM after the scripts ran."""
    page = tmp_path / "view.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = _browser(page, tmp_path / "profile-1", f"--screenshot={shot}")
    assert shot.exists(), done.stderr.decode("utf-8", "replace")[-2000:]
    dom = _browser(page, tmp_path / "profile-2", "--dump-dom")
    assert dom.returncode == 0, dom.stderr.decode("utf-8", "replace")[-2000:]
    return Image.open(shot).convert("RGB"), dom.stdout.decode("utf-8")


def _count(image: Any, box: tuple[int, int, int, int], test: Any) -> int:
    data = image.crop(box).tobytes()
    return sum(1 for pixel in zip(data[0::3], data[1::3], data[2::3], strict=True) if test(pixel))


def _labels(dom: str) -> set[str]:
    return set(re.findall(r'<text[^>]*class="state-label"[^>]*>([^<]*)</text>', dom))


def test_the_execution_view_of_the_first_example_draws_in_chromium(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "graph_handlers", EXAMPLES / "user_data" / "handlers.py"
    )
    assert spec and spec.loader
    handlers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handlers)
    machine = asl.parse(EXAMPLES / "user_data.asl.json")
    payload = json.loads((EXAMPLES / "user_data" / "input.json").read_text(encoding="utf-8"))
    ex = asl.run(machine, payload, functions=handlers.FUNCTIONS)
    assert ex.status == "SUCCEEDED"

    image, dom = _render(asl.graph.execution_html(ex, machine), tmp_path)

    assert 'data-rendered="true"' in dom
    assert _labels(dom) == {
        "ValidateUserData",
        "UpdateDatabase",
        "SendNotification",
        "DatabaseErrorHandle",
    }
    assert 'id="asl-graph"' in dom and 'id="asl-timeline"' in dom
    assert "\u21bb retried \u00d72" in dom  # UpdateDatabase's Retry loop, taken twice
    # below the page header: the graph is drawn, not a blank page...
    width, height = image.size
    graph_area = (0, 80, width - 360, min(height, 520))
    not_white = _count(image, graph_area, lambda p: min(p) < 235)
    assert not_white > 2000, not_white
    # ...and the path taken is green (the console's succeeded colour)
    green = _count(image, graph_area, lambda p: p[1] > 120 and p[0] < 80 and p[2] < 100)
    assert green > 300, green


def test_nested_parallel_and_map_boxes_draw_in_chromium(tmp_path: Path) -> None:
    case = json.loads(
        (ROOT / "conformance" / "graph" / "map_choice_rule_and_default_path.json").read_text()
    )
    machine = asl.parse(case["definition"])
    parallel = asl.parse(
        json.loads(
            (
                ROOT / "conformance" / "graph" / "parallel_branch_failure_caught_path.json"
            ).read_text()
        )["definition"]
    )
    for sm, names, cluster in (
        (machine, {"Each", "Size", "Big", "Small", "Done"}, "cluster-map"),
        (parallel, {"Both", "Fine", "Boom", "Handle", "Unused"}, "cluster-parallel"),
    ):
        image, dom = _render(asl.graph.to_html(sm), tmp_path)
        assert _labels(dom) == names
        assert f'class="cluster {cluster}"' in dom
        width, height = image.size
        assert _count(image, (0, 80, width - 360, height), lambda p: min(p) < 235) > 2000
        for profile in tmp_path.glob("profile-*"):
            shutil.rmtree(profile, ignore_errors=True)
