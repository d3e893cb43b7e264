"""Batch multi-start: one descent per row of X0, as lanes of THE loop, on all cores.

Design:

* The starts are cut into blocks of ``B`` lanes (``gd_lanes_per_block``); a block is one
  ``gd_state`` of THE loop (``gd_start`` and ``gd_run``, src/_descent.pyx): every update rule, step rule,
  bound and clipping option of ``minimize``, each lane stopping on its own tests and saved to
  the result rows when it stops.  Objectives with a block kernel (the built-ins Quadratic,
  Himmelblau, Rastrigin and LennardJones; vectorized Python callables) are evaluated once for all the lanes
  of a block, so that the step, the objective and the tests vectorize across starts; the
  others lane by lane.
* Blocks are the items of ``gd_parallel_items`` (gd_parallel.h): spread over OpenMP threads
  for objectives flagged ``parallel_safe`` (pure C, never raising), each worker with its own
  ``gd_state`` and finite-difference workspace; run in the calling thread otherwise (Python
  callables, Cython subclasses: their exceptions propagate, and no user code runs after the
  first).  Worker threads never take the GIL; the calling thread watches for Ctrl-C meanwhile,
  and every loop's pacer (gd_pacer.h) sees the interruption within about a millisecond.
* A lane's arithmetic is independent of the others, of its place in the block and of the
  thread that runs it: each row equals ``minimize`` from that start, whatever ``threads`` is.
"""
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy
from libc.math cimport isfinite
from libc.stdint cimport uintptr_t

cimport numpy as cnp
import numpy as np

from gdfast._objective cimport Objective, gd_objective
from gdfast._descent cimport (gd_state, gd_options, gd_lane_out, gd_lane_state, gd_history,
                              gd_state_init_lanes, gd_state_load_lanes, gd_state_free,
                              gd_start, gd_run, CONVERGED, OBJECTIVE_ERROR, CALLBACK_STOP,
                              gd_user_callback, gd_user_callback_fn,
                              gd_compiled_lanes_callback, reason_index)
from gdfast._objective cimport fresh_vector
from gdfast._fdiff cimport FiniteDifference
from gdfast._config cimport Config

from gdfast._adapt import make_objective
from gdfast._config import check_state, prepare_batch
from gdfast._descent import SUCCESS, REASON_NAMES
from gdfast._lowlevel import callback_pointer, is_low_level
from gdfast._minimize import controls
from gdfast._progress import progress_bar
from gdfast._result import History, OptimizeResult
from gdfast._validate import positive_int
from gdfast._pacer cimport (gd_clock, gd_control, gd_control_init, gd_control_finished,
                            gd_pacer_init, GD_ABORTED)
from gdfast._parallel cimport (gd_item_fn, gd_parallel_items, gd_openmp_available,
                               gd_max_threads)

cnp.import_array()

__all__ = ["minimize_batch", "openmp_available"]

cdef Py_ssize_t MAX_LANES = 256      # lanes per block at most (a multiple of the vector width)


def openmp_available():
    """Whether this build of gdfast runs batches on several threads (compiled with OpenMP)."""
    return bool(gd_openmp_available())


def default_threads():
    """The number of threads a batch uses by default (OpenMP's maximum, 1 without OpenMP)."""
    return int(gd_max_threads())


cdef Py_ssize_t gd_lanes_per_block(const gd_objective *obj, Py_ssize_t m,
                                   Py_ssize_t n) noexcept nogil:
    """Lanes of a block.  A block kernel vectorizes across lanes while a block's vectors stay
    in cache; a vectorized Python objective gets every start in one call; lane-by-lane
    objectives only gain the vectorized step, so their blocks stay small and long vectors run
    one lane at a time (no gathering)."""
    cdef Py_ssize_t B
    if obj.eval_block != NULL and obj.needs_gil:
        return m
    if obj.eval_block != NULL:
        B = 4096 // n
    else:
        B = 256 // n
    return max(1, min(MAX_LANES, m, B))


cdef Py_ssize_t gd_lanes_ld(Py_ssize_t B) noexcept nogil:
    """The leading dimension of a block of B lanes (a multiple of the vector width)."""
    return 1 if B == 1 else (B + 7) // 8 * 8


