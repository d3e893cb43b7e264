"""Update rules, step rules, bounds, clipping and state, against independent NumPy
transcriptions of the published (torch.optim) formulas."""
import contextlib
import math

import numpy as np
import pytest

import gdfast
from gdfast import Status, _config, _descent
from gdfast.objectives import Quadratic, Rosenbrock


@contextlib.contextmanager
def kernels(fused):
    """Runs set up inside use the fused kernels (True, the default) or are held to the
    general path (False): the per-run switch Config.fused, set on what minimize prepares."""
    prepare = _config.prepare
    calls = []

    def prepared(*args):
        x, objective, config = prepare(*args)
        config.fused = fused
        calls.append(config)
        return x, objective, config

    _config.prepare = prepared
    try:
        yield
    finally:
        _config.prepare = prepare
    assert calls and all(c.fused == fused for c in calls), "the switch did not reach the run"

A = np.diag([3.0, 1.0, 0.5, 2.0]) + 0.1
C = np.array([1.0, -2.0, 0.5, 0.0])
f = lambda x: 0.5 * (x - C) @ A @ (x - C)
grad = lambda x: A @ (x - C)
X0 = np.array([0.3, 0.1, -0.4, 2.0])
STEPS = 100


def sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    x, buf = X0.copy(), None
    for _ in range(STEPS):
        g = grad(x)
        g = -g if maximize else g
        g = g + weight_decay * x
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        x = x - lr * g
    return x


def adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    x, m, v, vmax = X0.copy(), np.zeros(4), np.zeros(4), np.zeros(4)
    b1, b2 = betas
    for t in range(1, STEPS + 1):
        g = grad(x)
        if decoupled:
            x = x * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if amsgrad:
            vmax = np.maximum(vmax, v)
        denom = np.sqrt(vmax if amsgrad else v) / np.sqrt(1 - b2 ** t) + eps
        x = x - lr / (1 - b1 ** t) * m / denom
    return x


def rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    x, v, ga, buf = X0.copy(), np.zeros(4), np.zeros(4), np.zeros(4)
    for _ in range(STEPS):
        g = grad(x) + weight_decay * x
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            ga = ga + (1 - alpha) * (g - ga)
            avg = np.sqrt(v - ga * ga) + eps
        else:
            avg = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            x = x - lr * buf
        else:
            x = x - lr * g / avg
    return x


def adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    x, s = X0.copy(), np.full(4, initial_accumulator_value)
    for t in range(1, STEPS + 1):
        g = grad(x) + weight_decay * x
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        x = x - clr * g / (np.sqrt(s) + eps)
    return x


