"""Stopping and control inside the loop: target, max_time, patience, the best iterate,
ReduceLROnPlateau, stop_reason and compiled callbacks, in minimize, Descent and
minimize_batch.  References: each run's own history (the iterates a run without the control
takes), rules transcribed from scikit-learn and torch, and SciPy-style callbacks."""
import ctypes
import time

import numpy as np
import pytest

import gdfast
from gdfast import Status
from gdfast.objectives import Himmelblau, Quadratic
from gdfast.optimizers import ReduceLROnPlateau

LECTURE = Quadratic([6.0, 2.0])          # 3x^2 + y^2


def lecture_py(v):
    return 3 * v[0] ** 2 + v[1] ** 2


KINDS = [("builtin", LECTURE), ("python", lecture_py)]


def plain_history(fun, x0, **kw):
    """The iterates a run takes without the control under test."""
    kw.setdefault("gtol", 0)
    return gdfast.minimize(fun, x0, history=True, **kw).history


# ---- stop_reason --------------------------------------------------------------------------

@pytest.mark.parametrize("kw,status,reason", [
    (dict(gtol=1e-3), Status.CONVERGED, "gtol"),
    (dict(gtol=0, xtol=1e-4), Status.CONVERGED, "xtol"),
    (dict(gtol=0, ftol=1e-6), Status.CONVERGED, "ftol"),
    (dict(gtol=0, max_iter=3), Status.MAX_ITER, "max_iter"),
    (dict(gtol=0, max_fev=3), Status.MAX_FEV, "max_fev"),
    (dict(gtol=0, target=0.5), Status.TARGET_REACHED, "target"),
    (dict(gtol=0, patience=2, min_delta=1.0), Status.PATIENCE, "patience"),
    (dict(gtol=0, max_iter=10**12, lr=1e-12, max_time=0.05), Status.MAX_TIME, "max_time"),
    (dict(gtol=0, callback=lambda r: True), Status.CALLBACK_STOP, "callback"),
    (dict(gtol=0, lr=2.0), Status.DIVERGED, "diverged"),
    (dict(step_rule="armijo", gtol=0, jac=lambda v: -np.array([6 * v[0], 2 * v[1]])),
     Status.STEP_FAILED, "step_failed"),     # uphill: no step decreases f
])
def test_stop_reason_names_the_test_that_fired(kw, status, reason):
    kw.setdefault("lr", 0.1)
    res = gdfast.minimize(lecture_py, [1.0, 1.0], **kw)
    assert res.status == status and res.stop_reason == reason
    assert res.success == (status in (Status.CONVERGED, Status.TARGET_REACHED,
                                      Status.PATIENCE))


def test_stop_reason_nonfinite():
    res = gdfast.minimize(lambda v: np.nan if v[0] < 0.5 else v[0] ** 2, [1.0], lr=0.3,
                          gtol=0)
    assert res.stop_reason == "nonfinite" and res.status == Status.NONFINITE


def test_stop_reason_batch_and_stepper():
    X = np.array([[1.0, 1.0], [1e-3, 1e-3], [5.0, 5.0]])
    b = gdfast.minimize_batch(LECTURE, X, lr=0.1, gtol=1e-2, max_iter=12)
    assert list(b.stop_reason) == ["max_iter", "gtol", "max_iter"]
    for i in range(3):
        r = gdfast.minimize(LECTURE, X[i], lr=0.1, gtol=1e-2, max_iter=12)
        assert r.stop_reason == b.stop_reason[i]
    d = gdfast.Descent(LECTURE, [1.0, 1.0], lr=0.1, gtol=0, max_iter=2)
    assert d.stop_reason == "running"
    d.step(5)
    assert d.stop_reason == "max_iter"


# ---- target -------------------------------------------------------------------------------

@pytest.mark.parametrize("name,fun", KINDS)
@pytest.mark.parametrize("target", [3.5, 0.5, 1e-3, 1e-9])
def test_target_stops_at_the_first_iterate_below(name, fun, target):
    h = plain_history(fun, [1.0, 1.0], lr=0.1, max_iter=200)
    first = int(np.argmax(h.fun <= target))
    res = gdfast.minimize(fun, [1.0, 1.0], lr=0.1, gtol=0, max_iter=200, target=target)
    assert res.nit == first and res.status == Status.TARGET_REACHED
    np.testing.assert_array_equal(res.x, h.x[first])
    assert res.fun <= target < h.fun[first - 1] if first > 0 else res.fun <= target


