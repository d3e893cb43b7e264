"""Bad input: a clear exception naming the argument, never a crash; inputs never modified."""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import Quadratic

f2 = lambda x: float(x @ x)


@pytest.mark.parametrize("x0,exc", [
    ([], ValueError),
    (np.zeros((2, 2)), ValueError),
    (3.0, ValueError),
    ([1.0, np.nan], ValueError),
    ([1.0, np.inf], ValueError),
    ([1 + 2j, 0.0], TypeError),
    (np.array([1, 2], dtype=object), TypeError),
    ("ab", TypeError),
    (["a", "b"], TypeError),
    ([[1.0], [2.0, 3.0]], ValueError),
])
def test_bad_x0(x0, exc):
    with pytest.raises(exc, match="x0"):
        gdfast.minimize(f2, x0)


@pytest.mark.parametrize("x0", [[1, 2], np.array([1, 2], dtype=np.int32),
                                np.array([1.0, 2.0], dtype=np.float32), (1.0, 2.0),
                                np.array([[1.0, 5.0], [2.0, 6.0]])[:, 0]])
def test_integer_float32_tuples_and_strided_are_accepted(x0):
    res = gdfast.minimize(f2, x0, lr=0.25, gtol=1e-10)
    assert res.success and res.x.dtype == np.float64
    np.testing.assert_allclose(res.x, 0.0, atol=1e-9)


def test_x0_is_never_modified_and_result_owns_its_memory():
    for fun in (f2, Quadratic([1.0, 1.0])):
        x0 = np.array([1.0, 2.0])
        res = gdfast.minimize(fun, x0, lr=0.1, max_iter=5)
        np.testing.assert_array_equal(x0, [1.0, 2.0])
        assert not np.shares_memory(res.x, x0)
        assert not np.shares_memory(res.x, res.jac)


@pytest.mark.parametrize("ret,exc,word", [
    (lambda x: np.array([1.0, 2.0]), ValueError, "scalar"),
    (lambda x: "1.0", TypeError, "real"),
    (lambda x: None, TypeError, "real"),
    (lambda x: 1 + 1j, TypeError, "complex"),
    (lambda x: [1.0], TypeError, "real"),
])
def test_fun_returning_non_scalar(ret, exc, word):
    with pytest.raises(exc, match=word):
        gdfast.minimize(ret, [1.0, 2.0])
    with pytest.raises(exc, match="fun"):
        gdfast.minimize(ret, [1.0, 2.0])


def test_fun_returning_numpy_scalars_and_0d_arrays_is_fine():
    for ret in (lambda x: np.float32(x @ x), lambda x: np.array(x @ x), lambda x: int(x[0] ** 2)):
        res = gdfast.minimize(ret, [1.0, 2.0], jac=lambda x: 2 * x, lr=0.1, max_iter=3)
        assert res.nit == 3


@pytest.mark.parametrize("jac,exc", [
    (lambda x: np.zeros(3), ValueError),
    (lambda x: np.zeros((2, 1)), ValueError),
    (lambda x: 1.0, ValueError),
    (lambda x: np.array([1j, 0]), TypeError),
    (lambda x: ["a", "b"], TypeError),
])
def test_jac_wrong_shape_or_type(jac, exc):
    with pytest.raises(exc, match="jac"):
        gdfast.minimize(f2, [1.0, 2.0], jac=jac)


def test_jac_true_must_return_a_pair():
    with pytest.raises(TypeError, match="jac=True"):
        gdfast.minimize(f2, [1.0, 2.0], jac=True)
    with pytest.raises(ValueError, match="gradient"):
        gdfast.minimize(lambda x: (f2(x), np.zeros(5)), [1.0, 2.0], jac=True)


def test_vectorized_wrong_shape():
    with pytest.raises(ValueError, match="vectorized fun"):
        gdfast.minimize(lambda X: np.sum(X), [1.0, 2.0], vectorized=True)
    with pytest.raises(ValueError, match="vectorized fun"):
        gdfast.gradient(lambda X: X, [1.0, 2.0], vectorized=True)


