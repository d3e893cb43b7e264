"""Batch multi-start and low-level objectives (issue: embedding), from ``gdfast.benchmarks``.

* Himmelblau from 100,000 random starts in [-5, 5]^2, 1,000 fixed steps of 0.01 each (all
  tolerances off): gdfast.minimize_batch on 1 and all threads against the same arithmetic as a
  vectorized NumPy loop and as a Numba @njit loop (one start after the other).
* FIRE relaxations of LJ13 clusters (1,000 random starts, ASE's defaults, fmax 1e-3) against a
  plain C loop of the same arithmetic, and 20 of them against ASE's FIRE with its LennardJones
  calculator.
* The lecture's quadratic 3x^2 + y^2 as Numba cfunc pointers (value and gradient) against the
  built-in Quadratic and a plain C loop: 10^6 iterations.

Every test checks its answer before timing.  Numba rows are skipped when numba is absent.
"""
import pytest

from bench_registry import registry_params, run_benchmark


@pytest.mark.parametrize("workload, impl", registry_params("test_bench_batch.py"))
def test_batch(benchmark, workload, impl):
    run_benchmark(benchmark, workload, impl)
