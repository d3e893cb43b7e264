"""SGD over data (issue 16), from the registry ``gdfast.benchmarks``: one epoch of dense
100,000 x 100 logistic regression, gdfast.sgd at batch 1 against scikit-learn's
SGDClassifier and at batch 64 against a NumPy mini-batch loop (and scikit-learn at batch 1).
Each test checks its answer before timing it."""
import pytest

from bench_registry import registry_params, run_benchmark


@pytest.mark.parametrize("workload, impl", registry_params("test_bench_sgd.py"))
def test_sgd(benchmark, workload, impl):
    run_benchmark(benchmark, workload, impl)
