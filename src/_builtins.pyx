"""Built-in objectives: value and gradient in C, without the GIL, thread-safe (no scratch state).

Layers: (a) pointwise ``noexcept nogil`` math; (b) ``*_eval`` loops matching the
``gd_eval_fn`` signature of ``gdfast._objective``; (c) cdef classes that validate, copy the data
they need (later changes to the caller's arrays do not affect them) and point ``obj.eval`` at (b).
"""
from libc.stdlib cimport malloc, free
from libc.math cimport cos, sin, exp, log1p, M_PI

import numpy as np

from gdfast._objective cimport Objective, gd_objective, gd_terms

cdef extern from "gd_block.h" nogil:
    void gd_block_himmelblau(Py_ssize_t m, Py_ssize_t ld, const double *X, double *F, double *G)
    void gd_block_lennard_jones(Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *p,
                                const double *X, double *F, double *G)
    void gd_block_quadratic_diag(Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *a,
                                 const double *c, const double *X, double *F, double *G)
    void gd_block_quadratic_dense(Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *A,
                                  const double *c, const double *X, double *F, double *G)
    int gd_himmelblau_step_eval(Py_ssize_t m, Py_ssize_t ld, double step, const double *X,
                                const double *D, double *Xn, double *F, double *G)
    int gd_quadratic_diag_step_eval(Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *a,
                                    const double *c, double step, const double *X,
                                    const double *D, double *Xn, double *F, double *G)
from gdfast._validate import as_matrix, as_vector, positive_float, positive_int

cdef extern from "gd_kernels.h" nogil:
    # pure arithmetic on caller-owned memory: cannot fail
    double gd_exp(double x) noexcept
    double gd_log1p_unit(double e) noexcept
    void gd_exp_array(const double *x, double *out, Py_ssize_t n) noexcept
    void gd_log1p_unit_array(const double *x, double *out, Py_ssize_t n) noexcept
    double gd_quadratic_diag_grad(const double *a, const double *c, const double *x, double *g,
                                  Py_ssize_t n) noexcept
    double gd_logistic(const double *X, const double *y, Py_ssize_t m, Py_ssize_t n,
                       const double *w, int want_loss, double *g, double scale) noexcept
    double gd_logistic_rows(const double *X, const double *y, const Py_ssize_t *rows,
                            Py_ssize_t m, Py_ssize_t n, const double *w, double c,
                            int intercept, double *g) noexcept


# ---- (a) pointwise math ---------------------------------------------------------------------

cdef inline double _dot(const double *a, const double *b, Py_ssize_t n) noexcept nogil:
    """a . b with four independent partial sums: no loop-carried chain on one accumulator,
    so the additions overlap (and vectorize) without -ffast-math."""
    cdef Py_ssize_t j, n4 = n - n % 4
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    for j in range(0, n4, 4):
        s0 += a[j] * b[j]
        s1 += a[j + 1] * b[j + 1]
        s2 += a[j + 2] * b[j + 2]
        s3 += a[j + 3] * b[j + 3]
    for j in range(n4, n):
        s0 += a[j] * b[j]
    return (s0 + s1) + (s2 + s3)


cdef double MAX_DLOSS = 1e12     # scikit-learn's clipping of a term's derivative


cdef inline double _half_binomial(double y, double z, double *dloss) noexcept nogil:
    """log(1 + exp(z)) - y z and its derivative sigmoid(z) - y, with scikit-learn's branches
    (sklearn/_loss/_loss.pyx.tp closs_grad_half_binomial): the same bits as its SGD."""
    cdef double e
    if z <= -37.0:
        e = exp(z)
        dloss[0] = e - y
        return e - y * z
    if z <= -2.0:
        e = exp(z)
        dloss[0] = ((1.0 - y) * e - y) / (1.0 + e)
        return log1p(e) - y * z
    e = exp(-z)
    dloss[0] = ((1.0 - y) - y * e) / (1.0 + e)
    if z <= 18.0:
        return log1p(e) + (1.0 - y) * z
    return e + (1.0 - y) * z


cdef inline double _clip_dloss(double d) noexcept nogil:
    if d < -MAX_DLOSS:
        return -MAX_DLOSS
    if d > MAX_DLOSS:
        return MAX_DLOSS
    return d


