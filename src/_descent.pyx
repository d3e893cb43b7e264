"""THE descent loop.  ``minimize``, the stepper, batch multi-start and the C API all drive it.

A run is a ``gd_state``: ``gd_state_init`` (allocate, copy x0), ``gd_start`` (evaluate at x0),
``gd_iterate(steps)`` (the loop; a stepper calls it a few steps at a time), ``gd_finish``
(make sure f is known at the final x), ``gd_state_free``.  The loop is nogil; it takes the GIL
only inside Python objectives and callbacks and, about every millisecond (measured by the
pacer of gd_pacer.h), to check for Ctrl-C.  The one loop (``_iterate``) is compiled once per
update kernel: the general path (``_rule_step``: line searches, Barzilai-Borwein) and one fused
kernel of gd_step.h per update rule with a fixed step or a schedule.

Iteration k (the lecture's rule): x_k = x_{k-1} - lr * grad f(x_{k-1}).  The tests, in order:
gtol on the current gradient, max_iter, max_fev; then after the step a non-finite f or gradient
(the step is rejected, so x stays the last finite iterate), xtol on the step, ftol on the
decrease.  A tolerance of 0 turns its test off.
"""
from libc.math cimport fabs, fmax, isinf, isfinite, pow, sqrt
from libc.stdlib cimport calloc, realloc, free
from libc.string cimport memcpy

cimport numpy as cnp
import numpy as np

from gdfast._objective cimport Objective, gd_objective, fresh_vector, gd_eval_fn
from gdfast._fdiff cimport FiniteDifference
from gdfast._pacer cimport gd_pacer_init, gd_pacer_read, GD_ABORTED
from gdfast._rules cimport (STEP_EXPONENTIAL, gd_rule, gd_rule_state, RULE_SGD, RULE_ADAM, RULE_RMSPROP,
                            RULE_ADAGRAD, STEP_FIXED, STEP_ARRAY, STEP_ARMIJO, STEP_WOLFE,
                            STEP_BB1, STEP_BB2, STEP_COSINE, STEP_STEP, SCHEDULE_BLOCK)
from gdfast._update cimport (update_direction, apply_step, project, projected_gradient_norm,
                             gd_fixed_step, gd_effective_gradient, gd_project)
from gdfast._stepsize cimport scheduled_lr, schedule_block, bb_update, armijo_search, wolfe_search

cdef extern from "gd_step.h" nogil:
    # element-wise arithmetic on the state's own buffers: cannot fail
    bint gd_all_finite(const double *v, Py_ssize_t n) noexcept
    void gd_momentum_step(const double *x, const double *g, double *buf, double *x_new,
                          double lr, double momentum, double dampening, int nesterov,
                          int buf_ready, Py_ssize_t n) noexcept
    void gd_adam_step(const double *x, const double *g, double *m, double *v, double *vmax,
                      double *x_new, double step, double beta1, double beta2,
                      double bc2_sqrt, double eps, int amsgrad, int decoupled, double decay,
                      Py_ssize_t n) noexcept
    void gd_rmsprop_step(const double *x, const double *g, double *v, double *w, double *buf,
                         double *x_new, double lr, double alpha, double eps, int centered,
                         double momentum, Py_ssize_t n) noexcept
    void gd_adagrad_step(const double *x, const double *g, double *v, double *x_new,
                         double step, double eps, Py_ssize_t n) noexcept

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
    CALLBACK_STOP: "`callback` raised `StopIteration` or returned True.",
    RUNNING: "Running.",
}
STOP_TESTS = {BY_GTOL: "gtol", BY_XTOL: "xtol", BY_FTOL: "ftol"}


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


