"""The cost of ``progress=True``: the lecture's quadratic, 10^7 fixed steps (the
quadratic-descent run), with a tqdm bar drawn to os.devnull and without, from
``gdfast.benchmarks`` (the target: under 1%).

    PYTHONPATH=. python -m pytest bench/test_bench_progress.py --benchmark-group-by=group

The iterates are checked equal, bit for bit, before anything is timed.
"""
import pytest

from bench_registry import registry_params, run_benchmark


@pytest.mark.parametrize("workload, impl", registry_params("test_bench_progress.py"))
def test_progress(benchmark, workload, impl):
    run_benchmark(benchmark, workload, impl)
