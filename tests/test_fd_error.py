"""Finite-difference error estimates (gradient(error=True)), the noise stop (noise_stop=True)
and check_gradient, in minimize, Descent and minimize_batch."""
import hashlib

import numpy as np
import pytest

import gdfast
from gdfast.objectives import Quadratic, Rosenbrock

EPS32 = 2.0 ** -24
METHODS = ["central", "forward", "backward", "central4"]


# ---- smooth test functions with analytic gradients

def rosen(x):
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def rosen_grad(x):
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def expsin(x):
    return float(np.exp(np.sum(np.sin(x))) + np.sum(x ** 3) / 3.0)


def expsin_grad(x):
    return np.exp(np.sum(np.sin(x))) * np.cos(x) + x ** 2


SMOOTH = [(rosen, rosen_grad), (expsin, expsin_grad)]


# ---- a noisy objective: float32-level relative noise, decorrelated between points (as in a
# long float32 computation), deterministic (a hash of x)

C = np.array([1.0, -2.0, 0.5, 3.0])
W = np.array([1.0, 2.0, 4.0, 0.5])


def _unit_noise(x):
    h = hashlib.blake2b(np.asarray(x, dtype=np.float64).tobytes(), digest_size=8).digest()
    return int.from_bytes(h, "little") / 2.0 ** 63 - 1.0


def noisy(x):
    return (float(np.sum(W * (x - C) ** 2)) + 1.0) * (1.0 + EPS32 * _unit_noise(x))


def noisy_vec(X):
    X = np.atleast_2d(X)
    return np.array([noisy(row) for row in X])


def noisy_grad(x):
    return 2.0 * W * (x - C)


def quad32(x):
    """A quadratic computed in float32."""
    x = np.asarray(x, dtype=np.float32)
    return float(np.sum(W.astype(np.float32) * (x - C.astype(np.float32)) ** 2) + np.float32(1))


# ---- the estimate

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fun, grad", SMOOTH, ids=["rosenbrock", "expsin"])
def test_estimate_bounds_true_error_on_smooth_functions(fun, grad, method):
    rng = np.random.default_rng(0)
    covered = []
    ratio = []
    for _ in range(60):
        x = rng.uniform(-2, 2, 5)
        g, err = gdfast.gradient(fun, x, method=method, error=True)
        true = np.abs(g - grad(x))
        assert np.all(np.isfinite(err)) and np.all(err > 0)
        covered.append(true <= err)
        # not far below the true error where it misses (a single noisy difference)
        assert np.all(true <= 20 * err)
        ratio.append(err.max() / max(true.max(), 1e-300))
    covered = np.concatenate(covered)
    assert covered.mean() >= 0.9
    # honest, not a constant cap: within a small factor of the actual error
    assert np.median(ratio) < 10
    assert np.max(ratio) < 100


@pytest.mark.parametrize("method", METHODS)
def test_gradient_is_the_same_with_and_without_error(method):
    x = np.array([0.3, -1.2, 2.0])
    g = gdfast.gradient(expsin, x, method=method)
    g2, err = gdfast.gradient(expsin, x, method=method, error=True)
    assert np.array_equal(g, g2)
    assert err.shape == g.shape


@pytest.mark.parametrize("method", METHODS)
def test_extra_points_are_counted(method):
    calls = []

    def f(x):
        calls.append(1)
        return expsin(x)

    n = 3
    gdfast.gradient(f, np.ones(n), method=method)
    plain = len(calls)
    calls.clear()
    gdfast.gradient(f, np.ones(n), method=method, error=True)
    extra = 1 if method in ("forward", "backward") else 2
    assert len(calls) == plain + extra * n


def test_estimate_grows_with_noise():
    x = np.array([0.3, 0.2, 0.1, 2.0])
    _, e64 = gdfast.gradient(lambda v: float(np.sum(W * (v - C) ** 2)) + 1.0, x, error=True)
    g, enoisy = gdfast.gradient(noisy, x, error=True)
    _, e32 = gdfast.gradient(quad32, x, error=True)
    assert np.all(enoisy > 1e3 * e64)
    assert np.max(e32) > 1e3 * np.max(e64)
    # the estimate follows the actual error of the noisy gradient (not a constant)
    rng = np.random.default_rng(1)
    true, est = [], []
    for _ in range(40):
        x = rng.uniform(-3, 3, 4)
        g, e = gdfast.gradient(noisy, x, error=True)
        true.append(np.abs(g - noisy_grad(x)))
        est.append(e)
    true, est = np.concatenate(true), np.concatenate(est)
    # where noise dominates, the estimate is one draw of the same size as the error (its
    # RMS matches), so it bounds a single component only about half the time
    assert 0.5 < np.sqrt(np.mean(est ** 2) / np.mean(true ** 2)) < 3
    assert np.mean(true <= est) >= 0.4