cdef struct lanes_run:
    gd_state *states                  # one per worker
    const double *X0                  # (m, n)
    Py_ssize_t m
    Py_ssize_t B
    const Py_ssize_t *rows            # NULL, or the starts in the order blocks take them
    const Py_ssize_t *blocks          # NULL (blocks of B in order), or (first, count) each
    const gd_lane_state *init         # NULL, or each start's rule state to start from


cdef int _block_item(void *ctx, Py_ssize_t k, int worker) except -1 nogil:
    """Item k of gd_parallel_items: the starts of block k, run by THE loop on the worker's
    state.  0, -1 with an exception set (only where the pacers check signals or the objective
    may raise: the calling thread), or GD_ABORTED (the run was interrupted)."""
    cdef lanes_run *r = <lanes_run *>ctx
    cdef gd_state *s = &r.states[worker]
    if r.blocks == NULL:
        gd_state_load_lanes(s, r.X0, k * r.B, min(r.B, r.m - k * r.B), r.rows, r.init)
    else:
        gd_state_load_lanes(s, r.X0, r.blocks[2 * k], r.blocks[2 * k + 1], r.rows, r.init)
    gd_start(s)
    gd_run(s)
    if s.status == OBJECTIVE_ERROR and s.error_code == GD_ABORTED:
        return GD_ABORTED
    return 0


cdef int gd_lanes_run(gd_state *states, int nt, const double *X0, Py_ssize_t m,
                      Py_ssize_t B, bint release, gd_control *control,
                      const gd_lane_state *init=NULL, const Py_ssize_t *rows=NULL,
                      const Py_ssize_t *blocks=NULL, Py_ssize_t n_blocks=0) except -1:
    """The driver of a batch: the rows of X0 (m, n) in blocks of B lanes, as items over nt
    workers, worker w running its blocks on states[w] (set up by the caller: objective,
    options, out, pacers on control).  release: run without the GIL (C-level objectives).
    init: each start's rule state to start from (lanes of a block share a step count: blocks
    then are the n_blocks (first, count) pairs of blocks over the starts in the order rows).
    0, or -1 with an exception set (the objective's, KeyboardInterrupt)."""
    cdef lanes_run run
    cdef int rc
    cdef Py_ssize_t items = n_blocks if blocks != NULL else (m + B - 1) // B
    run.states = states
    run.X0 = X0
    run.m = m
    run.B = B
    run.rows = rows
    run.blocks = blocks
    run.init = init
    if release:
        with nogil:
            rc = gd_parallel_items(<gd_item_fn>_block_item, &run, items, nt, control)
    else:
        rc = gd_parallel_items(<gd_item_fn>_block_item, &run, items, 1, control)
    if rc != 0:
        raise RuntimeError(f"gdfast: batch stopped with code {rc}")
    return 0


cdef int _lanes_callback(void *ctx, void *state) except -1 nogil:
    with gil:
        return _call_lanes_callback(<object>ctx, <gd_state *>state)


cdef int _call_lanes_callback(object callback, gd_state *s) except -1:
    """The Python callback of a batch (in the calling thread), with the block's running lanes:
    ``callback(OptimizeResult(x, fun, jac, nit, start))``, x (L, n), fun (L,), start the rows
    of X0 they run.  True (or StopIteration) stops every start; an array of L booleans stops
    those starts."""
    cdef Py_ssize_t i, j, L = s.live, n = s.n, ld = s.ld
    cdef double[:, ::1] xv, gv
    from gdfast._result import OptimizeResult
    x = np.empty((L, n))
    jac = np.empty((L, n))
    xv = x
    gv = jac
    for i in range(L):
        for j in range(n):
            xv[i, j] = s.x[j * ld + i]
            gv[i, j] = s.g[j * ld + i]
    fun = fresh_vector(L, s.f)
    start = np.array([s.lane[i] for i in range(L)], dtype=np.int64)
    try:
        answer = callback(OptimizeResult(x=x, fun=fun, jac=jac, nit=s.nit, start=start))
    except StopIteration:
        return 1
    if answer is True or answer is np.True_:
        return 1
    if answer is None or answer is False or answer is np.False_:
        return 0
    stop = np.asarray(answer)
    if stop.dtype != np.bool_ or stop.shape != (L,):
        raise TypeError(f"callback must return None, a bool, or an array of {L} booleans (one "
                        f"per start in intermediate_result.start), got {answer!r}")
    for i in range(L):
        if stop[i]:
            s.pend[i] = CALLBACK_STOP
    return 0