cdef inline double _max_abs_diff(const double *a, const double *b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef double m = 0.0, d
    for i in range(n):
        d = fabs(a[i] - b[i])
        if d > m:
            m = d
    return m


cdef int _nonfinite_status(double f, bint check_f, const double *g, Py_ssize_t n) noexcept nogil:
    """DIVERGED if something overflowed to inf, else NONFINITE (NaN)."""
    cdef Py_ssize_t i
    if check_f and isinf(f):
        return DIVERGED
    for i in range(n):
        if isinf(g[i]):
            return DIVERGED
    return NONFINITE


# ---- (b) the run ----------------------------------------------------------------------------

cdef int gd_state_init(gd_state *s, const gd_objective *obj, Py_ssize_t n, const double *x0,
                       const gd_options *opt) except -1 nogil:
    """Set up a run from x0 (copied).  On failure everything is freed and -1 returned."""
    memset_state(s)
    s.obj = obj
    s.opt = opt[0]
    s.n = n
    s.buffer = <double *>calloc(9 * n, sizeof(double))
    if s.buffer == NULL:
        with gil:
            raise MemoryError("gdfast: cannot allocate the descent state")
    s.x = s.buffer
    s.g = s.buffer + n
    s.x_new = s.buffer + 2 * n
    s.g_new = s.buffer + 3 * n
    s.rs.m = s.buffer + 4 * n
    s.rs.v = s.buffer + 5 * n
    s.rs.w = s.buffer + 6 * n
    s.rs.d = s.buffer + 7 * n
    s.rs.gc = s.buffer + 8 * n
    s.rs.t = 0
    s.rs.lr_sched = opt.lr
    s.rs.k_sched = 0
    s.rs.lr_bb = opt.lr
    s.rs.buf_ready = False
    s.rs.n_recent = 0
    s.rs.step_start = 0
    s.rs.step_next = 0
    s.rs.cos_anchor = -1
    s.rs.cos_len = 0
    s.rs.cos_base = -1
    s.plain = _is_plain(&opt.rule)
    memcpy(s.x, x0, n * sizeof(double))
    s.status = RUNNING
    # f at every iterate, so that a divergence is caught at the first infinite value; only
    # objectives whose value costs extra work skip it when no test needs it: finite
    # differences (an extra call; their gradient already turns non-finite when f does at a
    # stencil point) and Logistic without penalty (a log1p per row; its gradient is bounded)
    s.need_f = (opt.ftol > 0.0 or opt.record_history or obj.has_value_with_gradient
                or opt.rule.step >= STEP_ARMIJO)     # line searches and BB need f
    gd_pacer_init(&s.pacer, NULL)
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
    return r.step <= STEP_ARRAY


cdef bint _rewrites_gradient(const gd_rule *r) noexcept nogil:
    """The update rule sees another vector than g: clipped, negated (maximize), plus L2
    weight decay (AdamW's decoupled decay is the Adam kernel's)."""
    return (r.clip_norm > 0.0 or r.clip_value > 0.0 or r.maximize
            or (r.weight_decay != 0.0 and not r.decoupled_wd))


# the fused kernels can be switched off, for the tests that hold them to the general path
cdef bint _fused_kernels = True


def _use_fused_kernels(bint enabled):
    """Run fast rules through the fused kernels (the default) or the general path; returns
    the previous setting.  For tests only: not thread-safe."""
    global _fused_kernels
    previous = _fused_kernels
    _fused_kernels = enabled
    return previous


# ---- the step kernels: the loop is compiled once per kernel (a fused type of empty tags, as
# C++ libraries such as ensmallen make the update policy a template parameter), so that the
# choice of rule costs nothing per iteration.  general_kernel runs _rule_step (any rule);
# the others are the fused kernels of gd_step.h for a rule that _is_fast.

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

ctypedef fused kernel:
    general_kernel
    sgd_kernel
    blocked_sgd_kernel
    momentum_kernel
    adam_kernel
    rmsprop_kernel
    adagrad_kernel


cdef struct step_sizes:
    double lr           # the schedule's rate for the step
    double step         # lr / divisor (Adam: 1 - beta1^t; Adagrad: 1 + (t - 1) lr_decay)
    double bc2_sqrt     # Adam: sqrt(1 - beta2^t)


cdef inline bint _blocked_schedule(const gd_rule *r) noexcept nogil:
    """Plain descent takes the rates of these schedules from blocks (schedule_block): per
    step a load instead of the schedule's arithmetic and the branches to it, which cost
    about 1 ns per step on the 2-D quadratic (0.3 ns so).  The other kernels do far more
    per step, and InverseTimeLR's division and ExponentialLR's product are as cheap inline."""
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
                              const step_sizes *sc, Py_ssize_t n, const double *x,
                              const double *g, double *x_new) noexcept nogil:
    """x_new by a fused kernel, step sizes sc from _step_sizes: the arithmetic of _rule_step
    (update_direction, then apply_step) in one pass, the same bits."""
    if kernel is sgd_kernel or kernel is blocked_sgd_kernel:
        gd_fixed_step(x, g, x_new, sc.step, n)
    elif kernel is momentum_kernel:
        gd_momentum_step(x, g, st.m, x_new, sc.step, r.momentum, r.dampening, r.nesterov,
                         st.buf_ready, n)
        st.buf_ready = True
    elif kernel is adam_kernel:
        gd_adam_step(x, g, st.m, st.v, st.w, x_new, sc.step, r.beta1, r.beta2, sc.bc2_sqrt,
                     r.eps, r.amsgrad, r.decoupled_wd,
                     1.0 - sc.lr * r.weight_decay if r.decoupled_wd else 1.0, n)
    elif kernel is rmsprop_kernel:
        gd_rmsprop_step(x, g, st.v, st.w, st.m, x_new, sc.step, r.alpha, r.eps, r.centered,
                        r.momentum, n)
    elif kernel is adagrad_kernel:
        gd_adagrad_step(x, g, st.v, x_new, sc.step, r.eps, n)


