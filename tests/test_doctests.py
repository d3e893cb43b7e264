"""The documentation's examples run: the README's ```python blocks, the ``>>>`` examples of the
docs/ pages, and those in the docstrings of every gdfast module, compiled ones included.

README conventions: the blocks run in order in one namespace (as a reader would type them),
in a temporary directory (pictures they save land there).  An HTML comment on the line just
before a block changes that: ``<!-- no-test -->`` (not run; use sparingly) or
``<!-- requires: numba -->`` (run only when those modules import)."""
import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import gdfast

README = Path(__file__).resolve().parent.parent / "README.md"
CI_RUN = README.parent / ".ci" / "run"

# Docstring examples that cannot run here, and where they are tested instead.
NOT_RUN = {
    "gdfast.capi": "its example is a Cython extension; tests/test_capi.py compiles and runs it",
}


def readme_blocks():
    """(line number, marker or None, code) of each ```python block of the README."""
    lines = README.read_text().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            end = lines.index("```", start)
            m = re.fullmatch(r"<!--\s*(.*?)\s*-->", lines[i - 1].strip()) if i else None
            blocks.append((start + 1, m.group(1) if m else None, "\n".join(lines[start:end])))
            i = end
        i += 1
    return blocks


needs_readme = pytest.mark.skipif(not README.is_file(),
                                  reason="no source tree (tests run from an installed wheel)")


@needs_readme
def test_readme_python_blocks_run(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "readme"}
    ran = 0
    for line, marker, code in readme_blocks():
        if marker == "no-test":
            continue
        if marker is not None and marker.startswith("requires:"):
            modules = marker.split(":", 1)[1].replace(",", " ").split()
            try:
                for name in modules:
                    importlib.import_module(name)
            except ImportError:
                continue
        elif marker is not None:
            pytest.fail(f"README.md:{line - 1}: unknown marker <!-- {marker} -->")
        try:
            exec(compile(code, f"README.md:{line}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"the README's python block at line {line} fails: "
                                 f"{exc!r}") from exc
        ran += 1
    assert ran >= 3
    assert (tmp_path / "descent.png").is_file() and (tmp_path / "surface.png").is_file()


@pytest.mark.skipif(not CI_RUN.is_file(), reason="no .ci/run (not a git checkout)")
def test_readme_test_command_is_what_ci_runs():
    ci = CI_RUN.read_text().splitlines()
    command = ci[ci.index("# --- the README's test command (keep the two in step) ---") + 1]
    assert f"```bash\n{command}\n```" in README.read_text(), command


DOCS = README.parent / "docs"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _doc_pages():
    generated = [DOCS / "_build", DOCS / "generated", DOCS / "auto_examples"]
    return sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.rst")
                  if not any(p.is_relative_to(g) for g in generated))


@pytest.mark.parametrize("page", _doc_pages() if DOCS.is_dir() else [])
def test_docs_page_examples(page):
    """The ``>>>`` examples of the documentation's own pages (the gallery runs at build time)."""
    failed, attempted = doctest.testfile(str(DOCS / page), module_relative=False,
                                         globs={"np": np}, optionflags=FLAGS)
    assert failed == 0, f"docs/{page}: {failed} of {attempted} examples failed (output above)"


def _modules():
    return ["gdfast"] + sorted(m.name for m in pkgutil.iter_modules(gdfast.__path__, "gdfast."))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    if name in NOT_RUN:
        pytest.skip(NOT_RUN[name])
    if name == "gdfast.plot":
        pytest.importorskip("matplotlib")
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(
        module, name, extraglobs={"gdfast": gdfast, "np": np})
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    failures = []
    for test in tests:
        runner.run(test, out=failures.append)
    assert not failures, "".join(failures)