def test_estimate_grows_with_additive_noise():
    rng = np.random.default_rng(2)
    x = np.array([0.5, -0.5, 1.5, 2.5])
    scales = []
    for level in (1e-12, 1e-10, 1e-8):
        def f(v, level=level):
            return float(np.sum(W * (v - C) ** 2)) + level * rng.standard_normal()
        errs = [gdfast.gradient(f, x, error=True)[1] for _ in range(20)]
        scales.append(np.median(errs))
    # grows as the noise (by about 100 each step)
    assert 20 < scales[1] / scales[0] < 500
    assert 20 < scales[2] / scales[1] < 500


def test_gradient_error_bad_input():
    with pytest.raises(TypeError, match="error"):
        gdfast.gradient(expsin, [1.0, 2.0], error="yes")


def test_gradient_error_vectorized_and_objective():
    x = np.array([0.5, -0.5, 1.5, 2.5])
    g1, e1 = gdfast.gradient(noisy, x, error=True)
    g2, e2 = gdfast.gradient(noisy_vec, x, error=True, vectorized=True)
    assert np.array_equal(g1, g2) and np.array_equal(e1, e2)
    x = np.array([0.3, 0.7])
    g, e = gdfast.gradient(Rosenbrock(), x, error=True)
    assert np.all(np.abs(g - rosen_grad(x)) <= e)


# ---- the noise stop

def test_noise_stop_where_gtol_is_unreachable():
    x0 = np.zeros(4)
    plain = gdfast.minimize(noisy, x0, lr=0.1, gtol=1e-8, max_iter=1500)
    assert plain.stop_reason == "max_iter" and not plain.success
    res = gdfast.minimize(noisy, x0, lr=0.1, gtol=1e-8, max_iter=1500, noise_stop=True)
    assert res.status == gdfast.Status.CONVERGED
    assert res.stop_reason == "noise" and res.success
    assert "noise floor" in res.message
    assert res.nit < plain.nit
    # at the noise floor: the true gradient is within a few times the estimate there, x as
    # close to the minimizer as float32-level noise allows with these steps
    _, err = gdfast.gradient(noisy, res.x, error=True)
    assert np.all(np.abs(noisy_grad(res.x)) <= 4 * err + 1e-12)
    assert np.max(np.abs(res.x - C)) < 1e-2


def test_noise_stop_on_float32_objective():
    res = gdfast.minimize(quad32, np.zeros(4), lr=0.1, gtol=1e-8, max_iter=2000,
                          noise_stop=True)
    assert res.success and res.stop_reason in ("noise", "gtol")
    assert np.max(np.abs(res.x - C)) < 2e-2


def test_noise_stop_is_off_by_default_and_changes_nothing():
    a = gdfast.minimize(rosen, [-1.0, 1.0], lr=1e-3, max_iter=300)
    b = gdfast.minimize(rosen, [-1.0, 1.0], lr=1e-3, max_iter=300, noise_stop=False)
    assert np.array_equal(a.x, b.x) and a.nfev == b.nfev and a.stop_reason == b.stop_reason


def test_noise_stop_counts_the_extra_points():
    calls = []

    def f(x):
        calls.append(1)
        return noisy(x)

    res = gdfast.minimize(f, np.zeros(4), lr=0.1, max_iter=5, gtol=0, noise_stop=True)
    assert res.nfev == len(calls)


def test_noise_stop_keeps_iterates_of_a_plain_run():
    """Until it stops, the run with noise_stop takes the same steps."""
    a = gdfast.minimize(noisy, np.zeros(4), lr=0.1, gtol=1e-8, max_iter=1500)
    b = gdfast.minimize(noisy, np.zeros(4), lr=0.1, gtol=1e-8, max_iter=1500, noise_stop=True)
    c = gdfast.minimize(noisy, np.zeros(4), lr=0.1, gtol=1e-8, max_iter=b.nit)
    assert np.array_equal(b.x, c.x)
    assert a.nit > b.nit


@pytest.mark.parametrize("method", ["forward", "central4"])
def test_noise_stop_other_methods(method):
    res = gdfast.minimize(noisy, np.zeros(4), jac=method, lr=0.1, gtol=1e-8, max_iter=3000,
                          noise_stop=True)
    assert res.stop_reason == "noise" and res.success


