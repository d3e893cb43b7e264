"""Finite-difference gradient kernels on the ``gd_objective`` interface, nogil.

Steps follow the textbook optimum for each formula: h_i = eps^(1/2) max(1, |x_i|) for the
one-sided formulas, eps^(1/3) for central and eps^(1/5) for the fourth-order central one,
then rounded so that x_i + h_i - x_i == h_i exactly (the step actually taken).  Users may give
absolute steps instead (one for all, or one per coordinate).

Scalar objectives are evaluated one stencil point at a time on a private copy of x that is
perturbed in place; objectives with ``eval_many`` (vectorized Python callables) get the whole
stencil as one (points, n) array in a single call.
"""
from libc.math cimport fabs, fmax, isinf, INFINITY
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

import numpy as np

from gdfast._objective cimport Objective, gd_objective
from gdfast._pacer cimport gd_pacer, gd_pacer_init, gd_pacer_tick

cdef double EPS = 2.220446049250313e-16
cdef double REL_STEP_ONE_SIDED = 1.4901161193847656e-08    # eps ** (1/2)
cdef double REL_STEP_CENTRAL = 6.055454452393343e-06       # eps ** (1/3)
cdef double REL_STEP_CENTRAL4 = 7.4009597974140505e-04     # eps ** (1/5)

METHODS = {"forward": FD_FORWARD, "backward": FD_BACKWARD,
           "central": FD_CENTRAL, "central4": FD_CENTRAL4}
RELATIVE_STEPS = {"forward": REL_STEP_ONE_SIDED, "backward": REL_STEP_ONE_SIDED,
                  "central": REL_STEP_CENTRAL, "central4": REL_STEP_CENTRAL4}


# ---- (a) pointwise --------------------------------------------------------------------------

cdef inline Py_ssize_t _points_per_coordinate(int method) noexcept nogil:
    if method == FD_CENTRAL:
        return 2
    if method == FD_CENTRAL4:
        return 4
    return 1


cdef inline double _step(const gd_fd_spec *spec, Py_ssize_t i, double xi) noexcept nogil:
    """The step for coordinate i, rounded so that (xi + h) - xi == h."""
    cdef double h
    if spec.abs_steps != NULL:
        h = spec.abs_steps[i]
    elif spec.abs_step > 0.0:
        h = spec.abs_step
    elif spec.method == FD_CENTRAL:
        h = REL_STEP_CENTRAL * fmax(1.0, fabs(xi))
    elif spec.method == FD_CENTRAL4:
        h = REL_STEP_CENTRAL4 * fmax(1.0, fabs(xi))
    else:
        h = REL_STEP_ONE_SIDED * fmax(1.0, fabs(xi))
    if spec.method == FD_BACKWARD:
        h = xi - (xi - h)
    else:
        h = (xi + h) - xi
    if h == 0.0:            # an absolute step below the spacing of floats at xi
        h = 4.0 * EPS * fmax(1.0, fabs(xi))
    return h


cdef inline double _combine(int method, const double *fp, double fx, double h) noexcept nogil:
    """The derivative from the stencil values fp (layout of _offset) and f(x).

    Where f overflowed to +-inf at a stencil point the result is +inf (divergence), not the
    NaN that inf - inf would give."""
    cdef double d
    cdef Py_ssize_t k
    if method == FD_FORWARD:
        d = (fp[0] - fx) / h
    elif method == FD_BACKWARD:
        d = (fx - fp[0]) / h
    elif method == FD_CENTRAL:
        d = (fp[0] - fp[1]) / (2.0 * h)
    else:
        d = (8.0 * (fp[0] - fp[1]) - (fp[2] - fp[3])) / (12.0 * h)
    if d * 0.0 != 0.0:
        if (method == FD_FORWARD or method == FD_BACKWARD) and isinf(fx):
            return INFINITY
        for k in range(_points_per_coordinate(method)):
            if isinf(fp[k]):
                return INFINITY
    return d


cdef inline double _offset(int method, Py_ssize_t k) noexcept nogil:
    """Multiple of h of the k-th stencil point: forward +1; backward -1; central +1, -1;
    fourth-order +1, -1, +2, -2."""
    if method == FD_BACKWARD:
        return -1.0
    if k == 0:
        return 1.0
    if k == 1:
        return -1.0
    if k == 2:
        return 2.0
    return -2.0