CASES = [
    (gdfast.SGD(lr=0.1), sgd(0.1)),
    (gdfast.SGD(lr=0.05, momentum=0.9), sgd(0.05, momentum=0.9)),
    (gdfast.SGD(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01),
     sgd(0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    (gdfast.SGD(lr=0.05, momentum=0.9, nesterov=True), sgd(0.05, momentum=0.9, nesterov=True)),
    (gdfast.Adam(lr=0.05), adam(0.05)),
    (gdfast.Adam(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True),
     adam(0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    (gdfast.AdamW(lr=0.05), adam(0.05, weight_decay=1e-2, decoupled=True)),
    (gdfast.AdamW(lr=0.05, amsgrad=True, weight_decay=0.2),
     adam(0.05, weight_decay=0.2, amsgrad=True, decoupled=True)),
    (gdfast.RMSprop(lr=0.01), rmsprop(0.01)),
    (gdfast.RMSprop(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
     rmsprop(0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    (gdfast.Adagrad(lr=0.1), adagrad(0.1)),
    (gdfast.Adagrad(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.5, weight_decay=0.05),
     adagrad(0.1, lr_decay=0.01, initial_accumulator_value=0.5, weight_decay=0.05)),
]


@pytest.mark.parametrize("rule,expected", CASES, ids=[repr(c[0]) for c in CASES])
@pytest.mark.parametrize("kind", ["builtin", "python"])
def test_trajectory_matches_transcription(rule, expected, kind):
    fun = Quadratic(A, C) if kind == "builtin" else f
    jac = None if kind == "builtin" else grad
    res = gdfast.minimize(fun, X0, jac=jac, method=rule, max_iter=STEPS, gtol=0)
    assert res.nit == STEPS
    np.testing.assert_allclose(res.x, expected, rtol=1e-12, atol=1e-14)


def test_method_names_and_defaults_match_torch():
    res = gdfast.minimize(Quadratic(A, C), X0, method="adam", max_iter=STEPS, gtol=0)
    np.testing.assert_allclose(res.x, adam(1e-3), rtol=1e-12)
    res = gdfast.minimize(Quadratic(A, C), X0, method="rmsprop", max_iter=STEPS, gtol=0)
    np.testing.assert_allclose(res.x, rmsprop(1e-2), rtol=1e-12)
    res = gdfast.minimize(Quadratic(A, C), X0, method="adam", options={"amsgrad": True},
                          lr=0.05, max_iter=STEPS, gtol=0)
    np.testing.assert_allclose(res.x, adam(0.05, amsgrad=True), rtol=1e-12)


def test_torch_when_installed():
    torch = pytest.importorskip("torch")
    for make_t, make_g in [
        (lambda p: torch.optim.Adam([p], lr=0.05, amsgrad=True), gdfast.Adam(0.05, amsgrad=True)),
        (lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9, nesterov=True),
         gdfast.SGD(0.05, momentum=0.9, nesterov=True)),
        (lambda p: torch.optim.RMSprop([p], lr=0.01, centered=True, momentum=0.3),
         gdfast.RMSprop(0.01, centered=True, momentum=0.3)),
        (lambda p: torch.optim.Adagrad([p], lr=0.1), gdfast.Adagrad(0.1)),
        (lambda p: torch.optim.AdamW([p], lr=0.05), gdfast.AdamW(0.05)),
    ]:
        p = torch.tensor(X0, dtype=torch.float64, requires_grad=True)
        opt = make_t(p)
        At, Ct = torch.tensor(A), torch.tensor(C)
        for _ in range(STEPS):
            opt.zero_grad()
            loss = 0.5 * (p - Ct) @ At @ (p - Ct)
            loss.backward()
            opt.step()
        res = gdfast.minimize(Quadratic(A, C), X0, method=make_g, max_iter=STEPS, gtol=0)
        np.testing.assert_allclose(res.x, p.detach().numpy(), rtol=1e-12)


def test_maximize_ascends():
    res = gdfast.minimize(lambda x: -float((x - 1) @ (x - 1)), [0.0, 0.0],
                          jac=lambda x: -2 * (x - 1), lr=0.1, maximize=True, gtol=1e-9)
    assert res.success
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-8)
    np.testing.assert_allclose(sgd(0.1, maximize=True),
                               gdfast.minimize(Quadratic(A, C), X0, lr=0.1, maximize=True,
                                               max_iter=STEPS, gtol=0).x, rtol=1e-12)


@pytest.mark.parametrize("rule,rates", [
    (gdfast.ExponentialLR(0.97), lambda k: 0.2 * 0.97 ** k),
    (gdfast.InverseTimeLR(0.1), lambda k: 0.2 / (1 + 0.1 * k)),
    (gdfast.StepLR(10, gamma=0.5), lambda k: 0.2 * 0.5 ** (k // 10)),
    (gdfast.CosineLR(40, eta_min=0.01), lambda k: 0.01 + 0.19 * (1 + np.cos(np.pi * min(k, 40) / 40)) / 2),
    (gdfast.CosineLR(70), lambda k: 0.2 * (1 + np.cos(np.pi * min(k, 70) / 70)) / 2),
    (np.linspace(0.2, 0.05, 30), lambda k: np.linspace(0.2, 0.05, 30)[min(k, 29)]),
])
def test_schedules(rule, rates):
    x = X0.copy()
    for k in range(STEPS):
        x = x - rates(k) * grad(x)
    res = gdfast.minimize(Quadratic(A, C), X0, lr=0.2, step_rule=rule, max_iter=STEPS, gtol=0)
    np.testing.assert_allclose(res.x, x, rtol=1e-12)


def _rate_at_step(step_rule, lr, k):
    """The rate of update step k: one step of f = x from 0 (gradient 1) continued at t = k."""
    f, jac = (lambda x: float(x[0])), (lambda x: np.ones(1))
    state = gdfast.minimize(f, [0.0], jac=jac, lr=lr, step_rule=step_rule, max_iter=1,
                            gtol=0).state
    return -gdfast.minimize(f, [0.0], jac=jac, lr=lr, step_rule=step_rule, max_iter=1, gtol=0,
                            state=dict(state, t=k)).x[0]


@pytest.mark.parametrize("T_max", [1, 2, 3, 63, 64, 65, 1000, 10**6 + 7])
def test_cosine_rates_match_the_closed_form_at_any_step(T_max):
    # CosineLR computes cos by angle sums from a table (src/_stepsize.pyx): within 1e-15 of
    # math.cos at every step, around the table's block boundaries and past T_max
    rng = np.random.default_rng(T_max)
    ks = sorted({*range(0, 200), *rng.integers(0, T_max + 1, 60).tolist(),
                 T_max - 1, T_max, T_max + 1, 3 * T_max} - {-1})
    lr, eta_min = 0.3, 0.01
    for k in ks:
        exact = eta_min + (lr - eta_min) * (1 + math.cos(math.pi * min(k, T_max) / T_max)) / 2
        assert abs(_rate_at_step(gdfast.CosineLR(T_max, eta_min=eta_min), lr, k) - exact) \
            <= 1e-15 * lr, k
    assert _rate_at_step(gdfast.CosineLR(T_max, eta_min=eta_min), lr, T_max) == eta_min


@pytest.mark.parametrize("rule,rates,starts", [
    (gdfast.CosineLR(10**6 + 7, eta_min=1e-3),
     lambda k: 1e-3 + (0.2 - 1e-3) * (1 + math.cos(math.pi * min(k, 10**6 + 7) / (10**6 + 7))) / 2,
     [0, 4000, 4095, 10**6 - 100]),
    (gdfast.StepLR(100, gamma=0.9), lambda k: 0.2 * 0.9 ** (k // 100), [0, 50, 12345]),
    (np.linspace(0.2, 0.05, 500), lambda k: np.linspace(0.2, 0.05, 500)[min(k, 499)], [0, 450]),
])
def test_schedule_blocks_equal_the_general_path_from_any_step(rule, rates, starts):
    # plain descent takes these schedules' rates in blocks (schedule_block); the general
    # path computes each step's: the same bits, from any step on (state continued at t)
    state = gdfast.minimize(Quadratic(A, C), X0, lr=0.2, step_rule=rule, max_iter=1,
                            gtol=0).state
    for t0 in starts:
        runs = []
        for fused_kernels in (True, False):
            with kernels(fused_kernels):
                runs.append(gdfast.minimize(Quadratic(A, C), X0, lr=0.2, step_rule=rule,
                                            max_iter=300, gtol=0, state=dict(state, t=t0)).x)
        np.testing.assert_array_equal(runs[0], runs[1])
        x = X0.copy()
        for k in range(t0, t0 + 300):
            x = x - rates(k) * grad(x)
        np.testing.assert_allclose(runs[0], x, rtol=1e-12)


def test_step_lr_rates_at_any_step():
    for k in [0, 1, 6, 7, 8, 13, 14, 700, 10**6 + 3]:
        assert _rate_at_step(gdfast.StepLR(7, gamma=0.5), 0.3, k) == 0.3 * 0.5 ** (k // 7)


ROSEN_BUDGET = {"armijo": 20_000, "bb": 1_000, "wolfe": 20_000}
QUAD_BUDGET = {"armijo": 100_000, "bb": 5_000, "wolfe": 100_000}


@pytest.mark.parametrize("rule", ["armijo", "bb", "wolfe"])
def test_line_searches_reach_gtol_on_rosenbrock(rule):
    res = gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], lr=1.0, step_rule=rule, gtol=1e-6,
                          max_iter=ROSEN_BUDGET[rule])
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-5)
    assert np.max(np.abs(res.jac)) <= 1e-6


@pytest.mark.parametrize("rule", ["armijo", "bb", "wolfe"])
def test_line_searches_on_ill_conditioned_quadratic(rule, rng):
    # 100-D, condition number 1e4, rotated
    Q, _ = np.linalg.qr(rng.normal(size=(100, 100)))
    H = Q @ np.diag(np.logspace(0, 4, 100)) @ Q.T
    c = rng.normal(size=100)
    res = gdfast.minimize(Quadratic(H, c), np.zeros(100), lr=1.0, step_rule=rule, gtol=1e-6,
                          max_iter=QUAD_BUDGET[rule])
    assert res.success, res.message
    np.testing.assert_allclose(res.x, c, atol=1e-5)


def test_armijo_never_increases_f():
    res = gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], lr=1.0, step_rule="armijo",
                          max_iter=500, history=True)
    assert np.all(np.diff(res.history.fun) <= 0)


def test_fixed_step_too_large_diverges_with_last_finite_x():
    Hd = np.logspace(0, 4, 100)
    res = gdfast.minimize(Quadratic(Hd), np.ones(100), lr=1e-3, max_iter=100_000, gtol=1e-6)
    assert res.status == Status.DIVERGED
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)


def test_bounds_project_and_use_projected_gradient():
    lb, ub = np.array([-1.0, 0.5]), np.array([0.5, 3.0])
    res = gdfast.minimize(Quadratic([2.0, 2.0]), [3.0, 3.0], lr=0.1, bounds=(lb, ub),
                          gtol=1e-10, history=True)
    assert res.success
    np.testing.assert_allclose(res.x, [0.0, 0.5], atol=1e-9)
    assert np.all(res.history.x >= lb) and np.all(res.history.x <= ub)   # x0 clipped too
    sp = pytest.importorskip("scipy.optimize")
    res2 = gdfast.minimize(Quadratic([2.0, 2.0]), [3.0, 3.0], lr=0.1,
                           bounds=sp.Bounds(lb, ub), gtol=1e-10, step_rule="armijo")
    np.testing.assert_allclose(res2.x, [0.0, 0.5], atol=1e-9)
    res3 = gdfast.minimize(Quadratic([2.0, 2.0, 2.0]), [3.0, 3.0, 3.0], lr=0.1,
                           bounds=[(None, 0.5), (0.5, None), (-1, 1)], gtol=1e-10)
    np.testing.assert_allclose(res3.x, [0.0, 0.5, 0.0], atol=1e-9)


def test_gradient_clipping():
    g0 = grad(X0)
    res = gdfast.minimize(Quadratic(A, C), X0, lr=0.1, clip_norm=0.5, max_iter=1, gtol=0)
    scale = min(1.0, 0.5 / (np.linalg.norm(g0) + 1e-6))
    np.testing.assert_allclose(res.x, X0 - 0.1 * g0 * scale, rtol=1e-14)
    res = gdfast.minimize(Quadratic(A, C), X0, lr=0.1, clip_value=0.2, max_iter=1, gtol=0)
    np.testing.assert_allclose(res.x, X0 - 0.1 * np.clip(g0, -0.2, 0.2), rtol=1e-14)


@pytest.mark.parametrize("config", [
    dict(method=gdfast.Adam(0.05)), dict(method=gdfast.SGD(0.05, momentum=0.9)),
    dict(method=gdfast.RMSprop(0.01, centered=True)), dict(method=gdfast.Adagrad(0.1)),
    # the schedules' caches (StepLR's power, CosineLR's table) are rebuilt, to the same bits
    dict(lr=0.2, step_rule=gdfast.CosineLR(50, eta_min=0.01)),
    dict(lr=0.2, step_rule=gdfast.StepLR(7, gamma=0.5)),
    # SequentialLR's ExponentialLR continues its product from the state, across milestones
    dict(lr=0.2, step_rule=gdfast.SequentialLR([gdfast.ExponentialLR(0.9), gdfast.Fixed(),
                                                gdfast.ExponentialLR(0.95)], [10, 30])),
    dict(lr=0.2, step_rule=gdfast.CosineAnnealingWarmRestarts(6, T_mult=2)),
])
def test_continuing_from_state_equals_one_run(config):
    one = gdfast.minimize(Quadratic(A, C), X0, max_iter=60, gtol=0, **config)
    a = gdfast.minimize(Quadratic(A, C), X0, max_iter=25, gtol=0, **config)
    b = gdfast.minimize(Quadratic(A, C), a.x, max_iter=35, gtol=0, state=a.state, **config)
    np.testing.assert_array_equal(b.x, one.x)
    assert b.state["t"] == 60


@pytest.mark.parametrize("make,exc,word", [
    (lambda: gdfast.Adam(lr=-1.0), ValueError, "lr"),
    (lambda: gdfast.Adam(lr=np.nan), ValueError, "lr"),
    (lambda: gdfast.Adam(betas=(1.0, 0.9)), ValueError, "betas"),
    (lambda: gdfast.Adam(betas=(0.9, -0.1)), ValueError, "betas"),
    (lambda: gdfast.RMSprop(alpha=1.5), ValueError, "alpha"),
    (lambda: gdfast.SGD(momentum=-0.1), ValueError, "momentum"),
    (lambda: gdfast.ExponentialLR(np.nan), ValueError, "gamma"),
    (lambda: gdfast.StrongWolfe(c1=0.5, c2=0.1), ValueError, "c1"),
    (lambda: gdfast.BarzilaiBorwein(variant=3), ValueError, "variant"),
    (lambda: gdfast.minimize(f, X0, step_rule="cosine-ish"), ValueError, "step_rule"),
    (lambda: gdfast.minimize(f, X0, method="adam", options={"beta": 0.9}), TypeError, "beta"),
    (lambda: gdfast.minimize(f, X0, bounds=([1, 1, 1, 1], [0, 0, 0, 0])), ValueError, "lb > ub"),
    (lambda: gdfast.minimize(f, X0, bounds=([0, 0], [1, 1])), ValueError, "length 4"),
    (lambda: gdfast.minimize(f, X0, bounds=(0, 1), step_rule="wolfe"), ValueError, "Wolfe"),
    (lambda: gdfast.minimize(f, X0, clip_norm=0.0), ValueError, "clip_norm"),
    (lambda: gdfast.minimize(f, X0, step_rule=[0.1, -0.1]), ValueError, "rates"),
    (lambda: gdfast.minimize(f, X0, state={"t": 1}), ValueError, "state"),
])
def test_bad_rule_input(make, exc, word):
    with pytest.raises(exc, match=word):
        make()


# ---- the loop's fused update kernels (gd_step.h) against the general rule path (_update.pyx)
FUSED_RULES = [
    dict(),
    dict(method="momentum", options=dict(momentum=0.9)),
    dict(method=gdfast.SGD(momentum=0.8, dampening=0.3, nesterov=False)),
    dict(method=gdfast.SGD(momentum=0.9, nesterov=True)),
    dict(method="adam"),
    dict(method=gdfast.Adam(amsgrad=True)),
    dict(method=gdfast.AdamW(weight_decay=0.1)),
    dict(method=gdfast.RMSprop(momentum=0.5, centered=True)),
    dict(method="rmsprop"),
    dict(method=gdfast.Adagrad(lr_decay=0.01)),
    dict(step_rule=gdfast.ExponentialLR(0.99)),
    dict(step_rule=gdfast.StepLR(7, 0.5)),
    dict(step_rule=gdfast.CosineLR(50)),
    dict(step_rule=gdfast.CosineLR(150, eta_min=1e-3)),       # blocks of 64 steps, then the end
    dict(step_rule=gdfast.InverseTimeLR(0.1)),
    dict(step_rule=np.linspace(0.1, 0.01, 20)),
    dict(step_rule=gdfast.LinearLR(0.1, 1.0, 30)),
    dict(step_rule=gdfast.OneCycleLR(0.02, 80, anneal_strategy="linear", three_phase=True)),
    dict(step_rule=gdfast.CosineAnnealingWarmRestarts(7, T_mult=2)),
    dict(step_rule=gdfast.SequentialLR([gdfast.ExponentialLR(0.95), gdfast.StepLR(4),
                                        gdfast.ExponentialLR(0.9)], [9, 20])),
    dict(method="adam", step_rule=gdfast.ExponentialLR(0.99)),
    dict(method="rmsprop", step_rule=gdfast.OneCycleLR(0.01, 60)),
    dict(step_rule="bb"),
    dict(step_rule=gdfast.BarzilaiBorwein(variant=2)),
    dict(step_rule=gdfast.BarzilaiBorwein(variant=1), lr=1e3),      # backtracks
    # the gradient rewritten before the kernel, x projected after it
    dict(clip_norm=0.5),
    dict(method="momentum", options=dict(momentum=0.9), clip_value=0.3),
    dict(method="adam", clip_norm=0.5, clip_value=0.2, lr=1e-2),
    dict(method=gdfast.SGD(weight_decay=0.1), maximize=False),
    dict(method="momentum", options=dict(momentum=0.5), maximize=True),
    dict(method=gdfast.Adam(maximize=True), bounds=(np.full(4, -1.0), np.full(4, 1.0))),
    dict(method=gdfast.Adam(weight_decay=0.1)),
    dict(method=gdfast.RMSprop(weight_decay=0.05), bounds=(np.full(4, -0.2), np.full(4, 0.25))),
    dict(bounds=(np.full(4, 0.1), np.full(4, 0.5))),
    dict(method="adagrad", bounds=(np.full(4, -1.0), np.full(4, 0.28)), lr=1e-2),
    dict(step_rule=gdfast.CosineLR(50), clip_norm=1.0, bounds=(np.full(4, 0.0), np.full(4, 2.0))),
]


def _rule_objectives():
    rng = np.random.default_rng(7)
    Xl = rng.normal(size=(60, 4))
    yl = (Xl[:, 0] > 0).astype(float)
    return [("quadratic", Quadratic(A, C), None), ("rosenbrock", Rosenbrock(4), None),
            ("logistic", gdfast.objectives.Logistic(Xl, yl), None),
            ("python", f, grad), ("fd", f, None)]


@pytest.mark.parametrize("kw", FUSED_RULES, ids=[repr(k) for k in FUSED_RULES])
@pytest.mark.parametrize("gtol", [0.0, 1e-3])
def test_fused_kernels_equal_general_rule_path(kw, gtol):
    """The same run through the fused kernels (the default) and through update_direction /
    apply_step (the general path, forced), with and without tests that need f: same bits,
    counts, status and rule state."""
    kw = dict(kw)
    lr = kw.pop("lr", 1e-3 if kw.get("step_rule") is None or "method" in kw else 1e-2)
    for name, fun, jac in _rule_objectives():
        x0 = X0 if name in ("quadratic", "python", "fd") else np.full(4, 0.3)
        n = len(x0)
        kw_n = {key: (tuple(b[:n] for b in v) if key == "bounds" else v) for key, v in kw.items()}
        runs = []
        for fused_kernels in (True, False):
            with kernels(fused_kernels):
                runs.append(gdfast.minimize(fun, x0, jac=jac, lr=lr, max_iter=200, gtol=gtol,
                                            max_fev=10 ** 9, **kw_n))
        fused, general = runs
        for key in ("x", "jac"):
            np.testing.assert_array_equal(fused[key], general[key], err_msg=f"{name} {key}")
        for key in ("fun", "nit", "nfev", "njev", "status", "message"):
            assert fused[key] == general[key], (name, key, fused[key], general[key])
        if "state" in fused:
            for key, value in fused.state.items():
                np.testing.assert_array_equal(value, general.state[key], err_msg=key)
