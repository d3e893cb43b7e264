"""gdfast's public C API (version 1), for Cython extensions: ``cimport gdfast.capi``.

Everything is declared in ``gdfast/capi.pxd`` (installed with gdfast, self-contained): a plain
C function-pointer objective with a ``void *`` context, an options struct, a result struct,
status codes, and two ``except -1 nogil`` entry points, ``gdfast_minimize_v1`` and
``gdfast_fd_gradient_v1``.  Names carry their version: a later incompatible version adds new
names and keeps these.

The objective fills ``f[0]`` when ``f != NULL`` and ``g[0:n]`` when ``g != NULL``, and returns
0; -1 after raising (declare it ``except -1 nogil`` and raise inside ``with gil:``: the
exception reaches whoever called ``gdfast_minimize_v1``); or a positive code of your own,
which stops the run with status ``GDFAST_OBJECTIVE_ERROR`` and ``result.error_code``.

Build your extension with Cython >= 3 against an installed gdfast (``pip install gdfast``;
Cython finds ``gdfast/capi.pxd`` on ``sys.path``), importing ``gdfast.capi`` at run time.
Nothing else is needed: no include directories, no libraries to link.

Example (``consumer.pyx``; the test suite compiles and runs exactly this)::

    # cython: language_level=3
    from gdfast.capi cimport (gdfast_options_v1, gdfast_result_v1, gdfast_options_init_v1,
                              gdfast_minimize_v1, gdfast_fd_gradient_v1,
                              GDFAST_FD_CENTRAL, GDFAST_OBJECTIVE_ERROR)

    cdef struct quad_data:
        double a0
        double a1

    cdef int quadratic(void *ctx, Py_ssize_t n, const double *x,
                       double *f, double *g) except -1 nogil:
        # the lecture's f = a0 x^2 + a1 y^2 (3x^2 + y^2 with a0 = 3, a1 = 1)
        cdef quad_data *d = <quad_data *>ctx
        if f != NULL:
            f[0] = d.a0 * x[0] * x[0] + d.a1 * x[1] * x[1]
        if g != NULL:
            g[0] = 2.0 * d.a0 * x[0]
            g[1] = 2.0 * d.a1 * x[1]
        return 0

    cdef int failing(void *ctx, Py_ssize_t n, const double *x,
                     double *f, double *g) except -1 nogil:
        with gil:
            raise ValueError("raised in the consumer's callback")

    cdef int c_error(void *ctx, Py_ssize_t n, const double *x,
                     double *f, double *g) except -1 nogil:
        return 7                  # a C error code of our own

    def solve(double a0, double a1, double x0, double y0, bint finite_differences=False):
        cdef quad_data d = quad_data(a0, a1)
        cdef double start[2]
        cdef double x[2]
        cdef gdfast_options_v1 opts
        cdef gdfast_result_v1 res
        start[0] = x0
        start[1] = y0
        gdfast_options_init_v1(&opts)
        opts.lr = 0.1
        opts.gtol = 1e-10
        if finite_differences:
            opts.fd_method = GDFAST_FD_CENTRAL
        with nogil:
            gdfast_minimize_v1(quadratic, &d, 2, start, x, &opts, &res)
        return (x[0], x[1]), res.fun, res.nit, res.status

    def gradient(double a0, double a1, double x0, double y0):
        cdef quad_data d = quad_data(a0, a1)
        cdef double x[2]
        cdef double g[2]
        x[0] = x0
        x[1] = y0
        gdfast_fd_gradient_v1(quadratic, &d, 2, x, GDFAST_FD_CENTRAL, 0.0, g)
        return g[0], g[1]

    def fail():
        cdef double x[1]
        x[0] = 1.0
        gdfast_minimize_v1(failing, NULL, 1, x, x, NULL, NULL)   # raises ValueError

    def error_code():
        cdef double x[1]
        cdef gdfast_result_v1 res
        x[0] = 1.0
        gdfast_minimize_v1(c_error, NULL, 1, x, x, NULL, &res)
        return res.status == GDFAST_OBJECTIVE_ERROR, res.error_code

Build it with this ``setup.py`` and run it::

    from Cython.Build import cythonize
    from setuptools import setup
    setup(ext_modules=cythonize("consumer.pyx"))

    >>> import consumer
    >>> consumer.solve(3.0, 1.0, 1.0, 1.0)       # ((~0, ~0), ~0, nit, 0)
    >>> consumer.gradient(3.0, 1.0, 1.0, 1.0)    # (6.0, 2.0) up to rounding
    >>> consumer.fail()                          # ValueError: raised in the consumer's callback
"""
from libc.math cimport isfinite
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset

