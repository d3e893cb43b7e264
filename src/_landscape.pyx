"""Grid evaluation kernel of ``gdfast.landscape``: f at many points of an affine subspace.

The points are ``x_p = origin + sum_j C[p, j] * D[j]`` (``D`` holds k directions of length n,
``C`` the m x k coefficients: k = 1 for a line, 2 for a plane).  Each point is built in C into
a buffer and handed to the objective through the ``gd_objective`` interface; three paths:

* C-level objectives (``needs_gil`` false): without the GIL.  Thread-safe ones (the built-ins,
  which hold no scratch state) are split over OpenMP threads with ``prange`` when the module is
  built with OpenMP.  Inside ``prange`` the objective is called through a ``noexcept`` pointer
  and its return code stored per thread, so no code path there ever takes the GIL.
* Vectorized Python objectives (``eval_many``): blocks of up to ``block`` points are built in C
  and passed in one call.
* Plain Python callables: one ``eval`` per point, with the GIL (each call gets a fresh array).

The work is cut into rounds of about a millisecond (10 to 25 ms in parallel, where each
round ends in a join); between rounds the GIL is held and
``PyErr_CheckSignals()`` lets Ctrl-C through.  Layers: (a) pointwise ``noexcept nogil`` helpers;
(b) ``except -1`` loops over points; (c) the ``def`` entry point that checks shapes.
"""
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport prange, threadid
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

from gdfast._objective cimport Objective, gd_objective

cdef extern from *:
    """
    #ifdef _OPENMP
    #define GDFAST_HAVE_OPENMP 1
    #else
    #define GDFAST_HAVE_OPENMP 0
    #endif
    """
    int GDFAST_HAVE_OPENMP

HAVE_OPENMP = bool(GDFAST_HAVE_OPENMP)
"""Whether this module was compiled with OpenMP (otherwise every path runs on one thread)."""

# the objective's eval seen as noexcept: the only way it is called inside prange, so that
# Cython never generates GIL-taking error handling there (the return code is checked by hand)
ctypedef int (*_eval_noexcept_fn)(void *ctx, Py_ssize_t n, const double *x,
                                  double *f, double *g) noexcept nogil

# work (in flops, about a millisecond on one core) between two signal checks
cdef double SIGNAL_CHECK_WORK = 2e6
# per thread between two signal checks in parallel (10 to 25 ms): every round ends in a join,
# which on a busy machine can wait a scheduler time slice for a descheduled thread
cdef double PARALLEL_ROUND_WORK = 1e8
# points per dynamic-schedule chunk: about this much work (a few microseconds)
cdef double CHUNK_WORK = 2e4
# at most this many doubles in one eval_many block (32 MB)
cdef Py_ssize_t MAX_BLOCK_DOUBLES = 1 << 22


# ---- (a) pointwise --------------------------------------------------------------------------

cdef inline void _affine_point(const double *origin, const double *D, Py_ssize_t k,
                               const double *c, Py_ssize_t n, double *x) noexcept nogil:
    """x[0:n] = origin + sum_j c[j] * D[j] (directions added in order, as NumPy would)."""
    cdef Py_ssize_t i, j
    cdef double cj
    cdef const double *d
    memcpy(x, origin, n * sizeof(double))
    for j in range(k):
        cj = c[j]
        d = D + j * n
        for i in range(n):
            x[i] = x[i] + cj * d[i]


# ---- (b) loops ------------------------------------------------------------------------------

cdef int _c_serial(const gd_objective *obj, Py_ssize_t n, const double *origin,
                   const double *D, Py_ssize_t k, const double *C, Py_ssize_t start,
                   Py_ssize_t stop, double *F, double *x) except -1 nogil:
    """Points start..stop-1 on this thread; returns 0, -1 (exception set) or an error code."""
    cdef Py_ssize_t p
    cdef int rc
    for p in range(start, stop):
        _affine_point(origin, D, k, C + p * k, n, x)
        rc = obj.eval(obj.ctx, n, x, &F[p], NULL)
        if rc != 0:
            return rc
    return 0


cdef void _c_parallel(const gd_objective *obj, Py_ssize_t n, const double *origin,
                      const double *D, Py_ssize_t k, const double *C, Py_ssize_t start,
                      Py_ssize_t stop, double *F, double *xs, int *codes,
                      int threads, Py_ssize_t chunk) noexcept nogil:
    """Points start..stop-1 over ``threads`` OpenMP threads; thread t uses xs[t*n:(t+1)*n] and
    stores the first non-zero return code of its points in codes[t] (skipping the rest).
    Dynamic scheduling: on a busy machine a descheduled thread does not hold up the others."""
    cdef Py_ssize_t p
    cdef int rc, t
    cdef double *x
    cdef _eval_noexcept_fn fn = <_eval_noexcept_fn>obj.eval
    cdef void *ctx = obj.ctx
    for p in prange(start, stop, num_threads=threads, schedule="dynamic", chunksize=chunk):
        t = threadid()
        if codes[t] == 0:
            x = xs + t * n
            _affine_point(origin, D, k, C + p * k, n, x)
            rc = fn(ctx, n, x, &F[p], NULL)
            if rc != 0:
                codes[t] = rc


