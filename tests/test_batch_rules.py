"""minimize_batch runs every rule of minimize as lanes of the one loop: each row equals
minimize from that start, bit for bit, for every method x step rule x bounds, on 1, 2 and 5
threads; a lane that stops early or diverges changes no other lane's answer."""
import numpy as np
import pytest

import gdfast
from gdfast import Status
from gdfast.objectives import Himmelblau, Quadratic, Rosenbrock

METHODS = ["gd", "momentum", "nesterov", "adam", "adamw", "amsgrad", "rmsprop", "adagrad"]
STEP_RULES = [None, gdfast.ExponentialLR(0.999), gdfast.InverseTimeLR(0.01),
              gdfast.StepLR(7, 0.5), gdfast.CosineLR(150), "armijo", "wolfe", "bb",
              gdfast.LinearLR(0.1, 1.0, 50), gdfast.OneCycleLR(0.01, 100, three_phase=True),
              gdfast.CosineAnnealingWarmRestarts(10, T_mult=2, eta_min=1e-4),
              gdfast.SequentialLR([gdfast.LinearLR(0.2, 1.0, 10), gdfast.ExponentialLR(0.99),
                                   gdfast.CosineLR(40)], [10, 60])]
BOUNDS = [None, ([-4.0, -1.5], [3.5, 4.0])]

# objectives of each evaluation kind: a block kernel (Himmelblau, the dense quadratic), lane
# by lane in C (Rosenbrock), finite differences of C (Rosenbrock, jac="central")
OBJECTIVES = {
    "himmelblau": (Himmelblau(), {}),
    "quadratic": (Quadratic([[4.0, 1.0], [1.0, 3.0]], center=[1.0, -1.0]), {}),
    "rosenbrock": (Rosenbrock(2), {}),
    "rosenbrock-fd": (Rosenbrock(2), {"jac": "central"}),
}


@pytest.fixture(scope="module")
def X0():
    return np.random.default_rng(7).uniform(-3, 3, (37, 2))      # not a multiple of 8


@pytest.fixture(scope="module")
def X0_blocks():
    return np.random.default_rng(8).uniform(-3, 3, (4500, 2))     # 3 blocks of 2,048 lanes


def _assert_rows_equal_minimize(res, fun, X0, rows, **kw):
    for i in rows:
        r = gdfast.minimize(fun, X0[i], **kw)
        np.testing.assert_array_equal(res.x[i], r.x, err_msg=f"row {i}")
        np.testing.assert_array_equal(res.jac[i], r.jac, err_msg=f"row {i}")
        assert res.fun[i] == r.fun or (np.isnan(res.fun[i]) and np.isnan(r.fun)), i
        assert (res.nit[i], res.status[i], res.nfev[i], res.njev[i]) == (
            r.nit, r.status, r.nfev, r.njev), f"row {i}"


def _settings(method, step_rule, bounds):
    kw = dict(method=method, step_rule=step_rule, max_iter=120, gtol=1e-9, lr=None)
    if step_rule in ("armijo", "wolfe", "bb"):
        kw["lr"] = 0.05 if method in ("gd", "momentum", "nesterov") else 0.02
    else:
        kw["lr"] = 0.002 if method in ("gd", "momentum", "nesterov") else 0.05
    if bounds is not None:
        kw["bounds"] = bounds
    return kw


def test_wolfe_with_bounds_refused_like_minimize(X0):
    with pytest.raises(ValueError, match="Wolfe"):
        gdfast.minimize_batch(Himmelblau(), X0, step_rule="wolfe", bounds=BOUNDS[1])


STEP_IDS = ["fixed", "exp", "invtime", "step", "cosine", "armijo", "wolfe", "bb", "linear",
            "onecycle", "restarts", "sequential"]
CASES = [pytest.param(m, s, b, id=f"{m}-{sid}-{'bounded' if b else 'free'}")
         for m in METHODS for s, sid in zip(STEP_RULES, STEP_IDS) for b in BOUNDS
         if not (s == "wolfe" and b is not None)]       # refused, as by minimize: below


