"""Built-in objectives: value and gradient in C, without the GIL, thread-safe (no scratch state).

Layers: (a) pointwise ``noexcept nogil`` math; (b) ``*_eval`` loops matching the
``gd_eval_fn`` signature of ``gdfast._objective``; (c) cdef classes that validate, copy the data
they need (later changes to the caller's arrays do not affect them) and point ``obj.eval`` at (b).
"""
from libc.math cimport cos, sin, exp, log1p, M_PI

import numpy as np

from gdfast._objective cimport Objective, gd_objective

cdef extern from "gd_block.h" nogil:
    void gd_block_himmelblau(Py_ssize_t m, Py_ssize_t ld, const double *X, double *F, double *G)
    void gd_block_quadratic_diag(Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *a,
                                 const double *c, const double *X, double *F, double *G)
    void gd_block_quadratic_dense(Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *A,
                                  const double *c, const double *X, double *F, double *G)
    void gd_block_rastrigin(Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *X,
                            double *F, double *G)
from gdfast._validate import as_matrix, as_vector


# ---- (a) pointwise math ---------------------------------------------------------------------

cdef inline double _softplus(double z) noexcept nogil:
    """log(1 + exp(z)) without overflow."""
    if z > 0.0:
        return z + log1p(exp(-z))
    return log1p(exp(z))


cdef inline double _sigmoid(double z) noexcept nogil:
    cdef double e
    if z >= 0.0:
        return 1.0 / (1.0 + exp(-z))
    e = exp(z)
    return e / (1.0 + e)


# ---- (b) evaluation loops -------------------------------------------------------------------

cdef int _quadratic_diag_eval(void *ctx, Py_ssize_t n, const double *x,
                              double *f, double *g) except -1 nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    cdef Py_ssize_t i
    cdef double di, gi, s = 0.0
    for i in range(n):
        di = x[i] - d.b[i]
        gi = d.a[i] * di
        s += gi * di
        if g != NULL:
            g[i] = gi
    if f != NULL:
        f[0] = 0.5 * s
    return 0


cdef int _quadratic_dense_eval(void *ctx, Py_ssize_t n, const double *x,
                               double *f, double *g) except -1 nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    cdef Py_ssize_t i, j
    cdef const double *row
    cdef double gi, s = 0.0
    for i in range(n):
        row = d.a + i * n
        gi = 0.0
        for j in range(n):
            gi += row[j] * (x[j] - d.b[j])
        s += gi * (x[i] - d.b[i])
        if g != NULL:
            g[i] = gi
    if f != NULL:
        f[0] = 0.5 * s
    return 0


cdef int _rosenbrock_eval(void *ctx, Py_ssize_t n, const double *x,
                          double *f, double *g) except -1 nogil:
    cdef Py_ssize_t i
    cdef double t, u, s = 0.0
    if g != NULL:
        g[0] = 0.0
    for i in range(n - 1):
        t = x[i + 1] - x[i] * x[i]
        u = 1.0 - x[i]
        s += 100.0 * t * t + u * u
        if g != NULL:
            g[i] += -400.0 * x[i] * t - 2.0 * u
            g[i + 1] = 200.0 * t
    if f != NULL:
        f[0] = s
    return 0


cdef int _himmelblau_eval(void *ctx, Py_ssize_t n, const double *x,
                          double *f, double *g) except -1 nogil:
    cdef double a = x[0] * x[0] + x[1] - 11.0
    cdef double b = x[0] + x[1] * x[1] - 7.0
    if f != NULL:
        f[0] = a * a + b * b
    if g != NULL:
        g[0] = 4.0 * x[0] * a + 2.0 * b
        g[1] = 2.0 * a + 4.0 * x[1] * b
    return 0


cdef int _rastrigin_eval(void *ctx, Py_ssize_t n, const double *x,
                         double *f, double *g) except -1 nogil:
    cdef Py_ssize_t i
    cdef double s = 10.0 * n
    for i in range(n):
        if f != NULL:
            s += x[i] * x[i] - 10.0 * cos(2.0 * M_PI * x[i])
        if g != NULL:
            g[i] = 2.0 * x[i] + 20.0 * M_PI * sin(2.0 * M_PI * x[i])
    if f != NULL:
        f[0] = s
    return 0


