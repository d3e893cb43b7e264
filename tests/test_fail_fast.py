"""Fail fast on a non-finite f(x0) (issue 14, bug 3): the check of f(x0) comes before the
first gradient, so a non-finite value at x0 costs O(1) objective calls, not the 2n of a
central-difference gradient (before the fix: minimize(lambda v: inf, np.ones(10**6)) made
2 * 10^6 calls and only then raised).

Sizes are chosen so that a run that does compute the whole gradient still fails quickly
(a Python call gets a fresh copy of x, so its cost grows with n: 2 * 10^5 calls at
n = 10^5 take ~4.5 s, at n = 2 * 10^4 ~0.1 s).

minimize and Descent raise ValueError naming x0 (the README: "A non-finite f or gradient at
x0 is a ValueError").  minimize_batch does not raise: its documented answer is status 3 or 4
with nit 0 for such a start; the test asks for that answer after O(1) calls per start."""
import ctypes

import numpy as np
import pytest

import gdfast
import interrupt_cases as ic

N = 20_000            # Python callables
N_VEC = 2_000         # vectorized: a central stencil would be one (2n, n) = 64 MB call
N_C = 20_000          # the C objective (its private copy of x costs O(n) per call)
MAX_CALLS = 3


class Counting:
    """f = inf everywhere, counting calls (and, vectorized, the points evaluated)."""

    def __init__(self, vectorized=False):
        self.vectorized = vectorized
        self.calls = 0
        self.points = 0

    def __call__(self, x):
        self.calls += 1
        if self.vectorized:
            self.points += x.shape[0]
            return np.full(x.shape[0], np.inf)
        self.points += 1
        return float("inf")


@pytest.fixture(scope="module")
def c_inf(tmp_path_factory):
    """The compiled ``gdfast_inf_counting`` (f = inf) and a reader of its call counter."""
    lib = ic.load_c_library(ic.build_c_library(tmp_path_factory.mktemp("failfast_c")))
    counter = ctypes.c_long.in_dll(lib, "gdfast_calls")

    def calls(reset=False):
        value = counter.value
        if reset:
            counter.value = 0
        return value
    calls(reset=True)
    return lib.gdfast_inf_counting, calls


@pytest.mark.parametrize("jac", [None, "central", "forward", "central4"])
def test_minimize_python(jac):
    f = Counting()
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(f, np.ones(N), jac=jac)
    assert f.calls <= MAX_CALLS, f"{f.calls} calls of f before the ValueError"


def test_minimize_python_huge():
    """The issue's own case, n = 10^6; kept to a size that fails in a few seconds at most
    (n = 10^6 before the fix would take minutes): the first 3 calls must decide."""
    f = Counting()
    calls_at_raise = []

    def g(x):
        if f.calls >= 100:               # far beyond O(1): give up early, fail below
            calls_at_raise.append(f.calls)
            raise RuntimeError("too many calls")
        return f(x)
    with pytest.raises((ValueError, RuntimeError)) as info:
        gdfast.minimize(g, np.ones(10**6))
    assert info.type is ValueError and not calls_at_raise, \
        ">= 100 calls of f (n = 10^6) before any ValueError"
    assert "x0" in str(info.value)
    assert f.calls <= MAX_CALLS


def test_minimize_vectorized():
    f = Counting(vectorized=True)
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(f, np.ones(N_VEC), vectorized=True)
    assert f.points <= MAX_CALLS, \
        f"{f.points} points evaluated in {f.calls} calls before the ValueError"


def test_descent_python():
    f = Counting()
    with pytest.raises(ValueError, match="x0"):
        gdfast.Descent(f, np.ones(N), lr=0.1).step(1)
    assert f.calls <= MAX_CALLS, f"{f.calls} calls of f before the ValueError"


def test_descent_reset_python():
    """reset() to a non-finite x0 after a good start."""
    calls = [0]

    def f(x):
        calls[0] += 1
        return float("inf") if x[0] > 5 else float(x @ x)
    d = gdfast.Descent(f, np.zeros(N) + 0.001, lr=0.1)
    x_bad = np.zeros(N)
    x_bad[0] = 10.0
    calls[0] = 0
    with pytest.raises(ValueError, match="x0"):
        d.reset(x_bad)
    assert calls[0] <= MAX_CALLS, f"{calls[0]} calls of f before the ValueError"


def test_batch_python():
    f = Counting()
    m = 3
    res = gdfast.minimize_batch(f, np.ones((m, N)))
    assert list(res.status) == [gdfast.Status.DIVERGED] * m and list(res.nit) == [0] * m
    assert f.calls <= MAX_CALLS * m, f"{f.calls} calls of f for {m} starts"


def test_batch_vectorized():
    f = Counting(vectorized=True)
    m = 3
    res = gdfast.minimize_batch(f, np.ones((m, N_VEC)), vectorized=True)
    assert list(res.status) == [gdfast.Status.DIVERGED] * m and list(res.nit) == [0] * m
    assert f.points <= MAX_CALLS * m, f"{f.points} points evaluated for {m} starts"


def test_minimize_lowlevel(c_inf):
    fp, calls = c_inf
    calls(reset=True)
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(fp, np.ones(N_C))
    assert calls() <= MAX_CALLS, f"{calls()} calls of the C f before the ValueError"


def test_descent_lowlevel(c_inf):
    fp, calls = c_inf
    calls(reset=True)
    with pytest.raises(ValueError, match="x0"):
        gdfast.Descent(fp, np.ones(N_C), lr=0.1)
    assert calls() <= MAX_CALLS, f"{calls()} calls of the C f before the ValueError"


@pytest.mark.parametrize("threads", [1, 2])
def test_batch_lowlevel(c_inf, threads):
    fp, calls = c_inf
    calls(reset=True)
    m = 4
    res = gdfast.minimize_batch(fp, np.ones((m, N_C)), threads=threads)
    assert list(res.status) == [gdfast.Status.DIVERGED] * m and list(res.nit) == [0] * m
    assert calls() <= MAX_CALLS * m, f"{calls()} calls of the C f for {m} starts"
