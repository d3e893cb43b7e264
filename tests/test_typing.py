"""Type information: ``py.typed``, a ``.pyi`` stub for every compiled module, stubs that match
the runtime (``mypy.stubtest``), and typed use that ``mypy --strict`` accepts
(``tests/typing_examples.py``).  When a compiled signature changes, update its stub."""
import ast
import importlib
import importlib.machinery
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

import gdfast
import mypy  # noqa: F401  (in the test extra: these tests must run, never be skipped)

HERE = Path(__file__).resolve().parent
PACKAGE = Path(gdfast.__file__).resolve().parent


def _compiled_modules():
    return sorted(p.name.split(".")[0] for p in PACKAGE.iterdir()
                  if any(p.name.endswith(s) for s in importlib.machinery.EXTENSION_SUFFIXES))


def _mypy(args, tmp_path):
    """Run ``python -m mypy...`` in a subprocess from an empty directory.  An installed gdfast
    is found in site-packages (PEP 561: py.typed); an editable one through MYPYPATH."""
    env = dict(os.environ)
    if not any(PACKAGE.is_relative_to(p) for p in site.getsitepackages()):
        env["MYPYPATH"] = str(PACKAGE.parent)
    return subprocess.run([sys.executable, "-m", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)


def test_package_is_typed_and_every_compiled_module_has_a_stub():
    assert (PACKAGE / "py.typed").is_file()
    compiled = _compiled_modules()
    assert "_descent" in compiled, compiled
    missing = [m for m in compiled if not (PACKAGE / f"{m}.pyi").is_file()]
    assert not missing, f"compiled modules without a stub gdfast/<name>.pyi: {missing}"


def test_stubs_match_runtime(tmp_path):
    proc = _mypy(["mypy.stubtest", "gdfast", "--mypy-config-file", str(HERE / "mypy.ini"),
                  "--allowlist", str(HERE / "stubtest_allowlist.txt")], tmp_path)
    assert proc.returncode == 0, (
        "python -m mypy.stubtest gdfast found stubs (gdfast/*.pyi) or annotations that do not "
        "match the runtime; update them (or, for Cython internals only, "
        f"tests/stubtest_allowlist.txt):\n{proc.stdout}\n{proc.stderr}")


def _params_of_embedded_signature(cls):
    """(name, default) of the parameters in the signature Cython embeds as the first line of a
    cdef class's docstring ("Name(Objective inner, str method='central', *, ...)"), C types
    dropped.  The position of ``*`` is not compared: Cython 3 misplaces it there."""
    first = (cls.__doc__ or "").split("\n", 1)[0]
    if not first.startswith(cls.__name__ + "("):
        return None
    params = []
    text = first[len(cls.__name__) + 1:-1]
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(text + ","):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    for part in parts:
        if part in ("", "*"):
            continue
        name, _, default = part.partition("=")
        params.append((name.split()[-1], ast.literal_eval(default) if default else None))
    return params


def _stub_init_params(stub_class):
    for node in stub_class.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            a = node.args
            positional = a.posonlyargs + a.args
            defaults = [None] * (len(positional) - len(a.defaults)) + a.defaults
            pairs = list(zip(positional, defaults))[1:]                  # without self
            pairs += list(zip(a.kwonlyargs, a.kw_defaults))
            return [(arg.arg, None if d is None else ast.literal_eval(d)) for arg, d in pairs]
    return None


def test_cdef_class_stubs_match_embedded_signatures():
    """stubtest cannot see a cdef class's __init__ (it shows (*args, **kwargs)): compare the
    stubs' parameter names, order and defaults with the signatures in the docstrings."""
    checked = []
    for module in _compiled_modules():
        runtime = importlib.import_module(f"gdfast.{module}")
        tree = ast.parse((PACKAGE / f"{module}.pyi").read_text())
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or not hasattr(runtime, node.name):
                continue
            cls = getattr(runtime, node.name)
            embedded = _params_of_embedded_signature(cls)
            if embedded is None:
                continue
            stub = _stub_init_params(node)
            assert stub == embedded, (f"gdfast/{module}.pyi: {node.name}.__init__ has "
                                      f"{stub}, the compiled class {embedded}")
            checked.append(node.name)
    assert {"Descent", "Quadratic", "FiniteDifference", "PythonObjective"} <= set(checked)


def test_typed_examples_pass_mypy_strict_and_run(tmp_path):
    examples = HERE / "typing_examples.py"
    proc = _mypy(["mypy", "--strict", "--follow-imports=silent", "--config-file",
                  str(HERE / "mypy.ini"), str(examples)], tmp_path)
    assert proc.returncode == 0, f"mypy --strict {examples}:\n{proc.stdout}\n{proc.stderr}"
    run = subprocess.run([sys.executable, str(examples)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr


def test_mypy_sees_gdfast_types(tmp_path):
    """The check above is not vacuous: a wrong use of gdfast is a type error."""
    bad = tmp_path / "bad.py"
    bad.write_text("import gdfast\n"
                   "s: str = gdfast.gradient(lambda v: 0.0, [1.0])\n"
                   "gdfast.minimize(lambda v: 0.0, [1.0], lr='fast')\n"
                   "gdfast.Descent(lambda v: 0.0, [1.0]).step(n=None)\n")
    proc = _mypy(["mypy", "--strict", "--follow-imports=silent", "--config-file",
                  str(HERE / "mypy.ini"), str(bad)], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.count("error:") == 3, proc.stdout