# ---- (b) evaluation loops -------------------------------------------------------------------

cdef int _quadratic_diag_eval(void *ctx, Py_ssize_t n, const double *x,
                              double *f, double *g) except -1 nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    cdef Py_ssize_t i
    cdef double di, s = 0.0
    if g != NULL:
        s = gd_quadratic_diag_grad(d.a, d.b, x, g, n)
    elif f != NULL:
        for i in range(n):
            di = x[i] - d.b[i]
            s += (d.a[i] * di) * di
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
        gi = 0.0                       # the arithmetic of gd_block_quadratic_dense (batch)
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


cdef int _lennard_jones_eval(void *ctx, Py_ssize_t n, const double *x,
                             double *f, double *g) except -1 nogil:
    """sum over pairs i < j of 4 eps ((s/r)^12 - (s/r)^6) - shift, pairs beyond the cut-off
    left out; the gradient is minus the forces (ASE's arithmetic: the shift has none)."""
    cdef const double *p = (<builtin_data *>ctx).lj
    cdef double eps4 = p[0], sigma2 = p[1], rc2 = p[2], shift = p[3]
    cdef Py_ssize_t i, j, k, atoms = n // 3
    cdef double d[3]
    cdef double r2, s6, h, e = 0.0
    if g != NULL:
        for k in range(n):
            g[k] = 0.0
    for i in range(atoms):
        for j in range(i + 1, atoms):
            r2 = 0.0
            for k in range(3):
                d[k] = x[3 * j + k] - x[3 * i + k]
                r2 += d[k] * d[k]
            if rc2 > 0.0 and r2 > rc2:
                continue
            s6 = sigma2 / r2
            s6 = s6 * s6 * s6
            e += eps4 * (s6 * s6 - s6) - shift
            if g != NULL:       # dE/dx_j = -6 eps4 (2 s12 - s6) / r2 * (x_j - x_i)
                h = 6.0 * eps4 * (2.0 * s6 * s6 - s6) / r2
                for k in range(3):
                    g[3 * i + k] += h * d[k]
                    g[3 * j + k] -= h * d[k]
    if f != NULL:
        f[0] = e
    return 0


cdef int _rastrigin_eval(void *ctx, Py_ssize_t n, const double *x,
                         double *f, double *g) except -1 nogil:
    cdef Py_ssize_t i
    if f != NULL:
        f[0] = _rastrigin_value(n, x)
    if g != NULL:
        for i in range(n):
            g[i] = 2.0 * x[i] + 20.0 * M_PI * sin(2.0 * M_PI * x[i])
    return 0


cdef inline double _cos_2pi(double v) noexcept nogil:
    """cos(2 pi v), branch-free so that loops over it vectorize (no libm call).

    r = v - round(v) (with round(w) = (w + 1.5 * 2**52) - 1.5 * 2**52, done twice so that
    even |v| >= 2**52 ends with |r| <= 1/2) is exact, and cos(2 pi r) = 1 - 2 sin(pi r)^2
    with sin by its Taylor series on [-pi/2, pi/2] to degree 21 (truncation < 2e-18).
    Absolute error about 4e-16, like libm's cos(2 pi v) for small v (which rounds 2 pi v
    first) and far better for large |v|.  NaN and inf give NaN.
    """
    cdef double r = v - ((v + 6755399441055744.0) - 6755399441055744.0)
    cdef double t, u, p
    r = r - ((r + 6755399441055744.0) - 6755399441055744.0)
    t = M_PI * r
    u = t * t
    p = 1.9572941063391263e-20                  # (-1)^k / (2k+1)!, k = 10 .. 1
    p = p * u + -8.22063524662433e-18
    p = p * u + 2.8114572543455206e-15
    p = p * u + -7.647163731819816e-13
    p = p * u + 1.6059043836821613e-10
    p = p * u + -2.505210838544172e-08
    p = p * u + 2.7557319223985893e-06
    p = p * u + -0.0001984126984126984
    p = p * u + 0.008333333333333333
    p = p * u + -0.16666666666666666
    p = t + t * u * p                              # sin(pi r)
    return 1.0 - 2.0 * p * p


