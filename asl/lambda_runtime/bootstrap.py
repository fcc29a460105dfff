"""The inside of an execution environment: what AWS's Python runtime interface client does.

This module imitates ``awslambdaric`` (``bootstrap.py``, ``lambda_context.py``,
``lambda_runtime_marshaller.py``): handler resolution and its fault types, the
``context`` object, JSON marshalling of results, the unhandled-exception document and the
log lines a function prints.  It uses the standard library only and no package-relative
imports, because the subprocess host runs this very file as the worker script.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import contextvars
import importlib
import importlib.machinery
import importlib.util
import inspect
import io
import json
import logging
import os
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

ERROR_LOG_IDENT = "\u00a0"  # the runtime replaces leading spaces of a logged traceback with NBSP
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"


class FaultException(Exception):
    """A failure of the runtime itself (bad handler, marshalling), named as Lambda names it."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type: str, msg: str, trace: list[str] | None = None):
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


class EnvironmentAbandoned(BaseException):
    """Raised inside a handler thread whose invocation timed out, to stop it early."""


# --------------------------------------------------------------------------- marshalling


def to_json(obj: Any) -> str:
    """Serialise like the runtime: default separators, raw UTF-8, NaN allowed."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=True, default=_json_default)


def _json_default(obj: Any) -> Any:
    import decimal

    if isinstance(obj, decimal.Decimal):
        # The runtime (simplejson) writes a Decimal's exact digits; a float is the closest
        # the standard library can do.
        return float(obj)
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


def marshal_response(response: Any) -> tuple[bytes, str]:
    """The response body and content type for a handler's return value."""
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, f"Unable to marshal response: {e}", None
        ) from None


def unmarshal_request(body: bytes) -> Any:
    """The event a handler receives for a JSON request body."""
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR, f"Unable to unmarshal input: {e}", None
        ) from None


def make_error(
    error_message: str | None,
    error_type: str | None,
    stack_trace: list[str] | None,
    invoke_id: str | None = None,
) -> dict[str, Any]:
    """The error document the runtime posts for an unhandled exception."""
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def error_from_exception(exc: BaseException, invoke_id: str | None) -> dict[str, Any]:
    """The error document for an exception, with the runtime's own frames stripped."""
    if isinstance(exc, FaultException):
        return make_error(exc.msg, exc.exception_type, exc.trace, invoke_id)
    frames = [
        (f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(exc.__traceback__)
    ]
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame[0]:
            frames = frames[i:]
            break
    stack = traceback.format_list(
        [traceback.FrameSummary(f, n, name, line=line) for f, n, name, line in frames]
    )
    return make_error(str(exc), type(exc).__name__, stack, invoke_id)


def format_error_log(error: Mapping[str, Any]) -> str:
    """The log event the runtime writes for an error document (text log format)."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    stack = error.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            for line in element.splitlines() or [""]:
                stripped = line.lstrip(" ")
                lines.append(ERROR_LOG_IDENT * (len(line) - len(stripped)) + stripped)
    return "\n".join(lines)


# --------------------------------------------------------------------------- context


class CognitoIdentity:
    """``context.identity``: always present, both ids None unless a caller sent them."""

    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]
    cognito_identity_id: str | None
    cognito_identity_pool_id: str | None

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    """``context.client_context.client``: the mobile client that invoked the function."""

    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]
    installation_id: str | None
    app_title: str | None
    app_version_name: str | None
    app_version_code: str | None
    app_package_name: str | None

    def __repr__(self) -> str:
        return (
            f"Client([installation_id={self.installation_id},app_title={self.app_title},"
            f"app_version_name={self.app_version_name},app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}])"
        )


class ClientContext:
    """``context.client_context``: custom, env and client sent with a synchronous invoke."""

    __slots__ = ["custom", "env", "client"]
    custom: Any
    env: Any
    client: Any

    def __repr__(self) -> str:
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


def _obj_from_dict(cls: type, data: Mapping[str, Any] | None) -> Any:
    if data is None:
        return None
    obj = cls()
    for name in cls.__slots__:  # type: ignore[attr-defined]
        setattr(obj, name, data.get(name))
    return obj


class LambdaContext:
    """The ``context`` argument of a handler, as the Python runtime builds it."""

    def __init__(
        self,
        invoke_id: str,
        client_context: Mapping[str, Any] | None,
        cognito_identity: Mapping[str, Any] | None,
        epoch_deadline_time_in_ms: int,
        invoked_function_arn: str | None = None,
        tenant_id: str | None = None,
        environ: Mapping[str, str] | None = None,
    ):
        env = os.environ if environ is None else environ
        self.aws_request_id = invoke_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _obj_from_dict(Client, self.client_context.client)
        self.identity = _obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out (never negative)."""
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg: Any) -> None:
        """Write to the function's log, as ``context.log`` does."""
        log = current_log.get()
        if log is not None:
            log.write(str(msg))
        else:
            sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},identity={self.identity},"
            f"tenant_id={self.tenant_id}])"
        )


