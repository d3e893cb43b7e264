"""Batch multi-start: one descent per row of X0, on all cores.

Design:

* Three paths, chosen once per call from the objective:

  1. **block** -- built-in objectives with an ``eval_block`` hook (structure-of-arrays), plain
     ``method="gd"``: the starts advance in lockstep, blocks of ``B`` starts at a time, so
     that the step, the objective and the tests vectorize across starts.  Each block is one
     item of ``gd_parallel_items`` (gd_parallel.h), run to its end on one OpenMP thread.  Same
     arithmetic, term for term, as THE loop (tested bit for bit against ``minimize``).
  2. **per-start** -- other C-level objectives (low-level function pointers, built-ins without a
     block hook, finite differences of those): one ``gd_state`` per start driven by THE loop
     (``gd_iterate``), ranges of ``RANGE`` starts as items over the threads; each worker thread
     has its own finite-difference workspace.
  3. **vectorized Python** (``vectorized=True``): the block lockstep loop with one block holding
     every start, in the calling thread; the objective is called once per iteration for all
     running starts (with ``jac=True`` it returns ``(F, G)``, otherwise the whole
     central-difference stencil of every running start is one call).

  Anything else (plain Python callables, Cython ``Objective`` subclasses, which may raise) runs
  start after start in the calling thread through the same driver as ``minimize``.
* Worker threads never take the GIL: they only run objectives flagged ``parallel_safe`` (pure
  C, never raising) and write per-start statuses.  The calling thread watches for Ctrl-C
  meanwhile; every loop's pacer (gd_pacer.h) sees the interruption within about a
  millisecond, and the driver raises KeyboardInterrupt.
* Every start's arithmetic is independent of the others and of the thread that runs it, so the
  results do not depend on ``threads``.
"""
from libc.math cimport fabs, fmax, isinf
from libc.stdlib cimport malloc, free
from libc.string cimport memset

cimport numpy as cnp
import numpy as np

from gdfast._objective cimport Objective, PythonObjective, gd_objective, JAC_WITH_VALUE, JAC_NONE
from gdfast._descent cimport (gd_state, gd_options, gd_state_init, gd_state_free, gd_start,
                              gd_iterate, gd_finish, RUNNING, CONVERGED, MAX_ITER, NONFINITE,
                              DIVERGED, OBJECTIVE_ERROR)
from gdfast._fdiff cimport FiniteDifference, fd_many_work_size, fd_value_and_gradient_many
from gdfast._pacer cimport gd_control, gd_pacer, gd_pacer_init, gd_pacer_tick, GD_ABORTED
from gdfast._parallel cimport (gd_item_fn, gd_parallel_items, gd_openmp_available,
                               gd_max_threads)

cdef extern from "gd_step.h" nogil:
    void gd_fixed_step(const double *x, const double *g, double *x_new, double lr, Py_ssize_t n)

cnp.import_array()

__all__ = ["minimize_batch", "openmp_available"]

cdef Py_ssize_t RANGE = 16          # starts per item on the per-start path


def openmp_available():
    """Whether this build of gdfast runs batches on several threads (compiled with OpenMP)."""
    return bool(gd_openmp_available())


def default_threads():
    """The number of threads a batch uses by default (OpenMP's maximum, 1 without OpenMP)."""
    return int(gd_max_threads())


# ---- (a) the lockstep block loop ------------------------------------------------------------

ctypedef int (*block_eval_fn)(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                              const double *X, const int *status, double *F,
                              double *G) except -1 nogil
# f and grad f at the m points of X (structure-of-arrays, leading dimension ld) into F and G;
# points whose status is not RUNNING may be skipped.  0, -1 with an exception set (the
# vectorized Python evaluator, which runs in the calling thread only), or an error code.

cdef struct lock_opts:
    double lr
    double gtol
    double ftol
    double xtol
    Py_ssize_t max_iter

