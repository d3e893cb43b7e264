"""THE descent loop.  ``minimize``, the stepper, batch multi-start and the C API all drive it.

A run is a ``gd_state``: ``gd_state_init`` (allocate, copy x0) or ``gd_state_init_lanes`` and
``gd_state_load_lanes`` (a block of starts), ``gd_start`` (evaluate at x0), ``gd_run`` (to the
end: ``gd_iterate`` until every lane stops, then ``gd_finish``, which makes sure f is known at
the final x) or, for a stepper, ``gd_iterate(steps)`` a few steps at a time, and
``gd_state_free``.  minimize, minimize_batch's blocks and the C API's minimize all run
``gd_start`` then ``gd_run``.  The loop is nogil; it takes the GIL
only inside Python objectives and callbacks and, about every millisecond (measured by the
pacer of gd_pacer.h), to check for Ctrl-C.  The one loop (``_iterate``) is compiled once per
update kernel: the general path (``_rule_step``: line searches, Barzilai-Borwein), one fused
kernel of gd_step.h per update rule with a fixed step or a schedule, and FIRE / FIRE 2.0
(gd_fire.h; their only path: ``_fire_step``).

Iteration k (the lecture's rule): x_k = x_{k-1} - lr * grad f(x_{k-1}).  The tests, in order:
gtol on the current gradient, target on f, and (finite differences with noise_stop) the
objective's noise verdict on the gradient (gd_objective.noise_floor); max_iter, max_fev; then
after the step a non-finite f or gradient (the step is rejected, so x stays the last finite
iterate), xtol on the step, ftol on the decrease; once the step is accepted, the tracked data
(_track: the best iterate, patience, ReduceLROnPlateau's rate).  max_time is tested, and a
progress report made, at the pacer's clock reads only.  A tolerance of 0 turns its test off.
"""
from libc.math cimport fabs, fmax, isinf, isfinite, pow, sqrt, INFINITY
from libc.stdlib cimport calloc, malloc, realloc, free
from libc.stdint cimport uint64_t, uintptr_t
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from gdfast._objective cimport (Objective, gd_objective, fresh_vector, gd_eval_fn,
                                gd_step_eval_block_fn)
from gdfast._config cimport Config
from gdfast._pacer cimport (gd_clock, gd_control_count, gd_pacer_init, gd_pacer_read,
                            GD_ABORTED)
from gdfast._rules cimport (STEP_EXPONENTIAL, gd_rule, gd_rule_state, RULE_SGD, RULE_ADAM, RULE_RMSPROP,
                            RULE_ADAGRAD, RULE_FIRE, RULE_FIRE2, STEP_FIXED, STEP_ARRAY, STEP_ARMIJO, STEP_WOLFE,
                            STEP_BB1, STEP_BB2, STEP_COSINE, STEP_STEP, STEP_PLATEAU,
                            SCHEDULE_BLOCK, is_line_search, is_schedule, is_quasi_newton,
                            gd_fire_params)
from gdfast._update cimport (update_direction, apply_step, project, projected_gradient_norm,
                             gd_fixed_step, gd_effective_gradient, gd_project,
                             gd_lanes_cap_groups)
from gdfast._update cimport qn_record_len, qn_direction, qn_restart, qn_accepted
from gdfast._stepsize cimport scheduled_lr, schedule_block, bb_update, armijo_search, wolfe_search

cdef extern from "gd_step.h" nogil:
    # element-wise arithmetic on the state's own buffers, over the lanes of (n, ld) blocks:
    # cannot fail
    bint gd_all_finite(const double *v, Py_ssize_t n) noexcept
    bint gd_lanes_finite(const double *G, const double *f, Py_ssize_t n, Py_ssize_t L,
                         Py_ssize_t ld, uint64_t *acc, int *ok) noexcept
    void gd_lanes_max_abs(const double *a, const double *b, Py_ssize_t n, Py_ssize_t L,
                          Py_ssize_t ld, double *out) noexcept
    void gd_lanes_effective_gradient(const double *x, const double *g, double *gc,
                                     double clip_norm, double clip_value, double sign,
                                     double wd, Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld,
                                     double *scale) noexcept
    void gd_lanes_project(double *x, const double *lb, const double *ub, Py_ssize_t n,
                          Py_ssize_t L, Py_ssize_t ld) noexcept
    void gd_lanes_fixed_step(const double *x, const double *g, double *x_new, double lr,
                             Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld) noexcept
    void gd_momentum_step(const double *x, const double *g, double *buf, double *x_new,
                          double lr, double momentum, double dampening, int nesterov,
                          int buf_ready, Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld) noexcept
    void gd_adam_step(const double *x, const double *g, double *m, double *v, double *vmax,
                      double *x_new, double step, double beta1, double beta2,
                      double bc2_sqrt, double eps, int amsgrad, int decoupled, double decay,
                      Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld) noexcept
    void gd_rmsprop_step(const double *x, const double *g, double *v, double *w, double *buf,
                         double *x_new, double lr, double alpha, double eps, int centered,
                         double momentum, Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld) noexcept
    void gd_adagrad_step(const double *x, const double *g, double *v, double *x_new,
                         double step, double eps, Py_ssize_t n, Py_ssize_t L,
                         Py_ssize_t ld) noexcept
    void gd_lane_move(double *a, Py_ssize_t n, Py_ssize_t ld, Py_ssize_t to,
                      Py_ssize_t frm) noexcept
    void gd_lane_gather(const double *a, Py_ssize_t n, Py_ssize_t ld, Py_ssize_t i,
                        double *out) noexcept
    void gd_lane_scatter(const double *v, Py_ssize_t n, Py_ssize_t ld, Py_ssize_t i,
                         double *a) noexcept
    void gd_lanes_group_norm(const double *g, const Py_ssize_t *group_end, Py_ssize_t ng,
                             Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld, double *out,
                             double *w) noexcept

cdef extern from "gd_fire.h" nogil:
    void gd_fire_step(const gd_fire_params *p, int started, const double *x, const double *g,
                      double *v, double *x_new, double *dt, double *a, Py_ssize_t *steps,
                      Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld, double *w) noexcept
    Py_ssize_t gd_fire2_turn(const gd_fire_params *p, int started, const double *x,
                             const double *g, const double *v, double *xb, double *dt,
                             double *a, Py_ssize_t *steps, int *back, Py_ssize_t n,
                             Py_ssize_t L, Py_ssize_t ld, double *w) noexcept
    void gd_fire2_move(const gd_fire_params *p, const double *x, const double *g, double *v,
                       double *x_new, const double *dt, double *a, const Py_ssize_t *steps,
                       Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld, double *w) noexcept

cnp.import_array()

MESSAGES = {
    CONVERGED: "Optimization terminated successfully.",
    MAX_ITER: "Maximum number of iterations has been exceeded.",
    STEP_FAILED: "The step rule could not find an acceptable step.",
    NONFINITE: "The objective or its gradient became NaN; x is the last finite iterate.",
    DIVERGED: "The objective or its gradient overflowed to infinity (diverged); "
              "x is the last finite iterate.",
    OBJECTIVE_ERROR: "The C objective returned an error code.",
    MAX_FEV: "Maximum number of function evaluations has been exceeded.",
    TARGET_REACHED: "The objective reached the target value.",
    PATIENCE: "The objective did not improve by min_delta for `patience` iterations.",
    MAX_TIME: "The time limit max_time was reached.",
    CALLBACK_STOP: "`callback` raised `StopIteration` or returned True.",
    RUNNING: "Running.",
}
STOP_TESTS = {BY_GTOL: "gtol", BY_XTOL: "xtol", BY_FTOL: "ftol", BY_NOISE: "noise"}
# result.stop_reason: the test that fired, by name (CONVERGED: the tolerance's, STOP_TESTS)
STOP_REASONS = {MAX_ITER: "max_iter", STEP_FAILED: "step_failed", NONFINITE: "nonfinite",
                DIVERGED: "diverged", OBJECTIVE_ERROR: "objective_error", MAX_FEV: "max_fev",
                TARGET_REACHED: "target", PATIENCE: "patience", MAX_TIME: "max_time",
                CALLBACK_STOP: "callback", RUNNING: "running"}
# the statuses of a successful run (result.success)
SUCCESS = frozenset((CONVERGED, TARGET_REACHED, PATIENCE))

cdef Py_ssize_t RING = 10           # values of f kept for the nonmonotone line search
cdef double PROGRESS_SECONDS = 0.1  # between two progress reports


# ---- (a) pointwise / small helpers ----------------------------------------------------------

cdef inline double _max_abs(const double *v, Py_ssize_t n) noexcept nogil:
    """max_i |v_i| (NaN entries are skipped: check gd_all_finite first)."""
    cdef Py_ssize_t i
    cdef double m = 0.0, a
    for i in range(n):
        a = fabs(v[i])
        if a > m:
            m = a
    return m


cdef int _nonfinite_status(double f, bint check_f, const double *g, Py_ssize_t n,
                           Py_ssize_t ld) noexcept nogil:
    """DIVERGED if something overflowed to inf, else NONFINITE (NaN); g: a lane of a block."""
    cdef Py_ssize_t i
    if check_f and isinf(f):
        return DIVERGED
    for i in range(n):
        if isinf(g[i * ld]):
            return DIVERGED
    return NONFINITE


cdef inline Py_ssize_t _fd_count(const gd_state *s) noexcept nogil:
    return s.fev_extra[0] if s.fev_extra != NULL else 0


# ---- (b) the run ----------------------------------------------------------------------------

cdef int gd_state_init_lanes(gd_state *s, const gd_objective *obj, Py_ssize_t n,
                             Py_ssize_t ld, const gd_options *opt) except -1 nogil:
    """Allocate a run of up to ld lanes (none loaded yet: gd_state_load_lanes).  On failure
    everything is freed and -1 returned."""
    cdef Py_ssize_t per_lane_doubles = 3 + 2 + RING + 1 + 1 + 4    # ..., fire_a, fire_w
    memset_state(s)
    s.obj = obj
    s.opt = opt[0]
    s.n = n
    s.ld = ld
    s.buffer = <double *>calloc(9 * n * ld + per_lane_doubles * ld + (9 * n if ld > 1 else 0),
                                sizeof(double))
    s.ibuffer = calloc(ld, 5 * sizeof(Py_ssize_t) + sizeof(void *) + 3 * sizeof(int) + 8)
    if s.buffer == NULL or s.ibuffer == NULL:
        gd_state_free(s)
        with gil:
            raise MemoryError("gdfast: cannot allocate the descent state")
    s.x = s.buffer
    s.g = s.buffer + n * ld
    s.x_new = s.buffer + 2 * n * ld
    s.g_new = s.buffer + 3 * n * ld
    s.rs.m = s.buffer + 4 * n * ld
    s.rs.v = s.buffer + 5 * n * ld
    s.rs.w = s.buffer + 6 * n * ld
    s.rs.d = s.buffer + 7 * n * ld
    s.rs.gc = s.buffer + 8 * n * ld
    s.f = s.buffer + 9 * n * ld
    s.f_new = s.f + ld
    s.gnorm = s.f_new + ld
    s.scratch = s.gnorm + ld                     # 2 ld doubles
    s.bb_lr = s.scratch + 2 * ld
    s.bb_recent = s.bb_lr + ld
    s.fire_a = s.bb_recent + RING * ld
    s.fire_w = s.fire_a + ld                     # 4 ld doubles
    s.lane_buf = s.fire_w + 4 * ld if ld > 1 else NULL
    s.nfev = <Py_ssize_t *>s.ibuffer
    s.njev = s.nfev + ld
    s.lane = s.njev + ld
    s.bb_count = s.lane + ld
    s.fire_n = s.bb_count + ld
    s.lane_ctx = <void **>(s.fire_n + ld)
    s.pend = <int *>(s.lane_ctx + ld)
    s.pend_aux = s.pend + ld
    s.fire_back = s.pend_aux + ld
    s.fev_extra = obj.own_fev
    s.plain = _is_plain(&opt.rule)
    s.fused = opt.fused
    # f at every iterate, so that a divergence is caught at the first infinite value; only
    # objectives whose value costs extra work skip it when no test needs it: finite
    # differences (an extra call; their gradient already turns non-finite when f does at a
    # stencil point) and Logistic without penalty (a log1p per row; its gradient is bounded)
    s.tracking = opt.keep_best or opt.patience > 0 or opt.rule.step == STEP_PLATEAU
    s.need_f = (opt.ftol > 0.0 or opt.record_history or obj.has_value_with_gradient
                or is_line_search(&opt.rule)         # line searches and BB need f
                or s.tracking or opt.has_target      # so do the tests on f
                or (ld > 1 and obj.eval_block != NULL))   # a block kernel gives it anyway
    if s.tracking and _track_alloc(s) != 0:
        gd_state_free(s)
        with gil:
            raise MemoryError("gdfast: cannot allocate the descent state")
    if _qn_alloc(s) != 0:
        gd_state_free(s)
        with gil:
            raise MemoryError("gdfast: cannot allocate the descent state")
    gd_pacer_init(&s.pacer, NULL)
    return 0


