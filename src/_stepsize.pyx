"""Step rules: the step size of each iteration.

Schedules (k = update steps taken so far, 0 for the first):
  exponential  lr gamma^k                  (torch ExponentialLR, computed as torch does:
                                           each rate is the previous one times gamma)
  inverse_time lr / (1 + gamma k)          (Keras InverseTimeDecay with decay_steps 1)
  step         lr gamma^(k // period)      (torch StepLR)
  cosine       eta_min + (lr - eta_min) (1 + cos(pi min(k, period) / period)) / 2
                                           (torch CosineAnnealingLR, held at eta_min after);
                                           cos by angle sums from a table, within 1e-15 lr
  array        rates[k], the last one after the end
  linear       lr (start_factor + (end_factor - start_factor) min(k, T) / T)  (torch LinearLR)
  one-cycle    torch OneCycleLR's rates (its own max_lr; cos or linear anneal, two or three
               phases), held at the rate of step total_steps - 1 from total_steps on
  restarts     eta_min + (lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2, T_i = T_0 T_mult^i the
               length of the cycle step k is in, T_cur the steps done in it (torch
               CosineAnnealingWarmRestarts; the cycle found in integers)
  sequential   schedule i from its milestone on, counting its steps from 0 there (torch
               SequentialLR); within it every schedule is a closed form of its own step j
               (ExponentialLR lr gamma^j by pow, CosineLR's cosine by libm)
  sklearn      scikit-learn's "optimal" 1 / (alpha (optimal_init + t - 1)) and "invscaling"
               lr / t^power_t, t counting samples as its SGD does (gdfast.sgd; sklearn_rate)
Line searches along the update rule's direction d, x(t) = P(x - t d):
  Armijo       t = lr, lr shrink, lr shrink^2, ... until f(x(t)) <= f(x) + c1 g.(x(t) - x);
               at most max_backtracks values; non-finite values count as too large
  strong Wolfe Nocedal & Wright, algorithms 3.5 and 3.6 (bracketing then zoom, with
               safeguarded quadratic interpolation), from t = lr
Barzilai-Borwein: with s = x_k - x_{k-1}, y = g_k - g_{k-1}: BB1 s.s / s.y, BB2 s.y / y.y;
  the first step uses lr, a step with s.y <= 0 keeps the previous one, clipped to
  [lr_min, lr_max]; globalized by Raydan's nonmonotone line search (1997): the BB step is
  halved until f(x+) <= max(last 10 values of f) + c1 g.(x+ - x).

The line searches return 0 when a step was accepted, 1 when none was found (STEP_FAILED),
2 + code when a C objective returned an error code, -1 on a Python exception.
"""
from libc.math cimport pow, fabs, fmin, isfinite, cos, sin, sqrt, INFINITY, M_PI

from gdfast._objective cimport gd_objective
from gdfast._rules cimport (gd_rule, gd_rule_state, STEP_BB1, STEP_COSINE, STEP_ARRAY,
                            STEP_EXPONENTIAL, STEP_INVERSE_TIME, STEP_STEP,
                            STEP_LINEAR, STEP_ONE_CYCLE, STEP_WARM_RESTARTS, SCHEDULE_BLOCK,
                            STEP_SK_OPTIMAL, STEP_SK_INVSCALING)
from gdfast._update cimport apply_step


# scheduled_lr is a cdef inline function in gdfast/_stepsize.pxd (inlined into the loop)


cdef void cosine_anchor(const gd_rule *r, gd_rule_state *st, double lr,
                       Py_ssize_t a) noexcept nogil:
    """cos a' and sin a' for cosine_rate (a a multiple of B = SCHEDULE_BLOCK), as the angle
    sums of b' and (a - b)' for b = a - a % B^2: those of b' from libm (once per B^2 steps),
    those of (a - b)' from a table.  The tables on first use (lr is the run's base rate,
    fixed for a run)."""
    cdef Py_ssize_t i, b = a - a % (SCHEDULE_BLOCK * SCHEDULE_BLOCK)
    cdef double h = (lr - r.eta_min) / 2.0
    if st.cos_base < 0:
        st.cos_mid = r.eta_min + h
        for i in range(SCHEDULE_BLOCK):
            st.cos_hc[i] = h * cos(M_PI * i / r.period)
            st.cos_hs[i] = h * sin(M_PI * i / r.period)
            st.cos_c1[i] = cos(M_PI * (i * SCHEDULE_BLOCK) / r.period)
            st.cos_s1[i] = sin(M_PI * (i * SCHEDULE_BLOCK) / r.period)
    if b != st.cos_base:
        st.cos_base_c = cos(M_PI * b / r.period)
        st.cos_base_s = sin(M_PI * b / r.period)
        st.cos_base = b
    i = (a - b) // SCHEDULE_BLOCK
    st.cos_anchor_c = st.cos_base_c * st.cos_c1[i] - st.cos_base_s * st.cos_s1[i]
    st.cos_anchor_s = st.cos_base_s * st.cos_c1[i] + st.cos_base_c * st.cos_s1[i]
    st.cos_anchor = a
    st.cos_len = min(SCHEDULE_BLOCK, r.period - a)


