"""A 201 x 201 plane of the built-in Rastrigin(1000): gdfast.landscape (all threads and one)
against a NumPy loop over the grid points (the target: at least 10x faster); and Li et al.'s
51 x 51 filter-normalized plane of a 2-32-32-3 MLP on 2,000 samples against the NumPy loss
point by point (issue 17's target: 3x), from ``gdfast.benchmarks``.

    PYTHONPATH=. python -m pytest bench/test_bench_landscape.py --benchmark-group-by=group

The answers are compared with the NumPy loop's (rtol 1e-12) before anything is timed.
"""
import pytest

from bench_registry import registry_params, run_benchmark


@pytest.mark.parametrize("workload, impl", registry_params("test_bench_landscape.py"))
def test_landscape(benchmark, workload, impl):
    run_benchmark(benchmark, workload, impl)
