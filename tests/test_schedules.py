"""LinearLR, OneCycleLR, CosineAnnealingWarmRestarts and SequentialLR against formulas
transcribed independently from torch.optim.lr_scheduler's documentation (and against torch
itself when it is importable); plain descent's iterates against a NumPy loop; the same bits
through minimize, Descent, minimize_batch and the general path; bad input."""
import bisect
import math

import numpy as np
import pytest

import gdfast
from gdfast.objectives import Himmelblau, Quadratic

from test_update_rules import kernels

A = np.diag([3.0, 1.0, 0.5, 2.0]) + 0.1
C = np.array([1.0, -2.0, 0.5, 0.0])
X0 = np.array([0.3, 0.1, -0.4, 2.0])
STEPS = 300


def grad(x):
    return A @ (x - C)


# ---- torch's formulas, written from its documentation (not from gdfast's C) ------------------

def linear_ref(lr, start_factor=1 / 3, end_factor=1.0, total_iters=5):
    return lambda k: lr * (start_factor + (end_factor - start_factor)
                           * min(total_iters, k) / total_iters)


def one_cycle_ref(max_lr, total_steps, pct_start=0.3, anneal_strategy="cos", div_factor=25.0,
                  final_div_factor=1e4, three_phase=False):
    """torch's OneCycleLR.get_lr (phases by their end_step; pct the fraction of the phase
    done), held at step total_steps - 1's rate after the cycle (gdfast's choice)."""
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    if three_phase:
        phases = [(float(pct_start * total_steps) - 1, initial_lr, max_lr),
                  (float(2 * pct_start * total_steps) - 2, max_lr, initial_lr),
                  (total_steps - 1, initial_lr, min_lr)]
    else:
        phases = [(float(pct_start * total_steps) - 1, initial_lr, max_lr),
                  (total_steps - 1, max_lr, min_lr)]

    def anneal(start, end, pct):
        if anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def rate(k):
        k = min(k, total_steps - 1)
        start_step = 0.0
        for i, (end_step, lo, hi) in enumerate(phases):
            if k <= end_step or i == len(phases) - 1:
                return anneal(lo, hi, (k - start_step) / (end_step - start_step))
            start_step = end_step
    return rate