# --------------------------------------------------------------------------- logs


class InvocationLog:
    """The log events written during one phase (init or invoke) of an environment."""

    def __init__(
        self, request_id: str = "", sink: Callable[[float, str], None] | None = None
    ) -> None:
        self.request_id = request_id
        self.events: list[tuple[float, str]] = []
        self._partial = ""
        self._lock = threading.Lock()
        self._sink = sink  # also told of each event as it happens (the worker streams them)

    def write(self, text: str) -> None:
        """Add printed text; each complete line becomes one log event."""
        with self._lock:
            text = self._partial + text
            *lines, self._partial = text.split("\n")
            now = time.time()
            for line in lines:
                self._append(now, line)

    def add(self, message: str) -> None:
        """Add one (possibly multi-line) log event."""
        with self._lock:
            self._flush_partial()
            self._append(time.time(), message.rstrip("\n"))

    def _append(self, stamp: float, message: str) -> None:
        self.events.append((stamp, message))
        if self._sink is not None:
            self._sink(stamp, message)

    def close(self) -> list[tuple[float, str]]:
        """Flush a trailing unterminated line and return all events."""
        with self._lock:
            self._flush_partial()
            return list(self.events)

    def _flush_partial(self) -> None:
        if self._partial:
            self._append(time.time(), self._partial)
            self._partial = ""


current_log: contextvars.ContextVar[InvocationLog | None] = contextvars.ContextVar(
    "asl_lambda_log", default=None
)


class _LogStream(io.TextIOBase):
    """sys.stdout/sys.stderr stand-in: text written during an invocation goes to its log."""

    def __init__(self, target: Any):
        self._target = target

    def write(self, s: str) -> int:
        log = current_log.get()
        if log is None:
            return self._target.write(s)  # type: ignore[no-any-return]
        log.write(s)
        return len(s)

    def flush(self) -> None:
        # (also called when the stand-in is collected, maybe after its target was closed)
        if current_log.get() is None and not getattr(self._target, "closed", False):
            self._target.flush()

    def isatty(self) -> bool:
        return bool(self._target.isatty())

    def fileno(self) -> int:
        return int(self._target.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


class _LambdaLogHandler(logging.Handler):
    """The root-logger handler the runtime installs; silent outside invocations."""

    def emit(self, record: logging.LogRecord) -> None:
        log = current_log.get()
        if log is None:
            self._last_resort(record)
            return
        record.aws_request_id = log.request_id
        log.add(self.format(record))

    def _last_resort(self, record: logging.LogRecord) -> None:
        # Being on the root logger must not hide warnings Python would otherwise print.
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self for h in logger.handlers):
                return
            if not logger.propagate:
                break
            logger = logger.parent
        resort = logging.lastResort
        if resort is not None and record.levelno >= resort.level:
            resort.handle(record)


_install_lock = threading.Lock()
# Threads where a handler entered the debugger: their invocation's timeout is suspended.
debugging_threads: set[int] = set()
_in_worker_process = False


class BreakpointUnavailable(RuntimeError):
    """``breakpoint()`` in a handler where no terminal can run the debugger."""


