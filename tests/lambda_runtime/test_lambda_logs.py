"""Function logs: START, END, REPORT lines, errors and timeouts, log groups and streams."""

from __future__ import annotations

import re
from pathlib import Path

from asl.lambda_runtime import LambdaRuntime

REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>\d+\.\d\d) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: \d+ MB\t(Init Duration: (?P<init>\d+\.\d\d) ms\t)?"
    r"(Status: (?P<status>\w+)\t)?(Error Type: (?P<error_type>[\w.]+)\t)?$"
)


def report(runtime: LambdaRuntime, function: str, request_id: str) -> re.Match[str]:
    last = runtime.logs(function, request_id=request_id)[-1].message
    match = REPORT.match(last)
    assert match, last
    return match


def test_cold_start_report_has_init_duration_and_warm_does_not(
    runtime: LambdaRuntime, packages: Path
) -> None:
    runtime.register("a", code=packages / "counter_a", memory_size=256)
    cold = report(runtime, "a", runtime.invoke("a", {}).request_id)
    warm = report(runtime, "a", runtime.invoke("a", {}).request_id)
    assert cold["init"] is not None and warm["init"] is None
    assert cold["memory"] == "256"
    # Billing rounds up to the millisecond and includes the on-demand init phase.
    total = float(cold["duration"]) + float(cold["init"])
    assert int(cold["billed"]) >= total and int(cold["billed"]) - total < 1.01


def test_error_is_logged_as_the_runtime_logs_it(runtime: LambdaRuntime) -> None:
    def fail(event, context):
        raise ValueError("broken")

    runtime.register("fail", fail)
    result = runtime.invoke("fail", {})
    messages = [e.message for e in runtime.logs("fail", request_id=result.request_id)]
    error = next(m for m in messages if m.startswith("[ERROR]"))
    lines = error.split("\n")
    assert lines[0] == "[ERROR] ValueError: broken"
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[2].startswith('\u00a0\u00a0File "')  # indentation shown as no-break spaces
    assert lines[3] == '\u00a0\u00a0\u00a0\u00a0raise ValueError("broken")'


def test_init_failure_is_reported(runtime: LambdaRuntime, packages: Path) -> None:
    runtime.register("broken", code=packages / "broken_import")
    result = runtime.invoke("broken", {})
    messages = [e.message for e in runtime.logs("broken", request_id=result.request_id)]
    assert messages[1].startswith(
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function'"
    )
    assert any(m.startswith("INIT_REPORT Init Duration: ") for m in messages)
    match = report(runtime, "broken", result.request_id)
    assert (match["status"], match["error_type"]) == ("error", "Runtime.ImportModuleError")


def test_log_groups_and_streams(runtime: LambdaRuntime) -> None:
    runtime.register("one", lambda e, c: c.log_stream_name)
    runtime.register("two", lambda e, c: None)
    stream = runtime.invoke("one", {}).json()
    runtime.invoke("two", {})
    events = runtime.logs("one")
    assert {e.log_group_name for e in events} == {"/aws/lambda/one"}
    assert {e.log_stream_name for e in events} == {stream}
    assert re.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$", stream)
    assert len(runtime.logs()) == len(events) + len(runtime.logs("two"))
    assert runtime.log_text("one").endswith("\t\n")


def test_print_outside_invocations_is_untouched(runtime: LambdaRuntime, capsys) -> None:
    runtime.register("f", lambda e, c: print("inside"))
    runtime.invoke("f", {})
    print("outside")
    assert "outside" in capsys.readouterr().out
    assert "inside\n" in runtime.log_text("f")
