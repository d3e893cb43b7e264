"""Update rules (issue 3): Adam on the built-in Logistic objective, 5,000 x 50, 500 steps,
against the same Adam as a NumPy loop and as a plain C loop; the per-iteration overhead of each
rule on the 2-D quadratic against plain C loops of the same rule arithmetic."""
import numpy as np
import pytest

from bench_registry import registry_params, run_benchmark

# ---- Adam on Logistic: the registry's workload (gdfast, a C loop of the same kernel, NumPy)


@pytest.mark.parametrize("workload, impl", registry_params("test_bench_rules.py"))
def test_adam(benchmark, workload, impl):
    run_benchmark(benchmark, workload, impl)


# ---- per-rule overhead: each rule on the 2-D quadratic against a plain C loop of the same
# rule arithmetic (the table: bench/rule_table.py)
from rule_table import QITERS, RULES, gdfast_rule as _gdfast_rule  # noqa: E402


@pytest.mark.parametrize("name", list(RULES))
@pytest.mark.benchmark(group="rule-overhead-quadratic-1e6")
def test_rule_gdfast(benchmark, name):
    for it in (1, 2, 1000):                                    # bit for bit the C loop
        np.testing.assert_array_equal(_gdfast_rule(name, it), RULES[name][1](it))
    benchmark(_gdfast_rule, name, QITERS)


@pytest.mark.parametrize("name", list(RULES))
@pytest.mark.benchmark(group="rule-overhead-quadratic-1e6")
def test_rule_plain_c_loop(benchmark, name):
    benchmark(RULES[name][1], QITERS)