def _handler_breakpoint(*args: Any, **kwargs: Any) -> Any:
    """``sys.breakpointhook`` that works inside handlers, or fails at once saying why.

    Handler output is captured into the invocation's log, so a debugger prompt would go
    there and ``breakpoint()`` would seem to hang.  In a handler, the debugger talks to
    the terminal directly (and the invocation's timeout stops counting); without a
    terminal, ``breakpoint()`` raises at once.
    """
    previous = _previous_breakpointhook
    if current_log.get() is None:
        return previous(*args, **kwargs)
    setting = os.environ.get("PYTHONBREAKPOINT")
    if setting == "0":
        return None
    terminal = sys.__stdin__
    if _in_worker_process:
        raise BreakpointUnavailable(
            "breakpoint() in a Lambda handler cannot reach a terminal from the subprocess "
            "host's worker; use host='inprocess' to debug"
        )
    if terminal is None or not terminal.isatty():
        raise BreakpointUnavailable(
            "breakpoint() in a Lambda handler needs a terminal, and stdin is not one "
            "(under pytest, run with -s); set PYTHONBREAKPOINT=0 to skip breakpoints"
        )
    debugging_threads.add(threading.get_ident())
    if setting:
        return previous(*args, **kwargs)
    import pdb

    debugger = pdb.Pdb(stdin=terminal, stdout=sys.__stdout__)
    debugger.set_trace(sys._getframe(1))
    return None


_previous_breakpointhook: Callable[..., Any] = sys.breakpointhook


def install_log_capture() -> None:
    """Route print() and logging during invocations into the invocation's log (idempotent)."""
    global _previous_breakpointhook
    if (
        isinstance(sys.stdout, _LogStream)
        and isinstance(sys.stderr, _LogStream)
        and sys.breakpointhook is _handler_breakpoint
        and any(isinstance(h, _LambdaLogHandler) for h in logging.getLogger().handlers)
    ):
        return  # the common case: installed already (checked without the lock)
    with _install_lock:
        if sys.breakpointhook is not _handler_breakpoint:
            _previous_breakpointhook = sys.breakpointhook
            sys.breakpointhook = _handler_breakpoint
        if not isinstance(sys.stdout, _LogStream):
            sys.stdout = _LogStream(sys.stdout)
        if not isinstance(sys.stderr, _LogStream):
            sys.stderr = _LogStream(sys.stderr)
        root = logging.getLogger()
        if not any(isinstance(h, _LambdaLogHandler) for h in root.handlers):
            handler = _LambdaLogHandler()
            formatter = logging.Formatter(LOG_FORMAT, "%Y-%m-%dT%H:%M:%S")
            formatter.converter = time.gmtime
            handler.setFormatter(formatter)
            root.addHandler(handler)


# --------------------------------------------------------------------------- environment variables

current_environ: contextvars.ContextVar[EnvironOverlay | None] = contextvars.ContextVar(
    "asl_lambda_environ", default=None
)


