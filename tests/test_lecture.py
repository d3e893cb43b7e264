"""The lecture's worked examples (shared/seed/gradient-descent-lecture.txt), exactly."""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import Quadratic


def f3(v):
    return 3 * v[0] ** 2 * v[1] + v[2] * v[1] - v[0]


def grad_f3(v):
    return np.array([6 * v[0] * v[1] - 1, 3 * v[0] ** 2 + v[2], v[1]])


@pytest.mark.parametrize("method", ["central", "central4", "forward", "backward"])
def test_gradient_of_3x2y_plus_zy_minus_x_at_ones(method):
    g = gdfast.gradient(f3, [1, 1, 1], method=method)
    tol = 1e-6 if method in ("forward", "backward") else 1e-9
    np.testing.assert_allclose(g, [5.0, 4.0, 1.0], rtol=0, atol=tol)


def test_analytic_gradient_matches_lecture_exactly():
    np.testing.assert_array_equal(grad_f3(np.ones(3)), [5.0, 4.0, 1.0])
    assert gdfast.check_grad(f3, grad_f3, [1, 1, 1]) < 1e-9


def test_two_iterations_from_lecture_python_fd():
    res = gdfast.minimize(lambda v: 3 * v[0] ** 2 + v[1] ** 2, [1, 1], lr=0.1, max_iter=2,
                          gtol=0, history=True)
    np.testing.assert_allclose(res.history.x, [[1, 1], [0.4, 0.8], [0.16, 0.64]],
                               rtol=0, atol=1e-9)
    assert res.nit == 2
    np.testing.assert_allclose(res.x, [0.16, 0.64], atol=1e-9)
    np.testing.assert_allclose(res.fun, 3 * 0.16 ** 2 + 0.64 ** 2, rtol=1e-9)


def test_two_iterations_from_lecture_analytic_and_builtin():
    f = lambda v: 3 * v[0] ** 2 + v[1] ** 2
    jac = lambda v: np.array([6 * v[0], 2 * v[1]])
    expected = [[1, 1], [0.4, 0.8], [0.16, 0.64]]
    for fun, kw in ((f, {"jac": jac}), (Quadratic([6, 2]), {})):
        res = gdfast.minimize(fun, [1, 1], lr=0.1, max_iter=2, gtol=0, history=True, **kw)
        np.testing.assert_allclose(res.history.x, expected, rtol=1e-15, atol=1e-15)
        # the lecture's arithmetic, step by step, in floating point
        a = np.array([1.0, 1.0])
        for k in range(1, 3):
            a = a - 0.1 * jac(a)
            np.testing.assert_array_equal(res.history.x[k], a)


def test_descent_converges_to_the_minimum_of_the_lecture_quadratic():
    res = gdfast.minimize(lambda v: 3 * v[0] ** 2 + v[1] ** 2, [1, 1], lr=0.1, gtol=1e-8)
    assert res.success and res.status == 0
    np.testing.assert_allclose(res.x, [0, 0], atol=1e-8)


def test_demo_runs_and_prints_the_iterates(capsys, tmp_path):
    from gdfast.__main__ import main
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "[5. 4. 1.]" in out
    assert "a1 = [0.4 0.8]" in out
    assert "a2 = [0.16 0.64]" in out