cdef double _rastrigin_value(Py_ssize_t n, const double *x) noexcept nogil:
    """10 n + sum_i (x_i^2 - 10 cos(2 pi x_i)), summed in 8 interleaved partial sums (the
    compiler packs them into SIMD registers: no reassociation needed)."""
    cdef Py_ssize_t i = 0, k
    cdef double acc[8]
    cdef double s = 10.0 * n
    for k in range(8):
        acc[k] = 0.0
    while i + 8 <= n:
        for k in range(8):
            acc[k] += x[i + k] * x[i + k] - 10.0 * _cos_2pi(x[i + k])
        i += 8
    while i < n:
        acc[0] += x[i] * x[i] - 10.0 * _cos_2pi(x[i])
        i += 1
    for k in range(8):
        s += acc[k]
    return s


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
        r = _dot(row, x, n) - d.b[i]
        s += r * r
        if g != NULL:
            for j in range(n):
                g[j] += r * row[j]
    if f != NULL:
        f[0] = 0.5 * s
    return 0


cdef int _logistic_eval(void *ctx, Py_ssize_t n, const double *x,
                        double *f, double *g) except -1 nogil:
    """Mean logistic loss and/or its gradient: gd_logistic (src/gd_kernels.h) in blocks of
    rows, vectorized exp / log1p / sigmoid, X read once; plus the L2 penalty."""
    cdef builtin_data *d = <builtin_data *>ctx
    cdef Py_ssize_t j
    cdef double s, ww = 0.0
    cdef double inv_m = 1.0 / d.rows
    s = gd_logistic(d.a, d.b, d.rows, n, x, f != NULL, g, inv_m)
    if d.alpha != 0.0:
        for j in range(n):
            ww += x[j] * x[j]
            if g != NULL:
                g[j] += d.alpha * x[j]
    if f != NULL:
        f[0] = s * inv_m + 0.5 * d.alpha * ww
    return 0


# ---- (b'') sum-of-terms evaluation (gd_terms_fn): a set of rows of the data

cdef inline void _linear_terms(const builtin_data *d, bint logistic, Py_ssize_t n,
                               const double *x, Py_ssize_t m, const Py_ssize_t *rows,
                               double *loss, double *penalty, double *g) noexcept nogil:
    """The rows' terms of a linear model z_i = a_i . w + c (c = x[cols] with an intercept,
    else 0): half squared error 1/2 (z_i - b_i)^2 or the half-binomial loss; the derivative
    of each term clipped to +-1e12 as scikit-learn's SGD does (MAX_DLOSS).  Pure arithmetic
    on validated data: it cannot fail."""
    cdef Py_ssize_t k, i, j, p = d.cols
    cdef const double *row
    cdef double z, dl, s = 0.0, ww = 0.0, inv_m
    cdef double c = x[p] if d.intercept else 0.0
    if logistic and m > 1:
        # a batch: gd_logistic's blocks (vectorized exp and log1p; sigmoid - y lies in
        # [-1, 1], within the clipping); a single row keeps scikit-learn's branches
        s = gd_logistic_rows(d.a, d.b, rows, m, p, x, c, d.intercept, g)
    else:
        if g != NULL:
            for j in range(n):
                g[j] = 0.0
        for k in range(m):
            i = rows[k] if rows != NULL else k
            row = d.a + i * p
            z = _dot(row, x, p) + c
            if logistic:
                s += _half_binomial(d.b[i], z, &dl)
            else:
                dl = z - d.b[i]
                s += 0.5 * dl * dl
            if g != NULL:
                dl = _clip_dloss(dl)
                for j in range(p):
                    g[j] += dl * row[j]
                if d.intercept:
                    g[p] += dl
    inv_m = 1.0 / m
    for j in range(p):
        ww += x[j] * x[j]
    if g != NULL:
        for j in range(p):
            g[j] = g[j] * inv_m + d.alpha * x[j]
        if d.intercept:
            g[p] = g[p] * inv_m
    loss[0] = s
    penalty[0] = 0.5 * d.alpha * ww


cdef int _logistic_terms(void *ctx, Py_ssize_t n, const double *x, Py_ssize_t m,
                         const Py_ssize_t *rows, double *loss, double *penalty,
                         double *g) except -1 nogil:
    _linear_terms(<builtin_data *>ctx, True, n, x, m, rows, loss, penalty, g)
    return 0