from gdfast._objective cimport gd_objective, gd_eval_fn
from gdfast._descent cimport (gd_state, gd_options, gd_state_init, gd_state_free, gd_start,
                              gd_iterate, gd_finish)
from gdfast._fdiff cimport (gd_fd_data, gd_fd_view, gd_fd_spec, fd_eval, fd_gradient,
                            fd_work_size, fd_data_init)
from gdfast._pacer cimport gd_pacer, gd_pacer_init

__all__ = ["CAPI_VERSION"]

CAPI_VERSION = GDFAST_CAPI_VERSION


cdef int gdfast_options_init_v1(gdfast_options_v1 *options) noexcept nogil:
    options.lr = 0.01
    options.max_iter = 10000
    options.max_fev = 0
    options.gtol = 1e-5
    options.ftol = 0.0
    options.xtol = 0.0
    options.fd_method = GDFAST_FD_NONE
    return 0


cdef int _invalid(str message) except -1 with gil:
    raise ValueError(f"gdfast C API: {message}")


cdef int _check_options(const gdfast_options_v1 *o) except -1 nogil:
    if not (o.lr > 0.0 and isfinite(o.lr)):
        return _invalid("options.lr must be finite and > 0")
    if o.max_iter < 0 or o.max_fev < 0:
        return _invalid("options.max_iter and options.max_fev must be >= 0")
    if not (o.gtol >= 0.0 and o.ftol >= 0.0 and o.xtol >= 0.0):
        return _invalid("options.gtol, ftol and xtol must be >= 0 (not NaN)")
    if o.fd_method < GDFAST_FD_NONE or o.fd_method > GDFAST_FD_CENTRAL4:
        return _invalid("options.fd_method must be GDFAST_FD_NONE or a GDFAST_FD_* method")
    return 0


cdef void _user_objective(gd_objective *obj, gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                          bint has_gradient) noexcept nogil:
    memset(obj, 0, sizeof(gd_objective))          # fields appended later start at 0 / NULL
    obj.eval = <gd_eval_fn>fun
    obj.ctx = ctx
    obj.n = n
    obj.has_gradient = has_gradient
    obj.has_value_with_gradient = True
    obj.needs_gil = False


cdef int gdfast_minimize_v1(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, const gdfast_options_v1 *options,
                            gdfast_result_v1 *result) except -1 nogil:
    cdef gdfast_options_v1 o
    cdef gd_objective user
    cdef gd_objective fdobj
    cdef gd_fd_data fd
    cdef gd_fd_view fd_view
    cdef const gd_objective *run_obj = &user
    cdef gd_options opt
    cdef gd_state s
    cdef bint use_fd
    if fun == NULL or x0 == NULL or x == NULL:
        return _invalid("fun, x0 and x must not be NULL")
    if n < 1:
        return _invalid("n must be >= 1")
    if options == NULL:
        gdfast_options_init_v1(&o)
    else:
        o = options[0]
    _check_options(&o)
    use_fd = o.fd_method != GDFAST_FD_NONE
    _user_objective(&user, fun, ctx, n, not use_fd)
    fd.work = NULL
    s.buffer = NULL                                # what gd_state_free frees, if init fails
    s.ibuffer = NULL
    s.hist_x = NULL
    s.hist_f = NULL
    s.hist_gnorm = NULL
    try:
        if use_fd:
            fd_data_init(&fd, &user, o.fd_method,
                         <double *>malloc(fd_work_size(&user, n, o.fd_method) * sizeof(double)))
            if fd.work == NULL:
                with gil:
                    raise MemoryError()
            memset(&fdobj, 0, sizeof(gd_objective))
            fd_view.d = &fd
            fd_view.inner_ctx = user.ctx
            fdobj.eval = fd_eval
            fdobj.ctx = &fd_view
            fdobj.n = n
            fdobj.has_gradient = True
            fdobj.has_value_with_gradient = False
            fdobj.needs_gil = False
            run_obj = &fdobj
        memset(&opt, 0, sizeof(gd_options))        # fields added to gd_options later start at 0
        opt.lr = o.lr
        opt.max_iter = o.max_iter
        opt.max_fev = o.max_fev
        opt.gtol = o.gtol
        opt.ftol = o.ftol
        opt.xtol = o.xtol
        opt.callback_every = 1
        opt.record_history = False
        gd_state_init(&s, run_obj, n, x0, &opt)
        if use_fd:
            s.fev_extra = &fd.nfev
        gd_start(&s)
        gd_iterate(&s, opt.max_iter)
        gd_finish(&s)
        memcpy(x, s.x, n * sizeof(double))
        if result != NULL:
            result.fun = s.f[0]
            result.nit = s.nit
            result.nfev = s.nfev[0]
            result.njev = s.njev[0]
            result.status = s.status
            result.error_code = s.error_code
    finally:
        gd_state_free(&s)
        free(fd.work)
    return 0