cdef inline double _gradient_norm(const gd_state *s, const double *x, const double *g) noexcept nogil:
    if s.opt.rule.lb != NULL:
        return projected_gradient_norm(&s.opt.rule, s.n, x, g)
    return _max_abs(g, s.n)


cdef void memset_state(gd_state *s) noexcept nogil:
    s.buffer = NULL
    s.hist_x = NULL
    s.hist_f = NULL
    s.hist_gnorm = NULL
    s.hist_len = 0
    s.hist_cap = 0
    s.callback = NULL
    s.callback_ctx = NULL
    s.fev_extra = NULL
    s.nit = 0
    s.nfev = 0
    s.njev = 0
    s.f = 0.0
    s.f_known = False
    s.prev_valid = False
    s.gnorm = 0.0
    s.stop_test = BY_NONE
    s.error_code = 0


cdef void gd_state_free(gd_state *s) noexcept nogil:
    free(s.buffer)
    free(s.hist_x)
    free(s.hist_f)
    free(s.hist_gnorm)
    s.buffer = NULL
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
    if s.hist_len == s.hist_cap:
        if _history_reserve(s, 2 * s.hist_cap) != 0:
            with gil:
                raise MemoryError("gdfast: cannot grow the history")
    memcpy(s.hist_x + s.hist_len * s.n, s.x, s.n * sizeof(double))
    s.hist_f[s.hist_len] = s.f
    s.hist_gnorm[s.hist_len] = s.gnorm
    s.hist_len += 1
    return 0


cdef inline int _evaluate(gd_state *s, const double *x, double *f, double *g) except -1 nogil:
    """One objective call, counted.  0 ok; 1 stopped with OBJECTIVE_ERROR; -1 exception."""
    cdef int rc = s.obj.eval(s.obj.ctx, s.n, x, f, g)
    if f != NULL:
        s.nfev += 1
    if g != NULL:
        s.njev += 1
    if rc != 0:
        s.status = OBJECTIVE_ERROR
        s.error_code = rc
        return 1
    return 0


cdef int gd_start(gd_state *s) except -1 nogil:
    """Evaluate f and its gradient at x0.  A non-finite value there stops with NONFINITE or
    DIVERGED at nit 0 (the Python layer turns that into a ValueError)."""
    if _evaluate(s, s.x, &s.f, s.g) != 0:
        return 0
    s.f_known = True
    s.gnorm = _gradient_norm(s, s.x, s.g)
    if not gd_all_finite(s.g, s.n) or s.f * 0.0 != 0.0:
        s.status = _nonfinite_status(s.f, True, s.g, s.n)
        return 0
    s.status = RUNNING
    if s.opt.record_history:
        _history_record(s)
    return 0


