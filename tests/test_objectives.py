"""Built-in objectives: values and gradients against independent NumPy formulas."""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import (Himmelblau, LeastSquares, Logistic, Objective, Quadratic,
                               Rastrigin, Rosenbrock)


def rosen(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def softplus(z):
    return np.logaddexp(0, z)


def cases(rng):
    A = rng.normal(size=(5, 5))
    c = rng.normal(size=5)
    M = rng.normal(size=(30, 5))
    b = rng.normal(size=30)
    X = rng.normal(size=(40, 5))
    y = (rng.uniform(size=40) > 0.4).astype(float)
    S = (A + A.T) / 2
    yield Quadratic(A, c), lambda x: 0.5 * (x - c) @ A @ (x - c), lambda x: S @ (x - c)
    d = np.abs(c) + 0.5
    yield Quadratic(d), lambda x: 0.5 * np.sum(d * x ** 2), lambda x: d * x
    yield Rosenbrock(5), rosen, None
    yield Rastrigin(5), lambda x: 10 * 5 + np.sum(x ** 2 - 10 * np.cos(2 * np.pi * x)), \
        lambda x: 2 * x + 20 * np.pi * np.sin(2 * np.pi * x)
    yield LeastSquares(M, b), lambda x: 0.5 * np.sum((M @ x - b) ** 2), lambda x: M.T @ (M @ x - b)
    yield Logistic(X, y, alpha=0.3), \
        lambda w: np.mean(softplus(X @ w) - y * (X @ w)) + 0.15 * w @ w, \
        lambda w: X.T @ (1 / (1 + np.exp(-(X @ w))) - y) / 40 + 0.3 * w


def test_values_and_gradients(rng):
    for obj, f, g in cases(rng):
        for _ in range(3):
            x = rng.normal(size=obj.n)
            assert obj(x) == pytest.approx(f(x), rel=1e-12, abs=1e-12), obj
            if g is not None:
                np.testing.assert_allclose(obj.gradient(x), g(x), rtol=1e-11, atol=1e-12)
            np.testing.assert_allclose(obj.gradient(x),
                                       gdfast.gradient(f, x, method="central4"),
                                       rtol=1e-6, atol=1e-6)
            v, gg = obj.value_and_gradient(x)
            assert v == obj(x)
            np.testing.assert_array_equal(gg, obj.gradient(x))


def test_himmelblau_has_four_minima():
    h = Himmelblau()
    for m in [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]:
        assert h(m) < 1e-9
        res = gdfast.minimize(h, np.array(m) + 0.05, lr=0.01, gtol=1e-10)
        assert res.success
        np.testing.assert_allclose(res.x, m, atol=1e-5)


def test_rosenbrock_minimum():
    r = Rosenbrock(4)
    assert r(np.ones(4)) == 0.0
    np.testing.assert_array_equal(r.gradient(np.ones(4)), 0.0)


def test_objectives_copy_their_data(rng):
    M = rng.normal(size=(10, 3))
    b = rng.normal(size=10)
    ls = LeastSquares(M, b)
    x = rng.normal(size=3)
    before = ls(x)
    M[:] = 0.0
    b[:] = 0.0
    assert ls(x) == before


@pytest.mark.parametrize("make,exc", [
    (lambda: Quadratic(np.ones((2, 3))), ValueError),
    (lambda: Quadratic([1.0, np.nan]), ValueError),
    (lambda: Quadratic([1.0, 2.0], center=[1.0]), ValueError),
    (lambda: Rosenbrock(1), ValueError),
    (lambda: Rosenbrock(2.5), ValueError),
    (lambda: Rastrigin(0), ValueError),
    (lambda: LeastSquares(np.ones((3, 2)), np.ones(2)), ValueError),
    (lambda: Logistic(np.ones((3, 2)), [0, 1, 2]), ValueError),
    (lambda: Logistic(np.ones((3, 2)), [0, 1, 1], alpha=-1), ValueError),
    (lambda: LeastSquares("abc", [1.0]), TypeError),
])
def test_bad_construction(make, exc):
    with pytest.raises(exc):
        make()


def test_wrong_length_point_is_rejected():
    with pytest.raises(ValueError, match="length 2"):
        Himmelblau()([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(Rosenbrock(3), [1.0, 2.0])


def test_base_class_without_evaluate_raises():
    with pytest.raises(NotImplementedError):
        Objective()([1.0])
