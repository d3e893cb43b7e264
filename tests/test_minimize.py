"""minimize: stopping tests, statuses, objective kinds, counts, against NumPy transcriptions."""
import numpy as np
import pytest

import gdfast
from gdfast import Status
from gdfast.objectives import Quadratic, Rosenbrock, LeastSquares


def numpy_gd(grad, x0, lr, iters):
    """The lecture's rule, transcribed."""
    x = np.array(x0, dtype=float)
    xs = [x.copy()]
    for _ in range(iters):
        x = x - lr * grad(x)
        xs.append(x.copy())
    return np.array(xs)


A = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
C = np.array([1.0, -2.0, 0.5])
f_quad = lambda x: 0.5 * (x - C) @ A @ (x - C)
g_quad = lambda x: A @ (x - C)


def kinds():
    """The same objective as every kind of source."""
    yield "builtin", dict(fun=Quadratic(A, C))
    yield "jac-callable", dict(fun=f_quad, jac=g_quad)
    yield "jac-true", dict(fun=lambda x: (f_quad(x), g_quad(x)), jac=True)
    yield "fd", dict(fun=f_quad)
    yield "fd-vectorized", dict(fun=lambda X: 0.5 * np.einsum("ij,jk,ik->i", X - C, A, X - C),
                                vectorized=True)


@pytest.mark.parametrize("name,kw", list(kinds()))
def test_trajectory_matches_numpy_transcription(name, kw):
    ref = numpy_gd(g_quad, [0.0, 0.0, 0.0], 0.2, 50)
    res = gdfast.minimize(x0=[0.0, 0.0, 0.0], lr=0.2, max_iter=50, gtol=0, history=True, **kw)
    tol = 1e-13 if "fd" not in name else 1e-8
    np.testing.assert_allclose(res.history.x, ref, rtol=tol, atol=tol)
    assert res.nit == 50 and res.status == Status.MAX_ITER and not res.success
    np.testing.assert_allclose(res.fun, f_quad(ref[-1]), rtol=1e-10)
    np.testing.assert_allclose(res.jac, g_quad(ref[-1]), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(res.history.fun, [f_quad(x) for x in ref], rtol=1e-9)
    np.testing.assert_allclose(res.history.gnorm, [np.max(np.abs(g_quad(x))) for x in ref],
                               rtol=1e-6)


@pytest.mark.parametrize("name,kw", list(kinds()))
def test_converges_with_gtol(name, kw):
    res = gdfast.minimize(x0=np.zeros(3), lr=0.3, gtol=1e-7, **kw)
    assert res.success and res.status == Status.CONVERGED, res.message
    assert "gtol" in res.message
    assert np.max(np.abs(g_quad(res.x))) <= 1.1e-7
    np.testing.assert_allclose(res.x, C, atol=1e-6)


def test_all_tolerances_zero_takes_exactly_max_iter():
    res = gdfast.minimize(Quadratic([6.0, 2.0]), [1.0, 1.0], lr=0.1, max_iter=1000, gtol=0,
                          ftol=0, xtol=0)
    assert res.nit == 1000 and res.status == Status.MAX_ITER
    # at the minimum the iterates stay put but the loop goes on
    res = gdfast.minimize(Quadratic([6.0, 2.0]), [0.0, 0.0], lr=0.1, max_iter=17, gtol=0)
    assert res.nit == 17


def test_max_iter_zero_evaluates_x0_only():
    res = gdfast.minimize(Quadratic([6.0, 2.0]), [1.0, 1.0], max_iter=0)
    assert res.nit == 0 and res.status == Status.MAX_ITER
    assert res.fun == 4.0
    np.testing.assert_array_equal(res.jac, [6.0, 2.0])


def test_ftol_stops_on_small_relative_decrease():
    res = gdfast.minimize(Quadratic([1.0]), [1.0], lr=0.01, ftol=1e-3, gtol=0)
    assert res.success and "ftol" in res.message
    # the test fired at the first step whose relative decrease was <= ftol
    xs = numpy_gd(lambda x: x, [1.0], 0.01, res.nit)
    fs = 0.5 * xs[:, 0] ** 2
    dec = (fs[:-1] - fs[1:]) / np.maximum(np.maximum(np.abs(fs[:-1]), np.abs(fs[1:])), 1)
    assert dec[-1] <= 1e-3 and np.all(dec[:-1] > 1e-3)


def test_xtol_stops_on_small_steps():
    res = gdfast.minimize(Quadratic([1.0, 1.0]), [1.0, 1.0], lr=0.1, xtol=1e-4, gtol=0)
    assert res.success and "xtol" in res.message
    xs = numpy_gd(lambda x: x, [1.0, 1.0], 0.1, res.nit)
    steps = np.max(np.abs(np.diff(xs, axis=0)), axis=1)
    assert steps[-1] <= 1e-4 and np.all(steps[:-1] > 1e-4)


def test_max_fev():
    calls = []
    res = gdfast.minimize(lambda x: calls.append(1) or float(x @ x), [1.0, 2.0], lr=0.01,
                          max_fev=50, gtol=0)
    assert res.status == Status.MAX_FEV and not res.success
    assert res.nfev == len(calls)
    assert 50 <= res.nfev < 50 + 2 * 2 + 2


def test_counts_for_every_kind():
    calls = {"f": 0, "g": 0}

    def f(x):
        calls["f"] += 1
        return float(x @ x)

    def g(x):
        calls["g"] += 1
        return 2 * x

    res = gdfast.minimize(f, [1.0, 2.0], jac=g, lr=0.1, max_iter=10, gtol=0)
    # f and its gradient at x0 and at each of the 10 iterates
    assert (res.nfev, res.njev) == (calls["f"], calls["g"]) == (11, 11)
    calls["f"] = 0
    res = gdfast.minimize(f, [1.0, 2.0, 3.0], lr=0.1, max_iter=10, gtol=0)
    # central differences: 2n values per gradient, f itself only at x0 and at the end
    assert res.nfev == calls["f"] == 11 * 6 + 2 and res.njev == 11
    calls["f"] = 0
    res = gdfast.minimize(f, [1.0, 2.0, 3.0], lr=0.1, max_iter=10, gtol=0, jac="forward")
    assert res.nfev == calls["f"]


@pytest.mark.filterwarnings("ignore:overflow")
def test_nonfinite_midway_returns_last_finite_iterate():
    # f = x^4 with a large step explodes: inf then nan
    res = gdfast.minimize(lambda x: float(x[0] ** 4), [3.0], jac=lambda x: 4 * x ** 3,
                          lr=1.0, max_iter=100, gtol=0, history=True)
    assert res.status in (Status.DIVERGED, Status.NONFINITE) and not res.success
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
    np.testing.assert_array_equal(res.x, res.history.x[-1])
    assert res.fun == res.x[0] ** 4


@pytest.mark.filterwarnings("ignore:overflow")
@pytest.mark.parametrize("jac", [None, "central", "forward"])
def test_divergence_status_on_a_quadratic_with_too_large_a_step(jac):
    fun = Quadratic([6.0, 2.0]) if jac is None else (lambda x: 3 * x[0] ** 2 + x[1] ** 2)
    res = gdfast.minimize(fun, [1.0, 1.0], lr=1.0, max_iter=100000, gtol=0, jac=jac)
    assert res.status == Status.DIVERGED, res.message
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun) and np.all(np.isfinite(res.jac))
    assert "diverged" in res.message
    assert res.fun == pytest.approx(3 * res.x[0] ** 2 + res.x[1] ** 2)


