"""progress=True: tqdm bars, headless (written to a captured stream), on minimize,
minimize_batch, the landscape grids and gdfast bench; a clear error without tqdm."""
import io
import sys

import numpy as np
import pytest

import gdfast
from gdfast import landscape
from gdfast.objectives import Himmelblau, Quadratic

pytest.importorskip("tqdm")        # the test extra installs it; this is its own test file


def last_line(text):
    return text.replace("\r", "\n").strip().splitlines()[-1]


def test_minimize_bar_counts_iterations_and_shows_f_and_g():
    out = io.StringIO()
    res = gdfast.minimize(Quadratic([6.0, 2.0]), [1.0, 1.0], lr=1e-9, gtol=0,
                          max_iter=3 * 10 ** 7, progress={"file": out, "mininterval": 0})
    text = out.getvalue()
    line = last_line(text)
    assert line.startswith("minimize: 100%") and f"{res.nit}/{res.nit}" in line
    assert f"f={res.fun:.6g}" in line and "|g|=" in line and "it/s" in line
    assert text.count("\r") >= 3          # updated during the run, not only at the end


def test_minimize_bar_stops_where_the_run_stops_and_changes_nothing():
    out = io.StringIO()
    kw = dict(lr=0.1, gtol=1e-8)
    res = gdfast.minimize(lambda v: 3 * v[0] ** 2 + v[1] ** 2, [1.0, 1.0], progress={"file": out},
                          **kw)
    ref = gdfast.minimize(lambda v: 3 * v[0] ** 2 + v[1] ** 2, [1.0, 1.0], **kw)
    np.testing.assert_array_equal(res.x, ref.x)
    assert res.nit == ref.nit and f"{res.nit}/10000" in last_line(out.getvalue())


@pytest.mark.parametrize("threads", [1, 2])
def test_batch_bar_counts_starts(threads):
    out = io.StringIO()
    X = np.random.default_rng(0).uniform(-5, 5, size=(3000, 2))
    res = gdfast.minimize_batch(Himmelblau(), X, lr=1e-4, gtol=1e-6, max_iter=20000,
                                threads=threads, progress={"file": out, "mininterval": 0})
    ref = gdfast.minimize_batch(Himmelblau(), X, lr=1e-4, gtol=1e-6, max_iter=20000,
                                threads=threads)
    np.testing.assert_array_equal(res.x, ref.x)
    line = last_line(out.getvalue())
    assert line.startswith("minimize_batch: 100%") and "3000/3000" in line and "start" in line


def test_plane_bar_counts_points():
    out = io.StringIO()
    p = landscape.plane(Himmelblau(), [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], span=3,
                        resolution=(51, 41), progress={"file": out})
    ref = landscape.plane(Himmelblau(), [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], span=3,
                          resolution=(51, 41))
    np.testing.assert_array_equal(p.values, ref.values)
    assert "2091/2091" in last_line(out.getvalue()) and "point" in out.getvalue()
    out = io.StringIO()
    line = landscape.line(lambda v: float(v @ v), [0.0, 0.0], [1.0, 1.0], resolution=11,
                          progress={"file": out})
    assert line.values.shape == (11,) and "11/11" in last_line(out.getvalue())


def test_bad_progress_and_missing_tqdm(monkeypatch):
    with pytest.raises(TypeError, match="progress"):
        gdfast.minimize(Quadratic([1.0]), [1.0], progress="yes")
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    for call in (lambda: gdfast.minimize(Quadratic([1.0]), [1.0], progress=True),
                 lambda: gdfast.minimize_batch(Quadratic([1.0]), np.ones((2, 1)),
                                               progress=True),
                 lambda: landscape.line(Quadratic([1.0]), [0.0], [1.0], progress=True)):
        with pytest.raises(ImportError, match=r"gdfast\[progress\]"):
            call()
    gdfast.minimize(Quadratic([1.0]), [1.0])          # off by default: no tqdm needed


def test_an_exception_in_the_objective_closes_the_bar_and_propagates():
    out = io.StringIO()

    def f(v):
        if v[0] < 0.5:
            raise ZeroDivisionError("mine")
        return float(v[0] ** 2)

    with pytest.raises(ZeroDivisionError, match="mine"):
        gdfast.minimize(f, [1.0], lr=0.1, gtol=0, progress={"file": out})