cdef int _least_squares_eval(void *ctx, Py_ssize_t n, const double *x,
                             double *f, double *g) except -1 nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    cdef Py_ssize_t i, j
    cdef const double *row
    cdef double r, s = 0.0
    if g != NULL:
        for j in range(n):
            g[j] = 0.0
    for i in range(d.rows):
        row = d.a + i * n
        r = -d.b[i]
        for j in range(n):
            r += row[j] * x[j]
        s += r * r
        if g != NULL:
            for j in range(n):
                g[j] += r * row[j]
    if f != NULL:
        f[0] = 0.5 * s
    return 0


cdef int _logistic_eval(void *ctx, Py_ssize_t n, const double *x,
                        double *f, double *g) except -1 nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    cdef Py_ssize_t i, j
    cdef const double *row
    cdef double z, r, s = 0.0, ww = 0.0
    cdef double inv_m = 1.0 / d.rows
    if g != NULL:
        for j in range(n):
            g[j] = 0.0
    for i in range(d.rows):
        row = d.a + i * n
        z = 0.0
        for j in range(n):
            z += row[j] * x[j]
        if f != NULL:
            s += _softplus(z) - d.b[i] * z
        if g != NULL:
            r = (_sigmoid(z) - d.b[i]) * inv_m
            for j in range(n):
                g[j] += r * row[j]
    if d.alpha != 0.0:
        for j in range(n):
            ww += x[j] * x[j]
            if g != NULL:
                g[j] += d.alpha * x[j]
    if f != NULL:
        f[0] = s * inv_m + 0.5 * d.alpha * ww
    return 0


# ---- (b') block evaluation (gd_eval_block_fn: structure-of-arrays, vectorized across points;
#      the kernels are C in gd_block.h for `restrict`) ------------------------------------------

cdef int _himmelblau_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                           const double *X, double *F, double *G) noexcept nogil:
    gd_block_himmelblau(m, ld, X, F, G)
    return 0


cdef int _quadratic_diag_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                               const double *X, double *F, double *G) noexcept nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    gd_block_quadratic_diag(m, n, ld, d.a, d.b, X, F, G)
    return 0


cdef int _quadratic_dense_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                                const double *X, double *F, double *G) noexcept nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    gd_block_quadratic_dense(m, n, ld, d.a, d.b, X, F, G)
    return 0


cdef int _rastrigin_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                          const double *X, double *F, double *G) noexcept nogil:
    gd_block_rastrigin(m, n, ld, X, F, G)
    return 0


# ---- (c) classes ----------------------------------------------------------------------------

cdef class BuiltinObjective(Objective):
    """Base of the built-in objectives: ``obj.ctx`` points at ``data``."""

    def __cinit__(self, *args, **kwargs):
        self.obj.ctx = <void *>&self.data
        self.obj.parallel_safe = True      # pure C, no scratch state

    def __repr__(self):
        return f"{type(self).__name__}(n={self.n})"


cdef class Quadratic(BuiltinObjective):
    """f(x) = 1/2 (x - c)^T A (x - c), gradient A_s (x - c) with A_s = (A + A^T)/2.

    ``A`` is a square (n, n) matrix or a 1-D array holding its diagonal; ``center`` c
    defaults to the origin.  ``Quadratic([6, 2])`` is the lecture's 3x^2 + y^2.
    """

    def __init__(self, A, center=None):
        A = np.asarray(A)
        if A.ndim == 1:
            a = as_vector(A, "A")
            self.obj.eval = _quadratic_diag_eval
            self.obj.eval_block = _quadratic_diag_block
            self.data.rows = 0
            self.obj.cost = 4.0 * a.shape[0]
        else:
            a = as_matrix(A, "A")
            if a.shape[0] != a.shape[1]:
                raise ValueError(f"A must be square or 1-D (its diagonal), got shape {a.shape}")
            a = np.ascontiguousarray(0.5 * (a + a.T))
            self.obj.eval = _quadratic_dense_eval
            self.obj.eval_block = _quadratic_dense_block
            self.data.rows = a.shape[0]
            self.obj.cost = 3.0 * a.shape[0] * a.shape[0]
        n = a.shape[0]
        if center is None:
            c = np.zeros(n)
        else:
            c = as_vector(center, "center")
            if c.shape[0] != n:
                raise ValueError(f"center must have length {n} to match A, got {c.shape[0]}")
        self._keep = (a, c)
        cdef double[::1] av = a.reshape(-1)
        cdef double[::1] cv = c
        self.data.a = &av[0]
        self.data.b = &cv[0]
        self.obj.n = n

    @property
    def A(self):
        """The symmetric matrix used (a copy), or the diagonal for a diagonal Quadratic."""
        return self._keep[0].copy()

    @property
    def center(self):
        return self._keep[1].copy()