cdef int gd_iterate(gd_state *s, Py_ssize_t steps) except -1 nogil:
    """Run at most ``steps`` iterations (fewer if a stopping test fires): the loop compiled
    for the rule's kernel."""
    cdef const gd_rule *r = &s.opt.rule
    if not (_fused_kernels and _is_fast(r)):
        return _iterate(<general_kernel *>NULL, s, steps)
    if r.update == RULE_SGD:
        if r.momentum != 0.0:
            return _iterate(<momentum_kernel *>NULL, s, steps)
        if _blocked_schedule(r):
            return _iterate(<blocked_sgd_kernel *>NULL, s, steps)
        return _iterate(<sgd_kernel *>NULL, s, steps)
    if r.update == RULE_ADAM:
        return _iterate(<adam_kernel *>NULL, s, steps)
    if r.update == RULE_RMSPROP:
        return _iterate(<rmsprop_kernel *>NULL, s, steps)
    return _iterate(<adagrad_kernel *>NULL, s, steps)


cdef int _iterate(kernel *k, gd_state *s, Py_ssize_t steps) except -1 nogil:
    """THE loop.  The trial point and its gradient go to x_new / g_new; the two buffers are
    swapped with x / g when the trial point is accepted, so a rejected (non-finite) one
    leaves x, f and g at the last finite iterate without any copying.
    """
    # hot state in locals: stores through x / g cannot then alias it
    cdef Py_ssize_t done = 0, n = s.n
    cdef gd_eval_fn evaluate = s.obj.eval
    cdef void *ctx = s.obj.ctx
    cdef double lr = s.opt.lr
    cdef double gtol = s.opt.gtol, ftol = s.opt.ftol, xtol = s.opt.xtol
    cdef Py_ssize_t max_iter = s.opt.max_iter, max_fev = s.opt.max_fev
    cdef Py_ssize_t nit = s.nit, nfev = s.nfev, njev = s.njev
    cdef Py_ssize_t countdown = s.pacer.countdown
    cdef double *x = s.x
    cdef double *g = s.g
    cdef double *x_new = s.x_new
    cdef double *g_new = s.g_new
    cdef double *tmp
    cdef double f = s.f, f_new = 0.0, gnorm = s.gnorm
    cdef bint f_known = s.f_known, need_f, converged
    cdef bint need_f_always = s.need_f
    cdef bint prev_valid = s.prev_valid
    cdef bint has_callback = s.callback != NULL
    cdef Py_ssize_t callback_every = s.opt.callback_every
    cdef bint per_iteration_hooks = s.opt.record_history or has_callback
    cdef bint need_gnorm = gtol > 0.0 or per_iteration_hooks
    cdef const gd_rule *rule = &s.opt.rule
    cdef bint bb = rule.step == STEP_BB1 or rule.step == STEP_BB2
    # the general kernel's line searches leave f at the trial point, and its gradient too when
    # it comes cheaply with the value (Wolfe's always needs it)
    cdef bint g_at_trials = rule.step == STEP_WOLFE or _cheap_gradient(s.obj)
    cdef bint f_done = kernel is general_kernel and (rule.step == STEP_ARMIJO
                                                     or rule.step == STEP_WOLFE or bb)
    cdef bint g_done = f_done and g_at_trials
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
    cdef int rc, status = s.status
    if kernel is not general_kernel:
        _step_sizes(k, rule, scheduled_lr(rule, &s.rs, lr, t), t, &sc)
    while status == RUNNING:
        # ---- tests at the current point
        if gtol > 0.0 and gnorm <= gtol:
            status = CONVERGED
            s.stop_test = BY_GTOL
            break
        if nit >= max_iter:
            status = MAX_ITER
            break
        if max_fev > 0 and nfev + (s.fev_extra[0] if s.fev_extra != NULL else 0) >= max_fev:
            status = MAX_FEV
            break
        if done >= steps:
            break

        # ---- the trial point x_new = x - lr * g, and f / grad f there
        prev_valid = False
        need_f = need_f_always or (has_callback and (nit + 1) % callback_every == 0)
        if kernel is not general_kernel:
            if rewrite_g:
                gd_effective_gradient(x, g, s.rs.gc, rule.clip_norm, rule.clip_value, sign,
                                      wd_l2, n)
                _kernel_step(k, &s.rs, rule, &sc, n, x, s.rs.gc, x_new)
            else:
                _kernel_step(k, &s.rs, rule, &sc, n, x, g, x_new)
            if bounded:
                gd_project(x_new, rule.lb, rule.ub, n)
            t += 1
            if kernel is blocked_sgd_kernel:
                if <size_t>(t - rate_block_start) >= SCHEDULE_BLOCK:
                    rate_block_start = t - (t & (SCHEDULE_BLOCK - 1))
                    schedule_block(rule, &s.rs, lr, rate_block_start, rate_block)
                sc.step = sc.lr = rate_block[t - rate_block_start]
            elif sizes_vary:    # the next step's, now: they overlap the evaluation
                _step_sizes(k, rule, _next_rate(rule, &s.rs, lr, sc.lr, t), t, &sc)
        else:
            rc = _rule_step(s, x, f, g, x_new, &f_new, g_new if g_at_trials else NULL,
                            &nfev, &njev)
            if rc == 1:
                status = STEP_FAILED
                break
            if rc >= 2:
                status = OBJECTIVE_ERROR
                s.error_code = rc - 2
                break
        if not g_done:
            rc = evaluate(ctx, n, x_new, &f_new if need_f and not f_done else NULL, g_new)
            nfev += need_f and not f_done
            njev += 1
            if rc != 0:
                status = OBJECTIVE_ERROR
                s.error_code = rc
                break
        if not gd_all_finite(g_new, n) or (need_f and f_new * 0.0 != 0.0):
            status = _nonfinite_status(f_new, need_f, g_new, n)
            break

        # ---- tests on the step, then accept it
        converged = False
        if xtol > 0.0 and _max_abs_diff(x_new, x, n) <= xtol:
            converged = True
            s.stop_test = BY_XTOL
        elif (ftol > 0.0 and f_known and need_f and sign * f_new <= sign * f
              and sign * (f - f_new) <= ftol * fmax(fmax(fabs(f), fabs(f_new)), 1.0)):
            converged = True
            s.stop_test = BY_FTOL
        if kernel is general_kernel and bb:
            bb_update(rule, &s.rs, n, x_new, x, g_new, g)
            s.rs.f_recent[nit % 10] = f_new
            if s.rs.n_recent < 10:
                s.rs.n_recent += 1
        tmp = x
        x = x_new
        x_new = tmp
        tmp = g
        g = g_new
        g_new = tmp
        f = f_new
        f_known = need_f
        if need_gnorm:
            gnorm = _gradient_norm(s, x, g)
        nit += 1
        done += 1
        prev_valid = True
        if converged:
            status = CONVERGED
        if per_iteration_hooks:
            _writeback(s, x, g, x_new, g_new, f, f_known, gnorm, nit, nfev, njev)
            if s.opt.record_history:
                _history_record(s)
            if converged:
                break
            if has_callback and nit % callback_every == 0:
                rc = s.callback(s.callback_ctx, nit, n, x, f, g)
                if rc != 0:
                    status = CALLBACK_STOP
                    break
        elif converged:
            break

        # ---- Ctrl-C (gd_pacer_tick, with the countdown in a local)
        countdown -= 1
        if countdown <= 0:
            rc = gd_pacer_read(&s.pacer)
            countdown = s.pacer.countdown
            if rc == GD_ABORTED:
                status = OBJECTIVE_ERROR
                s.error_code = rc
                break
            if rc != 0:
                _writeback(s, x, g, x_new, g_new, f, f_known, gnorm, nit, nfev, njev)
                s.pacer.countdown = countdown
                return -1
    if kernel is not general_kernel:
        s.rs.t = t
        if rule.step == STEP_EXPONENTIAL:       # where ExponentialLR's product continues
            s.rs.lr_sched = sc.lr
            s.rs.k_sched = t
    if not need_gnorm:
        gnorm = _gradient_norm(s, x, g)
    _writeback(s, x, g, x_new, g_new, f, f_known, gnorm, nit, nfev, njev)
    s.prev_valid = prev_valid
    s.pacer.countdown = countdown
    s.status = status
    return 0


