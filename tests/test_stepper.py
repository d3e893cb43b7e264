"""gdfast.Descent: the loop a few steps at a time, matching minimize step for step."""
import numpy as np
import pytest

import gdfast
from gdfast import Status
from gdfast.objectives import Himmelblau, Quadratic, Rosenbrock

lecture = lambda v: 3 * v[0] ** 2 + v[1] ** 2


@pytest.mark.parametrize("fun,kw", [
    (lecture, {}),
    (lecture, {"jac": lambda v: np.array([6 * v[0], 2 * v[1]])}),
    (Himmelblau(), {}),
    (Rosenbrock(4), {"jac": "forward"}),
    (lambda X: 3 * X[:, 0] ** 2 + X[:, 1] ** 2, {"vectorized": True}),
], ids=["python-fd", "python-jac", "builtin", "builtin-fd", "vectorized"])
def test_matches_minimize_step_for_step(fun, kw):
    x0 = np.array([1.0, 1.0, 0.5, 0.2]) if isinstance(fun, Rosenbrock) else np.array([1.0, 1.0])
    lr = 1e-3 if isinstance(fun, Rosenbrock) else 0.01
    d = gdfast.Descent(fun, x0, lr=lr, gtol=0, **kw)
    for k in range(1, 30):
        assert d.step() == Status.RUNNING
        r = gdfast.minimize(fun, x0, lr=lr, max_iter=k, gtol=0, **kw)
        np.testing.assert_array_equal(d.x, r.x)
        np.testing.assert_array_equal(d.jac, r.jac)
        assert d.nit == r.nit == k
        assert d.fun == r.fun
    d.step(20)
    r = gdfast.minimize(fun, x0, lr=lr, max_iter=49, gtol=0, **kw)
    np.testing.assert_array_equal(d.x, r.x)


def test_stops_like_minimize_and_reset():
    q = Quadratic([6.0, 2.0])
    d = gdfast.Descent(q, [1.0, 1.0], lr=0.1, gtol=1e-8)
    assert d.step(10_000) == Status.CONVERGED and d.success
    r = gdfast.minimize(q, [1.0, 1.0], lr=0.1, gtol=1e-8)
    assert d.nit == r.nit and np.array_equal(d.x, r.x) and d.message == r.message
    assert d.step() == Status.CONVERGED and d.nit == r.nit          # no-op once stopped
    d.reset([2.0, -1.0])
    assert d.nit == 0 and d.status == Status.RUNNING
    np.testing.assert_array_equal(d.x, [2.0, -1.0])
    d.step(3)
    np.testing.assert_array_equal(d.x, gdfast.minimize(q, [2.0, -1.0], lr=0.1, max_iter=3).x)
    d.reset()
    np.testing.assert_array_equal(d.x, [2.0, -1.0])
    d2 = gdfast.Descent(q, [1.0, 1.0], lr=0.1, max_iter=5, gtol=0)
    assert d2.step(100) == Status.MAX_ITER and d2.nit == 5


def test_user_exception_propagates_then_needs_reset():
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) > 3:
            raise KeyError("boom")
        return float(v @ v)

    d = gdfast.Descent(f, [1.0, 1.0], jac=lambda v: 2 * v, lr=0.1)
    with pytest.raises(KeyError, match="boom"):
        d.step(10)
    with pytest.raises(RuntimeError, match="reset"):
        d.step()
    calls.clear()
    d.reset()
    assert d.step() == Status.RUNNING


def test_bad_input():
    with pytest.raises(ValueError, match="x0"):
        gdfast.Descent(lecture, [[1.0]])
    with pytest.raises(ValueError, match="not finite"):
        gdfast.Descent(lambda v: np.inf, [1.0], jac=lambda v: v)
    d = gdfast.Descent(lecture, [1.0, 1.0])
    with pytest.raises(ValueError, match="n"):
        d.step(-1)
    with pytest.raises(TypeError):
        d.step(1.5)
    with pytest.raises(ValueError, match="length"):
        d.reset([1.0])
    x = d.x
    x[0] = 99.0
    assert d.x[0] == 1.0                     # x is a fresh copy


@pytest.mark.parametrize("kw", [dict(method="adam", lr=0.05), dict(method="nesterov", lr=0.01),
                                dict(step_rule="armijo", lr=1.0), dict(step_rule="bb", lr=1e-3),
                                dict(lr=0.01, bounds=([-0.5, 0.0], [0.5, 2.0]), clip_norm=5.0)])
def test_stepper_matches_minimize_for_every_rule(kw):
    from gdfast.objectives import Rosenbrock
    d = gdfast.Descent(Rosenbrock(2), [-1.2, 1.0], gtol=0, **kw)
    for k in (1, 7, 40):
        ref = gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], gtol=0, max_iter=k, **kw)
        d.step(k - d.nit)
        np.testing.assert_array_equal(d.x, ref.x)
        assert d.nit == ref.nit
    if "state" in ref:
        assert d.state["t"] == ref.state["t"]
