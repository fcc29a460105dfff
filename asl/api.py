"""The public entry points: parse, validate, run, execute."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from asl.ast import StateMachine
from asl.clock import Clock, make_clock
from asl.diagnostics import Diagnostic
from asl.errors import ConfigurationError, DefinitionError
from asl.execution.result import Execution
from asl.settings import HANDLER_TIMEOUT, STRICT_DEFAULT

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from asl.execution.runner import Hooks
    from asl.lambda_runtime import LambdaRuntime

Source = str | bytes | Mapping[str, Any] | os.PathLike[str]
Handler = Callable[[Any, Any], Any]


class RunOptions(TypedDict, total=False):
    """The keyword-only options of `run`, `execute` and `asl.start` (see `execute`)."""

    functions: Mapping[str, Handler] | None
    lambda_runtime: LambdaRuntime | None
    resources: Mapping[str, Handler] | None
    mock_config: str | os.PathLike[str] | Mapping[str, Any] | None
    test_case: str | None
    mocks: Mapping[str, Any] | None
    activities: Any
    state_machines: Mapping[str, Any] | None
    clock: str | Clock | None
    name: str | None
    state_machine_name: str | None
    role_arn: str | None
    region: str
    account_id: str
    max_history_events: int | None
    seed: int | None
    strict: bool | None


def check_options(function: str, options: Mapping[str, Any]) -> None:
    """Refuse an option `run`/`start` does not take, suggesting the one meant."""
    import difflib

    known = RunOptions.__annotations__
    for key in options:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TypeError(f"{function}() got an unexpected keyword argument {key!r}{hint}")


def parse(source: Source | StateMachine, *, filename: str | None = None) -> StateMachine:
    """Load, validate and compile a definition.

    ``source`` is JSON or YAML text, bytes, a decoded dict or a path.  Returns an
    immutable `StateMachine`; raises `DefinitionError` (with ``.diagnostics``) if invalid.
    """
    from asl.parser import parse_definition

    return parse_definition(source, filename=filename)


def validate(
    source: Source, *, filename: str | None = None, machine_type: str = "STANDARD"
) -> list[Diagnostic]:
    """Every problem found in a definition; ``[]`` means valid.  Never raises for a bad
    definition (only for an argument of the wrong type).  ``machine_type="EXPRESS"`` also
    applies Express workflows' restrictions."""
    from asl.validation import validate as _validate

    return _validate(source, filename=filename, machine_type=machine_type)


_ARN_NAME = re.compile(r"arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::.*)?")


def _unqualified(arn: str) -> str:
    parts = arn.split(":")
    return ":".join(parts[:7])


def _function_arns(machine: StateMachine) -> dict[str, str]:
    """Function name -> unqualified ARN, for every Lambda function ARN in a definition."""
    import json

    text = json.dumps(machine.definition)
    found: dict[str, str] = {}
    for m in re.finditer(r"arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[A-Za-z0-9_-]+", text):
        arn = m.group(0)
        found.setdefault(arn.rsplit(":", 1)[1], arn)
    return found


def _backends(
    *,
    arns: Mapping[str, str],
    functions: Mapping[str, Callable[..., Any]] | None,
    lambda_runtime: Any,
    resources: Mapping[str, Any] | None,
    mock_config: Any,
    test_case: str | None,
    clock: Clock,
    mocks: Mapping[str, Any] | None = None,
    activities: Any = None,
    state_machines: Mapping[str, Any] | None = None,
    region: str,
    account_id: str,
    state_machine_name: str,
    strict: bool = False,
) -> Any:
    from asl.backends.base import Backends
    from asl.backends.lambda_ import LambdaBackend

    backends = Backends()
    if mock_config is not None or mocks:
        from asl.backends.mocks import MockBackend

        backends.add(MockBackend.load(mock_config, state_machine_name, test_case, mocks=mocks))
    if resources:
        from asl.backends.resources import ResourceBackend

        backends.add(ResourceBackend(resources))
    from asl.backends.activities import ActivityBackend

    backends.add(ActivityBackend(activities))
    from asl.backends.nested import NestedBackend

    backends.add(NestedBackend(_compiled_machines(state_machines)))
    # function name -> (name or ARN to register under, handler); an ARN (given, or used
    # for that function in the definition) fixes the function's region and account
    handlers: dict[str, tuple[str, Callable[..., Any]]] = {}
    for key, handler in (functions or {}).items():
        if not callable(handler):
            raise ConfigurationError(
                f"functions[{key!r}] must be a callable handler(event, context), "
                f"not {type(handler).__name__}"
            )
        m = _ARN_NAME.fullmatch(key)
        name = m.group(1) if m else key
        if m or name not in handlers:
            handlers[name] = (_unqualified(key) if m else arns.get(name, key), handler)

    # Lambda's maximum timeout: with the shorthand, the Task's TimeoutSeconds governs
    # (inside tests, the plugin's shorter asl_handler_timeout stops a hung handler)
    shorthand_timeout = HANDLER_TIMEOUT.get() or 900

    def make_runtime() -> Any:
        # Built on the first Lambda task, so workflows without one never import it.
        runtime = lambda_runtime
        if runtime is None:
            from asl.lambda_runtime import LambdaRuntime

            runtime = LambdaRuntime(clock=clock, region=region, account_id=account_id)
        # a runtime made here holds only what this loop registers
        known = runtime.has_function if lambda_runtime is not None else set().__contains__
        done: set[str] = set()
        for registered, handler in handlers.values():
            if registered in done or known(registered):
                continue  # already configured on the given runtime
            done.add(registered)
            # Lambda's maximum timeout: with the shorthand, the Task's TimeoutSeconds governs.
            runtime.register(registered, handler, timeout=shorthand_timeout)
        return runtime

    backends.add(LambdaBackend(make_runtime, strict=strict, owned=lambda_runtime is None))
    from asl.backends.callbacks import CallbackBackend

    # last: .waitForTaskToken for resources no backend above handles itself
    backends.add(CallbackBackend())
    return backends