def test_target_when_maximizing_is_a_floor():
    fun = Quadratic([-2.0])                  # -x^2, maximized from 1 grows ... toward 0
    res = gdfast.minimize(fun, [1.0], lr=0.1, gtol=0, maximize=True, target=-1e-4)
    h = gdfast.minimize(fun, [1.0], lr=0.1, gtol=0, maximize=True, history=True,
                        max_iter=200).history
    assert res.nit == int(np.argmax(h.fun >= -1e-4)) and res.stop_reason == "target"


def test_target_in_batch_rows_equal_minimize():
    X = np.random.default_rng(1).uniform(-5, 5, size=(37, 2))
    b = gdfast.minimize_batch(Himmelblau(), X, lr=0.01, gtol=0, target=1e-6, max_iter=3000,
                              threads=2)
    for i in range(len(X)):
        r = gdfast.minimize(Himmelblau(), X[i], lr=0.01, gtol=0, target=1e-6, max_iter=3000)
        assert (b.nit[i], b.status[i]) == (r.nit, r.status)
        np.testing.assert_array_equal(b.x[i], r.x)


def test_target_at_x0_is_nit_0_not_an_error():
    res = gdfast.minimize(LECTURE, [0.0, 0.0], lr=0.1, gtol=0, target=0.0)
    assert res.nit == 0 and res.stop_reason == "target" and res.success


# ---- max_time -----------------------------------------------------------------------------

def slow_py(v):
    time.sleep(2e-4)
    return float(v[0] ** 2)


@pytest.mark.parametrize("fun,x0", [(Quadratic([1.0, 1.0]), [1.0, 1.0]), (slow_py, [1.0])],
                         ids=["builtin", "python"])
def test_max_time_stops_soon_after_the_limit(fun, x0):
    t = time.perf_counter()
    res = gdfast.minimize(fun, x0, lr=1e-12, gtol=0, max_iter=10**15, max_time=0.2)
    elapsed = time.perf_counter() - t
    assert res.status == Status.MAX_TIME and res.stop_reason == "max_time" and not res.success
    assert 0.2 <= elapsed < 5.0 and res.nit > 0 and np.isfinite(res.fun)


def test_max_time_in_batch_and_stepper():
    t = time.perf_counter()
    b = gdfast.minimize_batch(Quadratic([1.0, 1.0]), np.ones((5000, 2)), lr=1e-12, gtol=0,
                              max_iter=10**15, max_time=0.2, threads=2)
    assert 0.2 <= time.perf_counter() - t < 5.0
    assert set(b.stop_reason) == {"max_time"} and np.all(b.status == Status.MAX_TIME)
    d = gdfast.Descent(Quadratic([1.0]), [1.0], lr=1e-12, gtol=0, max_time=0.1)
    while d.status == Status.RUNNING:
        d.step(10**6)
    assert d.stop_reason == "max_time"


def test_max_time_infinite_is_no_limit():
    res = gdfast.minimize(LECTURE, [1.0, 1.0], lr=0.1, max_time=float("inf"))
    assert res.stop_reason == "gtol"


# ---- patience -----------------------------------------------------------------------------

def patience_reference(fun_values, patience, min_delta):
    """scikit-learn's n_iter_no_change rule (sklearn/linear_model/_stochastic_gradient.py,
    _fit_multiclass / _fit_regressor: `if loss > best_loss - tol: no_improvement_count += 1`),
    with Keras' strict improvement: the iteration at which a run stops, or None."""
    best = fun_values[0]
    count = 0
    for k in range(1, len(fun_values)):
        f = fun_values[k]
        if f < best - min_delta:
            count = 0
        else:
            count += 1
        best = min(best, f)
        if count >= patience:
            return k
    return None


@pytest.mark.parametrize("name,fun", KINDS)
@pytest.mark.parametrize("patience,min_delta", [(1, 1e-3), (3, 1e-4), (5, 0.0), (10, 1e-8)])
def test_patience_matches_the_reference_rule(name, fun, patience, min_delta):
    lr = 0.34 if min_delta == 0.0 else 0.1   # 0.34: x oscillates, f stops improving at times
    h = plain_history(fun, [1.0, 1.0], lr=lr, max_iter=400)
    stop = patience_reference(h.fun, patience, min_delta)
    res = gdfast.minimize(fun, [1.0, 1.0], lr=lr, gtol=0, max_iter=400, patience=patience,
                          min_delta=min_delta)
    if stop is None:
        assert res.stop_reason == "max_iter"
    else:
        assert res.nit == stop and res.stop_reason == "patience" and res.success
        np.testing.assert_array_equal(res.x, h.x[stop])


