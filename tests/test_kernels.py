"""The vectorized kernels of src/gd_kernels.h (exp, log1p on [0, 1]) against long double
references and NumPy, both the CPU-dispatched build and the portable inline one, and the
Logistic objective built on them at extreme margins."""
import numpy as np
import pytest

import gdfast
from gdfast import Status, _builtins
from gdfast.objectives import Logistic

BUILDS = [pytest.param(True, id="dispatched"), pytest.param(False, id="portable")]


def ulp_error(got, ref):
    """|got - ref| in units of the float64 spacing at ref (ref in long double), where ref is a
    positive finite float64."""
    with np.errstate(over="ignore"):
        r64 = ref.astype(np.float64)
    ok = np.isfinite(r64) & (r64 > 0)
    spacing = np.spacing(r64[ok]).astype(np.longdouble)
    return np.abs(got[ok].astype(np.longdouble) - ref[ok]) / spacing


@pytest.mark.parametrize("dispatched", BUILDS)
def test_exp_accuracy(dispatched):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-750, 715, 200_000), rng.uniform(-1, 1, 50_000),
                        rng.uniform(-1e-8, 1e-8, 10_000), rng.uniform(-746, -700, 50_000),
                        rng.uniform(700, 709.78, 10_000), np.arange(-1100, 1100) * np.log(2)])
    got = _builtins._exp_kernel(x, dispatched)
    ref = np.exp(x.astype(np.longdouble))
    err = ulp_error(got, ref)
    assert err.max() <= 1.0, err.max()                     # NumPy's: about 0.7
    with np.errstate(over="ignore"):
        want = np.exp(x)
        # overflow and underflow where the correctly rounded result does
        r64 = ref.astype(np.float64)
    finite = np.isfinite(want)
    # within 2 ulps of NumPy's exp, subnormals included (ulp 5e-324 there)
    assert np.all(np.abs(got[finite] - want[finite]) <= 2 * np.spacing(want[finite]))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(r64))
    np.testing.assert_array_equal(got == 0.0, r64 == 0.0)


@pytest.mark.parametrize("dispatched", BUILDS)
def test_exp_special_values(dispatched):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 709.782712893384, 709.7827128933841,
                  710.0, 1e308, -745.1332191019411, -745.1332191019412, -746.0, -1e308,
                  -708.3964185322641, 5e-324, -5e-324, 1.0])
    got = _builtins._exp_kernel(x, dispatched)
    with np.errstate(over="ignore"):
        want = np.exp(x)
    np.testing.assert_array_equal(got[[0, 1, 2, 3, 7, 8, 11, 12, 14, 15]],
                                  [1.0, 1.0, np.inf, 0.0, np.inf, np.inf, 0.0, 0.0, 1.0, 1.0])
    assert np.isnan(got[4])
    np.testing.assert_allclose(got[[5, 9, 13, 16]], want[[5, 9, 13, 16]], rtol=3e-16)
    assert got[6] == np.inf
    assert got[9] == 5e-324 and got[10] == 0.0             # the smallest subnormal, then 0
    assert abs(got[16] - np.e) <= np.spacing(np.e)          # within 1 ulp, not always exact


@pytest.mark.parametrize("dispatched", BUILDS)
def test_log1p_unit_accuracy(dispatched):
    rng = np.random.default_rng(1)
    e = np.concatenate([rng.uniform(0, 1, 200_000), 10.0 ** rng.uniform(-320, 0, 50_000),
                        [0.0, 5e-324, 1e-300, np.sqrt(2) - 1, np.nextafter(np.sqrt(2) - 1, 1),
                         1.0]])
    got = _builtins._log1p_unit_kernel(e, dispatched)
    ref = np.log1p(e.astype(np.longdouble))
    assert ulp_error(got, ref).max() <= 1.5
    want = np.log1p(e)
    assert np.all(np.abs(got - want) <= 2 * np.spacing(want))
    assert got[-6] == 0.0 and got[-5] == 5e-324
    assert np.isnan(_builtins._log1p_unit_kernel(np.array([np.nan]), dispatched)[0])


