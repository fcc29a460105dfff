"""The asynchronous-invocation queue: Event invocations with retries and destinations.

See :mod:`asl.lambda_runtime.asynchronous` for Lambda's rules (retry delays, event age,
destination records, dead-letter messages).  Events run when the queue is drained, or
in the background while ``async with runtime:`` holds it open.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
from collections import deque
from typing import Any

import anyio
import anyio.abc

from asl.clock import Clock
from asl.lambda_runtime import asynchronous
from asl.lambda_runtime.asynchronous import (
    DeadLetterMessage,
    Destination,
    EventInvokeConfig,
    QueuedEvent,
)
from asl.lambda_runtime.errors import LambdaServiceError
from asl.lambda_runtime.functions import LATEST, Function
from asl.lambda_runtime.identifiers import parse_function_identifier
from asl.lambda_runtime.invoker import Invoker
from asl.lambda_runtime.registry import FunctionRegistry
from asl.lambda_runtime.results import json_or_text

# Set while a synchronous LambdaRuntime call runs its own short-lived event loop.
_in_sync_call: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "asl_lambda_sync_call", default=False
)


class EventQueue:
    """Queued Event invocations of a registry's functions, run by an invoker."""

    def __init__(self, registry: FunctionRegistry, invoker: Invoker, clock: Clock):
        self.registry = registry
        self.invoker = invoker
        self.clock = clock
        self._lock = threading.Lock()
        self._events: deque[QueuedEvent] = deque()
        self._event_group: anyio.abc.TaskGroup | None = None
        self._event_thread: int | None = None
        self._background: Any = None
        # The event loop the runtime is used from (an execution's): Event invocations
        # start there at once, also when made from a handler's thread.
        self._home: asyncio.AbstractEventLoop | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._scheduled = 0  # handed to the home loop, task not made yet

    def attach(self) -> None:
        """Note the running event loop as the one to run Event invocations in (unless
        one is already in use).  Not for the short-lived loop of a synchronous call."""
        if _in_sync_call.get():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        home = self._home
        if home is None or home.is_closed() or not home.is_running():
            self._home = loop

    def enqueue(self, event: QueuedEvent) -> None:
        """Queue an event: it starts at once inside a running drain or background block,
        or in the event loop the runtime is used from; otherwise at the next drain."""
        group = self._event_group
        if group is not None and self._event_thread == threading.get_ident():
            group.start_soon(self._process_event, event)
            return
        home = self._home
        if home is not None and home.is_running() and not home.is_closed():
            try:
                current = asyncio.get_running_loop()
            except RuntimeError:
                current = None
            if current is home:
                self._spawn(event)
                return
            # from another thread (a handler's own synchronous call): hand it over
            with self._lock:
                self._scheduled += 1
            try:
                home.call_soon_threadsafe(self._spawn_scheduled, event)
                return
            except RuntimeError:  # the loop closed meanwhile
                with self._lock:
                    self._scheduled -= 1
        self._events.append(event)

    def _is_home(self) -> bool:
        """Whether this is the event loop that runs Event invocations at once."""
        try:
            return asyncio.get_running_loop() is self._home
        except RuntimeError:
            return False

    def _spawn_scheduled(self, event: QueuedEvent) -> None:
        with self._lock:
            self._scheduled -= 1
        self._spawn(event)

    def _spawn(self, event: QueuedEvent) -> None:
        task = asyncio.get_running_loop().create_task(self._process_event(event))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    @property
    def pending_events(self) -> int:
        """Events queued and not yet being processed."""
        return len(self._events)

    async def drain(self) -> None:
        """Process every queued event, with its retries and destinations, until none is left."""
        previous = self._event_group, self._event_thread
        try:
            while self._is_home() and (self._running or self._scheduled):
                if self._running:
                    await asyncio.wait(set(self._running))
                else:
                    await anyio.sleep(0.001)  # a handler's Event call on its way here
            while self._events:
                async with anyio.create_task_group() as group:
                    # Events enqueued meanwhile (destinations) join this group at once.
                    self._event_group, self._event_thread = group, threading.get_ident()
                    while self._events:
                        group.start_soon(self._process_event, self._events.popleft())
        finally:
            self._event_group, self._event_thread = previous

    async def start(self) -> None:
        """Process asynchronous invocations in the background while the block runs."""
        self._background = anyio.create_task_group()
        group = await self._background.__aenter__()
        self._event_group, self._event_thread = group, threading.get_ident()
        while self._events:
            group.start_soon(self._process_event, self._events.popleft())

    async def stop(self, *exc_info: Any) -> bool | None:
        """Wait for queued events to finish, then stop processing in the background."""
        try:
            return await self._background.__aexit__(*exc_info)
        finally:
            self._event_group = self._event_thread = None

    async def _process_event(self, event: QueuedEvent) -> None:
        function = self.registry.lookup(event.function_name)
        if function is None:
            return  # deleted while queued: Lambda drops the event
        config = function.event_invoke_configs.get(event.qualifier or LATEST, EventInvokeConfig())
        throttle_delay, _ = asynchronous.THROTTLE_BACKOFF
        retries = 0
        last: dict[str, Any] | None = None
        arn = function.qualified_arn(event.qualifier or LATEST)
        while True:
            age = (self.clock.now() - event.enqueued).total_seconds()
            if age > config.maximum_event_age_in_seconds:
                self._finish_event(function, event, config, arn, "EventAgeExceeded", last)
                return
            try:
                target, version, invoked_arn = self.registry.resolve(
                    function.name if event.qualifier is None else arn, None
                )
                counted = self.invoker.acquire(target, version)
            except LambdaServiceError as e:
                if e.status_code == 404:
                    return
                await self.clock.sleep(throttle_delay)
                throttle_delay = min(throttle_delay * 2, asynchronous.THROTTLE_BACKOFF[1])
                continue
            event.attempts += 1
            try:
                outcome, _ = await self.invoker.run(
                    target, version, event.payload, invoked_arn, None, event.request_id
                )
            finally:
                self.invoker.release(target, counted)
            payload, error = self.invoker.result_payload(outcome, event.request_id, version)
            context: dict[str, Any] = {"statusCode": 200, "executedVersion": version.version}
            if error:
                context["functionError"] = error
            last = {"context": context, "payload": json_or_text(payload)}
            if error is None:
                self._finish_event(function, event, config, arn, "Success", last)
                return
            if retries >= config.maximum_retry_attempts:
                self._finish_event(function, event, config, arn, "RetriesExhausted", last)
                return
            await self.clock.sleep(asynchronous.RETRY_DELAYS[retries])
            retries += 1

    def _finish_event(
        self,
        function: Function,
        event: QueuedEvent,
        config: EventInvokeConfig,
        arn: str,
        condition: str,
        response: dict[str, Any] | None,
    ) -> None:
        record = asynchronous.invocation_record(event, self.clock.now(), arn, condition, response)
        destination = config.on_success if condition == "Success" else config.on_failure
        if destination is not None:
            self._send(destination, record)
        if condition != "Success" and function.dead_letter is not None:
            payload = (response or {}).get("payload")
            message = payload.get("errorMessage", "") if isinstance(payload, dict) else ""
            letter = DeadLetterMessage(
                asynchronous._decode(event.payload),
                event.request_id,
                "200",
                str(message)[:1024],
            )
            self._send(function.dead_letter, letter)

    def _send(self, destination: Destination, message: Any) -> None:
        if isinstance(destination, str):
            try:
                target, _, _ = self.registry.resolve(destination, None, pick=False)
            except LambdaServiceError:
                return  # Lambda cannot deliver to a missing function; the record is lost
            ident = parse_function_identifier(destination)
            body = json.dumps(message, separators=(",", ":")).encode("utf-8")
            self.enqueue(QueuedEvent(target.name, ident.qualifier, body, self.clock.now()))
        else:
            asynchronous.deliver(destination, message)