@pytest.mark.parametrize("method, step_rule, bounds", CASES)
def test_every_rule_rows_equal_minimize(method, step_rule, bounds, X0, X0_blocks):
    """Rows equal minimize on 2 threads; on 4,500 starts (several blocks of lanes, so that
    the threads share them out) the runs on 1 and 5 threads equal the one on 2, every field
    of every row."""
    kw = _settings(method, step_rule, bounds)
    fun = Himmelblau()
    res = gdfast.minimize_batch(fun, X0, threads=2, **kw)
    _assert_rows_equal_minimize(res, fun, X0, range(0, len(X0), 6), **kw)
    res = gdfast.minimize_batch(fun, X0_blocks, threads=2, **kw)
    _assert_rows_equal_minimize(res, fun, X0_blocks, range(0, len(X0_blocks), 997), **kw)
    for threads in (1, 5):
        other = gdfast.minimize_batch(fun, X0_blocks, threads=threads, **kw)
        for key in ("x", "jac", "fun", "nit", "nfev", "njev", "status"):
            np.testing.assert_array_equal(other[key], res[key], err_msg=f"{key}, {threads}")


@pytest.mark.parametrize("name", list(OBJECTIVES))
@pytest.mark.parametrize("threads", [1, 2, 5])
def test_objective_kinds_and_threads(name, threads, X0):
    fun, extra = OBJECTIVES[name]
    for method, step_rule in [("adam", None), ("gd", "armijo"), ("momentum", "bb"),
                              ("rmsprop", gdfast.CosineLR(50))]:
        kw = dict(_settings(method, step_rule, BOUNDS[1]), **extra)
        res = gdfast.minimize_batch(fun, X0, threads=threads, **kw)
        _assert_rows_equal_minimize(res, fun, X0, range(0, len(X0), 4), **kw)
        one = gdfast.minimize_batch(fun, X0, threads=1, **kw)
        np.testing.assert_array_equal(res.x, one.x)


def test_clipping_and_maximize_rows_equal_minimize(X0):
    fun = Himmelblau()
    for kw in [dict(method="adam", lr=0.05, clip_norm=0.5), dict(lr=0.01, clip_value=2.0),
               dict(method="momentum", lr=0.001, options={"momentum": 0.5},
                    step_rule=gdfast.ExponentialLR(0.99))]:
        res = gdfast.minimize_batch(fun, X0, max_iter=80, gtol=0, **kw)
        _assert_rows_equal_minimize(res, fun, X0, range(len(X0)), max_iter=80, gtol=0, **kw)
    neg = gdfast.objectives.Quadratic([-2.0, -1.0])                # concave: ascend
    res = gdfast.minimize_batch(neg, X0, lr=0.1, maximize=True, max_iter=400, gtol=1e-10)
    assert np.all(res.status == Status.CONVERGED)
    np.testing.assert_allclose(res.x, 0.0, atol=1e-9)


def test_stopped_and_diverging_lanes_do_not_touch_the_others(X0):
    """The same starts, alone and mixed with starts that converge at once, overflow or sit
    where f is NaN: the answers of the first ones do not move."""
    fun = Himmelblau()
    bad = np.array([[3.0, 2.0],            # a minimum: converges at iteration 0
                    [1e154, 1e154],        # f overflows at x0: stops there
                    [30.0, 30.0]])         # diverges during the run
    mixed = np.vstack([X0[:5], bad, X0[5:12]])
    kw = dict(lr=0.01, max_iter=200, gtol=1e-8)
    alone = gdfast.minimize_batch(fun, np.vstack([X0[:5], X0[5:12]]), **kw)
    res = gdfast.minimize_batch(fun, mixed, **kw)
    keep = np.r_[0:5, 8:15]
    np.testing.assert_array_equal(res.x[keep], alone.x)
    np.testing.assert_array_equal(res.nit[keep], alone.nit)
    assert res.status[5] == Status.CONVERGED and res.nit[5] == 0
    assert res.status[6] in (Status.DIVERGED, Status.NONFINITE) and res.nit[6] == 0
    assert res.status[7] in (Status.DIVERGED, Status.NONFINITE)
    assert np.all(np.isfinite(res.x[7]))             # the last finite iterate


