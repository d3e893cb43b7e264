"""Core workloads (issue 2), from the registry ``gdfast.benchmarks``: per-iteration overhead on
the lecture's quadratic (10^7 steps) and the time to solve it (against SciPy's BFGS), FD
gradients of Rosenbrock at n = 100 and 1,000 (against C, Numba, a NumPy loop and SciPy's
approx_derivative), and a NumPy objective of 10 variables called from the loop (scalar and
vectorized).  Each test checks its answer before timing it."""
import pytest

from bench_registry import registry_params, run_benchmark


@pytest.mark.parametrize("workload, impl", registry_params("test_bench_core.py"))
def test_core(benchmark, workload, impl):
    run_benchmark(benchmark, workload, impl)
