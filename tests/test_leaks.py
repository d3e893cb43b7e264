"""Memory stays flat over many calls, on every path, raising ones included (tracemalloc for
Python allocations, RSS for C ones)."""
import gc
import resource
import tracemalloc

import numpy as np
import pytest

import gdfast
from gdfast.objectives import Logistic, Quadratic, Rosenbrock, SumOfTerms

CALLS = 100_000


class Boom(Exception):
    pass


def _raise_at_third(counter=[0]):
    def f(x):
        counter[0] += 1
        if counter[0] % 3 == 0:
            raise Boom
        return float(x @ x)
    return f


def _raise_in_terms(x, rows, counter=[0]):
    counter[0] += 1
    if counter[0] % 3 == 0:
        raise Boom
    return float(x @ x), 2 * x


_SGD_X = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [-0.8, 0.6]])
_SGD = Logistic(_SGD_X, [1.0, 0.0, 1.0, 0.0], alpha=0.5, fit_intercept=True)

PATHS = {
    "minimize-builtin": lambda: gdfast.minimize(Quadratic([1.0, 2.0]), [1.0, 1.0], max_iter=3,
                                                history=True),
    "minimize-adam-bounds": lambda: gdfast.minimize(Rosenbrock(3), [0.0, 0.0, 0.0],
                                                    method="adam", bounds=(-1, 1), max_iter=3),
    "minimize-python-fd": lambda: gdfast.minimize(lambda x: float(x @ x), [1.0, 1.0],
                                                  max_iter=2),
    "gradient-python": lambda: gdfast.gradient(lambda x: float(x @ x), [1.0, 2.0]),
    "gradient-vectorized": lambda: gdfast.gradient(lambda X: np.sum(X * X, axis=1), [1.0, 2.0],
                                                   vectorized=True),
    "minimize-raises": lambda: gdfast.minimize(_raise_at_third(), [1.0, 1.0], max_iter=5),
    "stepper": lambda: gdfast.Descent(Rosenbrock(3), [0.0, 0.0, 0.0], method="adam").step(3),
    "stepper-raises": lambda: gdfast.Descent(_raise_at_third(), [1.0, 1.0]).step(5),
    "batch": lambda: gdfast.minimize_batch(Quadratic([1.0, 2.0]), [[1.0, 1.0], [2.0, 0.0]],
                                           max_iter=3, threads=1),
    "callback-raises": lambda: gdfast.minimize(Quadratic([1.0]), [1.0], max_iter=5,
                                               callback=lambda r: 1 / 0),
    "bad-input": lambda: gdfast.minimize(Quadratic([1.0]), [np.nan]),
    "sgd": lambda: gdfast.sgd(_SGD, batch_size=2, epochs=3, learning_rate="optimal"),
    "sgd-diverges": lambda: gdfast.sgd(_SGD, lr=50.0, epochs=100, shuffle=False),
    "sgd-nonfinite-x0": lambda: gdfast.sgd(_SGD, [1e200, 0.0, 0.0]),
    "sgd-bad-input": lambda: gdfast.sgd(_SGD, batch_size=5),
    "sgd-python-raises": lambda: gdfast.sgd(SumOfTerms(_raise_in_terms, n=2, n_terms=4),
                                            epochs=2),
}


def _call(fn):
    try:
        fn()
    except (Boom, ZeroDivisionError, ValueError):
        pass


def _rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


@pytest.mark.parametrize("name", list(PATHS))
def test_memory_is_flat(name):
    fn = PATHS[name]
    for _ in range(2000):                      # warm up caches and free lists
        _call(fn)
    gc.collect()
    # RSS over 100,000 calls: a C leak of 40 bytes per call would be about 4 MB
    rss0 = _rss_kib()
    for _ in range(CALLS):
        _call(fn)
    gc.collect()
    rss1 = _rss_kib()
    assert rss1 - rss0 < 2048, f"{name}: RSS grew by {rss1 - rss0} KiB over {CALLS} calls"
    # Python allocations (tracemalloc slows every allocation: fewer calls)
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    for _ in range(CALLS // 20):
        _call(fn)
    gc.collect()
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(snap0, "filename"))
    tracemalloc.stop()
    # one leaked 16-byte object per call would be 80 kB here
    assert grown < 40_000, f"{name}: Python allocations grew by {grown} bytes"
