"""gdfast.minimize_batch: per-start results equal minimize's, whatever the path and threads."""
import ctypes

import numpy as np
import pytest

import gdfast
from gdfast import Status
from gdfast.objectives import Himmelblau, Quadratic, Rastrigin, Rosenbrock

DP = ctypes.POINTER(ctypes.c_double)
VALUE = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, DP)


@pytest.fixture
def X0(rng):
    return rng.uniform(-5, 5, (203, 2))        # not a multiple of the block size


def _check_against_minimize(res, fun, X0, rows, exact=True, **kw):
    for i in rows:
        r = gdfast.minimize(fun, X0[i], **kw)
        if exact:
            np.testing.assert_array_equal(res.x[i], r.x)
            assert res.fun[i] == r.fun
        else:
            np.testing.assert_allclose(res.x[i], r.x, rtol=1e-12, atol=1e-12)
        assert res.nit[i] == r.nit and res.status[i] == r.status


OPTIONS = [dict(lr=0.01, max_iter=300, gtol=0), dict(lr=0.01, gtol=1e-6),
           dict(lr=0.01, gtol=0, ftol=1e-10), dict(lr=0.01, gtol=0, xtol=1e-8),
           dict(lr=0.3, max_iter=50)]          # the last one diverges from most starts


@pytest.mark.parametrize("kw", OPTIONS)
@pytest.mark.parametrize("fun", [Himmelblau(), Quadratic([6.0, 2.0]), Rastrigin(2),
                                 Quadratic([[4.0, 1.0], [1.0, 3.0]], center=[1.0, -1.0]),
                                 Rosenbrock(2)],
                         ids=["himmelblau", "quad-diag", "rastrigin", "quad-dense", "rosen"])
def test_builtin_paths_match_minimize_bit_for_bit(fun, kw, X0):
    res = gdfast.minimize_batch(fun, X0, threads=2, **kw)
    _check_against_minimize(res, fun, X0, range(0, 203, 7), **kw)


def test_results_do_not_depend_on_threads(X0):
    fp = VALUE(lambda n, x: (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2)
    for fun in (Himmelblau(), Rosenbrock(2), fp):
        X = X0[:40] if fun is fp else X0
        rs = [gdfast.minimize_batch(fun, X, lr=0.01, max_iter=200, threads=t)
              for t in (1, 2, 3)]
        for r in rs[1:]:
            for key in ("x", "fun", "nit", "status"):
                np.testing.assert_array_equal(r[key], rs[0][key])


def test_low_level_and_fd_path(X0):
    fp = VALUE(lambda n, x: 3.0 * x[0] ** 2 + x[1] ** 2)
    res = gdfast.minimize_batch(fp, X0[:30], lr=0.1, gtol=1e-8, threads=2)
    assert np.all(res.status == 0)
    _check_against_minimize(res, fp, X0, range(0, 30, 5), lr=0.1, gtol=1e-8)


def test_python_and_vectorized_paths(X0):
    f = lambda v: (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2
    kw = dict(lr=0.01, max_iter=100, gtol=1e-6)
    res = gdfast.minimize_batch(f, X0[:10], **kw)
    _check_against_minimize(res, f, X0, range(10), **kw)

    calls = []

    def fv(X):
        calls.append(X.shape[0])
        return (X[:, 0] ** 2 + X[:, 1] - 11) ** 2 + (X[:, 0] + X[:, 1] ** 2 - 7) ** 2

    res = gdfast.minimize_batch(fv, X0[:10], vectorized=True, **kw)
    # one call per iteration for all starts, after one for the values at x0 alone (a start
    # whose f is not finite there stops before its stencil)
    assert len(calls) == 2 + res.nit.max()
    assert calls[0] == 10
    assert calls[1] == 10 * 5                       # f and 4 stencil points per start
    _check_against_minimize(res, fv, X0, range(10), exact=False, vectorized=True, **kw)

    def fg(X):
        h = Himmelblau()
        return (np.array([h(x) for x in X]), np.array([h.gradient(x) for x in X]))
    res = gdfast.minimize_batch(fg, X0[:10], vectorized=True, jac=True, **kw)
    _check_against_minimize(res, Himmelblau(), X0, range(10), **kw)


def test_best_and_nonfinite_starts():
    X0 = np.array([[1.0, 1.0], [3.0, 2.0], [1e200, 1e200]])
    res = gdfast.minimize_batch(Himmelblau(), X0, lr=0.01, gtol=1e-8)
    assert res.best == 1 and res.fun_best == 0.0
    np.testing.assert_array_equal(res.x_best, [3.0, 2.0])
    assert res.status[2] == Status.DIVERGED and res.nit[2] == 0
    assert list(res.success) == [True, True, False]


@pytest.mark.parametrize("how", ["maximize", "rule"])
def test_best_when_maximizing_is_the_greatest_f(how):
    f = lambda x: -((x[0] - 1.0) ** 2) - x[1] ** 2           # noqa: E731  (max 0 at (1, 0))
    X0 = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0], [1.0, 0.1]])
    kw = dict(maximize=True) if how == "maximize" else dict(method=gdfast.SGD(maximize=True))
    res = gdfast.minimize_batch(f, X0, lr=0.1, max_iter=3, **kw)
    assert res.best == int(np.argmax(res.fun)) == 1 and res.fun_best == res.fun.max()


def test_exceptions_propagate():
    def f(X):
        raise KeyError("boom")
    with pytest.raises(KeyError, match="boom"):
        gdfast.minimize_batch(f, np.zeros((3, 2)), vectorized=True)
    with pytest.raises(KeyError, match="boom"):
        gdfast.minimize_batch(lambda x: f(None), np.zeros((3, 2)))


@pytest.mark.parametrize("X0,kw,exc,match", [
    (np.zeros(2), {}, ValueError, "X0 must be 2-D"),
    (np.zeros((2, 2, 2)), {}, ValueError, "X0 must be 2-D"),
    (np.zeros((0, 2)), {}, ValueError, "X0"),
    (np.zeros((4, 3)), {}, ValueError, "length 2"),            # Himmelblau is 2-D
    ([[1.0, np.nan]], {}, ValueError, "finite"),
    (np.zeros((4, 2)), {"threads": 0}, ValueError, "threads"),
    (np.zeros((4, 2)), {"threads": -3}, ValueError, "threads"),
    (np.zeros((4, 2)), {"threads": 1.5}, TypeError, "threads"),
    (np.zeros((4, 2)), {"lr": -1}, ValueError, "lr"),
])
def test_bad_input(X0, kw, exc, match):
    with pytest.raises(exc, match=match):
        gdfast.minimize_batch(Himmelblau(), X0, **kw)


def test_x0_not_modified(X0):
    X = X0.copy()
    gdfast.minimize_batch(Himmelblau(), X, max_iter=10)
    np.testing.assert_array_equal(X, X0)


def test_openmp_reported():
    assert isinstance(gdfast._batch.openmp_available(), bool)
