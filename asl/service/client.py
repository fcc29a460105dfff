"""`Client`: boto3's ``stepfunctions`` client, in process.

    client = asl.Client(functions={"Charge": charge})
    arn = client.create_state_machine(name="Orders", definition=text,
                                      roleArn="arn:aws:iam::123456789012:role/R")["stateMachineArn"]
    run = client.start_execution(stateMachineArn=arn, input='{"order": 1}')
    client.describe_execution(executionArn=run["executionArn"])["status"]

Method names are boto3's (snake_case), parameters AWS's (camelCase), responses the dicts
boto3 returns (without ``ResponseMetadata``; JSON fields as JSON text; timestamps as
timezone-aware ``datetime``).  Failures raise `ApiError` with AWS's code and message.
Executions run concurrently on an event loop in a background thread the client owns;
`close` (or leaving a ``with Client() as client`` block) stops what still runs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import random
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from asl.service.errors import ApiError
from asl.service.model import (
    ActivityRecord,
    Alias,
    StateMachineRecord,
    Version,
    check_name,
    now,
    page,
    parse_arn,
)
from asl.service.references import variable_references
from asl.service.shapes import check_request

_LOGGING_OFF: dict[str, Any] = {"level": "OFF", "includeExecutionData": False}
_TRACING_OFF: dict[str, Any] = {"enabled": False}
# What AWS reports for a state machine created without an encryptionConfiguration.
_ENCRYPTION_DEFAULT: dict[str, Any] = {"type": "AWS_OWNED_KEY"}
_TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# Options of asl.execute an execution started through the API sets itself.
_PER_EXECUTION = (
    "name",
    "state_machine_name",
    "role_arn",
    "test_case",
    "hooks",
)


def _check_arn_prefix(arn: Any) -> None:
    """AWS answers a string that does not even start like an ARN before looking anything
    up (recorded for DescribeStateMachine, ListExecutions, StartExecution, StopExecution)."""
    if isinstance(arn, str) and not arn.startswith("arn:"):
        raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {arn}'")


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class _Loop:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="asl-client", daemon=True)
        self.thread.start()

    def inside(self) -> bool:
        return threading.current_thread() is self.thread

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn()`` on the loop's thread and return its result."""
        if self.inside():
            return fn()
        done: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except BaseException as e:
                done.set_exception(e)

        self.loop.call_soon_threadsafe(run)
        return done.result()

    def submit(self, coro: Any) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class ExecutionRecord:
    """An execution started through the API: its identity and, once it runs, its
    `asl.Execution` (or, loaded from a state directory, its saved description)."""

    def __init__(
        self,
        *,
        arn: str,
        name: str,
        state_machine_arn: str,
        version_arn: str | None,
        alias_arn: str | None,
        input: str,
        type: str,
        definition: str,
        role_arn: str,
    ):
        self.arn = arn
        self.name = name
        self.state_machine_arn = state_machine_arn
        self.version_arn = version_arn
        self.alias_arn = alias_arn
        self.input = input
        self.type = type
        self.definition = definition
        self.role_arn = role_arn
        self.start_date: datetime = now()
        self.execution: Any = None  # asl.Execution while or after it runs
        self.handle: Any = None
        self.saved: dict[str, Any] | None = None  # description + history, when loaded
        self.redrive_count = 0
        self.redrive_date: datetime | None = None
        # a redriven execution: the history before the redrive, and the name of the
        # state seeding the variables of the redriven part (its events are not shown)
        self.prior: list[dict[str, Any]] = []
        self.setup_state: str | None = None
        self.test_case: str | None = None
        self.done = threading.Event()
        self.crash: BaseException | None = None

    @property
    def status(self) -> str:
        if self.crash is not None and (
            self.execution is None or self.execution.status == "RUNNING"
        ):
            return "FAILED"  # the run broke down: never leave it RUNNING
        if self.execution is not None:
            return str(self.execution.status)
        if self.saved is not None:
            return str(self.saved["status"])
        return "RUNNING"

    def history(self) -> list[dict[str, Any]]:
        if self.execution is not None:
            events = list(self.execution.history)
            return _redriven(self, events) if self.redrive_count else events
        if self.saved is not None:
            return list(self.saved["history"])
        return []

    def stop_date(self) -> datetime | None:
        if self.execution is not None:
            return self.execution.stop_date  # type: ignore[no-any-return]
        if self.saved is not None:
            return self.saved.get("stopDate")
        return None

    def fields(self) -> dict[str, Any]:
        """The execution's result fields (output, error, cause), as DescribeExecution."""
        if self.crash is not None and self.status == "FAILED":
            return {
                "error": "States.Runtime",
                "cause": f"{type(self.crash).__name__}: {self.crash}",
            }
        if self.execution is not None:
            described = self.execution.describe()
            return {k: described.get(k) for k in ("output", "error", "cause")}
        if self.saved is not None:
            return {k: self.saved.get(k) for k in ("output", "error", "cause")}
        return {}