def test_patience_in_batch_rows_equal_minimize():
    X = np.random.default_rng(2).uniform(-5, 5, size=(20, 2))
    kw = dict(lr=0.01, gtol=0, patience=4, min_delta=1e-5, max_iter=5000)
    b = gdfast.minimize_batch(Himmelblau(), X, threads=2, **kw)
    for i in range(len(X)):
        r = gdfast.minimize(Himmelblau(), X[i], **kw)
        assert (b.nit[i], b.stop_reason[i]) == (r.nit, r.stop_reason)


# ---- the best iterate ---------------------------------------------------------------------

@pytest.mark.parametrize("name,fun", KINDS)
@pytest.mark.parametrize("lr", [0.1, 0.34, 0.3])
def test_keep_best_is_the_least_iterate_of_the_history(name, fun, lr):
    res = gdfast.minimize(fun, [1.0, 1.0], lr=lr, gtol=0, max_iter=60, keep_best=True,
                          history=True)
    k = int(np.argmin(res.history.fun))     # the first of the least values
    assert res.nit_best == k and res.fun_best == res.history.fun[k]
    np.testing.assert_array_equal(res.x_best, res.history.x[k])
    np.testing.assert_array_equal(res.x, res.history.x[-1])     # x stays the last iterate


def test_keep_best_when_the_run_diverges_and_when_maximizing():
    res = gdfast.minimize(lecture_py, [1.0, 1.0], lr=1.0, gtol=0, max_iter=2000,
                          keep_best=True)
    assert res.stop_reason == "diverged" and res.nit_best == 0
    np.testing.assert_array_equal(res.x_best, [1.0, 1.0])
    res = gdfast.minimize(Quadratic([-2.0]), [1.0], lr=0.9, gtol=0, max_iter=30,
                          maximize=True, keep_best=True, history=True)
    k = int(np.argmax(res.history.fun))
    assert res.nit_best == k and res.fun_best == res.history.fun.max()


def test_keep_best_absent_unless_asked():
    res = gdfast.minimize(LECTURE, [1.0, 1.0], lr=0.1)
    assert "x_best" not in res and "fun_best" not in res


def test_keep_best_in_batch_and_stepper():
    X = np.random.default_rng(3).uniform(-5, 5, size=(30, 2))
    kw = dict(lr=0.05, gtol=0, max_iter=80, keep_best=True, method="momentum")
    b = gdfast.minimize_batch(Himmelblau(), X, threads=2, **kw)
    for i in range(len(X)):
        r = gdfast.minimize(Himmelblau(), X[i], **kw)
        np.testing.assert_array_equal(b.x_best_each[i], r.x_best)
        assert (b.fun_best_each[i], b.nit_best_each[i]) == (r.fun_best, r.nit_best)
    i = int(np.argmin(b.fun_best_each))
    assert b.best == i and b.fun_best == b.fun_best_each[i] and b.nit_best == b.nit_best_each[i]
    np.testing.assert_array_equal(b.x_best, b.x_best_each[i])
    d = gdfast.Descent(Himmelblau(), X[0], **kw)
    d.step(80)
    r = gdfast.minimize(Himmelblau(), X[0], **kw)
    np.testing.assert_array_equal(d.x_best, r.x_best)
    assert (d.fun_best, d.nit_best) == (r.fun_best, r.nit_best)
    assert gdfast.Descent(Himmelblau(), X[0]).x_best is None


# ---- ReduceLROnPlateau --------------------------------------------------------------------

class TorchPlateau:
    """torch.optim.lr_scheduler.ReduceLROnPlateau.step, transcribed from torch 2.x's source
    (is_better, _reduce_lr, the cooldown logic), one parameter group."""

    def __init__(self, lr, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        self.lr, self.mode, self.factor, self.patience = lr, mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.best = np.inf if mode == "min" else -np.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics):
        current = float(metrics)
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0


def plateau_rates(fun_values, lr, **params):
    """The rate of each update step: step k uses the rate after step(f_1), ..., step(f_k)."""
    sched = TorchPlateau(lr, **params)
    rates = [lr]
    for f in fun_values[1:]:
        sched.step(f)
        rates.append(sched.lr)
    return np.array(rates[:-1]) if len(rates) > 1 else np.array(rates)


def test_plateau_on_an_oscillation_cuts_the_rate_as_torch():
    # x -> -x at lr 2 on f = x^2 / 2: f stays put, so the rate is cut after patience + 1 steps
    rule = ReduceLROnPlateau(factor=0.5, patience=2)
    res = gdfast.minimize(lambda v: 0.5 * v[0] ** 2, [1.0], jac=lambda v: v, lr=2.0,
                          step_rule=rule, gtol=0, max_iter=40, history=True)
    rates = plateau_rates(res.history.fun, 2.0, factor=0.5, patience=2)
    x = 1.0
    for k in range(40):
        x = x - rates[k] * x
        assert res.history.x[k + 1, 0] == x
    # f_1 sets torch's best; f_2, f_3, f_4 are bad: after the third, step 4 is at 2 * 0.5
    assert list(rates[:5]) == [2.0, 2.0, 2.0, 2.0, 1.0] and res.state["lr_bb"] < 2.0