@pytest.mark.parametrize("fun", [Himmelblau(), Quadratic([6.0, 2.0], center=[1.0, -2.0]),
                                 Quadratic([6.0, 2.0, 0.5])], ids=["himmelblau", "diag2", "diag3"])
@pytest.mark.parametrize("method, step_rule", [("gd", None), ("gd", gdfast.StepLR(5, 0.9)),
                                               ("gd", gdfast.ExponentialLR(1.01)),
                                               ("adam", None), ("momentum", None)])
def test_one_pass_step_and_evaluation_with_diverging_lanes(fun, method, step_rule):
    """The built-ins' one-pass step-and-evaluation (step_eval_block: plain descent's step
    fused in; the other rules' evaluation with the finiteness test), with starts that
    converge, diverge at once, diverge later or sit at a NaN-free overflow: every row equals
    minimize, bit for bit, counts and status included."""
    n = fun.n or 3
    rng = np.random.default_rng(3)
    X0 = rng.uniform(-4, 4, (29, n))
    X0[3] = 40.0                                # diverges within the run
    X0[11] = 1e70                               # f and g overflow after a step or two
    X0[20] = 1e154                              # f overflows at x0
    lr = 0.3 if method == "adam" else 0.05
    kw = dict(method=method, step_rule=step_rule, lr=lr, max_iter=60, gtol=0)
    res = gdfast.minimize_batch(fun, X0, threads=2, **kw)
    _assert_rows_equal_minimize(res, fun, X0, [i for i in range(len(X0)) if i != 20], **kw)
    if isinstance(fun, Himmelblau) and method != "adam":   # quartic: these run away
        assert {int(res.status[i]) for i in (3, 11)} <= {Status.DIVERGED, Status.NONFINITE}
    assert res.status[20] == Status.DIVERGED and res.nit[20] == 0     # minimize raises


def test_python_objective_every_lane_equals_minimize(X0):
    f = lambda v: (v[0] ** 2 + v[1] - 11) ** 2 + (v[0] + v[1] ** 2 - 7) ** 2
    kw = dict(method="adam", lr=0.05, step_rule="armijo", max_iter=40, gtol=1e-8)
    res = gdfast.minimize_batch(f, X0[:9], **kw)
    _assert_rows_equal_minimize(res, f, X0, range(9), **kw)


def test_history_per_start_equals_minimize(X0):
    fun = Himmelblau()
    for kw in [dict(lr=0.01, max_iter=60, gtol=1e-6),
               dict(method="adam", lr=0.05, step_rule="armijo", max_iter=40, gtol=1e-8)]:
        res = gdfast.minimize_batch(fun, X0, history=True, **kw)
        assert len(res.history) == len(X0)
        for i in range(0, len(X0), 5):
            r = gdfast.minimize(fun, X0[i], history=True, **kw)
            h = res.history[i]
            assert len(h) == res.nit[i] + 1
            np.testing.assert_array_equal(h.x, r.history.x)
            np.testing.assert_array_equal(h.fun, r.history.fun)
            np.testing.assert_array_equal(h.gnorm, r.history.gnorm)


def test_callback_sees_the_block_and_stops_single_starts(X0):
    fun = Himmelblau()
    seen = []

    def cb(res):
        seen.append((res.nit, res.start.copy()))
        assert res.x.shape == (len(res.start), 2) and res.fun.shape == (len(res.start),)
        np.testing.assert_array_equal(res.fun, [fun(x) for x in res.x])
        return res.start % 2 == 1 if res.nit == 3 else None    # stop the odd starts at 3

    res = gdfast.minimize_batch(fun, X0, lr=0.01, max_iter=50, gtol=0, callback=cb)
    odd = np.arange(len(X0)) % 2 == 1
    assert np.all(res.status[odd] == Status.CALLBACK_STOP) and np.all(res.nit[odd] == 3)
    assert np.all(res.status[~odd] == Status.MAX_ITER) and np.all(res.nit[~odd] == 50)
    assert seen[0][0] == 1 and sorted(seen[0][1]) == list(range(len(X0)))
    for i in np.flatnonzero(odd)[:3]:                        # stopped where minimize is at 3
        np.testing.assert_array_equal(res.x[i], gdfast.minimize(fun, X0[i], lr=0.01,
                                                                max_iter=3, gtol=0).x)
    res = gdfast.minimize_batch(fun, X0, lr=0.01, max_iter=50, gtol=0,
                                callback=lambda r: r.nit == 5, callback_every=5)
    assert np.all(res.status == Status.CALLBACK_STOP) and np.all(res.nit == 5)