cdef int gdfast_fd_gradient_v1(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                               const double *x, int method, double step,
                               double *g) except -1 nogil:
    cdef gd_objective user
    cdef gd_fd_spec spec
    cdef Py_ssize_t nfev = 0
    cdef double *work
    cdef gd_pacer pacer
    cdef int rc
    if fun == NULL or x == NULL or g == NULL:
        return _invalid("fun, x and g must not be NULL")
    if n < 1:
        return _invalid("n must be >= 1")
    if method < GDFAST_FD_FORWARD or method > GDFAST_FD_CENTRAL4:
        return _invalid("method must be one of GDFAST_FD_FORWARD, BACKWARD, CENTRAL, CENTRAL4")
    if not (step >= 0.0 and isfinite(step)):
        return _invalid("step must be finite and >= 0 (0: the default relative step)")
    _user_objective(&user, fun, ctx, n, False)
    spec.method = method
    spec.abs_step = step
    spec.abs_steps = NULL
    work = <double *>malloc(fd_work_size(&user, n, method) * sizeof(double))
    if work == NULL:
        with gil:
            raise MemoryError()
    try:
        gd_pacer_init(&pacer, NULL)
        rc = fd_gradient(&user, n, x, NULL, &spec, work, g, &nfev, &pacer)
    finally:
        free(work)
    return rc


# ---- a Python shim over the C API, for tests and fuzzing (tests/fuzz_inputs.py) -------------

cdef int _shim_quadratic(void *ctx, Py_ssize_t n, const double *x, double *f,
                         double *g) except -1 nogil:
    """f = sum_i (i + 1) x_i^2: the objective of _py_minimize_v1."""
    cdef Py_ssize_t i
    cdef double s = 0.0
    for i in range(n):
        s += (i + 1) * x[i] * x[i]
        if g != NULL:
            g[i] = 2.0 * (i + 1) * x[i]
    if f != NULL:
        f[0] = s
    return 0


def _py_minimize_v1(const double[::1] x0, double lr=0.01, Py_ssize_t max_iter=10000,
                    Py_ssize_t max_fev=0, double gtol=1e-5, double ftol=0.0, double xtol=0.0,
                    int fd_method=GDFAST_FD_NONE):
    """gdfast_minimize_v1 on sum_i (i+1) x_i^2 with these options, as called from C:
    returns (x, result fields).  Not part of the API: the C API's test and fuzzing hook."""
    cdef gdfast_options_v1 o
    cdef gdfast_result_v1 r
    cdef Py_ssize_t n = x0.shape[0]
    import numpy as np
    x = np.empty(n)
    cdef double[::1] xv = x
    gdfast_options_init_v1(&o)
    o.lr = lr
    o.max_iter = max_iter
    o.max_fev = max_fev
    o.gtol = gtol
    o.ftol = ftol
    o.xtol = xtol
    o.fd_method = fd_method
    with nogil:
        gdfast_minimize_v1(_shim_quadratic, NULL, n, &x0[0] if n > 0 else NULL,
                           &xv[0] if n > 0 else NULL, &o, &r)
    return x, {"fun": r.fun, "nit": r.nit, "nfev": r.nfev, "njev": r.njev,
               "status": r.status, "error_code": r.error_code}