@pytest.mark.parametrize("method", ["gd", "momentum", "nesterov", "adam", "rmsprop",
                                    "adagrad", "adamw", "amsgrad"])
@pytest.mark.parametrize("params", [
    dict(factor=0.5, patience=3),
    dict(factor=0.2, patience=1, cooldown=2, threshold=1e-2, threshold_mode="abs"),
    dict(factor=0.1, patience=0, min_lr=1e-3, threshold=0.05),
])
def test_plateau_with_every_update_rule_equals_torch_rates(method, params):
    """Each iterate equals the same update rule driven by the array of rates that torch's
    scheduler gives for the run's own f values."""
    kw = dict(method=method, lr=0.3, gtol=0, max_iter=150, history=True)
    res = gdfast.minimize(Himmelblau(), [0.5, -0.5], step_rule=ReduceLROnPlateau(**params),
                          **kw)
    rates = plateau_rates(res.history.fun, 0.3, **params)
    ref = gdfast.minimize(Himmelblau(), [0.5, -0.5], step_rule=rates, **kw)
    np.testing.assert_array_equal(res.history.x, ref.history.x)


def test_plateau_maximize_uses_torchs_max_mode():
    fun = Quadratic([-1.0])
    params = dict(factor=0.5, patience=1, threshold=0.0)
    res = gdfast.minimize(fun, [1.0], lr=2.0, maximize=True, gtol=0, max_iter=30,
                          step_rule=ReduceLROnPlateau(**params), history=True)
    rates = plateau_rates(res.history.fun, 2.0, mode="max", **params)
    ref = gdfast.minimize(fun, [1.0], lr=2.0, maximize=True, gtol=0, max_iter=30,
                          step_rule=rates, history=True)
    np.testing.assert_array_equal(res.history.x, ref.history.x)


@pytest.mark.parametrize("threads", [1, 2])
def test_plateau_in_batch_each_start_its_own_rate(threads):
    X = np.random.default_rng(4).uniform(-5, 5, size=(25, 2))
    kw = dict(lr=0.05, gtol=1e-8, max_iter=500, method="adam",
              step_rule=ReduceLROnPlateau(factor=0.5, patience=2))
    b = gdfast.minimize_batch(Himmelblau(), X, threads=threads, **kw)
    for i in range(len(X)):
        r = gdfast.minimize(Himmelblau(), X[i], **kw)
        np.testing.assert_array_equal(b.x[i], r.x)
        assert b.nit[i] == r.nit and b.state["lr_bb"][i] == r.state["lr_bb"]


def test_plateau_by_name_and_its_state_carries_the_rate():
    res = gdfast.minimize(lecture_py, [1.0, 1.0], lr=0.34, step_rule="plateau", gtol=0,
                          max_iter=50)
    assert res.state["lr_bb"] <= 0.34
    more = gdfast.minimize(lecture_py, res.x, lr=0.34, step_rule="plateau", gtol=0,
                           max_iter=1, state=res.state, history=True)
    step = more.history.x[1] - more.history.x[0]
    np.testing.assert_allclose(step, -res.state["lr_bb"] * np.array([6, 2]) * res.x,
                               rtol=1e-6)


# ---- compiled callbacks -------------------------------------------------------------------

CB_TYPE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_double),
                           ctypes.c_double, ctypes.POINTER(ctypes.c_double), ctypes.c_long,
                           ctypes.c_void_p)


def numba_stop_below(limit):
    numba = pytest.importorskip("numba")

    @numba.cfunc("intc(intc, CPointer(float64), float64, CPointer(float64), int64, voidptr)")
    def cb(n, x, f, g, nit, user_data):
        return 1 if f < limit else 0
    return cb


def test_numba_cfunc_callback_stops_where_a_python_one_does():
    cb = numba_stop_below(1e-3)
    res = gdfast.minimize(LECTURE, [1.0, 1.0], lr=0.1, gtol=0, callback=cb)
    ref = gdfast.minimize(LECTURE, [1.0, 1.0], lr=0.1, gtol=0,
                          callback=lambda r: r.fun < 1e-3)
    assert res.status == Status.CALLBACK_STOP and res.nit == ref.nit
    np.testing.assert_array_equal(res.x, ref.x)