cdef inline bint _cheap_gradient(const gd_objective *obj) noexcept nogil:
    """The gradient comes at little extra cost with the value: a C objective that computes
    both in one pass (built-ins, Cython subclasses).  Line searches then take it at every
    trial point instead of calling the objective once more at the accepted one."""
    return obj.has_value_with_gradient and obj.has_gradient and not obj.needs_gil


cdef int _rule_step(gd_state *s, const double *x, double f, const double *g, double *x_new,
                    double *f_new, double *g_new, Py_ssize_t *nfev,
                    Py_ssize_t *njev) except -1 nogil:
    """One step of a configured update rule and step rule: x_new (and, for the line searches,
    f there, and the gradient at every trial point unless g_new is NULL; Wolfe's needs it).
    0 ok; 1 no acceptable step; 2 + code for a C objective's error code."""
    cdef const gd_rule *r = &s.opt.rule
    cdef double lr, divisor, f_ref
    cdef const double *d = s.rs.d
    cdef Py_ssize_t k
    if r.step == STEP_BB1 or r.step == STEP_BB2:
        lr = s.rs.lr_bb
    else:
        lr = scheduled_lr(r, &s.rs, s.opt.lr, s.rs.t)
        if r.step == STEP_EXPONENTIAL:  # the next step's rate: ExponentialLR continues it
            s.rs.lr_sched = lr * r.gamma
            s.rs.k_sched = s.rs.t + 1
    if (r.update == RULE_SGD and r.momentum == 0.0 and r.clip_norm == 0.0
            and r.clip_value == 0.0 and not r.maximize and r.weight_decay == 0.0):
        # the direction is the gradient itself: use it in place (update_direction would
        # copy it twice)
        s.rs.t += 1
        divisor = 1.0
        d = g
    else:
        divisor = update_direction(r, &s.rs, s.n, x, g)
    if r.step == STEP_ARMIJO:
        return armijo_search(s.obj, r, s.n, x, f, g, d, lr, lr / divisor, x_new, f_new,
                             g_new, nfev, njev)
    if r.step == STEP_BB1 or r.step == STEP_BB2:
        # Raydan's globalization: backtrack from the BB step until f falls below the largest
        # of the last 10 values (+ c1 g.s); plain BB steps can cycle (seen on Rosenbrock)
        f_ref = f
        for k in range(s.rs.n_recent):
            if s.rs.f_recent[k] > f_ref:
                f_ref = s.rs.f_recent[k]
        return armijo_search(s.obj, r, s.n, x, f_ref, g, d, lr, lr / divisor, x_new,
                             f_new, g_new, nfev, njev)
    if r.step == STEP_WOLFE:
        return wolfe_search(s.obj, r, s.n, x, f, g, d, lr / divisor, x_new, f_new, g_new,
                            nfev, njev)
    apply_step(r, s.n, x, d, lr, lr / divisor, x_new)
    return 0


