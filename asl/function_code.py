"""Lambda function code on disk: handler strings and SAM's one-folder-per-function layout.

``load_functions(spec, handlers)`` returns ``{function name: handler}`` for
``asl run --functions SPEC``, where SPEC is

- a Python file: its ``FUNCTIONS`` dict, or its ``handler`` / ``lambda_handler``,
  registered under the file's name;
- an importable module name: the same;
- a directory.  Each ``*.py`` file in it is one function, as above.  Each sub-folder is
  one function too, named after the folder, as ``sam init`` lays a project out
  (``src/charge/app.py``): its handler is the one named in ``handlers`` (a Lambda
  handler string ``module.function``, relative to the folder), else the first of
  ``app.py``, ``lambda_function.py``, ``handler.py``, ``index.py``, ``main.py`` that
  defines ``lambda_handler`` or ``handler``.  Folders named ``tests``, ``test``,
  ``events``, ``docs``, ``build`` or ``node_modules`` are not functions.

- a SAM template (``template.yaml``): each ``AWS::Serverless::Function`` with a Python
  runtime, named after its logical id (and its ``FunctionName``, when that is a plain
  string), with its ``Handler`` string relative to its ``CodeUri`` (``Globals.Function``
  supplies the defaults, as in SAM).

A handler string for a name that is not a folder is looked up relative to the directory
itself: ``--functions src --handler charge=billing.charge`` registers
``src/billing.py``'s ``charge`` as function ``charge``.  Each folder's modules are
imported with the folder first on ``sys.path`` and then forgotten, so two folders can
each have an ``app.py`` (or a ``utils.py``) without one shadowing the other.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from asl.errors import ConfigurationError

Handler = Callable[..., Any]

HANDLER_NAMES = ("handler", "lambda_handler")
CONVENTIONAL_MODULES = ("app", "lambda_function", "handler", "index", "main")
# folders of a SAM project that hold no function
NOT_FUNCTIONS = frozenset({"tests", "test", "events", "docs", "build", "node_modules"})


def parse_handler_option(text: str) -> tuple[str, str]:
    """``NAME=module.function`` -> (NAME, "module.function")."""
    name, sep, handler = text.partition("=")
    if (
        not sep
        or not name
        or "." not in handler
        or handler.startswith(".")
        or handler.endswith(".")
    ):
        raise ConfigurationError(
            f"--handler {text!r}: expected NAME=module.function (for example charge=app.handler)"
        )
    return name, handler


def load_functions(spec: str, handlers: Mapping[str, str] | None = None) -> dict[str, Handler]:
    """Lambda handlers from a Python file, a module, or a directory (see the module doc)."""
    handlers = dict(handlers or {})
    path = Path(spec)
    if path.is_dir():
        return _load_directory(path, handlers)
    if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
        return load_sam_template(path)
    if path.suffix == ".py":
        if not path.exists():
            raise ConfigurationError(f"--functions {spec}: no such file")
        return _functions_of(_load_file(path), spec)
    if os.sep in spec or "/" in spec:
        raise ConfigurationError(f"--functions {spec}: no such file or directory")
    try:
        module = importlib.import_module(spec)
    except ImportError as e:
        raise ConfigurationError(f"--functions {spec}: cannot import it ({e})") from None
    return _functions_of(module, spec)


def _load_directory(root: Path, handlers: dict[str, str]) -> dict[str, Handler]:
    out: dict[str, Handler] = {}
    for file in sorted(root.glob("*.py")):
        if not file.name.startswith("_"):
            out.update(_functions_of(_load_file(file), str(file), quiet=True))
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name.startswith((".", "_")) or folder.name in NOT_FUNCTIONS:
            continue
        if folder.name not in handlers and not any(folder.glob("*.py")):
            continue  # not a function's folder (data, tests, ...)
        handler_string = handlers.pop(folder.name, None)
        out[folder.name] = handler_in_folder(folder, handler_string)
    for name, handler_string in handlers.items():
        top = handler_string.split(".")[0]
        if (root / f"{top}.py").exists() or (root / top / "__init__.py").exists():
            out[name] = resolve_handler(root, handler_string)
    if not out:
        raise ConfigurationError(
            f"--functions {root}: no Lambda handlers found (expected *.py files defining "
            "handler() or lambda_handler(), or one folder per function)"
        )
    return out


def handler_in_folder(folder: Path, handler_string: str | None = None) -> Handler:
    """The handler of one function's folder: ``handler_string`` if given, else found by
    the conventional module and function names."""
    if handler_string is not None:
        return resolve_handler(folder, handler_string)
    for module_name in CONVENTIONAL_MODULES:
        if not (folder / f"{module_name}.py").exists():
            continue
        with _isolated_imports(folder):
            module = importlib.import_module(module_name)
        for attr in HANDLER_NAMES:
            fn = getattr(module, attr, None)
            if callable(fn):
                return fn
    tried = ", ".join(f"{m}.py" for m in CONVENTIONAL_MODULES)
    raise ConfigurationError(
        f"{folder}: no handler found (looked for lambda_handler() or handler() in {tried}); "
        f"name it with --handler {folder.name}=module.function"
    )


def resolve_handler(root: Path, handler_string: str) -> Handler:
    """A Lambda handler string (``app.handler``, ``pkg.mod.fn``) relative to ``root``."""
    module_name, _, attr = handler_string.rpartition(".")
    if not module_name:
        raise ConfigurationError(f"handler {handler_string!r}: expected module.function")
    try:
        with _isolated_imports(root):
            module = importlib.import_module(module_name)
    except ImportError as e:
        raise ConfigurationError(
            f"handler {handler_string!r}: cannot import module {module_name!r} from {root} ({e})"
        ) from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ConfigurationError(
            f"handler {handler_string!r}: {module_name} has no function {attr!r} (in {root})"
        )
    return fn


@contextmanager
def _isolated_imports(folder: Path) -> Iterator[None]:
    """Import from ``folder`` first; afterwards forget the modules imported from it, and
    put back any same-named modules it shadowed."""
    folder = folder.resolve()
    saved = dict(sys.modules)
    shadowing = {
        name
        for name in saved
        if (folder / name.split(".")[0]).with_suffix(".py").exists()
        or (folder / name.split(".")[0] / "__init__.py").exists()
    }
    for name in shadowing:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name, module in list(sys.modules.items()):
            if name not in saved and _inside(module, folder):
                del sys.modules[name]
        for name in shadowing:
            sys.modules[name] = saved[name]


def _inside(module: Any, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    if not file:
        return False
    try:
        return Path(file).resolve().is_relative_to(folder)
    except (OSError, ValueError):
        return False


def _functions_of(module: Any, spec: str, quiet: bool = False) -> dict[str, Handler]:
    table = getattr(module, "FUNCTIONS", None)
    if isinstance(table, dict):
        return dict(table)
    for attr in HANDLER_NAMES:
        fn = getattr(module, attr, None)
        if callable(fn):
            return {module.__name__.rsplit(".", 1)[-1]: fn}
    if quiet:
        return {}
    raise ConfigurationError(
        f"--functions {spec}: no Lambda handlers found (a FUNCTIONS dict, handler() or "
        "lambda_handler())"
    )


def _load_file(file: Path) -> Any:
    name = file.stem
    spec = importlib.util.spec_from_file_location(f"asl_functions_{name}", file)
    if spec is None or spec.loader is None:
        raise ConfigurationError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(file.parent))
    module.__name__ = name
    return module


def _cloudformation_yaml(text: str) -> Any:
    """YAML with CloudFormation's short-form tags (``!Ref``, ``!Sub``...) read as null."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load(text, Loader=Loader)  # noqa: S506 (a SafeLoader subclass)


