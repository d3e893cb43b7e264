"""Update rules: the direction d of one iteration from the gradient, with torch.optim's exact
formulas and defaults, and the step x_new = P(x * decay - step * d) onto the bounds.

With gc the gradient after clipping (by norm: scaled by max_norm / (||g||_2 + 1e-6) when that
is < 1, as torch.nn.utils.clip_grad_norm_; by value: clamped to [-v, v]), negated when
maximizing, plus weight_decay * x (not for AdamW, whose decay is decoupled):

SGD (torch.optim.SGD)      m = gc the first time, then momentum m + (1 - dampening) gc;
                           d = gc + momentum m (Nesterov), m (momentum), or gc
Adam (torch.optim.Adam)    t += 1; m = b1 m + (1 - b1) gc; v = b2 v + (1 - b2) gc^2;
                           (AMSGrad: w = max(w, v), used for v); d = m / (sqrt(v)/sqrt(1-b2^t) + eps);
                           step = lr / (1 - b1^t);  AdamW: x *= 1 - lr wd first
RMSprop (torch)            v = alpha v + (1 - alpha) gc^2; centered: w += (1 - alpha)(gc - w),
                           a = sqrt(v - w^2) + eps, else a = sqrt(v) + eps;
                           momentum: m = momentum m + gc / a, d = m; else d = gc / a
Adagrad (torch)            t += 1; v += gc^2; d = gc / (sqrt(v) + eps); step = lr / (1 + (t-1) lr_decay)

Nonlinear CG and L-BFGS (below: qn_*) keep a memory of earlier steps per lane (st.qn) and give
the line search (Armijo or strong Wolfe) its direction d and its first trial step t0 (x(t) =
x - t d); their formulas are in the docstring of qn_direction.
"""
from libc.math cimport sqrt, pow, fabs, fmin, fmax, isfinite

from gdfast._rules cimport (gd_rule, gd_rule_state, RULE_SGD, RULE_ADAM, RULE_RMSPROP,
                            RULE_ADAGRAD, RULE_CG, RULE_LBFGS, CG_FR)

cdef inline double _clamp(double v, double lo, double hi) noexcept nogil:
    return fmin(fmax(v, lo), hi)


cdef inline void _effective_gradient(const gd_rule *r, gd_rule_state *st, Py_ssize_t n,
                                     const double *x, const double *g) noexcept nogil:
    """st.gc = clip(g), negated when maximizing, plus L2 weight decay (gd_step.h)."""
    gd_effective_gradient(x, g, st.gc, r.clip_norm, r.clip_value,
                          -1.0 if r.maximize else 1.0,
                          0.0 if r.decoupled_wd else r.weight_decay, n)


cdef double update_direction(const gd_rule *r, gd_rule_state *st, Py_ssize_t n,
                             const double *x, const double *g) noexcept nogil:
    """Fill st.d with this iteration's direction; return the divisor of the step size."""
    cdef Py_ssize_t i
    cdef double bc1 = 1.0, bc2_sqrt, divisor = 1.0
    _effective_gradient(r, st, n, x, g)
    st.t += 1
    if r.update == RULE_SGD:
        if r.momentum != 0.0:
            for i in range(n):
                st.d[i] = gd_momentum_dir(st.gc[i], &st.m[i], r.momentum, r.dampening,
                                          r.nesterov, st.buf_ready)
            st.buf_ready = True
        else:
            for i in range(n):
                st.d[i] = st.gc[i]
    elif r.update == RULE_ADAM:
        bc1 = 1.0 - pow(r.beta1, <double>st.t)
        bc2_sqrt = sqrt(1.0 - pow(r.beta2, <double>st.t))
        for i in range(n):
            st.d[i] = gd_adam_dir(st.gc[i], &st.m[i], &st.v[i], &st.w[i], r.beta1, r.beta2,
                                  bc2_sqrt, r.eps, r.amsgrad)
        divisor = bc1
    elif r.update == RULE_RMSPROP:
        for i in range(n):
            st.d[i] = gd_rmsprop_dir(st.gc[i], &st.v[i], &st.w[i], &st.m[i], r.alpha, r.eps,
                                     r.centered, r.momentum)
    else:  # RULE_ADAGRAD
        for i in range(n):
            st.d[i] = gd_adagrad_dir(st.gc[i], &st.v[i], r.eps)
        divisor = 1.0 + (st.t - 1) * r.lr_decay
    return divisor


cdef double projected_gradient_norm(const gd_rule *r, Py_ssize_t n, const double *x,
                                    const double *g) noexcept nogil:
    """max_i |x_i - P(x - g)_i|: the gradient's infinity norm, projected onto the box
    (L-BFGS-B's test); the plain gradient norm without bounds.  With gnorm_group, the largest
    2-norm over a group of that vector instead (ASE's fmax)."""
    cdef Py_ssize_t i, q, start = 0, end
    cdef double m = 0.0, a, acc
    if r.gnorm_group:
        for q in range(r.n_groups if r.n_groups > 0 else 1):
            end = r.group_end[q] if r.n_groups > 0 else n
            acc = 0.0
            for i in range(start, end):
                a = g[i] if r.lb == NULL else x[i] - _clamp(x[i] - g[i], r.lb[i], r.ub[i])
                acc += a * a
            if acc > m:
                m = acc
            start = end
        return sqrt(m)
    for i in range(n):
        if r.lb == NULL:
            a = fabs(g[i])
        else:
            a = fabs(x[i] - _clamp(x[i] - g[i], r.lb[i], r.ub[i]))
        if a > m:
            m = a
    return m