class _Lazy:
    """A variable whose value is computed when first read (e.g. a directory made then)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], str]):
        self.make = make


class _Values(dict):  # type: ignore[type-arg]
    """Variables where a lazy value is computed on first read."""

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        if isinstance(value, _Lazy):
            value = value.make()
            self[key] = value
        return value  # type: ignore[no-any-return]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default


class EnvironOverlay:
    """One execution environment's view of os.environ: its variables over the host's.

    ``lazy`` variables are computed when the code first reads them.
    """

    def __init__(
        self, values: Mapping[str, str], lazy: Mapping[str, Callable[[], str]] | None = None
    ):
        self.values: dict[str, str] = _Values(values)
        for key, make in (lazy or {}).items():
            self.values.setdefault(key, _Lazy(make))  # type: ignore[arg-type]
        self.deleted: set[str] = set()


class _OverlayEnviron(os._Environ):  # type: ignore[type-arg,misc]
    """os.environ that shows the current execution environment's variables in its thread.

    Outside an invocation it behaves exactly like the original mapping (it shares its data).
    """

    def __init__(self, base: Any):
        super().__init__(
            base._data, base.encodekey, base.decodekey, base.encodevalue, base.decodevalue
        )

    def __getitem__(self, key: str) -> str:
        overlay = current_environ.get()
        if overlay is not None:
            if key in overlay.values:
                return overlay.values[key]
            if key in overlay.deleted:
                raise KeyError(key)
        return super().__getitem__(key)  # type: ignore[no-any-return]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = current_environ.get()
        if overlay is None:
            super().__setitem__(key, value)
            return
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"str expected, not {type(value).__name__}")
        overlay.values[key] = value
        overlay.deleted.discard(key)

    def __delitem__(self, key: str) -> None:
        overlay = current_environ.get()
        if overlay is None:
            super().__delitem__(key)
            return
        if key not in self:
            raise KeyError(key)
        overlay.values.pop(key, None)
        overlay.deleted.add(key)

    def __iter__(self) -> Iterator[str]:
        overlay = current_environ.get()
        if overlay is None:
            yield from super().__iter__()
            return
        for key in list(super().__iter__()):
            if key not in overlay.values and key not in overlay.deleted:
                yield key
        yield from list(overlay.values)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)


def install_environ_overlay() -> None:
    """Make os.environ environment-aware for in-process functions (idempotent)."""
    with _install_lock:
        if not isinstance(os.environ, _OverlayEnviron):
            # Replacing (not clearing) the mapping is the point: the overlay shares its data.
            os.environ = _OverlayEnviron(os.environ)  # noqa: B003


# --------------------------------------------------------------------------- handler loading


class ModuleNamespace:
    """A private module table: the code directory and layers of one execution environment.

    Modules found there are loaded for this environment only (their module-level code
    runs once per environment, and two functions may both have a ``lambda_function.py``);
    everything else (the standard library, installed packages) comes from the normal
    import system.  Modules see a private ``__import__`` through their ``__builtins__``.
    """

    def __init__(self, search_path: Sequence[str]):
        self.search_path = [str(p) for p in search_path]
        self.modules: dict[str, types.ModuleType] = {}
        self._private: dict[str, bool] = {}
        self._lock = threading.RLock()
        self.builtins = dict(builtins.__dict__)
        self.builtins["__import__"] = self.import_module_hook
        self.borrowed: set[tuple[str, types.ModuleType]] = set()
        self.shared: set[str] = set()

    def release(self) -> None:
        """Take this namespace's modules out of sys.modules (an abandoned init may have
        left them there while it hangs)."""
        for name, module in list(self.borrowed):
            give_back_module(name, module, self.borrowed)

    def is_private(self, top: str) -> bool:
        """Whether a top-level module name resolves inside the code directory or a layer
        (and is loaded for this environment only: see :meth:`is_shared`)."""
        known = self._private.get(top)
        if known is None:
            stdlib = getattr(sys, "stdlib_module_names", ())
            spec = None
            if top not in sys.builtin_module_names and top not in stdlib:
                spec = importlib.machinery.PathFinder.find_spec(top, self.search_path)
            known = spec is not None and not _has_extensions(spec)
            if spec is not None and not known:
                self.shared.add(top)
            self._private[top] = known
        return known

    def is_shared(self, top: str) -> bool:
        """Whether a top-level module of the package holds C extensions (numpy, pandas...).

        An extension module can be initialised only once per process, so such a package
        is imported once, into ``sys.modules``, and shared by every environment (if the
        process already imported a module of that name, that one is used).
        """
        self.is_private(top)
        return top in self.shared

    def _import_shared(self, top: str) -> None:
        """Import a shared package from the code directory into sys.modules, once."""
        with _shared_lock:
            for path in self.search_path:
                if path not in sys.path:
                    sys.path.append(path)  # its own imports of other bundled packages
            if top in sys.modules:
                return
            spec = importlib.machinery.PathFinder.find_spec(top, self.search_path)
            if spec is None or spec.loader is None:
                return
            module = importlib.util.module_from_spec(spec)
            sys.modules[top] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(top, None)
                raise

    def import_module(self, name: str) -> types.ModuleType:
        """Import a module by absolute name inside this namespace."""
        top = name.partition(".")[0]
        if self.is_private(top):
            return self._load(name)
        if self.is_shared(top):
            self._import_shared(top)
        return importlib.import_module(name)

    def import_module_hook(
        self,
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Mapping[str, Any] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> types.ModuleType:
        """``__import__`` for private modules; falls back to the real one for the rest."""
        if level > 0:
            absolute = _resolve_relative(name, globals or {}, level)
            if not self.is_private(absolute.partition(".")[0]):
                return builtins.__import__(name, globals, locals, fromlist, level)
            name = absolute
        top = name.partition(".")[0]
        if not self.is_private(top):
            if self.is_shared(top):
                self._import_shared(top)
            return builtins.__import__(name, globals, locals, fromlist or (), 0)
        module = self._load(name)
        if not fromlist:
            return self.modules[top]
        if hasattr(module, "__path__"):
            for item in fromlist:
                if item == "*":
                    for sub in getattr(module, "__all__", ()):
                        self._load_optional(f"{name}.{sub}", module, sub)
                else:
                    self._load_optional(f"{name}.{item}", module, item)
        return module

    def _load_optional(self, fullname: str, parent: types.ModuleType, attr: str) -> None:
        if hasattr(parent, attr):
            return
        try:
            self._load(fullname)
        except ModuleNotFoundError as e:
            if e.name != fullname:
                raise

    def _load(self, fullname: str) -> types.ModuleType:
        with self._lock:
            module = self.modules.get(fullname)
            if module is not None:
                return module
            parent_name, _, child = fullname.rpartition(".")
            parent = self._load(parent_name) if parent_name else None
            if parent is not None:
                path = getattr(parent, "__path__", None)
                if path is None:
                    raise ModuleNotFoundError(
                        f"No module named '{fullname}'; '{parent_name}' is not a package",
                        name=fullname,
                    )
                search = list(path)
            else:
                search = self.search_path
            spec = importlib.machinery.PathFinder.find_spec(fullname, search)
            if spec is None:
                raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
            module = importlib.util.module_from_spec(spec)
            module.__builtins__ = self.builtins  # type: ignore[attr-defined]
            if spec.submodule_search_locations is not None:
                # A plain list: a namespace package's own path object would re-resolve
                # itself against sys.path, which does not hold the code directory.
                module.__path__ = list(spec.submodule_search_locations)
            self.modules[fullname] = module
            try:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    with _in_sys_modules(fullname, module, self.borrowed):
                        spec.loader.exec_module(module)
            except BaseException:
                del self.modules[fullname]
                raise
            if parent is not None:
                setattr(parent, child, module)
            return module


# Private modules executing now, by name, and what sys.modules held before the first.
_borrowed: dict[str, list[types.ModuleType]] = {}
_originals: dict[str, Any] = {}
_borrow_lock = threading.Lock()
_shared_lock = threading.RLock()  # importing a shared (C extension) package
_extension_dirs: dict[str, bool] = {}


def _has_extensions(spec: Any) -> bool:
    """Whether a module spec is, or a package spec holds, a C extension module."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    origin = spec.origin or ""
    if origin.endswith(suffixes):
        return True
    locations = list(spec.submodule_search_locations or ())
    for location in locations:
        known = _extension_dirs.get(location)
        if known is None:
            known = False
            for _root, _dirs, files in os.walk(location):
                if any(f.endswith(suffixes) for f in files):
                    known = True
                    break
            _extension_dirs[location] = known
        if known:
            return True
    return False