cdef int _least_squares_terms(void *ctx, Py_ssize_t n, const double *x, Py_ssize_t m,
                              const Py_ssize_t *rows, double *loss, double *penalty,
                              double *g) except -1 nogil:
    _linear_terms(<builtin_data *>ctx, False, n, x, m, rows, loss, penalty, g)
    return 0


cdef int _logistic_terms_eval(void *ctx, Py_ssize_t n, const double *x,
                              double *f, double *g) except -1 nogil:
    """Logistic with an intercept: the mean over every row (its terms, rows in order)."""
    cdef builtin_data *d = <builtin_data *>ctx
    cdef double loss, pen
    _linear_terms(d, True, n, x, d.rows, NULL, &loss, &pen, g)
    if f != NULL:
        f[0] = loss / d.rows + pen
    return 0


cdef int _least_squares_terms_eval(void *ctx, Py_ssize_t n, const double *x,
                                   double *f, double *g) except -1 nogil:
    """LeastSquares with alpha or an intercept: N times the mean form of its terms."""
    cdef builtin_data *d = <builtin_data *>ctx
    cdef double loss, pen
    cdef Py_ssize_t j
    _linear_terms(d, False, n, x, d.rows, NULL, &loss, &pen, g)
    if f != NULL:
        f[0] = loss + d.rows * pen
    if g != NULL:
        for j in range(n):
            g[j] *= d.rows
    return 0


def _terms_shim(Objective objective, const double[::1] x, rows=None, bint grad=True):
    """(loss sum, penalty, gradient or None) of the objective's terms ``rows`` (None: all)
    at x: the gd_terms_fn, for the tests."""
    cdef gd_terms *t = &objective.terms
    if t.eval == NULL:
        raise TypeError(f"{type(objective).__name__} is no sum of terms")
    if x.shape[0] != objective.obj.n:
        raise ValueError(f"x must have length {objective.obj.n}")
    cdef Py_ssize_t[::1] r
    cdef Py_ssize_t m = t.n_terms
    cdef const Py_ssize_t *rp = NULL
    if rows is not None:
        r = np.ascontiguousarray(rows, dtype=np.intp)
        m = r.shape[0]
        if m == 0 or np.min(r) < 0 or np.max(r) >= t.n_terms:
            raise ValueError("rows must be a non-empty set of row indices")
        rp = &r[0]
    g = np.empty(x.shape[0]) if grad else None
    cdef double[::1] gv
    cdef double *gp = NULL
    if grad:
        gv = g
        gp = &gv[0]
    cdef double loss = 0.0, pen = 0.0
    t.eval(t.ctx, x.shape[0], &x[0], m, rp, &loss, &pen, gp)
    return loss, pen, g


cdef object _l2_alpha(object alpha):
    alpha = float(alpha)
    if not (alpha >= 0.0) or alpha == np.inf:
        raise ValueError(f"alpha must be finite and >= 0, got {alpha!r}")
    return alpha


cdef bint _flag(object value, str name) except -1:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


# ---- (b') block evaluation (gd_eval_block_fn: structure-of-arrays, vectorized across points;
#      the kernels are C in gd_block.h for `restrict`) ------------------------------------------

cdef int _himmelblau_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                           const double *X, double *F, double *G,
                           const Py_ssize_t *starts) except -1 nogil:
    gd_block_himmelblau(m, ld, X, F, G)
    return 0


cdef int _himmelblau_step_eval(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                               double step, const double *X, const double *D, double *Xn,
                               double *F, double *G, int *finite) except -1 nogil:
    finite[0] = gd_himmelblau_step_eval(m, ld, step, X, D, Xn, F, G)
    return 0


cdef int _quadratic_diag_step_eval(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                                   double step, const double *X, const double *D,
                                   double *Xn, double *F, double *G, int *finite) except -1 nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    finite[0] = gd_quadratic_diag_step_eval(m, n, ld, d.a, d.b, step, X, D, Xn, F, G)
    return 0


cdef int _quadratic_diag_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                               const double *X, double *F, double *G,
                               const Py_ssize_t *starts) except -1 nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    gd_block_quadratic_diag(m, n, ld, d.a, d.b, X, F, G)
    return 0


