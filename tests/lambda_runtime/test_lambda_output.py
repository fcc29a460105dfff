"""Handler output reaches the user: per-invocation captured output, live listeners, and
breakpoint() that works with a terminal or fails at once without one."""

from __future__ import annotations

import io
import logging
import sys
import time
from pathlib import Path

import pytest

import asl
from asl.lambda_runtime import LambdaRuntime, LogEvent, add_log_listener


def chatty(event: object, context: object) -> str:
    print("hello from", event)
    print("to stderr", file=sys.stderr)
    logging.getLogger("app").warning("careful")
    return "done"


def test_output_is_kept_per_invocation_without_runtime_lines() -> None:
    with LambdaRuntime() as runtime:
        runtime.register("chatty", chatty)
        first = runtime.invoke("chatty", "one")
        second = runtime.invoke("chatty", "two")
        text = runtime.output("chatty", request_id=second.request_id)
        lines = text.splitlines()
        assert lines[:2] == ["hello from two", "to stderr"]
        assert lines[2].startswith("[WARNING]\t") and lines[2].endswith("\tcareful")
        assert len(lines) == 3
        assert "hello from one" in runtime.output("chatty", request_id=first.request_id)
        events = runtime.logs("chatty", request_id=second.request_id)
        assert [e.output for e in events if e.message.startswith(("START", "END", "REPORT"))] == [
            False,
            False,
            False,
        ]
        assert all(e.function_name == "chatty" for e in events)


def test_a_failing_handler_shows_its_traceback_as_output() -> None:
    def fails(event: object, context: object) -> None:
        print("about to fail")
        raise ValueError("bad input")

    with LambdaRuntime() as runtime:
        runtime.register("fails", fails)
        result = runtime.invoke("fails")
        text = runtime.output("fails", request_id=result.request_id)
        assert text.startswith("about to fail\n")
        assert "ValueError" in text and "bad input" in text


def test_listeners_see_each_event_as_it_is_recorded() -> None:
    seen: list[LogEvent] = []
    everywhere: list[LogEvent] = []
    remove_global = add_log_listener(everywhere.append)
    try:
        with LambdaRuntime() as runtime:
            remove = runtime.on_log(seen.append)
            runtime.register("chatty", chatty)
            result = runtime.invoke("chatty", 1)
            remove()
            runtime.invoke("chatty", 2)
        machine = {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:inner",
                    "End": True,
                }
            },
        }
        asl.run(machine, "x", functions={"inner": chatty})
    finally:
        remove_global()
    printed = [(e.function_name, e.request_id, e.message) for e in seen if e.output]
    assert printed[0] == ("chatty", result.request_id, "hello from 1")
    assert not any("hello from 2" in e.message for e in seen)  # removed by then
    assert any(e.function_name == "inner" and e.message == "hello from x" for e in everywhere)


class _FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def breaks(event: object, context: object) -> object:
    secret = {"value": event}
    breakpoint()
    return secret


def test_breakpoint_without_a_terminal_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONBREAKPOINT", raising=False)
    monkeypatch.setattr(sys, "__stdin__", io.StringIO())
    with LambdaRuntime() as runtime:
        runtime.register("breaks", breaks, timeout=30)
        start = time.monotonic()
        doc = runtime.invoke("breaks", 1).json()
        assert time.monotonic() - start < 5
    assert doc["errorType"] == "BreakpointUnavailable"
    assert "needs a terminal" in doc["errorMessage"] and "pytest" in doc["errorMessage"]


def test_breakpoint_with_a_terminal_runs_the_debugger_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYTHONBREAKPOINT", raising=False)
    terminal, screen = _FakeTerminal("p secret\ncontinue\n"), io.StringIO()
    monkeypatch.setattr(sys, "__stdin__", terminal)
    monkeypatch.setattr(sys, "__stdout__", screen)
    with LambdaRuntime() as runtime:
        runtime.register("breaks", breaks, timeout=30)
        result = runtime.invoke("breaks", 7)
        assert result.json() == {"value": 7}
        assert "(Pdb)" not in runtime.log_text("breaks")  # not hidden in the log
    sys.settrace(None)
    assert "{'value': 7}" in screen.getvalue()
    assert "(Pdb)" in screen.getvalue()


def test_pythonbreakpoint_0_skips_breakpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONBREAKPOINT", "0")
    monkeypatch.setattr(sys, "__stdin__", io.StringIO())
    with LambdaRuntime() as runtime:
        runtime.register("breaks", breaks)
        assert runtime.invoke("breaks", 2).json() == {"value": 2}


def test_breakpoint_in_the_subprocess_host_fails_at_once(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    breakpoint()\n    return 1\n"
    )
    with LambdaRuntime(host="subprocess") as runtime:
        runtime.register("f", code=tmp_path, timeout=30)
        doc = runtime.invoke("f").json()
    assert doc["errorType"] == "BreakpointUnavailable"
    assert "host='inprocess'" in doc["errorMessage"]