def _compiled_machines(state_machines: Any) -> Any:
    """``state_machines=`` with each definition compiled (names checked by the backend)."""
    if not isinstance(state_machines, Mapping):
        return state_machines  # None, or a wrong type the backend reports
    compiled: dict[Any, StateMachine] = {}
    for key, definition in state_machines.items():
        try:
            compiled[key] = parse(definition)
        except DefinitionError as e:
            raise ConfigurationError(f"state_machines[{key!r}]: {e}") from None
    return compiled


def _check_wiring(
    machine: StateMachine,
    functions: Mapping[str, Any] | None,
    mocks: Mapping[str, Any] | None,
    resources: Mapping[str, Any] | None,
    state_machines: Any,
) -> None:
    """strict=True: every ``functions``/``mocks``/``resources`` entry must be usable."""
    from asl.wiring import unused_wiring

    if isinstance(state_machines, Mapping) and state_machines:
        return  # child machines may use any of them: too wide to tell
    problems = unused_wiring(machine, functions=functions, mocks=mocks, resources=resources)
    if problems:
        raise ConfigurationError(
            "wiring that no state can use (strict=False allows it):\n  " + "\n  ".join(problems)
        )


def _check_input(value: Any) -> None:
    """The execution input must be a JSON value: say what is not, and where."""
    from asl.loading import json_value_problems

    problems = json_value_problems(value, what="execution input")
    if problems:
        if problems[0].code == "TOO_DEEPLY_NESTED":
            raise ConfigurationError(problems[0].message)
        where = problems[0].path or "the top level"
        raise ConfigurationError(
            f"the execution input is not JSON: {problems[0].message} at {where}"
        )