def test_noise_stop_line_search():
    res = gdfast.minimize(noisy, np.zeros(4), lr=0.2, gtol=1e-8, max_iter=3000,
                          step_rule="armijo", noise_stop=True)
    assert res.stop_reason == "noise" and res.success


def test_noise_stop_needs_finite_differences():
    with pytest.raises(ValueError, match="noise_stop"):
        gdfast.minimize(rosen, [0.0, 0.0], jac=rosen_grad, noise_stop=True)
    with pytest.raises(ValueError, match="noise_stop"):
        gdfast.minimize(Rosenbrock(), [0.0, 0.0], noise_stop=True)
    with pytest.raises(TypeError, match="noise_stop"):
        gdfast.minimize(rosen, [0.0, 0.0], noise_stop="yes")


def test_noise_stop_builtin_values_through_finite_differences():
    res = gdfast.minimize(Quadratic(np.array([1.0, 3.0])), [2.0, -1.0], jac="central", lr=0.2,
                          gtol=0.0, max_iter=5000, noise_stop=True)
    assert res.stop_reason == "noise" and res.success
    assert np.max(np.abs(res.x)) < 1e-8


def test_noise_stop_descent():
    d = gdfast.Descent(noisy, np.zeros(4), lr=0.1, gtol=1e-8, noise_stop=True)
    ref = gdfast.minimize(noisy, np.zeros(4), lr=0.1, gtol=1e-8, noise_stop=True)
    status = d.step(10)
    assert status == gdfast.Status.RUNNING or ref.nit <= 10
    d.step(100_000)
    assert d.status == gdfast.Status.CONVERGED and d.stop_reason == "noise" and d.success
    assert d.nit == ref.nit and np.array_equal(d.x, ref.x)     # (minimize adds f at the end)
    d.reset()
    d.step(100_000)
    assert d.stop_reason == "noise" and d.nit == ref.nit


def _starts(m, seed=3):
    return np.random.default_rng(seed).uniform(-3, 3, (m, 4))


@pytest.mark.parametrize("vectorized", [False, True])
def test_noise_stop_batch_equals_minimize_per_start(vectorized):
    X0 = _starts(6)
    fun = noisy_vec if vectorized else noisy
    res = gdfast.minimize_batch(fun, X0, lr=0.1, gtol=1e-8, max_iter=1500, noise_stop=True,
                                vectorized=vectorized)
    assert list(res.stop_reason) == ["noise"] * 6
    assert res.success.all()
    for i in range(6):
        one = gdfast.minimize(noisy, X0[i], lr=0.1, gtol=1e-8, max_iter=1500,
                              noise_stop=True)
        assert one.stop_reason == "noise"
        assert res.nit[i] == one.nit
        assert np.array_equal(res.x[i], one.x)
    plain = gdfast.minimize_batch(fun, X0, lr=0.1, gtol=1e-8, max_iter=300,
                                  vectorized=vectorized)
    assert list(plain.stop_reason) == ["max_iter"] * 6


def test_noise_stop_batch_threads():
    """C-level values (a built-in through finite differences): one stencil workspace and
    verdict array per worker; results do not depend on the number of threads."""
    obj = Quadratic(np.array([1.0, 2.0, 0.5]))
    X0 = np.random.default_rng(4).uniform(-2, 2, (40, 3))
    kw = dict(jac="central", lr=0.2, gtol=0.0, max_iter=5000, noise_stop=True)
    one = gdfast.minimize_batch(obj, X0, threads=1, **kw)
    two = gdfast.minimize_batch(obj, X0, threads=2, **kw)
    assert (one.stop_reason == "noise").all()
    assert np.array_equal(one.x, two.x) and np.array_equal(one.nit, two.nit)
    for i in (0, 17, 39):
        r = gdfast.minimize(obj, X0[i], **kw)
        assert r.nit == one.nit[i] and np.array_equal(r.x, one.x[i])


def test_noise_stop_batch_per_start_data():
    """Per-start args: each start has its own function and its own verdict."""
    centers = np.array([[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0]])

    def f(x, c):
        return float(np.sum((x - c) ** 2) + 1.0) * (1.0 + EPS32 * _unit_noise(x))

    res = gdfast.minimize_batch(f, np.zeros((3, 2)), args=(centers,), lr=0.2, gtol=1e-10,
                                max_iter=3000, noise_stop=True)
    assert list(res.stop_reason) == ["noise"] * 3
    assert np.max(np.abs(res.x - centers)) < 1e-2


# ---- check_gradient