cdef struct block_t:
    Py_ssize_t m              # starts in this block
    Py_ssize_t ld             # leading dimension of X, G (>= m)
    double *X                 # current points (n, ld) and their gradients, values
    double *G
    double *F
    double *Xn                # trial points (swapped with X when all are accepted)
    double *Gn
    double *Fn
    double *gnorm             # max_i |g_i| per start
    double *chk               # scratch: NaN where a trial value is not finite
    int *status
    int *error_code
    Py_ssize_t *nit
    Py_ssize_t k              # iterations done by the running starts (lockstep)
    Py_ssize_t live           # running starts


cdef inline int _nonfinite(double f, const double *g, Py_ssize_t n, Py_ssize_t ld) noexcept nogil:
    cdef Py_ssize_t j
    if isinf(f):
        return DIVERGED
    for j in range(n):
        if isinf(g[j * ld]):
            return DIVERGED
    return NONFINITE


cdef inline double _finite_check(const block_t *b, Py_ssize_t n, const double *F,
                                 const double *G) noexcept nogil:
    """b.chk[i] = 0 where F[i] and G[:, i] are finite, NaN elsewhere (vectorizes).  Returns
    the sum of chk: 0 when every point is finite, NaN otherwise."""
    cdef Py_ssize_t i, j, m = b.m, ld = b.ld
    cdef double *chk = b.chk
    cdef double total = 0.0
    if n == 2:                                   # the common case in one pass
        for i in range(m):
            chk[i] = F[i] * 0.0 + G[i] * 0.0 + G[ld + i] * 0.0
            total += chk[i]
        return total
    for i in range(m):
        chk[i] = F[i] * 0.0
    for j in range(n):
        for i in range(m):
            chk[i] += G[j * ld + i] * 0.0
    for i in range(m):
        total += chk[i]
    return total


