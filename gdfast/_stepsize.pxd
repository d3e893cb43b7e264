from gdfast._objective cimport gd_objective
from libc.math cimport cos, pow, floor, isfinite, M_PI

from gdfast._update cimport apply_step
from gdfast._rules cimport (gd_rule, gd_rule_state, STEP_EXPONENTIAL, STEP_INVERSE_TIME,
                            STEP_STEP, STEP_COSINE, STEP_ARRAY, STEP_BB1)

cdef int wolfe_search(const gd_objective *obj, const gd_rule *r, Py_ssize_t n,
                      const double *x, double f, const double *g, const double *d,
                      double step0, double *x_new, double *f_new, double *g_new,
                      Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil


cdef inline double scheduled_lr(const gd_rule *r, const gd_rule_state *st, double lr,
                                Py_ssize_t k) noexcept nogil:
    """The step size of update step k (0 for the first) under the schedule r.step (the
    module docstring of src/_stepsize.pyx has the formulas); lr itself for the others.
    ExponentialLR continues the product from the rate st.lr_sched of step st.k_sched <= k
    (the next step's, kept by the loop), as torch does.  Inline (defined here): no call in the loop."""
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
        return lr * pow(r.gamma, floor(<double>(k // r.period)))
    if r.step == STEP_COSINE:
        kk = k if k < r.period else r.period
        return r.eta_min + (lr - r.eta_min) * (1.0 + cos(M_PI * kk / r.period)) / 2.0
    if r.step == STEP_ARRAY:
        return r.rates[k] if k < r.n_rates else r.rates[r.n_rates - 1]
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
