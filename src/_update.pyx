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
"""
from libc.math cimport sqrt, pow, fabs, fmin, fmax

from gdfast._rules cimport (gd_rule, gd_rule_state, RULE_SGD, RULE_ADAM, RULE_RMSPROP,
                            RULE_ADAGRAD)

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
