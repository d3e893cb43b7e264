"""Finite-difference gradient kernels on the ``gd_objective`` interface, nogil.

Steps follow the textbook optimum for each formula: h_i = eps^(1/2) max(1, |x_i|) for the
one-sided formulas, eps^(1/3) for central and eps^(1/5) for the fourth-order central one,
then rounded so that x_i + h_i - x_i == h_i exactly (the step actually taken).  Users may give
absolute steps instead (one for all, or one per coordinate).

Scalar objectives are evaluated one stencil point at a time on a private copy of x that is
perturbed in place; objectives with ``eval_many`` (vectorized Python callables) get the whole
stencil as one (points, n) array in a single call.

Error estimates (``gradient(error=True)``, minimize's ``noise_stop``): the stencil gets one
(one-sided) or two (central, central4) more points per coordinate, and each component's error
is estimated as the distance to the same derivative from another step, plus a rounding floor:

* forward / backward: |D(h) - D(2h)|, the points x +- 2h added.  D(2h) - D(h) = h f^(2)/2 +
  O(h^2): the leading truncation error of D(h) itself.
* central: |D(h) - D(2h)| = 3 |D(h) - D4(h)| (D4 the fourth-order formula on the same points),
  the points x +- 2h added.  Richardson: D(2h) - D(h) = 3 h^2 f^(3)/6 + O(h^4), three times the
  truncation error of D(h): an upper estimate.
* central4: |D4(h) - D4(h/2)|, the points x +- h/2 added.  D4(h) - D4(h/2) = (15/16) h^4
  f^(5)/30: the truncation error of D4(h) (Richardson with 2h would say 15 times too much).

The same difference carries the noise of the f values: in units of sigma/h (sigma the noise of
one value) its standard deviation is 1.22 against the error's own 1.41 (one-sided), 0.79
against 0.71 (central), 2.1 against 0.95 (central4), so the estimate follows noise as well as
truncation.  One difference may be small by chance, so each component's distance is raised to
at least the pooled one, S / h_i with S the RMS over the components of distance_i * h_i (the
noise of f is the same along every coordinate), and the rounding floor
eps * sum_k |c_k f(x_k)| is added (c_k the formula's coefficients, h included: each value off
by one ulp), the error of a function computed to full double precision.
"""
from libc.math cimport fabs, fmax, isinf, sqrt, INFINITY
from libc.stdlib cimport calloc, malloc, free
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


