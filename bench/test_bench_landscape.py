"""A 201 x 201 plane of the built-in Rastrigin(1000): gdfast.landscape against a NumPy loop over
the grid points (the target: at least 10x faster).

    PYTHONPATH=. python -m pytest bench/test_bench_landscape.py --benchmark-group-by=group

The answers are compared before anything is timed.
"""
import numpy as np
import pytest

from gdfast import landscape as L
from gdfast._landscape import HAVE_OPENMP
from gdfast.objectives import Rastrigin

N = 1000
RES = 201


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    center, d1, d2 = rng.standard_normal((3, N))
    return Rastrigin(N), center, d1, d2


def numpy_loop(center, d1, d2, alphas, betas):
    """The baseline: one NumPy evaluation of the Rastrigin formula per grid point."""
    values = np.empty((len(betas), len(alphas)))
    for j, b in enumerate(betas):
        for i, a in enumerate(alphas):
            x = center + a * d1 + b * d2
            values[j, i] = 10 * N + np.sum(x * x - 10 * np.cos(2 * np.pi * x))
    return values


def gdfast_plane(problem, threads=None):
    obj, center, d1, d2 = problem
    return L.plane(obj, center, d1, d2, span=1.0, resolution=RES, threads=threads).values


@pytest.fixture(scope="module")
def reference(problem):
    _, center, d1, d2 = problem
    grid = np.linspace(-1, 1, RES)
    return numpy_loop(center, d1, d2, grid, grid)


def test_answers_agree(problem, reference):
    np.testing.assert_allclose(gdfast_plane(problem), reference, rtol=1e-12)
    np.testing.assert_allclose(gdfast_plane(problem, threads=1), reference, rtol=1e-12)


@pytest.mark.benchmark(group="landscape")
def test_numpy_loop(benchmark, problem, reference):
    _, center, d1, d2 = problem
    grid = np.linspace(-1, 1, RES)
    values = benchmark.pedantic(numpy_loop, args=(center, d1, d2, grid, grid), rounds=3,
                                iterations=1)
    np.testing.assert_allclose(values, reference, rtol=1e-12)


@pytest.mark.benchmark(group="landscape")
def test_gdfast_plane(benchmark, problem, reference):
    benchmark.extra_info["openmp"] = HAVE_OPENMP
    values = benchmark(gdfast_plane, problem)
    np.testing.assert_allclose(values, reference, rtol=1e-12)


@pytest.mark.benchmark(group="landscape")
def test_gdfast_plane_one_thread(benchmark, problem, reference):
    values = benchmark(gdfast_plane, problem, 1)
    np.testing.assert_allclose(values, reference, rtol=1e-12)