cdef class _LaneStates:
    """Each start's rule state as arrays (gd_lane_state points into them): a batch's state=
    or result.state."""
    cdef gd_lane_state st
    cdef readonly object m, v, w, t, lr_bb, lr_sched, k_sched, buf_ready

    def __init__(self, Py_ssize_t m, Py_ssize_t n):
        self.m = _empty(m, n, cnp.NPY_FLOAT64)
        self.v = _empty(m, n, cnp.NPY_FLOAT64)
        self.w = _empty(m, n, cnp.NPY_FLOAT64)
        self.t = _empty(m, 0, cnp.NPY_INTP)
        self.lr_bb = _empty(m, 0, cnp.NPY_FLOAT64)
        self.lr_sched = _empty(m, 0, cnp.NPY_FLOAT64)
        self.k_sched = _empty(m, 0, cnp.NPY_INTP)
        self.buf_ready = _empty(m, 0, cnp.NPY_INT)
        self.st.m = <double *>cnp.PyArray_DATA(self.m)
        self.st.v = <double *>cnp.PyArray_DATA(self.v)
        self.st.w = <double *>cnp.PyArray_DATA(self.w)
        self.st.t = <Py_ssize_t *>cnp.PyArray_DATA(self.t)
        self.st.lr_bb = <double *>cnp.PyArray_DATA(self.lr_bb)
        self.st.lr_sched = <double *>cnp.PyArray_DATA(self.lr_sched)
        self.st.k_sched = <Py_ssize_t *>cnp.PyArray_DATA(self.k_sched)
        self.st.buf_ready = <int *>cnp.PyArray_DATA(self.buf_ready)

    @staticmethod
    def of(state, Py_ssize_t m, Py_ssize_t n, double lr):
        """state= of minimize_batch: a batch's result.state (its arrays have a row per
        start), minimize's (one state, for every start) or a list of m minimize states; the
        schedule's state defaulting as minimize's (rate lr at step 0)."""
        cdef _LaneStates s = _LaneStates(m, n)
        cdef tuple vector = (m, n), scalar = (m,)
        if isinstance(state, dict) and np.ndim(state.get("t")) == 1:
            rows = {key: np.asarray(state.get(key, default)) for key, default in
                    (("t", None), ("lr_bb", None), ("buf_ready", None), ("m", None),
                     ("v", None), ("w", None), ("lr_sched", lr), ("k_sched", 0))}
            for key, arr in rows.items():
                want = vector if key in ("m", "v", "w") else scalar
                if arr.shape != want and arr.ndim != 0:
                    raise ValueError(f"state[{key!r}] must have shape {want} (a row per "
                                     f"start), got {arr.shape}")
                if arr.dtype.kind not in "biuf":
                    raise TypeError(f"state[{key!r}] must be numbers, got dtype {arr.dtype}")
            if np.any(rows["t"] < 0) or not np.all(np.isfinite(rows["lr_bb"])):
                raise ValueError("state['t'] must be >= 0 and state['lr_bb'] finite")
            for key, arr in rows.items():
                getattr(s, key)[...] = arr
            return s
        if isinstance(state, dict):
            states = [check_state(state, n)] * m
        elif isinstance(state, (list, tuple)) and len(state) == m:
            states = [check_state(d, n) for d in state]
        else:
            raise ValueError(f"state must be a result's state: a batch's, minimize's (one "
                             f"for every start), or a list of {m} of minimize's")
        for i, d in enumerate(states):
            s.m[i] = d["m"]
            s.v[i] = d["v"]
            s.w[i] = d["w"]
            s.t[i] = d["t"]
            s.lr_bb[i] = d["lr_bb"]
            s.lr_sched[i] = d.get("lr_sched", lr)
            s.k_sched[i] = d.get("k_sched", 0)
            s.buf_ready[i] = bool(d["buf_ready"])
        return s

    def arrays(self):
        """The batch's result.state: minimize's keys, each an array with a row per start."""
        return {"t": self.t, "lr_bb": self.lr_bb, "lr_sched": self.lr_sched,
                "k_sched": self.k_sched, "buf_ready": self.buf_ready.astype(bool),
                "m": self.m, "v": self.v, "w": self.w}

    def blocks(self, Py_ssize_t B):
        """(order, blocks): the starts sorted by step count and schedule state (the lanes of
        a block share them), and the (first, count) blocks of at most B over that order."""
        order = np.lexsort((self.k_sched, self.lr_sched, self.buf_ready, self.t)).astype(np.intp)
        keys = np.stack([self.t[order], self.buf_ready[order], self.k_sched[order]]).astype(float)
        change = np.flatnonzero(np.any(np.diff(keys, axis=1) != 0, axis=0)
                                | (np.diff(self.lr_sched[order]) != 0)) + 1
        edges = np.concatenate([[0], change, [len(order)]])
        blocks = [(a, min(B, b - a)) for lo, b in zip(edges[:len(edges) - 1], edges[1:])
                  for a in range(lo, b, B)]
        return order, np.array(blocks, dtype=np.intp).reshape(-1, 2)


