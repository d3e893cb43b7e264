"""The public C API: compile the example of ``gdfast.capi``'s docstring (extracted from the
docstring itself, so that they cannot drift) as a separate extension against a real
(non-editable) install of gdfast in a temporary venv, and run it in a subprocess."""
import os
import re
import subprocess
import sys
import textwrap
import site
import venv
from pathlib import Path

import pytest

import gdfast.capi

REPO = Path(__file__).resolve().parents[1]

CONSUMER_SETUP = """\
from Cython.Build import cythonize
from setuptools import setup
setup(ext_modules=cythonize("consumer.pyx"))
"""

CHECKS = """\
import math
import consumer
(x, y), fun, nit, status = consumer.solve(3.0, 1.0, 1.0, 1.0)
assert status == 0 and abs(x) < 1e-9 and abs(y) < 1e-9 and fun < 1e-18 and nit > 2, (x, y, nit)
(x2, y2), _, nit2, status2 = consumer.solve(3.0, 1.0, 1.0, 1.0, True)
assert status2 == 0 and abs(x2) < 1e-8 and abs(y2) < 1e-8, (x2, y2)
(xs, ys), fs, status_s = consumer.simulate(3.0, 1.0, 100, 10)
assert status_s == -1 and abs(xs) < 1e-2 and abs(ys) < 1e-2, (xs, ys, status_s)
rows = consumer.batch(8, 2)
assert rows == consumer.batch(8, 1) and len(rows) == 8
for (xb, yb), nit_b, status_b in rows:
    assert status_b == 0 and abs(xb) < 1e-8 and abs(yb) < 1e-8 and nit_b > 0, rows
assert len({nit_b for _, nit_b, _ in rows}) > 1      # each start its own data
g = consumer.gradient(3.0, 1.0, 1.0, 1.0)
assert math.isclose(g[0], 6.0, rel_tol=1e-8) and math.isclose(g[1], 2.0, rel_tol=1e-8), g
assert consumer.error_code() == (True, 7)
try:
    consumer.fail()
except ValueError as e:
    assert str(e) == "raised in the consumer's callback", e
else:
    raise AssertionError("no exception")
status, nit, fun, calls, best, fun_best, nit_best = consumer.controls(1e-3, False)
assert status == 7 and fun <= 1e-3 and calls == nit and nit_best == nit, (status, nit, calls)
assert fun_best == fun and best == consumer.controls(1e-3, False)[4]
status, nit, fun, calls, best, fun_best, nit_best = consumer.controls(0.0, True)
assert status == 1 and nit == 10000 and fun < 1e-20 and fun_best <= fun, (status, fun)
assert 0 < nit_best <= nit and max(abs(best[0]), abs(best[1])) < 1e-10
(status, test, nit, (xn, yn)), noise_rows = consumer.noise_floor(4, 2)
assert status == 0 and test == 4 and 0 < nit < 10000 and abs(xn) < 1e-6 and abs(yn) < 1e-6, nit
assert noise_rows == consumer.noise_floor(4, 1)[1] and len(noise_rows) == 4
assert all(s == 0 and t == 4 and 0 < k < 10000 for s, t, k in noise_rows), noise_rows
(ge0, ge1), (e0, e1) = consumer.gradient_error(3.0, 1.0, 1.0, 1.0)
assert math.isclose(ge0, 6.0, rel_tol=1e-8) and math.isclose(ge1, 2.0, rel_tol=1e-8)
assert abs(ge0 - 6.0) <= e0 < 1e-6 and abs(ge1 - 2.0) <= e1 < 1e-6, (e0, e1)
rows = consumer.batch_best(4, 2)
assert rows == consumer.batch_best(4, 1)
for status_b, test_b, nit_best_b, (xb, yb) in rows:
    assert status_b == 0 and test_b == 1 and nit_best_b > 0 and abs(xb) < 1e-8, rows
for fire2 in (False, True):
    first, rows = consumer.relax(1.5, fire2, 0.05, 4)
    assert abs(first[0] - 2 ** (1 / 6)) < 1e-8 and first[1] == 0 and first[2] > 0, first
    assert rows[0] == first and len({nit for _, _, nit in rows}) > 1, rows
    assert all(abs(r - 2 ** (1 / 6)) < 1e-8 and st == 0 for r, st, _ in rows), rows
print("CONSUMER OK")
"""


def example_source():
    doc = gdfast.capi.__doc__
    m = re.search(r"^Example \(``consumer\.pyx``[^\n]*::\n\n((?:    .*\n|\n)+)", doc, re.M)
    assert m, "the example block is missing from gdfast.capi's docstring"
    return textwrap.dedent(m.group(1))


def test_example_is_in_docstring_and_uses_versioned_names():
    src = example_source()
    assert "from gdfast.capi cimport" in src
    assert "gdfast_minimize_v1" in src and "gdfast_fd_gradient_v1" in src


def test_capi_pxd_is_self_contained():
    pxd = (REPO / "gdfast" / "capi.pxd").read_text()
    code = "\n".join(line.split("#")[0] for line in pxd.splitlines())
    assert "cimport" not in code and "import" not in code
    assert "[::" not in code              # no memoryviews in the public signatures


@pytest.mark.slow
def test_consumer_extension_builds_against_install_and_runs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = str(env_dir / "bin" / "python")
    # the venv sees this environment's packages (pip, setuptools >= 77, Cython, NumPy: the test
    # extra) after its own, so that its own install of gdfast is the one it imports
    site_dir = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site_dir, "_parent_env.pth"), "w") as fh:
        fh.write("\n".join(site.getsitepackages()) + "\n")
    run = lambda args, cwd, timeout: subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    # a real install (not editable) of this repository, into the venv only
    r = run([py, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
             "--no-cache-dir", str(REPO)], tmp_path, 600)
    assert r.returncode == 0, r.stdout + r.stderr
    work = tmp_path / "consumer"
    work.mkdir()
    (work / "consumer.pyx").write_text(example_source())
    (work / "setup.py").write_text(CONSUMER_SETUP)
    r = run([py, "setup.py", "build_ext", "--inplace"], work, 300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = run([py, "-c", "import gdfast; print(gdfast.__file__)"], work, 60)
    assert str(env_dir) in r.stdout, "the consumer must see the installed gdfast"
    r = run([py, "-c", CHECKS], work, 120)
    assert r.returncode == 0 and "CONSUMER OK" in r.stdout, r.stdout + r.stderr