def _logistic_reference(X, y, w):
    z = X @ w
    f = np.mean(np.logaddexp(0.0, z) - y * z)
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
    return f, X.T @ (s - y) / len(y), z


@pytest.mark.parametrize("scale", [1.0, 30.0, 400.0, 1e4, 1e200])
def test_logistic_at_extreme_margins(scale):
    """z = X w far into both tails (exp(-|z|) underflowing to subnormals and to 0): finite,
    accurate values and gradients."""
    rng = np.random.default_rng(2)
    m, n = 203, 13                                         # not multiples of the block sizes
    X = rng.normal(size=(m, n))
    y = (rng.uniform(size=m) > 0.5).astype(float)
    w = rng.normal(size=n) * scale / np.sqrt(n)
    obj = Logistic(X, y)
    f_ref, g_ref, z = _logistic_reference(X, y, w)
    f, g = obj.value_and_gradient(w)
    assert np.isfinite(f) and np.all(np.isfinite(g))
    # each term is accurate to a few ulps of its own size; the terms can cancel
    terms = np.abs(np.logaddexp(0.0, z)) + np.abs(y * z)
    assert abs(f - f_ref) <= 1e-14 * np.mean(terms) + 1e-300
    assert f == obj(w)
    np.testing.assert_allclose(g, g_ref, rtol=1e-12, atol=1e-15 * np.abs(X).max())
    np.testing.assert_array_equal(g, obj.gradient(w))


def test_logistic_block_sizes_agree():
    """Row counts around the block size give the same answer as NumPy."""
    rng = np.random.default_rng(3)
    for m in (1, 2, 3, 63, 64, 65, 127, 128, 129, 300):
        for n in (1, 7, 8, 9, 50):
            X = rng.normal(size=(m, n))
            y = (rng.uniform(size=m) > 0.5).astype(float)
            w = rng.normal(size=n)
            f_ref, g_ref, _ = _logistic_reference(X, y, w)
            f, g = Logistic(X, y, alpha=0.5).value_and_gradient(w)
            assert f == pytest.approx(f_ref + 0.25 * w @ w, rel=1e-13)
            np.testing.assert_allclose(g, g_ref + 0.5 * w, rtol=1e-12, atol=1e-14)


def test_logistic_descent_skips_values_but_finishes_with_one():
    """Logistic without penalty does not evaluate f at every iterate (its gradient is
    bounded); the result still carries f at the final x.  With a penalty it does."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(100, 5))
    y = (X[:, 0] > 0).astype(float)
    assert gdfast.minimize(Logistic(X, y, alpha=0.1), np.zeros(5), method="adam",
                           max_iter=50, gtol=0).nfev == 51
    obj = Logistic(X, y)
    res = gdfast.minimize(obj, np.zeros(5), method="adam", lr=0.05, max_iter=50, gtol=0)
    assert res.nit == 50 and res.njev == 51
    assert res.nfev == 2                                   # x0 and the final x
    assert res.fun == obj(res.x)
    # with a test that needs f, f is evaluated every iteration again
    res2 = gdfast.minimize(obj, np.zeros(5), method="adam", lr=0.05, max_iter=50, gtol=0,
                           ftol=1e-300)
    assert res2.nfev == 51
    np.testing.assert_array_equal(res.x, res2.x)


def test_logistic_divergence_is_reported():
    """A step size far too large with an L2 penalty makes w blow up: the run stops with a
    non-finite status and the last finite iterate."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] > 0).astype(float)
    res = gdfast.minimize(Logistic(X, y, alpha=1.0), np.ones(3), lr=10.0, max_iter=100_000,
                          gtol=0)
    assert not res.success
    assert res.status in (Status.DIVERGED, Status.NONFINITE)
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
    assert np.all(np.isfinite(res.jac))