cdef inline void _writeback(gd_state *s, double *x, double *g, double *x_new, double *g_new,
                            double f, bint f_known, double gnorm, Py_ssize_t nit,
                            Py_ssize_t nfev, Py_ssize_t njev) noexcept nogil:
    s.x = x
    s.g = g
    s.x_new = x_new
    s.g_new = g_new
    s.f = f
    s.f_known = f_known
    s.gnorm = gnorm
    s.nit = nit
    s.nfev = nfev
    s.njev = njev


cdef int gd_finish(gd_state *s) except -1 nogil:
    """Make sure f(x) is known at the final iterate (finite-difference objectives do not
    evaluate it every iteration).  Should it not be finite there, fall back to the iterate
    before (kept in x_new / g_new by the last swap)."""
    cdef double *tmp
    if s.f_known or s.status == OBJECTIVE_ERROR:
        return 0
    if _evaluate(s, s.x, &s.f, NULL) != 0:
        return 0
    s.f_known = True
    if s.f * 0.0 == 0.0:
        return 0
    s.status = DIVERGED if isinf(s.f) else NONFINITE
    if s.nit > 0 and s.prev_valid:
        tmp = s.x
        s.x = s.x_new
        s.x_new = tmp
        tmp = s.g
        s.g = s.g_new
        s.g_new = tmp
        s.nit -= 1
        if _evaluate(s, s.x, &s.f, NULL) != 0:
            return 0
        s.gnorm = _max_abs(s.g, s.n)
    return 0