cdef void schedule_block(const gd_rule *r, gd_rule_state *st, double lr, Py_ssize_t a,
                         double *rates) noexcept nogil:
    """scheduled_lr's rates of steps a, ..., a + SCHEDULE_BLOCK - 1 (a a multiple of
    SCHEDULE_BLOCK), the same bits, for CosineLR, StepLR and a user's rates: the loop takes
    them a block at a time, with nothing per step but a load (_blocked_schedule).  CosineLR's
    angle sums are vectorized here."""
    cdef Py_ssize_t j, m = SCHEDULE_BLOCK
    cdef double mid, ca, sa
    if r.step == STEP_COSINE:
        m = min(SCHEDULE_BLOCK, r.period - a)
        if m > 0:
            if a != st.cos_anchor:
                cosine_anchor(r, st, lr, a)
            mid = st.cos_mid
            ca = st.cos_anchor_c
            sa = st.cos_anchor_s
            for j in range(m):
                rates[j] = mid + (ca * st.cos_hc[j] - sa * st.cos_hs[j])
        for j in range(m if m > 0 else 0, SCHEDULE_BLOCK):
            rates[j] = r.eta_min
    elif r.step == STEP_ARRAY:
        m = max(0, min(SCHEDULE_BLOCK, r.n_rates - a))
        for j in range(m):
            rates[j] = r.rates[a + j]
        for j in range(m, SCHEDULE_BLOCK):
            rates[j] = r.rates[r.n_rates - 1]
    else:                   # StepLR: constant up to the next period
        j = 0
        while j < SCHEDULE_BLOCK:
            mid = lr * step_factor(r, st, a + j)
            m = min(SCHEDULE_BLOCK, st.step_next - a)
            while j < m:
                rates[j] = mid
                j += 1


# ---- torch.optim.lr_scheduler's LinearLR, OneCycleLR, CosineAnnealingWarmRestarts: the rate
#      of step k as a function of k alone, with torch's arithmetic in torch's order (closed forms)

cdef double linear_rate(const gd_rule *r, double lr, Py_ssize_t k) noexcept nogil:
    """LinearLR: lr (start + (end - start) min(k, total_iters) / total_iters)."""
    if k > r.period:
        k = r.period
    return lr * (r.start_factor + (r.end_factor - r.start_factor) * <double>k / <double>r.period)


cdef double one_cycle_rate(const gd_rule *r, Py_ssize_t k) noexcept nogil:
    """OneCycleLR's rate of step k (torch's get_lr: the phase whose end_step k does not pass,
    or the last; pct the fraction of it done), held at the rate of step total_steps - 1 from
    total_steps on (torch raises there)."""
    cdef double step_num, start_step = 0.0, end_step, pct, a, b
    cdef int i
    if k >= r.period:
        k = r.period - 1
    step_num = <double>k
    for i in range(r.cycle_phases):
        end_step = r.cycle_end[i]
        if step_num <= end_step or i == r.cycle_phases - 1:
            pct = (step_num - start_step) / (end_step - start_step)
            a = r.cycle_lr[i]
            b = r.cycle_lr[i + 1]
            if r.cycle_linear:
                return (b - a) * pct + a
            return b + (a - b) / 2.0 * (cos(M_PI * pct) + 1.0)
        start_step = end_step
    return r.cycle_lr[r.cycle_phases]      # not reached


cdef double warm_restarts_rate(const gd_rule *r, double lr, Py_ssize_t k) noexcept nogil:
    """CosineAnnealingWarmRestarts: eta_min + (lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2,
    the cycle (its start k - T_cur and length T_i = T_0 T_mult^i) found in integers, as
    torch's step() recursion has it."""
    cdef Py_ssize_t t_i = r.period, t_cur = k
    cdef double span = <double>t_i
    if r.t_mult == 1:
        t_cur = k % t_i
    else:
        while t_cur >= t_i:
            t_cur -= t_i
            if t_i > t_cur // r.t_mult:     # t_cur < t_i T_mult (which may overflow): this cycle
                span = <double>t_i * <double>r.t_mult
                break
            t_i *= r.t_mult
            span = <double>t_i
    return r.eta_min + (lr - r.eta_min) * (1.0 + cos(M_PI * <double>t_cur / span)) / 2.0