# ---- (b) kernels ----------------------------------------------------------------------------

cdef Py_ssize_t fd_work_size(const gd_objective *obj, Py_ssize_t n, int method) noexcept nogil:
    """Doubles of workspace fd_gradient needs for this objective and method."""
    cdef Py_ssize_t pts = _points_per_coordinate(method) * n
    if obj.eval_many != NULL:
        return n + (pts + 1) * n + pts + 1
    return n


cdef int fd_gradient(const gd_objective *obj, Py_ssize_t n, const double *x, const double *fx,
                     const gd_fd_spec *spec, double *work, double *g, Py_ssize_t *nfev,
                     gd_pacer *pacer) except -1 nogil:
    """grad f(x) by finite differences into g[0:n].

    fx: f(x) if the caller knows it, else NULL (the one-sided formulas then evaluate it).
    work: fd_work_size(obj, n, spec.method) doubles.  nfev: incremented by the evaluations made.
    pacer: ticked once per coordinate (Ctrl-C).
    Returns 0, -1 with a Python exception set, or a positive code: a C objective's error code,
    or GD_ABORTED from the pacer.
    """
    cdef int method = spec.method
    cdef Py_ssize_t per = _points_per_coordinate(method)
    cdef Py_ssize_t i, k, pts = per * n
    cdef double f0 = 0.0, xi, h
    cdef double fp[4]
    cdef double *xw
    cdef double *steps
    cdef double *X
    cdef double *F
    cdef int rc
    cdef bint one_sided = method == FD_FORWARD or method == FD_BACKWARD

    if one_sided:
        if fx != NULL:
            f0 = fx[0]
        elif obj.eval_many == NULL:
            rc = obj.eval(obj.ctx, n, x, &f0, NULL)
            nfev[0] += 1
            if rc != 0:
                return rc

    if obj.eval_many == NULL:
        xw = work
        memcpy(xw, x, n * sizeof(double))
        for i in range(n):
            rc = gd_pacer_tick(pacer)
            if rc != 0:
                nfev[0] += i * per
                return rc
            xi = x[i]
            h = _step(spec, i, xi)
            for k in range(per):
                xw[i] = xi + _offset(method, k) * h
                rc = obj.eval(obj.ctx, n, xw, &fp[k], NULL)
                if rc != 0:
                    nfev[0] += i * per + k + 1
                    return rc
            xw[i] = xi
            g[i] = _combine(method, fp, f0, h)
        nfev[0] += pts
        return 0

    # one call for the whole stencil: rows of X are x + offset * h_i e_i (plus x itself last
    # when a one-sided formula needs f(x) and the caller did not give it)
    steps = work
    X = work + n
    F = X + (pts + 1) * n
    if one_sided and fx == NULL:
        memcpy(X + pts * n, x, n * sizeof(double))
        pts += 1
    for i in range(n):
        steps[i] = _step(spec, i, x[i])
        for k in range(per):
            memcpy(X + (i * per + k) * n, x, n * sizeof(double))
            X[(i * per + k) * n + i] = x[i] + _offset(method, k) * steps[i]
    rc = obj.eval_many(obj.ctx, pts, n, X, F, NULL)
    nfev[0] += pts
    if rc != 0:
        return rc
    if one_sided and fx == NULL:
        f0 = F[pts - 1]
    for i in range(n):
        g[i] = _combine(method, F + i * per, f0, steps[i])
    return 0


cdef Py_ssize_t fd_many_work_size(Py_ssize_t L, Py_ssize_t n) noexcept nogil:
    """Doubles of workspace fd_value_and_gradient_many needs for L points in R^n."""
    return L * n + L * (2 * n + 1) * (n + 1)


