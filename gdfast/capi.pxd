# gdfast public C API, version 1: cimport it from your own Cython extension.
#
#     from gdfast.capi cimport gdfast_minimize_v1, gdfast_options_v1, ...
#
# Self-contained (no cimports), only C scalars and pointers in its signatures.  Every name is
# versioned: a later, incompatible version adds new names (..._v2) beside these, which stay.
# The tutorial is the docstring of the module gdfast.capi (`python -c "import gdfast.capi;
# help(gdfast.capi)"`).

# The objective: f(x) into f[0] when f != NULL, grad f(x) into g[0:n] when g != NULL.
# Return 0 on success; -1 with a Python exception set (a Cython `except -1` function that
# raised: the exception reaches the caller of gdfast_minimize_v1); or a positive error code of
# your own (the run stops with status GDFAST_OBJECTIVE_ERROR and result.error_code = it).
# ctx is passed back unchanged.  x must not be written to.
ctypedef int (*gdfast_objective_v1)(void *ctx, Py_ssize_t n, const double *x,
                                    double *f, double *g) except -1 nogil

ctypedef struct gdfast_options_v1:
    double lr                 # step size gamma (> 0, finite)                    default 0.01
    Py_ssize_t max_iter       # iterations at most (>= 0)                        default 10000
    Py_ssize_t max_fev        # function evaluations at most (0: no limit)       default 0
    double gtol               # stop when max_i |g_i| <= gtol (0: off)           default 1e-5
    double ftol               # stop on relative decrease <= ftol (0: off)       default 0
    double xtol               # stop when no coordinate moves more (0: off)      default 0
    int fd_method             # GDFAST_FD_NONE: fun fills g; else finite diffs   default NONE

ctypedef struct gdfast_result_v1:
    double fun                # f at the returned x
    Py_ssize_t nit            # iterations taken
    Py_ssize_t nfev           # value evaluations (finite-difference stencils included)
    Py_ssize_t njev           # gradient evaluations
    int status                # a GDFAST_* status code below
    int error_code            # your positive code, when status == GDFAST_OBJECTIVE_ERROR

cdef enum:
    GDFAST_CAPI_VERSION = 1
    # status codes (gdfast.Status)
    GDFAST_CONVERGED = 0          # a tolerance test passed
    GDFAST_MAX_ITER = 1           # max_iter iterations done
    GDFAST_STEP_FAILED = 2        # the step rule found no acceptable step
    GDFAST_NONFINITE = 3          # f or its gradient became NaN (x: the last finite iterate)
    GDFAST_DIVERGED = 4           # f or its gradient overflowed to inf (x: the last finite one)
    GDFAST_OBJECTIVE_ERROR = 5    # the objective returned a positive error code
    GDFAST_MAX_FEV = 6            # max_fev evaluations made
    # finite-difference methods
    GDFAST_FD_NONE = -1           # the objective computes its gradient
    GDFAST_FD_FORWARD = 0
    GDFAST_FD_BACKWARD = 1
    GDFAST_FD_CENTRAL = 2
    GDFAST_FD_CENTRAL4 = 3

# Fill *options with the defaults above.  Returns 0.
cdef int gdfast_options_init_v1(gdfast_options_v1 *options) noexcept nogil

# Minimize from x0[0:n] (not modified); the solution goes to x[0:n] (may be x0 itself).
# options: NULL for the defaults.  result: NULL if not wanted.  Returns 0 when the run ended
# (see result.status; a non-finite value at x0 is status 3 or 4 with nit 0), -1 with a Python
# exception set (invalid arguments: ValueError; an exception from fun; KeyboardInterrupt).
# Callable with or without the GIL; call it inside `with nogil:` so that other Python threads
# run meanwhile.  Thread-safe: no shared state.
cdef int gdfast_minimize_v1(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, const gdfast_options_v1 *options,
                            gdfast_result_v1 *result) except -1 nogil

# The finite-difference gradient of fun (values only: called with g == NULL) at x into g[0:n].
# method: GDFAST_FD_FORWARD / BACKWARD / CENTRAL / CENTRAL4; step: absolute step, or 0 for the
# default relative step.  Returns 0, -1 with a Python exception set, or fun's positive code.
cdef int gdfast_fd_gradient_v1(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                               const double *x, int method, double step,
                               double *g) except -1 nogil
