"""Core workloads (issue 2): per-iteration overhead on the lecture's quadratic, FD gradients,
a NumPy objective called from the loop.  Each test checks its answer before timing it."""
import numpy as np
import pytest

import gdfast
from gdfast import _baselines
from gdfast.objectives import Quadratic, Rosenbrock

# ---- fixed-step descent on the lecture's 3x^2 + y^2, shifted: 10^7 iterations, tests off
A = np.array([6.0, 2.0])
C = np.array([1.0, 2.0])
X0 = np.zeros(2)
ITERS = 10 ** 7


@pytest.fixture(scope="module")
def quad_reference():
    return _baselines.quadratic_descent(A, C, X0, 0.1, 1000)


@pytest.mark.benchmark(group="quadratic-descent-1e7")
def test_quadratic_gdfast(benchmark, quad_reference):
    q = Quadratic(A, center=C)
    run = lambda: gdfast.minimize(q, X0, lr=0.1, max_iter=ITERS, gtol=0)
    check = gdfast.minimize(q, X0, lr=0.1, max_iter=1000, gtol=0)
    np.testing.assert_array_equal(check.x, quad_reference)     # bit for bit
    res = benchmark(run)
    assert res.nit == ITERS


@pytest.mark.benchmark(group="quadratic-descent-1e7")
def test_quadratic_plain_c_loop(benchmark, quad_reference):
    np.testing.assert_array_equal(_baselines.quadratic_descent(A, C, X0, 0.1, 1000),
                                  quad_reference)
    benchmark(_baselines.quadratic_descent, A, C, X0, 0.1, ITERS)


@pytest.mark.benchmark(group="quadratic-descent-1e7")
def test_quadratic_plain_c_loop_fused(benchmark, quad_reference):
    np.testing.assert_allclose(_baselines.quadratic_descent_fused(A, C, X0, 0.1, 1000),
                               quad_reference, rtol=1e-14)
    benchmark(_baselines.quadratic_descent_fused, A, C, X0, 0.1, ITERS)


# ---- central-difference gradient of Rosenbrock(1000)
N_ROSEN = 1000
X_ROSEN = np.random.default_rng(0).uniform(-1.5, 1.5, N_ROSEN)


@pytest.fixture(scope="module")
def rosen_reference():
    return Rosenbrock(N_ROSEN).gradient(X_ROSEN)


@pytest.mark.benchmark(group="fd-rosenbrock-1000")
def test_fd_rosenbrock_gdfast(benchmark, rosen_reference):
    r = Rosenbrock(N_ROSEN)
    g = benchmark(gdfast.gradient, r, X_ROSEN)
    np.testing.assert_allclose(g, rosen_reference, rtol=1e-6, atol=1e-6)


@pytest.mark.benchmark(group="fd-rosenbrock-1000")
def test_fd_rosenbrock_plain_c_loop(benchmark, rosen_reference):
    g = benchmark(_baselines.rosenbrock_central_gradient, X_ROSEN)
    np.testing.assert_allclose(g, rosen_reference, rtol=1e-6, atol=1e-6)


@pytest.mark.benchmark(group="fd-rosenbrock-1000")
def test_fd_rosenbrock_scipy(benchmark, rosen_reference):
    optimize = pytest.importorskip("scipy.optimize")
    from scipy.optimize._numdiff import approx_derivative
    g = benchmark(approx_derivative, optimize.rosen, X_ROSEN, method="3-point")
    np.testing.assert_allclose(g, rosen_reference, rtol=1e-6, atol=1e-6)


# ---- a NumPy objective of 10 variables, 100 iterations with central differences
X10 = np.linspace(-1.0, 1.0, 10)
STEPS = 100
LR = 1e-3


def f10(x):
    return np.sum(x ** 2) + np.sum(np.sin(x))


def f10_vectorized(X):
    return np.sum(X ** 2, axis=1) + np.sum(np.sin(X), axis=1)


def hand_stencil_descent(x0, steps):
    """What a user writes: a vectorized central-difference stencil in NumPy, then the step."""
    x = x0.copy()
    n = x.size
    for _ in range(steps):
        h = 6.055454452393343e-06 * np.maximum(1.0, np.abs(x))
        h = (x + h) - x
        E = np.diag(h)
        F = f10_vectorized(np.vstack([x + E, x - E]))
        x = x - LR * (F[:n] - F[n:]) / (2 * h)
    return x


@pytest.fixture(scope="module")
def f10_reference():
    return hand_stencil_descent(X10, STEPS)


@pytest.mark.benchmark(group="numpy-objective-10")
def test_numpy_objective_gdfast(benchmark, f10_reference):
    res = benchmark(gdfast.minimize, f10, X10, lr=LR, max_iter=STEPS, gtol=0)
    np.testing.assert_allclose(res.x, f10_reference, rtol=1e-9)


@pytest.mark.benchmark(group="numpy-objective-10")
def test_numpy_objective_20_calls_per_iteration(benchmark):
    """The floor: the 2n = 20 calls of f a central-difference iteration must make."""
    def calls():
        for _ in range(STEPS):
            for _ in range(20):
                f10(X10)
    benchmark(calls)


@pytest.mark.benchmark(group="numpy-objective-10")
def test_numpy_objective_gdfast_vectorized(benchmark, f10_reference):
    res = benchmark(gdfast.minimize, f10_vectorized, X10, lr=LR, max_iter=STEPS, gtol=0,
                    vectorized=True)
    np.testing.assert_allclose(res.x, f10_reference, rtol=1e-9)


@pytest.mark.benchmark(group="numpy-objective-10")
def test_numpy_objective_hand_vectorized_stencil(benchmark, f10_reference):
    x = benchmark(hand_stencil_descent, X10, STEPS)
    np.testing.assert_allclose(x, f10_reference, rtol=1e-12)