# ---- nonlinear conjugate gradients and L-BFGS -----------------------------------------------
#
# A lane's memory is one record of qn_record_len(r, n) doubles (st.qn), a header then vectors:
#   [0] 1 once a direction was taken (the vectors below hold the previous step's)
#   [1] t_prev, the step the line search accepted along d_prev (qn_accepted)
#   [2] CG: g_prev.d_prev        [3] 1 when d is the gradient itself (first step, restart)
#   [4] CG: steps since the last restart; L-BFGS: pairs held   [5] L-BFGS: the next slot
#   [6] |x - x_prev|_2, the length of the step accepted last (0: none yet)
#   CG:     d_prev (n), g_prev (n)
#   L-BFGS: x_prev (n), g_prev (n), rho (m), alpha (m), S (m, n), Y (m, n): a ring of pairs
# A zeroed record is a fresh start.  The records of a block's lanes lie one after the other
# (gdfast._descent): a lane's memory moves with it as a whole.

cdef enum:
    QN_HEADER = 7

cdef double QN_GROWTH = 10.0                   # CG: a first trial at most this many times
                                                # as long as the step before
cdef double QN_EPS = 2.220446049250313e-16     # DBL_EPSILON: L-BFGS skips a pair with
                                                # s.y <= QN_EPS |s| |y|


cdef Py_ssize_t qn_record_len(const gd_rule *r, Py_ssize_t n) noexcept nogil:
    """The doubles of one lane's memory (0: the rule keeps none)."""
    if r.update == RULE_CG:
        return QN_HEADER + 2 * n
    if r.update == RULE_LBFGS:
        return QN_HEADER + 2 * n + 2 * r.memory + 2 * r.memory * n
    return 0