_MISSING = object()


@contextlib.contextmanager
def _in_sys_modules(
    name: str, module: types.ModuleType, owner: set[tuple[str, types.ModuleType]]
) -> Iterator[None]:
    """Put a private module in sys.modules while its code executes, as importlib does.

    Code that looks its own module up there at import time needs it: ``@dataclass``
    resolving string annotations (``from __future__ import annotations``), pickling,
    ``typing.get_type_hints``.  Afterwards the entry goes back to what it was, so
    environments stay isolated and the host's own module of that name is untouched.
    No lock is held while the code runs (an init that hangs must not block others);
    ``owner`` records the entry so that abandoning the environment can give it back.
    """
    with _borrow_lock:
        stack = _borrowed.setdefault(name, [])
        if not stack:
            _originals[name] = sys.modules.get(name, _MISSING)
        stack.append(module)
        sys.modules[name] = module
        owner.add((name, module))
    try:
        yield
    finally:
        give_back_module(name, module, owner)


def give_back_module(
    name: str, module: types.ModuleType, owner: set[tuple[str, types.ModuleType]]
) -> None:
    """End a private module's stay in sys.modules (idempotent)."""
    with _borrow_lock:
        if (name, module) not in owner:
            return
        owner.discard((name, module))
        stack = _borrowed[name]
        stack.remove(module)
        if stack:
            sys.modules[name] = stack[-1]
        else:
            del _borrowed[name]
            original = _originals.pop(name)
            if original is _MISSING:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = original


def _resolve_relative(name: str, globals: Mapping[str, Any], level: int) -> str:
    package = globals.get("__package__")
    if package is None:
        spec = globals.get("__spec__")
        package = spec.parent if spec is not None else globals.get("__name__", "")
        if "__path__" not in globals and spec is None:
            package = package.rpartition(".")[0]
    if not package:
        raise ImportError("attempted relative import with no known parent package")
    bits = package.rsplit(".", level - 1)
    if len(bits) < level:
        raise ImportError("attempted relative import beyond top-level package")
    base = bits[0]
    return f"{base}.{name}" if name else base