cdef double torch_rate(const gd_rule *r, double lr, Py_ssize_t k) noexcept nogil:
    """The rate of update step k of LinearLR, OneCycleLR, CosineAnnealingWarmRestarts or
    SequentialLR (scheduled_lr's out-of-line part)."""
    if r.step == STEP_LINEAR:
        return linear_rate(r, lr, k)
    if r.step == STEP_ONE_CYCLE:
        return one_cycle_rate(r, k)
    if r.step == STEP_WARM_RESTARTS:
        return warm_restarts_rate(r, lr, k)
    if r.step == STEP_SK_OPTIMAL or r.step == STEP_SK_INVSCALING:
        return sklearn_rate(r, lr, k)
    return sequential_rate(r, lr, k)


cdef inline double sklearn_rate(const gd_rule *r, double lr, Py_ssize_t k) noexcept nogil:
    """scikit-learn's rate (sklearn/linear_model/_sgd_fast.pyx.tp) at update step k of
    gdfast.sgd, with its arithmetic: t counts the samples seen before the step plus one
    (its t starts at 1 and grows by one per sample), epochs of sk_epoch_steps steps taking
    sk_batch samples each but the last, which takes the rest of sk_samples.  "optimal":
    1 / (alpha (optimal_init + t - 1)); "invscaling": eta0 / t^power_t."""
    cdef Py_ssize_t e = k // r.sk_epoch_steps
    cdef double t = (<double>e * r.sk_samples
                     + <double>((k - e * r.sk_epoch_steps) * r.sk_batch) + 1.0)
    if r.step == STEP_SK_OPTIMAL:
        return 1.0 / (r.sk_alpha * (r.sk_init + t - 1.0))
    return lr / pow(t, r.power_t)