cdef int _qn_alloc(gd_state *s) noexcept nogil:
    """Nonlinear CG and L-BFGS: a memory record per lane (qn_record_len), zeroed (a fresh
    start); rs.qn at lane 0's.  0 (also for the rules that keep none), or 1 when out of
    memory."""
    s.rs.qn_len = qn_record_len(&s.opt.rule, s.n)
    s.rs.qn = NULL
    if s.rs.qn_len == 0:
        return 0
    s.qn_buf = <double *>calloc(s.ld * s.rs.qn_len, sizeof(double))
    if s.qn_buf == NULL:
        return 1
    s.rs.qn = s.qn_buf
    return 0


cdef int _track_alloc(gd_state *s) noexcept nogil:
    """The tracked per-lane data (_track): x_best (keep_best), f_best, plat_best, then the
    counters.  0, or 1 when out of memory."""
    cdef Py_ssize_t ld = s.ld, nb = s.n * ld if s.opt.keep_best else 0
    cdef double *d = <double *>calloc(nb + 2 * ld, sizeof(double))
    cdef Py_ssize_t *c = <Py_ssize_t *>calloc(4 * ld, sizeof(Py_ssize_t))
    if d == NULL or c == NULL:
        free(d)
        free(c)
        return 1
    s.track = d
    s.x_best = d if nb > 0 else NULL
    s.f_best = d + nb
    s.plat_best = s.f_best + ld
    s.nit_best = c
    s.stall = c + ld
    s.plat_bad = c + 2 * ld
    s.plat_cool = c + 3 * ld
    return 0


cdef void gd_state_load_lanes(gd_state *s, const double *X0, Py_ssize_t first,
                              Py_ssize_t count, const Py_ssize_t *rows,
                              const gd_lane_state *init) noexcept nogil:
    """Lanes 0 .. count - 1 start from the starts first .. first + count - 1 (rows NULL), or
    rows[first] .. rows[first + count - 1]: from their rows of X0 (m, n), a fresh run
    (counters; the rule state fresh too, or the starts' own from init, whose step counts and
    schedule states must then be the same), in buffers allocated by gd_state_init_lanes."""
    cdef Py_ssize_t i, j, r, n = s.n, ld = s.ld
    for i in range(count):
        r = rows[first + i] if rows != NULL else first + i
        for j in range(n):
            s.x[j * ld + i] = X0[r * n + j]
        s.lane[i] = r
        s.lane_ctx[i] = (s.obj.start_ctx(s.obj.ctx, r) if s.obj.start_ctx != NULL
                         else s.obj.ctx)
        s.nfev[i] = 0
        s.njev[i] = 0
        s.f[i] = 0.0
        s.gnorm[i] = 0.0
        s.bb_lr[i] = s.opt.lr
        s.bb_count[i] = 0
        s.fire_a[i] = s.opt.rule.fire.a0
        s.fire_n[i] = 0
        s.pend[i] = RUNNING
    s.nfev_all = 0
    s.njev_all = 0
    for j in range(5 * n * ld):
        s.rs.m[j] = 0.0                          # m, v, w, d, gc
    if s.opt.rule.update == RULE_ADAGRAD:
        for j in range(n * ld):
            s.rs.v[j] = s.opt.rule.init_acc
    if s.qn_buf != NULL:                         # CG / L-BFGS: every lane's memory fresh
        for j in range(ld * s.rs.qn_len):
            s.qn_buf[j] = 0.0
    s.live = count
    s.nit = 0
    s.f_known = False
    s.prev_valid = False
    s.status = RUNNING
    s.stop_test = BY_NONE
    s.error_code = 0
    s.rs.t = 0
    s.rs.lr_sched = s.opt.lr
    s.rs.k_sched = 0
    s.rs.lr_bb = s.opt.lr
    s.rs.buf_ready = False
    s.rs.n_recent = 0
    s.rs.step_start = 0
    s.rs.step_next = 0
    s.rs.cos_anchor = -1
    s.rs.cos_len = 0
    s.rs.cos_base = -1
    if init != NULL and count > 0:
        for i in range(count):
            r = rows[first + i] if rows != NULL else first + i
            for j in range(n):
                s.rs.m[j * ld + i] = init.m[r * n + j]
                s.rs.v[j * ld + i] = init.v[r * n + j]
                s.rs.w[j * ld + i] = init.w[r * n + j]
            s.bb_lr[i] = init.lr_bb[r]
        r = rows[first] if rows != NULL else first
        s.rs.t = init.t[r]
        s.rs.lr_sched = init.lr_sched[r]
        s.rs.k_sched = init.k_sched[r]
        s.rs.lr_bb = init.lr_bb[r]
        s.rs.buf_ready = init.buf_ready[r] != 0


cdef int gd_state_init(gd_state *s, const gd_objective *obj, Py_ssize_t n, const double *x0,
                       const gd_options *opt) except -1 nogil:
    """Set up a run of one lane from x0 (copied).  On failure everything is freed and -1
    returned."""
    gd_state_init_lanes(s, obj, n, 1, opt)
    gd_state_load_lanes(s, x0, 0, 1, NULL, NULL)
    if opt.record_history:
        s.hist_cap = 64
        if opt.max_iter + 1 < s.hist_cap:
            s.hist_cap = opt.max_iter + 1
        if _history_reserve(s, s.hist_cap) != 0:
            gd_state_free(s)
            with gil:
                raise MemoryError("gdfast: cannot allocate the history")
    return 0


cdef bint _is_plain(const gd_rule *r) noexcept nogil:
    """The lecture's rule, x - lr g, with nothing added (a run that keeps no rule state)."""
    return (r.update == RULE_SGD and r.momentum == 0.0 and r.weight_decay == 0.0
            and not r.maximize and r.step == STEP_FIXED and r.lb == NULL
            and r.clip_norm == 0.0 and r.clip_value == 0.0)


cdef bint _is_fast(const gd_rule *r) noexcept nogil:
    """An update rule with a fixed step or a schedule: a fused kernel (the line searches and
    Barzilai-Borwein take the general one)."""
    return is_schedule(r)


cdef bint _rewrites_gradient(const gd_rule *r) noexcept nogil:
    """The update rule sees another vector than g: clipped, negated (maximize), plus L2
    weight decay (AdamW's decoupled decay is the Adam kernel's)."""
    return (r.clip_norm > 0.0 or r.clip_value > 0.0 or r.maximize
            or (r.weight_decay != 0.0 and not r.decoupled_wd))


# ---- the step kernels: the loop is compiled once per kernel (a fused type of empty tags, as
# C++ libraries such as ensmallen make the update policy a template parameter), so that the
# choice of rule costs nothing per iteration.  general_kernel runs _rule_step (any rule, lane
# by lane); the others are the fused kernels of gd_step.h for a rule that _is_fast, over all
# lanes at once.

cdef struct general_kernel:
    char _unused
cdef struct sgd_kernel:             # x - lr g (the lecture's rule), lr fixed or scheduled
    char _unused
cdef struct blocked_sgd_kernel:     # the same, the rates from blocks (_blocked_schedule)
    char _unused
cdef struct momentum_kernel:
    char _unused
cdef struct adam_kernel:
    char _unused
cdef struct rmsprop_kernel:
    char _unused
cdef struct adagrad_kernel:
    char _unused
cdef struct fire_kernel:            # FIRE and FIRE 2.0 (_fire_step)
    char _unused

ctypedef fused kernel:
    general_kernel
    sgd_kernel
    blocked_sgd_kernel
    momentum_kernel
    adam_kernel
    rmsprop_kernel
    adagrad_kernel
    fire_kernel


# ---- the lane modes: one lane (its scalars in the loop's locals) or a block of them
cdef struct one_lane:
    char _unused
cdef struct many_lanes:
    char _unused

ctypedef fused lanes:
    one_lane
    many_lanes


cdef struct step_sizes:
    double lr           # the schedule's rate for the step
    double step         # lr / divisor (Adam: 1 - beta1^t; Adagrad: 1 + (t - 1) lr_decay)
    double bc2_sqrt     # Adam: sqrt(1 - beta2^t)


cdef inline bint _blocked_schedule(const gd_rule *r) noexcept nogil:
    """Plain descent takes the rates of these schedules from blocks (schedule_block): per
    step a load instead of the schedule's arithmetic and the branches to it.  The other
    kernels do far more per step, and InverseTimeLR's division and ExponentialLR's product
    are as cheap inline."""
    return r.step == STEP_COSINE or r.step == STEP_STEP or r.step == STEP_ARRAY


cdef inline double _next_rate(const gd_rule *r, gd_rule_state *st, double lr0,
                              double prev, Py_ssize_t t) noexcept nogil:
    """The schedule's rate for update step t, prev being that of step t - 1: for
    ExponentialLR prev * gamma, the product scheduled_lr continues, with no loop."""
    if r.step == STEP_EXPONENTIAL:
        return prev * r.gamma
    return scheduled_lr(r, st, lr0, t)


cdef inline void _step_sizes(kernel *k, const gd_rule *r, double lr, Py_ssize_t t,
                             step_sizes *out) noexcept nogil:
    """The step sizes of update step t (0-based) at the schedule's rate lr, as _rule_step and
    update_direction compute them.  The loop computes them one step ahead, so that their libm
    calls (pow, cos) overlap the objective's evaluation."""
    out.lr = lr
    if kernel is adam_kernel:
        out.step = lr / (1.0 - pow(r.beta1, <double>(t + 1)))
        out.bc2_sqrt = sqrt(1.0 - pow(r.beta2, <double>(t + 1)))
    elif kernel is adagrad_kernel:
        out.step = lr / (1.0 + t * r.lr_decay)
    else:
        out.step = lr           # lr / 1.0