cdef class Rosenbrock(BuiltinObjective):
    """Chained Rosenbrock: sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, minimum 0 at ones(n)."""

    def __init__(self, n=2):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n must be an integer >= 2, got {n!r}")
        self.obj.eval = _rosenbrock_eval
        self.obj.n = n
        self.obj.cost = 12.0 * n


cdef class Himmelblau(BuiltinObjective):
    """(x^2 + y - 11)^2 + (x + y^2 - 7)^2: four minima of value 0, e.g. (3, 2)."""

    def __init__(self):
        self.obj.eval = _himmelblau_eval
        self.obj.eval_block = _himmelblau_block
        self.obj.n = 2
        self.obj.cost = 12.0


cdef class Rastrigin(BuiltinObjective):
    """10 n + sum_i (x_i^2 - 10 cos(2 pi x_i)): many local minima, global minimum 0 at 0."""

    def __init__(self, n=2):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be an integer >= 1, got {n!r}")
        self.obj.eval = _rastrigin_eval
        self.obj.eval_block = _rastrigin_block
        self.obj.n = n
        self.obj.cost = 40.0 * n


cdef class LeastSquares(BuiltinObjective):
    """f(x) = 1/2 ||A x - b||^2, gradient A^T (A x - b); A is (m, n), b is (m,)."""

    def __init__(self, A, b):
        a = as_matrix(A, "A")
        bb = as_vector(b, "b")
        if bb.shape[0] != a.shape[0]:
            raise ValueError(f"b must have length {a.shape[0]} (rows of A), got {bb.shape[0]}")
        self._keep = (a, bb)
        cdef double[:, ::1] av = a
        cdef double[::1] bv = bb
        self.data.a = &av[0, 0]
        self.data.b = &bv[0]
        self.data.rows = a.shape[0]
        self.obj.eval = _least_squares_eval
        self.obj.n = a.shape[1]
        self.obj.cost = 4.0 * a.shape[0] * a.shape[1]

    @property
    def A(self):
        return self._keep[0].copy()

    @property
    def b(self):
        return self._keep[1].copy()


cdef class Logistic(BuiltinObjective):
    """Mean logistic loss of weights w on data X (m, n) with labels y in {0, 1}:

    f(w) = 1/m sum_i [log(1 + exp(z_i)) - y_i z_i] + alpha/2 ||w||^2,  z = X w,
    grad f(w) = 1/m X^T (sigmoid(z) - y) + alpha w.

    No intercept is added: append a column of ones to X for one.
    """

    def __init__(self, X, y, alpha=0.0):
        xx = as_matrix(X, "X")
        yy = as_vector(y, "y")
        if yy.shape[0] != xx.shape[0]:
            raise ValueError(f"y must have length {xx.shape[0]} (rows of X), got {yy.shape[0]}")
        if np.any((yy != 0.0) & (yy != 1.0)):
            raise ValueError("y must hold labels 0 and 1")
        alpha = float(alpha)
        if not (alpha >= 0.0) or alpha == np.inf:
            raise ValueError(f"alpha must be finite and >= 0, got {alpha!r}")
        self._keep = (xx, yy)
        cdef double[:, ::1] xv = xx
        cdef double[::1] yv = yy
        self.data.a = &xv[0, 0]
        self.data.b = &yv[0]
        self.data.rows = xx.shape[0]
        self.data.alpha = alpha
        self.obj.eval = _logistic_eval
        self.obj.n = xx.shape[1]
        self.obj.cost = 4.0 * xx.shape[0] * xx.shape[1] + 40.0 * xx.shape[0]

    @property
    def X(self):
        return self._keep[0].copy()

    @property
    def y(self):
        return self._keep[1].copy()

    @property
    def alpha(self):
        return self.data.alpha
