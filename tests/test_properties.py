"""Property tests (hypothesis): finite differences within their theoretical error, Armijo
never increasing f, results independent of input layout and dtype."""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import gdfast
from gdfast.objectives import Quadratic, Rosenbrock

EPS = np.finfo(float).eps
REL = {"forward": EPS ** 0.5, "central": EPS ** (1 / 3), "central4": EPS ** 0.2}
coef = st.floats(-3.0, 3.0, allow_nan=False)
point = st.floats(-5.0, 5.0, allow_nan=False)


@st.composite
def smooth_problem(draw):
    n = draw(st.integers(1, 6))
    a = np.array(draw(st.lists(coef, min_size=n, max_size=n)))
    b = np.array(draw(st.lists(coef, min_size=n, max_size=n)))
    c = np.array(draw(st.lists(coef, min_size=n, max_size=n)))
    d = draw(coef)
    x = np.array(draw(st.lists(point, min_size=n, max_size=n)))
    return a, b, c, d, x


@given(smooth_problem(), st.sampled_from(["forward", "central", "central4"]))
def test_fd_within_theoretical_error(problem, method):
    """f = sum a_i sin(b_i x_i + c_i) + d (sum x)^2.  Truncation error of the formula
    (k-th derivative bound |a_i| |b_i|^k; the quadratic part is exact for the central ones and
    contributes d h for forward) plus rounding (a few eps |f| / h)."""
    a, b, c, d, x = problem
    f = lambda v: float(np.sum(a * np.sin(b * v + c)) + d * np.sum(v) ** 2)
    grad = a * b * np.cos(b * x + c) + 2 * d * np.sum(x)
    g = gdfast.gradient(f, x, method=method)
    h = REL[method] * np.maximum(1.0, np.abs(x))
    fmax = np.sum(np.abs(a)) + abs(d) * (np.sum(np.abs(x)) + 1) ** 2 + 1.0
    if method == "forward":
        trunc = h / 2 * (np.abs(a) * b ** 2 + 2 * abs(d))
        rounding = 4 * EPS * fmax / h
    elif method == "central":
        trunc = h ** 2 / 6 * np.abs(a) * np.abs(b) ** 3
        rounding = 4 * EPS * fmax / h
    else:
        trunc = h ** 4 / 30 * np.abs(a) * np.abs(b) ** 5
        rounding = 8 * EPS * fmax / h
    assert np.all(np.abs(g - grad) <= 2 * (trunc + rounding) + 1e-300), (g - grad, trunc, rounding)


@st.composite
def spd_quadratic(draw):
    n = draw(st.integers(1, 8))
    M = draw(hnp.arrays(float, (n, n), elements=st.floats(-2, 2)))
    A = M @ M.T + 0.1 * np.eye(n)
    x0 = draw(hnp.arrays(float, n, elements=st.floats(-10, 10)))
    return A, x0


@given(spd_quadratic(), st.floats(1e-3, 1e3))
def test_armijo_never_increases_f(problem, lr):
    A, x0 = problem
    res = gdfast.minimize(Quadratic(A), x0, lr=lr, step_rule="armijo", max_iter=50,
                          history=True)
    assert np.all(np.diff(res.history.fun) <= 0)


@given(hnp.arrays(float, 4, elements=st.floats(-1.5, 1.5)), st.sampled_from([
    {"lr": 1e-3}, {"method": "adam", "lr": 1e-2}, {"step_rule": "bb", "lr": 1e-3},
    {"lr": 1e-3, "bounds": (-1, 1)}]))
def test_results_independent_of_layout_and_dtype(x, kw):
    x = x.astype(np.float32).astype(np.float64)             # exactly representable in float32
    r = Rosenbrock(4)
    ref = gdfast.minimize(r, x, max_iter=30, gtol=0, **kw)
    big = np.zeros((4, 3))
    big[:, 1] = x
    for variant in (x.astype(np.float32), big[:, 1], np.asfortranarray(x), list(x),
                    x[::-1].copy()[::-1]):
        got = gdfast.minimize(r, variant, max_iter=30, gtol=0, **kw)
        np.testing.assert_array_equal(got.x, ref.x)
        assert got.fun == ref.fun and got.nit == ref.nit
    X = np.asfortranarray(np.vstack([x, x]))
    if "method" not in kw and "bounds" not in kw and "step_rule" not in kw:
        batch = gdfast.minimize_batch(r, X, max_iter=30, gtol=0, **kw)
        np.testing.assert_array_equal(batch.x[0], ref.x)
