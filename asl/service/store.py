"""`Store`: the API's records in an embedded SQLite database (``asl serve --state-dir``).

One table per kind of record, each row the record as JSON (dates tagged so they come
back as ``datetime``).  State machines (with their versions, aliases and tags) and
activities are written on every change; an execution when it starts and when it ends,
with its history.  An execution still running when the server stopped cannot resume
(its in-memory state is gone): it comes back ``ABORTED``, its cause saying why.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from asl.service.model import ActivityRecord, Alias, StateMachineRecord, Version

_TABLES = ("machine", "activity", "execution")
_LOST = "The server stopped while the execution ran; it cannot resume after a restart."


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return datetime.fromisoformat(value["$date"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class Store:
    """The SQLite database ``state.db`` in ``directory`` (created if missing)."""

    def __init__(self, directory: Any):
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self.path = path / "state.db"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        for table in _TABLES:
            self._db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (arn TEXT PRIMARY KEY, body TEXT NOT NULL)"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _put(self, table: str, arn: str, body: dict[str, Any]) -> None:
        text = json.dumps(_encode(body), separators=(",", ":"))
        with self._lock:
            self._db.execute(
                f"INSERT INTO {table} (arn, body) VALUES (?, ?) "
                "ON CONFLICT(arn) DO UPDATE SET body = excluded.body",
                (arn, text),
            )

    def delete(self, table: str, arn: str) -> None:
        with self._lock:
            self._db.execute(f"DELETE FROM {table} WHERE arn = ?", (arn,))

    def _all(self, table: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(f"SELECT body FROM {table} ORDER BY rowid").fetchall()
        return [_decode(json.loads(body)) for (body,) in rows]

    # -- records ------------------------------------------------------------------------

    def save_machine(self, machine: StateMachineRecord) -> None:
        self._put("machine", machine.arn, asdict(machine))

    def save_activity(self, activity: ActivityRecord) -> None:
        self._put("activity", activity.arn, asdict(activity))

    def save_execution(self, record: Any, described: dict[str, Any]) -> None:
        body = {
            "arn": record.arn,
            "name": record.name,
            "state_machine_arn": record.state_machine_arn,
            "version_arn": record.version_arn,
            "alias_arn": record.alias_arn,
            "input": record.input,
            "type": record.type,
            "definition": record.definition,
            "role_arn": record.role_arn,
            "start_date": record.start_date,
            "redrive_count": record.redrive_count,
            "status": described["status"],
            "output": described.get("output"),
            "error": described.get("error"),
            "cause": described.get("cause"),
            "stopDate": described.get("stopDate"),
            "history": record.history(),
        }
        self._put("execution", record.arn, body)

    def load_into(self, client: Any, record_class: Any) -> None:
        """Fill a `Client`'s tables from the database (executions as ``record_class``)."""
        from asl.service.model import now

        for body in self._all("machine"):
            versions = {int(k): Version(**v) for k, v in body.pop("versions").items()}
            aliases = {k: Alias(**v) for k, v in body.pop("aliases").items()}
            machine = StateMachineRecord(**body, versions=versions, aliases=aliases)
            client._machines[machine.arn] = machine
        for body in self._all("activity"):
            activity = ActivityRecord(**body)
            client._activities[activity.arn] = activity
            client._loop.call(lambda a=activity.arn: client._activity_registry.create(a))
        for body in self._all("execution"):
            record = record_class(
                arn=body["arn"],
                name=body["name"],
                state_machine_arn=body["state_machine_arn"],
                version_arn=body["version_arn"],
                alias_arn=body["alias_arn"],
                input=body["input"],
                type=body["type"],
                definition=body["definition"],
                role_arn=body["role_arn"],
            )
            record.start_date = body["start_date"]
            record.redrive_count = body["redrive_count"]
            saved = {k: body.get(k) for k in ("status", "output", "error", "cause", "stopDate")}
            history: list[dict[str, Any]] = body["history"] or []
            saved["history"] = history
            if saved["status"] == "RUNNING":
                stopped = now()
                saved.update(status="ABORTED", cause=_LOST, stopDate=stopped)
                last = history[-1]["id"] if history else 0
                history.append(
                    {
                        "timestamp": stopped,
                        "type": "ExecutionAborted",
                        "id": last + 1,
                        "previousEventId": last,
                        "executionAbortedEventDetails": {"cause": _LOST},
                    }
                )
            record.saved = saved
            record.done.set()
            client._executions[record.arn] = record