cdef inline void _gnorms(block_t *b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i, j, m = b.m, ld = b.ld
    cdef double a
    for i in range(m):
        b.gnorm[i] = 0.0
    for j in range(n):
        for i in range(m):
            a = fabs(b.G[j * ld + i])
            b.gnorm[i] = a if a > b.gnorm[i] else b.gnorm[i]


cdef inline void _stop_all(block_t *b, int status, int code) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(b.m):
        if b.status[i] == RUNNING:
            b.status[i] = status
            b.error_code[i] = code
            b.nit[i] = b.k
    b.live = 0


cdef int _block_start(block_t *b, block_eval_fn ev, void *ctx, Py_ssize_t n) except -1 nogil:
    """Evaluate at the starting points; a non-finite value there stops that start at nit 0."""
    cdef Py_ssize_t i
    cdef int rc = ev(ctx, b.m, n, b.ld, b.X, b.status, b.F, b.G)
    if rc != 0:
        _stop_all(b, OBJECTIVE_ERROR, rc)
        return 0
    _finite_check(b, n, b.F, b.G)
    _gnorms(b, n)
    for i in range(b.m):
        if b.status[i] == RUNNING and b.chk[i] != 0.0:
            b.status[i] = _nonfinite(b.F[i], b.G + i, n, b.ld)
            b.nit[i] = 0
            b.live -= 1
    return 0


cdef int _block_iterate(block_t *blk, block_eval_fn ev, void *ctx, Py_ssize_t n,
                        const lock_opts *o, gd_pacer *pacer) except -1 nogil:
    """The block's lockstep iterations to the end: THE loop's rule and tests, in its order
    (gtol, max_iter at the current point; non-finite trial rejected; xtol, ftol), a pacer
    tick per iteration.  0 (an evaluator's error code stops the block's starts with it); -1
    with an exception set (the evaluator's, or Ctrl-C seen by a pacer that checks signals);
    or GD_ABORTED: the run was interrupted.
    Works on a local copy of the block's header (written back at the end), so that threads
    working on neighbouring blocks do not share cache lines."""
    cdef block_t bl = blk[0]
    cdef block_t *b = &bl
    cdef Py_ssize_t i, j, m = b.m, ld = b.ld
    cdef double *tmp
    cdef double f, fn, total
    cdef bint conv, slow
    cdef int rc, out = 0
    while True:
        if b.live == 0:
            break
        out = gd_pacer_tick(pacer)
        if out != 0:
            if out > 0:
                _stop_all(b, OBJECTIVE_ERROR, out)
            break
        if o.gtol > 0.0:
            for i in range(m):
                if b.status[i] == RUNNING and b.gnorm[i] <= o.gtol:
                    b.status[i] = CONVERGED
                    b.nit[i] = b.k
                    b.live -= 1
        if b.k >= o.max_iter:
            _stop_all(b, MAX_ITER, 0)
        if b.live == 0:
            break

        gd_fixed_step(b.X, b.G, b.Xn, o.lr, n * ld)
        rc = ev(ctx, m, n, ld, b.Xn, b.status, b.Fn, b.Gn)
        if rc != 0:
            _stop_all(b, OBJECTIVE_ERROR, rc)
            break
        total = _finite_check(b, n, b.Fn, b.Gn)

        slow = b.live < m or o.xtol > 0.0 or o.ftol > 0.0 or total != 0.0
        if not slow:                   # every start running and accepted: swap the buffers
            tmp = b.X; b.X = b.Xn; b.Xn = tmp
            tmp = b.G; b.G = b.Gn; b.Gn = tmp
            tmp = b.F; b.F = b.Fn; b.Fn = tmp
        else:
            for i in range(m):
                if b.status[i] != RUNNING:
                    continue
                if b.chk[i] != 0.0:
                    b.status[i] = _nonfinite(b.Fn[i], b.Gn + i, n, ld)
                    b.nit[i] = b.k
                    b.live -= 1
                    continue
                conv = False
                f = b.F[i]
                fn = b.Fn[i]
                if o.xtol > 0.0:
                    conv = True
                    for j in range(n):
                        if fabs(b.Xn[j * ld + i] - b.X[j * ld + i]) > o.xtol:
                            conv = False
                            break
                if (not conv and o.ftol > 0.0 and fn <= f
                        and f - fn <= o.ftol * fmax(fmax(fabs(f), fabs(fn)), 1.0)):
                    conv = True
                for j in range(n):
                    b.X[j * ld + i] = b.Xn[j * ld + i]
                    b.G[j * ld + i] = b.Gn[j * ld + i]
                b.F[i] = fn
                if conv:
                    b.status[i] = CONVERGED
                    b.nit[i] = b.k + 1
                    b.live -= 1
        b.k += 1
        if o.gtol > 0.0:
            _gnorms(b, n)
    blk[0] = bl
    return out


cdef int _builtin_block_eval(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                             const double *X, const int *status, double *F,
                             double *G) except -1 nogil:
    cdef const gd_objective *obj = <const gd_objective *>ctx
    return obj.eval_block(obj.ctx, m, n, ld, X, F, G)


cdef class _VectorizedBlock:
    """Evaluator of path 3: one Python call per iteration for all running starts."""
    cdef object fun
    cdef tuple args
    cdef bint with_gradient          # fun returns (F, G)
    cdef public Py_ssize_t ncalls

    def __init__(self, fun, args, with_gradient):
        self.fun = fun
        self.args = args
        self.with_gradient = with_gradient
        self.ncalls = 0

    cdef int evaluate(self, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *X,
                      const int *status, double *F, double *G) except -1:
        cdef Py_ssize_t i
        Xs = np.asarray(<double[:n, :ld]>X)[:, :m]
        st = np.asarray(<int[:m]>status)
        live = np.flatnonzero(st == RUNNING)
        pts = np.ascontiguousarray(Xs[:, live].T)        # (L, n), fresh
        L = pts.shape[0]
        if L == 0:
            return 0
        if self.with_gradient:
            r = self._call(pts)
            if not isinstance(r, tuple) or len(r) != 2:
                raise TypeError("with jac=True, fun must return a tuple (F, G), "
                                f"got {type(r).__name__}")
            fv = self._values(r[0], L)
            gv = self._gradients(r[1], L, n)
        else:
            # f at every point and its central-difference stencil: one call, by the FD kernel
            fv = np.empty(L)
            gv = np.empty((L, n))
            self._fd_many(pts, fv, gv)
        Fa = np.asarray(<double[:m]>F)
        Ga = np.asarray(<double[:n, :ld]>G)
        Fa[live] = fv
        Ga[:, live] = gv.T
        return 0

    cdef int _fd_many(self, const double[:, ::1] pts, double[::1] fv,
                      double[:, ::1] gv) except -1:
        cdef Py_ssize_t L = pts.shape[0], n = pts.shape[1], nfev = 0
        cdef PythonObjective vobj = PythonObjective(self.fun, self.args, None, True)
        cdef double *work = <double *>malloc(fd_many_work_size(L, n) * sizeof(double))
        if work == NULL:
            raise MemoryError()
        try:
            fd_value_and_gradient_many(&vobj.obj, L, n, &pts[0, 0], &fv[0], &gv[0, 0], work,
                                       &nfev)
        finally:
            free(work)
        self.ncalls += 1
        return 0

    def _call(self, pts):
        self.ncalls += 1
        return self.fun(pts, *self.args) if self.args else self.fun(pts)

    @staticmethod
    def _values(r, L):
        a = np.asarray(r)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"vectorized fun must return real values, got dtype {a.dtype}")
        if a.shape != (L,):
            raise ValueError(f"vectorized fun must return an array of shape ({L},), "
                             f"got shape {a.shape}")
        return a.astype(np.float64)

    @staticmethod
    def _gradients(r, L, n):
        a = np.asarray(r)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"fun's gradient must be real, got dtype {a.dtype}")
        if a.shape != (L, n):
            raise ValueError(f"fun's gradient must have shape ({L}, {n}), got shape {a.shape}")
        return a.astype(np.float64)