cdef int _quadratic_dense_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                                const double *X, double *F, double *G,
                                const Py_ssize_t *starts) except -1 nogil:
    cdef builtin_data *d = <builtin_data *>ctx
    gd_block_quadratic_dense(m, n, ld, d.a, d.b, X, F, G)
    return 0


cdef int _lennard_jones_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                              const double *X, double *F, double *G,
                              const Py_ssize_t *starts) except -1 nogil:
    gd_block_lennard_jones(m, n, ld, (<builtin_data *>ctx).lj, X, F, G)
    return 0


cdef int _rastrigin_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                          const double *X, double *F, double *G,
                          const Py_ssize_t *starts) except -1 nogil:
    """Start by start, with _rastrigin_value's arithmetic (its vectorizable cosine and its
    eight partial sums), so that batch results equal minimize's bit for bit."""
    cdef Py_ssize_t i, j, k
    cdef double acc[8]
    cdef double s, v
    for i in range(m):
        for k in range(8):
            acc[k] = 0.0
        j = 0
        while j + 8 <= n:
            for k in range(8):
                v = X[(j + k) * ld + i]
                acc[k] += v * v - 10.0 * _cos_2pi(v)
            j += 8
        while j < n:
            v = X[j * ld + i]
            acc[0] += v * v - 10.0 * _cos_2pi(v)
            j += 1
        s = 10.0 * n
        for k in range(8):
            s += acc[k]
        F[i] = s
        for j in range(n):
            v = X[j * ld + i]
            G[j * ld + i] = 2.0 * v + 20.0 * M_PI * sin(2.0 * M_PI * v)
    return 0


# ---- shims for the kernel tests (tests/test_kernels.py) -------------------------------------

def _exp_kernel(const double[::1] x, bint dispatched=True):
    """gd_exp over x: the dispatched (CPU-specific) version, or else the inline one compiled
    with this module's baseline flags."""
    return _kernel_shim(x, dispatched, False)


def _log1p_unit_kernel(const double[::1] x, bint dispatched=True):
    """gd_log1p_unit over x (values in [0, 1]), as _exp_kernel."""
    return _kernel_shim(x, dispatched, True)


cdef object _kernel_shim(const double[::1] x, bint dispatched, bint log1p):
    cdef Py_ssize_t i, k = x.shape[0]
    out = np.empty(k)
    cdef double[::1] o = out
    if k == 0:
        return out
    with nogil:
        if dispatched and log1p:
            gd_log1p_unit_array(&x[0], &o[0], k)
        elif dispatched:
            gd_exp_array(&x[0], &o[0], k)
        else:
            for i in range(k):
                o[i] = gd_log1p_unit(x[i]) if log1p else gd_exp(x[i])
    return out


# ---- (c) classes ----------------------------------------------------------------------------

cdef void *_builtin_start_ctx(void *ctx, Py_ssize_t start) noexcept nogil:
    return &(<builtin_data *>(<builtin_data *>ctx).starts)[start]


cdef class BuiltinObjective(Objective):
    """Base of the built-in objectives: ``obj.ctx`` points at ``data``."""

    def __cinit__(self, *args, **kwargs):
        self.data.starts = NULL
        self._args = ()
        self._per_start = -1
        self.obj.ctx = <void *>&self.data
        self.obj.parallel_safe = True      # pure C, no scratch state

    def __dealloc__(self):
        free(self.data.starts)

    cdef int _per_start_b(self, const double[:, ::1] rows) except -1:
        """A row of ``rows`` per start as data.b of that start (Quadratic's centers,
        LeastSquares' right-hand sides): the objective then runs in minimize_batch only, and
        lane by lane (its block kernel shares one b)."""
        cdef Py_ssize_t i, m = rows.shape[0]
        cdef builtin_data *d = <builtin_data *>malloc(m * sizeof(builtin_data))
        if d == NULL:
            raise MemoryError()
        for i in range(m):
            d[i] = self.data
            d[i].b = &rows[i, 0]
            d[i].starts = NULL
        self.data.starts = d
        self.obj.n_starts = m
        self.obj.start_ctx = _builtin_start_ctx
        self.obj.eval_block = NULL
        self.obj.step_eval_block = NULL
        return 0

    def __repr__(self):
        return f"{type(self).__name__}(n={self.n})"

    # ---- travelling between processes (pickle, gdfast.dask): the constructor's arguments,
    # as validated, re-create an equal objective
    def __reduce__(self):
        return type(self), self._args

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        cdef BuiltinObjective o = other
        return len(o._args) == len(self._args) and all(
            _same(a, b) for a, b in zip(self._args, o._args))

    def __hash__(self):
        return hash((type(self), tuple(np.shape(a) for a in self._args)))

    def _take_starts(self, Py_ssize_t lo, Py_ssize_t hi):
        """The objective for starts lo .. hi - 1 of a batch: its per-start data sliced to
        those rows (gdfast.dask runs a chunk of starts), or itself when it holds none."""
        if self.obj.n_starts == 0:
            return self
        args = list(self._args)
        args[self._per_start] = args[self._per_start][lo:hi]
        return type(self)(*args)