cdef inline void _kernel_step(kernel *k, gd_rule_state *st, const gd_rule *r,
                              const step_sizes *sc, Py_ssize_t n, Py_ssize_t L, Py_ssize_t ld,
                              const double *x, const double *g, double *x_new) noexcept nogil:
    """x_new by a fused kernel for the lanes 0 .. L - 1, step sizes sc from _step_sizes: the
    arithmetic of _rule_step (update_direction, then apply_step) in one pass, the same bits."""
    if kernel is sgd_kernel or kernel is blocked_sgd_kernel:
        gd_lanes_fixed_step(x, g, x_new, sc.step, n, L, ld)
    elif kernel is momentum_kernel:
        gd_momentum_step(x, g, st.m, x_new, sc.step, r.momentum, r.dampening, r.nesterov,
                         st.buf_ready, n, L, ld)
        st.buf_ready = True
    elif kernel is adam_kernel:
        gd_adam_step(x, g, st.m, st.v, st.w, x_new, sc.step, r.beta1, r.beta2, sc.bc2_sqrt,
                     r.eps, r.amsgrad, r.decoupled_wd,
                     1.0 - sc.lr * r.weight_decay if r.decoupled_wd else 1.0, n, L, ld)
    elif kernel is rmsprop_kernel:
        gd_rmsprop_step(x, g, st.v, st.w, st.m, x_new, sc.step, r.alpha, r.eps, r.centered,
                        r.momentum, n, L, ld)
    elif kernel is adagrad_kernel:
        gd_adagrad_step(x, g, st.v, x_new, sc.step, r.eps, n, L, ld)


cdef inline void _gradient_norms(const gd_state *s, const double *x, const double *g,
                                 Py_ssize_t L, double *out) noexcept nogil:
    """out[i] = max_j |g_j| of lane i (projected onto the bounds), or with gnorm_group the
    largest 2-norm of a group of it, for the lanes i < L."""
    cdef Py_ssize_t i
    cdef const gd_rule *r = &s.opt.rule
    if r.lb == NULL and r.gnorm_group:
        gd_lanes_group_norm(g, r.group_end, r.n_groups, s.n, L, s.ld, out, s.fire_w)
    elif r.lb == NULL:
        if s.ld == 1:
            out[0] = _max_abs(g, s.n)
        else:
            gd_lanes_max_abs(g, NULL, s.n, L, s.ld, out)
    elif s.ld == 1:
        out[0] = projected_gradient_norm(&s.opt.rule, s.n, x, g)
    else:
        for i in range(L):
            gd_lane_gather(x, s.n, s.ld, i, s.lane_buf)
            gd_lane_gather(g, s.n, s.ld, i, s.lane_buf + s.n)
            out[i] = projected_gradient_norm(&s.opt.rule, s.n, s.lane_buf, s.lane_buf + s.n)


cdef void memset_state(gd_state *s) noexcept nogil:
    s.buffer = NULL
    s.ibuffer = NULL
    s.hist_x = NULL
    s.hist_f = NULL
    s.hist_gnorm = NULL
    s.hist_len = 0
    s.hist_cap = 0
    s.callback = NULL
    s.lanes_callback = NULL
    s.callback_ctx = NULL
    s.fev_extra = NULL
    s.out = NULL
    s.live = 0                  # no lanes until gd_state_load_lanes
    s.track = NULL
    s.x_best = NULL
    s.deadline = 0.0
    s.progress = NULL
    s.progress_ctx = NULL
    s.progress_next = 0.0
    s.qn_buf = NULL
    s.rs.qn = NULL
    s.rs.qn_len = 0


cdef void gd_state_free(gd_state *s) noexcept nogil:
    free(s.buffer)
    free(s.ibuffer)
    if s.track != NULL:
        free(s.track)
        free(s.nit_best)
        s.track = NULL
    free(s.hist_x)
    free(s.hist_f)
    free(s.hist_gnorm)
    free(s.qn_buf)
    s.qn_buf = NULL
    s.rs.qn = NULL
    s.buffer = NULL
    s.ibuffer = NULL
    s.hist_x = NULL
    s.hist_f = NULL
    s.hist_gnorm = NULL


cdef int _history_reserve(gd_state *s, Py_ssize_t cap) noexcept nogil:
    """Grow the history buffers to cap entries; 0 or 1 (out of memory, buffers intact)."""
    cdef double *p
    p = <double *>realloc(s.hist_x, cap * s.n * sizeof(double))
    if p == NULL:
        return 1
    s.hist_x = p
    p = <double *>realloc(s.hist_f, cap * sizeof(double))
    if p == NULL:
        return 1
    s.hist_f = p
    p = <double *>realloc(s.hist_gnorm, cap * sizeof(double))
    if p == NULL:
        return 1
    s.hist_gnorm = p
    s.hist_cap = cap
    return 0


cdef int _history_record(gd_state *s) except -1 nogil:
    """The current iterate of every running lane into its history: the run's own for one lane
    in place, else each start's (s.out.hist)."""
    cdef Py_ssize_t i, j, n = s.n, ld = s.ld, cap
    cdef gd_history *h
    cdef double *p
    if s.out != NULL:
        if s.out.hist == NULL:
            return 0
        for i in range(s.live):
            h = &s.out.hist[s.lane[i]]
            if h.len == h.cap:
                cap = 2 * h.cap if h.cap > 0 else 16
                p = <double *>realloc(h.x, cap * n * sizeof(double))
                if p != NULL:
                    h.x = p
                    p = <double *>realloc(h.f, cap * sizeof(double))
                if p != NULL:
                    h.f = p
                    p = <double *>realloc(h.gnorm, cap * sizeof(double))
                if p == NULL:
                    with gil:
                        raise MemoryError("gdfast: cannot grow a history")
                h.gnorm = p
                h.cap = cap
            for j in range(n):
                h.x[h.len * n + j] = s.x[j * ld + i]
            h.f[h.len] = s.f[i]
            h.gnorm[h.len] = s.gnorm[i]
            h.len += 1
        return 0
    if s.hist_len == s.hist_cap:
        if _history_reserve(s, 2 * s.hist_cap) != 0:
            with gil:
                raise MemoryError("gdfast: cannot grow the history")
    memcpy(s.hist_x + s.hist_len * s.n, s.x, s.n * sizeof(double))
    s.hist_f[s.hist_len] = s.f[0]
    s.hist_gnorm[s.hist_len] = s.gnorm[0]
    s.hist_len += 1
    return 0


cdef int _eval_lanes(gd_state *s, const double *X, double *F, double *G, Py_ssize_t L,
                     bint pending) except -1 nogil:
    """f (when F is not NULL) and grad f at the lanes i < L of X whose pend[i] is RUNNING,
    counted per lane (pending: some lane's pend is already set).  A lane whose evaluation
    returns an error code gets pend OBJECTIVE_ERROR with the code.  0 (every lane still
    RUNNING), 1 (some lane is not), or -1 with an exception set."""
    cdef const gd_objective *obj = s.obj
    cdef Py_ssize_t i, n = s.n, ld = s.ld, before
    cdef int flagged
    cdef double *xl
    cdef double *gl
    cdef int rc
    if ld == 1:
        before = _fd_count(s)
        rc = obj.eval(s.lane_ctx[0], n, X, F, G)
        s.nfev[0] += (F != NULL) + _fd_count(s) - before
        s.njev[0] += 1
        if rc != 0:
            s.pend[0] = OBJECTIVE_ERROR
            s.pend_aux[0] = rc
            return 1
        return 0
    if obj.eval_block != NULL and not pending:
        before = _fd_count(s)
        rc = obj.eval_block(obj.ctx, L, n, ld, X, F if F != NULL else s.scratch, G, s.lane)
        # the same for every running lane: a lane's stencil, its value included; or the value
        if s.fev_extra != NULL:
            s.nfev_all += (_fd_count(s) - before) // L
        elif F != NULL:
            s.nfev_all += 1
        s.njev_all += 1
        return _block_failed(s, L, rc) if rc != 0 else 0
    xl = s.lane_buf
    gl = s.lane_buf + n
    flagged = 0
    for i in range(L):
        if s.pend[i] != RUNNING:
            flagged = 1
            continue
        gd_lane_gather(X, n, ld, i, xl)
        before = _fd_count(s)
        rc = obj.eval(s.lane_ctx[i], n, xl, &F[i] if F != NULL else NULL, gl)
        s.nfev[i] += (F != NULL) + _fd_count(s) - before
        s.njev[i] += 1
        if rc != 0:
            s.pend[i] = OBJECTIVE_ERROR
            s.pend_aux[i] = rc
            flagged = 1
        else:
            gd_lane_scatter(gl, n, ld, i, G)
    return flagged


cdef int _step_eval_lanes(gd_state *s, gd_step_eval_block_fn step_eval, double step,
                          const double *X, const double *D, double *Xn, double *F, double *G,
                          Py_ssize_t L, int *all_finite) except -1 nogil:
    """The block's step and evaluation in one call (gd_step_eval_block_fn; D NULL: the
    evaluation at Xn alone), counted as _eval_lanes counts a block's.  0, 1 (the objective
    returned an error code: every lane's pend is set), or -1 with an exception set."""
    cdef int rc = step_eval(s.obj.ctx, L, s.n, s.ld, step, X, D, Xn, F, G, all_finite)
    s.nfev_all += F != NULL
    s.njev_all += 1
    return _block_failed(s, L, rc) if rc != 0 else 0


cdef inline int _block_failed(gd_state *s, Py_ssize_t L, int rc) noexcept nogil:
    """A block evaluation's error code rc as the pending status of its L lanes: 1."""
    cdef Py_ssize_t i
    for i in range(L):
        s.pend[i] = OBJECTIVE_ERROR
        s.pend_aux[i] = rc
    return 1


cdef int _values_lanes(gd_state *s, const double *X, double *F, Py_ssize_t L) except -1 nogil:
    """f alone at the lanes i < L of X, counted: one eval_many call for them all when the
    objective has it, else lane by lane.  A lane whose evaluation returns an error code gets
    pend OBJECTIVE_ERROR with the code.  0, or -1 with an exception set."""
    cdef const gd_objective *obj = s.obj
    cdef Py_ssize_t i, j, n = s.n, ld = s.ld, before
    cdef double *rows
    cdef int rc
    if obj.eval_many != NULL:
        rows = <double *>malloc(L * n * sizeof(double))
        if rows == NULL:
            with gil:
                raise MemoryError()
        try:
            for i in range(L):
                for j in range(n):
                    rows[i * n + j] = X[j * ld + i]
            rc = obj.eval_many(obj.ctx, L, n, rows, F, s.lane)
        finally:
            free(rows)
        for i in range(L):
            s.nfev[i] += 1
            if rc != 0:
                s.pend[i] = OBJECTIVE_ERROR
                s.pend_aux[i] = rc
        return 0
    for i in range(L):
        gd_lane_gather(X, n, ld, i, s.lane_buf)
        before = _fd_count(s)
        rc = obj.eval(s.lane_ctx[i], n, s.lane_buf, &F[i], NULL)
        s.nfev[i] += 1 + _fd_count(s) - before
        if rc != 0:
            s.pend[i] = OBJECTIVE_ERROR
            s.pend_aux[i] = rc
    return 0


