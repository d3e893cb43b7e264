"""Nonlinear CG and L-BFGS (method="cg" / "lbfgs"): convergence on the rotated ill-conditioned
quadratic and on Rosenbrock within SciPy's iteration budgets (SciPy run here, on the same
problems), the first iterates against an independent NumPy transcription of the formulas and
of the strong Wolfe search, batch lanes and the stepper against minimize, state round trips."""
import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize, rosen, rosen_der

import gdfast
from gdfast import Status
from gdfast.objectives import Himmelblau, Rosenbrock

GTOL = 1e-8


def rotated_quadratic(n=100, cond=1e4, seed=0):
    """f = x'Ax / 2, A = Q diag(logspace(0, log10 cond, n)) Q' with Q a random rotation;
    x0 a random normal point (the same seed)."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.logspace(0, np.log10(cond), n)) @ Q.T
    A = (A + A.T) / 2
    return (lambda x: 0.5 * x @ A @ x), (lambda x: A @ x), rng.standard_normal(n)


PROBLEMS = {
    "quadratic100": rotated_quadratic,
    "rosenbrock": lambda: (rosen, rosen_der, np.array([-1.2, 1.0])),
}
# (method, SciPy's method, SciPy's options): SciPy's gtol is on max |g_i| for both
SCIPY = {"cg": ("CG", dict(gtol=GTOL, norm=np.inf, maxiter=100_000)),
         "lbfgs": ("L-BFGS-B", dict(gtol=GTOL, ftol=0.0, maxiter=100_000, maxfun=100_000))}
# absolute budgets (measured by bench/cg_lbfgs_budgets.py: quadratic cg 1379, lbfgs 1070;
# rosenbrock cg 36, lbfgs 35)
BUDGET = {("quadratic100", "cg"): 2000, ("quadratic100", "lbfgs"): 1500,
          ("rosenbrock", "cg"): 60, ("rosenbrock", "lbfgs"): 60}


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("method", ["cg", "lbfgs"])
def test_reaches_gtol_within_scipys_budget(problem, method):
    f, g, x0 = PROBLEMS[problem]()
    res = gdfast.minimize(f, x0, jac=g, method=method, gtol=GTOL, max_iter=100_000)
    assert res.status == Status.CONVERGED and res.stop_reason == "gtol", res.message
    assert np.abs(g(res.x)).max() <= GTOL
    name, options = SCIPY[method]
    ref = scipy_minimize(f, x0, jac=g, method=name, options=options)
    assert np.abs(g(ref.x)).max() <= GTOL        # SciPy reaches it too
    assert res.nit <= 1.5 * ref.nit, (res.nit, ref.nit)
    assert res.nit <= BUDGET[problem, method]


# ---- an independent transcription: Nocedal & Wright's algorithms 3.5 / 3.6 as
#      src/_stepsize.pyx describes them, PR+ / FR and the two-loop recursion -----------------

def wolfe(f, g, x, fx, gx, d, t, c1, c2, max_evals):
    """Strong Wolfe along x - t d; returns the accepted point, f and g there."""
    dphi0 = -gx @ d
    assert dphi0 < 0

    def phi(t):
        xt = x - t * d
        ft, gt = f(xt), g(xt)
        return xt, ft, gt, -gt @ d

    def interpolate(lo, hi, phi_lo, dphi_lo, phi_hi):
        w = hi - lo
        denom = 2.0 * (phi_hi - phi_lo - dphi_lo * w)
        a, b = min(lo, hi), max(lo, hi)
        if denom != 0.0 and np.isfinite(denom):
            tt = lo - dphi_lo * w * w / denom
            if a + 0.1 * (b - a) <= tt <= b - 0.1 * (b - a):
                return tt
        return 0.5 * (lo + hi)

    evals, t_prev, phi_prev, dphi_prev = 0, 0.0, fx, dphi0
    while True:
        assert evals < max_evals
        xt, ft, gt, dphi = phi(t)
        evals += 1
        if ft > fx + c1 * t * dphi0 or (evals > 1 and ft >= phi_prev):
            lo, phi_lo, dphi_lo, hi, phi_hi = t_prev, phi_prev, dphi_prev, t, ft
            break
        if abs(dphi) <= -c2 * dphi0:
            return xt, ft, gt
        if dphi >= 0:
            lo, phi_lo, dphi_lo, hi, phi_hi = t, ft, dphi, t_prev, phi_prev
            break
        t_prev, phi_prev, dphi_prev, t = t, ft, dphi, 2 * t
    while True:
        assert evals < max_evals
        t = interpolate(lo, hi, phi_lo, dphi_lo, phi_hi)
        xt, ft, gt, dphi = phi(t)
        evals += 1
        if ft > fx + c1 * t * dphi0 or ft >= phi_lo:
            hi, phi_hi = t, ft
        else:
            if abs(dphi) <= -c2 * dphi0:
                return xt, ft, gt
            if dphi * (hi - lo) >= 0:
                hi, phi_hi = lo, phi_lo
            lo, phi_lo, dphi_lo = t, ft, dphi


def reference_cg(f, g, x0, steps, beta="pr+", lr=1.0):
    x, fx, gx = x0.copy(), f(x0), g(x0)
    n = len(x0)
    out, d_prev, g_prev, t_prev, slope_prev, since, length = [], None, None, 0.0, 0.0, 0, 0.0
    for k in range(steps):
        d = gx.copy()
        steepest = True
        if d_prev is not None and since < n:
            if beta == "fr":
                b = (gx @ gx) / (g_prev @ g_prev)
            else:
                b = max(gx @ (gx - g_prev) / (g_prev @ g_prev), 0.0)
            cand = gx + b * d_prev
            if gx @ cand > 0:
                d, steepest = cand, False
        if steepest:
            since = 0
        slope = gx @ d
        if d_prev is None:
            t0 = lr / np.linalg.norm(gx)
        else:
            t0 = min(t_prev * slope_prev / slope, 10 * length / np.linalg.norm(d))
        x_new, f_new, g_new = wolfe(f, g, x, fx, gx, d, t0, 1e-4, 0.1, 30)
        t_prev = (x - x_new) @ d / (d @ d)
        length = np.linalg.norm(x - x_new)
        d_prev, g_prev, slope_prev, since = d, gx, slope, since + 1
        x, fx, gx = x_new, f_new, g_new
        out.append(x)
    return np.array(out)


def reference_lbfgs(f, g, x0, steps, m=10, lr=1.0):
    x, fx, gx = x0.copy(), f(x0), g(x0)
    pairs, out, x_prev, g_prev = [], [], None, None
    for k in range(steps):
        if x_prev is not None:
            s, y = x - x_prev, gx - g_prev
            if s @ y > 2.220446049250313e-16 * np.linalg.norm(s) * np.linalg.norm(y):
                pairs = (pairs + [(s, y)])[-m:]
        q = gx.copy()
        alphas = []
        for s, y in reversed(pairs):
            a = (s @ q) / (s @ y)
            alphas.append(a)
            q = q - a * y
        if pairs:
            s, y = pairs[-1]
            q = (s @ y) / (y @ y) * q
            for (s, y), a in zip(pairs, reversed(alphas)):
                q = q + (a - (y @ q) / (s @ y)) * s
        t0 = 1.0 if pairs else lr / np.linalg.norm(gx)
        x_prev, g_prev = x, gx
        x, fx, gx = wolfe(f, g, x, fx, gx, q, t0, 1e-4, 0.9, 30)
        out.append(x)
    return np.array(out)


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("method,kw,reference", [
    ("cg", {}, lambda f, g, x0, k: reference_cg(f, g, x0, k)),
    ("cg", {"options": {"beta": "fr"}}, lambda f, g, x0, k: reference_cg(f, g, x0, k, "fr")),
    ("lbfgs", {}, lambda f, g, x0, k: reference_lbfgs(f, g, x0, k)),
    ("lbfgs", {"options": {"memory": 3}}, lambda f, g, x0, k: reference_lbfgs(f, g, x0, k, 3)),
], ids=["pr+", "fr", "lbfgs", "lbfgs-m3"])
def test_first_iterates_match_numpy_transcription(problem, method, kw, reference):
    f, g, x0 = PROBLEMS[problem]()
    steps = 8
    ref = reference(f, g, x0, steps)
    res = gdfast.minimize(f, x0, jac=g, method=method, gtol=0, max_iter=steps, history=True,
                          **kw)
    scale = np.abs(ref).max()
    np.testing.assert_allclose(res.history.x[1:], ref, rtol=0, atol=1e-9 * scale)


def test_restart_period_and_fr_differ_from_default():
    f, g, x0 = PROBLEMS["quadratic100"]()
    runs = [gdfast.minimize(f, x0, jac=g, method=m, gtol=0, max_iter=30)
            for m in ("cg", gdfast.CG(beta="fr"), gdfast.CG(restart=5))]
    assert not np.array_equal(runs[0].x, runs[1].x)
    assert not np.array_equal(runs[0].x, runs[2].x)
    sd = gdfast.minimize(f, x0, jac=g, method=gdfast.CG(restart=1), gtol=0, max_iter=30)
    assert f(sd.x) > f(runs[0].x)            # restart=1: steepest descent, far slower


def test_armijo_step_rule_and_refusals():
    res = gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], method="lbfgs", step_rule="armijo",
                          gtol=1e-8, max_iter=500)
    assert res.success
    with pytest.raises(ValueError, match="needs a line search step_rule"):
        gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], method="cg", step_rule="bb")


# ---- lanes, stepper, state ----------------------------------------------------------------

X0 = np.random.default_rng(7).uniform(-3, 3, (37, 2))


@pytest.mark.parametrize("fun", [Rosenbrock(2), Himmelblau(),
                                 lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2],
                         ids=["rosenbrock", "himmelblau-block", "python-fd"])
@pytest.mark.parametrize("method", ["cg", "lbfgs", gdfast.LBFGS(memory=2)])
@pytest.mark.parametrize("step_rule", [None, "armijo"])
def test_batch_rows_equal_minimize_bit_for_bit(fun, method, step_rule):
    kw = dict(method=method, step_rule=step_rule, gtol=1e-9, max_iter=80)
    res = gdfast.minimize_batch(fun, X0, **kw)
    if not (method == "cg" and step_rule == "armijo"):     # (CG + Armijo: slow, all 80)
        assert len(set(res.nit)) > 3                # lanes stop at different iterations
    for i in range(len(X0)):
        r = gdfast.minimize(fun, X0[i], **kw)
        np.testing.assert_array_equal(res.x[i], r.x, err_msg=f"row {i}")
        np.testing.assert_array_equal(res.jac[i], r.jac, err_msg=f"row {i}")
        assert (res.nit[i], res.status[i], res.nfev[i], res.njev[i]) == (
            r.nit, r.status, r.nfev, r.njev), f"row {i}"


def test_batch_converges_on_every_start():
    for method in ("cg", "lbfgs"):
        res = gdfast.minimize_batch(Rosenbrock(2), X0, method=method, gtol=1e-9)
        assert np.all(res.status == Status.CONVERGED), (method, res.status)


def test_batch_threads_and_blocks_agree():
    X = np.random.default_rng(3).uniform(-3, 3, (300, 2))
    one = gdfast.minimize_batch(Himmelblau(), X, method="lbfgs", gtol=1e-9, threads=1)
    two = gdfast.minimize_batch(Himmelblau(), X, method="lbfgs", gtol=1e-9, threads=2)
    np.testing.assert_array_equal(one.x, two.x)
    np.testing.assert_array_equal(one.nit, two.nit)


@pytest.mark.parametrize("method", ["cg", "lbfgs"])
def test_stepper_matches_minimize(method):
    d = gdfast.Descent(Rosenbrock(2), [-1.2, 1.0], method=method, gtol=0)
    for k in (1, 2, 5, 13, 30):
        ref = gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], method=method, gtol=0, max_iter=k)
        d.step(k - d.nit)
        np.testing.assert_array_equal(d.x, ref.x)
        assert d.nit == ref.nit


@pytest.mark.parametrize("method", ["cg", "lbfgs"])
def test_state_continues_a_run_bit_for_bit(method):
    f, g, x0 = PROBLEMS["quadratic100"]()
    whole = gdfast.minimize(f, x0, jac=g, method=method, gtol=0, max_iter=40)
    first = gdfast.minimize(f, x0, jac=g, method=method, gtol=0, max_iter=15)
    assert "qn" in first.state
    rest = gdfast.minimize(f, first.x, jac=g, method=method, gtol=0, max_iter=25,
                           state=first.state)
    np.testing.assert_array_equal(rest.x, whole.x)
    with pytest.raises(ValueError, match=r"state\['qn'\] must have length"):
        gdfast.minimize(f, first.x[:50], jac=lambda x: x, method=method, state={
            **first.state, **{k: first.state[k][:50] for k in ("m", "v", "w")}})