cdef int _python_block_eval(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                            const double *X, const int *status, double *F,
                            double *G) except -1 nogil:
    """Path 3's evaluator, in the calling thread only (a run of one item on one thread)."""
    with gil:
        return (<_VectorizedBlock>ctx).evaluate(m, n, ld, X, status, F, G)


cdef struct lockstep_run:
    block_t *blocks
    block_eval_fn ev
    void *ctx
    Py_ssize_t n
    lock_opts o
    gd_pacer *pacers                  # one per worker, ticking with the run's gd_control


cdef int _lockstep_item(void *ctx, Py_ssize_t k, int worker) except -1 nogil:
    """Item k of gd_parallel_items: block k from its starting points to the end."""
    cdef lockstep_run *r = <lockstep_run *>ctx
    _block_start(&r.blocks[k], r.ev, r.ctx, r.n)
    return _block_iterate(&r.blocks[k], r.ev, r.ctx, r.n, &r.o, &r.pacers[worker])


cdef void _unblock(const block_t *blocks, Py_ssize_t nb, Py_ssize_t n, double[:, ::1] x,
                   double[:, ::1] jac, double[::1] fun) noexcept:
    """The blocks' structure-of-arrays points, gradients and values back into rows."""
    cdef Py_ssize_t k, i, j, row = 0
    cdef const block_t *b
    with nogil:
        for k in range(nb):
            b = &blocks[k]
            for i in range(b.m):
                for j in range(n):
                    x[row, j] = b.X[j * b.ld + i]
                    jac[row, j] = b.G[j * b.ld + i]
                fun[row] = b.F[i]
                row += 1


