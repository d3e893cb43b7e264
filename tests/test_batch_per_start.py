"""Per-start data in minimize_batch: problems that differ in their data, not only in x0.

The convention is that of SciPy's elementwise solvers: an array in ``args`` whose first
dimension is m (the starts) has a row per start, one whose first dimension is 1 is shared, any
other array is a ValueError.  Each start's answer equals minimize on its own data."""
import ctypes
import subprocess

import numpy as np
import pytest

import gdfast
from gdfast import Status
from gdfast.objectives import LeastSquares, Quadratic

M, N = 11, 3


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    return rng.uniform(-2, 2, (M, N)), rng.uniform(0.5, 3.0, (M, N)), rng.uniform(-1, 1, (M, N))


def _f(x, c, w):                         # a weighted quadratic centered at c
    return float(np.sum(w * (x - c) ** 2))


def _g(x, c, w):
    return 2.0 * w * (x - c)


@pytest.mark.parametrize("jac", [None, _g, "forward"], ids=["fd", "jac", "forward"])
def test_python_objective_gets_its_rows(data, jac):
    C, W, X0 = data
    kw = dict(method="adam", lr=0.05, max_iter=300, gtol=1e-10)
    res = gdfast.minimize_batch(_f, X0, args=(C, W), jac=jac, **kw)
    for i in range(M):
        r = gdfast.minimize(_f, X0[i], args=(C[i], W[i]), jac=jac, **kw)
        np.testing.assert_array_equal(res.x[i], r.x)
        assert res.nit[i] == r.nit and res.nfev[i] == r.nfev
    np.testing.assert_allclose(res.x, C, atol=1e-3)


def test_shared_arguments_broadcast(data):
    C, W, X0 = data
    shared = np.full((1, N), 2.0)          # first dimension 1: the same for every start
    res = gdfast.minimize_batch(_f, X0, args=(C, shared), lr=0.1, gtol=1e-10)
    for i in range(0, M, 3):
        r = gdfast.minimize(_f, X0[i], args=(C[i], shared), lr=0.1, gtol=1e-10)
        np.testing.assert_array_equal(res.x[i], r.x)
    scalar_scale = lambda x, c, s: s * float(np.sum((x - c) ** 2))
    res = gdfast.minimize_batch(scalar_scale, X0, args=(C, 3.0), lr=0.05, gtol=1e-10)
    np.testing.assert_allclose(res.x, C, atol=1e-8)


def test_vectorized_objective_gets_rows_aligned_with_X(data):
    C, W, X0 = data
    seen = []

    def fv(X, c, w):
        assert c.shape == X.shape and w.shape == X.shape
        seen.append(X.shape[0])
        return np.sum(w * (X - c) ** 2, axis=1)

    def fg(X, c, w):
        return np.sum(w * (X - c) ** 2, axis=1), 2.0 * w * (X - c)

    kw = dict(lr=0.05, max_iter=200, gtol=1e-9)
    res = gdfast.minimize_batch(fv, X0, args=(C, W), vectorized=True, **kw)
    np.testing.assert_allclose(res.x, C, atol=1e-6)
    assert max(seen) == M * (2 * N + 1)           # every start's stencil in one call
    resg = gdfast.minimize_batch(fg, X0, args=(C, W), vectorized=True, jac=True, **kw)
    for i in range(M):
        r = gdfast.minimize(_f, X0[i], args=(C[i], W[i]), jac=_g, **kw)
        np.testing.assert_allclose(resg.x[i], r.x, rtol=1e-13, atol=1e-15)
        assert resg.nit[i] == r.nit


def test_builtin_per_start_centers_and_right_hand_sides(data):
    C, W, X0 = data
    q = Quadratic(np.diag([2.0, 1.0, 4.0]), center=C)
    assert q.n_starts == M
    for method, step_rule in [("gd", None), ("adam", None), ("gd", "armijo"), ("momentum", "bb")]:
        kw = dict(method=method, step_rule=step_rule, lr=0.05, max_iter=400, gtol=1e-10)
        res = gdfast.minimize_batch(q, X0, threads=2, **kw)
        for i in range(M):
            r = gdfast.minimize(Quadratic(np.diag([2.0, 1.0, 4.0]), center=C[i]), X0[i], **kw)
            np.testing.assert_array_equal(res.x[i], r.x)
            assert res.nit[i] == r.nit
    A = np.random.default_rng(4).normal(size=(5, N))
    B = np.random.default_rng(5).normal(size=(M, 5))
    res = gdfast.minimize_batch(LeastSquares(A, B), X0, lr=0.02, max_iter=20000, gtol=1e-10)
    expected = np.linalg.lstsq(A, B.T, rcond=None)[0].T
    np.testing.assert_allclose(res.x, expected, atol=1e-7)
    for i in range(0, M, 4):
        r = gdfast.minimize(LeastSquares(A, B[i]), X0[i], lr=0.02, max_iter=20000, gtol=1e-10)
        np.testing.assert_array_equal(res.x[i], r.x)