cdef inline Py_ssize_t _points_with_error(int method) noexcept nogil:
    """Stencil points per coordinate with the error estimate's."""
    if method == FD_FORWARD or method == FD_BACKWARD:
        return 2
    return _points_per_coordinate(method) + 2


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
    fourth-order +1, -1, +2, -2; then the error estimate's: forward +2, backward -2,
    central +2, -2, fourth-order +1/2, -1/2."""
    if method == FD_FORWARD:
        return 1.0 if k == 0 else 2.0
    if method == FD_BACKWARD:
        return -1.0 if k == 0 else -2.0
    if k == 0:
        return 1.0
    if k == 1:
        return -1.0
    if k == 2:
        return 2.0
    if k == 3:
        return -2.0
    if k == 4:
        return 0.5
    return -0.5


cdef inline double _error(int method, const double *fp, double fx, double h,
                          double d, double *floor) noexcept nogil:
    """The error estimate's parts for the derivative d = _combine(method, fp, fx, h), from
    the stencil values with the error points (layout of _offset): returns the distance to the
    derivative from another step (2h; h/2 for central4), and the rounding floor into *floor
    (module docstring).  +inf where d or a value is not finite."""
    cdef double other
    if d * 0.0 != 0.0:
        floor[0] = 0.0
        return INFINITY
    if method == FD_FORWARD:
        other = (fp[1] - fx) / (2.0 * h)
        floor[0] = (fabs(fp[0]) + fabs(fx)) / h
    elif method == FD_BACKWARD:
        other = (fx - fp[1]) / (2.0 * h)
        floor[0] = (fabs(fp[0]) + fabs(fx)) / h
    elif method == FD_CENTRAL:
        other = (fp[2] - fp[3]) / (4.0 * h)
        floor[0] = (fabs(fp[0]) + fabs(fp[1])) / (2.0 * h)
    else:
        other = (8.0 * (fp[4] - fp[5]) - (fp[0] - fp[1])) / (6.0 * h)
        floor[0] = (8.0 * (fabs(fp[0]) + fabs(fp[1])) + fabs(fp[2]) + fabs(fp[3])) / (12.0 * h)
    floor[0] *= EPS
    other = fabs(d - other)
    if other * 0.0 != 0.0 or floor[0] * 0.0 != 0.0:   # an error point overflowed
        floor[0] = 0.0
        return INFINITY
    return other


cdef void _pool_errors(const gd_fd_spec *spec, Py_ssize_t n, const double *x, double *err,
                       const double *floor) noexcept nogil:
    """err_i (the distances) into the estimates: max(err_i, S / h_i) + floor_i, S the RMS of
    the finite err_i h_i.  The f values' noise is the same for every coordinate, so the pooled
    S (about the noise of one value, in the same units) keeps a component whose own distance
    is small by chance from undershooting the noise."""
    cdef Py_ssize_t i, k = 0
    cdef double s2 = 0.0, a, pooled
    for i in range(n):
        if err[i] < INFINITY:
            a = err[i] * _step(spec, i, x[i])
            s2 += a * a
            k += 1
    pooled = sqrt(s2 / k) if k > 0 else 0.0
    for i in range(n):
        err[i] = fmax(err[i], pooled / _step(spec, i, x[i])) + floor[i]


cdef inline bint _within(const double *g, const double *err, Py_ssize_t n,
                         Py_ssize_t stride) noexcept nogil:
    """The noise verdict: |g_i| <= err_i for every i (False where either is NaN)."""
    cdef Py_ssize_t i
    for i in range(n):
        if not (fabs(g[i * stride]) <= err[i * stride]):
            return False
    return True


# ---- (b) kernels ----------------------------------------------------------------------------

cdef inline Py_ssize_t _work_size(const gd_objective *obj, Py_ssize_t n,
                                 Py_ssize_t per) noexcept nogil:
    cdef Py_ssize_t pts = per * n
    if obj.eval_many != NULL:
        return n + (pts + 1) * n + pts + 1
    return n


cdef Py_ssize_t fd_work_size(const gd_objective *obj, Py_ssize_t n, int method) noexcept nogil:
    """Doubles of workspace fd_gradient needs for this objective and method."""
    return _work_size(obj, n, _points_per_coordinate(method))


cdef Py_ssize_t fd_error_work_size(const gd_objective *obj, Py_ssize_t n,
                                   int method) noexcept nogil:
    """Doubles of workspace fd_gradient_error needs (the stencil's, then n for the rounding
    floors)."""
    return _work_size(obj, n, _points_with_error(method)) + n


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
    return fd_gradient_error(obj, n, x, fx, spec, work, g, NULL, nfev, pacer)


cdef int fd_gradient_error(const gd_objective *obj, Py_ssize_t n, const double *x,
                           const double *fx, const gd_fd_spec *spec, double *work, double *g,
                           double *err, Py_ssize_t *nfev, gd_pacer *pacer) except -1 nogil:
    """fd_gradient, and with err not NULL each component's error estimate into err[0:n]
    (the stencil then has _points_with_error points per coordinate, all counted in nfev;
    work: fd_error_work_size doubles)."""
    cdef int method = spec.method
    cdef Py_ssize_t per = (_points_with_error(method) if err != NULL
                           else _points_per_coordinate(method))
    cdef Py_ssize_t i, k, pts = per * n
    cdef double f0 = 0.0, xi, h
    cdef double fp[6]
    cdef double *xw
    cdef double *steps
    cdef double *X
    cdef double *F
    cdef double *floor = work + _work_size(obj, n, per) if err != NULL else NULL
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
            if err != NULL:
                err[i] = _error(method, fp, f0, h, g[i], &floor[i])
        nfev[0] += pts
        if err != NULL:
            _pool_errors(spec, n, x, err, floor)
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
        if err != NULL:
            err[i] = _error(method, F + i * per, f0, steps[i], g[i], &floor[i])
    if err != NULL:
        _pool_errors(spec, n, x, err, floor)
    return 0


cdef Py_ssize_t fd_many_work_size(Py_ssize_t L, Py_ssize_t n, bint error) noexcept nogil:
    """Doubles of workspace fd_value_and_gradient_many needs for L points in R^n (error:
    with the error estimate's points)."""
    cdef Py_ssize_t per = 4 if error else 2
    return L * n + L * (per * n + 1) * (n + 1) + (n if error else 0)


cdef int fd_value_and_gradient_many(const gd_objective *obj, Py_ssize_t L, Py_ssize_t n,
                                    const double *P, double *F, double *G, double *E,
                                    double *work, Py_ssize_t *nfev,
                                    const Py_ssize_t *starts) except -1 nogil:
    """f and its central-difference gradient (default steps) at the L rows of P (L, n), in
    ONE eval_many call of L (2n + 1) points: the points themselves, then each point's
    stencil.  F[0:L], G (L, n).  Same steps and formula as fd_gradient, point by point.
    E: NULL, or (L, n) for the error estimates (fd_gradient_error's; L (4n + 1) points).
    starts: NULL, or the start of each point (per-start data: every stencil row its point's)."""
    cdef gd_fd_spec spec
    cdef Py_ssize_t per = 4 if E != NULL else 2
    cdef Py_ssize_t p, i, k, row, rows = L * (per * n + 1)
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
            for k in range(per):
                row = L + (p * n + i) * per + k
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
            for k in range(per * n):
                row_starts[L + p * per * n + k] = starts[p]
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
            G[p * n + i] = _combine(FD_CENTRAL, Fw + L + (p * n + i) * per, 0.0,
                                    steps[p * n + i])
            if E != NULL:
                E[p * n + i] = _error(FD_CENTRAL, Fw + L + (p * n + i) * per, 0.0,
                                      steps[p * n + i], G[p * n + i], Fw + rows + i)
        if E != NULL:
            _pool_errors(&spec, n, P + p * n, E + p * n, Fw + rows)
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
    if g == NULL:
        return 0
    if d.noise == NULL:
        return fd_gradient(&inner, n, x, f, &d.spec, d.work, g, &d.nfev, &d.pacer)
    # the noise verdict of this start's gradient, for the loop (gd_objective.noise_floor)
    d.noise[v.start] = 0
    rc = fd_gradient_error(&inner, n, x, f, &d.spec, d.work, g, d.err, &d.nfev, &d.pacer)
    if rc == 0:
        d.noise[v.start] = _within(g, d.err, n, 1)
    return rc


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
    objective with eval_many: one call for every lane's stencil (fd_value_and_gradient_many),
    with each lane's noise verdict (by its start) when the objective estimates errors."""
    cdef const gd_fd_view *v = <gd_fd_view *>ctx
    cdef gd_fd_data *d = v.d
    cdef gd_objective inner = _inner(v)
    cdef Py_ssize_t i, j
    cdef bint error = d.noise != NULL
    cdef double *P = <double *>malloc((m * n + (2 if error else 1) * m * n
                                       + fd_many_work_size(m, n, error)) * sizeof(double))
    cdef double *Gr
    cdef double *Er = NULL
    cdef int rc
    if P == NULL:
        with gil:
            raise MemoryError()
    Gr = P + m * n
    if error:
        Er = Gr + m * n
    try:
        for i in range(m):
            for j in range(n):
                P[i * n + j] = X[j * ld + i]
            if error:
                d.noise[starts[i] if starts != NULL else i] = 0
        rc = fd_value_and_gradient_many(&inner, m, n, P, F, Gr, Er,
                                        Gr + (2 if error else 1) * m * n, &d.nfev, starts)
        for i in range(m):
            for j in range(n):
                G[j * ld + i] = Gr[i * n + j]
            if error and rc == 0:
                d.noise[starts[i] if starts != NULL else i] = _within(Gr + i * n, Er + i * n,
                                                                      n, 1)
    finally:
        free(P)
    return rc


cdef void fd_data_init(gd_fd_data *d, const gd_objective *inner, int method,
                       double *work) noexcept nogil:
    """A finite-difference objective's data with the default steps of ``method``, without
    error estimates; the pacer checks signals itself (a driver running it on a worker thread
    re-points it)."""
    d.inner = inner
    d.spec.method = method
    d.spec.abs_step = 0.0
    d.spec.abs_steps = NULL
    d.work = work
    d.nfev = 0
    d.views = NULL
    d.err = NULL
    d.noise = NULL
    gd_pacer_init(&d.pacer, NULL)


cdef class FiniteDifference(Objective):
    """``inner`` with its gradient computed by finite differences (one instance per run:
    it owns the stencil workspace and counts the stencil's evaluations in ``nfev``).

    ``error=True``: every gradient also estimates its error (fd_gradient_error: more stencil
    points, counted in ``nfev``), and the objective publishes, per start, whether the
    gradient is within it (``gd_objective.noise_floor``: the loop's noise stop).
    ``n_starts`` > 0 (a batch of that many starts): a verdict per start, the lanes evaluating
    through per-start views even when the inner objective holds no per-start data."""

    def __cinit__(self, *args, **kwargs):
        self.data.work = NULL
        self.data.views = NULL
        self.data.err = NULL
        self.data.noise = NULL

    def __init__(self, Objective inner not None, Py_ssize_t n, str method="central", step=None,
                 bint error=False, Py_ssize_t n_starts=0):
        if method not in METHODS:
            raise ValueError(f"unknown finite-difference method {method!r}; expected one of "
                             f"{', '.join(map(repr, METHODS))}")
        self.inner = inner
        self._estimates = error
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
        cdef Py_ssize_t size = (fd_error_work_size(&inner.obj, n, self.data.spec.method) if error
                                else fd_work_size(&inner.obj, n, self.data.spec.method))
        self.data.work = <double *>malloc(max(size, 1) * sizeof(double))
        if self.data.work == NULL:
            raise MemoryError()
        cdef Py_ssize_t starts = inner.obj.n_starts
        if error:
            if starts == 0:
                starts = n_starts
            self.data.err = <double *>malloc(max(n, 1) * sizeof(double))
            self.data.noise = <int *>calloc(max(starts, 1), sizeof(int))
            if self.data.err == NULL or self.data.noise == NULL:
                raise MemoryError()
            self.obj.noise_floor = self.data.noise
        self.obj.eval = fd_eval
        self.obj.own_fev = &self.data.nfev
        self._shared.d = &self.data
        self._shared.inner_ctx = inner.obj.ctx
        self._shared.start = 0
        self.obj.ctx = <void *>&self._shared
        cdef Py_ssize_t i
        cdef gd_fd_view *views
        if starts > 0:        # a view per start: the inner's ctx of that start, its verdict
            views = <gd_fd_view *>malloc(starts * sizeof(gd_fd_view))
            if views == NULL:
                raise MemoryError()
            self.data.views = views
            for i in range(starts):
                views[i].d = &self.data
                views[i].inner_ctx = (inner.obj.start_ctx(inner.obj.ctx, i)
                                      if inner.obj.n_starts > 0 else inner.obj.ctx)
                views[i].start = i
            self.obj.n_starts = starts
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

    @property
    def error(self):
        """Whether the gradients estimate their errors (noise stop)."""
        return bool(self._estimates)

    def gradient_and_error(self, x, Py_ssize_t start=0):
        """(grad f(x), its error estimate) at ``x`` as new arrays, with the data of
        ``start`` (per-start objectives): ``gdfast.gradient(error=True)``, check_gradient."""
        cdef double[::1] xv = self._point(x)
        cdef Py_ssize_t n = xv.shape[0]
        g = np.empty(n)
        e = np.empty(n)
        cdef double[::1] gv = g, ev = e
        cdef gd_objective inner = self.data.inner[0]
        if self.data.views != NULL:
            if not 0 <= start < self.obj.n_starts:
                raise ValueError(f"start must be in [0, {self.obj.n_starts}), got {start}")
            inner.ctx = (<gd_fd_view *>self.data.views)[start].inner_ctx
        cdef double *work = <double *>malloc(max(fd_error_work_size(&inner, n,
                                                                    self.data.spec.method), 1)
                                             * sizeof(double))
        cdef int rc
        if work == NULL:
            raise MemoryError()
        try:
            if inner.needs_gil:
                rc = fd_gradient_error(&inner, n, &xv[0], NULL, &self.data.spec, work, &gv[0],
                                       &ev[0], &self.data.nfev, &self.data.pacer)
            else:
                with nogil:
                    rc = fd_gradient_error(&inner, n, &xv[0], NULL, &self.data.spec, work,
                                           &gv[0], &ev[0], &self.data.nfev, &self.data.pacer)
        finally:
            free(work)
        if rc > 0:
            raise RuntimeError(f"the objective returned error code {rc}")
        return g, e

    def __dealloc__(self):
        free(self.data.work)
        free(self.data.views)
        free(self.data.err)
        free(self.data.noise)


def check_gradient(Objective objective not None, x, double rtol, Py_ssize_t start=0,
                   str point_name="x0"):
    """minimize's ``check_gradient``: ``objective``'s own gradient at ``x`` (a validated
    float64 point; per-start objectives: with the data of ``start``) against central
    differences of its values with their error estimate e_i.  Component i disagrees when
    |g_i - d_i| > rtol * max(1, |g_i|, |d_i|) + e_i; the worst one (largest ratio) is named in
    a ValueError.  Nothing is checked where f, g or d is not finite at x (the run reports a
    non-finite start itself).  The evaluations are not counted in any run's nfev."""
    if not objective.obj.has_gradient:
        raise ValueError("check_gradient: the objective has no gradient of its own to check")
    cdef double[::1] xv = x
    cdef Py_ssize_t n = xv.shape[0]
    cdef void *ctx = objective.obj.ctx
    if objective.obj.n_starts > 0:
        ctx = objective.obj.start_ctx(objective.obj.ctx, start)
    cdef double f = 0.0
    ga = np.empty(n)
    cdef double[::1] gav = ga
    cdef int rc
    if objective.obj.needs_gil:
        rc = objective.obj.eval(ctx, n, &xv[0], &f, &gav[0])
    else:
        with nogil:
            rc = objective.obj.eval(ctx, n, &xv[0], &f, &gav[0])
    if rc > 0:
        raise RuntimeError(f"the objective returned error code {rc}")
    if not (np.isfinite(f) and np.all(np.isfinite(ga))):
        return None
    cdef FiniteDifference fd = FiniteDifference(objective, n, "central", None, True,
                                                objective.obj.n_starts)
    d, e = fd.gradient_and_error(np.asarray(xv), start)
    ok = np.isfinite(d) & np.isfinite(e)
    diff = np.abs(ga - d)
    allowed = rtol * np.maximum(1.0, np.maximum(np.abs(ga), np.abs(d))) + e
    bad = ok & (diff > allowed)
    if not bad.any():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(bad, diff / allowed, -1.0)
    ratio[bad & (allowed == 0)] = np.inf
    i = int(np.argmax(ratio))
    raise ValueError(
        f"check_gradient: the gradient disagrees with finite differences at {point_name} in "
        f"component {i}: analytic {ga[i]!r}, central differences {d[i]!r} (their error "
        f"estimate {e[i]:.3g}; allowed |difference| {allowed[i]:.3g} with relative tolerance "
        f"{rtol:g}); {int(bad.sum())} of {n} components disagree")