def _run_lockstep(const double[:, ::1] X0, lock_opts o, Objective objective, _VectorizedBlock
                  vb, int nt):
    """Paths 1 and 3.  Returns x, fun, jac, nit, status, error_code arrays."""
    cdef Py_ssize_t m = X0.shape[0], n = X0.shape[1], B, nb, k, i, j
    cdef block_eval_fn ev
    cdef void *ctx
    if vb is not None:
        B = m
        ev = _python_block_eval
        ctx = <void *>vb
        nt = 1
    else:
        B = max(8, min(256, (2048 // n) // 8 * 8))
        ev = _builtin_block_eval
        ctx = <void *>&objective.obj
    nb = (m + B - 1) // B
    # storage: (nb, n, B) for points and gradients, (nb, B) for the rest; zeros in the padding
    cdef double[:, :, ::1] Xa = np.zeros((nb, n, B))
    cdef double[:, :, ::1] Xb = np.zeros((nb, n, B))
    cdef double[:, :, ::1] Ga = np.zeros((nb, n, B))
    cdef double[:, :, ::1] Gb = np.zeros((nb, n, B))
    cdef double[:, ::1] Fa = np.zeros((nb, B))
    cdef double[:, ::1] Fb = np.zeros((nb, B))
    cdef double[:, ::1] gn = np.zeros((nb, B))
    cdef double[:, ::1] chk = np.zeros((nb, B))
    cdef int[:, ::1] status = np.full((nb, B), RUNNING, dtype=np.intc)
    cdef int[:, ::1] code = np.zeros((nb, B), dtype=np.intc)
    cdef Py_ssize_t[:, ::1] nit = np.zeros((nb, B), dtype=np.intp)
    for i in range(m):
        for j in range(n):
            Xa[i // B, j, i % B] = X0[i, j]
    cdef block_t *blocks = <block_t *>malloc(nb * sizeof(block_t))
    cdef gd_pacer *pacers = <gd_pacer *>malloc(nt * sizeof(gd_pacer))
    cdef lockstep_run run
    cdef gd_control control
    cdef int rc
    if blocks == NULL or pacers == NULL:
        free(blocks)
        free(pacers)
        raise MemoryError()
    try:
        for k in range(nb):
            blocks[k].m = min(B, m - k * B)
            blocks[k].ld = B
            blocks[k].X = &Xa[k, 0, 0]
            blocks[k].Xn = &Xb[k, 0, 0]
            blocks[k].G = &Ga[k, 0, 0]
            blocks[k].Gn = &Gb[k, 0, 0]
            blocks[k].F = &Fa[k, 0]
            blocks[k].Fn = &Fb[k, 0]
            blocks[k].gnorm = &gn[k, 0]
            blocks[k].chk = &chk[k, 0]
            blocks[k].status = &status[k, 0]
            blocks[k].error_code = &code[k, 0]
            blocks[k].nit = &nit[k, 0]
            blocks[k].k = 0
            blocks[k].live = blocks[k].m
        for k in range(nt):
            gd_pacer_init(&pacers[k], &control)
        run.blocks = blocks
        run.ev = ev
        run.ctx = ctx
        run.n = n
        run.o = o
        run.pacers = pacers
        # each block runs to the end on one thread (its data stays in cache)
        with nogil:
            rc = gd_parallel_items(<gd_item_fn>_lockstep_item, &run, nb, nt, &control)
        if rc != 0:
            raise RuntimeError(f"gdfast: batch stopped with code {rc}")
        x = np.empty((m, n))
        jac = np.empty((m, n))
        fun = np.empty(m)
        _unblock(blocks, nb, n, x, jac, fun)
        return (x, fun, jac, np.asarray(nit).reshape(-1)[:m].astype(np.int64),
                np.asarray(status).reshape(-1)[:m].copy(), np.asarray(code).reshape(-1)[:m].copy())
    finally:
        free(blocks)
        free(pacers)
        if vb is not None:
            vb.fun = None


# ---- (b) one gd_state per start (THE loop) --------------------------------------------------

cdef struct per_start_run:
    gd_state *states
    Py_ssize_t m
    Py_ssize_t max_iter
    const gd_objective **objs         # one per worker (its own finite-difference workspace)


cdef int _per_start_item(void *ctx, Py_ssize_t r, int worker) except -1 nogil:
    """Item r of gd_parallel_items: the starts of range r, each run by THE loop to the end on
    the worker's objective.  0, -1 with an exception set (only where the pacers check signals:
    the calling thread), or GD_ABORTED (the run was interrupted)."""
    cdef per_start_run *run = <per_start_run *>ctx
    cdef Py_ssize_t i
    cdef gd_state *s
    for i in range(r * RANGE, min(run.m, (r + 1) * RANGE)):
        s = &run.states[i]
        s.obj = run.objs[worker]
        gd_start(s)
        if s.status == RUNNING:
            gd_iterate(s, run.max_iter)
        gd_finish(s)
        if s.status == OBJECTIVE_ERROR and s.error_code == GD_ABORTED:
            return GD_ABORTED
    return 0


cdef _run_per_start(const double[:, ::1] X0, gd_options opt, list objectives, int nt):
    """Path 2.  ``objectives``: one per worker thread (nt of them)."""
    cdef Py_ssize_t m = X0.shape[0], n = X0.shape[1], i, r, nr = len(objectives)
    cdef gd_state *states = <gd_state *>malloc(m * sizeof(gd_state))
    cdef const gd_objective **objs = <const gd_objective **>malloc(nr * sizeof(void *))
    cdef Py_ssize_t ready = 0
    cdef gd_control control
    cdef per_start_run run
    cdef int rc
    if states == NULL or objs == NULL:
        free(states); free(objs)
        raise MemoryError()
    try:
        for r in range(nr):
            objs[r] = &(<Objective>objectives[r]).obj
            if isinstance(objectives[r], FiniteDifference):   # its stencils' Ctrl-C checks
                gd_pacer_init(&(<FiniteDifference>objectives[r]).data.pacer, &control)
        for i in range(m):
            gd_state_init(&states[i], objs[0], n, &X0[i, 0], &opt)
            ready += 1
            gd_pacer_init(&states[i].pacer, &control)
        run.states = states
        run.m = m
        run.max_iter = opt.max_iter
        run.objs = objs
        with nogil:
            rc = gd_parallel_items(<gd_item_fn>_per_start_item, &run, (m + RANGE - 1) // RANGE,
                                   nt, &control)
        if rc != 0:
            raise RuntimeError(f"gdfast: batch stopped with code {rc}")
        x = np.empty((m, n))
        jac = np.empty((m, n))
        fun = np.empty(m)
        nit = np.empty(m, dtype=np.int64)
        status = np.empty(m, dtype=np.intc)
        code = np.empty(m, dtype=np.intc)
        for i in range(m):
            x[i] = <double[:n]>states[i].x
            jac[i] = <double[:n]>states[i].g
            fun[i] = states[i].f
            nit[i] = states[i].nit
            status[i] = states[i].status
            code[i] = states[i].error_code
        return x, fun, jac, nit, status, code
    finally:
        for i in range(ready):
            gd_state_free(&states[i])
        free(states)
        free(objs)


# ---- (c) the Python entry point -------------------------------------------------------------

_MAX_COUNT = 2 ** 62


def minimize_batch(fun, X0, args=(), *, jac=None, method="gd", lr=0.01, max_iter=10_000,
                   gtol=1e-5, ftol=0.0, xtol=0.0, threads=None, vectorized=False,
                   fd_step=None):
    """Run one descent per row of ``X0`` (multi-start) and return every result and the best.

    Parameters are those of :func:`gdfast.minimize` (``fun`` a built-in objective, a low-level
    function pointer, a Python callable or, with ``vectorized=True``, a vectorized one), plus

    X0 : array_like, shape (m, n)
        One starting point per row.  Never modified.
    threads : int >= 1 or None
        OpenMP threads for C-level and low-level objectives (default: all cores).  A build
        without OpenMP runs single-threaded.  Results do not depend on it.

    Built-in objectives with a block kernel (Quadratic, Himmelblau, Rastrigin) advance the
    starts in lockstep, vectorized across starts; other C-level objectives run one loop per
    start over the threads; a vectorized Python objective is called once per iteration for all
    running starts (the whole central-difference stencil in that one call, or ``(F, G)`` with
    ``jac=True``); plain Python callables run start after start.

    Returns
    -------
    OptimizeResult
        ``x`` (m, n), ``fun`` (m,), ``jac`` (m, n), ``nit`` (m,), ``status`` (m,) (codes as
        ``gdfast.Status``; a start whose f or gradient is not finite at its x0 gets status 3 or
        4 with nit 0 rather than an exception), ``success`` (m,), and the best start: ``best``
        (its row index, or -1 when no f is finite), ``x_best``, ``fun_best``.
    """
    from gdfast._adapt import make_objective
    from gdfast._result import OptimizeResult
    from gdfast._validate import (as_matrix, choice, nonneg_float, nonneg_int, positive_float,
                                  positive_int)
    X = as_matrix(X0, "X0")
    cdef Py_ssize_t m = X.shape[0], n = X.shape[1], r
    choice(method, "method", ("gd",))
    cdef lock_opts lo
    cdef gd_options opt
    memset(&opt, 0, sizeof(gd_options))       # fields added to gd_options later start at 0
    opt.lr = lo.lr = positive_float(lr, "lr")
    opt.max_iter = lo.max_iter = min(nonneg_int(max_iter, "max_iter"), _MAX_COUNT)
    opt.gtol = lo.gtol = nonneg_float(gtol, "gtol")
    opt.ftol = lo.ftol = nonneg_float(ftol, "ftol")
    opt.xtol = lo.xtol = nonneg_float(xtol, "xtol")
    opt.max_fev = 0
    opt.callback_every = 1
    opt.record_history = False
    cdef int nt
    cdef Objective obj_c, base
    if threads is None:
        nt = gd_max_threads()
    else:
        nt = min(positive_int(threads, "threads"), 4096)
    if not gd_openmp_available():
        nt = 1
    if vectorized:
        if isinstance(fun, Objective) or not callable(fun):
            raise TypeError("vectorized=True needs a Python callable fun(X) -> (m,) values")
        if not isinstance(args, tuple):
            args = (args,)
        if not (jac is None or jac is True or jac in ("central", "3-point")):
            raise ValueError("with vectorized=True, minimize_batch supports jac=None "
                             "(central differences) or jac=True only")
        if fd_step is not None:
            raise ValueError("fd_step is not supported with vectorized=True in minimize_batch")
        raw = _run_lockstep(X, lo, None, _VectorizedBlock(fun, args, jac is True), 1)
    else:
        objective, fd = make_objective(fun, n, args=args, jac=jac, fd_step=fd_step,
                                       point_name="X0's rows")
        obj_c = objective
        base = obj_c if fd is None else (<FiniteDifference>fd).inner
        if fd is None and method == "gd" and obj_c.obj.eval_block != NULL:
            raw = _run_lockstep(X, lo, objective, None, nt)
        elif obj_c.obj.parallel_safe or (fd is not None and base.obj.parallel_safe):
            if fd is None:
                objectives = [objective] * nt
            else:           # one finite-difference workspace per worker thread
                objectives = [objective]
                for r in range(nt - 1):
                    objectives.append(make_objective(fun, n, args=args, jac=jac,
                                                     fd_step=fd_step)[0])
            raw = _run_per_start(X, opt, objectives, nt)
        else:
            raw = _run_serial(X, objective, fun, n, args, jac, fd_step, opt)
    x, fval, g, nit, status, code = raw
    status = status.astype(np.int64)
    finite = np.isfinite(fval)
    best = int(np.argmin(np.where(finite, fval, np.inf))) if finite.any() else -1
    return OptimizeResult(
        x=x, fun=fval, jac=g, nit=nit, status=status, success=status == CONVERGED,
        error_code=code.astype(np.int64), best=best,
        x_best=x[best].copy() if best >= 0 else None,
        fun_best=float(fval[best]) if best >= 0 else None)


cdef _run_serial(X, objective, fun, n, args, jac, fd_step, gd_options opt):
    """Path for objectives that may raise: start after start, exceptions propagate."""
    from gdfast import _descent
    from gdfast._adapt import make_objective
    options = {"lr": opt.lr, "max_iter": opt.max_iter, "max_fev": 0, "gtol": opt.gtol,
               "ftol": opt.ftol, "xtol": opt.xtol, "callback_every": 1, "history": False}
    m = X.shape[0]
    x = np.empty_like(X)
    g = np.empty_like(X)
    fval = np.empty(m)
    nit = np.empty(m, dtype=np.int64)
    status = np.empty(m, dtype=np.intc)
    code = np.empty(m, dtype=np.intc)
    for i in range(m):
        if i > 0:
            objective = make_objective(fun, n, args=args, jac=jac, fd_step=fd_step)[0]
        raw = _descent.run(objective, X[i], options)
        x[i], g[i], fval[i] = raw["x"], raw["jac"], raw["fun"]
        nit[i], status[i], code[i] = raw["nit"], raw["status"], raw["error_code"]
    return x, fval, g, nit, status, code
