from gdfast._objective cimport gd_objective
from libc.math cimport pow, isfinite

from gdfast._update cimport apply_step
from gdfast._rules cimport (gd_rule, gd_rule_state, STEP_EXPONENTIAL, STEP_INVERSE_TIME,
                            STEP_STEP, STEP_COSINE, STEP_ARRAY, STEP_BB1,
                            STEP_LINEAR, STEP_ONE_CYCLE, STEP_WARM_RESTARTS, STEP_SEQUENTIAL,
                            STEP_SK_OPTIMAL, STEP_SK_INVSCALING,
                            SCHEDULE_BLOCK)

cdef int wolfe_search(const gd_objective *obj, const gd_rule *r, Py_ssize_t n,
                      const double *x, double f, const double *g, const double *d,
                      double step0, double *x_new, double *f_new, double *g_new,
                      Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil


cdef void cosine_anchor(const gd_rule *r, gd_rule_state *st, double lr,
                       Py_ssize_t a) noexcept nogil
cdef void schedule_block(const gd_rule *r, gd_rule_state *st, double lr, Py_ssize_t a,
                         double *rates) noexcept nogil


# torch.optim.lr_scheduler's LinearLR, OneCycleLR, CosineAnnealingWarmRestarts and
# SequentialLR (src/_stepsize.pyx): out of line, so that scheduled_lr stays small where the
# loop inlines it
cdef double torch_rate(const gd_rule *r, double lr, Py_ssize_t k) noexcept nogil


cdef inline double cosine_rate(const gd_rule *r, gd_rule_state *st, double lr,
                               Py_ssize_t k) noexcept nogil:
    """CosineLR's rate of step k: eta_min from T_max on, before that eta_min + h + h cos k'
    (h = (lr - eta_min) / 2, k' = pi k / T_max) with cos k' by angle sums, as
    cos a' (h cos j') - sin a' (h sin j') for k = a + j, j = k % SCHEDULE_BLOCK: h cos j' and
    h sin j' from a table, cos a' and sin a' from cosine_anchor once per SCHEDULE_BLOCK
    steps.  Within 1e-15 lr of the closed form with libm's cos, with no drift (every value
    is two angle sums from libm's), and a function of k alone: a run split into several calls
    gives the same bits.  libm's cos costs about 7 ns a step in the loop (a call, register
    spills, about 65 instructions); this, about a dozen instructions."""
    if <size_t>(k - st.cos_anchor) >= <size_t>st.cos_len:     # k not in the anchor's block
        if k >= r.period:   # the closed form's (1 + cos(pi)) / 2 is 0: eta_min exactly
            return r.eta_min
        cosine_anchor(r, st, lr, k - (k & (SCHEDULE_BLOCK - 1)))
    k -= st.cos_anchor
    return st.cos_mid + (st.cos_anchor_c * st.cos_hc[k] - st.cos_anchor_s * st.cos_hs[k])


cdef inline double step_factor(const gd_rule *r, gd_rule_state *st, Py_ssize_t k) noexcept nogil:
    """StepLR's gamma^(k // period), its power taken once per period."""
    cdef Py_ssize_t i
    if not (st.step_start <= k < st.step_next):
        i = k // r.period
        st.step_factor = pow(r.gamma, <double>i)
        st.step_start = i * r.period
        st.step_next = st.step_start + r.period
    return st.step_factor


cdef inline double scheduled_lr(const gd_rule *r, gd_rule_state *st, double lr,
                                Py_ssize_t k) noexcept nogil:
    """The step size of update step k (0 for the first) under the schedule r.step (the
    module docstring of src/_stepsize.pyx has the formulas); lr itself for the others.
    ExponentialLR continues the product from the rate st.lr_sched of step st.k_sched <= k
    (the next step's, kept by the loop), as torch does; StepLR's power is computed once per
    period.  Inline (defined here): no call in the loop."""
    cdef Py_ssize_t kk
    cdef double v
    if r.step == STEP_EXPONENTIAL:
        v = st.lr_sched
        kk = st.k_sched
        while kk < k:
            v = v * r.gamma
            kk += 1
        return v
    if r.step == STEP_INVERSE_TIME:
        return lr / (1.0 + r.gamma * k)
    if r.step == STEP_STEP:
        return lr * step_factor(r, st, k)
    if r.step == STEP_COSINE:
        return cosine_rate(r, st, lr, k)
    if r.step == STEP_ARRAY:
        return r.rates[k] if k < r.n_rates else r.rates[r.n_rates - 1]
    if (r.step == STEP_LINEAR or r.step == STEP_ONE_CYCLE or r.step == STEP_WARM_RESTARTS
            or r.step == STEP_SEQUENTIAL or r.step == STEP_SK_OPTIMAL
            or r.step == STEP_SK_INVSCALING):
        return torch_rate(r, lr, k)
    return lr


cdef inline void bb_update(const gd_rule *r, gd_rule_state *st, Py_ssize_t n,
                           const double *x_new, const double *x, const double *g_new,
                           const double *g) noexcept nogil:
    """Barzilai-Borwein's next step from s = x_new - x, y = g_new - g (see the module
    docstring of src/_stepsize.pyx); inline (defined here) so that the loop has no call."""
    cdef Py_ssize_t i
    cdef double ss = 0.0, sy = 0.0, yy = 0.0, si, yi, step
    for i in range(n):
        si = x_new[i] - x[i]
        yi = g_new[i] - g[i]
        ss += si * si
        sy += si * yi
        yy += yi * yi
    if not (sy > 0.0):
        return                      # not a convex pair: keep the previous step
    step = ss / sy if r.step == STEP_BB1 else sy / yy
    if not isfinite(step):
        return
    if step < r.lr_min:
        step = r.lr_min
    if step > r.lr_max:
        step = r.lr_max
    st.lr_bb = step


cdef inline int armijo_search(const gd_objective *obj, const gd_rule *r, Py_ssize_t n,
                              const double *x, double f, const double *g, const double *d,
                              double lr, double step0, double *x_new, double *f_new,
                              double *g_new, Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil:
    """Backtrack from step0; x_new / f_new hold the accepted point.  g_new: NULL, or where
    to put the gradient at every trial point (for objectives whose gradient comes at little
    extra cost with the value: the accepted point's is then already there).  Inline (defined
    here) so that the loop has no call for it."""
    cdef Py_ssize_t i, k
    cdef double t = step0, slope
    cdef int rc
    for k in range(r.max_backtracks):
        apply_step(r, n, x, d, lr, t, x_new)
        rc = obj.eval(obj.ctx, n, x_new, f_new, g_new)
        nfev[0] += 1
        njev[0] += g_new != NULL
        if rc != 0:
            return 2 + rc
        slope = 0.0
        for i in range(n):
            slope += g[i] * (x_new[i] - x[i])
        if isfinite(f_new[0]) and f_new[0] <= f + r.c1 * slope:
            return 0
        t *= r.shrink
    return 1