def test_ctypes_callback_sees_x_g_nit_and_user_data():
    seen = []

    @CB_TYPE
    def cb(n, x, f, g, nit, user_data):
        ud = ctypes.cast(user_data, ctypes.POINTER(ctypes.c_double))[0] if user_data else None
        seen.append((nit, [x[i] for i in range(n)], f, [g[i] for i in range(n)], ud))
        return 1 if nit >= 4 else 0

    scipy = pytest.importorskip("scipy")
    box = (ctypes.c_double * 1)(42.0)
    llc = scipy.LowLevelCallable(cb, ctypes.cast(box, ctypes.c_void_p))
    res = gdfast.minimize(LECTURE, [1.0, 1.0], lr=0.1, gtol=0, callback=llc, callback_every=2,
                          history=True)
    assert res.nit == 4 and [s[0] for s in seen] == [2, 4]
    for nit, x, f, g, ud in seen:
        np.testing.assert_array_equal(x, res.history.x[nit])
        assert f == res.history.fun[nit] and ud == 42.0
        np.testing.assert_allclose(g, [6 * x[0], 2 * x[1]])
    seen.clear()
    gdfast.minimize(LECTURE, [1.0, 1.0], lr=0.1, gtol=0, callback=cb, max_iter=2)
    assert [(s[0], s[4]) for s in seen] == [(1, None), (2, None)]      # user_data NULL


@pytest.mark.parametrize("threads", [1, 2])
def test_compiled_callback_stops_each_start_of_a_batch(threads):
    cb = numba_stop_below(1e-2)
    X = np.random.default_rng(5).uniform(-5, 5, size=(40, 2))
    b = gdfast.minimize_batch(Himmelblau(), X, lr=0.01, gtol=0, max_iter=3000, callback=cb,
                              threads=threads)
    for i in range(len(X)):
        r = gdfast.minimize(Himmelblau(), X[i], lr=0.01, gtol=0, max_iter=3000, callback=cb)
        assert (b.nit[i], b.status[i]) == (r.nit, r.status) and r.status == 99


def test_compiled_callback_with_a_wrong_signature_is_refused():
    wrong = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_double))(
        lambda n, x: 0)
    with pytest.raises(TypeError, match="signature"):
        gdfast.minimize(LECTURE, [1.0, 1.0], callback=wrong)
    with pytest.raises(TypeError, match="signature"):
        gdfast.minimize_batch(LECTURE, np.ones((2, 2)), callback=wrong)


# ---- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("kw,exc,match", [
    (dict(patience=0), ValueError, "patience"),
    (dict(patience=-3), ValueError, "patience"),
    (dict(patience=2.5), TypeError, "patience"),
    (dict(min_delta=-1.0), ValueError, "min_delta"),
    (dict(min_delta=np.nan), ValueError, "min_delta"),
    (dict(min_delta=np.inf), ValueError, "min_delta"),
    (dict(max_time=0), ValueError, "max_time"),
    (dict(max_time=-1.0), ValueError, "max_time"),
    (dict(max_time=np.nan), ValueError, "max_time"),
    (dict(max_time="1"), TypeError, "max_time"),
    (dict(target=np.nan), ValueError, "target"),
    (dict(target="low"), TypeError, "target"),
    (dict(keep_best="yes"), TypeError, "keep_best"),
    (dict(step_rule=ReduceLROnPlateau), TypeError, "step_rule"),
])
@pytest.mark.parametrize("entry", ["minimize", "batch", "stepper"])
def test_bad_controls_raise_naming_the_argument(kw, exc, match, entry):
    calls = []

    def f(v):
        calls.append(1)
        return float(v @ v)

    with pytest.raises(exc, match=match):
        if entry == "minimize":
            gdfast.minimize(f, [1.0, 1.0], **kw)
        elif entry == "batch":
            gdfast.minimize_batch(f, np.ones((2, 2)), **kw)
        else:
            gdfast.Descent(f, [1.0, 1.0], **kw)
    assert calls == []


@pytest.mark.parametrize("params,match", [
    (dict(factor=1.0), "factor"), (dict(factor=0.0), "factor"), (dict(patience=-1), "patience"),
    (dict(threshold=-1e-3), "threshold"), (dict(threshold_mode="relative"), "threshold_mode"),
    (dict(cooldown=-1), "cooldown"), (dict(min_lr=-1.0), "min_lr"), (dict(eps=np.nan), "eps"),
    (dict(mode="min"), "mode"),
])
def test_bad_plateau_parameters(params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ReduceLROnPlateau(**params)
