"""Execution handles: start an execution, interact with it while it runs, await it.

    async with asl.start(definition, {"order": 1}, resources=...) as handle:
        token = await handle.wait_for_task_token("WaitForApproval")
        handle.send_task_success(token, {"approved": True})
        execution = await handle.result()

`start` takes the options of `asl.execute`.  The handle sends task results
(``send_task_success`` / ``send_task_failure`` / ``send_task_heartbeat``), stops the
execution as StopExecution does (``stop(error, cause)``: status ``ABORTED``), shows the
history recorded so far (``history``) and the task tokens it is waiting on
(``pending_tasks()``: callbacks, activities and ``.sync`` tasks).  Executions started by ``states:startExecution`` tasks run
beside it (``child_executions``).  Leaving the ``async with`` block stops whatever is
still running.  Under the virtual clock, time jumps to the next heartbeat or timeout
deadline only when nothing else can run: while the test awaits, not while it works.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from asl.execution.runner import Hooks

from asl.api import RunOptions, Source, check_options
from asl.ast import StateMachine
from asl.backends import callbacks
from asl.errors import ASLError
from asl.execution.result import Execution


class ExecutionHandle(callbacks.TokenSender):
    """A running execution (see the module docstring); ``send_task_success`` /
    ``send_task_failure`` / ``send_task_heartbeat`` answer its tasks' tokens."""

    def __init__(self) -> None:
        self._execution: Execution | None = None
        self._env: Any = None
        self._started = anyio.Event()
        self._done = anyio.Event()
        self._error: BaseException | None = None
        self._handed_out: set[str] = set()

    # -- state --------------------------------------------------------------------------

    @property
    def execution(self) -> Execution:
        """The `Execution`; its ``status`` is ``RUNNING`` until it ends."""
        if self._execution is None:
            raise ASLError("the execution has not started")
        return self._execution

    @property
    def status(self) -> str:
        return self.execution.status

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def history(self) -> list[dict[str, Any]]:
        """The history events recorded so far (AWS GetExecutionHistory shape)."""
        return self.execution.history

    def events(self, *types: str) -> list[dict[str, Any]]:
        """The events so far of the given types (all when none given)."""
        return self.execution.events(*types)

    @property
    def child_executions(self) -> list[Execution]:
        """Executions started by this one's ``states:startExecution`` tasks (and theirs)."""
        if self._env is None:
            return []
        return [ex for ex, _ in self._env.children]

    def pending_tasks(self, state_name: str | None = None) -> list[callbacks.PendingTask]:
        """The tasks this execution (or a child) waits on by token (callbacks, activities,
        ``.sync`` tasks), oldest first."""
        if self._env is None:
            return []
        return [
            t
            for t in callbacks.pending_of(self._env).tasks
            if state_name is None or t.state_name == state_name
        ]

    # -- interaction --------------------------------------------------------------------

    async def result(self) -> Execution:
        """Wait until the execution ends and return it."""
        await self._done.wait()
        if self._error is not None:
            raise self._error
        return self.execution

    async def wait_for_task_token(
        self, state_name: str | None = None, *, timeout: float | None = None
    ) -> str:
        """The token of the next task the execution waits on (in ``state_name``): a
        callback, an activity or a ``.sync`` task.

        Each token is handed out once, in the order the tasks started waiting.  Raises
        `ASLError` if the execution ends first, `TimeoutError` after ``timeout`` real
        seconds.
        """
        with anyio.fail_after(timeout):
            while True:
                pending = callbacks.pending_of(self._require_env())
                for task in pending.tasks:
                    fits = state_name is None or task.state_name == state_name
                    if fits and not task.closed and task.token not in self._handed_out:
                        self._handed_out.add(task.token)
                        return task.token
                if self.done and not self._children_running():
                    where = f" in state '{state_name}'" if state_name else ""
                    raise ASLError(
                        f"the execution ended ({self.execution.status}) without waiting "
                        f"for a task token{where}"
                    )
                await pending.changed.wait()

    def stop(self, error: str | None = None, cause: str | None = None) -> None:
        """StopExecution: end the execution with status ``ABORTED``."""
        if not self.done:
            self._require_env().abort(error, cause)

    # -- plumbing -----------------------------------------------------------------------

    def _require_env(self) -> Any:
        if self._env is None:
            raise ASLError("the execution has not started")
        return self._env

    def _on_start(self, task_group: Any) -> Any:
        def on_start(execution: Execution, env: Any) -> None:
            self._execution, self._env = execution, env
            callbacks.pending_of(env)
            # the handle's execution is done when it ends, though its children may run on
            env.on_end.append(self._ended)
            self._started.set()

        return on_start

    async def _run(
        self, source: Any, input: Any, options: Mapping[str, Any], hooks: Hooks | None, tg: Any
    ) -> None:
        from asl.api import execute
        from asl.execution.runner import Hooks

        hooks = dataclasses.replace(hooks or Hooks(), on_start=self._on_start(tg))
        try:
            await execute(source, input, hooks=hooks, **options)
        except Exception as e:  # a bad definition or option: raised by start() / result()
            self._error = e
        finally:
            self._done.set()
            self._started.set()
            if self._env is not None:
                callbacks.pending_of(self._env)._notify()

    def _ended(self) -> None:
        self._done.set()
        if self._env is not None:
            callbacks.pending_of(self._env)._notify()

    def _children_running(self) -> bool:
        return any(child.status == "RUNNING" for child in self.child_executions)

    def _stop_everything(self) -> None:
        """Abort the execution and any child still running."""
        if self._env is None:
            return
        for child, env in self._env.children:
            if child.status == "RUNNING":
                env.abort(None, None)
        self.stop()


@contextlib.asynccontextmanager
async def start(
    source: Source | StateMachine,
    input: Any = None,
    *,
    hooks: Hooks | None = None,
    **options: Unpack[RunOptions],
) -> AsyncIterator[ExecutionHandle]:
    """Start an execution (options as for `asl.execute`) and yield its `ExecutionHandle`.

    Raises `DefinitionError` / `ConfigurationError` at once for a bad definition or
    option.  Leaving the block stops the execution (and its children) if still running.
    ``hooks`` is internal (`asl.Client`'s redrive uses it).
    """
    check_options("start", options)
    handle = ExecutionHandle()
    body_error: Exception | None = None
    async with anyio.create_task_group() as tg:
        tg.start_soon(handle._run, source, input, options, hooks, tg)
        await handle._started.wait()
        started = handle._execution is not None
        if started:
            try:
                yield handle
            except Exception as e:  # re-raised below, so the task group does not wrap it
                body_error = e
            finally:
                handle._stop_everything()
                with anyio.CancelScope(shield=True):
                    await handle._done.wait()
    if body_error is not None:
        raise body_error
    if not started:
        assert handle._error is not None
        raise handle._error


__all__ = ["ExecutionHandle", "start"]