cdef int fd_value_and_gradient_many(const gd_objective *obj, Py_ssize_t L, Py_ssize_t n,
                                    const double *P, double *F, double *G, double *work,
                                    Py_ssize_t *nfev, const Py_ssize_t *starts) except -1 nogil:
    """f and its central-difference gradient (default steps) at the L rows of P (L, n), in
    ONE eval_many call of L (2n + 1) points: the points themselves, then each point's
    stencil.  F[0:L], G (L, n).  Same steps and formula as fd_gradient, point by point.
    starts: NULL, or the start of each point (per-start data: every stencil row its point's)."""
    cdef gd_fd_spec spec
    cdef Py_ssize_t p, i, k, row, rows = L * (2 * n + 1)
    cdef double *steps = work
    cdef double *X = work + L * n
    cdef double *Fw = X + rows * n
    cdef int rc
    spec.method = FD_CENTRAL
    spec.abs_step = 0.0
    spec.abs_steps = NULL
    memcpy(X, P, L * n * sizeof(double))
    for p in range(L):
        for i in range(n):
            steps[p * n + i] = _step(&spec, i, P[p * n + i])
            for k in range(2):
                row = L + (p * n + i) * 2 + k
                memcpy(X + row * n, P + p * n, n * sizeof(double))
                X[row * n + i] = P[p * n + i] + _offset(FD_CENTRAL, k) * steps[p * n + i]
    cdef Py_ssize_t *row_starts = NULL
    if starts != NULL and obj.n_starts > 0:
        row_starts = <Py_ssize_t *>malloc(rows * sizeof(Py_ssize_t))
        if row_starts == NULL:
            with gil:
                raise MemoryError()
        for p in range(L):
            row_starts[p] = starts[p]
            for k in range(2 * n):
                row_starts[L + p * 2 * n + k] = starts[p]
    try:
        rc = obj.eval_many(obj.ctx, rows, n, X, Fw, row_starts)
    finally:
        free(row_starts)
    nfev[0] += rows
    if rc != 0:
        return rc
    for p in range(L):
        F[p] = Fw[p]
        for i in range(n):
            G[p * n + i] = _combine(FD_CENTRAL, Fw + L + (p * n + i) * 2, 0.0,
                                    steps[p * n + i])
    return 0


# ---- (c) the finite-difference objective and the Python entry point -------------------------

cdef inline gd_objective _inner(const gd_fd_view *v) noexcept nogil:
    """The inner objective as the view calls it (its start's ctx)."""
    cdef gd_objective o = v.d.inner[0]
    o.ctx = v.inner_ctx
    return o


cdef int fd_eval(void *ctx, Py_ssize_t n, const double *x, double *f, double *g) except -1 nogil:
    cdef const gd_fd_view *v = <gd_fd_view *>ctx
    cdef gd_fd_data *d = v.d
    cdef gd_objective inner = _inner(v)
    cdef Py_ssize_t i
    cdef int rc
    if f != NULL:
        rc = inner.eval(inner.ctx, n, x, f, NULL)
        if rc != 0:
            return rc
        if g != NULL and f[0] * 0.0 != 0.0:       # not finite: no stencil (fail fast)
            for i in range(n):
                g[i] = f[0]
            return 0
    if g != NULL:
        return fd_gradient(&inner, n, x, f, &d.spec, d.work, g, &d.nfev, &d.pacer)
    return 0


cdef int fd_eval_many(void *ctx, Py_ssize_t m, Py_ssize_t n, const double *X,
                      double *F, const Py_ssize_t *starts) except -1 nogil:
    """Values at many points: the inner objective's."""
    cdef const gd_fd_view *v = <gd_fd_view *>ctx
    return v.d.inner.eval_many(v.inner_ctx, m, n, X, F, starts)


cdef void *fd_start_ctx(void *ctx, Py_ssize_t start) noexcept nogil:
    return &(<gd_fd_view *>(<gd_fd_view *>ctx).d.views)[start]