def warm_restarts_ref(lr, T_0, T_mult=1, eta_min=0.0, n=STEPS + 50):
    """torch's step() recursion: T_cur += 1; at T_i, T_cur -= T_i and T_i *= T_mult."""
    rates, T_cur, T_i = [], 0, T_0
    for _ in range(n):
        rates.append(eta_min + (lr - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2)
        T_cur += 1
        if T_cur >= T_i:
            T_cur -= T_i
            T_i *= T_mult
    return lambda k: rates[k]


def exponential_closed_ref(lr, gamma):
    return lambda k: lr * gamma ** k             # torch's closed form (SequentialLR's parts)


def cosine_ref(lr, T_max, eta_min=0.0):
    return lambda k: eta_min + (lr - eta_min) * (1 + math.cos(math.pi * min(k, T_max) / T_max)) / 2


def sequential_ref(parts, milestones):
    """torch's SequentialLR: schedule bisect_right(milestones, k), at its own step
    k - milestones[i - 1] (0 at its milestone)."""
    def rate(k):
        i = bisect.bisect_right(milestones, k)
        return parts[i](k - (milestones[i - 1] if i else 0))
    return rate


LR = 0.2
CASES = {
    "linear-default": (gdfast.LinearLR(), linear_ref(LR)),
    "linear-warmup": (gdfast.LinearLR(0.05, 1.0, 100), linear_ref(LR, 0.05, 1.0, 100)),
    "linear-decay": (gdfast.LinearLR(1.0, 0.1, 37), linear_ref(LR, 1.0, 0.1, 37)),
    "linear-one": (gdfast.LinearLR(0.5, 0.25, 1), linear_ref(LR, 0.5, 0.25, 1)),
    "onecycle": (gdfast.OneCycleLR(0.3, 250), one_cycle_ref(0.3, 250)),
    "onecycle-linear": (gdfast.OneCycleLR(0.3, 200, pct_start=0.25, anneal_strategy="linear"),
                        one_cycle_ref(0.3, 200, pct_start=0.25, anneal_strategy="linear")),
    "onecycle-3phase": (gdfast.OneCycleLR(0.5, 240, three_phase=True, div_factor=10,
                                          final_div_factor=100),
                        one_cycle_ref(0.5, 240, three_phase=True, div_factor=10,
                                      final_div_factor=100)),
    "onecycle-3phase-linear": (
        gdfast.OneCycleLR(0.5, 101, pct_start=0.4, anneal_strategy="linear", three_phase=True),
        one_cycle_ref(0.5, 101, pct_start=0.4, anneal_strategy="linear", three_phase=True)),
    "onecycle-short": (gdfast.OneCycleLR(0.1, 2), one_cycle_ref(0.1, 2)),
    "onecycle-one": (gdfast.OneCycleLR(0.1, 1), one_cycle_ref(0.1, 1)),
    "onecycle-3phase-late": (gdfast.OneCycleLR(0.2, 50, pct_start=0.8, three_phase=True),
                             one_cycle_ref(0.2, 50, pct_start=0.8, three_phase=True)),
    "restarts": (gdfast.CosineAnnealingWarmRestarts(10), warm_restarts_ref(LR, 10)),
    "restarts-mult2": (gdfast.CosineAnnealingWarmRestarts(5, T_mult=2, eta_min=0.01),
                       warm_restarts_ref(LR, 5, 2, 0.01)),
    "restarts-mult3": (gdfast.CosineAnnealingWarmRestarts(1, T_mult=3),
                       warm_restarts_ref(LR, 1, 3)),
    "restarts-T0-1": (gdfast.CosineAnnealingWarmRestarts(1), warm_restarts_ref(LR, 1)),
    "sequential-warmup-cosine": (
        gdfast.SequentialLR([gdfast.LinearLR(0.1, 1.0, 20), gdfast.CosineLR(150, 0.001)], [20]),
        sequential_ref([linear_ref(LR, 0.1, 1.0, 20), cosine_ref(LR, 150, 0.001)], [20])),
    "sequential-fixed-exp": (
        gdfast.SequentialLR([gdfast.Fixed(), gdfast.ExponentialLR(0.99)], [7]),
        sequential_ref([lambda k: LR, exponential_closed_ref(LR, 0.99)], [7])),
    "sequential-four": (
        gdfast.SequentialLR([gdfast.ExponentialLR(0.9), gdfast.StepLR(10, 0.5),
                             gdfast.CosineAnnealingWarmRestarts(8, 2), [0.05, 0.04, 0.03],
                             gdfast.ExponentialLR(0.98)], [15, 60, 130, 200]),
        sequential_ref([exponential_closed_ref(LR, 0.9), lambda j: LR * 0.5 ** (j // 10),
                        warm_restarts_ref(LR, 8, 2), lambda j: [0.05, 0.04, 0.03][min(j, 2)],
                        exponential_closed_ref(LR, 0.98)], [15, 60, 130, 200])),
    "sequential-cycles": (
        gdfast.SequentialLR([gdfast.OneCycleLR(0.4, 100), gdfast.InverseTimeLR(0.1),
                             gdfast.OneCycleLR(0.1, 80, anneal_strategy="linear"),
                             gdfast.CosineLR(40)], [100, 150, 230]),
        sequential_ref([one_cycle_ref(0.4, 100), lambda j: LR / (1 + 0.1 * j),
                        one_cycle_ref(0.1, 80, anneal_strategy="linear"), cosine_ref(LR, 40)],
                       [100, 150, 230])),
    "sequential-one": (gdfast.SequentialLR([gdfast.LinearLR(total_iters=9)], []),
                       linear_ref(LR, total_iters=9)),
}


def loop_rates(step_rule, lr, n, **kw):
    """The rates of update steps 0 .. n - 1 as the loop applies them, exactly: descent on
    f = 0 whose gradient at the i-th point is the unit vector e_i, so x_n = -(rate_0, ...)."""
    calls = []

    def jac(x):
        g = np.zeros(n + 1)
        g[len(calls)] = 1.0
        calls.append(1)
        return g

    res = gdfast.minimize(lambda x: 0.0, np.zeros(n + 1), jac=jac, lr=lr, step_rule=step_rule,
                          max_iter=n, gtol=0, **kw)
    assert res.nit == n and len(calls) == n + 1
    return -res.x[:n]


@pytest.mark.parametrize("name", list(CASES))
def test_rates_match_torch_formulas(name):
    rule, ref = CASES[name]
    got = loop_rates(rule, LR, STEPS)
    want = np.array([ref(k) for k in range(STEPS)])
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", list(CASES))
def test_plain_descent_equals_a_numpy_loop(name):
    rule, ref = CASES[name]
    x = X0.copy()
    for k in range(STEPS):
        x = x - ref(k) * grad(x)
    res = gdfast.minimize(Quadratic(A, C), X0, lr=LR, step_rule=rule, max_iter=STEPS, gtol=0)
    np.testing.assert_allclose(res.x, x, rtol=1e-12, atol=1e-15)


def test_edges():
    # OneCycleLR: min_lr = max_lr / div / final_div at step total_steps - 1, held after
    r = loop_rates(gdfast.OneCycleLR(1.0, 30), 0.1, 60)
    assert r[29] == 1.0 / 25 / 1e4 and np.all(r[30:] == r[29])
    assert r[0] == pytest.approx(1.0 / 25, rel=1e-14) and r.max() <= 1.0   # torch's rounding
    # three phases: back to initial_lr before the final anneal
    r = loop_rates(gdfast.OneCycleLR(1.0, 100, three_phase=True), 0.1, 120)
    assert r[29] == 1.0 and r[58] == pytest.approx(1.0 / 25, rel=1e-15)
    assert r[99] == 1.0 / 25 / 1e4 and np.all(r[100:] == r[99])
    # OneCycleLR ignores the run's lr
    np.testing.assert_array_equal(loop_rates(gdfast.OneCycleLR(0.5, 40), 0.1, 50),
                                  loop_rates(gdfast.OneCycleLR(0.5, 40), 7.0, 50))
    # LinearLR: held at lr end_factor from total_iters on
    r = loop_rates(gdfast.LinearLR(0.25, 0.5, 4), 0.8, 10)
    np.testing.assert_allclose(r[:5], [0.2, 0.25, 0.3, 0.35, 0.4], rtol=1e-15)
    assert np.all(r[4:] == 0.4)
    # restarts: back to lr exactly at 0, 4, 12, 28 (T_0 = 4, T_mult = 2), eta_min just before
    r = loop_rates(gdfast.CosineAnnealingWarmRestarts(4, 2, eta_min=0.01), 0.3, 64)
    assert np.all(r[[0, 4, 12, 28, 60]] == 0.3) and np.sum(r == 0.3) == 5
    # SequentialLR: the next schedule at its step 0 at the milestone (torch's implementation)
    r = loop_rates(gdfast.SequentialLR([gdfast.LinearLR(0.1, 0.1, 1), gdfast.ExponentialLR(0.9)],
                                       [20]), 1.0, 23)
    assert np.all(r[:20] == 0.1) and r[20] == 1.0 and r[21] == 0.9 and r[22] == 0.9 ** 2


@pytest.mark.parametrize("name", ["linear-warmup", "onecycle-3phase", "restarts-mult2",
                                  "sequential-four", "sequential-cycles"])
@pytest.mark.parametrize("method", ["gd", "adam", "momentum"])
def test_every_entry_point_gives_the_same_bits(name, method):
    """minimize (fused kernels and the general path), Descent stepped in pieces, minimize_batch
    rows (one lane and blocks of lanes, 1 and 2 threads) and a run continued from its state."""
    rule = CASES[name][0]
    fun = Himmelblau()
    kw = dict(method=method, lr=0.002 if method != "adam" else 0.05, step_rule=rule, gtol=0,
              max_iter=STEPS)
    x0 = np.array([0.5, -1.2])
    one = gdfast.minimize(fun, x0, **kw)
    with kernels(False):
        general = gdfast.minimize(fun, x0, **kw)
    np.testing.assert_array_equal(general.x, one.x)
    d = gdfast.Descent(fun, x0, **{k: v for k, v in kw.items() if k != "max_iter"})
    for n in (1, 7, 64, 100, STEPS - 172):
        d.step(n)
    np.testing.assert_array_equal(d.x, one.x)
    a = gdfast.minimize(fun, x0, **dict(kw, max_iter=111))
    b = gdfast.minimize(fun, a.x, state=a.state, **dict(kw, max_iter=STEPS - 111))
    np.testing.assert_array_equal(b.x, one.x)
    X0 = np.random.default_rng(3).uniform(-3, 3, (21, 2))
    X0[5] = x0
    for threads in (1, 2):
        res = gdfast.minimize_batch(fun, X0, threads=threads, **kw)
        np.testing.assert_array_equal(res.x[5], one.x)
        for i in (0, 11, 20):
            np.testing.assert_array_equal(res.x[i], gdfast.minimize(fun, X0[i], **kw).x)


def test_schedules_take_the_fused_kernels_and_need_no_f():
    # the same counts as a fixed step: no f evaluations forced, as a line search needs them
    # (finite differences evaluate f only where a test needs it)
    fun = lambda x: float(x @ x)
    kw = dict(lr=0.01, max_iter=50, gtol=0)
    fixed = gdfast.minimize(fun, [1.0, 2.0], **kw)
    armijo = gdfast.minimize(fun, [1.0, 2.0], step_rule="armijo", **kw)
    assert armijo.nfev > fixed.nfev
    for rule, _ in CASES.values():
        res = gdfast.minimize(fun, [1.0, 2.0], step_rule=rule, **kw)
        assert (res.nfev, res.njev) == (fixed.nfev, fixed.njev)


def test_sequential_accepts_names_and_arrays():
    rule = gdfast.SequentialLR(["fixed", np.array([0.5, 0.25])], milestones=np.array([3]))
    assert type(rule.schedules[0]) is gdfast.Fixed and rule.milestones == (3,)
    np.testing.assert_array_equal(loop_rates(rule, 0.1, 7), [0.1, 0.1, 0.1, 0.5, 0.25, 0.25, 0.25])


def test_c_api_v2_refuses_the_new_codes():
    from gdfast.capi import _py_capi_v2 as capi
    for code in (11, 12, 13, 14):
        with pytest.raises(ValueError, match=f"code {code} is a step rule of the Python API"):
            capi(np.zeros((1, 3)), {"step": code})


@pytest.mark.parametrize("make, exc, word", [
    (lambda: gdfast.LinearLR(start_factor=0.0), ValueError, "start_factor"),
    (lambda: gdfast.LinearLR(start_factor=1.5), ValueError, "start_factor"),
    (lambda: gdfast.LinearLR(end_factor=-0.1), ValueError, "end_factor"),
    (lambda: gdfast.LinearLR(end_factor=1.1), ValueError, "end_factor"),
    (lambda: gdfast.LinearLR(total_iters=0), ValueError, "total_iters"),
    (lambda: gdfast.LinearLR(total_iters=2.5), TypeError, "total_iters"),
    (lambda: gdfast.OneCycleLR(0.1, 0), ValueError, "total_steps"),
    (lambda: gdfast.OneCycleLR(0.1, 2 ** 63), ValueError, "total_steps"),
    (lambda: gdfast.OneCycleLR(0.0, 10), ValueError, "max_lr"),
    (lambda: gdfast.OneCycleLR(np.inf, 10), ValueError, "max_lr"),
    (lambda: gdfast.OneCycleLR(0.1, 10, pct_start=0.0), ValueError, "pct_start"),
    (lambda: gdfast.OneCycleLR(0.1, 10, pct_start=1.0), ValueError, "pct_start"),
    (lambda: gdfast.OneCycleLR(0.1, 10, pct_start=0.1), ValueError, "pct_start"),
    (lambda: gdfast.OneCycleLR(0.1, 10, anneal_strategy="cosine"), ValueError, "anneal_strategy"),
    (lambda: gdfast.OneCycleLR(0.1, 10, div_factor=0), ValueError, "div_factor"),
    (lambda: gdfast.OneCycleLR(0.1, 10, final_div_factor=-1), ValueError, "final_div_factor"),
    (lambda: gdfast.OneCycleLR(0.1, 10, three_phase=1), TypeError, "three_phase"),
    (lambda: gdfast.OneCycleLR(0.1, 10, cycle_momentum=True), ValueError, "cycle_momentum"),
    (lambda: gdfast.OneCycleLR(0.1, 10, momentum=0.9), TypeError, "momentum"),
    (lambda: gdfast.CosineAnnealingWarmRestarts(0), ValueError, "T_0"),
    (lambda: gdfast.CosineAnnealingWarmRestarts(10, T_mult=0), ValueError, "T_mult"),
    (lambda: gdfast.CosineAnnealingWarmRestarts(10, T_mult=1.5), TypeError, "T_mult"),
    (lambda: gdfast.CosineAnnealingWarmRestarts(10, eta_min=-1.0), ValueError, "eta_min"),
    (lambda: gdfast.SequentialLR([], []), ValueError, "schedules"),
    (lambda: gdfast.SequentialLR(gdfast.CosineLR(5), []), TypeError, "schedules"),
    (lambda: gdfast.SequentialLR([gdfast.CosineLR(5), "armijo"], [3]), ValueError,
     r"schedules\[1\]"),
    (lambda: gdfast.SequentialLR([gdfast.StrongWolfe(), gdfast.CosineLR(5)], [3]), ValueError,
     r"schedules\[0\]"),
    (lambda: gdfast.SequentialLR([gdfast.CosineLR(5), gdfast.BarzilaiBorwein()], [3]),
     ValueError, r"schedules\[1\]"),
    (lambda: gdfast.SequentialLR([gdfast.CosineLR(5), gdfast.Adam()], [3]), TypeError,
     r"schedules\[1\]"),
    (lambda: gdfast.SequentialLR([gdfast.CosineLR(5), 0.1], [3]), TypeError, r"schedules\[1\]"),
    (lambda: gdfast.SequentialLR([gdfast.CosineLR(5), [0.1, -0.1]], [3]), ValueError, "rates"),
    (lambda: gdfast.SequentialLR([gdfast.Fixed(), gdfast.SequentialLR([gdfast.Fixed()], [])],
                                 [3]), ValueError, r"schedules\[1\]"),
    (lambda: gdfast.SequentialLR([gdfast.Fixed(), gdfast.CosineLR(5)], []), ValueError,
     "milestones"),
    (lambda: gdfast.SequentialLR([gdfast.Fixed(), gdfast.CosineLR(5)], [2, 4]), ValueError,
     "milestones"),
    (lambda: gdfast.SequentialLR([gdfast.Fixed()] * 3, [5, 5]), ValueError, "increasing"),
    (lambda: gdfast.SequentialLR([gdfast.Fixed()] * 3, [5, 3]), ValueError, "increasing"),
    (lambda: gdfast.SequentialLR([gdfast.Fixed()] * 2, [0]), ValueError, r"milestones\[0\]"),
    (lambda: gdfast.SequentialLR([gdfast.Fixed()] * 2, [1.5]), TypeError, r"milestones\[0\]"),
    (lambda: gdfast.SequentialLR([gdfast.Fixed()] * 2, 5), TypeError, "milestones"),
])
def test_bad_input(make, exc, word):
    with pytest.raises(exc, match=word):
        make()


# ---- torch itself, when it is installed -----------------------------------------------------

def _torch_rates(make, n, lr=LR):
    torch = pytest.importorskip("torch")
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(torch.optim.lr_scheduler, opt)
    rates = []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(rates)


TORCH_CASES = [
    (lambda S, o: S.LinearLR(o, 0.05, 1.0, 100), gdfast.LinearLR(0.05, 1.0, 100), 1e-13),
    (lambda S, o: S.LinearLR(o, 1.0, 0.1, 37), gdfast.LinearLR(1.0, 0.1, 37), 1e-13),
    (lambda S, o: S.OneCycleLR(o, 0.3, total_steps=STEPS, cycle_momentum=False),
     gdfast.OneCycleLR(0.3, STEPS), 1e-15),
    (lambda S, o: S.OneCycleLR(o, 0.5, total_steps=STEPS, anneal_strategy="linear",
                               three_phase=True, cycle_momentum=False),
     gdfast.OneCycleLR(0.5, STEPS, anneal_strategy="linear", three_phase=True), 1e-15),
    (lambda S, o: S.CosineAnnealingWarmRestarts(o, 5, T_mult=2, eta_min=0.01),
     gdfast.CosineAnnealingWarmRestarts(5, T_mult=2, eta_min=0.01), 1e-15),
    (lambda S, o: S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 20), S.ExponentialLR(o, 0.99)],
                                 milestones=[20]),
     gdfast.SequentialLR([gdfast.LinearLR(0.1, 1.0, 20), gdfast.ExponentialLR(0.99)], [20]),
     1e-13),
]


@pytest.mark.parametrize("make_torch, rule, rtol", TORCH_CASES)
def test_rates_match_torch(make_torch, rule, rtol):
    want = _torch_rates(make_torch, STEPS)
    np.testing.assert_allclose(loop_rates(rule, LR, STEPS), want, rtol=rtol, atol=0)
