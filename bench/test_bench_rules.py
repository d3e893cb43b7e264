"""Update rules (issue 3): Adam on the built-in Logistic objective, 5,000 x 50, 500 steps,
against the same Adam as a NumPy loop and as a plain C loop."""
import numpy as np
import pytest

import gdfast
from gdfast import _baselines
from gdfast.objectives import Logistic

rng = np.random.default_rng(1)
M, N, STEPS = 5000, 50, 500
X = rng.normal(size=(M, N))
Y = (X @ rng.normal(size=N) + 0.5 * rng.normal(size=M) > 0).astype(float)
W0 = np.zeros(N)
LR, B1, B2, EPS = 1e-2, 0.9, 0.999, 1e-8


def numpy_adam(steps=STEPS):
    w, m, v = W0.copy(), np.zeros(N), np.zeros(N)
    for t in range(1, steps + 1):
        z = X @ w
        g = X.T @ (1.0 / (1.0 + np.exp(-z)) - Y) / M
        m = B1 * m + (1 - B1) * g
        v = B2 * v + (1 - B2) * g * g
        w = w - LR / (1 - B1 ** t) * m / (np.sqrt(v) / np.sqrt(1 - B2 ** t) + EPS)
    return w


@pytest.fixture(scope="module")
def reference():
    return numpy_adam()


@pytest.mark.benchmark(group="adam-logistic-5000x50-500")
def test_adam_gdfast(benchmark, reference):
    obj = Logistic(X, Y)
    res = benchmark(gdfast.minimize, obj, W0, method="adam", lr=LR, max_iter=STEPS, gtol=0)
    np.testing.assert_allclose(res.x, reference, rtol=1e-9, atol=1e-12)


@pytest.mark.benchmark(group="adam-logistic-5000x50-500")
def test_adam_numpy_loop(benchmark, reference):
    w = benchmark(numpy_adam)
    np.testing.assert_allclose(w, reference, rtol=1e-12)


@pytest.mark.benchmark(group="adam-logistic-5000x50-500")
def test_adam_plain_c_loop(benchmark, reference):
    w = benchmark(_baselines.adam_logistic, X, Y, W0, LR, B1, B2, EPS, STEPS)
    np.testing.assert_allclose(w, reference, rtol=1e-9, atol=1e-12)