def load_sam_template(path: Path) -> dict[str, Handler]:
    """The Python functions of a SAM template (see the module docstring)."""
    try:
        doc = _cloudformation_yaml(path.read_text(encoding="utf-8"))
    except Exception as e:  # yaml.YAMLError, with its line and column
        raise ConfigurationError(f"--functions {path}: not a readable template ({e})") from None
    resources = doc.get("Resources") if isinstance(doc, Mapping) else None
    if not isinstance(resources, Mapping):
        raise ConfigurationError(f"--functions {path}: a template needs a Resources section")
    globals_ = (doc.get("Globals") or {}).get("Function") or {}
    out: dict[str, Handler] = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = {**globals_, **(resource.get("Properties") or {})}
        runtime = props.get("Runtime")
        if isinstance(runtime, str) and not runtime.startswith("python"):
            continue  # only Python handlers run in process
        handler_string = props.get("Handler")
        code_uri = props.get("CodeUri", ".")
        if not isinstance(handler_string, str) or not isinstance(code_uri, str):
            raise ConfigurationError(
                f"--functions {path}: {logical_id} needs a Handler string and a local "
                "CodeUri folder"
            )
        handler = resolve_handler((path.parent / code_uri), handler_string)
        out[logical_id] = handler
        name = props.get("FunctionName")
        if isinstance(name, str):
            out[name] = handler
    if not out:
        raise ConfigurationError(
            f"--functions {path}: no AWS::Serverless::Function with a Python runtime"
        )
    return out