cdef bint _same(a, b) except -1:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and bool(np.array_equal(a, b)))
    return a == b


cdef class Quadratic(BuiltinObjective):
    """f(x) = 1/2 (x - c)^T A (x - c), gradient A_s (x - c) with A_s = (A + A^T)/2.

    ``A`` is a square (n, n) matrix or a 1-D array holding its diagonal; ``center`` c
    defaults to the origin.  ``Quadratic([6, 2])`` is the lecture's 3x^2 + y^2.  A center of
    shape (m, n) is one center per start of ``minimize_batch`` (m starts).
    """

    def __init__(self, A, center=None):
        A = np.asarray(A)
        if A.ndim == 1:
            a = as_vector(A, "A")
            self.obj.eval = _quadratic_diag_eval
            self.obj.eval_block = _quadratic_diag_block
            self.obj.step_eval_block = _quadratic_diag_step_eval
            self.data.rows = 0
        else:
            a = as_matrix(A, "A")
            if a.shape[0] != a.shape[1]:
                raise ValueError(f"A must be square or 1-D (its diagonal), got shape {a.shape}")
            a = np.ascontiguousarray(0.5 * (a + a.T))
            self.obj.eval = _quadratic_dense_eval
            self.obj.eval_block = _quadratic_dense_block
            self.data.rows = a.shape[0]
        n = a.shape[0]
        if center is None:
            c = np.zeros(n)
        elif np.ndim(center) == 2:             # a center per start (minimize_batch)
            c = as_matrix(center, "center")
            if c.shape[1] != n:
                raise ValueError(f"center must have {n} columns to match A, got shape "
                                 f"{c.shape}")
        else:
            c = as_vector(center, "center")
            if c.shape[0] != n:
                raise ValueError(f"center must have length {n} to match A, got {c.shape[0]}")
        self._args = (a, c)
        self._per_start = 1
        cdef double[::1] av = a.reshape(-1)
        cdef double[::1] cv = c.reshape(-1)
        self.data.a = &av[0]
        self.data.b = &cv[0]
        self.obj.n = n
        if c.ndim == 2:
            self._per_start_b(c)

    @property
    def A(self):
        """The symmetric matrix used (a copy), or the diagonal for a diagonal Quadratic."""
        return self._args[0].copy()

    @property
    def center(self):
        return self._args[1].copy()


cdef class Rosenbrock(BuiltinObjective):
    """Chained Rosenbrock: sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, minimum 0 at ones(n)."""

    def __init__(self, n=2):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n must be an integer >= 2, got {n!r}")
        self._args = (int(n),)
        self.obj.eval = _rosenbrock_eval
        self.obj.n = n


cdef class Himmelblau(BuiltinObjective):
    """(x^2 + y - 11)^2 + (x + y^2 - 7)^2: four minima of value 0, e.g. (3, 2)."""

    def __init__(self):
        self.obj.eval = _himmelblau_eval
        self.obj.eval_block = _himmelblau_block
        self.obj.step_eval_block = _himmelblau_step_eval
        self.obj.n = 2


cdef class Rastrigin(BuiltinObjective):
    """10 n + sum_i (x_i^2 - 10 cos(2 pi x_i)): many local minima, global minimum 0 at 0."""

    def __init__(self, n=2):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be an integer >= 1, got {n!r}")
        self._args = (int(n),)
        self.obj.eval = _rastrigin_eval
        self.obj.eval_block = _rastrigin_block
        self.obj.n = n


