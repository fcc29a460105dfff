"""Ctrl-C during asl.run says which state was running (not an asyncio traceback)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys, time, asl

    def slow(event, context):
        open(sys.argv[1], "w").close()  # the handler is running
        time.sleep(30)
        return event

    definition = {
        "StartAt": "Slow",
        "States": {"Slow": {"Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:slow", "End": True}},
    }
    try:
        asl.run(definition, {}, functions={"slow": slow}, name="interrupted-run")
    except KeyboardInterrupt as e:
        print(f"KeyboardInterrupt: {e}", file=sys.stderr, flush=True)
        sys.exit(130)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_names_the_running_state(tmp_path: Path) -> None:
    script = tmp_path / "slow.py"
    script.write_text(SCRIPT)
    marker = tmp_path / "started"
    process = subprocess.Popen(
        [sys.executable, str(script), str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the handler never started"
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "asl.run interrupted in state 'Slow' of execution 'interrupted-run'" in err