def test_nan_gradient_status():
    res = gdfast.minimize(lambda x: float(x @ x), [1.0],
                          jac=lambda x: np.array([np.nan]) if x[0] < 0.5 else 2 * x,
                          lr=0.3, max_iter=10, gtol=0)
    # x1 = 1 - 0.3 * 2 = 0.4 has a NaN gradient: rejected, x stays at x0
    assert res.status == Status.NONFINITE and res.nit == 0
    np.testing.assert_array_equal(res.x, [1.0])
    np.testing.assert_array_equal(res.jac, [2.0])


def test_nonfinite_at_x0_is_a_value_error():
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(lambda x: np.nan, [1.0, 2.0])
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(lambda x: np.inf, [1.0], jac=lambda x: np.zeros(1))
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(lambda x: 1.0, [1.0], jac=lambda x: np.array([np.inf]))


def test_args_reach_fun_and_jac():
    res = gdfast.minimize(lambda x, c: float((x - c) @ (x - c)), [0.0, 0.0],
                          args=(np.array([1.0, 2.0]),), jac=lambda x, c: 2 * (x - c),
                          lr=0.25, gtol=1e-10)
    np.testing.assert_allclose(res.x, [1.0, 2.0], atol=1e-9)


def test_result_fields_and_repr():
    res = gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], lr=1e-3, max_iter=100)
    for key in ("x", "fun", "jac", "nit", "nfev", "njev", "status", "success", "message"):
        assert key in res and getattr(res, key) is res[key]
    assert "message" in repr(res)
    assert isinstance(res.x, np.ndarray) and res.x.dtype == np.float64


def test_least_squares_against_numpy_lstsq(rng):
    M = rng.normal(size=(50, 4))
    b = rng.normal(size=50)
    res = gdfast.minimize(LeastSquares(M, b), np.zeros(4), lr=0.01, gtol=1e-10, max_iter=100000)
    assert res.success
    np.testing.assert_allclose(res.x, np.linalg.lstsq(M, b, rcond=None)[0], atol=1e-9)


def test_agrees_with_scipy_on_the_minimizer():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    ref = scipy_optimize.minimize(f_quad, np.zeros(3), jac=g_quad, method="BFGS", tol=1e-12)
    res = gdfast.minimize(f_quad, np.zeros(3), jac=g_quad, lr=0.3, gtol=1e-10)
    np.testing.assert_allclose(res.x, ref.x, atol=1e-8)


def test_user_exception_propagates_unchanged():
    class Boom(Exception):
        pass

    err = Boom("from fun")
    n = {"calls": 0}

    def f(x):
        n["calls"] += 1
        if n["calls"] == 5:
            raise err
        return float(x @ x)

    with pytest.raises(Boom) as info:
        gdfast.minimize(f, [1.0, 2.0], lr=0.1)
    assert info.value is err
    assert n["calls"] == 5          # no user code after the first exception
    for jac in (lambda x: (_ for _ in ()).throw(err), ):
        with pytest.raises(Boom):
            gdfast.minimize(lambda x: 1.0, [1.0], jac=jac)


def test_cython_subclass_style_objective_is_used_without_python_calls():
    # a built-in is an Objective; minimize takes it as is and never wraps it in Python
    q = Quadratic([2.0])
    res = gdfast.minimize(q, [5.0], lr=0.25, gtol=1e-12)
    assert res.success and abs(res.x[0]) < 1e-11
