"""Core workloads (issue 2), from the registry ``gdfast.benchmarks``: per-iteration overhead on
the lecture's quadratic (10^7 steps) and the time to solve it (against SciPy's BFGS), FD
gradients of Rosenbrock at n = 100 and 1,000 (against C, Numba, a NumPy loop and SciPy's
approx_derivative), and a NumPy objective of 10 variables called from the loop (scalar and
vectorized).  Each test checks its answer before timing it."""
import numpy as np
import pytest

from bench_registry import registry_params, run_benchmark
from gdfast import benchmarks as B


@pytest.mark.parametrize("workload, impl", registry_params("test_bench_core.py"))
def test_core(benchmark, workload, impl):
    run_benchmark(benchmark, workload, impl)


def test_adam_workload_matches_test_bench_rules():
    """The registry's Adam workload (for ``python -m gdfast bench``) is the one that
    test_bench_rules.py times: same data, step count and NumPy Adam."""
    rules = pytest.importorskip("test_bench_rules")
    p = B.ADAM.setup(False)
    np.testing.assert_array_equal(p.X, rules.X)
    np.testing.assert_array_equal(p.y, rules.Y)
    assert (p.steps, p.lr) == (rules.STEPS, rules.LR)
    assert (B.ADAM_B1, B.ADAM_B2, B.ADAM_EPS) == (rules.B1, rules.B2, rules.EPS)
    np.testing.assert_array_equal(B._adam_numpy_loop(p.X, p.y, p.w0, p.lr, 20),
                                  rules.numpy_adam(20))
