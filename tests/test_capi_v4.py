"""Version 4 of the C API (gdfast_options_v4): FIRE and FIRE2, CG's and L-BFGS's parameters,
groups, max_step and gnorm_group, through the C entries (the shim gdfast.capi._py_capi_v4 on
f = sum_i (i + 1) x_i^2), against gdfast.minimize on the same function (the built-in
Quadratic with a_i = 2 (i + 1)): one loop, so the same bits.  Bad options: ValueErrors naming
the field."""
import numpy as np
import pytest

import gdfast
from gdfast import capi
from gdfast.objectives import Quadratic

X0 = np.array([[1.0, -2.0, 0.5, 3.0, 1.0, -1.0], [0.3, 0.2, -0.1, 1.0, 2.0, 0.5],
               [-1.0, 0.0, 2.0, 0.1, -0.4, 0.9]])
Q = Quadratic(2.0 * np.arange(1, 7))
MODES = ["minimize", "batch", "stepper"]


def python_rows(method, **kw):
    return [gdfast.minimize(Q, x0, method=method, **kw) for x0 in X0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("c_opts, method, py_kw", [
    ({"update": capi_code, "lr": 0.1}, name, {"lr": 0.1})
    for capi_code, name in ((6, "fire"), (7, "fire2"))] + [
    ({"update": 6, "lr": 0.05, "fire_maxstep": 0.1, "fire_dtmax": 0.5, "fire_nmin": 3,
      "fire_finc": 1.2, "fire_fdec": 0.4, "fire_astart": 0.2, "fire_fa": 0.95, "fire_a": 0.15},
     gdfast.FIRE(dt=0.05, maxstep=0.1, dtmax=0.5, Nmin=3, finc=1.2, fdec=0.4, astart=0.2,
                 fa=0.95, a=0.15), {}),
    ({"update": 7, "lr": 0.1, "fire_dtmin": 0.01, "fire_use_abc": 1},
     gdfast.FIRE2(dtmin=0.01, use_abc=True), {}),
    ({"update": 6, "lr": 0.1, "group_ends": [3, 6], "gnorm_group": 1, "max_step": 0.05},
     "fire", {"lr": 0.1, "groups": 3, "gnorm": "group", "max_step": 0.05}),
    ({"update": 0, "lr": 0.02, "momentum": 0.5, "group_ends": [2, 3, 6], "max_step": 0.01},
     "momentum", {"lr": 0.02, "options": {"momentum": 0.5}, "groups": [2, 1, 3],
                  "max_step": 0.01}),
    ({"update": 5, "step": 7, "c2": 0.9, "max_backtracks": 30, "lr": 1.0, "memory": 3},
     gdfast.LBFGS(memory=3), {}),
    ({"update": 4, "step": 7, "c2": 0.1, "max_backtracks": 30, "lr": 1.0, "cg_beta": 1,
      "cg_restart": 4}, gdfast.CG(beta="fr", restart=4), {}),
])
def test_v4_runs_are_minimizes(mode, c_opts, method, py_kw):
    opts = dict(c_opts, gtol=1e-7, max_iter=3000)
    X, rows = capi._py_capi_v4(X0, opts, mode, 2, [9] * 400)
    refs = python_rows(method, gtol=1e-7, max_iter=3000, **py_kw)
    for i, ref in enumerate(refs):
        np.testing.assert_array_equal(X[i], ref.x)
        assert rows[i]["nit"] == ref.nit and rows[i]["status"] == ref.status
        assert rows[i]["njev"] == ref.njev
    assert len({r["nit"] for r in rows}) > 1 or mode == "stepper"


def test_v3_entries_refuse_the_fire_codes():
    for code in (6, 7):
        with pytest.raises(ValueError, match="needs version 4"):
            capi._py_capi_v2(X0, {"update": code})
    with pytest.raises(ValueError, match="unknown update rule code 8"):
        capi._py_capi_v4(X0, {"update": 8})


@pytest.mark.parametrize("opts, match", [
    ({"update": 6, "step": 6}, "needs step = GDFAST_STEP_FIXED"),
    ({"update": 7, "clip_norm": 1.0}, "cannot be combined"),
    ({"update": 6, "maximize": 1}, "cannot be combined"),
    ({"update": 6, "fire_maxstep": 0.0}, "fire_maxstep"),
    ({"update": 6, "fire_dtmax": float("nan")}, "fire_dtmax"),
    ({"update": 7, "fire_dtmin": 2.0}, "fire_dtmin"),
    ({"update": 6, "fire_finc": 0.5}, "fire_finc"),
    ({"update": 6, "fire_fdec": 0.0}, "fire_fdec"),
    ({"update": 6, "fire_fa": 1.5}, "fire_fa"),
    ({"update": 6, "fire_astart": 1.5}, "fire_astart"),
    ({"update": 6, "fire_a": float("nan")}, "fire_a"),
    ({"update": 4, "step": 7, "cg_beta": 2}, "cg_beta"),
    ({"update": 5, "step": 7, "memory": 0}, "memory"),
    ({"update": 4, "step": 7, "cg_restart": -1}, "cg_restart"),
    ({"group_ends": [3, 5]}, "last entry must be n"),
    ({"group_ends": [3, 3, 6]}, r"group_ends\[1\]"),
    ({"group_ends": [0, 6]}, r"group_ends\[0\]"),
    ({"max_step": -1.0}, "max_step"),
])
def test_v4_bad_options_name_the_field(opts, match):
    for mode in MODES:
        with pytest.raises(ValueError, match=match):
            capi._py_capi_v4(X0, opts, mode, 1, [1])
