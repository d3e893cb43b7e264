"""gdfast.scipy_method: SciPy's custom-method protocol."""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import Quadratic

optimize = pytest.importorskip("scipy.optimize")


def test_returns_scipy_result_with_options_passed_through():
    res = optimize.minimize(optimize.rosen, [0.0, 0.0], jac=optimize.rosen_der,
                            method=gdfast.scipy_method,
                            options={"lr": 1e-3, "maxiter": 50_000, "gtol": 1e-7})
    assert type(res) is optimize.OptimizeResult and res.success
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-5)
    direct = gdfast.minimize(optimize.rosen, [0.0, 0.0], jac=optimize.rosen_der, lr=1e-3,
                             max_iter=50_000, gtol=1e-7)
    np.testing.assert_array_equal(res.x, direct.x)
    assert res.nit == direct.nit


def test_jac_true_tol_args_callback_and_max_iter():
    seen = []
    res = optimize.minimize(lambda x, a: (a * x @ x, 2 * a * x), [1.0, 2.0], args=(3.0,),
                            jac=True, method=gdfast.scipy_method, tol=1e-9,
                            callback=lambda intermediate_result: seen.append(1),
                            options={"lr": 0.1})
    assert res.success and np.all(np.abs(res.jac) <= 1e-9) and len(seen) == res.nit
    res = optimize.minimize(lambda x: x @ x, [1.0], method=gdfast.scipy_method,
                            options={"max_iter": 3, "gtol": 0})
    assert res.nit == 3 and res.status == 1


def test_builtin_and_fd_default():
    res = optimize.minimize(Quadratic([6.0, 2.0]), [1.0, 1.0], method=gdfast.scipy_method,
                            options={"lr": 0.1})
    assert res.success
    res = optimize.minimize(lambda x: 3 * x[0] ** 2 + x[1] ** 2, [1.0, 1.0], jac="2-point",
                            method=gdfast.scipy_method, options={"lr": 0.1})
    assert res.success


def test_bounds_are_kept_by_projection():
    for bounds in ([(0.5, 2.0), (-1.0, None), (None, -0.25)],
                   optimize.Bounds([0.5, -1.0, -np.inf], [2.0, np.inf, -0.25])):
        res = optimize.minimize(lambda x: x @ x, [1.0, 1.0, -1.0], jac=lambda x: 2 * x,
                                method=gdfast.scipy_method, bounds=bounds,
                                options={"lr": 0.1, "gtol": 1e-10})
        assert res.success, res.message
        np.testing.assert_allclose(res.x, [0.5, 0.0, -0.25], atol=1e-9)


def test_unsupported_features():
    with pytest.raises(ValueError, match="constraints"):
        optimize.minimize(lambda x: x @ x, [1.0], method=gdfast.scipy_method,
                          constraints={"type": "eq", "fun": lambda x: x[0]})
    with pytest.raises(TypeError):
        optimize.minimize(lambda x: x @ x, [1.0], method=gdfast.scipy_method,
                          options={"nonsense": 1})