async def execute(
    source: Source | StateMachine,
    input: Any = None,
    *,
    functions: Mapping[str, Handler] | None = None,
    lambda_runtime: LambdaRuntime | None = None,
    resources: Mapping[str, Handler] | None = None,
    mock_config: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    test_case: str | None = None,
    mocks: Mapping[str, Any] | None = None,
    activities: Any = None,
    state_machines: Mapping[str, Any] | None = None,
    clock: str | Clock | None = "virtual",
    name: str | None = None,
    state_machine_name: str | None = None,
    role_arn: str | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    max_history_events: int | None = 25_000,
    seed: int | None = None,
    strict: bool | None = None,
    hooks: Hooks | None = None,
) -> Execution:
    """Run a state machine to completion (async, anyio) and return the `Execution`.

    ``functions`` maps Lambda function names or ARNs to ``handler(event, context)``;
    ``lambda_runtime`` passes a configured `asl.LambdaRuntime` instead; ``resources`` maps
    other Task resource ARNs to ``handler(parameters, context)``; ``mock_config`` /
    ``test_case`` use an AWS Step Functions Local mock file; ``mocks`` maps state names to
    mocked responses in Python (see `asl.backends.mocks`); ``activities`` is an
    `asl.Activities` registry, or maps activity names to ``worker(input, context)``;
    ``state_machines`` maps names or ARNs to the definitions ``states:startExecution``
    tasks start.
    ``clock`` is ``"virtual"``
    (Wait and back-off take no real time), ``"real"``, or a `Clock`.  ``name``,
    ``state_machine_name``, ``role_arn``, ``region`` and ``account_id`` shape the ARNs
    and the Context object; ``max_history_events`` is AWS's 25,000-event cap (None lifts
    it); ``seed`` makes jitter reproducible.  ``strict=True`` refuses wiring mistakes
    with `ConfigurationError`: ``functions``, ``mocks`` and ``resources`` entries no state
    can use, and a Lambda handler that cannot be found or imported (which AWS would let a
    Catch take); ``strict=False`` keeps AWS's exact behaviour.  The default is False,
    except in tests run with the pytest plugin.  ``hooks`` is internal
    (`asl.start`, TestState and redrive use it).
    """
    from asl.execution.runner import Hooks, execute_machine
    from asl.execution.states import HANDLERS

    hooks = hooks or Hooks()

    machine = parse(source)
    _check_input(input)
    if strict is None:
        strict = STRICT_DEFAULT.get()
    if strict:
        _check_wiring(machine, functions, mocks, resources, state_machines)
    the_clock = make_clock(clock)
    sm_name = state_machine_name or "StateMachine"
    backends = _backends(
        arns=_function_arns(machine) if functions else {},
        functions=functions,
        lambda_runtime=lambda_runtime,
        resources=resources,
        mock_config=mock_config,
        test_case=test_case,
        clock=the_clock,
        mocks=mocks,
        activities=activities,
        state_machines=state_machines,
        region=region,
        account_id=account_id,
        state_machine_name=sm_name,
        strict=strict,
    )
    try:
        execution = await execute_machine(
            machine,
            {} if input is None else input,
            handlers=HANDLERS,
            clock=the_clock,
            backends=backends,
            name=name,
            state_machine_name=sm_name,
            role_arn=role_arn,
            region=region,
            account_id=account_id,
            max_history_events=max_history_events,
            seed=seed,
            renderer=_execution_html,
            on_start=hooks.on_start,
            context_object=hooks.context_object,
            execution_fields=hooks.execution_fields,
            redriven=hooks.redriven,
            context_names=hooks.context_names,
        )
    finally:
        await backends.finish()
    return execution


def _execution_html(execution: Execution) -> str:
    """`Execution.to_html`: the execution view of `asl.graph` (imported when first used)."""
    from asl.graph import execution_html

    return execution_html(execution, execution.machine)


def run(
    source: Source | StateMachine, input: Any = None, **options: Unpack[RunOptions]
) -> Execution:
    """Synchronous `execute`: same arguments, returns the finished `Execution`."""

    check_options("run", options)
    started: list[Execution] = []
    kwargs: dict[str, Any] = dict(options)
    from asl.execution.runner import Hooks

    kwargs["hooks"] = Hooks(on_start=lambda execution, env: started.append(execution))
    try:
        return _run(source, input, kwargs)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(_interrupted(started)) from None


def _interrupted(started: list[Execution]) -> str:
    """What an interrupted `run` was doing: the states still running."""
    if not started:
        return "asl.run was interrupted before the execution started"
    execution = started[0]
    open_states: dict[str, int] = {}
    for event in execution.history:
        details = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails")
        if not details:
            continue
        name = details["name"]
        step = 1 if event["type"].endswith("StateEntered") else -1
        open_states[name] = open_states.get(name, 0) + step
    running = [name for name, count in open_states.items() if count > 0]
    where = ", ".join(repr(name) for name in running) or "between states"
    return f"asl.run interrupted in state {where} of execution {execution.name!r}"


def _run(source: Source | StateMachine, input: Any, options: dict[str, Any]) -> Execution:
    import asyncio

    try:
        asyncio.get_running_loop()
        inside_a_loop = True
    except RuntimeError:  # no event loop running in this thread: the common case
        inside_a_loop = False
    # (outside the except block, so errors raised by the run carry no "During handling
    # of the above exception" context)
    if not inside_a_loop:
        return _run_on_new_loop(execute(source, input, **options))
    # Called from inside an event loop: run on a private loop in a worker thread.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_run_on_new_loop, execute(source, input, **options)).result()


def _run_on_new_loop(main: Coroutine[Any, Any, Execution]) -> Execution:
    """Run a coroutine to completion on a fresh asyncio loop, then close it.

    What ``asyncio.run`` does, less its per-call setup (a Runner, a SIGINT handler),
    which costs more than a small execution; anyio works on any asyncio loop.
    """
    import asyncio

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main)
    finally:
        try:
            leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in leftovers:
                task.cancel()
            if leftovers:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()