def get_handler(handler: str, namespace: ModuleNamespace | None = None) -> Callable[..., Any]:
    """Resolve ``module.function`` as the runtime does, raising its fault types."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, f"Bad handler '{handler}': {e}"
        ) from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                f"Cannot use built-in module {modname} as a handler module",
            )
        dotted = modname.replace("/", ".")
        if namespace is not None:
            module = namespace.import_module(dotted)
        else:
            module = importlib.import_module(dotted)
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, f"Unable to import module '{modname}': {e}"
        ) from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            f"Syntax error in module '{modname}': {e}",
            trace,
        ) from None
    try:
        return getattr(module, fname)  # type: ignore[no-any-return]
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, f"Handler '{fname}' missing on module '{modname}'"
        ) from None


def load_reference(reference: str) -> Callable[..., Any]:
    """A callable from ``module:qualname`` (how the subprocess host ships a Python callable)."""
    modname, _, qualname = reference.partition(":")
    obj: Any = importlib.import_module(modname)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- invocation


class InvocationRequest:
    """What the runtime API hands the runtime for one invocation."""

    __slots__ = (
        "request_id",
        "body",
        "deadline_ms",
        "invoked_function_arn",
        "client_context",
        "cognito_identity",
    )

    def __init__(
        self,
        request_id: str,
        body: bytes,
        deadline_ms: int,
        invoked_function_arn: str,
        client_context: Mapping[str, Any] | None = None,
        cognito_identity: Mapping[str, Any] | None = None,
    ):
        self.request_id = request_id
        self.body = body
        self.deadline_ms = deadline_ms
        self.invoked_function_arn = invoked_function_arn
        self.client_context = client_context
        self.cognito_identity = cognito_identity


class InvocationResponse:
    """What the runtime posts back: a result or an error document, plus the logs written."""

    __slots__ = ("ok", "body", "content_type", "error_type", "logs", "exit")

    def __init__(
        self,
        ok: bool,
        body: bytes,
        content_type: str = "application/json",
        error_type: str | None = None,
        logs: list[tuple[float, str]] | None = None,
        exit: bool = False,
    ):
        self.ok = ok
        self.body = body
        self.content_type = content_type
        self.error_type = error_type
        self.logs = logs or []
        self.exit = exit  # the runtime process would have exited (SystemExit, MemoryError)

    def to_wire(self) -> dict[str, Any]:
        """A JSON-able dict for the worker protocol."""
        return {
            "ok": self.ok,
            "body": base64.b64encode(self.body).decode("ascii"),
            "content_type": self.content_type,
            "error_type": self.error_type,
            "logs": self.logs,
            "exit": self.exit,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> InvocationResponse:
        """The inverse of :meth:`to_wire`."""
        return cls(
            data["ok"],
            base64.b64decode(data["body"]),
            data["content_type"],
            data["error_type"],
            [(float(t), str(m)) for t, m in data["logs"]],
            bool(data["exit"]),
        )


def _exit_document(request_id: str, exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, MemoryError):
        reason = "signal: killed"
    else:
        code = getattr(exc, "code", 1)
        reason = f"exit status {code if isinstance(code, int) else 1}"
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
    }


def _begin(
    request: InvocationRequest, environ: Mapping[str, str] | None, log: InvocationLog | None
) -> tuple[InvocationLog, LambdaContext]:
    log = log if log is not None else InvocationLog(request.request_id)
    context = LambdaContext(
        request.request_id,
        request.client_context,
        request.cognito_identity,
        request.deadline_ms,
        request.invoked_function_arn,
        environ=environ,
    )
    return log, context


def _failure(request_id: str, exc: BaseException, log: InvocationLog) -> InvocationResponse:
    if isinstance(exc, (SystemExit, KeyboardInterrupt, MemoryError)):
        doc = _exit_document(request_id, exc)
        return InvocationResponse(
            False, _compact(doc), error_type=doc["errorType"], logs=log.close(), exit=True
        )
    error = error_from_exception(exc, request_id)
    log.add(format_error_log(error))
    return InvocationResponse(
        False, to_json(error).encode("utf-8"), error_type=error["errorType"], logs=log.close()
    )


def _compact(doc: Mapping[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def invoke_handler(
    handler: Callable[..., Any],
    request: InvocationRequest,
    environ: EnvironOverlay | None = None,
    log: InvocationLog | None = None,
) -> InvocationResponse:
    """Run a synchronous handler for one request, as the runtime's event loop does.

    ``log`` collects what the handler prints (pass one to keep it if the call is abandoned).
    """
    log, context = _begin(request, environ.values if environ else None, log)
    log_token = current_log.set(log)
    env_token = current_environ.set(environ) if environ is not None else None
    try:
        event = unmarshal_request(request.body)
        response = handler(event, context)
        body, content_type = marshal_response(response)
        return InvocationResponse(True, body, content_type, logs=log.close())
    except EnvironmentAbandoned:
        raise
    except BaseException as e:
        return _failure(request.request_id, e, log)
    finally:
        current_log.reset(log_token)
        if env_token is not None:
            current_environ.reset(env_token)


async def invoke_async_handler(
    handler: Callable[..., Any],
    request: InvocationRequest,
    environ: EnvironOverlay | None = None,
    log: InvocationLog | None = None,
) -> InvocationResponse:
    """Await a coroutine handler for one request (an ``asl`` extension: Lambda has none)."""
    log, context = _begin(request, environ.values if environ else None, log)
    log_token = current_log.set(log)
    env_token = current_environ.set(environ) if environ is not None else None
    try:
        event = unmarshal_request(request.body)
        response = await handler(event, context)
        body, content_type = marshal_response(response)
        return InvocationResponse(True, body, content_type, logs=log.close())
    except Exception as e:
        return _failure(request.request_id, e, log)
    finally:
        current_log.reset(log_token)
        if env_token is not None:
            current_environ.reset(env_token)


def is_async_handler(handler: Callable[..., Any]) -> bool:
    """Whether calling the handler gives a coroutine to await."""
    target = handler
    while hasattr(target, "func"):  # functools.partial
        target = target.func
    if inspect.iscoroutinefunction(target):
        return True
    # An instance whose class defines ``async def __call__``.
    return any(inspect.iscoroutinefunction(vars(c).get("__call__")) for c in type(target).__mro__)


class InitResult:
    """The outcome of the init phase: the handler, or the error document and logs."""

    __slots__ = ("handler", "error", "logs", "duration_ms")

    def __init__(
        self,
        handler: Callable[..., Any] | None,
        error: dict[str, Any] | None,
        logs: list[tuple[float, str]],
        duration_ms: float,
    ):
        self.handler = handler
        self.error = error
        self.logs = logs
        self.duration_ms = duration_ms


def initialize(
    handler: str,
    namespace: ModuleNamespace | None,
    environ: EnvironOverlay | None = None,
    reference: str | None = None,
    log: InvocationLog | None = None,
) -> InitResult:
    """The init phase: import the handler's module (its global code runs now)."""
    log = log if log is not None else InvocationLog("")
    log_token = current_log.set(log)
    env_token = current_environ.set(environ) if environ is not None else None
    start = time.perf_counter()
    try:
        function = load_reference(reference) if reference else get_handler(handler, namespace)
        error = None
    except EnvironmentAbandoned:
        raise
    except BaseException as e:
        function = None
        error = error_from_exception(e, None)
        log.add(format_error_log(error))
    finally:
        current_log.reset(log_token)
        if env_token is not None:
            current_environ.reset(env_token)
    return InitResult(function, error, log.close(), (time.perf_counter() - start) * 1000)