@pytest.fixture(scope="module")
def weighted_lib(tmp_path_factory):
    src = tmp_path_factory.mktemp("ll") / "w.c"
    src.write_text("double wsq(int n, double *x, void *ud) { const double *c = ud; double s = 0;"
                   " for (int i = 0; i < n; i++) s += (x[i] - c[i]) * (x[i] - c[i]);"
                   " return s; }\n"
                   "void wsq_grad(int n, double *x, double *g, void *ud) { const double *c = ud;"
                   " for (int i = 0; i < n; i++) g[i] = 2 * (x[i] - c[i]); }\n")
    lib = src.with_suffix(".so")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    return ctypes.CDLL(str(lib))


def test_low_level_gets_a_pointer_to_its_row(data, weighted_lib):
    C, _, X0 = data
    dp = ctypes.POINTER(ctypes.c_double)
    f = ctypes.cast(weighted_lib.wsq, ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, dp,
                                                       ctypes.c_void_p))
    g = ctypes.cast(weighted_lib.wsq_grad, ctypes.CFUNCTYPE(None, ctypes.c_int, dp, dp,
                                                            ctypes.c_void_p))
    for jac, threads in [(None, 1), (None, 2), (g, 2)]:
        res = gdfast.minimize_batch(f, X0, args=(C,), jac=jac, lr=0.1, gtol=1e-9,
                                    threads=threads)
        assert np.all(res.status == Status.CONVERGED)
        np.testing.assert_allclose(res.x, C, atol=1e-8)
    import numba                              # a test dependency

    @numba.cfunc("float64(intc, CPointer(float64), voidptr)")
    def nq(n, x, ud):                         # a Numba cfunc reads its row through the pointer
        c = numba.carray(ud, (n,), numba.float64)
        s = 0.0
        for i in range(n):
            s += (x[i] - c[i]) ** 2
        return s

    res = gdfast.minimize_batch(nq, X0, args=(C,), lr=0.1, gtol=1e-9, threads=2)
    np.testing.assert_allclose(res.x, C, atol=1e-8)


@pytest.mark.parametrize("args, match", [
    ((np.zeros((5, N)),), "first dimension of 11"),
    ((np.zeros((M, N)), np.zeros((4,))), r"args\[1\]"),
])
def test_per_start_arrays_of_the_wrong_length(data, args, match):
    X0 = data[2]
    with pytest.raises(ValueError, match=match):
        gdfast.minimize_batch(lambda x, *a: float(x @ x), X0, args=args)


def test_bad_user_data_rows_and_per_start_objectives(data, weighted_lib):
    C, _, X0 = data
    dp = ctypes.POINTER(ctypes.c_double)
    f = ctypes.cast(weighted_lib.wsq, ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, dp,
                                                       ctypes.c_void_p))
    with pytest.raises(ValueError, match="row per start"):
        gdfast.minimize_batch(f, X0, args=(C[:4],))
    nouser = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, dp)(lambda n, x: 0.0)
    with pytest.raises(TypeError, match="user_data"):
        gdfast.minimize_batch(nouser, X0, args=(C,))
    q = Quadratic([1.0, 1.0, 1.0], center=C)
    with pytest.raises(ValueError, match="11 rows"):
        gdfast.minimize_batch(q, X0[:5])
    with pytest.raises(ValueError, match="minimize_batch"):
        gdfast.minimize(q, X0[0])
    with pytest.raises(ValueError, match="minimize_batch"):
        gdfast.Descent(q, X0[0])
    before = C.copy()
    gdfast.minimize_batch(_f, X0, args=(C, np.ones((M, N))), max_iter=3)
    np.testing.assert_array_equal(C, before)       # the caller's data is not modified