cdef int _finish_lane(gd_state *s, Py_ssize_t i, bint prev_ok, double *f_out,
                      Py_ssize_t *nit_out) except -1 nogil:
    """Lane i's final f, known: evaluated at its x when the loop did not (finite-difference
    objectives); should it not be finite there, the lane falls back to the iterate before
    (its column of x_new) when prev_ok, its x and g columns taking that iterate.  Sets the
    lane's status when its f is not finite.  0, or -1 with an exception set."""
    cdef const gd_objective *obj = s.obj
    cdef Py_ssize_t n = s.n, ld = s.ld, j, before
    cdef double *xl = s.x if ld == 1 else s.lane_buf
    cdef double f = s.f[i]
    cdef int rc
    nit_out[0] = s.nit
    if s.f_known or s.pend[i] == OBJECTIVE_ERROR:
        f_out[0] = f
        return 0
    if ld > 1:
        gd_lane_gather(s.x, n, ld, i, xl)
    before = _fd_count(s)
    rc = obj.eval(s.lane_ctx[i], n, xl, &f, NULL)
    s.nfev[i] += 1 + _fd_count(s) - before
    f_out[0] = f
    if rc != 0:
        s.pend[i] = OBJECTIVE_ERROR
        s.pend_aux[i] = rc
        return 0
    if f * 0.0 == 0.0:
        return 0
    s.pend[i] = DIVERGED if isinf(f) else NONFINITE
    if s.nit > 0 and prev_ok:
        for j in range(n):                       # the iterate before, back into x and g
            s.x[j * ld + i] = s.x_new[j * ld + i]
            s.g[j * ld + i] = s.g_new[j * ld + i]
        nit_out[0] = s.nit - 1
        if ld > 1:
            gd_lane_gather(s.x, n, ld, i, xl)
        before = _fd_count(s)
        rc = obj.eval(s.lane_ctx[i], n, xl, f_out, NULL)
        s.nfev[i] += 1 + _fd_count(s) - before
        if rc != 0:
            s.pend[i] = OBJECTIVE_ERROR
            s.pend_aux[i] = rc
    return 0


cdef int _retire(gd_state *s, Py_ssize_t i, bint prev_ok) except -1 nogil:
    """Lane i stops with its pend status: saved to s.out (finished first) when there is one,
    then the last running lane takes its place.  0, or -1 with an exception set."""
    cdef const gd_lane_out *o = s.out
    cdef Py_ssize_t n = s.n, ld = s.ld, row, j, last = s.live - 1, nit
    cdef double f
    cdef int status
    if o != NULL:
        _finish_lane(s, i, prev_ok, &f, &nit)
        row = s.lane[i]
        status = s.pend[i]
        for j in range(n):
            o.x[row * n + j] = s.x[j * ld + i]
            o.g[row * n + j] = s.g[j * ld + i]
        o.f[row] = f
        o.nit[row] = nit
        o.nfev[row] = s.nfev[i] + s.nfev_all
        o.njev[row] = s.njev[i] + s.njev_all
        o.status[row] = status
        o.stop_test[row] = s.pend_aux[i] if status == CONVERGED else BY_NONE
        o.error_code[row] = s.pend_aux[i] if status == OBJECTIVE_ERROR else 0
        if o.x_best != NULL:
            for j in range(n):
                o.x_best[row * n + j] = s.x_best[j * ld + i]
            o.f_best[row] = s.f_best[i]
            o.nit_best[row] = s.nit_best[i]
        if o.state != NULL:                     # the lane's rule state, as minimize saves it
            for j in range(n):
                o.state.m[row * n + j] = s.rs.m[j * ld + i]
                o.state.v[row * n + j] = s.rs.v[j * ld + i]
                o.state.w[row * n + j] = s.rs.w[j * ld + i]
            o.state.t[row] = s.rs.t
            o.state.lr_bb[row] = s.bb_lr[i] if ld > 1 else s.rs.lr_bb
            o.state.lr_sched[row] = s.rs.lr_sched
            o.state.k_sched[row] = s.rs.k_sched
            o.state.buf_ready[row] = s.rs.buf_ready
        if s.pacer.control != NULL:             # a batch's progress: one more start done
            gd_control_count(s.pacer.control, 1)
    s.status = s.pend[i]
    s.stop_test = s.pend_aux[i] if s.status == CONVERGED else BY_NONE
    s.error_code = s.pend_aux[i] if s.status == OBJECTIVE_ERROR else 0
    if i != last:
        gd_lane_move(s.x, n, ld, i, last)
        gd_lane_move(s.g, n, ld, i, last)
        gd_lane_move(s.x_new, n, ld, i, last)
        gd_lane_move(s.g_new, n, ld, i, last)
        gd_lane_move(s.rs.m, n, ld, i, last)
        gd_lane_move(s.rs.v, n, ld, i, last)
        gd_lane_move(s.rs.w, n, ld, i, last)
        s.f[i] = s.f[last]
        s.f_new[i] = s.f_new[last]
        s.gnorm[i] = s.gnorm[last]
        s.nfev[i] = s.nfev[last]
        s.njev[i] = s.njev[last]
        s.lane[i] = s.lane[last]
        s.lane_ctx[i] = s.lane_ctx[last]
        s.pend[i] = s.pend[last]
        s.pend_aux[i] = s.pend_aux[last]
        s.bb_lr[i] = s.bb_lr[last]
        s.bb_count[i] = s.bb_count[last]
        s.fire_a[i] = s.fire_a[last]
        s.fire_n[i] = s.fire_n[last]
        memcpy(s.bb_recent + i * RING, s.bb_recent + last * RING, RING * sizeof(double))
        if s.tracking:
            _track_move(s, i, last)
        if s.qn_buf != NULL:                    # CG / L-BFGS: the lane's memory with it
            memcpy(s.qn_buf + i * s.rs.qn_len, s.qn_buf + last * s.rs.qn_len,
                   s.rs.qn_len * sizeof(double))
    s.live -= 1
    return 0


cdef int _retire_all(gd_state *s, int status, int aux, bint prev_ok) except -1 nogil:
    cdef Py_ssize_t i
    for i in range(s.live - 1, -1, -1):
        s.pend[i] = status
        s.pend_aux[i] = aux
        _retire(s, i, prev_ok)
    return 0


cdef int _retire_pending(gd_state *s, bint prev_ok) except -1 nogil:
    """Every lane whose pend is not RUNNING stops (last lanes first: each takes the place of
    one already seen)."""
    cdef Py_ssize_t i
    for i in range(s.live - 1, -1, -1):
        if s.pend[i] != RUNNING:
            _retire(s, i, prev_ok)
    return 0


# ---- tracking: the best iterate, patience and ReduceLROnPlateau, per lane ------------------

cdef void _track_start(gd_state *s, Py_ssize_t L) noexcept nogil:
    """The tracked data of lanes i < L at their starting points (f known)."""
    cdef Py_ssize_t i, j, n = s.n, ld = s.ld
    cdef double worst = -INFINITY if s.opt.rule.maximize else INFINITY
    for i in range(L):
        s.f_best[i] = s.f[i]
        s.nit_best[i] = s.nit
        s.stall[i] = 0
        s.plat_best[i] = worst          # torch's: the first value is an improvement
        s.plat_bad[i] = 0
        s.plat_cool[i] = 0
        if s.x_best != NULL:
            for j in range(n):
                s.x_best[j * ld + i] = s.x[j * ld + i]


cdef void _track_move(gd_state *s, Py_ssize_t to, Py_ssize_t frm) noexcept nogil:
    if s.x_best != NULL:
        gd_lane_move(s.x_best, s.n, s.ld, to, frm)
    s.f_best[to] = s.f_best[frm]
    s.nit_best[to] = s.nit_best[frm]
    s.stall[to] = s.stall[frm]
    s.plat_best[to] = s.plat_best[frm]
    s.plat_bad[to] = s.plat_bad[frm]
    s.plat_cool[to] = s.plat_cool[frm]


cdef bint _track(gd_state *s, const double *x, const double *F, Py_ssize_t L,
                 Py_ssize_t nit) noexcept nogil:
    """After iteration nit, at the accepted points x (n, ld) with values F, for the lanes
    i < L: the best iterate so far (a copy only when f improves), the patience counters
    (scikit-learn's n_iter_no_change, Keras' min_delta) and ReduceLROnPlateau.  A running lane
    out of patience gets pend PATIENCE; returns whether one did."""
    cdef const gd_options *o = &s.opt
    cdef double sign = -1.0 if o.rule.maximize else 1.0, fi, best
    cdef Py_ssize_t i, j, n = s.n, ld = s.ld
    cdef bint stopped = False
    for i in range(L):
        fi = sign * F[i]
        best = sign * s.f_best[i]
        if o.patience > 0:
            if fi < best - o.min_delta:
                s.stall[i] = 0
            else:
                s.stall[i] += 1
                if s.stall[i] >= o.patience and s.pend[i] == RUNNING:
                    s.pend[i] = PATIENCE
                    stopped = True
        if fi < best:
            s.f_best[i] = F[i]
            s.nit_best[i] = nit
            if s.x_best != NULL:
                for j in range(n):
                    s.x_best[j * ld + i] = x[j * ld + i]
        if o.rule.step == STEP_PLATEAU:
            _plateau(s, i, F[i])
    return stopped


cdef inline void _plateau(gd_state *s, Py_ssize_t i, double f) noexcept nogil:
    """torch.optim.lr_scheduler.ReduceLROnPlateau.step(f) for lane i, whose rate is
    s.rs.lr_bb (one lane) or s.bb_lr[i] (the rate the general kernel steps with)."""
    cdef const gd_rule *r = &s.opt.rule
    cdef double best = s.plat_best[i], lr, new_lr
    cdef bint better
    if r.maximize:
        better = f > (best * (1.0 + r.plateau_threshold) if r.plateau_rel
                      else best + r.plateau_threshold)
    else:
        better = f < (best * (1.0 - r.plateau_threshold) if r.plateau_rel
                      else best - r.plateau_threshold)
    if better:
        s.plat_best[i] = f
        s.plat_bad[i] = 0
    else:
        s.plat_bad[i] += 1
    if s.plat_cool[i] > 0:              # bad iterations in cooldown do not count
        s.plat_cool[i] -= 1
        s.plat_bad[i] = 0
    if s.plat_bad[i] > r.plateau_patience:
        lr = s.rs.lr_bb if s.ld == 1 else s.bb_lr[i]
        new_lr = fmax(lr * r.plateau_factor, r.plateau_min_lr)
        if lr - new_lr > r.plateau_eps:
            if s.ld == 1:
                s.rs.lr_bb = new_lr
            else:
                s.bb_lr[i] = new_lr
        s.plat_cool[i] = r.plateau_cooldown
        s.plat_bad[i] = 0


cdef int gd_start(gd_state *s) except -1 nogil:
    """Evaluate f and its gradient at the starting points.  A lane whose value is not finite
    there stops with NONFINITE or DIVERGED at nit 0 (for one lane, the Python layer turns
    that into a ValueError)."""
    cdef Py_ssize_t i, L = s.live
    cdef int *ok = <int *>(s.scratch + s.ld)
    for i in range(L):
        s.pend[i] = RUNNING
    if s.ld > 1 and s.obj.eval_block != NULL and not s.obj.has_value_with_gradient:
        # the stencils of every lane in one call (vectorized finite differences): f first, so
        # that a start where it is not finite stops before its stencil (fd_eval does the same
        # for a lane on its own)
        _values_lanes(s, s.x, s.f, L)
        for i in range(L):
            if s.pend[i] == RUNNING and s.f[i] * 0.0 != 0.0:
                s.pend[i] = DIVERGED if isinf(s.f[i]) else NONFINITE
        if s.tracking:                  # what the lanes that stop here save
            _track_start(s, L)
        _retire_pending(s, False)
        L = s.live
        if L > 0:
            _eval_lanes(s, s.x, NULL, s.g, L, False)
    else:
        _eval_lanes(s, s.x, s.f, s.g, L, False)
    s.f_known = True
    if s.tracking:
        _track_start(s, L)
    if s.opt.max_time > 0.0 and s.deadline == 0.0:      # (a batch's driver sets its own)
        s.deadline = gd_clock() + s.opt.max_time
    _gradient_norms(s, s.x, s.g, L, s.gnorm)
    if not _finite_lanes(s, s.g, s.f, True, L, ok):
        for i in range(L):
            if s.pend[i] == RUNNING and not ok[i]:
                s.pend[i] = _nonfinite_status(s.f[i], True, s.g + i, s.n, s.ld)
    _retire_pending(s, False)
    if s.live > 0:
        s.status = RUNNING
    if s.opt.record_history and s.status == RUNNING:
        _history_record(s)
    return 0