# ---- (c) the Python driver ------------------------------------------------------------------

cdef int _python_callback(void *ctx, Py_ssize_t nit, Py_ssize_t n, const double *x,
                          double f, const double *g) except -1 nogil:
    with gil:
        return (<object>ctx)(nit, fresh_vector(n, x), f, fresh_vector(n, g))




RULE_FIELDS = ("update", "step", "momentum", "dampening", "weight_decay", "nesterov",
               "decoupled_wd", "amsgrad", "centered", "maximize", "beta1", "beta2", "alpha", "eps",
               "lr_decay", "gamma", "eta_min", "period", "c1", "c2", "shrink", "max_backtracks",
               "lr_min", "lr_max", "clip_norm", "clip_value")
RULE_DEFAULTS = dict(update=0, step=0, momentum=0.0, dampening=0.0, weight_decay=0.0,
                     nesterov=False, decoupled_wd=False, amsgrad=False, centered=False,
                     maximize=False, beta1=0.9, beta2=0.999, alpha=0.99, eps=1e-8, lr_decay=0.0,
                     gamma=1.0, eta_min=0.0, period=1, c1=1e-4, c2=0.9, shrink=0.5,
                     max_backtracks=50, lr_min=1e-10, lr_max=1e10, clip_norm=0.0,
                     clip_value=0.0)
STATE_VECTORS = ("m", "v", "w")


cdef gd_rule _rule(dict given):
    """A gd_rule from a dict of its fields (missing ones take RULE_DEFAULTS); the arrays
    (rates, lb, ub) are set by the caller, who keeps them alive."""
    cdef gd_rule r
    cdef dict d = dict(RULE_DEFAULTS)
    d.update({k: v for k, v in given.items() if k in RULE_DEFAULTS})
    r.update = d["update"]
    r.step = d["step"]
    r.momentum = d["momentum"]
    r.dampening = d["dampening"]
    r.weight_decay = d["weight_decay"]
    r.nesterov = d["nesterov"]
    r.decoupled_wd = d["decoupled_wd"]
    r.amsgrad = d["amsgrad"]
    r.centered = d["centered"]
    r.maximize = d["maximize"]
    r.beta1 = d["beta1"]
    r.beta2 = d["beta2"]
    r.alpha = d["alpha"]
    r.eps = d["eps"]
    r.lr_decay = d["lr_decay"]
    r.gamma = d["gamma"]
    r.eta_min = d["eta_min"]
    r.period = d["period"]
    r.c1 = d["c1"]
    r.c2 = d["c2"]
    r.shrink = d["shrink"]
    r.max_backtracks = d["max_backtracks"]
    r.lr_min = d["lr_min"]
    r.lr_max = d["lr_max"]
    r.clip_norm = d["clip_norm"]
    r.clip_value = d["clip_value"]
    r.rates = NULL
    r.n_rates = 0
    r.lb = NULL
    r.ub = NULL
    return r


