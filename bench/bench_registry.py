"""Helpers of the bench files: run the rows of the registry ``gdfast.benchmarks`` as
pytest-benchmark tests (one benchmarked callable per test, its answer checked before it is
timed).  Each bench file parametrizes :func:`registry_params` over the groups it owns."""
import re

import pytest

from gdfast import benchmarks as B

_PROBLEMS = {}


def _slug(text):
    """A test id from an implementation name: lower case, runs of other characters -> '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def registry_params(pytest_file):
    """``pytest.param(workload, impl)`` for every row of the workloads that ``pytest_file`` owns,
    each marked with its benchmark group (rows whose package is missing are skipped)."""
    params = []
    for w in B.WORKLOADS:
        if w.pytest_file != pytest_file:
            continue
        for impl in w.impls:
            marks = [pytest.mark.benchmark(group=w.group)]
            if not impl.available():
                marks.append(pytest.mark.skip(reason=f"{impl.kind} is not installed"))
            params.append(pytest.param(w, impl, marks=marks,
                                       id=f"{w.group}/{_slug(impl.name)}"))
    return params


def problem_of(workload):
    """The full-size problem of ``workload``, built once per session (its reference is cached
    on it)."""
    if workload.group not in _PROBLEMS:
        problem = workload.setup(False)
        problem.quick = False
        _PROBLEMS[workload.group] = problem
    return _PROBLEMS[workload.group]


def run_benchmark(benchmark, workload, impl):
    """Check ``impl``'s answer against the workload's reference, then time it.  With
    ``--benchmark-disable`` it runs once and that answer is checked."""
    problem = problem_of(workload)
    fn = B.prepare(workload, impl, problem)
    if benchmark.disabled:
        out = benchmark(fn)
        chk = B.check(workload, impl, problem, out)
        assert chk.ok is not False, chk.message
        return
    chk = B.check(workload, impl, problem, fn())
    assert chk.ok is not False, chk.message                 # a wrong answer is never timed
    benchmark.extra_info["check"] = chk.label
    if impl.pytest_rounds:
        benchmark.pedantic(fn, rounds=impl.pytest_rounds, iterations=1)
    else:
        benchmark(fn)