def test_check_gradient_catches_a_sign_error():
    def bad(x):
        g = rosen_grad(x)
        g[1] = -g[1]
        return g

    x0 = np.array([-1.2, 1.0, 0.5])
    with pytest.raises(ValueError, match=r"check_gradient.*component 1") as info:
        gdfast.minimize(rosen, x0, jac=bad, check_gradient=True)
    msg = str(info.value)
    assert repr(bad(x0)[1]) in msg                  # the analytic value
    assert "central differences" in msg and "error estimate" in msg


def test_check_gradient_passes_a_right_one_and_changes_nothing():
    x0 = np.array([-1.2, 1.0, 0.5])
    a = gdfast.minimize(rosen, x0, jac=rosen_grad, lr=1e-3, max_iter=200, check_gradient=True)
    b = gdfast.minimize(rosen, x0, jac=rosen_grad, lr=1e-3, max_iter=200)
    assert np.array_equal(a.x, b.x) and a.nfev == b.nfev and a.njev == b.njev


def test_check_gradient_with_value_and_gradient():
    def fg(x):
        return rosen(x), rosen_grad(x)

    def fg_bad(x):
        return rosen(x), 1.01 * rosen_grad(x)

    gdfast.minimize(fg, [0.5, 0.5], jac=True, max_iter=5, check_gradient=True)
    with pytest.raises(ValueError, match="check_gradient"):
        gdfast.minimize(fg_bad, [0.5, 0.5], jac=True, max_iter=5, check_gradient=True)


def test_check_gradient_tolerance():
    def off(x):
        return rosen_grad(x) * (1 + 1e-5)

    x0 = [0.5, 0.5]
    with pytest.raises(ValueError, match="check_gradient"):
        gdfast.minimize(rosen, x0, jac=off, max_iter=5, check_gradient=True)   # 1e-6
    gdfast.minimize(rosen, x0, jac=off, max_iter=5, check_gradient=1e-4)


def test_check_gradient_builtin_self_test():
    gdfast.minimize(Rosenbrock(), [-1.2, 1.0], max_iter=5, check_gradient=True)
    gdfast.minimize(Quadratic(np.array([1.0, 2.0])), [1.0, 1.0], max_iter=5,
                    check_gradient=True)


def test_check_gradient_without_analytic_gradient():
    with pytest.raises(ValueError, match="check_gradient.*finite differences"):
        gdfast.minimize(rosen, [0.5, 0.5], check_gradient=True)
    # off: nothing to say
    gdfast.minimize(rosen, [0.5, 0.5], max_iter=2, check_gradient=False)


def test_check_gradient_descent():
    def bad(x):
        g = rosen_grad(x)
        g[0] = 0.0
        return g

    with pytest.raises(ValueError, match="component 0"):
        gdfast.Descent(rosen, [-1.2, 1.0], jac=bad, check_gradient=True)
    d = gdfast.Descent(rosen, [-1.2, 1.0], jac=rosen_grad, lr=1e-3, check_gradient=True)
    d.step(3)
    assert d.nit == 3


def test_check_gradient_batch():
    def bad(x):
        g = rosen_grad(x)
        g[2] = -g[2]
        return g

    X0 = np.random.default_rng(5).uniform(-1, 1, (4, 3))
    with pytest.raises(ValueError, match=r"X0\[0\] in component 2"):
        gdfast.minimize_batch(rosen, X0, jac=bad, check_gradient=True)
    res = gdfast.minimize_batch(rosen, X0, jac=rosen_grad, lr=1e-3, max_iter=10,
                                check_gradient=True)
    assert res.nit.tolist() == [10] * 4


def test_check_gradient_batch_per_start_data():
    centers = np.array([[1.0, 2.0], [-1.0, 0.5]])

    def f(x, c):
        return float(np.sum((x - c) ** 3))

    def g(x, c):
        return 3 * (x - c) ** 2

    def g_bad(x, c):
        return 3 * (x - c) ** 2 + 1e-3

    gdfast.minimize_batch(f, np.zeros((2, 2)), args=(centers,), jac=g, max_iter=2,
                          check_gradient=True)
    with pytest.raises(ValueError, match="check_gradient"):
        gdfast.minimize_batch(f, np.zeros((2, 2)), args=(centers,), jac=g_bad, max_iter=2,
                              check_gradient=True)


def test_check_gradient_nonfinite_start_is_the_runs_error():
    def f(x):
        with np.errstate(invalid="ignore"):
            return float(np.log(x[0])) + x[1] ** 2

    def g(x):
        return np.array([1 / x[0], 2 * x[1]])

    with pytest.raises(ValueError, match="not finite at x0"):
        gdfast.minimize(f, [-1.0, 0.0], jac=g, check_gradient=True)