cdef class LeastSquares(BuiltinObjective):
    """f(x) = 1/2 ||A x - b||^2, gradient A^T (A x - b); A is (k, n), b is (k,), or (m, k): a
    right-hand side per start of ``minimize_batch`` (m starts).

    With ``alpha`` (an L2 penalty) or ``fit_intercept`` (x then has n + 1 coordinates, the
    last an intercept c added to every row's prediction, never penalized):
    f(w, c) = 1/2 ||A w + c - b||^2 + k alpha/2 ||w||^2, that is k times the mean loss
    (1/k) sum_i 1/2 (a_i.w + c - b_i)^2 + alpha/2 ||w||^2 of scikit-learn's
    ``SGDRegressor(alpha=alpha)``, which :func:`gdfast.sgd` descends on (same minimizer).
    """

    def __init__(self, A, b, alpha=0.0, fit_intercept=False):
        a = as_matrix(A, "A")
        if np.ndim(b) == 2:                    # a right-hand side per start (minimize_batch)
            bb = as_matrix(b, "b")
            if bb.shape[1] != a.shape[0]:
                raise ValueError(f"b must have {a.shape[0]} columns (rows of A), got shape "
                                 f"{bb.shape}")
        else:
            bb = as_vector(b, "b")
            if bb.shape[0] != a.shape[0]:
                raise ValueError(f"b must have length {a.shape[0]} (rows of A), got "
                                 f"{bb.shape[0]}")
        alpha = _l2_alpha(alpha)
        cdef bint intercept = _flag(fit_intercept, "fit_intercept")
        self._args = (a, bb, alpha, intercept)
        self._per_start = 1
        cdef double[:, ::1] av = a
        cdef double[::1] bv = bb.reshape(-1)
        self.data.a = &av[0, 0]
        self.data.b = &bv[0]
        self.data.rows = a.shape[0]
        self.data.cols = a.shape[1]
        self.data.alpha = alpha
        self.data.intercept = intercept
        self.obj.n = a.shape[1] + intercept
        if alpha == 0.0 and not intercept:
            self.obj.eval = _least_squares_eval
        else:
            self.obj.eval = _least_squares_terms_eval
        if bb.ndim == 2:
            self._per_start_b(bb)
        else:
            self.terms.eval = _least_squares_terms
            self.terms.ctx = <void *>&self.data
            self.terms.n_terms = a.shape[0]

    @property
    def A(self):
        return self._args[0].copy()

    @property
    def b(self):
        return self._args[1].copy()

    @property
    def alpha(self):
        return self.data.alpha

    @property
    def fit_intercept(self):
        return bool(self.data.intercept)


cdef class Logistic(BuiltinObjective):
    """Mean logistic loss of weights w on data X (m, n) with labels y in {0, 1} (or {-1, 1},
    read as {0, 1}):

    f(w) = 1/m sum_i [log(1 + exp(z_i)) - y_i z_i] + alpha/2 ||w||^2,  z = X w,
    grad f(w) = 1/m X^T (sigmoid(z) - y) + alpha w.

    ``fit_intercept=True``: x has n + 1 coordinates, the last an intercept c (z = X w + c),
    not penalized; otherwise no intercept is added (or append a column of ones to X, which
    the penalty then includes).  scikit-learn's ``SGDClassifier(loss="log_loss")``
    minimizes this f (see :func:`gdfast.sgd`).
    """

    def __init__(self, X, y, alpha=0.0, fit_intercept=False):
        xx = as_matrix(X, "X")
        yy = as_vector(y, "y")
        if yy.shape[0] != xx.shape[0]:
            raise ValueError(f"y must have length {xx.shape[0]} (rows of X), got {yy.shape[0]}")
        if np.all((yy == -1.0) | (yy == 1.0)) and np.any(yy == -1.0):
            yy = (yy > 0.0).astype(np.float64)          # {-1, 1} as {0, 1}
        elif np.any((yy != 0.0) & (yy != 1.0)):
            raise ValueError("y must hold labels 0 and 1 (or -1 and 1)")
        alpha = _l2_alpha(alpha)
        cdef bint intercept = _flag(fit_intercept, "fit_intercept")
        self._args = (xx, yy, alpha, intercept)
        cdef double[:, ::1] xv = xx
        cdef double[::1] yv = yy
        self.data.a = &xv[0, 0]
        self.data.b = &yv[0]
        self.data.rows = xx.shape[0]
        self.data.cols = xx.shape[1]
        self.data.alpha = alpha
        self.data.intercept = intercept
        self.obj.eval = _logistic_terms_eval if intercept else _logistic_eval
        self.obj.n = xx.shape[1] + intercept
        self.terms.eval = _logistic_terms
        self.terms.ctx = <void *>&self.data
        self.terms.n_terms = xx.shape[0]
        # Without a penalty the descent loop need not compute f at every iterate (about 10%
        # of a value-and-gradient evaluation): the gradient is then bounded by
        # max_i ||X_i||_1, and f overflows only once |X w| nears 1e308, so gd_finish's
        # evaluation at the final iterate is enough.  With alpha > 0, alpha/2 ||w||^2
        # overflows (|w| ~ 1e154) long before the gradient alpha w does: f is checked at
        # every iterate, so that a divergence stops at the last finite value.
        self.obj.has_value_with_gradient = alpha > 0.0

    @property
    def X(self):
        return self._args[0].copy()

    @property
    def y(self):
        return self._args[1].copy()

    @property
    def alpha(self):
        return self.data.alpha

    @property
    def fit_intercept(self):
        return bool(self.data.intercept)