cdef struct batch_progress:
    void *bar                         # the Bar (gdfast._progress): bar(starts finished)
    gd_control *control


cdef int _report(void *ctx) except -1 with gil:
    """A parallel batch's progress report, from the watcher (gd_control.report)."""
    cdef batch_progress *p = <batch_progress *>ctx
    (<object>p.bar)(gd_control_finished(p.control))
    return 0


cdef int _report_serial(void *ctx, void *state) except -1 nogil:
    """A block's progress report at its clock reads (gd_state.progress): only where the
    pacers run in the calling thread (a parallel run's watcher reports instead)."""
    cdef gd_state *s = <gd_state *>state
    cdef batch_progress *p = <batch_progress *>ctx
    s.progress_next = s.pacer.last + 0.1
    if p.control.pacers_check_signals:
        _report(ctx)
    return 0


def _run_lanes(const double[:, ::1] X0, Config options, list objectives, int nt,
               callback=None, _LaneStates init=None, progress=None):
    """Every row of X0 through THE loop, blocks over nt workers (objectives: one per worker),
    from each start's rule state when init is given.  ``callback``: a Python callable or a
    compiled callback's (address, user_data); ``progress``: a Bar, told the starts finished.
    Returns the per-start result arrays (the stop_reason names instead of the stop tests),
    the histories (or None), the final rule states (or
    None, for plain fixed-step descent) and, with keep_best, each start's (x_best, fun_best,
    nit_best) (or None)."""
    cdef Py_ssize_t m = X0.shape[0], n = X0.shape[1], w, ready = 0, B, ld, i
    cdef Objective first = objectives[0]
    cdef bint release = not first.obj.needs_gil
    cdef gd_control control
    cdef gd_lane_out out
    cdef _LaneStates final = None
    cdef const Py_ssize_t *rows = NULL
    cdef const Py_ssize_t *blocks = NULL
    cdef Py_ssize_t n_blocks = 0
    cdef gd_user_callback compiled
    cdef batch_progress report
    cdef double deadline = 0.0
    out.hist = NULL
    out.state = NULL
    out.x_best = NULL
    bests = None
    if options.opt.keep_best:
        bests = (_empty(m, n, cnp.NPY_FLOAT64), _empty(m, 0, cnp.NPY_FLOAT64),
                 _empty(m, 0, cnp.NPY_INTP))
        out.x_best = <double *>cnp.PyArray_DATA(bests[0])
        out.f_best = <double *>cnp.PyArray_DATA(bests[1])
        out.nit_best = <Py_ssize_t *>cnp.PyArray_DATA(bests[2])
    gd_control_init(&control)
    if progress is not None:
        report.bar = <void *>progress
        report.control = &control
        control.report = _report
        control.report_ctx = &report
    if type(callback) is tuple:
        compiled.fn = <gd_user_callback_fn><uintptr_t>callback[0]
        compiled.user_data = <void *><uintptr_t>callback[1]
    x = _empty(m, n, cnp.NPY_FLOAT64)
    jac = _empty(m, n, cnp.NPY_FLOAT64)
    fun = _empty(m, 0, cnp.NPY_FLOAT64)
    nit = _empty(m, 0, cnp.NPY_INTP)         # Py_ssize_t (int64 on 64-bit platforms)
    nfev = _empty(m, 0, cnp.NPY_INTP)
    njev = _empty(m, 0, cnp.NPY_INTP)
    status = _empty(m, 0, cnp.NPY_INT64)
    stop_test = _empty(m, 0, cnp.NPY_INT)
    reasons = _empty(m, 0, cnp.NPY_INTP)     # reason_index, then the names
    code = _empty(m, 0, cnp.NPY_INT64)
    cdef int *codes = <int *>malloc(2 * m * sizeof(int))        # status, error_code as int
    cdef gd_state *states = <gd_state *>malloc(nt * sizeof(gd_state))
    if states == NULL or codes == NULL:
        free(states)
        free(codes)
        raise MemoryError()
    out.x = <double *>cnp.PyArray_DATA(x)
    out.g = <double *>cnp.PyArray_DATA(jac)
    out.f = <double *>cnp.PyArray_DATA(fun)
    out.nit = <Py_ssize_t *>cnp.PyArray_DATA(nit)
    out.nfev = <Py_ssize_t *>cnp.PyArray_DATA(nfev)
    out.njev = <Py_ssize_t *>cnp.PyArray_DATA(njev)
    out.status = codes
    out.stop_test = <int *>cnp.PyArray_DATA(stop_test)
    out.error_code = codes + m
    B = gd_lanes_per_block(&first.obj, m, n)
    ld = gd_lanes_ld(B)
    if callback is not None:
        ld = max(ld, 8)         # the many-lane loop: its callback sees a block
    if init is not None:
        order, block_array = init.blocks(B)
        rows = <const Py_ssize_t *>cnp.PyArray_DATA(order)
        blocks = <const Py_ssize_t *>cnp.PyArray_DATA(block_array)
        n_blocks = block_array.shape[0]
    histories = None
    try:
        if options.opt.record_history:
            out.hist = <gd_history *>calloc(m, sizeof(gd_history))
            if out.hist == NULL:
                raise MemoryError()
        for w in range(nt):
            obj = <Objective>objectives[w]
            gd_state_init_lanes(&states[w], &(<Objective>obj).obj, n, ld, &options.opt)
            ready += 1
            states[w].out = &out
            if type(callback) is tuple:
                states[w].lanes_callback = gd_compiled_lanes_callback
                states[w].callback_ctx = &compiled
            elif callback is not None:
                states[w].lanes_callback = _lanes_callback
                states[w].callback_ctx = <void *>callback
            if progress is not None:
                states[w].progress = _report_serial
                states[w].progress_ctx = &report
            gd_pacer_init(&states[w].pacer, &control)
            if isinstance(obj, FiniteDifference):   # its stencils' Ctrl-C checks
                gd_pacer_init(&(<FiniteDifference>obj).data.pacer, &control)
        if not states[0].plain:
            final = _LaneStates(m, n)
            out.state = &final.st
        if options.opt.max_time > 0.0:        # from now, for every block
            deadline = gd_clock() + options.opt.max_time
            for w in range(nt):
                states[w].deadline = deadline
        gd_lanes_run(states, nt, &X0[0, 0], m, B, release, &control,
                     &init.st if init is not None else NULL, rows, blocks, n_blocks)
        for i in range(m):          # as int64, the dtype of the result's integer arrays
            (<long long *>cnp.PyArray_DATA(status))[i] = codes[i]
            (<long long *>cnp.PyArray_DATA(code))[i] = codes[m + i]
            (<Py_ssize_t *>cnp.PyArray_DATA(reasons))[i] = reason_index(
                codes[i], out.stop_test[i])
        reasons = REASON_NAMES[reasons]
        if out.hist != NULL:
            histories = [_history_arrays(&out.hist[i], n) for i in range(m)]
    finally:
        for w in range(ready):
            gd_state_free(&states[w])
        free(states)
        free(codes)
        if out.hist != NULL:
            for i in range(m):
                free(out.hist[i].x)
                free(out.hist[i].f)
                free(out.hist[i].gnorm)
            free(out.hist)
    if progress is not None:
        progress(m)
    return (x, fun, jac, nit, nfev, njev, status, reasons, code, histories,
            None if final is None else final.arrays(), bests)