# --------------------------------------------------------------------------- worker process


def _set_memory_limit(megabytes: int) -> None:
    """Cap the process's data segment (heap and anonymous memory) at the function's memory."""
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - platform dependent
        pass


def _max_memory_mb() -> int:
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    except ImportError:  # pragma: no cover
        return 0


def _run_coroutines(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A synchronous wrapper that runs a coroutine handler to completion."""
    import asyncio

    def run(event: Any, context: Any) -> Any:
        return asyncio.run(handler(event, context))

    return run


_PATH_FUNCTIONS = (
    "open",
    "stat",
    "lstat",
    "listdir",
    "scandir",
    "mkdir",
    "rmdir",
    "remove",
    "unlink",
    "chmod",
    "utime",
    "access",
    "truncate",
)


def interpreter_paths() -> list[str]:
    """Where this interpreter's own files live: its prefixes (a virtualenv, say) and
    import path.  Under a private ``/tmp`` they must keep meaning what they mean."""
    import site
    import sysconfig

    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    paths.extend(sysconfig.get_paths().values())
    try:
        paths.extend(site.getsitepackages())
        paths.append(site.getusersitepackages())
    except AttributeError:  # pragma: no cover - some virtualenvs' site lacks these
        pass
    paths.extend(p for p in sys.path if p)
    return sorted({os.path.realpath(p) for p in paths} | {p for p in paths if p})


def redirect_tmp(private: str, keep: Sequence[str] = ()) -> None:
    """Make ``/tmp`` mean this environment's own directory (in the worker process only).

    Lambda gives every execution environment its own ``/tmp``; without a private mount,
    the worker rewrites paths under ``/tmp`` in the file functions handlers use.  Paths
    inside ``private`` and ``keep`` (the code directory and layers, the interpreter's own
    prefix and import path, which may themselves live under ``/tmp`` on the host, as a
    virtualenv in ``/tmp`` does) are left alone.
    """
    import tempfile

    tempfile.tempdir = private
    exempt = tuple(os.path.join(p, "") for p in (private, *keep))

    def translate(path: Any) -> Any:
        if isinstance(path, (str, os.PathLike)) and not isinstance(path, bytes):
            text = os.fspath(path)
            if (
                isinstance(text, str)
                and (text == "/tmp" or text.startswith("/tmp/"))
                and not os.path.join(text, "").startswith(exempt)
            ):
                return private + text[4:]
        return path

    def wrap(function: Callable[..., Any], arguments: int = 1) -> Callable[..., Any]:
        def redirected(*args: Any, **kwargs: Any) -> Any:
            args = tuple(translate(a) if i < arguments else a for i, a in enumerate(args))
            return function(*args, **kwargs)

        redirected.__name__ = getattr(function, "__name__", "redirected")
        redirected.__doc__ = function.__doc__
        return redirected

    for name in _PATH_FUNCTIONS:
        if hasattr(os, name):
            setattr(os, name, wrap(getattr(os, name)))
    for name in ("rename", "replace"):
        setattr(os, name, wrap(getattr(os, name), 2))
    builtins.open = io.open = wrap(io.open)  # type: ignore[assignment]


def serve() -> None:
    """Worker main loop: one execution environment in its own process.

    Requests arrive as JSON lines on stdin.  Replies leave as JSON lines on the original
    stdout: ``{"log": [time, message]}`` for each log event as it happens, then the
    result.  File descriptor 1 is then pointed at stderr so stray output cannot corrupt
    the protocol.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]
    control = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", 0), write_through=True)
    lock = threading.Lock()

    def send(message: Mapping[str, Any]) -> None:
        with lock:
            control.write(json.dumps(message) + "\n")
            control.flush()

    def stream(stamp: float, message: str) -> None:
        send({"log": [stamp, message]})

    code_path = [p for p in os.environ.pop("_ASL_CODE_PATH", "").split(os.pathsep) if p]
    host_path = [p for p in os.environ.pop("_ASL_HOST_PATH", "").split(os.pathsep) if p]
    sys.path[:0] = code_path + [p for p in host_path if p not in sys.path]
    reference = os.environ.pop("_ASL_HANDLER_REFERENCE", "") or None
    memory = int(os.environ.pop("_ASL_MEMORY_LIMIT_MB", "0") or 0)
    global _in_worker_process
    _in_worker_process = True
    private_tmp = os.environ.pop("_ASL_PRIVATE_TMP", "")
    if private_tmp:
        redirect_tmp(private_tmp, code_path + interpreter_paths())
    install_log_capture()
    handler: Callable[..., Any] | None = None
    for line in sys.stdin:
        message = json.loads(line)
        reply: dict[str, Any]
        if message["op"] == "init":
            if memory:
                _set_memory_limit(memory)
            log = InvocationLog("", stream)
            result = initialize(os.environ.get("_HANDLER", ""), None, None, reference, log)
            handler = result.handler
            if handler is not None and is_async_handler(handler):
                handler = _run_coroutines(handler)
            reply = {"error": result.error, "duration_ms": result.duration_ms}
        else:
            assert handler is not None
            request = InvocationRequest(
                message["request_id"],
                base64.b64decode(message["body"]),
                message["deadline_ms"],
                message["invoked_function_arn"],
                message.get("client_context"),
                message.get("cognito_identity"),
            )
            response = invoke_handler(
                handler, request, None, InvocationLog(request.request_id, stream)
            )
            reply = response.to_wire()
            reply["logs"] = []  # already streamed
            reply["max_memory_mb"] = _max_memory_mb()
        send(reply)
        if reply.get("exit"):
            os._exit(1)


if __name__ == "__main__":
    serve()
