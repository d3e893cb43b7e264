"""Low-level objectives: scipy.LowLevelCallable, ctypes, cffi and Numba cfunc pointers."""
import ctypes

import numpy as np
import pytest

import gdfast
from gdfast.objectives import Quadratic

scipy = pytest.importorskip("scipy")

DP = ctypes.POINTER(ctypes.c_double)
VALUE_UD = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, DP, ctypes.c_void_p)
VALUE = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, DP)
GRAD_UD = ctypes.CFUNCTYPE(None, ctypes.c_int, DP, DP, ctypes.c_void_p)


def _lecture_value(n, x, ud):                 # 3x^2 + y^2, as a ctypes callback (GIL inside)
    return 3.0 * x[0] ** 2 + x[1] ** 2


def _lecture_grad(n, x, g, ud):
    g[0] = 6.0 * x[0]
    g[1] = 2.0 * x[1]


ct_value = VALUE_UD(_lecture_value)
ct_value_noud = VALUE(lambda n, x: 3.0 * x[0] ** 2 + x[1] ** 2)
ct_grad = GRAD_UD(_lecture_grad)

LECTURE = np.array([[1.0, 1.0], [0.4, 0.8], [0.16, 0.64]])


def _two_steps(fun, jac=None):
    return gdfast.minimize(fun, [1.0, 1.0], jac=jac, lr=0.1, max_iter=2, gtol=0)


@pytest.mark.parametrize("fun", [ct_value, ct_value_noud, scipy.LowLevelCallable(ct_value)],
                         ids=["ctypes", "ctypes-no-user-data", "LowLevelCallable"])
def test_lecture_two_steps_finite_differences(fun):
    res = _two_steps(fun)
    np.testing.assert_allclose(res.x, LECTURE[2], rtol=1e-8)


def test_lecture_two_steps_with_gradient_pointer_is_exact():
    res = _two_steps(ct_value, ct_grad)
    np.testing.assert_allclose(res.x, LECTURE[2], rtol=1e-14)
    assert res.njev == 3
    res = _two_steps(scipy.LowLevelCallable(ct_value), scipy.LowLevelCallable(ct_grad))
    np.testing.assert_allclose(res.x, LECTURE[2], rtol=1e-14)


def test_user_data_through_lowlevelcallable():
    def value(n, x, ud):
        a = ctypes.cast(ud, DP)
        return a[0] * x[0] ** 2 + a[1] * x[1] ** 2
    fp = VALUE_UD(value)
    coeffs = (ctypes.c_double * 2)(3.0, 1.0)
    llc = scipy.LowLevelCallable(fp, ctypes.cast(coeffs, ctypes.c_void_p))
    res = _two_steps(llc)
    np.testing.assert_allclose(res.x, LECTURE[2], rtol=1e-8)


def test_cffi_pointer():
    cffi = pytest.importorskip("cffi")
    ffi = cffi.FFI()
    addr = ctypes.cast(ct_value, ctypes.c_void_p).value
    fp = ffi.cast("double(*)(int, double *, void *)", addr)
    np.testing.assert_allclose(_two_steps(fp).x, LECTURE[2], rtol=1e-8)
    wrong = ffi.cast("double(*)(long, double *)", addr)
    with pytest.raises(TypeError, match="signature"):
        gdfast.minimize(wrong, [1.0, 1.0])


@pytest.mark.parametrize("fp", [
    ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_long, DP)(lambda n, x: 0.0),
    ctypes.CFUNCTYPE(ctypes.c_float, ctypes.c_int, DP)(lambda n, x: 0.0),
    ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, DP, DP)(lambda n, x, y: 0.0),
    GRAD_UD(_lecture_grad),                 # a gradient where the value is expected
])
def test_wrong_signature_is_a_type_error(fp):
    with pytest.raises(TypeError, match="signature"):
        gdfast.minimize(fp, [1.0, 1.0])


def test_wrong_gradient_signature_and_mixed_kinds():
    with pytest.raises(TypeError, match="jac.*signature"):
        gdfast.minimize(ct_value, [1.0, 1.0], jac=ct_value)
    with pytest.raises(TypeError, match="low-level"):
        gdfast.minimize(lambda x: 0.0, [1.0, 1.0], jac=ct_grad)
    with pytest.raises(TypeError):
        gdfast.minimize(ct_value, [1.0, 1.0], jac=lambda x: x)
    with pytest.raises(ValueError, match="args"):
        gdfast.minimize(ct_value, [1.0, 1.0], args=(1,))
    with pytest.raises(TypeError, match="signature"):
        gdfast.minimize(scipy.LowLevelCallable(ct_value, signature="double (double)"), [1.0])


def test_null_pointer_is_a_value_error():
    with pytest.raises(ValueError, match="NULL"):
        gdfast.minimize(VALUE_UD(), [1.0, 1.0])
    with pytest.raises(ValueError, match="NULL"):
        gdfast.minimize(ct_value, [1.0, 1.0], jac=GRAD_UD())


def test_nonfinite_value_stops_with_status():
    fp = VALUE(lambda n, x: float("inf") if x[0] < 0.5 else x[0] ** 2)
    res = gdfast.minimize(fp, [1.0], lr=0.4, max_iter=10)
    assert res.status == gdfast.Status.DIVERGED and np.isfinite(res.fun) and res.x[0] >= 0.5


# ---- Numba cfunc: optional test dependency ------------------------------------------------

@pytest.fixture(scope="module")
def nb():
    return pytest.importorskip("numba")


def test_numba_cfunc_objective_runs_and_matches_builtin(nb):
    from numba import types
    sig = types.double(types.intc, types.CPointer(types.double), types.voidptr)
    gsig = types.void(types.intc, types.CPointer(types.double), types.CPointer(types.double),
                      types.voidptr)

    @nb.cfunc(sig)
    def value(n, x, ud):
        return 3.0 * x[0] * x[0] + x[1] * x[1]

    @nb.cfunc(gsig)
    def grad(n, x, g, ud):
        g[0] = 6.0 * x[0]
        g[1] = 2.0 * x[1]

    np.testing.assert_allclose(_two_steps(value, grad).x, LECTURE[2], rtol=1e-14)
    np.testing.assert_allclose(_two_steps(value).x, LECTURE[2], rtol=1e-8)
    r1 = gdfast.minimize(value, [1.0, 1.0], jac=grad, lr=0.1, gtol=1e-10)
    r2 = gdfast.minimize(Quadratic([6.0, 2.0]), [1.0, 1.0], lr=0.1, gtol=1e-10)
    assert r1.nit == r2.nit and r1.success
    np.testing.assert_allclose(r1.x, r2.x, atol=1e-15)
    # wrong Numba signature: int64 dimension
    @nb.cfunc(types.double(types.int64, types.CPointer(types.double)))
    def wrong(n, x):
        return 0.0
    with pytest.raises(TypeError, match="signature"):
        gdfast.minimize(wrong, [1.0, 1.0])