cdef inline bint _finite_lanes(gd_state *s, const double *G, const double *F, bint check_f,
                               Py_ssize_t L, int *ok) noexcept nogil:
    """ok[i]: lane i of G (and F[i] when check_f) is finite; True when every lane is."""
    if s.ld == 1:
        ok[0] = gd_all_finite(G, s.n) and not (check_f and F[0] * 0.0 != 0.0)
        return ok[0]
    return gd_lanes_finite(G, F if check_f else NULL, s.n, L, s.ld,
                           <uint64_t *>s.scratch, ok)


cdef int gd_iterate(gd_state *s, Py_ssize_t steps) except -1 nogil:
    """Run at most ``steps`` iterations (fewer if the lanes stop): the loop compiled for the
    rule's kernel."""
    cdef const gd_rule *r = &s.opt.rule
    if s.live == 0:
        return 0
    if r.update == RULE_FIRE or r.update == RULE_FIRE2:
        return _iterate_mode(<fire_kernel *>NULL, s, steps)
    if not (s.fused and _is_fast(r)):
        return _iterate_mode(<general_kernel *>NULL, s, steps)
    if r.update == RULE_SGD:
        if r.momentum != 0.0:
            return _iterate_mode(<momentum_kernel *>NULL, s, steps)
        if _blocked_schedule(r):
            return _iterate_mode(<blocked_sgd_kernel *>NULL, s, steps)
        return _iterate_mode(<sgd_kernel *>NULL, s, steps)
    if r.update == RULE_ADAM:
        return _iterate_mode(<adam_kernel *>NULL, s, steps)
    if r.update == RULE_RMSPROP:
        return _iterate_mode(<rmsprop_kernel *>NULL, s, steps)
    return _iterate_mode(<adagrad_kernel *>NULL, s, steps)


cdef inline int _iterate_mode(kernel *k, gd_state *s, Py_ssize_t steps) except -1 nogil:
    if s.ld == 1:
        return _iterate(k, <one_lane *>NULL, s, steps)
    return _iterate(k, <many_lanes *>NULL, s, steps)


cdef int gd_run(gd_state *s) except -1 nogil:
    """A started run (gd_start) to its end, the driver's last part for minimize, the blocks of
    minimize_batch and the C API (a stepper calls gd_iterate a few steps at a time instead):
    iterate until every lane has stopped (at max_iter at most), each saved to s.out when it
    stops; then, for one lane kept in place, gd_finish."""
    if s.live > 0:
        gd_iterate(s, s.opt.max_iter + 1)
    if s.out == NULL:
        gd_finish(s)
    return 0