class Client:
    """The Step Functions API in process (see the module docstring).

    Options are those of `asl.run` (``functions``, ``lambda_runtime``, ``resources``,
    ``mocks``, ``mock_config``, ``clock``, ``region``, ``account_id``, ...), applied to
    every execution; ``clock`` defaults to ``"real"`` (Wait states take their time, as
    on AWS: pass ``clock="virtual"`` to skip it).  ``activity_poll_seconds`` is how long
    GetActivityTask waits for a task (AWS: 60).  ``state_dir`` keeps state machines,
    activities and executions in an SQLite database in that folder across restarts.
    ``route_boto3`` (default on) answers boto3 ``stepfunctions`` calls that handlers
    make inside this client's executions in process (see `asl.service.routing`).
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        clock: Any = "real",
        activity_poll_seconds: float = 60.0,
        state_dir: Any = None,
        route_boto3: bool = True,
        **options: Any,
    ):
        from asl.backends.activities import Activities

        for key in _PER_EXECUTION:
            if key in options:
                raise TypeError(f"Client() sets {key!r} per execution; it is not a client option")
        import inspect

        from asl.api import execute

        known = set(inspect.signature(execute).parameters) - {"source", "input"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(
                f"Client() got unknown option(s) {', '.join(map(repr, unknown))}: options are "
                f"those of asl.run ({', '.join(sorted(known - set(_PER_EXECUTION)))})"
            )
        self.region = region
        self.account_id = account_id
        self._options = {"clock": clock, "region": region, "account_id": account_id, **options}
        self._activity_poll = activity_poll_seconds
        self._route_boto3 = route_boto3
        if route_boto3:
            from asl.service.routing import LIVE, install

            self._route_boto3 = install()
            if self._route_boto3:
                LIVE.add(self)
        self._lock = threading.RLock()
        self._machines: dict[str, StateMachineRecord] = {}
        self._activities: dict[str, ActivityRecord] = {}
        self._activity_registry = Activities(region=region, account_id=account_id)
        self._executions: dict[str, ExecutionRecord] = {}
        self._loop_: _Loop | None = None
        self._store: Any = None
        if state_dir is not None:
            from asl.service.store import Store

            self._store = Store(state_dir)
            self._store.load_into(self, ExecutionRecord)

    # -- plumbing -----------------------------------------------------------------------

    @property
    def _loop(self) -> _Loop:
        with self._lock:
            if self._loop_ is None:
                self._loop_ = _Loop()
            return self._loop_

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop the executions still running and the background thread."""
        from asl.service.routing import LIVE

        LIVE.discard(self)
        loop = self._loop_
        if loop is None:
            return
        running = [r for r in list(self._executions.values()) if r.handle is not None]

        def stop_all() -> None:
            for record in running:
                if not record.handle.done:
                    record.handle._stop_everything()

        loop.call(stop_all)
        for record in running:
            record.done.wait(timeout=5)
        loop.close()
        self._loop_ = None
        if self._store is not None:
            self._store.close()

    def _arn(self, kind: str, *parts: str) -> str:
        return f"arn:aws:states:{self.region}:{self.account_id}:{kind}:" + ":".join(parts)

    def _save_machine(self, machine: StateMachineRecord | None, arn: str | None = None) -> None:
        if self._store is not None:
            if machine is None:
                self._store.delete("machine", arn or "")
            else:
                self._store.save_machine(machine)

    def _save_activity(self, activity: ActivityRecord | None, arn: str) -> None:
        if self._store is not None:
            if activity is None:
                self._store.delete("activity", arn)
            else:
                self._store.save_activity(activity)

    def _save_execution(self, record: ExecutionRecord) -> None:
        if self._store is not None:
            self._store.save_execution(record, self._describe(record))

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"asl.Client has no operation {name!r} (operations are boto3's stepfunctions "
            "method names, e.g. create_state_machine)"
        )

    # -- definitions --------------------------------------------------------------------

    def _check_definition(self, definition: str, machine_type: str) -> None:
        from asl.api import validate

        try:
            document = json.loads(definition)
        except ValueError as e:
            raise ApiError(
                "InvalidDefinition",
                f"Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {e}'",
            ) from None
        if not isinstance(document, dict):
            raise ApiError(
                "InvalidDefinition",
                "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
                "Definition must be a valid JSON object'",
            )
        errors = [
            d for d in validate(definition, machine_type=machine_type) if d.severity == "error"
        ]
        if errors:
            text = ", ".join(f"{d.code}: {d.message} at {d.path or '/'}" for d in errors)
            raise ApiError("InvalidDefinition", f"Invalid State Machine Definition: '{text}'")

    @staticmethod
    def _check_logging(logging: dict[str, Any] | None) -> dict[str, Any]:
        if logging is None:
            return dict(_LOGGING_OFF)
        level = logging.get("level", "OFF")
        destinations = logging.get("destinations") or []
        if level != "OFF" and len(destinations) != 1:
            raise ApiError(
                "InvalidLoggingConfiguration",
                "Invalid Logging Configuration: Must specify exactly one Log Destination.",
            )
        out: dict[str, Any] = {"level": level, "includeExecutionData": False}
        out["includeExecutionData"] = bool(logging.get("includeExecutionData", False))
        if destinations:
            out["destinations"] = destinations
        return out

    # -- state machines -----------------------------------------------------------------

    def _machine(self, arn: Any, operation: str = "") -> StateMachineRecord:
        _check_arn_prefix(arn)
        parsed = parse_arn(arn)
        machine = self._machines.get(arn) if isinstance(arn, str) else None
        if machine is None:
            if parsed is not None and parsed.kind not in ("stateMachine",):
                raise ApiError(
                    "InvalidArn",
                    f"Invalid Arn: 'Resource type not valid in this context: {parsed.kind}'",
                )
            raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return machine

    def _resolve(self, arn: Any) -> tuple[StateMachineRecord, Version | None, Alias | None]:
        """The state machine, version and alias a (qualified) state machine ARN names."""
        _check_arn_prefix(arn)
        parsed = parse_arn(arn)
        if parsed is None or parsed.kind != "stateMachine":
            if parsed is not None:
                raise ApiError(
                    "InvalidArn",
                    f"Invalid Arn: 'Resource type not valid in this context: {parsed.kind}'",
                )
            raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        machine = self._machines.get(parsed.base)
        if machine is None or len(parsed.parts) > 2:
            raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        if len(parsed.parts) == 1:
            return machine, None, None
        qualifier = parsed.parts[1]
        if qualifier.isdigit():
            version = machine.versions.get(int(qualifier))
            if version is None:
                raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
            return machine, version, None
        alias = machine.aliases.get(qualifier)
        if alias is None:
            raise ApiError("ResourceNotFound", f"Resource not found: '{arn}'")
        return machine, None, alias

    def create_state_machine(
        self,
        *,
        name: str,
        definition: str,
        roleArn: str,
        type: str = "STANDARD",
        loggingConfiguration: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
        tracingConfiguration: dict[str, Any] | None = None,
        publish: bool = False,
        versionDescription: str | None = None,
        encryptionConfiguration: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        check_name(name)
        self._check_definition(definition, type)
        logging = self._check_logging(loggingConfiguration)
        tracing = dict(tracingConfiguration or _TRACING_OFF)
        arn = self._arn("stateMachine", name)
        with self._lock:
            existing = self._machines.get(arn)
            if existing is not None:
                same = (
                    existing.definition == definition
                    and existing.role_arn == roleArn
                    and existing.type == type
                    and existing.logging == logging
                    and not publish
                )
                if not same:
                    raise ApiError(
                        "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'"
                    )
                return {"stateMachineArn": arn, "creationDate": existing.creation_date}
            machine = StateMachineRecord(
                arn=arn,
                name=name,
                definition=definition,
                role_arn=roleArn,
                type=type,
                creation_date=now(),
                logging=logging,
                tracing=tracing,
                tags={t["key"]: t.get("value", "") for t in tags or []},
                encryption=encryptionConfiguration,
            )
            self._machines[arn] = machine
            out: dict[str, Any] = {"stateMachineArn": arn, "creationDate": machine.creation_date}
            if publish:
                out["stateMachineVersionArn"] = self._publish(machine, versionDescription).arn
            self._save_machine(machine)
            return out

    def _publish(self, machine: StateMachineRecord, description: str | None) -> Version:
        latest = machine.versions.get(machine.next_version - 1)
        if (
            latest is not None
            and latest.revision_id == machine.revision_id
            and latest.definition == machine.definition
            and latest.role_arn == machine.role_arn
        ):
            return latest  # nothing changed since: the latest version again
        number = machine.next_version
        machine.next_version += 1
        version = Version(
            arn=f"{machine.arn}:{number}",
            number=number,
            definition=machine.definition,
            role_arn=machine.role_arn,
            revision_id=machine.revision_id,
            description=description,
            creation_date=now(),
            logging=dict(machine.logging),
            tracing=dict(machine.tracing),
        )
        machine.versions[number] = version
        return version

    def describe_state_machine(
        self, *, stateMachineArn: str, includedData: str | None = None
    ) -> dict[str, Any]:
        machine, version, alias = self._resolve(stateMachineArn)
        if alias is not None:
            raise ApiError(
                "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{stateMachineArn}'"
            )
        source: Any = version or machine
        out: dict[str, Any] = {
            "stateMachineArn": version.arn if version else machine.arn,
            "name": machine.name,
            "status": "ACTIVE",
            "definition": source.definition,
            "roleArn": source.role_arn,
            "type": machine.type,
            "creationDate": source.creation_date,
            "loggingConfiguration": dict(source.logging),
            "tracingConfiguration": dict(source.tracing),
        }
        if source.revision_id is not None:
            out["revisionId"] = source.revision_id
        if version is not None and version.description is not None:
            out["description"] = version.description
        out["encryptionConfiguration"] = dict(machine.encryption or _ENCRYPTION_DEFAULT)
        refs = variable_references(source.definition)
        if refs:
            out["variableReferences"] = refs
        return out

    def update_state_machine(
        self,
        *,
        stateMachineArn: str,
        definition: str | None = None,
        roleArn: str | None = None,
        loggingConfiguration: dict[str, Any] | None = None,
        tracingConfiguration: dict[str, Any] | None = None,
        publish: bool = False,
        versionDescription: str | None = None,
        encryptionConfiguration: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        parsed = parse_arn(stateMachineArn)
        if parsed is not None and len(parsed.parts) > 1:
            raise ApiError(
                "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{stateMachineArn}'"
            )
        machine = self._machine(stateMachineArn)
        if (
            definition is None
            and roleArn is None
            and loggingConfiguration is None
            and tracingConfiguration is None
            and encryptionConfiguration is None
        ):
            raise ApiError(
                "MissingRequiredParameter",
                "Either the definition, the role ARN, the LoggingConfiguration, "
                "or the TracingConfiguration must be specified",
            )
        if definition is not None:
            self._check_definition(definition, machine.type)
        logging = (
            self._check_logging(loggingConfiguration) if loggingConfiguration is not None else None
        )
        with self._lock:
            changed = (
                (definition is not None and definition != machine.definition)
                or (roleArn is not None and roleArn != machine.role_arn)
                or (logging is not None and logging != machine.logging)
                or (tracingConfiguration is not None and tracingConfiguration != machine.tracing)
            )
            if definition is not None:
                machine.definition = definition
            if roleArn is not None:
                machine.role_arn = roleArn
            if logging is not None:
                machine.logging = logging
            if tracingConfiguration is not None:
                machine.tracing = dict(tracingConfiguration)
            if encryptionConfiguration is not None:
                machine.encryption = dict(encryptionConfiguration)
            if changed:
                machine.revision_id = str(uuid.uuid4())
            machine.update_date = now()
            out: dict[str, Any] = {"updateDate": machine.update_date}
            if machine.revision_id is not None:
                out["revisionId"] = machine.revision_id
            if publish:
                out["stateMachineVersionArn"] = self._publish(machine, versionDescription).arn
            self._save_machine(machine)
            return out

    def delete_state_machine(self, *, stateMachineArn: str) -> dict[str, Any]:
        _check_arn_prefix(stateMachineArn)
        parsed = parse_arn(stateMachineArn)
        if parsed is None or parsed.kind != "stateMachine":
            raise ApiError("InvalidArn", f"Invalid Arn: '{stateMachineArn}'")
        if len(parsed.parts) > 1:
            if parsed.parts[1].isdigit():
                return self.delete_state_machine_version(stateMachineVersionArn=stateMachineArn)
            return self.delete_state_machine_alias(stateMachineAliasArn=stateMachineArn)
        with self._lock:
            if self._machines.pop(stateMachineArn, None) is not None:
                self._save_machine(None, stateMachineArn)
        return {}

    def list_state_machines(
        self, *, maxResults: int | None = None, nextToken: str | None = None
    ) -> dict[str, Any]:
        machines = sorted(self._machines.values(), key=lambda m: m.creation_date)
        items = [
            {
                "stateMachineArn": m.arn,
                "name": m.name,
                "type": m.type,
                "creationDate": m.creation_date,
            }
            for m in machines
        ]
        chunk, token = page(items, maxResults, nextToken, "state-machines")
        return _drop_none({"stateMachines": chunk, "nextToken": token})

    # -- versions -----------------------------------------------------------------------

    def publish_state_machine_version(
        self, *, stateMachineArn: str, revisionId: str | None = None, description: str | None = None
    ) -> dict[str, Any]:
        machine = self._machine(stateMachineArn)
        with self._lock:
            if revisionId is not None and revisionId != (machine.revision_id or ""):
                raise ApiError(
                    "ConflictException",
                    f"Failed to publish the State Machine version for revision {revisionId}. "
                    f"The current State Machine revision is {machine.revision_id}.",
                )
            version = self._publish(machine, description)
            self._save_machine(machine)
        return {"creationDate": version.creation_date, "stateMachineVersionArn": version.arn}

    def list_state_machine_versions(
        self, *, stateMachineArn: str, nextToken: str | None = None, maxResults: int | None = None
    ) -> dict[str, Any]:
        machine = self._machine(stateMachineArn)
        items = [
            {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date}
            for v in sorted(machine.versions.values(), key=lambda v: -v.number)
        ]
        chunk, token = page(items, maxResults, nextToken, "versions:" + machine.arn)
        return _drop_none({"stateMachineVersions": chunk, "nextToken": token})

    def delete_state_machine_version(self, *, stateMachineVersionArn: str) -> dict[str, Any]:
        _check_arn_prefix(stateMachineVersionArn)
        parsed = parse_arn(stateMachineVersionArn)
        if (
            parsed is None
            or parsed.kind != "stateMachine"
            or len(parsed.parts) != 2
            or not parsed.parts[1].isdigit()
        ):
            raise ApiError("ValidationException", f"Invalid Arn: '{stateMachineVersionArn}'")
        machine = self._machines.get(parsed.base)
        if machine is None:
            return {}
        number = int(parsed.parts[1])
        with self._lock:
            users = [
                a.arn
                for a in machine.aliases.values()
                if any(r["stateMachineVersionArn"] == stateMachineVersionArn for r in a.routing)
            ]
            if users:
                raise ApiError(
                    "ConflictException",
                    "Version to be deleted must not be referenced by an alias. Current list of "
                    f"aliases referencing this version: [{', '.join(users)}]",
                )
            machine.versions.pop(number, None)
            self._save_machine(machine)
        return {}

    # -- aliases ------------------------------------------------------------------------

    def _check_routing(self, routing: list[dict[str, Any]]) -> StateMachineRecord:
        arns = [r["stateMachineVersionArn"] for r in routing]
        parsed = [parse_arn(a) for a in arns]
        if any(p is None or len(p.parts) != 2 or not p.parts[1].isdigit() for p in parsed):
            raise ApiError(
                "ValidationException",
                f"Routing configuration must contain state machine version ARNs. Received: [{', '.join(arns)}]",
            )
        if len(set(arns)) != len(arns):
            raise ApiError(
                "ValidationException",
                f"Routing configuration must contain distinct state machine version ARNs. Received: [{', '.join(arns)}]",
            )
        weights = [r["weight"] for r in routing]
        if sum(weights) != 100:
            raise ApiError(
                "ValidationException",
                f"Sum of routing configuration weights must equal 100. Received: [{', '.join(map(str, weights))}]",
            )
        bases = {p.base for p in parsed if p is not None}
        if len(bases) != 1:
            raise ApiError(
                "ValidationException",
                "Routing configuration must contain state machine version ARNs of the same state machine.",
            )
        machine = self._machines.get(bases.pop())
        for arn, p in zip(arns, parsed, strict=True):
            assert p is not None
            if machine is None or int(p.parts[1]) not in machine.versions:
                raise ApiError("ResourceNotFound", f"Resource not found: '{arn}'")
        assert machine is not None
        return machine

    def create_state_machine_alias(
        self,
        *,
        name: str,
        routingConfiguration: list[dict[str, Any]],
        description: str | None = None,
    ) -> dict[str, Any]:
        machine = self._check_routing(routingConfiguration)
        arn = f"{machine.arn}:{name}"
        routing = [dict(r) for r in routingConfiguration]
        with self._lock:
            existing = machine.aliases.get(name)
            if existing is not None:
                if existing.routing == routing and existing.description == description:
                    return {"stateMachineAliasArn": arn, "creationDate": existing.creation_date}
                raise ApiError(
                    "ConflictException",
                    "Failed to create alias because an alias with the same name and a "
                    "different routing configuration already exists.",
                )
            alias = Alias(arn, name, description, routing, now())
            machine.aliases[name] = alias
            self._save_machine(machine)
        return {"stateMachineAliasArn": arn, "creationDate": alias.creation_date}

    def _alias(self, arn: Any) -> tuple[StateMachineRecord, Alias]:
        _check_arn_prefix(arn)
        parsed = parse_arn(arn)
        if (
            parsed is None
            or parsed.kind != "stateMachine"
            or len(parsed.parts) != 2
            or parsed.parts[1].isdigit()
        ):
            raise ApiError("InvalidArn", f"Invalid Arn: '{arn}'")
        machine = self._machines.get(parsed.base)
        alias = machine.aliases.get(parsed.parts[1]) if machine else None
        if machine is None or alias is None:
            raise ApiError("ResourceNotFound", "Request references a resource that does not exist.")
        return machine, alias

    def describe_state_machine_alias(self, *, stateMachineAliasArn: str) -> dict[str, Any]:
        _, alias = self._alias(stateMachineAliasArn)
        return _drop_none(
            {
                "stateMachineAliasArn": alias.arn,
                "name": alias.name,
                "description": alias.description,
                "routingConfiguration": [dict(r) for r in alias.routing],
                "creationDate": alias.creation_date,
                "updateDate": alias.update_date,
            }
        )

    def update_state_machine_alias(
        self,
        *,
        stateMachineAliasArn: str,
        description: str | None = None,
        routingConfiguration: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        machine, alias = self._alias(stateMachineAliasArn)
        if description is None and routingConfiguration is None:
            raise ApiError(
                "ValidationException",
                "Either the description or the RoutingConfiguration must be specified",
            )
        if routingConfiguration is not None:
            self._check_routing(routingConfiguration)
        with self._lock:
            if description is not None:
                alias.description = description
            if routingConfiguration is not None:
                alias.routing = [dict(r) for r in routingConfiguration]
            alias.update_date = now()
            self._save_machine(machine)
        return {"updateDate": alias.update_date}

    def delete_state_machine_alias(self, *, stateMachineAliasArn: str) -> dict[str, Any]:
        try:
            machine, alias = self._alias(stateMachineAliasArn)
        except ApiError as e:
            if e.code == "ResourceNotFound":
                return {}
            raise
        with self._lock:
            machine.aliases.pop(alias.name, None)
            self._save_machine(machine)
        return {}

    def list_state_machine_aliases(
        self, *, stateMachineArn: str, nextToken: str | None = None, maxResults: int | None = None
    ) -> dict[str, Any]:
        machine, version, alias = self._resolve(stateMachineArn)
        aliases = sorted(machine.aliases.values(), key=lambda a: a.creation_date)
        if version is not None:
            aliases = [
                a
                for a in aliases
                if any(r["stateMachineVersionArn"] == version.arn for r in a.routing)
            ]
        items = [{"stateMachineAliasArn": a.arn, "creationDate": a.creation_date} for a in aliases]
        chunk, token = page(items, maxResults, nextToken, "aliases:" + machine.arn)
        return _drop_none({"stateMachineAliases": chunk, "nextToken": token})

    # -- tags ---------------------------------------------------------------------------

    def _tagged(self, arn: Any) -> dict[str, str]:
        _check_arn_prefix(arn)
        if isinstance(arn, str):
            machine = self._machines.get(arn)
            if machine is not None:
                return machine.tags
            activity = self._activities.get(arn)
            if activity is not None:
                return activity.tags
        raise ApiError("ResourceNotFound", f"Resource not found: '{arn}'")

    def _save_tagged(self, arn: str) -> None:
        if arn in self._machines:
            self._save_machine(self._machines[arn])
        elif arn in self._activities:
            self._save_activity(self._activities[arn], arn)

    def tag_resource(self, *, resourceArn: str, tags: list[dict[str, str]]) -> dict[str, Any]:
        with self._lock:
            held = self._tagged(resourceArn)
            for tag in tags:
                held[tag["key"]] = tag.get("value", "")
            self._save_tagged(resourceArn)
        return {}

    def untag_resource(self, *, resourceArn: str, tagKeys: list[str]) -> dict[str, Any]:
        with self._lock:
            held = self._tagged(resourceArn)
            for key in tagKeys:
                held.pop(key, None)
            self._save_tagged(resourceArn)
        return {}

    def list_tags_for_resource(self, *, resourceArn: str) -> dict[str, Any]:
        held = self._tagged(resourceArn)
        return {"tags": [{"key": k, "value": v} for k, v in held.items()]}

    # -- validation ---------------------------------------------------------------------

    def validate_state_machine_definition(
        self,
        *,
        definition: str,
        type: str = "STANDARD",
        severity: str = "ERROR",
        maxResults: int | None = None,
    ) -> dict[str, Any]:
        from asl.api import validate
        from asl.service.jackson import parse_error

        diagnostics: list[dict[str, Any]] = []
        problem = parse_error(definition) if definition.strip() else None
        document: Any = None
        if problem is not None:
            message, line, column = problem
            where = f'[Source: (String)"{definition}"; line: {line}, column: {column}]'
            diagnostics.append(
                {
                    "severity": "ERROR",
                    "code": "INVALID_JSON_DESCRIPTION",
                    "message": f"{message}\n at {where}",
                    "location": where,
                }
            )
        else:
            if definition.strip():
                document = json.loads(definition)
            if not isinstance(document, dict):
                diagnostics.append(
                    {
                        "severity": "ERROR",
                        "code": "SCHEMA_VALIDATION_FAILED",
                        "message": "Definition must be a valid JSON object",
                    }
                )
            else:
                for d in validate(definition, machine_type=type):
                    level = "ERROR" if d.severity == "error" else "WARNING"
                    if severity == "ERROR" and level == "WARNING":
                        continue
                    diagnostics.append(
                        {
                            "severity": level,
                            "code": d.code,
                            "message": d.message,
                            "location": d.path or "/",
                        }
                    )
        limit = maxResults or 100
        result = "FAIL" if any(d["severity"] == "ERROR" for d in diagnostics) else "OK"
        return {
            "result": result,
            "diagnostics": diagnostics[:limit],
            "truncated": len(diagnostics) > limit,
        }

    # -- executions ---------------------------------------------------------------------

    def _parse_input(self, text: Any) -> Any:
        if text is None:
            return {}
        if not isinstance(text, str) or not text.strip():
            raise ApiError(
                "InvalidExecutionInput",
                "Invalid State Machine Execution Input: 'Invalid execution input.'",
            )
        from asl.service.jackson import parse_error

        problem = parse_error(text)
        if problem is not None:
            raise ApiError(
                "InvalidExecutionInput", f"Invalid State Machine Execution Input: '{problem[0]}'"
            )
        return json.loads(text)

    def _target(
        self, arn: str
    ) -> tuple[StateMachineRecord, Version | None, Alias | None, str | None]:
        """The machine (and version / alias) StartExecution runs, and the mock test case
        a ``#TestCase`` suffix selects (Step Functions Local's convention)."""
        test_case = None
        if isinstance(arn, str) and "#" in arn:
            arn, test_case = arn.split("#", 1)
        machine, version, alias = self._resolve(arn)
        if alias is not None:
            pick = random.uniform(0, 100)
            total = 0.0
            chosen = alias.routing[-1]["stateMachineVersionArn"]
            for route in alias.routing:
                total += route["weight"]
                if pick < total:
                    chosen = route["stateMachineVersionArn"]
                    break
            version = machine.versions.get(int(chosen.rsplit(":", 1)[1]))
            if version is None:
                raise ApiError(
                    "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{chosen}'"
                )
        return machine, version, alias, test_case

    def start_execution(
        self,
        *,
        stateMachineArn: str,
        name: str | None = None,
        input: str | None = None,
        traceHeader: str | None = None,
    ) -> dict[str, Any]:
        machine, version, alias, test_case = self._target(stateMachineArn)
        data = self._parse_input(input)
        if name is not None:
            check_name(name)
        name = name or str(uuid.uuid4())
        express = machine.type == "EXPRESS"
        arn = (
            self._arn("express", machine.name, name, str(uuid.uuid4()))
            if express
            else self._arn("execution", machine.name, name)
        )
        input_text = _compact(data)
        with self._lock:
            existing = self._executions.get(self._arn("execution", machine.name, name))
            if existing is not None and not express:
                if existing.input == input_text and existing.status == "RUNNING":
                    return {"executionArn": existing.arn, "startDate": existing.start_date}
                raise ApiError(
                    "ExecutionAlreadyExists", f"Execution Already Exists: '{existing.arn}'"
                )
            source: Any = version or machine
            record = ExecutionRecord(
                arn=arn,
                name=name,
                state_machine_arn=machine.arn,
                version_arn=version.arn if version else None,
                alias_arn=alias.arn if alias else None,
                input=input_text,
                type=machine.type,
                definition=source.definition,
                role_arn=source.role_arn,
            )
            self._executions[arn] = record
        record.test_case = test_case
        self._launch(record, data, test_case)
        return {"executionArn": arn, "startDate": record.start_date}

    def _state_machines(self) -> dict[str, Any]:
        """What states:startExecution tasks may start: every state machine's definition."""
        return {m.arn: m.definition for m in list(self._machines.values())}

    def _launch(
        self,
        record: ExecutionRecord,
        data: Any,
        test_case: str | None,
        definition: str | None = None,
        redriven: dict[str, dict[int, Any]] | None = None,
    ) -> None:
        """Start an execution on the background loop; return once it has started
        (``redriven``: the branches and iterations a redrive keeps)."""
        from asl.execution.runner import Hooks
        from asl.handle import start

        options = dict(self._options)
        options.setdefault("activities", self._activity_registry)
        options.setdefault("state_machines", self._state_machines())
        machine_name = record.state_machine_arn.rsplit(":", 1)[1]
        if test_case is not None:
            options["test_case"] = test_case
        started: concurrent.futures.Future[Any] = concurrent.futures.Future()

        async def drive() -> None:
            if self._route_boto3:
                from asl.service.routing import CURRENT

                CURRENT.set(self)
            try:
                async with start(
                    definition or record.definition,
                    data,
                    name=record.name,
                    state_machine_name=machine_name,
                    role_arn=record.role_arn,
                    hooks=Hooks(
                        # a redriven execution's $$.Execution.RedriveCount
                        execution_fields={"RedriveCount": record.redrive_count},
                        redriven=redriven,
                    ),
                    **options,
                ) as handle:
                    record.handle = handle
                    record.execution = handle.execution
                    if not record.redrive_count:
                        record.start_date = handle.execution.start_date
                    started.set_result(None)
                    await handle.result()
            except BaseException as e:  # a bad option or a crash: the record says so
                record.crash = e
                if not started.done():
                    started.set_exception(e)
            finally:
                record.done.set()
                try:
                    self._save_execution(record)
                except Exception:  # never lose the loop to a storage error
                    pass

        self._loop.submit(drive())
        if self._loop.inside():
            # called from the client's own loop (an async handler): it cannot wait here
            self._save_execution(record)
            return
        try:
            started.result()
        except ApiError:
            raise
        except Exception as e:
            if not record.redrive_count:
                with self._lock:
                    self._executions.pop(record.arn, None)
            raise ApiError("ValidationException", f"The execution could not start: {e}") from None
        self._save_execution(record)

    def start_sync_execution(
        self,
        *,
        stateMachineArn: str,
        name: str | None = None,
        input: str | None = None,
        traceHeader: str | None = None,
        includedData: str | None = None,
    ) -> dict[str, Any]:
        machine, _, _, _ = self._target(stateMachineArn)
        if machine.type != "EXPRESS":
            raise ApiError(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        started = self.start_execution(
            stateMachineArn=stateMachineArn, name=name, input=input, traceHeader=traceHeader
        )
        record = self._executions[started["executionArn"]]
        record.done.wait()
        out = self._describe(record)
        for key in (
            "redriveCount",
            "redriveStatus",
            "redriveStatusReason",
            "stateMachineVersionArn",
            "stateMachineAliasArn",
        ):
            out.pop(key, None)
        stop = out.get("stopDate") or now()
        billed = max(100, -(-int((stop - out["startDate"]).total_seconds() * 1000) // 100) * 100)
        out["billingDetails"] = {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed}
        return out

    def _execution(self, arn: Any) -> ExecutionRecord:
        _check_arn_prefix(arn)
        record = self._executions.get(arn) if isinstance(arn, str) else None
        if record is None:
            raise ApiError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return record

    def _describe(self, record: ExecutionRecord) -> dict[str, Any]:
        status = record.status
        out: dict[str, Any] = {
            "executionArn": record.arn,
            "stateMachineArn": record.state_machine_arn,
            "name": record.name,
            "status": status,
            "startDate": record.start_date,
            "stopDate": record.stop_date() if status != "RUNNING" else None,
            "input": record.input,
            "inputDetails": {"included": True},
        }
        fields = record.fields()
        if status == "SUCCEEDED":
            out["output"] = fields.get("output")
            out["outputDetails"] = {"included": True}
        if status in ("FAILED", "ABORTED"):
            out["error"] = fields.get("error")
            out["cause"] = fields.get("cause")
        if record.version_arn:
            out["stateMachineVersionArn"] = record.version_arn
        if record.alias_arn:
            out["stateMachineAliasArn"] = record.alias_arn
        if record.type == "STANDARD":
            out["redriveCount"] = record.redrive_count
            if record.redrive_date is not None:
                out["redriveDate"] = record.redrive_date
            if status in ("FAILED", "TIMED_OUT", "ABORTED"):
                out["redriveStatus"] = "REDRIVABLE"
            else:
                out["redriveStatus"] = "NOT_REDRIVABLE"
                out["redriveStatusReason"] = f"Execution is {status} and cannot be redriven"
        return _drop_none(out)

    def describe_execution(
        self, *, executionArn: str, includedData: str | None = None
    ) -> dict[str, Any]:
        record = self._execution(executionArn)
        if record.type == "EXPRESS":
            raise ApiError(
                "InvalidArn",
                "Invalid Arn: 'Resource type not valid in this context: express'",
            )
        return (
            self._loop.call(lambda: self._describe(record))
            if record.execution
            else self._describe(record)
        )

    def describe_state_machine_for_execution(
        self, *, executionArn: str, includedData: str | None = None
    ) -> dict[str, Any]:
        record = self._execution(executionArn)
        machine = self._machines.get(record.state_machine_arn)
        out: dict[str, Any] = {
            "stateMachineArn": record.state_machine_arn,
            "name": record.state_machine_arn.rsplit(":", 1)[1],
            "definition": record.definition,
            "roleArn": record.role_arn,
            "updateDate": (machine.update_date or machine.creation_date)
            if machine
            else record.start_date,
            "loggingConfiguration": dict(machine.logging) if machine else dict(_LOGGING_OFF),
            "tracingConfiguration": dict(machine.tracing) if machine else dict(_TRACING_OFF),
        }
        if machine is not None:
            version = (
                machine.versions.get(int(record.version_arn.rsplit(":", 1)[1]))
                if record.version_arn
                else None
            )
            revision = version.revision_id if version else None
            if revision is not None:
                out["revisionId"] = revision
        encryption = machine.encryption if machine is not None else None
        out["encryptionConfiguration"] = dict(encryption or _ENCRYPTION_DEFAULT)
        refs = variable_references(record.definition)
        if refs:
            out["variableReferences"] = refs
        return out

    def list_executions(
        self,
        *,
        stateMachineArn: str | None = None,
        statusFilter: str | None = None,
        maxResults: int | None = None,
        nextToken: str | None = None,
        mapRunArn: str | None = None,
        redriveFilter: str | None = None,
    ) -> dict[str, Any]:
        if (stateMachineArn is None) == (mapRunArn is None):
            raise ApiError("ValidationException", "Must provide a StateMachine ARN or MapRun ARN")
        if mapRunArn is not None:
            return self._map_run_executions(mapRunArn, statusFilter, maxResults, nextToken)
        machine, version, alias = self._resolve(stateMachineArn)
        if machine.type == "EXPRESS":
            raise ApiError(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        records = [r for r in list(self._executions.values()) if r.state_machine_arn == machine.arn]
        if version is not None:
            records = [r for r in records if r.version_arn == version.arn]
        if alias is not None:
            records = [r for r in records if r.alias_arn == alias.arn]
        if statusFilter is not None:
            records = [r for r in records if r.status == statusFilter]
        if redriveFilter == "REDRIVEN":
            records = [r for r in records if r.redrive_count > 0]
        elif redriveFilter == "NOT_REDRIVEN":
            records = [r for r in records if r.redrive_count == 0]
        records.sort(key=lambda r: r.start_date, reverse=True)
        chunk, token = page(records, maxResults, nextToken, "executions:" + str(stateMachineArn))
        items = []
        for record in chunk:
            status = record.status
            item = {
                "executionArn": record.arn,
                "stateMachineArn": record.state_machine_arn,
                "name": record.name,
                "status": status,
                "startDate": record.start_date,
                "stopDate": record.stop_date() if status != "RUNNING" else None,
                "stateMachineVersionArn": record.version_arn,
                "stateMachineAliasArn": record.alias_arn,
                "redriveCount": record.redrive_count,
            }
            items.append(_drop_none(item))
        return _drop_none({"executions": items, "nextToken": token})

    def _map_run(self, map_run_arn: str) -> tuple[ExecutionRecord, Any] | None:
        """The parent execution of a Map Run and its tracked children, if known."""
        for record in list(self._executions.values()):
            env = getattr(record.handle, "_env", None)
            runs = (getattr(env, "services", None) or {}).get("map_runs") or {}
            if map_run_arn in runs:
                return record, runs[map_run_arn]
        return None

    def _map_run_executions(
        self,
        map_run_arn: str,
        status_filter: str | None,
        max_results: int | None,
        next_token: str | None,
    ) -> dict[str, Any]:
        """ListExecutions(mapRunArn=...): the Map Run's child executions."""
        found = self._map_run(map_run_arn)
        if found is None:
            self.describe_map_run(mapRunArn=map_run_arn)  # ResourceNotFound if unknown
            return {"executions": []}
        record, children = found
        machine = _child_machine_arn(record, children.label)
        runs = [run for run in children.all() if run.status != "PENDING"]
        if status_filter is not None:
            runs = [run for run in runs if run.status == status_filter]
        runs.sort(key=lambda run: run.start, reverse=True)
        chunk, token = page(runs, max_results, next_token, "map-run:" + map_run_arn)
        items = [
            _drop_none(
                {
                    "executionArn": _child_execution_arn(machine, run.name),
                    "stateMachineArn": machine,
                    "name": run.name,
                    "status": run.status,
                    "startDate": run.start,
                    "stopDate": run.stop if run.status != "RUNNING" else None,
                    "mapRunArn": map_run_arn,
                    "redriveCount": 0,
                }
            )
            for run in chunk
        ]
        return _drop_none({"executions": items, "nextToken": token})

    def stop_execution(
        self, *, executionArn: str, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        record = self._execution(executionArn)
        if record.handle is not None and record.status == "RUNNING":
            self._loop.call(lambda: record.handle.stop(error, cause))
            record.done.wait(timeout=10)
        if record.status == "RUNNING" and record.execution is None:
            raise ApiError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{executionArn}'")
        return {"stopDate": record.stop_date() or now()}

    def get_execution_history(
        self,
        *,
        executionArn: str,
        maxResults: int | None = None,
        reverseOrder: bool = False,
        nextToken: str | None = None,
        includeExecutionData: bool = True,
    ) -> dict[str, Any]:
        record = self._execution(executionArn)
        events = self._loop.call(record.history) if record.execution else record.history()
        if reverseOrder:
            events.reverse()
        if not includeExecutionData:
            events = [_without_data(e) for e in events]
        chunk, token = page(events, maxResults, nextToken, "history:" + executionArn)
        return _drop_none({"events": chunk, "nextToken": token})

    def redrive_execution(
        self, *, executionArn: str, clientToken: str | None = None
    ) -> dict[str, Any]:
        record = self._execution(executionArn)
        status = record.status
        if record.type == "EXPRESS":
            raise ApiError(
                "ExecutionNotRedrivable",
                f"Execution with arn {executionArn} is an Express execution and cannot be redriven.",
            )
        if status not in ("FAILED", "TIMED_OUT", "ABORTED"):
            raise ApiError(
                "ExecutionNotRedrivable",
                f"Execution with arn {executionArn} is {status} and cannot be redriven.",
            )
        document = json.loads(record.definition)
        events = record.history()
        failed, state_input, variables = _redrive_point(document, events)
        redriven = _redriven_results(document, events, failed)
        setup = None
        if variables:
            setup = f"asl:Redrive:{record.redrive_count + 1}"
            document["States"][setup] = {"Type": "Pass", "Assign": variables, "Next": failed}
        document["StartAt"] = setup or failed
        reachable = _reachable(document["States"], document["StartAt"])
        document["States"] = {k: v for k, v in document["States"].items() if k in reachable}
        with self._lock:
            record.prior = events
            record.setup_state = setup
            record.redrive_count += 1
            record.redrive_date = now()
            record.execution = None
            record.handle = None
            record.saved = None
            record.done = threading.Event()
        self._launch(
            record,
            state_input,
            record.test_case,
            definition=json.dumps(document),
            redriven=redriven,
        )
        return {"redriveDate": record.redrive_date}

    # -- map runs -----------------------------------------------------------------------

    def list_map_runs(
        self, *, executionArn: str, maxResults: int | None = None, nextToken: str | None = None
    ) -> dict[str, Any]:
        record = self._execution(executionArn)
        runs = [
            {
                "executionArn": executionArn,
                "mapRunArn": e["mapRunStartedEventDetails"]["mapRunArn"],
                "startDate": e["timestamp"],
            }
            for e in record.history()
            if e["type"] == "MapRunStarted"
        ]
        chunk, token = page(runs, maxResults, nextToken, "mapruns:" + executionArn)
        return _drop_none({"mapRuns": chunk, "nextToken": token})

    def describe_map_run(self, *, mapRunArn: str) -> dict[str, Any]:
        _check_arn_prefix(mapRunArn)
        for record in list(self._executions.values()):
            events = record.history()
            for e in events:
                if (
                    e["type"] == "MapRunStarted"
                    and e["mapRunStartedEventDetails"]["mapRunArn"] == mapRunArn
                ):
                    found = self._map_run(mapRunArn)
                    children = found[1] if found is not None else None
                    return _describe_map_run(record, e, events, children)
        raise ApiError("ResourceNotFound", f"Resource not found: '{mapRunArn}'")

    # -- task tokens --------------------------------------------------------------------

    def _send(self, fn: Callable[[], None]) -> dict[str, Any]:
        from asl.backends.callbacks import TaskTokenError

        try:
            self._loop.call(fn)
        except TaskTokenError as e:
            raise ApiError(e.code, str(e)) from None
        return {}

    def send_task_success(self, *, taskToken: str, output: str) -> dict[str, Any]:
        from asl.backends.callbacks import send_task_success

        try:
            value = json.loads(output)
        except (TypeError, ValueError) as e:
            raise ApiError("InvalidOutput", f"Invalid Output: '{e}'") from None
        return self._send(lambda: send_task_success(taskToken, value))

    def send_task_failure(
        self, *, taskToken: str, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        from asl.backends.callbacks import send_task_failure

        return self._send(lambda: send_task_failure(taskToken, error, cause))

    def send_task_heartbeat(self, *, taskToken: str) -> dict[str, Any]:
        from asl.backends.callbacks import send_task_heartbeat

        return self._send(lambda: send_task_heartbeat(taskToken))

    # -- activities ---------------------------------------------------------------------

    def create_activity(
        self,
        *,
        name: str,
        tags: list[dict[str, str]] | None = None,
        encryptionConfiguration: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        check_name(name)
        arn = self._arn("activity", name)
        with self._lock:
            found = self._activities.get(arn)
            if found is None:
                found = ActivityRecord(
                    arn, name, now(), {t["key"]: t.get("value", "") for t in tags or []}
                )
                self._activities[arn] = found
                self._loop.call(lambda: self._activity_registry.create(arn))
                self._save_activity(found, arn)
        return {"activityArn": arn, "creationDate": found.creation_date}

    def _activity(self, arn: Any) -> ActivityRecord:
        _check_arn_prefix(arn)
        parsed = parse_arn(arn)
        if parsed is None or parsed.kind != "activity":
            raise ApiError("InvalidArn", f"Invalid Arn: '{arn}'")
        found = self._activities.get(arn)
        if found is None:
            raise ApiError("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")
        return found

    def describe_activity(self, *, activityArn: str) -> dict[str, Any]:
        found = self._activity(activityArn)
        return {"activityArn": found.arn, "name": found.name, "creationDate": found.creation_date}

    def delete_activity(self, *, activityArn: str) -> dict[str, Any]:
        _check_arn_prefix(activityArn)
        parsed = parse_arn(activityArn)
        if parsed is None or parsed.kind != "activity":
            raise ApiError("InvalidArn", f"Invalid Arn: '{activityArn}'")
        with self._lock:
            if self._activities.pop(activityArn, None) is not None:
                self._loop.call(lambda: self._activity_registry.delete(activityArn))
                self._save_activity(None, activityArn)
        return {}

    def list_activities(
        self, *, maxResults: int | None = None, nextToken: str | None = None
    ) -> dict[str, Any]:
        items = [
            {"activityArn": a.arn, "name": a.name, "creationDate": a.creation_date}
            for a in sorted(self._activities.values(), key=lambda a: a.creation_date)
        ]
        chunk, token = page(items, maxResults, nextToken, "activities")
        return _drop_none({"activities": chunk, "nextToken": token})

    def get_activity_task(
        self, *, activityArn: str, workerName: str | None = None
    ) -> dict[str, Any]:
        self._activity(activityArn)
        if self._loop.inside():
            raise ApiError(
                "ValidationException",
                "GetActivityTask cannot wait inside an execution's own event loop",
            )
        poll = self._activity_poll
        task = self._loop.submit(
            self._activity_registry.get_activity_task(activityArn, workerName, timeout=poll)
        ).result()
        if task is None:
            return {}
        return {"taskToken": task.token, "input": task.input_json}

    # -- TestState ----------------------------------------------------------------------

    def test_state(self, **request: Any) -> dict[str, Any]:
        """TestState: run one state (see `asl.service.teststate`)."""
        from asl.service.teststate import run_test_state

        return run_test_state(self, request)


def _redrive_point(
    document: dict[str, Any], events: list[dict[str, Any]]
) -> tuple[str, Any, dict[str, Any]]:
    """Where a redrive resumes: the top-level state that did not complete (entered, never
    exited), its input, and the variables assigned before it."""
    top = set(document.get("States", {}))
    last: tuple[str, Any] | None = None
    variables: dict[str, Any] = {}
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            if details["name"] in top:
                last = (details["name"], json.loads(details.get("input") or "null"))
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            if last is not None and details["name"] == last[0]:
                for name, value in (details.get("assignedVariables") or {}).items():
                    variables[name] = json.loads(value)
                last = None
    if last is None:
        started = events[0]["executionStartedEventDetails"] if events else {}
        return document["StartAt"], json.loads(started.get("input") or "{}"), variables
    return last[0], last[1], variables


def _redriven_results(
    document: dict[str, Any], events: list[dict[str, Any]], failed: str
) -> dict[str, dict[int, Any]]:
    """The branches (Parallel) or iterations (inline Map) of the state a redrive resumes at
    that succeeded in its last attempt, with their outputs: AWS reruns only the others."""
    state = document.get("States", {}).get(failed) or {}
    kind = state.get("Type")
    processor = state.get("ItemProcessor") or state.get("Iterator") or {}
    distributed = (processor.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED"
    if kind not in ("Parallel", "Map") or distributed or "ItemReader" in state:
        return {}
    entered = [
        i
        for i, e in enumerate(events)
        if e["type"] == f"{kind}StateEntered"
        and (e.get("stateEnteredEventDetails") or {}).get("name") == failed
    ]
    if not entered:
        return {}
    started = [
        i for i in range(entered[-1], len(events)) if events[i]["type"] == f"{kind}StateStarted"
    ]
    if not started:
        return {}
    attempt = events[started[-1] + 1 :]  # the last attempt's events
    by_id = {e["id"]: e for e in events}
    done: dict[int, Any] = {}
    if kind == "Map":
        for event in attempt:
            details = event.get("mapIterationSucceededEventDetails") or {}
            if event["type"] != "MapIterationSucceeded" or details.get("name") != failed:
                continue
            last = by_id.get(event.get("previousEventId"))
            exited = (last or {}).get("stateExitedEventDetails")
            if exited is not None:  # the iteration's last state's output is its result
                done[int(details["index"])] = json.loads(exited.get("output") or "null")
        return {failed: done}
    for index, branch in enumerate(state.get("Branches") or []):
        ends = {
            name
            for name, body in (branch.get("States") or {}).items()
            if body.get("End") or body.get("Type") == "Succeed"
        }
        exits = [
            e["stateExitedEventDetails"]
            for e in attempt
            if e["type"].endswith("StateExited") and e["stateExitedEventDetails"]["name"] in ends
        ]
        if exits:
            done[index] = json.loads(exits[-1].get("output") or "null")
    return {failed: done}


def _reachable(states: dict[str, Any], start: str) -> set[str]:
    """The states reachable from ``start`` (a redrive drops the others, which the
    definition's checks would refuse as unreachable)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        state = states[name]
        todo += [state.get("Next"), state.get("Default")]
        todo += [rule.get("Next") for rule in state.get("Choices") or []]
        todo += [catcher.get("Next") for catcher in state.get("Catch") or []]
    return seen


def _redriven(record: ExecutionRecord, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history of a redriven execution: the events before the redrive, an
    ``ExecutionRedriven`` event, then the redriven run's events numbered after them."""
    prior = list(record.prior)
    offset = len(prior)
    redriven_id = offset + 1
    out = prior + [
        {
            "timestamp": record.redrive_date,
            "type": "ExecutionRedriven",
            "id": redriven_id,
            "previousEventId": offset,
            "executionRedrivenEventDetails": {"redriveCount": record.redrive_count},
        }
    ]
    numbers: dict[int, int] = {0: redriven_id}
    for event in events:
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), None)
        hidden = event["type"] == "ExecutionStarted" or (
            isinstance(details, dict) and details.get("name") == record.setup_state
        )
        if hidden:
            numbers[event["id"]] = numbers.get(event["previousEventId"], redriven_id)
            continue
        number = len(out) + 1
        numbers[event["id"]] = number
        moved = dict(event, id=number)
        moved["previousEventId"] = numbers.get(event["previousEventId"], redriven_id)
        out.append(moved)
    return out


def _without_data(event: dict[str, Any]) -> dict[str, Any]:
    out = dict(event)
    for key, details in event.items():
        if key.endswith("EventDetails") and isinstance(details, dict):
            trimmed = {
                k: v for k, v in details.items() if k not in ("input", "output", "parameters")
            }
            out[key] = trimmed
    return out


def _child_machine_arn(record: ExecutionRecord, label: str) -> str:
    """The state machine ARN of a Map Run's children: ``...:stateMachine:<parent>/<label>``."""
    return f"{record.state_machine_arn}/{label}"


def _child_execution_arn(machine_arn: str, name: str) -> str:
    return machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


def _describe_map_run(
    record: ExecutionRecord,
    started: dict[str, Any],
    events: list[dict[str, Any]],
    children: Any = None,
) -> dict[str, Any]:
    """DescribeMapRun from the parent's history and definition: status, dates, the
    number of items and the Map state's limits; the per-item counts from the tracked
    child executions (without them, e.g. after a restart, only a run that succeeded has
    them: every item did)."""
    from asl.service.teststate import _find_state

    arn = started["mapRunStartedEventDetails"]["mapRunArn"]
    status, stop = "RUNNING", None
    ends = {"MapRunSucceeded": "SUCCEEDED", "MapRunFailed": "FAILED", "MapRunAborted": "ABORTED"}
    for e in events:
        if e["id"] > started["id"] and e["type"] in ends:
            status, stop = ends[e["type"]], e["timestamp"]
            break
    total, state_name = 0, None
    for e in events:
        if e["id"] >= started["id"]:
            break
        if e["type"] == "MapStateStarted":
            total = e["mapStateStartedEventDetails"].get("length", 0)
        elif e["type"] == "MapStateEntered":
            state_name = e["stateEnteredEventDetails"]["name"]
    state: dict[str, Any] = {}
    if state_name is not None:
        found = _find_state(json.loads(record.definition).get("States"), state_name)
        state = found[0] if found else {}
    counts = dict.fromkeys(
        (
            "pending",
            "running",
            "succeeded",
            "failed",
            "timedOut",
            "aborted",
            "total",
            "resultsWritten",
            "failuresNotRedrivable",
            "pendingRedrive",
        ),
        0,
    )
    counts["total"] = total
    if children is not None:
        keys = {
            "PENDING": "pending",
            "RUNNING": "running",
            "SUCCEEDED": "succeeded",
            "FAILED": "failed",
            "TIMED_OUT": "timedOut",
            "ABORTED": "aborted",
        }
        runs = children.all()
        counts["total"] = len(runs)
        for run in runs:
            counts[keys.get(run.status, "pending")] += 1
        # a run that ended leaves its unstarted children aborted, not pending
        if status in ("FAILED", "ABORTED"):
            counts["aborted"] += counts["pending"]
            counts["pending"] = 0
    elif status == "SUCCEEDED":
        counts["succeeded"] = total
    elif status == "RUNNING":
        counts["running"] = total

    def number(key: str, default: float) -> float:
        value = state.get(key, default)
        return value if isinstance(value, (int, float)) else default

    return _drop_none(
        {
            "mapRunArn": arn,
            "executionArn": record.arn,
            "status": status,
            "startDate": started["timestamp"],
            "stopDate": stop,
            "maxConcurrency": int(number("MaxConcurrency", 0)),
            "toleratedFailurePercentage": float(number("ToleratedFailurePercentage", 0.0)),
            "toleratedFailureCount": int(number("ToleratedFailureCount", 0)),
            "itemCounts": counts,
            "executionCounts": dict(counts),
            "redriveCount": 0,
        }
    )


def operation_method(client: Client, operation: str) -> Callable[..., dict[str, Any]]:
    """The client method of an API operation name (``StartExecution``)."""
    from asl.service.shapes import snake

    method = getattr(Client, snake(operation), None)
    if method is None:
        raise ApiError("UnknownOperationException", f"Unknown operation {operation}")
    bound: Callable[..., dict[str, Any]] = getattr(client, snake(operation))
    return bound


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _api_operation(name: str, method: Callable[..., dict[str, Any]]) -> Callable[..., Any]:
    """Wrap a client method: check the request against the API model first, name the
    operation in the errors it raises."""
    operation = _camel(name)

    @functools.wraps(method)
    def call(self: Client, **params: Any) -> dict[str, Any]:
        try:
            _check_members(operation, params)
            check_request(operation, params)
            return method(self, **params)
        except ApiError as e:
            raise e.for_operation(operation) from None

    return call


def _check_members(operation: str, params: dict[str, Any]) -> None:
    from asl.service.shapes import available, service_model

    if not available():
        return
    members = service_model("stepfunctions").operation_model(operation).input_shape.members
    unknown = [k for k in params if k not in members]
    if unknown:
        raise ApiError(
            "ValidationException",
            f'Unknown parameter in input: "{unknown[0]}", must be one of: {", ".join(members)}',
        )


for _name in [n for n, v in vars(Client).items() if not n.startswith("_") and callable(v)]:
    if _camel(_name) in {
        "CreateActivity",
        "CreateStateMachine",
        "CreateStateMachineAlias",
        "DeleteActivity",
        "DeleteStateMachine",
        "DeleteStateMachineAlias",
        "DeleteStateMachineVersion",
        "DescribeActivity",
        "DescribeExecution",
        "DescribeMapRun",
        "DescribeStateMachine",
        "DescribeStateMachineAlias",
        "DescribeStateMachineForExecution",
        "GetActivityTask",
        "GetExecutionHistory",
        "ListActivities",
        "ListExecutions",
        "ListMapRuns",
        "ListStateMachineAliases",
        "ListStateMachineVersions",
        "ListStateMachines",
        "ListTagsForResource",
        "PublishStateMachineVersion",
        "RedriveExecution",
        "SendTaskFailure",
        "SendTaskHeartbeat",
        "SendTaskSuccess",
        "StartExecution",
        "StartSyncExecution",
        "StopExecution",
        "TagResource",
        "TestState",
        "UntagResource",
        "UpdateStateMachine",
        "UpdateStateMachineAlias",
        "ValidateStateMachineDefinition",
    }:
        setattr(Client, _name, _api_operation(_name, vars(Client)[_name]))