cdef class LennardJones(BuiltinObjective):
    """The Lennard-Jones energy of ``n_atoms`` atoms, x holding their positions (length
    3 n_atoms, atom i at x[3i:3i+3]):

        E = sum over pairs i < j of 4 epsilon ((sigma / r_ij)^12 - (sigma / r_ij)^6),

    and its analytic gradient, minus the forces.  With ``cutoff`` rc, pairs farther apart than
    rc are left out and, with ``shift`` (the default), each pair's energy is shifted by its
    value at rc so that it is continuous there; the forces are not shifted.  That is ASE's
    ``ase.calculators.lj.LennardJones(sigma=..., epsilon=..., rc=...)`` (``smooth=False``) on
    an isolated cluster: ``LennardJones(n, cutoff=3.0)`` gives its energy and forces for
    ASE's default rc = 3 sigma.  ``cutoff=None`` (the default) takes every pair, unshifted, as
    the Cambridge Cluster Database's energies do.

    >>> import numpy as np, gdfast
    >>> lj = gdfast.objectives.LennardJones(2)
    >>> r = 2.0 ** (1 / 6)                    # the dimer's bond length, energy -epsilon
    >>> float(lj(np.array([0.0, 0, 0, r, 0, 0])))
    -1.0
    """

    def __init__(self, n_atoms, epsilon=1.0, sigma=1.0, cutoff=None, shift=True):
        n_atoms = positive_int(n_atoms, "n_atoms")
        if n_atoms < 2:
            raise ValueError(f"n_atoms must be >= 2, got {n_atoms}")
        epsilon = positive_float(epsilon, "epsilon")
        sigma = positive_float(sigma, "sigma")
        if cutoff is not None:
            cutoff = positive_float(cutoff, "cutoff")
        if not isinstance(shift, (bool, np.bool_)):
            raise TypeError(f"shift must be True or False, got {shift!r}")
        self._args = (n_atoms, epsilon, sigma, cutoff, bool(shift))
        self.data.lj[0] = 4.0 * epsilon
        self.data.lj[1] = sigma * sigma
        self.data.lj[2] = 0.0 if cutoff is None else cutoff * cutoff
        self.data.lj[3] = 0.0
        if cutoff is not None and shift:
            s6 = (sigma / cutoff) ** 6
            self.data.lj[3] = 4.0 * epsilon * (s6 * s6 - s6)
        self.obj.eval = _lennard_jones_eval
        self.obj.eval_block = _lennard_jones_block
        self.obj.n = 3 * n_atoms

    @property
    def n_atoms(self):
        return self._args[0]

    def __repr__(self):
        n, epsilon, sigma, cutoff, shift = self._args
        return (f"LennardJones({n}, epsilon={epsilon!r}, sigma={sigma!r}, cutoff={cutoff!r}, "
                f"shift={shift!r})")

