"""Batch multi-start and low-level objectives (issue: embedding).

* Himmelblau from 100,000 random starts in [-5, 5]^2, 1,000 fixed steps of 0.01 each (all
  tolerances off): gdfast.minimize_batch on 1 and 2 threads against the same arithmetic as a
  vectorized NumPy loop and as a Numba @njit loop (one start after the other).
* The lecture's quadratic 3x^2 + y^2 as a Numba cfunc (value and gradient pointers) against
  the built-in Quadratic: 10^6 iterations.

Every test checks its answer before timing.  Numba rows are skipped when numba is absent.
"""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import Himmelblau, Quadratic

M, STEPS, LR = 100_000, 1_000, 0.01
X0 = np.random.default_rng(2024).uniform(-5.0, 5.0, (M, 2))


def numpy_loop(X, lr, steps):
    """The same fixed-step descent, vectorized over starts with NumPy."""
    x0 = X[:, 0].copy()
    x1 = X[:, 1].copy()
    for _ in range(steps):
        a = x0 * x0 + x1 - 11.0
        b = x0 + x1 * x1 - 7.0
        g0 = 4.0 * x0 * a + 2.0 * b
        g1 = 2.0 * a + 4.0 * x1 * b
        x0 = x0 - lr * g0
        x1 = x1 - lr * g1
    return np.column_stack([x0, x1])


@pytest.fixture(scope="module")
def reference():
    res = gdfast.minimize_batch(Himmelblau(), X0, lr=LR, max_iter=STEPS, gtol=0, threads=1)
    ok = res.status == gdfast.Status.MAX_ITER          # starts that did not blow up
    assert ok.mean() > 0.9
    return res.x, ok


def _check(x, reference):
    ref, ok = reference
    np.testing.assert_allclose(x[ok], ref[ok], rtol=1e-12, atol=1e-12)


def _batch(threads):
    return gdfast.minimize_batch(Himmelblau(), X0, lr=LR, max_iter=STEPS, gtol=0,
                                 threads=threads).x


@pytest.mark.benchmark(group="himmelblau-batch-1e5x1e3")
def test_batch_gdfast_1_thread(benchmark, reference):
    _check(_batch(1), reference)
    benchmark.pedantic(_batch, args=(1,), rounds=5, iterations=1)


@pytest.mark.benchmark(group="himmelblau-batch-1e5x1e3")
def test_batch_gdfast_2_threads(benchmark, reference):
    if not gdfast._batch.openmp_available():
        pytest.skip("built without OpenMP")
    _check(_batch(2), reference)
    benchmark.pedantic(_batch, args=(2,), rounds=5, iterations=1)


@pytest.mark.benchmark(group="himmelblau-batch-1e5x1e3")
def test_batch_numpy_vectorized_loop(benchmark, reference):
    with np.errstate(all="ignore"):
        _check(numpy_loop(X0, LR, STEPS), reference)
        benchmark.pedantic(numpy_loop, args=(X0, LR, STEPS), rounds=3, iterations=1)


@pytest.fixture(scope="module")
def numba_loop():
    numba = pytest.importorskip("numba")

    @numba.njit
    def loop(X, lr, steps):
        out = X.copy()
        for i in range(X.shape[0]):
            x0 = X[i, 0]
            x1 = X[i, 1]
            for _ in range(steps):
                a = x0 * x0 + x1 - 11.0
                b = x0 + x1 * x1 - 7.0
                g0 = 4.0 * x0 * a + 2.0 * b
                g1 = 2.0 * a + 4.0 * x1 * b
                x0 = x0 - lr * g0
                x1 = x1 - lr * g1
            out[i, 0] = x0
            out[i, 1] = x1
        return out

    loop(X0[:2], LR, 2)                                   # compile outside the timing
    return loop


@pytest.mark.benchmark(group="himmelblau-batch-1e5x1e3")
def test_batch_numba_njit_loop(benchmark, reference, numba_loop):
    _check(numba_loop(X0, LR, STEPS), reference)
    benchmark.pedantic(numba_loop, args=(X0, LR, STEPS), rounds=5, iterations=1)


# ---- a Numba cfunc objective against the built-in Quadratic, per iteration
ITERS = 10 ** 6
QX0 = np.array([1.0, 1.0])


@pytest.fixture(scope="module")
def numba_quadratic():
    numba = pytest.importorskip("numba")
    from numba import types
    dp = types.CPointer(types.double)

    @numba.cfunc(types.double(types.intc, dp, types.voidptr))
    def value(n, x, ud):
        return 3.0 * x[0] * x[0] + x[1] * x[1]

    @numba.cfunc(types.void(types.intc, dp, dp, types.voidptr))
    def grad(n, x, g, ud):
        g[0] = 6.0 * x[0]
        g[1] = 2.0 * x[1]

    return value, grad


@pytest.mark.benchmark(group="lowlevel-quadratic-1e6")
def test_quadratic_builtin(benchmark):
    q = Quadratic([6.0, 2.0])
    res = benchmark(gdfast.minimize, q, QX0, lr=1e-7, max_iter=ITERS, gtol=0)
    assert res.nit == ITERS


@pytest.mark.benchmark(group="lowlevel-quadratic-1e6")
def test_quadratic_numba_cfunc(benchmark, numba_quadratic):
    value, grad = numba_quadratic
    q = Quadratic([6.0, 2.0])
    a = gdfast.minimize(value, QX0, jac=grad, lr=1e-7, max_iter=1000, gtol=0)
    b = gdfast.minimize(q, QX0, lr=1e-7, max_iter=1000, gtol=0)
    np.testing.assert_allclose(a.x, b.x, rtol=1e-14)
    res = benchmark(gdfast.minimize, value, QX0, jac=grad, lr=1e-7, max_iter=ITERS, gtol=0)
    assert res.nit == ITERS
