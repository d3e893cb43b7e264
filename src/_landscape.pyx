"""Grid evaluation kernel of ``gdfast.landscape``: f at many points of an affine subspace.

The points are ``x_p = origin + sum_j C[p, j] * D[j]`` (``D`` holds k directions of length n,
``C`` the m x k coefficients: k = 1 for a line, 2 for a plane).  Each point is built in C into
a buffer and handed to the objective through the ``gd_objective`` interface; three paths:

* C-level objectives (``needs_gil`` false): without the GIL, in items of ``CHUNK`` points
  handed to ``gd_parallel_items`` (gd_parallel.h): thread-safe ones (the built-ins, which hold
  no scratch state) are split over OpenMP threads when the module is built with OpenMP, the
  calling thread watching for Ctrl-C; otherwise the items run in the calling thread.
* Vectorized Python objectives (``eval_many``): blocks of up to ``block`` points are built in C
  and passed in one call.
* Plain Python callables: one ``eval`` per point, with the GIL (each call gets a fresh array).

Every point ticks a pacer (gd_pacer.h), which checks for Ctrl-C about every millisecond.
Layers: (a) pointwise ``noexcept nogil`` helpers; (b) ``except -1`` loops over points; (c) the
``def`` entry point that checks shapes.
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

from gdfast._objective cimport Objective, gd_objective
from gdfast._pacer cimport gd_control, gd_control_init, gd_pacer, gd_pacer_init, gd_pacer_tick
from gdfast._parallel cimport gd_item_fn, gd_parallel_items, gd_openmp_available

HAVE_OPENMP = bool(gd_openmp_available())
"""Whether this module was compiled with OpenMP (otherwise every path runs on one thread)."""

# points per item of gd_parallel_items
cdef Py_ssize_t CHUNK = 64
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

cdef struct grid_run:
    const gd_objective *obj
    Py_ssize_t n
    const double *origin
    const double *D
    Py_ssize_t k
    const double *C
    Py_ssize_t m
    double *F
    double *xs                      # a point buffer of n doubles per worker
    gd_pacer *pacers                # one per worker


cdef int _grid_item(void *ctx, Py_ssize_t item, int worker) except -1 nogil:
    """Points CHUNK * item ... of the grid on this worker: 0, -1 with an exception set (in
    the calling thread only), or a positive code (the objective's error code, GD_ABORTED)."""
    cdef grid_run *r = <grid_run *>ctx
    cdef Py_ssize_t p
    cdef double *x = r.xs + worker * r.n
    cdef gd_pacer *pacer = &r.pacers[worker]
    cdef int rc
    for p in range(item * CHUNK, min(r.m, (item + 1) * CHUNK)):
        rc = gd_pacer_tick(pacer)
        if rc == -1:
            return -1
        if rc != 0:
            return rc
        _affine_point(r.origin, r.D, r.k, r.C + p * r.k, r.n, x)
        rc = r.obj.eval(r.obj.ctx, r.n, x, &r.F[p], NULL)
        if rc != 0:
            return rc
    return 0


cdef int _run_c(const gd_objective *obj, Py_ssize_t n, const double *origin, const double *D,
                Py_ssize_t k, const double *C, Py_ssize_t m, double *F, int threads) except -1:
    """All m points of a C-level objective, without the GIL."""
    cdef grid_run r
    cdef gd_control control
    cdef Py_ssize_t t
    cdef int rc
    gd_control_init(&control)
    r.xs = <double *>malloc(threads * n * sizeof(double))
    r.pacers = <gd_pacer *>malloc(threads * sizeof(gd_pacer))
    if r.xs == NULL or r.pacers == NULL:
        free(r.xs)
        free(r.pacers)
        raise MemoryError("gdfast.landscape: cannot allocate the point buffers")
    r.obj = obj
    r.n = n
    r.origin = origin
    r.D = D
    r.k = k
    r.C = C
    r.m = m
    r.F = F
    try:
        for t in range(threads):
            gd_pacer_init(&r.pacers[t], &control)
        with nogil:
            rc = gd_parallel_items(<gd_item_fn>_grid_item, &r, (m + CHUNK - 1) // CHUNK,
                                   threads, &control)
        if rc > 0:
            raise RuntimeError(f"the objective returned error code {rc}")
    finally:
        free(r.xs)
        free(r.pacers)
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
            rc = obj.eval_many(obj.ctx, stop - start, n, X, F + start, NULL)
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
    if not HAVE_OPENMP:
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