cdef double sequential_rate(const gd_rule *r, double lr, Py_ssize_t k) noexcept nogil:
    """SequentialLR's rate of step k: that of schedule i (the last whose start
    seq_start[i] <= k) at its own step j = k - seq_start[i], every schedule at the run's lr.
    A function of k alone, with no state (the fused loop computes a rate one step ahead of
    the general path: a state would differ between them) nor the top-level schedules' caches
    (two schedules of one kind may follow each other): ExponentialLR as lr gamma^j (torch's
    closed form, not its running product), StepLR's power and CosineLR's cosine from libm."""
    cdef Py_ssize_t i = r.n_seq - 1, j
    cdef const gd_rule *s
    while i > 0 and r.seq_start[i] > k:
        i -= 1
    s = &r.seq[i]
    j = k - r.seq_start[i]
    if s.step == STEP_EXPONENTIAL:
        return lr * pow(s.gamma, <double>j)
    if s.step == STEP_INVERSE_TIME:
        return lr / (1.0 + s.gamma * j)
    if s.step == STEP_STEP:
        return lr * pow(s.gamma, <double>(j // s.period))
    if s.step == STEP_COSINE:
        if j >= s.period:
            return s.eta_min
        return s.eta_min + (lr - s.eta_min) * (1.0 + cos(M_PI * <double>j / s.period)) / 2.0
    if s.step == STEP_ARRAY:
        return s.rates[j] if j < s.n_rates else s.rates[s.n_rates - 1]
    if s.step == STEP_LINEAR or s.step == STEP_ONE_CYCLE or s.step == STEP_WARM_RESTARTS:
        return torch_rate(s, lr, j)
    return lr                       # STEP_FIXED


cdef inline double _dot(const double *a, const double *b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef double s = 0.0
    for i in range(n):
        s += a[i] * b[i]
    return s


# bb_update is a cdef inline function in gdfast/_stepsize.pxd (inlined into the loop)


cdef inline int _phi(const gd_objective *obj, Py_ssize_t n, const double *x, const double *d,
                     double t, double *x_new, double *f_new, double *g_new, double *dphi,
                     Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil:
    """phi(t) = f(x - t d) and phi'(t) = -g(x - t d).d; 0, or 2 + a C objective's code."""
    cdef Py_ssize_t i
    cdef int rc
    for i in range(n):
        x_new[i] = x[i] - t * d[i]
    rc = obj.eval(obj.ctx, n, x_new, f_new, g_new)
    nfev[0] += 1
    njev[0] += 1
    if rc != 0:
        return 2 + rc
    dphi[0] = -_dot(g_new, d, n)
    return 0


cdef inline double _interpolate(double lo, double hi, double phi_lo, double dphi_lo,
                                double phi_hi) noexcept nogil:
    """Minimizer of the quadratic through phi(lo), phi'(lo), phi(hi), kept inside the middle
    80% of [lo, hi] (bisection otherwise)."""
    cdef double w = hi - lo, denom = 2.0 * (phi_hi - phi_lo - dphi_lo * w), t
    cdef double a = lo if lo < hi else hi
    cdef double b = hi if lo < hi else lo
    if denom != 0.0 and isfinite(denom):
        t = lo - dphi_lo * w * w / denom
        if a + 0.1 * (b - a) <= t <= b - 0.1 * (b - a):
            return t
    return 0.5 * (lo + hi)


cdef inline bint _too_high(double phi, double dphi, double f, double decrease) noexcept nogil:
    """The trial fails sufficient decrease, phi(t) > f + c1 t phi'(0), or is not finite."""
    return not isfinite(phi) or not isfinite(dphi) or phi > f + decrease


cdef inline double _step_cap(const gd_rule *r, Py_ssize_t n, const double *d) noexcept nogil:
    """The largest t for which x - t d moves no group farther than max_step (LAMMPS's dmax
    on a line search): max_step over the largest group 2-norm of d; inf without max_step."""
    cdef Py_ssize_t q, i, start = 0, end
    cdef double acc, worst = 0.0
    if r.max_step <= 0.0:
        return INFINITY
    for q in range(r.n_groups if r.n_groups > 0 else 1):
        end = r.group_end[q] if r.n_groups > 0 else n
        acc = 0.0
        for i in range(start, end):
            acc += d[i] * d[i]
        if acc > worst:
            worst = acc
        start = end
    return r.max_step / sqrt(worst) if worst > 0.0 else INFINITY


cdef int wolfe_search(const gd_objective *obj, const gd_rule *r, Py_ssize_t n,
                      const double *x, double f, const double *g, const double *d,
                      double step0, double *x_new, double *f_new, double *g_new,
                      Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil:
    """Strong Wolfe: f(x-td) <= f + c1 t phi'(0) and |phi'(t)| <= c2 |phi'(0)|.
    x_new / f_new / g_new hold the accepted point.  With max_step, t stays below the cap of
    _step_cap (Nocedal & Wright's alpha_max): a trial there that decreases f enough while
    still going downhill is accepted."""
    cdef double dphi0 = -_dot(g, d, n)
    cdef double tmax = _step_cap(r, n, d)
    cdef double t = fmin(step0, tmax), t_prev = 0.0, phi_prev = f, dphi_prev = dphi0
    cdef double phi = 0.0, dphi = 0.0
    cdef double lo = 0.0, hi = 0.0, phi_lo = 0.0, dphi_lo = 0.0, phi_hi = 0.0
    cdef Py_ssize_t evals = 0
    cdef int rc
    cdef bint zoom = False
    if not (dphi0 < 0.0):
        return 1                                    # not a descent direction
    # bracketing (alg. 3.5)
    while evals < r.max_backtracks:
        rc = _phi(obj, n, x, d, t, x_new, f_new, g_new, &dphi, nfev, njev)
        evals += 1
        if rc != 0:
            return rc
        phi = f_new[0]
        if _too_high(phi, dphi, f, r.c1 * t * dphi0) or (evals > 1 and phi >= phi_prev):
            lo = t_prev
            phi_lo = phi_prev
            dphi_lo = dphi_prev
            hi = t
            phi_hi = phi
            zoom = True
            break
        if fabs(dphi) <= -r.c2 * dphi0:
            return 0
        if dphi >= 0.0:
            lo = t
            phi_lo = phi
            dphi_lo = dphi
            hi = t_prev
            phi_hi = phi_prev
            zoom = True
            break
        if t >= tmax:
            return 0                                # at the cap, still descending
        t_prev = t
        phi_prev = phi
        dphi_prev = dphi
        t = fmin(2.0 * t, tmax)
    if not zoom:
        return 1
    # zoom (alg. 3.6)
    while evals < r.max_backtracks:
        if not isfinite(phi_hi):
            t = 0.5 * (lo + hi)
        else:
            t = _interpolate(lo, hi, phi_lo, dphi_lo, phi_hi)
        rc = _phi(obj, n, x, d, t, x_new, f_new, g_new, &dphi, nfev, njev)
        evals += 1
        if rc != 0:
            return rc
        phi = f_new[0]
        if _too_high(phi, dphi, f, r.c1 * t * dphi0) or phi >= phi_lo:
            hi = t
            phi_hi = phi
        else:
            if fabs(dphi) <= -r.c2 * dphi0:
                return 0
            if dphi * (hi - lo) >= 0.0:
                hi = lo
                phi_hi = phi_lo
            lo = t
            phi_lo = phi
            dphi_lo = dphi
        if fabs(hi - lo) <= 1e-16 * fabs(lo):
            break
    return 1