cdef int _iterate(kernel *k, lanes *mode, gd_state *s, Py_ssize_t steps) except -1 nogil:
    """THE loop, over the running lanes.  The trial points and their gradients go to x_new /
    g_new; the buffers are swapped with x / g when the lanes accept them, so a lane that
    rejects its (non-finite) trial point stops first, at its last finite iterate, without
    any copying.  Compiled per kernel and per lane mode: for one lane (one_lane) the lane's
    scalars live in locals, as in a loop written for one start.
    """
    # hot state in locals: stores through x / g cannot then alias it
    cdef Py_ssize_t done = 0, n = s.n, ld = s.ld, i, L
    cdef gd_eval_fn evaluate = s.obj.eval
    cdef void *ctx = s.lane_ctx[0]                    # (one lane) its start's data
    cdef gd_objective lane_obj = s.obj[0]             # the same, for the line searches
    lane_obj.ctx = ctx
    cdef double lr = s.opt.lr
    cdef double gtol = s.opt.gtol, ftol = s.opt.ftol, xtol = s.opt.xtol
    cdef Py_ssize_t max_iter = s.opt.max_iter, max_fev = s.opt.max_fev
    cdef Py_ssize_t nit = s.nit, countdown = s.pacer.countdown
    # one lane: the objective's own evaluations (stencils) are added to nfev on the way out
    cdef const Py_ssize_t *fev_extra = s.fev_extra
    cdef Py_ssize_t fd0 = fev_extra[0] if fev_extra != NULL else 0
    cdef double *x = s.x
    cdef double *g = s.g
    cdef double *x_new = s.x_new
    cdef double *g_new = s.g_new
    cdef double *F = s.f
    cdef double *Fn = s.f_new
    cdef double *tmp
    cdef double *dx = s.scratch                       # per-lane xtol distances
    cdef int *ok = <int *>(s.scratch + ld)
    # one lane's scalars (one_lane)
    cdef double f = F[0], f_new = 0.0, gnorm = s.gnorm[0]
    cdef Py_ssize_t nfev = s.nfev[0], njev = s.njev[0]
    cdef int stop = RUNNING, aux = 0
    cdef double fi, fni
    cdef bint f_known = s.f_known, need_f, any_stop, flagged
    cdef bint need_f_always = s.need_f
    cdef bint prev_valid = s.prev_valid
    cdef bint has_callback = s.callback != NULL or s.lanes_callback != NULL
    cdef Py_ssize_t callback_every = s.opt.callback_every
    cdef bint record_history = s.opt.record_history
    cdef bint need_gnorm = gtol > 0.0 or record_history or has_callback
    cdef bint tracking = s.tracking
    cdef bint has_target = s.opt.has_target
    cdef double target = s.opt.target
    cdef const gd_rule *rule = &s.opt.rule
    cdef bint bb = rule.step == STEP_BB1 or rule.step == STEP_BB2
    # the general kernel's line searches leave f at the trial point, and its gradient too when
    # it comes cheaply with the value (Wolfe's always needs it)
    cdef bint g_at_trials = rule.step == STEP_WOLFE or _cheap_gradient(s.obj)
    cdef bint f_done = kernel is general_kernel and (rule.step == STEP_ARMIJO
                                                     or rule.step == STEP_WOLFE or bb)
    cdef bint g_done = f_done and g_at_trials
    # (one lane) Armijo along the gradient itself: _rule_step's case without its call
    cdef bint armijo_on_g = (kernel is general_kernel and rule.step == STEP_ARMIJO
                             and _direction_is_g(rule))
    cdef bint bb_on_g = kernel is general_kernel and bb and _direction_is_g(rule)
    # a fused kernel's update step count and the step sizes of step t: constant for a fixed
    # step unless the rule corrects them by t (Adam, Adagrad)
    cdef Py_ssize_t t = s.rs.t
    cdef step_sizes sc = [lr, lr, 1.0]
    cdef bint sizes_vary = (rule.step != STEP_FIXED or kernel is adam_kernel
                            or kernel is adagrad_kernel)
    cdef double rate_block[SCHEDULE_BLOCK]                # blocked_sgd_kernel's rates
    cdef Py_ssize_t rate_block_start = -SCHEDULE_BLOCK    # of step t; none yet (t >= 0)
    # and what it needs around the kernel: the gradient rewritten (into rs.gc), x projected
    cdef bint rewrite_g = _rewrites_gradient(rule)
    cdef bint bounded = rule.lb != NULL
    cdef double wd_l2 = 0.0 if rule.decoupled_wd else rule.weight_decay
    cdef double sign = -1.0 if rule.maximize else 1.0
    # (many lanes, a fused kernel) the objective's evaluation with the finiteness test, and
    # for plain descent the step too, in one pass over the block: step_eval_block
    cdef gd_step_eval_block_fn step_eval = (
        s.obj.step_eval_block if lanes is many_lanes and kernel is not general_kernel else NULL)
    cdef bint capped = rule.max_step > 0.0
    cdef bint fused_step = (step_eval != NULL and not rewrite_g and not bounded and not capped
                            and (kernel is sgd_kernel or kernel is blocked_sgd_kernel))
    cdef bint evaluated
    cdef int all_finite
    cdef int rc
    # the noise stop (finite differences with noise_stop): each start's verdict on its
    # gradient, published by the objective; off (NULL) for every other objective
    cdef const int *noise = s.obj.noise_floor
    cdef bint noise_stop = noise != NULL
    cdef bint rare_tests = has_target or noise_stop
    if lanes is one_lane:
        L = 1
        ld = 1
        if noise_stop:
            noise += s.lane[0]
    else:
        L = s.live
    if kernel is not general_kernel and kernel is not fire_kernel:
        _step_sizes(k, rule, scheduled_lr(rule, &s.rs, lr, t), t, &sc)
    while L > 0:
        # ---- tests at the current points
        if lanes is one_lane:
            if gtol > 0.0 and gnorm <= gtol:
                stop = CONVERGED
                aux = BY_GTOL
                break
            if rare_tests:                  # one predicted branch when both are off
                if has_target and sign * f <= sign * target:
                    stop = TARGET_REACHED
                    break
                if noise_stop and noise[0]:
                    stop = CONVERGED
                    aux = BY_NOISE
                    break
            if nit >= max_iter:
                stop = MAX_ITER
                break
            if max_fev > 0 and nfev + (fev_extra[0] - fd0 if fev_extra != NULL else 0) >= max_fev:
                stop = MAX_FEV
                break
        elif gtol > 0.0 or nit >= max_iter or max_fev > 0 or has_target or noise_stop:
            any_stop = False
            for i in range(L):
                if gtol > 0.0 and s.gnorm[i] <= gtol:
                    s.pend[i] = CONVERGED
                    s.pend_aux[i] = BY_GTOL
                    any_stop = True
                elif noise_stop and noise[s.lane[i]]:
                    s.pend[i] = CONVERGED
                    s.pend_aux[i] = BY_NOISE
                    any_stop = True
                elif has_target and sign * F[i] <= sign * target:
                    s.pend[i] = TARGET_REACHED
                    any_stop = True
                elif nit >= max_iter:
                    s.pend[i] = MAX_ITER
                    any_stop = True
                elif max_fev > 0 and s.nfev[i] + s.nfev_all >= max_fev:
                    s.pend[i] = MAX_FEV
                    any_stop = True
            if any_stop:
                _writeback(s, x, g, x_new, g_new, F, Fn, f_known, nit)
                _retire_pending(s, prev_valid)
                L = s.live
                if L == 0:
                    break
        if done >= steps:
            break

        # ---- the trial points x_new = x - lr * g, and f / grad f there
        prev_valid = False
        flagged = False                 # (many lanes) a lane's pend was set on the way
        need_f = need_f_always or (has_callback and (nit + 1) % callback_every == 0)
        evaluated = False
        all_finite = 0
        if kernel is fire_kernel:
            if lanes is one_lane:
                s.njev[0] = njev
                if _fire_step(s, x, g, x_new, 1):
                    stop = s.pend[0]
                    aux = s.pend_aux[0]
                    s.pend[0] = RUNNING
                    break
                njev = s.njev[0]
            else:
                flagged = _fire_step(s, x, g, x_new, L)
            s.rs.buf_ready = True       # the lanes have a velocity
            if capped:
                gd_lanes_cap_groups(x, x_new, rule.group_end, rule.n_groups, rule.max_step,
                                    n, L, ld, s.fire_w)
            t += 1
            if lanes is many_lanes:
                s.rs.t = t
        elif kernel is not general_kernel:
            if fused_step:
                flagged = _step_eval_lanes(s, step_eval, sc.step, x, g, x_new,
                                           Fn if need_f else NULL, g_new, L, &all_finite)
                evaluated = True
            elif rewrite_g:
                gd_lanes_effective_gradient(x, g, s.rs.gc, rule.clip_norm, rule.clip_value,
                                            sign, wd_l2, n, L, ld, s.scratch)
                _kernel_step(k, &s.rs, rule, &sc, n, L, ld, x, s.rs.gc, x_new)
            else:
                _kernel_step(k, &s.rs, rule, &sc, n, L, ld, x, g, x_new)
            if capped:
                gd_lanes_cap_groups(x, x_new, rule.group_end, rule.n_groups, rule.max_step,
                                    n, L, ld, s.fire_w)
            if bounded:
                gd_lanes_project(x_new, rule.lb, rule.ub, n, L, ld)
            t += 1
            if kernel is blocked_sgd_kernel:
                if <size_t>(t - rate_block_start) >= SCHEDULE_BLOCK:
                    rate_block_start = t - (t & (SCHEDULE_BLOCK - 1))
                    schedule_block(rule, &s.rs, lr, rate_block_start, rate_block)
                sc.step = sc.lr = rate_block[t - rate_block_start]
            elif sizes_vary:    # the next step's, now: they overlap the evaluation
                _step_sizes(k, rule, _next_rate(rule, &s.rs, lr, sc.lr, t), t, &sc)
            if lanes is many_lanes:     # what a lane that stops in this iteration saves
                s.rs.t = t
                if rule.step == STEP_EXPONENTIAL:
                    s.rs.lr_sched = sc.lr
                    s.rs.k_sched = t
        elif lanes is one_lane:
            if armijo_on_g:     # backtracking along -g: the search itself, no _rule_step
                s.rs.t += 1
                rc = armijo_search(&lane_obj, rule, n, x, f, g, g, lr, lr, x_new, &f_new,
                                   g_new if g_at_trials else NULL, &nfev, &njev)
            elif bb_on_g:       # Barzilai-Borwein's step along -g, Raydan's reference value
                s.rs.t += 1
                rc = armijo_search(&lane_obj, rule, n, x, _nonmonotone_ref(&s.rs, f), g, g,
                                   s.rs.lr_bb, s.rs.lr_bb, x_new, &f_new,
                                   g_new if g_at_trials else NULL, &nfev, &njev)
            else:
                rc = _rule_step(s, &lane_obj, x, f, g, x_new, &f_new,
                                g_new if g_at_trials else NULL, &nfev, &njev)
            if rc == 1:
                stop = STEP_FAILED
                break
            if rc >= 2:
                stop = OBJECTIVE_ERROR
                aux = rc - 2
                break
        else:
            _writeback(s, x, g, x_new, g_new, F, Fn, f_known, nit)
            flagged = _general_step(s, g_at_trials)
        if not g_done and not evaluated:
            if lanes is one_lane:   # the call itself, no per-lane bookkeeping
                rc = evaluate(ctx, n, x_new, &f_new if need_f and not f_done else NULL, g_new)
                nfev += need_f and not f_done
                njev += 1
                if rc != 0:
                    stop = OBJECTIVE_ERROR
                    aux = rc
                    break
            elif step_eval != NULL:
                if _step_eval_lanes(s, step_eval, 0.0, NULL, NULL, x_new,
                                    Fn if need_f else NULL, g_new, L, &all_finite):
                    flagged = True
            else:
                flagged = _eval_lanes(s, x_new, Fn if need_f and not f_done else NULL, g_new,
                                      L, flagged)
        if lanes is one_lane:
            if not gd_all_finite(g_new, n) or (need_f and f_new * 0.0 != 0.0):
                stop = _nonfinite_status(f_new, need_f, g_new, n, 1)
                break
        else:
            if not all_finite and not _finite_lanes(s, g_new, Fn, need_f, L, ok):
                for i in range(L):
                    if s.pend[i] == RUNNING and not ok[i]:
                        s.pend[i] = _nonfinite_status(Fn[i], need_f, g_new + i, n, ld)
                flagged = True
            if flagged:                     # these lanes stop at x, rejecting their trials
                _writeback(s, x, g, x_new, g_new, F, Fn, f_known, nit)
                _retire_pending(s, False)
                L = s.live
                if L == 0:
                    break

        # ---- tests on the step, then accept it
        if lanes is one_lane:
            if xtol > 0.0 and _max_abs_diff(x_new, x, n) <= xtol:
                stop = CONVERGED
                aux = BY_XTOL
            elif (ftol > 0.0 and f_known and need_f and sign * f_new <= sign * f
                  and sign * (f - f_new) <= ftol * fmax(fmax(fabs(f), fabs(f_new)), 1.0)):
                stop = CONVERGED
                aux = BY_FTOL
            if kernel is general_kernel and bb:
                Fn[0] = f_new
        else:
            any_stop = False
            if xtol > 0.0:
                gd_lanes_max_abs(x_new, x, n, L, ld, dx)
            if xtol > 0.0 or ftol > 0.0:
                for i in range(L):
                    fi = F[i]
                    fni = Fn[i]
                    if xtol > 0.0 and dx[i] <= xtol:
                        s.pend[i] = CONVERGED
                        s.pend_aux[i] = BY_XTOL
                        any_stop = True
                    elif (ftol > 0.0 and f_known and need_f and sign * fni <= sign * fi
                          and sign * (fi - fni) <= ftol * fmax(fmax(fabs(fi), fabs(fni)), 1.0)):
                        s.pend[i] = CONVERGED
                        s.pend_aux[i] = BY_FTOL
                        any_stop = True
        if kernel is general_kernel and bb:
            s.live = L
            _bb_lanes(s, x, x_new, g, g_new, Fn, nit)
        tmp = x
        x = x_new
        x_new = tmp
        tmp = g
        g = g_new
        g_new = tmp
        if lanes is one_lane:
            f = f_new
        else:
            tmp = F
            F = Fn
            Fn = tmp
        f_known = need_f
        if need_gnorm:
            if lanes is one_lane:
                gnorm = _gradient_norm1(s, x, g)
            else:
                _gradient_norms(s, x, g, L, s.gnorm)
        nit += 1
        done += 1
        prev_valid = True
        if tracking:
            if lanes is one_lane:
                F[0] = f
                if _track(s, x, F, 1, nit) and stop == RUNNING:
                    stop = PATIENCE
            elif _track(s, x, F, L, nit):
                any_stop = True
        if lanes is one_lane:
            if record_history or has_callback:
                F[0] = f
                s.gnorm[0] = gnorm
                _writeback(s, x, g, x_new, g_new, F, Fn, f_known, nit)
                if record_history:
                    _history_record(s)
                if stop != RUNNING:
                    break
                if has_callback and nit % callback_every == 0:
                    rc = s.callback(s.callback_ctx, nit, n, x, f, g)
                    if rc != 0:
                        stop = CALLBACK_STOP
                        break
            elif stop != RUNNING:
                break
        elif any_stop or record_history or has_callback:
            _writeback(s, x, g, x_new, g_new, F, Fn, f_known, nit)
            if record_history:
                _history_record(s)
            if any_stop:
                _retire_pending(s, True)
                L = s.live
                if L == 0:
                    break
            if has_callback and nit % callback_every == 0:
                rc = s.lanes_callback(s.callback_ctx, s)
                if rc != 0:
                    _retire_all(s, CALLBACK_STOP, 0, True)
                    break
                _retire_pending(s, True)        # the lanes the callback stopped
                L = s.live
                if L == 0:
                    break

        # ---- Ctrl-C (gd_pacer_tick, with the countdown in a local)
        countdown -= 1
        if countdown <= 0:
            rc = gd_pacer_read(&s.pacer)
            countdown = s.pacer.countdown
            if rc == 0 and (s.deadline > 0.0 or s.progress != NULL):
                if lanes is one_lane:
                    F[0] = f
                    s.gnorm[0] = gnorm
                    s.nfev[0] = nfev + (fev_extra[0] - fd0 if fev_extra != NULL else 0)
                _writeback(s, x, g, x_new, g_new, F, Fn, f_known, nit)
                rc = _clock_tests(s)
                if rc == MAX_TIME:
                    if lanes is one_lane:
                        stop = MAX_TIME
                        break
                    s.pacer.countdown = countdown
                    s.prev_valid = prev_valid
                    _retire_all(s, MAX_TIME, 0, prev_valid)
                    return 0
                rc = 0
            if rc != 0:
                if lanes is one_lane:
                    stop = OBJECTIVE_ERROR      # GD_ABORTED; or -1: the exception is set
                    aux = rc
                    break
                _writeback(s, x, g, x_new, g_new, F, Fn, f_known, nit)
                s.pacer.countdown = countdown
                s.prev_valid = prev_valid
                if rc == -1:
                    return -1
                _retire_all(s, OBJECTIVE_ERROR, rc, prev_valid)     # GD_ABORTED
                return 0
    if kernel is not general_kernel:
        s.rs.t = t
        if rule.step == STEP_EXPONENTIAL:       # where ExponentialLR's product continues
            s.rs.lr_sched = sc.lr
            s.rs.k_sched = t
    if lanes is one_lane:
        if not need_gnorm:
            gnorm = _gradient_norm1(s, x, g)
        F[0] = f
        s.gnorm[0] = gnorm
        s.nfev[0] = nfev + (fev_extra[0] - fd0 if fev_extra != NULL else 0)
        s.njev[0] = njev
    elif not need_gnorm:
        _gradient_norms(s, x, g, L, s.gnorm)
    _writeback(s, x, g, x_new, g_new, F, Fn, f_known, nit)
    s.prev_valid = prev_valid
    s.pacer.countdown = countdown
    if lanes is one_lane:
        if stop == OBJECTIVE_ERROR and aux == -1:       # Ctrl-C: the exception is set
            return -1
        if stop != RUNNING:
            s.pend[0] = stop
            s.pend_aux[0] = aux
            _retire(s, 0, prev_valid)
    if s.live > 0:
        s.status = RUNNING
    return 0


cdef int _fire_step(gd_state *s, const double *x, const double *g, double *x_new,
                    Py_ssize_t L) except -1 nogil:
    """FIRE's or FIRE 2.0's step (gd_fire.h) for the lanes i < L: x_new from x, g and each
    lane's velocity (rs.m), dt (rs.lr_bb for one lane, else bb_lr), a and step count.  A FIRE2
    lane that turns uphill steps half a step back (to rs.d's column) and restarts from the
    gradient there, evaluated here (into rs.gc's column, counted in njev); should that fail
    (an error code, a non-finite gradient) the lane's pend is set, and it stops at x.  Returns
    1 when a lane's pend was set, else 0; -1 with an exception set."""
    cdef const gd_fire_params *p = &s.opt.rule.fire
    cdef Py_ssize_t i, n = s.n, ld = s.ld, before
    cdef double *dt = &s.rs.lr_bb if ld == 1 else s.bb_lr
    cdef double *v = s.rs.m
    cdef double *xb
    cdef double *gb
    cdef double *vb
    cdef double *xnb
    cdef int started = s.rs.buf_ready, rc, flagged = 0
    if not p.fire2:
        gd_fire_step(p, started, x, g, v, x_new, dt, s.fire_a, s.fire_n, n, L, ld, s.fire_w)
        return 0
    if gd_fire2_turn(p, started, x, g, v, s.rs.d, dt, s.fire_a, s.fire_n, s.fire_back, n, L,
                     ld, s.fire_w) == 0:
        gd_fire2_move(p, x, g, v, x_new, dt, s.fire_a, s.fire_n, n, L, ld, s.fire_w)
        return 0
    # lanes that step back: their columns of the block's move are redone from there
    gd_fire2_move(p, x, g, v, x_new, dt, s.fire_a, s.fire_n, n, L, ld, s.fire_w)
    for i in range(L):
        if not s.fire_back[i]:
            continue
        if ld == 1:
            xb, gb, vb, xnb = s.rs.d, s.rs.gc, v, x_new
        else:
            xb, gb, vb, xnb = s.lane_buf, s.lane_buf + n, s.lane_buf + 2 * n, s.lane_buf + 3 * n
            gd_lane_gather(s.rs.d, n, ld, i, xb)
        before = _fd_count(s)
        rc = s.obj.eval(s.lane_ctx[i], n, xb, NULL, gb)
        if ld > 1:                      # (one lane: the loop adds the stencils' own count)
            s.nfev[i] += _fd_count(s) - before
        s.njev[i] += 1
        if rc != 0:
            s.pend[i] = OBJECTIVE_ERROR
            s.pend_aux[i] = rc
            flagged = 1
            continue
        if not gd_all_finite(gb, n):
            s.pend[i] = _nonfinite_status(0.0, False, gb, n, 1)
            flagged = 1
            continue
        memset(vb, 0, n * sizeof(double))
        gd_fire2_move(p, xb, gb, vb, xnb, &dt[i], &s.fire_a[i], &s.fire_n[i], n, 1, 1,
                      s.fire_w)
        if ld > 1:
            gd_lane_scatter(vb, n, ld, i, v)
            gd_lane_scatter(xnb, n, ld, i, x_new)
    return flagged


