"""Every public entry point against the same bad inputs: a clear ValueError / TypeError
naming the argument (never a crash, a hang or a wrong answer), and inputs left unchanged;
odd-but-valid inputs (read-only, non-contiguous, integer, float32) give the float64 answer."""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import Himmelblau, Quadratic

Q = Quadratic([2.0, 1.0])
f2 = lambda x: float(x @ x)


def entry_points():
    """name -> (call(x), the argument name it must mention); x is the point-like input."""
    return {
        "minimize": (lambda x: gdfast.minimize(f2, x, max_iter=3), "x0"),
        "minimize-builtin": (lambda x: gdfast.minimize(Q, x, max_iter=3), "x0"),
        "gradient": (lambda x: gdfast.gradient(f2, x), "x"),
        "check_grad": (lambda x: gdfast.check_grad(f2, lambda v: 2 * v, x), "x"),
        "Descent": (lambda x: gdfast.Descent(f2, x).step(2), "x0"),
        "minimize_batch": (lambda x: gdfast.minimize_batch(Q, np.atleast_2d(x)
                                                           if isinstance(x, np.ndarray)
                                                           and x.ndim == 1 else x, max_iter=3),
                           "X0"),
        "landscape.line": (lambda x: gdfast.landscape.line(f2, x, np.ones(np.shape(x)),
                                                           resolution=5), "a"),
        "landscape.plane": (lambda x: gdfast.landscape.plane(Q, x, resolution=5, seed=0),
                            "center"),
        "objective-call": (lambda x: Q(x), "x"),
        "objective-gradient": (lambda x: Q.gradient(x), "x"),
    }


BAD = {
    "empty": (np.array([]), ValueError),
    "3-D": (np.zeros((1, 1, 2)), ValueError),
    "nan": (np.array([1.0, np.nan]), ValueError),
    "inf": (np.array([np.inf, 1.0]), ValueError),
    "complex": (np.array([1.0 + 1j, 2.0]), TypeError),
    "object": (np.array([1.0, None], dtype=object), TypeError),
    "string": ("ab", TypeError),
    "strings": (np.array(["1", "2"]), TypeError),
    "ragged": ([[1.0], [2.0, 3.0]], ValueError),
}


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("entry", list(entry_points()))
def test_bad_point_inputs(entry, bad):
    call, argname = entry_points()[entry]
    value, exc = BAD[bad]
    before = value.copy() if isinstance(value, np.ndarray) else value
    with pytest.raises(exc) as info:
        call(value)
    assert argname in str(info.value), str(info.value)
    if isinstance(value, np.ndarray) and value.dtype != object:
        np.testing.assert_array_equal(value, before)


@pytest.mark.parametrize("entry", ["minimize-builtin", "objective-call", "landscape.plane"])
def test_wrong_length_for_a_fixed_dimension_objective(entry):
    call, argname = entry_points()[entry]
    with pytest.raises(ValueError, match="length"):
        call(np.array([1.0, 2.0, 3.0]))


def _variants():
    base = np.array([1.0, -2.0])
    ro = base.copy()
    ro.setflags(write=False)
    strided = np.array([[1.0, 9.0], [-2.0, 9.0]])[:, 0]
    return {"read-only": ro, "non-contiguous": strided, "int": np.array([1, -2]),
            "float32": base.astype(np.float32), "list": [1.0, -2.0], "tuple": (1, -2),
            "reversed": np.array([-2.0, 1.0])[::-1]}


@pytest.mark.parametrize("variant", list(_variants()))
@pytest.mark.parametrize("entry", [e for e in entry_points() if e != "minimize_batch"])
def test_odd_but_valid_layouts_give_the_same_answer(entry, variant):
    call, _ = entry_points()[entry]
    ref = call(np.array([1.0, -2.0]))
    got = call(_variants()[variant])
    if isinstance(ref, dict):                                   # OptimizeResult
        for key in ("x", "fun", "jac", "nit"):
            np.testing.assert_array_equal(got[key], ref[key])
    elif hasattr(ref, "values"):                                # landscape results
        np.testing.assert_array_equal(got.values, ref.values)
    else:
        np.testing.assert_array_equal(got, ref)


