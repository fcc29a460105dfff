"""Deployment packages bundling C extensions (numpy, pandas...): an extension module can
be initialised only once per process, so the package is imported once and shared."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from asl.lambda_runtime import LambdaRuntime

# Like numpy's _multiarray_umath: multi-phase init that refuses to run a second time.
ONCE_C = r"""
#include <Python.h>
static int loaded = 0;
static int once_exec(PyObject *module) {
    if (loaded) {
        PyErr_SetString(PyExc_ImportError, "cannot load module more than once per process");
        return -1;
    }
    loaded = 1;
    return PyModule_AddIntConstant(module, "answer", 42);
}
static PyModuleDef_Slot slots[] = {{Py_mod_exec, once_exec}, {0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_once", NULL, 0, NULL, slots};
PyMODINIT_FUNC PyInit__once(void) { return PyModuleDef_Init(&def); }
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployment package with a top-level package ``oncepkg`` holding a C extension."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    include = sysconfig.get_paths()["include"]
    if compiler is None or not Path(include, "Python.h").exists():
        pytest.skip("needs a C compiler and Python headers")
    root = tmp_path_factory.mktemp("ext")
    (root / "oncepkg").mkdir()
    (root / "oncepkg" / "__init__.py").write_text("from oncepkg._once import answer\n")
    source = root / "once.c"
    source.write_text(ONCE_C)
    target = root / "oncepkg" / f"_once{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run(
        [compiler, "-shared", "-fPIC", f"-I{include}", str(source), "-o", str(target)],
        check=True,
        capture_output=True,
    )
    (root / "helpers.py").write_text("import oncepkg\ndef answer():\n    return oncepkg.answer\n")
    (root / "lambda_function.py").write_text(
        "import oncepkg, helpers\n"
        "def lambda_handler(event, context):\n"
        "    return [oncepkg.answer, helpers.answer(), id(oncepkg)]\n"
    )
    return root


def test_two_environments_share_a_bundled_extension_package(package: Path) -> None:
    with LambdaRuntime() as first, LambdaRuntime() as second:
        first.register("a", code=package)
        second.register("b", code=package)
        a = first.invoke("a")
        b = second.invoke("b")
        assert a.function_error is None, a.payload
        assert b.function_error is None, b.payload
        assert a.json()[:2] == b.json()[:2] == [42, 42]
        assert a.json()[2] == b.json()[2] == id(sys.modules["oncepkg"])  # one shared module


def test_pure_python_modules_of_that_package_stay_private(package: Path) -> None:
    with LambdaRuntime() as runtime:
        runtime.register("a", code=package)
        runtime.invoke("a")
    assert "helpers" not in sys.modules and "lambda_function" not in sys.modules
