"""gdfast.dask on a LocalCluster of 2 worker processes x 1 thread (started on first use):
10^6 Himmelblau starts x 1,000 fixed steps, against minimize_batch(threads=2) in this process
(the target: at least 0.85x its throughput), from ``gdfast.benchmarks``.

    PYTHONPATH=. python -m pytest bench/test_bench_dask.py --benchmark-group-by=group

Two rows: x, fun and the best start brought back to this process, and the best start alone
(the other results stay on the workers).  Each answer is compared with the in-process run
before anything is timed.  Skipped when dask.distributed is absent.
"""
import pytest

from bench_registry import registry_params, run_benchmark


@pytest.mark.parametrize("workload, impl", registry_params("test_bench_dask.py"))
def test_dask(benchmark, workload, impl):
    run_benchmark(benchmark, workload, impl)
