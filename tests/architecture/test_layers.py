"""The package's import structure: no circles, and no import up the layers.

Every import between asl's own modules counts, at module level or inside a function
(and under ``TYPE_CHECKING``): a function-level import still ties two modules together.
The layers, lowest first, are the architecture the README describes; a module a layer
may import from lies in that layer or below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "asl"

# (layer name, module name prefixes), lowest first
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "asl.errors",
            "asl.diagnostics",
            "asl.ast",
            "asl.clock",
            "asl.java",
            "asl.timestamps",
            "asl.settings",
            "asl.version",
        ),
    ),
    ("documents", ("asl.loading",)),
    ("expressions", ("asl.expressions",)),
    ("definition", ("asl.parser", "asl.validation")),
    ("lambda runtime", ("asl.lambda_runtime",)),
    ("task backends", ("asl.backends",)),
    ("executor", ("asl.execution",)),
    (
        "public API",
        (
            "asl.wiring",
            "asl.api",
            "asl.handle",
            "asl.graph",
            "asl.project",
            "asl.service",
            "asl.testing",
        ),
    ),
    (
        "entry points",
        (
            "asl.cli",
            "asl.commands",
            "asl.__main__",
            "asl.pytest_plugin",
            "asl.function_code",
            "asl",
        ),
    ),
]

# inside the executor, lowest first: modules of one rank may not import each other
EXECUTOR: list[tuple[str, ...]] = [
    ("asl.execution.limits",),
    ("asl.execution.history", "asl.execution.explain"),
    ("asl.execution.result",),
    ("asl.execution.runner",),
    ("asl.execution.step",),
    ("asl.execution.pipeline", "asl.execution.numbers"),
    ("asl.execution.retry",),
    ("asl.execution.children", "asl.execution.item_reader", "asl.execution.item_batcher"),
    ("asl.execution.result_writer",),
    (
        "asl.execution.states.pass_",
        "asl.execution.states.succeed",
        "asl.execution.states.fail",
        "asl.execution.states.choice",
        "asl.execution.states.wait",
        "asl.execution.states.task",
        "asl.execution.states.parallel",
        "asl.execution.states.map",
    ),
    ("asl.execution.states",),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The asl modules ``path`` imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from asl.x import y": y is a module of its own, or a name of asl.x's
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("asl"):
                found.add(target)
    # the packages on the way to a module are loaded too, but what the code uses is the
    # module: a package counts only when a name is taken from it ("import asl" included)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(path, name, known) for name, path in found.items()}


def layer_of(name: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # "asl" is the package itself, not a prefix for every module
            if name == prefix or (prefix != "asl" and name.startswith(prefix + ".")):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    if best is None:
        raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")
    return best[0]


def executor_rank(name: str) -> int | None:
    for index, group in enumerate(EXECUTOR):
        if name in group:
            return index
    return None


def test_every_module_has_a_layer() -> None:
    for name in modules():
        layer_of(name)
        if name.startswith("asl.execution.") and name != "asl.execution":
            assert executor_rank(name) is not None, f"{name}: add it to EXECUTOR"


def test_no_import_runs_up_the_layers() -> None:
    upward = []
    for name, targets in graph().items():
        for target in targets:
            if layer_of(target) > layer_of(name):
                upward.append(
                    f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]})"
                )
    assert upward == []


def test_executor_modules_import_only_lower_ones() -> None:
    wrong = []
    for name, targets in graph().items():
        rank = executor_rank(name)
        if rank is None:
            continue
        for target in targets:
            other = executor_rank(target)
            if other is not None and other >= rank:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_no_import_circles() -> None:
    edges = graph()
    circles = [c for c in strongly_connected(edges) if len(c) > 1]
    assert circles == []


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components of the import graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            out.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return out


@pytest.mark.parametrize(
    ("edges", "circle"),
    [
        ({"a": {"b"}, "b": {"a"}}, ["a", "b"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, ["a", "b", "c"]),
    ],
)
def test_the_circle_finder_finds_circles(edges: dict[str, set[str]], circle: list[str]) -> None:
    assert [c for c in strongly_connected(edges) if len(c) > 1] == [circle]


def test_the_import_reader_sees_function_level_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from asl.execution.runner import Runner\n")
    assert imports(source, "asl.x", {"asl.execution.runner", "asl.x"}) == {"asl.execution.runner"}


def test_each_folder_lies_in_one_layer() -> None:
    by_folder: dict[str, set[str]] = {}
    for name in modules():
        parts = name.split(".")
        if len(parts) > 2 or (PACKAGE / parts[-1]).is_dir():
            folder = ".".join(parts[:2])
            by_folder.setdefault(folder, set()).add(LAYERS[layer_of(name)][0])
    mixed = {folder: layers for folder, layers in by_folder.items() if len(layers) > 1}
    assert mixed == {}


def test_importing_the_package_itself_counts(tmp_path: Path) -> None:
    known = {"asl", "asl.ast", "asl.api", "asl.project", "asl.project.model"}
    source = tmp_path / "model.py"
    source.write_text(
        "from asl import ast\n"
        "def f():\n"
        "    import asl\n"
        "    from asl.api import parse\n"
        "    from asl.project import load_template\n"
    )
    found = imports(source, "asl.project.model", known)
    # "from asl import ast" is the module asl.ast; "import asl" is the package's __init__;
    # a name taken from asl.project is asl.project's own __init__
    assert found == {"asl.ast", "asl", "asl.api", "asl.project"}