cdef int _run_c(const gd_objective *obj, Py_ssize_t n, const double *origin, const double *D,
                Py_ssize_t k, const double *C, Py_ssize_t m, double *F, int threads) except -1:
    """All m points of a C-level objective, without the GIL, in rounds of about 1 ms."""
    cdef double per_point = max(obj.cost, 1.0) + 2.0 * k * n
    cdef Py_ssize_t per_round, chunk, start = 0, stop, t
    cdef int rc = 0
    cdef double *xs = <double *>malloc(threads * n * sizeof(double))
    cdef int *codes = <int *>malloc(threads * sizeof(int))
    if xs == NULL or codes == NULL:
        free(xs)
        free(codes)
        raise MemoryError("gdfast.landscape: cannot allocate the point buffers")
    if threads > 1:
        per_round = max(<Py_ssize_t>(PARALLEL_ROUND_WORK / per_point), 1) * threads
        chunk = max(<Py_ssize_t>(CHUNK_WORK / per_point), 1)
    else:
        per_round = max(<Py_ssize_t>(SIGNAL_CHECK_WORK / per_point), 1)
        chunk = 1
    try:
        for t in range(threads):
            codes[t] = 0
        while start < m:
            stop = min(m, start + per_round)
            if threads > 1:
                with nogil:
                    _c_parallel(obj, n, origin, D, k, C, start, stop, F, xs, codes, threads,
                                chunk)
                for t in range(threads):
                    if codes[t] != 0:
                        rc = codes[t]
                        break
                if rc == -1:
                    raise RuntimeError(
                        "the objective failed (returned -1) inside a parallel evaluation; "
                        "run with threads=1 to see its exception")
            else:
                with nogil:
                    rc = _c_serial(obj, n, origin, D, k, C, start, stop, F, xs)
            if rc > 0:
                raise RuntimeError(f"the objective returned error code {rc}")
            if rc != 0:
                raise RuntimeError(f"the objective returned an invalid code {rc}")
            start = stop
            PyErr_CheckSignals()
    finally:
        free(xs)
        free(codes)
    return 0


cdef int _run_many(const gd_objective *obj, Py_ssize_t n, const double *origin,
                   const double *D, Py_ssize_t k, const double *C, Py_ssize_t m, double *F,
                   Py_ssize_t block) except -1:
    """Vectorized objectives: eval_many on blocks of points built in C (GIL held)."""
    cdef Py_ssize_t b = max(1, min(block, MAX_BLOCK_DOUBLES // n, m))
    cdef Py_ssize_t start = 0, stop, p
    cdef int rc
    cdef double *X = <double *>malloc(b * n * sizeof(double))
    if X == NULL:
        raise MemoryError("gdfast.landscape: cannot allocate the block of points")
    try:
        while start < m:
            stop = min(m, start + b)
            for p in range(start, stop):
                _affine_point(origin, D, k, C + p * k, n, X + (p - start) * n)
            rc = obj.eval_many(obj.ctx, stop - start, n, X, F + start)
            if rc > 0:
                raise RuntimeError(f"the objective returned error code {rc}")
            start = stop
    finally:
        free(X)
    return 0


cdef int _run_python(const gd_objective *obj, Py_ssize_t n, const double *origin,
                     const double *D, Py_ssize_t k, const double *C, Py_ssize_t m,
                     double *F) except -1:
    """Plain Python callables: one eval per point (GIL held; the thunk makes fresh arrays)."""
    cdef Py_ssize_t p
    cdef int rc
    cdef double *x = <double *>malloc(n * sizeof(double))
    if x == NULL:
        raise MemoryError("gdfast.landscape: cannot allocate the point buffer")
    try:
        for p in range(m):
            _affine_point(origin, D, k, C + p * k, n, x)
            rc = obj.eval(obj.ctx, n, x, &F[p], NULL)
            if rc > 0:
                raise RuntimeError(f"the objective returned error code {rc}")
    finally:
        free(x)
    return 0


# ---- (c) entry point ------------------------------------------------------------------------

def evaluate_affine(Objective objective not None,
                    const double[::1] origin,          # IN  (n,)
                    const double[:, ::1] directions,   # IN  (k, n)
                    const double[:, ::1] coeffs,       # IN  (m, k)
                    double[::1] out,                   # OUT (m,)
                    int threads=1,
                    Py_ssize_t block=4096):
    """f(origin + coeffs[p] @ directions) into out[p] for every row p of coeffs.

    ``threads`` > 1 splits a C-level objective's points over OpenMP threads: pass it only for
    thread-safe objectives (the caller decides; ``gdfast.landscape`` does so for built-ins).
    ``block``: points per ``eval_many`` call for vectorized Python objectives.
    Inputs are trusted to be finite and of matching shapes (checked here only for shape).
    """
    cdef const gd_objective *obj = &objective.obj
    cdef Py_ssize_t n = origin.shape[0], k = directions.shape[0], m = coeffs.shape[0]
    if n == 0:
        raise ValueError("origin must not be empty")
    if directions.shape[1] != n:
        raise ValueError(f"directions must have {n} columns, got {directions.shape[1]}")
    if coeffs.shape[1] != k:
        raise ValueError(f"coeffs must have {k} columns, got {coeffs.shape[1]}")
    if out.shape[0] != m:
        raise ValueError(f"out must have length {m}, got {out.shape[0]}")
    if obj.n >= 0 and obj.n != n:
        raise ValueError(f"the objective takes points of length {obj.n}, got {n}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if block < 1:
        raise ValueError(f"block must be >= 1, got {block}")
    if m == 0:
        return None
    if not GDFAST_HAVE_OPENMP:
        threads = 1
    cdef const double *D = &directions[0, 0] if k > 0 else NULL
    cdef const double *C = &coeffs[0, 0] if k > 0 else NULL
    if not obj.needs_gil:
        _run_c(obj, n, &origin[0], D, k, C, m, &out[0], threads)
    elif obj.eval_many != NULL:
        _run_many(obj, n, &origin[0], D, k, C, m, &out[0], block)
    else:
        _run_python(obj, n, &origin[0], D, k, C, m, &out[0])
    return None