def test_callback_errors_reach_the_caller(X0):
    def boom(res):
        raise KeyError("from the callback")
    with pytest.raises(KeyError, match="from the callback"):
        gdfast.minimize_batch(Himmelblau(), X0, callback=boom)
    with pytest.raises(TypeError, match="booleans"):
        gdfast.minimize_batch(Himmelblau(), X0, callback=lambda r: [1, 2])
    with pytest.raises(TypeError, match="callable"):
        gdfast.minimize_batch(Himmelblau(), X0, callback=3)


@pytest.mark.parametrize("method, step_rule", [
    ("adam", None), ("momentum", None), ("gd", "bb"), ("rmsprop", gdfast.ExponentialLR(0.99)),
    ("adagrad", "armijo"), ("nesterov", gdfast.CosineLR(30)), ("amsgrad", gdfast.StepLR(4))])
@pytest.mark.parametrize("threads", [1, 2])
def test_state_per_start_saved_and_continued_as_minimize(method, step_rule, threads, X0):
    """result.state holds each start's rule state (a row per start), the bits minimize
    saves; state= continues every start as minimize(state=) does, starts that stopped at
    other step counts included (they run in blocks of their own)."""
    fun = Himmelblau()
    kw = dict(method=method, step_rule=step_rule, lr=0.01, max_iter=50, gtol=1e-3)
    first = gdfast.minimize_batch(fun, X0, threads=threads, **kw)
    again = gdfast.minimize_batch(fun, first.x, state=first.state, threads=threads, **kw)
    steps = set()
    for i in range(len(X0)):
        one = gdfast.minimize(fun, X0[i], **kw)
        for key in ("t", "lr_bb", "lr_sched", "k_sched", "buf_ready"):
            assert first.state[key][i] == one.state[key], (i, key)
        for key in "mvw":
            np.testing.assert_array_equal(first.state[key][i], one.state[key])
        row = {key: value[i] for key, value in first.state.items()}
        np.testing.assert_array_equal(gdfast.minimize(fun, one.x, state=row, **kw).x,
                                      again.x[i])       # a row is minimize's state
        steps.add(one.state["t"])
        two = gdfast.minimize(fun, one.x, state=one.state, **kw)
        np.testing.assert_array_equal(again.x[i], two.x)
        assert (again.nit[i], again.nfev[i], again.status[i]) == (two.nit, two.nfev, two.status)


def test_state_of_minimize_for_every_start_and_bad_states(X0):
    fun = Himmelblau()
    kw = dict(method="adam", lr=0.01, max_iter=20, gtol=0)
    one = gdfast.minimize(fun, X0[0], **kw)
    res = gdfast.minimize_batch(fun, np.tile(one.x, (5, 1)), state=one.state, **kw)
    two = gdfast.minimize(fun, one.x, state=one.state, **kw)
    np.testing.assert_array_equal(res.x, np.tile(two.x, (5, 1)))
    assert gdfast.minimize_batch(fun, X0, max_iter=3).get("state") is None     # plain gd
    listed = gdfast.minimize_batch(fun, np.tile(one.x, (5, 1)), state=[one.state] * 5, **kw)
    np.testing.assert_array_equal(listed.x, res.x)
    with pytest.raises(ValueError, match="list of 37"):
        gdfast.minimize_batch(fun, X0, state=[one.state] * 3, **kw)
    with pytest.raises(ValueError, match="a row per start"):
        gdfast.minimize_batch(fun, X0, state=res.state, **kw)       # 5 rows, not 37
    with pytest.raises(ValueError, match="state"):
        gdfast.minimize_batch(fun, X0, state=[{"t": 1}] * len(X0), **kw)
    with pytest.raises(ValueError, match="length 2"):
        gdfast.minimize_batch(fun, X0, state=dict(one.state, m=np.zeros(3)), **kw)