cdef int _clock_tests(gd_state *s) except -1 nogil:
    """At a clock read of the pacer (s written back): the progress report when it is due,
    then max_time.  MAX_TIME when the time is up, else 0; -1 with an exception set."""
    cdef double now = s.pacer.last
    if s.progress != NULL and now >= s.progress_next:
        s.progress(s.progress_ctx, s)
    if s.deadline > 0.0 and now >= s.deadline:
        return MAX_TIME
    return 0


cdef inline double _gradient_norm1(const gd_state *s, const double *x, const double *g) noexcept nogil:
    if s.opt.rule.lb != NULL or s.opt.rule.gnorm_group:
        return projected_gradient_norm(&s.opt.rule, s.n, x, g)
    return _max_abs(g, s.n)


cdef inline double _max_abs_diff(const double *a, const double *b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef double m = 0.0, d
    for i in range(n):
        d = fabs(a[i] - b[i])
        if d > m:
            m = d
    return m


cdef inline bint _cheap_gradient(const gd_objective *obj) noexcept nogil:
    """The gradient comes at little extra cost with the value: a C objective that computes
    both in one pass (built-ins, Cython subclasses).  Line searches then take it at every
    trial point instead of calling the objective once more at the accepted one."""
    return obj.has_value_with_gradient and obj.has_gradient and not obj.needs_gil


cdef int _general_step(gd_state *s, bint g_at_trials) except -1 nogil:
    """The general kernel's step (_rule_step) for every running lane of a block, one after the
    other, each on its own columns gathered into contiguous vectors: the rules' step count
    and schedule state are the same for every lane and advance once.  (One lane calls
    _rule_step itself and keeps its Barzilai-Borwein state in s.rs; a block's lanes keep
    theirs in s.bb_*.)  Returns 1 when a lane's step failed (its pend is set), else 0."""
    cdef Py_ssize_t i, n = s.n, ld = s.ld, before
    cdef gd_rule_state *rs = &s.rs
    cdef Py_ssize_t t0 = rs.t, k_sched0 = rs.k_sched
    cdef bint buf_ready0 = rs.buf_ready
    cdef double lr_sched0 = rs.lr_sched
    cdef double *m = rs.m
    cdef double *v = rs.v
    cdef double *w = rs.w
    cdef double *d = rs.d
    cdef double *gc = rs.gc
    cdef double *b = s.lane_buf
    cdef gd_objective lane_obj = s.obj[0]
    cdef int rc, flagged = 0
    for i in range(s.live):
        # the step count and the schedules' state as the step found them
        rs.t = t0
        rs.buf_ready = buf_ready0
        rs.lr_sched = lr_sched0
        rs.k_sched = k_sched0
        rs.lr_bb = s.bb_lr[i]
        rs.n_recent = s.bb_count[i]
        memcpy(rs.f_recent, s.bb_recent + i * RING, RING * sizeof(double))
        rs.m = b + 4 * n
        rs.v = b + 5 * n
        rs.w = b + 6 * n
        rs.d = b + 7 * n
        rs.gc = b + 8 * n
        gd_lane_gather(s.x, n, ld, i, b)
        gd_lane_gather(s.g, n, ld, i, b + n)
        gd_lane_gather(m, n, ld, i, rs.m)
        gd_lane_gather(v, n, ld, i, rs.v)
        gd_lane_gather(w, n, ld, i, rs.w)
        lane_obj.ctx = s.lane_ctx[i]
        if s.qn_buf != NULL:                    # CG / L-BFGS: the lane's own memory
            rs.qn = s.qn_buf + i * rs.qn_len
        before = _fd_count(s)
        rc = _rule_step(s, &lane_obj, b, s.f[i], b + n, b + 2 * n, &s.f_new[i],
                        b + 3 * n if g_at_trials else NULL, &s.nfev[i], &s.njev[i])
        s.nfev[i] += _fd_count(s) - before
        if rc != 0:
            _rule_step_status(s, i, rc)
            flagged = 1
        gd_lane_scatter(b + 2 * n, n, ld, i, s.x_new)
        if g_at_trials:
            gd_lane_scatter(b + 3 * n, n, ld, i, s.g_new)
        gd_lane_scatter(rs.m, n, ld, i, m)
        gd_lane_scatter(rs.v, n, ld, i, v)
        gd_lane_scatter(rs.w, n, ld, i, w)
    rs.m = m
    rs.v = v
    rs.w = w
    rs.d = d
    rs.gc = gc
    rs.qn = s.qn_buf
    return flagged


cdef inline void _rule_step_status(gd_state *s, Py_ssize_t i, int rc) noexcept nogil:
    """_rule_step's code as lane i's pending status."""
    if rc == 1:
        s.pend[i] = STEP_FAILED
    elif rc >= 2:
        s.pend[i] = OBJECTIVE_ERROR
        s.pend_aux[i] = rc - 2


cdef void _bb_lanes(gd_state *s, const double *x, const double *x_new, const double *g,
                    const double *g_new, const double *Fn, Py_ssize_t nit) noexcept nogil:
    """Barzilai-Borwein's next step and the nonmonotone ring, per lane (one lane: in s.rs)."""
    cdef Py_ssize_t i, n = s.n, ld = s.ld
    cdef double *b = s.lane_buf
    if ld == 1:
        bb_update(&s.opt.rule, &s.rs, n, x_new, x, g_new, g)
        s.rs.f_recent[nit % RING] = Fn[0]
        if s.rs.n_recent < RING:
            s.rs.n_recent += 1
        return
    for i in range(s.live):
        s.rs.lr_bb = s.bb_lr[i]
        gd_lane_gather(x_new, n, ld, i, b)
        gd_lane_gather(x, n, ld, i, b + n)
        gd_lane_gather(g_new, n, ld, i, b + 2 * n)
        gd_lane_gather(g, n, ld, i, b + 3 * n)
        bb_update(&s.opt.rule, &s.rs, n, b, b + n, b + 2 * n, b + 3 * n)
        s.bb_lr[i] = s.rs.lr_bb
        s.bb_recent[i * RING + nit % RING] = Fn[i]
        if s.bb_count[i] < RING:
            s.bb_count[i] += 1


cdef inline int _rule_step(gd_state *s, const gd_objective *obj, const double *x, double f,
                           const double *g, double *x_new, double *f_new, double *g_new,
                           Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil:
    """One step of a configured update rule and step rule for one lane (s.rs holds its
    state; obj evaluates with its start's data): x_new (and, for the line searches, f there,
    and the gradient at every trial point unless g_new is NULL; Wolfe's needs it).  0 ok;
    1 no acceptable step; 2 + code for a C objective's error code.  (The one-lane loop
    runs Armijo and Barzilai-Borwein along the plain gradient without it: the same
    arithmetic, without the call.)"""
    cdef const gd_rule *r = &s.opt.rule
    cdef double lr, divisor
    cdef const double *d = s.rs.d
    if is_quasi_newton(r):
        return _qn_step(s, obj, x, f, g, x_new, f_new, g_new, nfev, njev)
    if r.step == STEP_BB1 or r.step == STEP_BB2 or r.step == STEP_PLATEAU:
        lr = s.rs.lr_bb                 # the lane's own rate
    elif r.step == STEP_ARMIJO or r.step == STEP_WOLFE:    # no schedule: they start at lr
        lr = s.opt.lr
    else:
        lr = scheduled_lr(r, &s.rs, s.opt.lr, s.rs.t)
        if r.step == STEP_EXPONENTIAL:  # the next step's rate: ExponentialLR continues it
            s.rs.lr_sched = lr * r.gamma
            s.rs.k_sched = s.rs.t + 1
    if _direction_is_g(r):
        # the direction is the gradient itself: use it in place (update_direction would
        # copy it twice)
        s.rs.t += 1
        divisor = 1.0
        d = g
    else:
        divisor = update_direction(r, &s.rs, s.n, x, g)
    if r.step == STEP_ARMIJO:
        return armijo_search(obj, r, s.n, x, f, g, d, lr, lr / divisor, x_new, f_new,
                             g_new, nfev, njev)
    if r.step == STEP_BB1 or r.step == STEP_BB2:
        return armijo_search(obj, r, s.n, x, _nonmonotone_ref(&s.rs, f), g, d, lr,
                             lr / divisor, x_new, f_new, g_new, nfev, njev)
    if r.step == STEP_WOLFE:
        return wolfe_search(obj, r, s.n, x, f, g, d, lr / divisor, x_new, f_new, g_new,
                            nfev, njev)
    apply_step(r, s.n, x, d, lr, lr / divisor, x_new)
    return 0


cdef int _qn_step(gd_state *s, const gd_objective *obj, const double *x, double f,
                  const double *g, double *x_new, double *f_new, double *g_new,
                  Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil:
    """_rule_step for nonlinear CG and L-BFGS: the direction from the lane's memory
    (qn_direction), then the line search from its first trial step; should the search fail
    along a direction that is not the gradient, once more along the gradient with the memory
    cleared (qn_restart).  _rule_step's codes."""
    cdef const gd_rule *r = &s.opt.rule
    cdef double t0 = qn_direction(r, &s.rs, s.n, x, g, s.opt.lr)
    cdef int rc = _qn_search(s, obj, x, f, g, t0, x_new, f_new, g_new, nfev, njev)
    if rc == 1 and s.rs.qn[3] == 0.0:
        t0 = qn_restart(r, &s.rs, s.n, g, s.opt.lr)
        rc = _qn_search(s, obj, x, f, g, t0, x_new, f_new, g_new, nfev, njev)
    if rc == 0:
        qn_accepted(&s.rs, s.n, x, x_new)
    return rc


cdef inline int _qn_search(gd_state *s, const gd_objective *obj, const double *x, double f,
                           const double *g, double t0, double *x_new, double *f_new,
                           double *g_new, Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil:
    """The line search along s.rs.d from t0 (strong Wolfe or Armijo)."""
    if s.opt.rule.step == STEP_WOLFE:
        return wolfe_search(obj, &s.opt.rule, s.n, x, f, g, s.rs.d, t0, x_new, f_new, g_new,
                            nfev, njev)
    return armijo_search(obj, &s.opt.rule, s.n, x, f, g, s.rs.d, s.opt.lr, t0, x_new, f_new,
                         g_new, nfev, njev)


cdef inline double _nonmonotone_ref(const gd_rule_state *rs, double f) noexcept nogil:
    """Raydan's globalization of Barzilai-Borwein: backtrack from the BB step until f falls
    below the largest of the last 10 values (+ c1 g.s); plain BB steps can cycle (seen on
    Rosenbrock).  That largest value, f included."""
    cdef Py_ssize_t k
    cdef double f_ref = f
    for k in range(rs.n_recent):
        if rs.f_recent[k] > f_ref:
            f_ref = rs.f_recent[k]
    return f_ref


cdef inline bint _direction_is_g(const gd_rule *r) noexcept nogil:
    """The update rule's direction is the gradient as it is (plain SGD, nothing added)."""
    return (r.update == RULE_SGD and r.momentum == 0.0 and r.clip_norm == 0.0
            and r.clip_value == 0.0 and not r.maximize and r.weight_decay == 0.0)


cdef inline void _writeback(gd_state *s, double *x, double *g, double *x_new, double *g_new,
                            double *F, double *Fn, bint f_known, Py_ssize_t nit) noexcept nogil:
    s.x = x
    s.g = g
    s.x_new = x_new
    s.g_new = g_new
    s.f = F
    s.f_new = Fn
    s.f_known = f_known
    s.nit = nit


cdef int gd_finish(gd_state *s) except -1 nogil:
    """One lane kept in place (no s.out): make sure f(x) is known at its final iterate
    (finite-difference objectives do not evaluate it every iteration); should it not be
    finite there, fall back to the iterate before (_finish_lane)."""
    cdef Py_ssize_t nit
    if s.f_known or s.status == OBJECTIVE_ERROR:
        return 0
    s.pend[0] = s.status
    _finish_lane(s, 0, s.prev_valid, s.f, &nit)
    s.f_known = True
    if s.pend[0] != s.status:       # f not finite at x, or an error code evaluating it
        s.status = s.pend[0]
        s.stop_test = BY_NONE
        if s.status == OBJECTIVE_ERROR:
            s.error_code = s.pend_aux[0]
        if nit != s.nit:
            s.nit = nit
            s.gnorm[0] = _max_abs(s.g, s.n)
    return 0


# ---- (c) the Python driver ------------------------------------------------------------------

cdef int gd_compiled_callback(void *ctx, Py_ssize_t nit, Py_ssize_t n, const double *x,
                              double f, const double *g) except -1 nogil:
    """A gd_callback_fn over a compiled callback (ctx: its gd_user_callback): 1 stops."""
    cdef const gd_user_callback *c = <const gd_user_callback *>ctx
    return c.fn(<int>n, x, f, g, <long>nit, c.user_data) != 0


cdef int gd_compiled_lanes_callback(void *ctx, void *state) except -1 nogil:
    """A gd_lanes_callback_fn over a compiled callback: called for each running lane (its x
    and g gathered), which stops when it returns nonzero.  0."""
    cdef const gd_user_callback *c = <const gd_user_callback *>ctx
    cdef gd_state *s = <gd_state *>state
    cdef Py_ssize_t i, n = s.n
    for i in range(s.live):
        gd_lane_gather(s.x, n, s.ld, i, s.lane_buf)
        gd_lane_gather(s.g, n, s.ld, i, s.lane_buf + n)
        if c.fn(<int>n, s.lane_buf, s.f[i], s.lane_buf + n, <long>s.nit, c.user_data) != 0:
            s.pend[i] = CALLBACK_STOP
    return 0


cdef int _python_callback(void *ctx, Py_ssize_t nit, Py_ssize_t n, const double *x,
                          double f, const double *g) except -1 nogil:
    with gil:
        return (<object>ctx)(nit, fresh_vector(n, x), f, fresh_vector(n, g))




STATE_VECTORS = ("m", "v", "w")


def stop_reason(int status, int stop_test):
    """``result.stop_reason``: which test ended the run, by name ("gtol", "max_iter", ...)."""
    if status == CONVERGED:
        return STOP_TESTS.get(stop_test, "converged")
    return STOP_REASONS[status]


# stop_reasons' table: the stop tests' names (CONVERGED), then the other statuses'
_REASON_STATUSES = (MAX_ITER, STEP_FAILED, NONFINITE, DIVERGED, OBJECTIVE_ERROR, MAX_FEV,
                    TARGET_REACHED, PATIENCE, MAX_TIME, CALLBACK_STOP, RUNNING)
_REASON_NAMES = np.array(["converged"] + [STOP_TESTS[k] for k in (BY_GTOL, BY_XTOL, BY_FTOL,
                                                                   BY_NOISE)]
                         + [STOP_REASONS[c] for c in _REASON_STATUSES], dtype="U15")


REASON_NAMES = _REASON_NAMES          # stop_reason of a start: REASON_NAMES[reason_index(...)]


cdef Py_ssize_t reason_index(int status, int stop_test) noexcept nogil:
    """The index of a run's stop_reason in REASON_NAMES (a batch's: one per start, then one
    array lookup for them all)."""
    if status == CONVERGED:
        return stop_test if BY_NONE <= stop_test <= BY_NOISE else 0
    if MAX_ITER <= status <= MAX_TIME:
        return BY_NOISE + status            # MAX_ITER (1) at 5, ... in _REASON_STATUSES' order
    return BY_NOISE + 1 + (9 if status == CALLBACK_STOP else 10)


def message(int status, int stop_test, int error_code):
    """The result message of a run that ended with ``status`` (SciPy's wording)."""
    msg = MESSAGES[status]
    if status == CONVERGED and stop_test == BY_NOISE:
        msg += " (the gradient reached the noise floor of its finite differences)"
    elif status == CONVERGED and stop_test != BY_NONE:
        msg += f" ({STOP_TESTS[stop_test]} test passed)"
    elif status == OBJECTIVE_ERROR:
        msg += f" (code {error_code})"
    return msg


def run(Objective objective not None, cnp.ndarray x0 not None, Config config not None,
        callback=None, progress=None):
    """Drive one descent from x0 (not modified) with a validated configuration.

    ``callback(nit, x, f, g) -> bool`` (already adapted by the Python layer; True stops), or
    a ``(address, user_data)`` pair of a compiled callback (gd_user_callback_fn).
    ``progress(nit, f, gnorm)``: called about every 0.1 s, and at the end.
    Returns ``(x, fun, jac, nit, nfev, njev, status, stop_test, error_code, failed_at_x0,
    state, history, best)``: state None for plain fixed-step descent, history None unless
    recorded, best ``(x_best, fun_best, nit_best)`` with keep_best, else None.  Exceptions
    from user code propagate unchanged.
    """
    cdef gd_state s
    cdef gd_user_callback compiled
    cdef const gd_options *opt = &config.opt
    cdef const gd_objective *obj = &objective.obj
    cdef Py_ssize_t n = cnp.PyArray_DIM(x0, 0)
    cdef bint release = not obj.needs_gil
    cdef bint failed_at_x0
    if (cnp.PyArray_NDIM(x0) != 1 or cnp.PyArray_TYPE(x0) != cnp.NPY_FLOAT64 or n == 0
            or not cnp.PyArray_IS_C_CONTIGUOUS(x0)):
        raise ValueError("x0 must be a non-empty contiguous float64 vector")
    gd_state_init(&s, obj, n, <const double *>cnp.PyArray_DATA(x0), opt)
    try:
        if config.state is not None:
            load_state(&s, config.state)
        if type(callback) is tuple:
            compiled.fn = <gd_user_callback_fn><uintptr_t>callback[0]
            compiled.user_data = <void *><uintptr_t>callback[1]
            s.callback = gd_compiled_callback
            s.callback_ctx = &compiled
        elif callback is not None:
            s.callback = _python_callback
            s.callback_ctx = <void *>callback
            s.need_f = True
        if progress is not None:            # the first report 0.1 s in (tqdm shows 0 until)
            s.progress = _progress_one
            s.progress_ctx = <void *>progress
            s.progress_next = gd_clock() + PROGRESS_SECONDS
        if release:
            with nogil:
                gd_start(&s)
                failed_at_x0 = s.status != RUNNING
                gd_run(&s)
        else:
            gd_start(&s)
            failed_at_x0 = s.status != RUNNING
            gd_run(&s)
        if progress is not None:        # the final report
            progress(s.nit, s.f[0], _gradient_norm1(&s, s.x, s.g))
        return (fresh_vector(n, s.x), s.f[0], fresh_vector(n, s.g), s.nit, s.nfev[0],
                s.njev[0], s.status, s.stop_test, s.error_code, failed_at_x0,
                None if s.plain else save_state(&s),
                (_copy_rows(s.hist_x, s.hist_len, n), _copy_rows(s.hist_f, s.hist_len, 0),
                 _copy_rows(s.hist_gnorm, s.hist_len, 0)) if opt.record_history else None,
                best_of(&s))
    finally:
        gd_state_free(&s)


cdef object best_of(const gd_state *s):
    """(x_best, fun_best, nit_best) of a run of one lane that keeps its best, else None."""
    if s.x_best == NULL:
        return None
    return fresh_vector(s.n, s.x_best), s.f_best[0], s.nit_best[0]


cdef int _progress_one(void *ctx, void *state) except -1 nogil:
    """A gd_state's progress report (one lane): ``ctx(nit, f, gnorm)``, then the next in 0.1 s."""
    cdef gd_state *s = <gd_state *>state
    s.progress_next = s.pacer.last + PROGRESS_SECONDS
    with gil:
        (<object>ctx)(s.nit, s.f[0], _gradient_norm1(s, s.x, s.g))
    return 0


cdef cnp.ndarray _copy_rows(const double *p, Py_ssize_t rows, Py_ssize_t n):
    cdef cnp.npy_intp dims[2]
    dims[0] = rows
    dims[1] = n
    cdef cnp.ndarray arr = cnp.PyArray_SimpleNew(2 if n > 0 else 1, dims, cnp.NPY_FLOAT64)
    memcpy(cnp.PyArray_DATA(arr), p, rows * (n if n > 0 else 1) * sizeof(double))
    return arr


cdef dict save_state(const gd_state *s):
    """The update and step rules' state, to continue a run later (``state=``); CG and
    L-BFGS add their memory record, "qn"."""
    state = {"t": s.rs.t, "lr_bb": s.rs.lr_bb, "lr_sched": s.rs.lr_sched,
             "k_sched": s.rs.k_sched, "buf_ready": bool(s.rs.buf_ready),
             "m": fresh_vector(s.n, s.rs.m), "v": fresh_vector(s.n, s.rs.v),
             "w": fresh_vector(s.n, s.rs.w)}
    if s.qn_buf != NULL:
        state["qn"] = fresh_vector(s.rs.qn_len, s.qn_buf)
    return state


cdef int load_state(gd_state *s, dict state) except -1:
    cdef const double[::1] vec
    cdef Py_ssize_t i
    s.rs.t = state["t"]
    s.rs.lr_sched = state.get("lr_sched", s.opt.lr)
    s.rs.k_sched = state.get("k_sched", 0)
    s.rs.lr_bb = state["lr_bb"]
    s.rs.buf_ready = state["buf_ready"]
    for name in STATE_VECTORS:
        vec = state[name]
        for i in range(s.n):
            if name == "m":
                s.rs.m[i] = vec[i]
            elif name == "v":
                s.rs.v[i] = vec[i]
            else:
                s.rs.w[i] = vec[i]
    if s.qn_buf != NULL and "qn" in state:      # CG / L-BFGS (its length checked by _config)
        vec = state["qn"]
        for i in range(s.rs.qn_len):
            s.qn_buf[i] = vec[i]
    return 0
