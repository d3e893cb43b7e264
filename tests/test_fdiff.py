"""Finite-difference kernels against analytic gradients and the textbook error orders."""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import Rosenbrock, Rastrigin, Logistic

EPS = np.finfo(float).eps


def smooth(v):
    return np.sum(np.sin(v) * np.exp(0.3 * v)) + v[0] * v[-1] ** 2


def smooth_grad(v):
    g = np.cos(v) * np.exp(0.3 * v) + 0.3 * np.sin(v) * np.exp(0.3 * v)
    g[0] += v[-1] ** 2
    g[-1] += 2 * v[0] * v[-1]
    return g


POINTS = [np.array([0.3, -1.2, 2.5]), np.array([10.0, -7.5, 0.0, 1e-3]), np.linspace(-2, 2, 7)]


@pytest.mark.parametrize("x", POINTS)
@pytest.mark.parametrize("method,tol", [("forward", 3e-6), ("backward", 3e-6),
                                        ("central", 3e-9), ("central4", 1e-11)])
def test_methods_match_analytic_gradient(x, method, tol):
    g = gdfast.gradient(smooth, x, method=method)
    ref = smooth_grad(x)
    scale = np.maximum(1.0, np.abs(x)) * np.maximum(1.0, np.abs(ref))
    assert np.all(np.abs(g - ref) <= tol * scale * 10), (g - ref)


def test_error_orders_with_absolute_steps():
    # halving h divides the error by ~2 (one-sided), ~4 (central), ~16 (central4)
    x = np.array([0.7, -0.4])
    ref = smooth_grad(x)
    for method, order in (("forward", 1), ("central", 2), ("central4", 4)):
        h = 1e-2 if method != "central4" else 1e-1
        e1 = np.max(np.abs(gdfast.gradient(smooth, x, method=method, step=h) - ref))
        e2 = np.max(np.abs(gdfast.gradient(smooth, x, method=method, step=h / 2) - ref))
        assert 2 ** order * 0.7 < e1 / e2 < 2 ** order * 1.4, (method, e1 / e2)


def test_default_steps_are_the_textbook_ones():
    # a linear function's forward difference is (f(x+h) - f(x)) / h with h exact, so it is
    # exact; recording the points fun sees tells the steps used
    seen = []

    def f(v):
        seen.append(v.copy())
        return float(np.sum(v))

    x = np.array([3.0, 1e-3])
    for method, rel in (("forward", EPS ** 0.5), ("central", EPS ** (1 / 3)),
                        ("central4", EPS ** 0.2)):
        seen.clear()
        gdfast.gradient(f, x, method=method)
        steps = sorted({abs(p[0] - x[0]) for p in seen if p[0] != x[0]})
        h = steps[0]
        assert h == pytest.approx(rel * 3.0, rel=1e-6)
        assert (x[0] + h) - x[0] == h          # exactly representable
        steps1 = sorted({abs(p[1] - x[1]) for p in seen if p[1] != x[1]})
        assert steps1[0] == pytest.approx(rel * 1.0, rel=1e-6)   # max(1, |x|) = 1


def test_per_coordinate_steps():
    seen = []

    def f(v):
        seen.append(v.copy())
        return float(v @ v)

    gdfast.gradient(f, [1.0, 2.0], method="forward", step=[0.5, 0.25])
    offsets = sorted({tuple(np.round(p - [1.0, 2.0], 12)) for p in seen})
    assert (0.5, 0.0) in offsets and (0.0, 0.25) in offsets
    np.testing.assert_allclose(gdfast.gradient(f, [1.0, 2.0], method="central", step=[0.5, 0.25]),
                               [2.0, 4.0], rtol=1e-14)


def test_vectorized_gives_the_same_numbers_in_one_call():
    calls = []

    def fv(X):
        calls.append(X.shape)
        return np.sum(np.sin(X) * np.exp(0.3 * X), axis=1) + X[:, 0] * X[:, -1] ** 2

    x = POINTS[2]
    for method in ("forward", "backward", "central", "central4"):
        calls.clear()
        gv = gdfast.gradient(fv, x, method=method, vectorized=True)
        gs = gdfast.gradient(smooth, x, method=method)
        np.testing.assert_allclose(gv, gs, rtol=1e-12, atol=1e-12)
        assert len(calls) == 1
        per = {"forward": 1, "backward": 1, "central": 2, "central4": 4}[method]
        assert calls[0] == (per * x.size + (method in ("forward", "backward")), x.size)


def test_builtin_objectives_fd_matches_their_gradient(rng):
    x = rng.uniform(-2, 2, 50)
    for obj in (Rosenbrock(50), Rastrigin(50)):
        np.testing.assert_allclose(gdfast.gradient(obj, x), obj.gradient(x), rtol=1e-7,
                                   atol=1e-5)
    X = rng.normal(size=(40, 50))
    y = (rng.uniform(size=40) > 0.5).astype(float)
    obj = Logistic(X, y, alpha=0.1)
    np.testing.assert_allclose(gdfast.gradient(obj, x, method="central4"), obj.gradient(x),
                               rtol=1e-8, atol=1e-10)


def test_rosenbrock_1000_central_matches_plain_c_baseline(rng):
    from gdfast import _baselines
    x = rng.uniform(-1, 1, 1000)
    np.testing.assert_array_equal(gdfast.gradient(Rosenbrock(1000), x),
                                  _baselines.rosenbrock_central_gradient(x))


def test_args_are_passed():
    g = gdfast.gradient(lambda v, a, b: a * v[0] ** 2 + b * v[1], [1.0, 0.0], args=(3.0, 2.0))
    np.testing.assert_allclose(g, [6.0, 2.0], rtol=1e-9)


def test_x_is_not_modified_and_fun_gets_fresh_arrays():
    x = np.array([1.0, 2.0])
    before = x.copy()
    ids = []

    def f(v):
        ids.append(id(v))
        assert not np.shares_memory(v, x)
        v[:] = 1e300          # vandalism must not leak into gdfast's stencil
        return 0.0

    g = gdfast.gradient(f, x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(g, [0.0, 0.0])


@pytest.mark.parametrize("kw,exc,word", [
    ({"method": "five-point"}, ValueError, "method"),
    ({"step": 0.0}, ValueError, "step"),
    ({"step": -1e-3}, ValueError, "step"),
    ({"step": np.nan}, ValueError, "step"),
    ({"step": [1e-3, 1e-3, 1e-3]}, ValueError, "step"),
    ({"step": "1e-3"}, TypeError, "step"),
])
def test_bad_arguments(kw, exc, word):
    with pytest.raises(exc, match=word):
        gdfast.gradient(lambda v: float(v @ v), [1.0, 2.0], **kw)


def test_check_grad_detects_a_wrong_gradient():
    f = lambda v: float(v @ v)
    assert gdfast.check_grad(f, lambda v: 2 * v, [1.0, -2.0, 3.0]) < 1e-8
    assert gdfast.check_grad(f, lambda v: 2.1 * v, [1.0, -2.0, 3.0]) > 0.3