@pytest.mark.parametrize("kw,exc,word", [
    ({"lr": 0.0}, ValueError, "lr"), ({"lr": -0.1}, ValueError, "lr"),
    ({"lr": np.nan}, ValueError, "lr"), ({"lr": np.inf}, ValueError, "lr"),
    ({"lr": [0.1]}, TypeError, "lr"),
    ({"max_iter": -1}, ValueError, "max_iter"), ({"max_iter": 2.5}, TypeError, "max_iter"),
    ({"gtol": -1e-5}, ValueError, "gtol"), ({"gtol": np.nan}, ValueError, "gtol"),
    ({"ftol": -1.0}, ValueError, "ftol"), ({"xtol": np.nan}, ValueError, "xtol"),
    ({"max_fev": 0}, ValueError, "max_fev"), ({"max_fev": -5}, ValueError, "max_fev"),
    ({"method": "newton"}, ValueError, "method"), ({"lr": "0.1"}, TypeError, "lr"),
    ({"jac": "five-point"}, ValueError, "jac"), ({"jac": 3}, TypeError, "jac"),
    ({"fd_step": -1.0}, ValueError, "step"),
    # nonlinear CG and L-BFGS
    ({"method": "lbfgs", "options": {"memory": 0}}, ValueError, "memory"),
    ({"method": "lbfgs", "options": {"memory": -3}}, ValueError, "memory"),
    ({"method": "lbfgs", "options": {"memory": 2.5}}, TypeError, "memory"),
    ({"method": "lbfgs", "options": {"memory": True}}, TypeError, "memory"),
    ({"method": "lbfgs", "options": {"memory": "10"}}, TypeError, "memory"),
    ({"method": "cg", "options": {"beta": "hs"}}, ValueError, "beta"),
    ({"method": "cg", "options": {"beta": None}}, ValueError, "beta"),
    ({"method": "cg", "options": {"restart": 0}}, ValueError, "restart"),
    ({"method": "cg", "options": {"memory": 5}}, TypeError, "memory"),
    ({"method": "lbfgs", "options": {"beta": "fr"}}, TypeError, "beta"),
    ({"method": "cg", "step_rule": "bb"}, ValueError, "line search step_rule"),
    ({"method": "lbfgs", "step_rule": gdfast.ExponentialLR(0.9)}, ValueError, "step_rule"),
    ({"method": "lbfgs", "step_rule": "fixed"}, ValueError, "step_rule"),
    ({"method": "lbfgs", "bounds": ([0, 0], [1, 1])}, ValueError, "bounds"),
    ({"method": "cg", "step_rule": "armijo", "bounds": ([0, 0], [1, 1])}, ValueError, "bounds"),
    ({"method": "cg", "clip_norm": 1.0}, ValueError, "clip_norm"),
    ({"method": "lbfgs", "maximize": True}, ValueError, "maximize"),
    ({"method": "cg", "lr": -1.0}, ValueError, "lr"),
])
def test_bad_options(kw, exc, word):
    called = []

    def f(x):
        called.append(1)
        return float(x @ x)

    with pytest.raises(exc, match=word):
        gdfast.minimize(f, [1.0, 2.0], **kw)
    assert not called          # validated before the first objective call


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="learning_rate"):
        gdfast.minimize(f2, [1.0], learning_rate=0.1)


def test_fun_not_callable():
    with pytest.raises(TypeError, match="fun"):
        gdfast.minimize(3.0, [1.0])


def test_builtin_rejects_args_and_python_jac():
    with pytest.raises(ValueError, match="args"):
        gdfast.minimize(Quadratic([1.0]), [1.0], args=(1,))
    with pytest.raises(ValueError, match="jac"):
        gdfast.minimize(Quadratic([1.0]), [1.0], jac=lambda x: x)


def test_huge_max_iter_is_fine():
    res = gdfast.minimize(Quadratic([1.0]), [1.0], lr=0.5, max_iter=10 ** 30)
    assert res.success


def test_zero_d_nan_tolerance_rejected():
    with pytest.raises(ValueError, match="gtol must not be NaN"):
        gdfast.minimize(Quadratic([6.0, 2.0]), [1.0, 1.0], gtol=np.array(np.nan))


def test_finiteness_check_without_warnings():
    """Huge finite x0 is accepted without a warning; NaN and inf anywhere are rejected."""
    import warnings
    from gdfast._config import all_finite
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all_finite(np.array([1e300, -1e300, 5e-324, 0.0]))
        assert all_finite(np.zeros(0)) and all_finite(np.arange(6.0)[::2])
        for bad in (np.inf, -np.inf, np.nan):
            for k in range(3):
                v = np.ones(3)
                v[k] = bad
                assert not all_finite(v)
                with pytest.raises(ValueError, match="finite"):
                    gdfast.gradient(Quadratic([1.0, 1.0, 1.0]), v)
        gdfast.gradient(lambda v: float(np.sum(v * 1e-300)), [1e300, 1.0])


@pytest.mark.parametrize("value,exc", [
    (-1e-6, ValueError),
    (float("nan"), ValueError),
    ("yes", TypeError),
    (None, TypeError),
    ([1e-6], TypeError),
    (1e-6 + 0j, TypeError),
])
def test_bad_check_gradient(value, exc):
    jac = lambda x: 2 * x
    calls = []

    def f(x):
        calls.append(1)
        return float(x @ x)

    with pytest.raises(exc, match="check_gradient"):
        gdfast.minimize(f, [1.0, 2.0], jac=jac, check_gradient=value)
    with pytest.raises(exc, match="check_gradient"):
        gdfast.minimize_batch(f, [[1.0, 2.0]], jac=jac, check_gradient=value)
    with pytest.raises(exc, match="check_gradient"):
        gdfast.Descent(f, [1.0, 2.0], jac=jac, check_gradient=value)
    assert calls == []                      # validated before the first objective call


@pytest.mark.parametrize("value", ["yes", 1, None, 0.5])
def test_bad_noise_stop(value):
    with pytest.raises(TypeError, match="noise_stop"):
        gdfast.minimize(f2, [1.0, 2.0], noise_stop=value)
    with pytest.raises(TypeError, match="noise_stop"):
        gdfast.minimize_batch(f2, [[1.0, 2.0]], noise_stop=value)