cdef cnp.ndarray _empty(Py_ssize_t m, Py_ssize_t n, int typenum):
    """A new (m, n) array, or (m,) when n is 0, of the NumPy type typenum."""
    cdef cnp.npy_intp dims[2]
    dims[0] = m
    dims[1] = n
    return cnp.PyArray_EMPTY(2 if n > 0 else 1, dims, typenum, 0)


cdef tuple _history_arrays(const gd_history *h, Py_ssize_t n):
    """(x (len, n), fun, gnorm) of a start's history, as new arrays."""
    x = np.empty((h.len, n))
    fun = np.empty(h.len)
    gn = np.empty(h.len)
    if h.len > 0:
        memcpy(cnp.PyArray_DATA(x), h.x, h.len * n * sizeof(double))
        memcpy(cnp.PyArray_DATA(fun), h.f, h.len * sizeof(double))
        memcpy(cnp.PyArray_DATA(gn), h.gnorm, h.len * sizeof(double))
    return x, fun, gn


# ---- the Python entry point -----------------------------------------------------------------

def minimize_batch(fun, X0, args=(), *, jac=None, method="gd", lr=None, max_iter=10_000,
                   gtol=1e-5, ftol=0.0, xtol=0.0, max_fev=None, callback=None,
                   callback_every=1, history=False, threads=None, vectorized=False,
                   fd_step=None, step_rule=None, options=None, bounds=None, clip_norm=None,
                   clip_value=None, maximize=None, state=None, target=None, max_time=None,
                   patience=None, min_delta=None, keep_best=False, progress=False,
                   noise_stop=False, check_gradient=False, groups=None, max_step=None,
                   gnorm="max"):
    """Run one descent per row of ``X0`` (multi-start) and return every result and the best.

    Parameters are those of :func:`gdfast.minimize` (``fun`` a built-in objective, a low-level
    function pointer, a Python callable or, with ``vectorized=True``, a vectorized one; every
    ``method``, ``step_rule``, ``bounds``, clipping and ``maximize``), plus

    X0 : array_like, shape (m, n)
        One starting point per row.  Never modified.
    threads : int >= 1 or None
        OpenMP threads for C-level and low-level objectives (default: all cores).  A build
        without OpenMP runs single-threaded.  Results do not depend on it.
    callback : callable, optional
        Called every ``callback_every`` iterations, in the calling thread (the run is then on
        one thread), once per block of starts: ``callback(intermediate_result)`` with ``x``
        (L, n), ``fun`` (L,), ``jac`` (L, n) of the block's running starts, ``nit``, and
        ``start``, their rows of X0.  Return True (or raise StopIteration) to stop every
        start, an array of L booleans to stop those starts (status 99); any other exception
        reaches the caller.  A compiled callback (see :func:`gdfast.minimize`) is called for
        each running start with its own x, inside the nogil loop, on the worker threads (so it
        must be thread-safe); nonzero stops that start.
    target, max_time, patience, min_delta
        As :func:`gdfast.minimize`, per start; ``max_time`` counts from the call for all.
    keep_best : bool
        Keep each start's best iterate: ``x_best_each`` (m, n), ``fun_best_each`` (m,),
        ``nit_best_each`` (m,); the best start is then the one whose best iterate is least,
        and ``x_best``, ``fun_best``, ``nit_best`` are that iterate's.
    progress : bool or dict
        A tqdm bar of the starts finished (the ``progress`` extra); see ``minimize``.
    history : bool
        Record every start's iterates: ``result.history`` is a list of m ``History`` objects
        (``x`` (nit + 1, n), ``fun``, ``gnorm``).
    noise_stop : bool
        As minimize's, start by start: each start stops with stop_reason "noise" when its
        own finite-difference gradient is within its own error estimate (each worker thread
        has its own stencil workspace, and a verdict per start).
    check_gradient : bool or float
        As minimize's, once, at the first start (``X0[0]``, with its per-start data): the
        gradient code is the same for every start.
    state : dict or sequence of m dicts
        Continue earlier runs, with ``X0`` their ``x``: ``result.state`` of a batch, of
        ``minimize`` (for every start) or a list of m of ``minimize``'s.  Starts with
        different step counts run in different blocks.

    The starts advance as lanes of the one descent loop, in blocks: built-in objectives with a
    block kernel (Quadratic, Himmelblau, Rastrigin, LennardJones) are evaluated for a whole
    block at once, vectorized across starts; a vectorized Python objective is called once per
    iteration for all running starts (the whole central-difference stencil in that one call,
    or ``(F, G)`` with ``jac=True``); other objectives start by start.  Each row equals ``minimize`` from
    that start.

    Returns
    -------
    OptimizeResult
        ``x`` (m, n), ``fun`` (m,), ``jac`` (m, n), ``nit``, ``nfev``, ``njev``, ``status``
        (m,) (codes as ``gdfast.Status``; a start whose f or gradient is not finite at its x0
        gets status 3 or 4 with nit 0 rather than an exception), ``success`` (m,),
        ``stop_reason`` (m,) (str), ``error_code`` (m,), and the best start (the least finite
        f, the greatest with ``maximize``): ``best`` (its row index, or -1 when no f is
        finite), ``x_best``, ``fun_best``; for rules other than plain fixed-step descent
        ``state``: ``minimize``'s keys, each an array with a row per start (row i is start
        i's ``minimize`` state).
    """
    X, objective, fd, config = prepare_batch(
        fun, X0, args, jac, vectorized, fd_step, method, lr, max_iter, gtol, ftol, xtol,
        max_fev, callback_every, history, step_rule, options, bounds, clip_norm, clip_value,
        maximize, controls(target, max_time, patience, min_delta, keep_best, groups, max_step,
                     gnorm), noise_stop,
        check_gradient)
    if is_low_level(callback):
        callback = callback_pointer(callback)       # (address, user_data)
    elif callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    cdef Py_ssize_t m = X.shape[0], n = X.shape[1], r
    init = None if state is None else _LaneStates.of(state, m, n, (<Config>config).opt.lr)
    cdef int nt
    cdef Objective obj_c = objective
    cdef Objective base = obj_c if fd is None else (<FiniteDifference>fd).inner
    if threads is None:
        nt = gd_max_threads()
    else:
        nt = min(positive_int(threads, "threads"), 4096)
    if (not gd_openmp_available() or not base.obj.parallel_safe
            or (callback is not None and type(callback) is not tuple)):
        nt = 1
    nt = max(1, min(nt, m))
    if fd is None:
        objectives = [objective] * nt
    else:           # one finite-difference workspace per worker thread
        objectives = [objective]
        for r in range(nt - 1):
            objectives.append(make_objective(fun, n, args=args, jac=jac, vectorized=vectorized,
                                             fd_step=fd_step, n_starts=m,
                                             noise_stop=bool(noise_stop))[0])
    bar = None if progress is False else progress_bar(progress, m, "start", "minimize_batch")
    try:
        x, fval, g, nit, nfev, njev, status, reasons, code, histories, final, bests = \
            _run_lanes(X, config, objectives, nt, callback, init, bar)
    finally:
        if bar is not None:
            bar.close()
    cdef const double *F = <const double *>cnp.PyArray_DATA(
        fval if bests is None else bests[1])
    cdef const long long *codes = <const long long *>cnp.PyArray_DATA(status)
    cdef cnp.ndarray success = _empty(m, 0, cnp.NPY_BOOL)
    cdef Py_ssize_t best = -1
    cdef double sign = -1.0 if (<Config>config).opt.rule.maximize else 1.0
    for r in range(m):              # the least finite f, or the greatest when maximizing
        (<cnp.npy_bool *>cnp.PyArray_DATA(success))[r] = codes[r] in SUCCESS
        if isfinite(F[r]) and (best < 0 or sign * F[r] < sign * F[best]):
            best = r
    res = OptimizeResult(
        x=x, fun=fval, jac=g, nit=nit, nfev=nfev, njev=njev, status=status,
        success=success, stop_reason=reasons, error_code=code,
        best=best,
        x_best=(x if bests is None else bests[0])[best].copy() if best >= 0 else None,
        fun_best=float(F[best]) if best >= 0 else None)
    if bests is not None:
        res.nit_best = int(bests[2][best]) if best >= 0 else None
        res.x_best_each, res.fun_best_each, res.nit_best_each = bests
    if histories is not None:
        res.history = [History(*h) for h in histories]
    if final is not None:
        res.state = final
    return res