cdef class Options:
    """A gd_options built from the options dict of ``gdfast._minimize.configure``; it keeps
    the arrays its pointers refer to (rates, bounds) alive."""

    def __init__(self, dict o):
        cdef const double[::1] v
        rule = o.get("rule", {})
        self.opt.rule = _rule(rule)
        self.opt.lr = o["lr"]
        self.opt.max_iter = o["max_iter"]
        self.opt.max_fev = o["max_fev"]
        self.opt.gtol = o["gtol"]
        self.opt.ftol = o["ftol"]
        self.opt.xtol = o["xtol"]
        self.opt.callback_every = o["callback_every"]
        self.opt.record_history = o["history"]
        self.state = o.get("state")
        self._keep = []
        if rule.get("rates") is not None:
            v = rule["rates"]
            self._keep.append(v)
            self.opt.rule.rates = &v[0]
            self.opt.rule.n_rates = v.shape[0]
        if rule.get("lb") is not None:
            v = rule["lb"]
            self._keep.append(v)
            self.opt.rule.lb = &v[0]
            v = rule["ub"]
            self._keep.append(v)
            self.opt.rule.ub = &v[0]


def run(Objective objective not None, const double[::1] x0, dict options, callback=None):
    """Drive one descent from x0 (not modified) with validated ``options``.

    ``callback(nit, x, f, g) -> bool`` (already adapted by the Python layer; True stops).
    Returns a dict of the raw results.  Exceptions from user code propagate unchanged.
    """
    cdef gd_state s
    cdef Options o = Options(options)
    cdef gd_options opt = o.opt
    cdef const gd_objective *obj = &objective.obj
    cdef Py_ssize_t n = x0.shape[0]
    cdef bint release = not obj.needs_gil
    gd_state_init(&s, obj, n, &x0[0], &opt)
    if o.state is not None:
        load_state(&s, o.state)
    if isinstance(objective, FiniteDifference):
        s.fev_extra = &(<FiniteDifference>objective).data.nfev
    try:
        if callback is not None:
            s.callback = _python_callback
            s.callback_ctx = <void *>callback
            s.need_f = True
        if release:
            with nogil:
                gd_start(&s)
        else:
            gd_start(&s)
        failed_at_x0 = s.status != RUNNING
        if release:
            with nogil:
                gd_iterate(&s, opt.max_iter)
                gd_finish(&s)
        else:
            gd_iterate(&s, opt.max_iter)
            gd_finish(&s)
        out = {
            "x": fresh_vector(n, s.x),
            "fun": s.f,
            "jac": fresh_vector(n, s.g),
            "nit": s.nit,
            "nfev": s.nfev + (s.fev_extra[0] if s.fev_extra != NULL else 0),
            "njev": s.njev,
            "status": s.status,
            "stop_test": STOP_TESTS.get(s.stop_test),
            "error_code": s.error_code,
            "failed_at_x0": failed_at_x0,
        }
        if not s.plain:
            out["state"] = save_state(&s)
        if opt.record_history:
            out["history"] = (
                _copy_rows(s.hist_x, s.hist_len, n),
                _copy_rows(s.hist_f, s.hist_len, 0),
                _copy_rows(s.hist_gnorm, s.hist_len, 0),
            )
        return out
    finally:
        gd_state_free(&s)


cdef cnp.ndarray _copy_rows(const double *p, Py_ssize_t rows, Py_ssize_t n):
    cdef cnp.npy_intp dims[2]
    dims[0] = rows
    dims[1] = n
    cdef cnp.ndarray arr = cnp.PyArray_SimpleNew(2 if n > 0 else 1, dims, cnp.NPY_FLOAT64)
    memcpy(cnp.PyArray_DATA(arr), p, rows * (n if n > 0 else 1) * sizeof(double))
    return arr


cdef dict save_state(const gd_state *s):
    """The update and step rules' state, to continue a run later (``state=``)."""
    return {"t": s.rs.t, "lr_bb": s.rs.lr_bb, "lr_sched": s.rs.lr_sched,
            "k_sched": s.rs.k_sched, "buf_ready": bool(s.rs.buf_ready),
            "m": fresh_vector(s.n, s.rs.m), "v": fresh_vector(s.n, s.rs.v), "w": fresh_vector(s.n, s.rs.w)}


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
    return 0
