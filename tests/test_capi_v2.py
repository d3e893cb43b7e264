"""The C API v2 (gdfast/capi.pxd) called from C through its test hook gdfast.capi._py_capi_v2,
on sum_i (i+1) x_i^2: every rule, the stepper and the batch drive the one loop, and agree with
minimize; invalid options are a ValueError naming the field.  (tests/test_capi.py compiles the
docstring's consumer, which drives the stepper in a time loop, against an install.)"""
import numpy as np
import pytest

import gdfast
from gdfast import Status
from gdfast.capi import _py_capi_v2 as capi

N = 3
QUAD = gdfast.objectives.Quadratic(2.0 * np.arange(1.0, N + 1))     # sum (i+1) x_i^2

RULES = {
    "gd": ({}, dict()),
    "momentum": ({"momentum": 0.5}, dict(method="momentum", options={"momentum": 0.5})),
    "adam": ({"update": 1}, dict(method="adam")),
    "adamw": ({"update": 1, "decoupled_wd": 1, "weight_decay": 0.01}, dict(method="adamw")),
    "rmsprop": ({"update": 2}, dict(method="rmsprop")),
    "adagrad": ({"update": 3, "initial_accumulator_value": 0.1, "eps": 1e-10},
                dict(method=gdfast.Adagrad(initial_accumulator_value=0.1))),
    "cosine": ({"step": 4, "period": 40}, dict(step_rule=gdfast.CosineLR(40))),
    "armijo": ({"step": 6}, dict(step_rule="armijo")),
    "wolfe": ({"step": 7}, dict(step_rule="wolfe")),
    "bb": ({"step": 8}, dict(step_rule="bb")),
    "bounds": ({"lb": [0.2, -1, -1], "ub": [1, 1, 1]}, dict(bounds=([0.2, -1, -1], [1, 1, 1]))),
    "clip": ({"clip_norm": 0.5}, dict(clip_norm=0.5)),
    # CG / L-BFGS: the Python defaults are strong Wolfe with c2 0.1 / 0.9, 30 evaluations
    "cg": ({"update": 4, "step": 7, "c2": 0.1, "max_backtracks": 30}, dict(method="cg")),
    "lbfgs": ({"update": 5, "step": 7, "max_backtracks": 30}, dict(method="lbfgs")),
    "lbfgs-armijo": ({"update": 5, "step": 6}, dict(method="lbfgs", step_rule="armijo")),
}


@pytest.fixture(scope="module")
def X0():
    return np.random.default_rng(1).uniform(-1, 1, (13, N))


@pytest.mark.parametrize("name", list(RULES))
def test_every_rule_agrees_with_minimize(name, X0):
    c_opts, py_kw = RULES[name]
    base = {"lr": 0.05, "max_iter": 60, "gtol": 1e-12}
    X, rows, _ = capi(X0, dict(base, **c_opts))
    for i in range(len(X0)):
        r = gdfast.minimize(QUAD, X0[i], lr=0.05, max_iter=60, gtol=1e-12, **py_kw)
        np.testing.assert_allclose(X[i], r.x, rtol=1e-12, atol=1e-14)
        assert rows[i]["nit"] == r.nit and rows[i]["status"] == r.status


@pytest.mark.parametrize("name", ["gd", "adam", "armijo", "bb", "bounds"])
@pytest.mark.parametrize("threads", [1, 2, 5])
def test_batch_rows_equal_single_runs(name, threads, X0):
    opts = dict({"lr": 0.05, "max_iter": 80, "gtol": 1e-10}, **RULES[name][0])
    for scaled in (False, True):               # a ctx per start: its own scale of f
        Xs, single, _ = capi(X0, opts, "minimize", per_start_scale=scaled)
        Xb, batch, _ = capi(X0, opts, "batch", threads=threads, per_start_scale=scaled)
        np.testing.assert_array_equal(Xb, Xs)
        assert batch == single


def test_batch_with_finite_differences_and_per_start_ctx(X0):
    opts = {"lr": 0.02, "max_iter": 200, "gtol": 1e-8, "fd_method": 2}
    Xs, single, _ = capi(X0, opts, "minimize", per_start_scale=True)
    Xb, batch, _ = capi(X0, opts, "batch", threads=2, per_start_scale=True)
    np.testing.assert_array_equal(Xb, Xs)
    assert [r["nfev"] for r in batch] == [r["nfev"] for r in single]


def test_stepper_in_steps_equals_one_run(X0):
    opts = {"lr": 0.05, "max_iter": 1000, "gtol": 1e-9, "update": 1}
    X1, one, _ = capi(X0[:2], dict(opts, max_iter=6))
    Xs, stepped, statuses = capi(X0[:2], opts, "stepper", steps=[1, 2, 3])
    np.testing.assert_array_equal(Xs, X1)
    assert [r["nit"] for r in stepped] == [6, 6]
    assert statuses == [Status.RUNNING] * 6
    Xd, done, st = capi(X0[:1], opts, "stepper", steps=[10 ** 6, 5])
    assert st == [Status.CONVERGED, Status.CONVERGED] and done[0]["status"] == 0


@pytest.mark.parametrize("opts, match", [
    ({"update": 8}, "unknown update rule code 8"),
    ({"update": 6}, "code 6 \\(FIRE / FIRE2\\) needs version 4"),
    ({"step": -3}, "unknown step rule code -3"),
    ({"step": 5}, "rates"),                           # GDFAST_STEP_ARRAY without rates
    ({"step": 5, "rates": [0.1, -1.0], "n_rates": 2}, r"rates\[1\]"),
    ({"lb": [0, 0, 0]}, "lb and options.ub"),
    ({"lb": [0, 2, 0], "ub": [1, 1, 1]}, r"lb\[1\]"),
    ({"c1": 0.95}, "c1, c2"),
    ({"beta2": 1.0}, "beta1 and options.beta2"),
    ({"nesterov": 1}, "nesterov"),
    ({"lr": 0.0}, "options.lr"),
    ({"max_backtracks": 0}, "max_backtracks"),
    ({"step": 7, "lb": [0, 0, 0], "ub": [1, 1, 1]}, "Wolfe"),
    ({"update": 4}, "needs step = GDFAST_STEP_WOLFE"),
    ({"update": 5, "step": 8}, "needs step = GDFAST_STEP_WOLFE"),
    ({"update": 5, "step": 6, "lb": [0, 0, 0], "ub": [1, 1, 1]}, "CG / L-BFGS cannot"),
    ({"update": 4, "step": 7, "clip_norm": 1.0}, "CG / L-BFGS cannot"),
])
def test_invalid_options(opts, match, X0):
    for mode in ("minimize", "batch", "stepper"):
        with pytest.raises(ValueError, match=match):
            capi(X0[:2], opts, mode, steps=[1])


def test_batch_bad_threads(X0):
    with pytest.raises(ValueError, match="threads"):
        capi(X0, {}, "batch", threads=0)