cdef int fd_eval_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                       const double *X, double *F, double *G,
                       const Py_ssize_t *starts) except -1 nogil:
    """f and its central-difference gradient (default steps) at the m lanes of X for an inner
    objective with eval_many: one call for every lane's stencil (fd_value_and_gradient_many)."""
    cdef const gd_fd_view *v = <gd_fd_view *>ctx
    cdef gd_fd_data *d = v.d
    cdef gd_objective inner = _inner(v)
    cdef Py_ssize_t i, j
    cdef double *P = <double *>malloc((m * n + m * n + fd_many_work_size(m, n))
                                      * sizeof(double))
    cdef double *Gr
    cdef int rc
    if P == NULL:
        with gil:
            raise MemoryError()
    Gr = P + m * n
    try:
        for i in range(m):
            for j in range(n):
                P[i * n + j] = X[j * ld + i]
        rc = fd_value_and_gradient_many(&inner, m, n, P, F, Gr, Gr + m * n, &d.nfev, starts)
        for i in range(m):
            for j in range(n):
                G[j * ld + i] = Gr[i * n + j]
    finally:
        free(P)
    return rc


cdef void fd_data_init(gd_fd_data *d, const gd_objective *inner, int method,
                       double *work) noexcept nogil:
    """A finite-difference objective's data with the default steps of ``method``; the
    pacer checks signals itself (a driver running it on a worker thread re-points it)."""
    d.inner = inner
    d.spec.method = method
    d.spec.abs_step = 0.0
    d.spec.abs_steps = NULL
    d.work = work
    d.nfev = 0
    d.views = NULL
    gd_pacer_init(&d.pacer, NULL)


cdef class FiniteDifference(Objective):
    """``inner`` with its gradient computed by finite differences (one instance per run:
    it owns the stencil workspace and counts the stencil's evaluations in ``nfev``)."""

    def __cinit__(self, *args, **kwargs):
        self.data.work = NULL
        self.data.views = NULL

    def __init__(self, Objective inner not None, Py_ssize_t n, str method="central", step=None):
        if method not in METHODS:
            raise ValueError(f"unknown finite-difference method {method!r}; expected one of "
                             f"{', '.join(map(repr, METHODS))}")
        self.inner = inner
        fd_data_init(&self.data, &inner.obj, METHODS[method], NULL)
        cdef double[::1] steps
        if step is not None:
            from gdfast._validate import as_real_array
            arr = as_real_array(step, "step")
            if arr.ndim == 0:
                arr = arr.reshape(1)
                scalar = True
            else:
                scalar = False
                if arr.shape != (n,):
                    raise ValueError(f"step must be a scalar or have shape ({n},), "
                                     f"got shape {arr.shape}")
            if not np.all(np.isfinite(arr)) or not np.all(arr > 0):
                raise ValueError("step must be finite and > 0")
            if scalar:
                self.data.spec.abs_step = arr[0]
            else:
                self._steps = arr
                steps = arr
                self.data.spec.abs_steps = &steps[0]
        self.data.work = <double *>malloc(max(fd_work_size(&inner.obj, n, self.data.spec.method), 1)
                                     * sizeof(double))
        if self.data.work == NULL:
            raise MemoryError()
        self.obj.eval = fd_eval
        self.obj.own_fev = &self.data.nfev
        self._shared.d = &self.data
        self._shared.inner_ctx = inner.obj.ctx
        self.obj.ctx = <void *>&self._shared
        cdef Py_ssize_t i
        cdef gd_fd_view *views
        if inner.obj.n_starts > 0:        # a view per start: the inner's ctx of that start
            views = <gd_fd_view *>malloc(inner.obj.n_starts * sizeof(gd_fd_view))
            if views == NULL:
                raise MemoryError()
            self.data.views = views
            for i in range(inner.obj.n_starts):
                views[i].d = &self.data
                views[i].inner_ctx = inner.obj.start_ctx(inner.obj.ctx, i)
            self.obj.n_starts = inner.obj.n_starts
            self.obj.start_ctx = fd_start_ctx
        if inner.obj.eval_many != NULL:
            self.obj.eval_many = fd_eval_many
            if (self.data.spec.method == FD_CENTRAL and self.data.spec.abs_step == 0.0
                    and self.data.spec.abs_steps == NULL):
                self.obj.eval_block = fd_eval_block  # many lanes' stencils in one call
        self.obj.n = n
        self.obj.has_gradient = True
        self.obj.has_value_with_gradient = False
        self.obj.needs_gil = inner.obj.needs_gil

    @property
    def nfev(self):
        """Function evaluations made by the stencils so far."""
        return self.data.nfev

    def __dealloc__(self):
        free(self.data.work)
        free(self.data.views)