cdef inline double _qn_dot(const double *a, const double *b, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef double acc = 0.0
    for i in range(n):
        acc += a[i] * b[i]
    return acc


cdef double qn_direction(const gd_rule *r, gd_rule_state *st, Py_ssize_t n, const double *x,
                         const double *g, double lr) noexcept nogil:
    """Fill st.d with this step's direction (the line search tries x - t d) from the lane's
    memory st.qn, and update the memory; return the first trial step t0.  (st.gc is scratch.)

    CG, with g_prev, d_prev the previous step's gradient and direction:
      Polak-Ribiere+  beta = max(0, g.(g - g_prev) / g_prev.g_prev)
      Fletcher-Reeves beta = g.g / g_prev.g_prev
      d = g + beta d_prev; restarted to d = g at the first step, every cg_restart steps
      (default n), and when d is no descent direction (g.d <= 0).
      t0 = t_prev (g_prev.d_prev) / (g.d) (Nocedal & Wright, eq. 3.60), lr / |g|_2 on the
      first step.
    L-BFGS, with the pairs s = x - x_prev, y = g - g_prev of the last `memory` steps:
      a pair with s.y <= eps |s| |y| (eps = 2.2e-16, the machine epsilon) is skipped, the
      others kept in a ring (the oldest dropped); d = H g by the two-loop recursion
      (Nocedal & Wright, alg. 7.4) with H0 = (s.y / y.y) I from the newest pair; should g.d
      not be > 0 the memory is cleared and d = g.  t0 = 1 (the quasi-Newton step); while no
      pair is held, lr / |g|_2 on the first step, later |x - x_prev|_2 / |g|_2 (as far as the
      step before)."""
    cdef double *h = st.qn
    cdef Py_ssize_t i, j, k, m, head, count
    cdef double gg, gpgp, beta, slope, t0, sy, ss, yy, a, b
    cdef double *p
    cdef double *gp
    cdef double *rho
    cdef double *alpha
    cdef double *S
    cdef double *Y
    cdef double *d = st.d
    st.t += 1
    gg = _qn_dot(g, g, n)
    if r.update == RULE_CG:
        p = h + QN_HEADER
        gp = p + n
        h[3] = 1.0
        if h[0] != 0.0 and h[4] < r.cg_restart:
            gpgp = _qn_dot(gp, gp, n)
            if r.cg_beta == CG_FR:
                beta = gg / gpgp
            else:
                beta = 0.0
                for i in range(n):
                    beta += g[i] * (g[i] - gp[i])
                beta = fmax(beta / gpgp, 0.0)
            if isfinite(beta):
                for i in range(n):
                    d[i] = g[i] + beta * p[i]
                slope = _qn_dot(g, d, n)
                if slope > 0.0 and isfinite(slope):
                    h[3] = 0.0
        if h[3] != 0.0:                 # steepest descent: the first step or a restart
            for i in range(n):
                d[i] = g[i]
            slope = gg
            h[4] = 0.0
        if h[0] != 0.0 and h[1] > 0.0 and h[2] > 0.0:
            t0 = h[1] * h[2] / slope
            # at most QN_GROWTH times as far as the step before: the estimate can be far too
            # long (seen near a minimum of Rosenbrock), and strong Wolfe's zoom from there
            # takes an evaluation per halving
            t0 = fmin(t0, QN_GROWTH * h[6] / sqrt(_qn_dot(d, d, n)))
        else:
            t0 = _qn_first_trial(h, gg, lr)
        for i in range(n):
            p[i] = d[i]
            gp[i] = g[i]
        h[0] = 1.0
        h[2] = slope
        h[4] += 1.0
        return t0 if t0 > 0.0 and isfinite(t0) else _qn_first_trial(h, gg, lr)
    # L-BFGS
    m = r.memory
    p = h + QN_HEADER               # x_prev
    gp = p + n
    rho = gp + n
    alpha = rho + m
    S = alpha + m
    Y = S + m * n
    count = <Py_ssize_t>h[4]
    head = <Py_ssize_t>h[5]
    if h[0] != 0.0:                 # the pair of the step just taken, in the scratch first
        sy = 0.0
        ss = 0.0
        yy = 0.0
        for i in range(n):
            a = x[i] - p[i]
            b = g[i] - gp[i]
            d[i] = a
            st.gc[i] = b
            sy += a * b
            ss += a * a
            yy += b * b
        if sy > QN_EPS * sqrt(ss) * sqrt(yy) and isfinite(sy) and yy > 0.0:
            for i in range(n):
                S[head * n + i] = d[i]
                Y[head * n + i] = st.gc[i]
            rho[head] = 1.0 / sy
            head = (head + 1) % m
            if count < m:
                count += 1
    for i in range(n):
        p[i] = x[i]
        gp[i] = g[i]
        d[i] = g[i]
    h[0] = 1.0
    if count > 0:
        for j in range(count):                      # newest to oldest
            k = (head - 1 - j + m) % m
            alpha[k] = rho[k] * _qn_dot(S + k * n, d, n)
            for i in range(n):
                d[i] -= alpha[k] * Y[k * n + i]
        k = (head - 1 + m) % m                      # H0 = s.y / y.y of the newest pair
        beta = 1.0 / (rho[k] * _qn_dot(Y + k * n, Y + k * n, n))
        for i in range(n):
            d[i] *= beta
        for j in range(count - 1, -1, -1):          # oldest to newest
            k = (head - 1 - j + m) % m
            b = rho[k] * _qn_dot(Y + k * n, d, n)
            for i in range(n):
                d[i] += (alpha[k] - b) * S[k * n + i]
        slope = _qn_dot(g, d, n)
        if not (slope > 0.0 and isfinite(slope)):
            count = 0
            for i in range(n):
                d[i] = g[i]
    h[4] = <double>count
    h[5] = <double>head
    h[3] = 1.0 if count == 0 else 0.0
    return 1.0 if count > 0 else _qn_first_trial(h, gg, lr)


cdef inline double _qn_first_trial(const double *h, double gg, double lr) noexcept nogil:
    """The first trial step along d = g: as far as the step accepted last (h[6]), or lr on
    the first step."""
    return (h[6] if h[6] > 0.0 else lr) / sqrt(gg)


cdef double qn_restart(const gd_rule *r, gd_rule_state *st, Py_ssize_t n, const double *g,
                       double lr) noexcept nogil:
    """After a failed line search along a direction that was not the gradient: st.d = g,
    the memory cleared (CG: this step counts as a restart; L-BFGS: no pairs); the first
    trial step as far as the step before (lr on the first step)."""
    cdef double *h = st.qn
    cdef Py_ssize_t i
    cdef double gg = _qn_dot(g, g, n)
    for i in range(n):
        st.d[i] = g[i]
    if r.update == RULE_CG:
        for i in range(n):
            h[QN_HEADER + i] = g[i]
        h[2] = gg
        h[4] = 1.0
    else:
        h[4] = 0.0
    h[1] = 0.0
    h[3] = 1.0
    return _qn_first_trial(h, gg, lr)


cdef void qn_accepted(gd_rule_state *st, Py_ssize_t n, const double *x,
                      const double *x_new) noexcept nogil:
    """The line search accepted x_new = x - t d: keep t (CG's next first trial step) and
    the step's length."""
    cdef Py_ssize_t i
    cdef double num = 0.0, dd = 0.0, ss = 0.0, si
    for i in range(n):
        si = x[i] - x_new[i]
        num += si * st.d[i]
        dd += st.d[i] * st.d[i]
        ss += si * si
    st.qn[1] = num / dd if dd > 0.0 else 0.0
    st.qn[6] = sqrt(ss)
