"""An unbuilt source tree fails clearly: ``import gdfast`` says to build in place or to run
from elsewhere, and ``python -m pytest`` from the repository root says why it cannot run."""
import shutil
import site
import subprocess
import sys
from pathlib import Path

import gdfast

HERE = Path(__file__).resolve().parent


def _unbuilt_tree(tmp_path):
    """The pure-Python files of the package (no compiled modules), as in a fresh checkout."""
    pkg = tmp_path / "gdfast"
    pkg.mkdir()
    for source in Path(gdfast.__file__).parent.glob("*.py"):
        shutil.copy(source, pkg)
    return tmp_path


def _run(code, cwd):
    # -S: no .pth files, so no editable-install finder can supply the compiled modules;
    # site-packages (numpy, pytest) is appended by hand, after the unbuilt tree.
    paths = [*site.getsitepackages(), site.getusersitepackages()]
    prelude = f"import sys; sys.path[:0] = [{str(cwd)!r}]; sys.path += {paths!r}; "
    return subprocess.run([sys.executable, "-S", "-c", prelude + code], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_import_without_extensions_says_what_to_do(tmp_path):
    tree = _unbuilt_tree(tmp_path)
    proc = _run("import gdfast", tree)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: gdfast's compiled extensions are missing"), proc.stderr
    assert str(tree / "gdfast") in last
    assert "pip install -e ." in last and "build_ext --inplace" in last
    assert "outside the source tree" in last


def test_python_m_pytest_in_unbuilt_tree_says_why(tmp_path):
    tree = _unbuilt_tree(tmp_path)
    (tree / "tests").mkdir()
    shutil.copy(HERE / "conftest.py", tree / "tests")
    (tree / "tests" / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    proc = _run("import pytest; sys.exit(pytest.main(['-p', 'no:cacheprovider', 'tests']))",
                tree)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 4, out                     # pytest's usage error, not a pass
    assert "compiled extensions are missing" in out
    assert "not `python -m pytest`" in out
    assert "1 passed" not in out
