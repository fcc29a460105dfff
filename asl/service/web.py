"""The web page of ``asl serve``: state machines and executions, each drawn.

``GET /`` lists the state machines and their executions (newest first);
``GET /executions/<execution ARN>`` is the execution view of `asl.graph` (the graph with
the path taken, the timeline, each state's input and output), refreshed every two
seconds while the execution runs; ``GET /state-machines/<ARN>`` draws a machine.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote, unquote

_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:2em}"
    "td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left}"
    ".SUCCEEDED{color:#2e7d32}.FAILED,.TIMED_OUT,.ABORTED{color:#c62828}.RUNNING{color:#1565c0}"
)


def page(client: Any, path: str) -> tuple[int, str]:
    """(HTTP status, HTML) for a GET of ``path``."""
    if path in ("", "/"):
        return 200, _index(client)
    if path.startswith("/executions/"):
        return _execution(client, unquote(path[len("/executions/") :]))
    if path.startswith("/state-machines/"):
        return _machine(client, unquote(path[len("/state-machines/") :]))
    return 404, _document("Not found", f"<p>No page at {html.escape(path)}.</p>")


def _index(client: Any) -> str:
    machines = sorted(client._machines.values(), key=lambda m: m.name)
    executions = sorted(client._executions.values(), key=lambda r: r.start_date, reverse=True)
    rows = []
    for machine in machines:
        link = f"/state-machines/{quote(machine.arn, safe='')}"
        count = sum(1 for r in executions if r.state_machine_arn == machine.arn)
        rows.append(
            f"<tr><td><a href='{link}'>{html.escape(machine.name)}</a></td>"
            f"<td>{html.escape(machine.type)}</td><td>{count}</td></tr>"
        )
    body = "<h2>State machines</h2><table><tr><th>name</th><th>type</th><th>executions</th></tr>"
    body += "".join(rows) or "<tr><td colspan=3>none yet</td></tr>"
    body += "</table><h2>Executions</h2><table><tr><th>name</th><th>state machine</th>"
    body += "<th>status</th><th>started</th></tr>"
    for record in executions:
        status = _status(record)
        link = f"/executions/{quote(record.arn, safe='')}"
        machine_name = record.state_machine_arn.rsplit(":", 1)[-1]
        body += (
            f"<tr><td><a href='{link}'>{html.escape(record.name)}</a></td>"
            f"<td>{html.escape(machine_name)}</td><td class='{status}'>{status}</td>"
            f"<td>{record.start_date:%Y-%m-%d %H:%M:%S}</td></tr>"
        )
    if not executions:
        body += "<tr><td colspan=4>none yet</td></tr>"
    body += "</table>"
    running = any(_status(r) == "RUNNING" for r in executions)
    return _document("asl serve", body, refresh=running)


def _status(record: Any) -> str:
    if record.execution is not None:
        return str(record.execution.status)
    if record.saved is not None:
        return str(record.saved.get("status", "UNKNOWN"))
    return "RUNNING"


def _execution(client: Any, arn: str) -> tuple[int, str]:
    from asl.graph import to_html

    record = client._executions.get(arn)
    if record is None:
        return 404, _document("Not found", f"<p>No execution {html.escape(arn)}.</p>")
    if record.execution is None:  # loaded from a state directory: the graph and its status
        return 200, to_html(record.definition, title=f"{record.name} ({_status(record)})")
    view = to_html(record.definition, record.execution)
    if record.execution.status == "RUNNING":
        view = view.replace("<head>", "<head><meta http-equiv='refresh' content='2'>", 1)
    return 200, view


def _machine(client: Any, arn: str) -> tuple[int, str]:
    from asl.graph import to_html

    machine = client._machines.get(arn)
    if machine is None:
        return 404, _document("Not found", f"<p>No state machine {html.escape(arn)}.</p>")
    return 200, to_html(machine.definition, title=machine.name)


def _document(title: str, body: str, *, refresh: bool = False) -> str:
    meta = "<meta http-equiv='refresh' content='2'>" if refresh else ""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{meta}"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