@pytest.mark.filterwarnings("ignore:overflow")
def test_huge_but_finite_inputs_stop_with_a_status_not_a_crash():
    res = gdfast.minimize(Q, [1e150, -1e150], lr=3.0, max_iter=100)     # f(x0) ~ 1e300
    assert res.status == gdfast.Status.DIVERGED
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(Q, [1e300, -1e300])                                # f(x0) = inf
    g = gdfast.gradient(lambda x: float(x @ x), [1e300, 1.0])
    assert np.all(g == np.inf)          # f overflowed at every stencil point: +inf, not NaN


def test_big_problem_is_fine():
    n = 2_000_000
    res = gdfast.minimize(Quadratic(np.ones(n)), np.ones(n), lr=0.5, max_iter=2, gtol=0)
    assert res.nit == 2 and np.all(res.x == 0.25)


MISBEHAVING = {
    "nan-later": (lambda x: np.nan if x[0] < 0.9 else float(x @ x), None),
    "inf-later": (lambda x: np.inf if x[0] < 0.9 else float(x @ x), None),
    "list": (lambda x: [1.0], TypeError),
    "none": (lambda x: None, TypeError),
    "array": (lambda x: x, ValueError),
    "string": (lambda x: "1", TypeError),
}


@pytest.mark.parametrize("name", list(MISBEHAVING))
@pytest.mark.parametrize("entry", ["minimize", "Descent", "gradient", "landscape.line"])
def test_misbehaving_objectives(entry, name):
    fun, exc = MISBEHAVING[name]
    x0 = np.array([1.0, 0.5])
    calls = {
        "minimize": lambda: gdfast.minimize(fun, x0, lr=0.2, max_iter=20, gtol=0),
        "Descent": lambda: gdfast.Descent(fun, x0, lr=0.2, gtol=0).step(20),
        "gradient": lambda: gdfast.gradient(fun, x0),
        "landscape.line": lambda: gdfast.landscape.line(fun, x0, np.zeros(2), resolution=5),
    }
    if exc is None:                     # a value that turns non-finite is a status / NaN
        out = calls[entry]()
        if entry == "minimize":
            assert out.status in (gdfast.Status.NONFINITE, gdfast.Status.DIVERGED)
            assert np.all(np.isfinite(out.x)) and np.isfinite(out.fun)
    else:
        with pytest.raises(exc, match="fun"):
            calls[entry]()
    np.testing.assert_array_equal(x0, [1.0, 0.5])


@pytest.mark.parametrize("entry", ["minimize", "Descent", "gradient", "minimize_batch",
                                   "landscape.plane"])
def test_raising_objective_propagates_unchanged(entry):
    err = ArithmeticError("mine")

    def fun(x):
        raise err

    calls = {
        "minimize": lambda: gdfast.minimize(fun, [1.0, 2.0]),
        "Descent": lambda: gdfast.Descent(fun, [1.0, 2.0]),
        "gradient": lambda: gdfast.gradient(fun, [1.0, 2.0]),
        "minimize_batch": lambda: gdfast.minimize_batch(fun, [[1.0, 2.0], [0.0, 1.0]]),
        "landscape.plane": lambda: gdfast.landscape.plane(fun, [1.0, 2.0], resolution=3,
                                                          seed=0),
    }
    with pytest.raises(ArithmeticError) as info:
        calls[entry]()
    assert info.value is err


def test_wrong_length_error_names_the_entry_points_own_argument():
    with pytest.raises(ValueError, match=r"^x must have length 2"):
        gdfast.gradient(Himmelblau(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^x0 must have length 2"):
        gdfast.minimize(Himmelblau(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"X0"):
        gdfast.minimize_batch(Himmelblau(), np.zeros((4, 3)))
