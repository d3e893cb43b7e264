"""Plain C loops of the same arithmetic as gdfast's kernels: the practical speed limit that
the benchmarks report ratios against.  Hard-coded (no function pointers, no checks), compiled
by setup.py with the same flags as gdfast, shipped as ``gdfast._baselines`` so that
``python -m gdfast bench`` has them too."""
from libc.math cimport fabs, fmax, exp, sqrt, pow, cos, sin, isfinite, M_PI

import numpy as np

cdef extern from "gd_block.h" nogil:
    ctypedef unsigned long long uint64_t
    void GD_BLOCK_ACC(uint64_t acc, double z) noexcept
    bint GD_BLOCK_FINITE(uint64_t acc) noexcept

cdef extern from "gd_kernels.h" nogil:
    double gd_logistic(const double *X, const double *y, Py_ssize_t m, Py_ssize_t n,
                       const double *w, int want_loss, double *g, double scale) noexcept


def quadratic_descent(const double[::1] a, const double[::1] c, const double[::1] x0,
                      double lr, Py_ssize_t iters):
    """Fixed-step descent on f = 1/2 sum_i a_i (x_i - c_i)^2, written as the lecture writes it:
    g = grad f(x), then x = x - lr * g.  Bit-for-bit the iterates gdfast computes."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    g_arr = np.empty(n)
    cdef double[::1] x = x_arr
    cdef double[::1] g = g_arr
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            for i in range(n):
                x[i] = x[i] - lr * g[i]
    return x_arr


def quadratic_descent_fused(const double[::1] a, const double[::1] c, const double[::1] x0,
                            double lr, Py_ssize_t iters):
    """The same descent with the gradient fused into the update, x_i -= lr a_i (x_i - c_i), so
    that no gradient vector exists: what a hand-tuned loop for this one function does."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    with nogil:
        for k in range(iters):
            for i in range(n):
                x[i] = x[i] - lr * a[i] * (x[i] - c[i])
    return x_arr


cdef inline double _rosenbrock(const double *x, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef double t, u, s = 0.0
    for i in range(n - 1):
        t = x[i + 1] - x[i] * x[i]
        u = 1.0 - x[i]
        s += 100.0 * t * t + u * u
    return s


def rosenbrock_central_gradient(const double[::1] x):
    """Central differences of the chained Rosenbrock function, steps eps^(1/3) max(1, |x_i|)
    rounded to be exact: gdfast's formula, hard-coded."""
    cdef Py_ssize_t n = x.shape[0], i
    xw_arr = np.array(x)
    g_arr = np.empty(n)
    cdef double[::1] xw = xw_arr
    cdef double[::1] g = g_arr
    cdef double h, xi, fp, fm
    with nogil:
        for i in range(n):
            xi = xw[i]
            h = 6.055454452393343e-06 * fmax(1.0, fabs(xi))
            h = (xi + h) - xi
            xw[i] = xi + h
            fp = _rosenbrock(&xw[0], n)
            xw[i] = xi - h
            fm = _rosenbrock(&xw[0], n)
            xw[i] = xi
            g[i] = (fp - fm) / (2.0 * h)
    return g_arr


def adam_logistic(const double[:, ::1] X, const double[::1] y, const double[::1] w0,
                  double lr, double beta1, double beta2, double eps, Py_ssize_t steps):
    """Adam (torch's formulas) on the mean logistic loss, hard-coded: the gradient by the
    same kernel as gdfast's Logistic (gd_logistic from src/gd_kernels.h: blocks of rows,
    vectorized exp and sigmoid, CPU-dispatched), then the moment updates and the step."""
    cdef Py_ssize_t m = X.shape[0], n = X.shape[1], j, t
    w_arr = np.array(w0)
    cdef double[::1] w = w_arr
    cdef double[::1] g = np.zeros(n)
    cdef double[::1] mom = np.zeros(n)
    cdef double[::1] v = np.zeros(n)
    cdef double bc1, bc2s, gi
    with nogil:
        for t in range(1, steps + 1):
            gd_logistic(&X[0, 0], &y[0], m, n, &w[0], 0, &g[0], 1.0 / m)
            bc1 = 1.0 - pow(beta1, <double>t)
            bc2s = sqrt(1.0 - pow(beta2, <double>t))
            for j in range(n):
                gi = g[j]
                mom[j] = beta1 * mom[j] + (1.0 - beta1) * gi
                v[j] = beta2 * v[j] + (1.0 - beta2) * gi * gi
                w[j] = w[j] - (lr / bc1) * (mom[j] / (sqrt(v[j]) / bc2s + eps))
    return w_arr


# ---- update and step rules on the diagonal quadratic f = 1/2 sum_i a_i (x_i - c_i)^2:
# gradient then the rule, written as torch.optim writes it; bit for bit gdfast's iterates.

def momentum_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                       double lr, double momentum, Py_ssize_t iters):
    """torch.optim.SGD with momentum (no dampening): buf = g, then momentum buf + g."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double[::1] buf = np.zeros(n)
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            for i in range(n):
                buf[i] = g[i] if k == 0 else momentum * buf[i] + g[i]
                x[i] = x[i] - lr * buf[i]
    return x_arr


def adam_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                   double lr, double beta1, double beta2, double eps, Py_ssize_t iters):
    """torch.optim.Adam."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double[::1] m = np.zeros(n)
    cdef double[::1] v = np.zeros(n)
    cdef double bc1, bc2s
    with nogil:
        for k in range(1, iters + 1):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            bc1 = 1.0 - pow(beta1, <double>k)
            bc2s = sqrt(1.0 - pow(beta2, <double>k))
            for i in range(n):
                m[i] = beta1 * m[i] + (1.0 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
                x[i] = x[i] - (lr / bc1) * (m[i] / (sqrt(v[i]) / bc2s + eps))
    return x_arr


def exponential_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                          double lr, double gamma, Py_ssize_t iters):
    """Fixed-step descent with torch's ExponentialLR schedule, lr gamma^k, computed as torch
    computes it: each step's rate is the previous one times gamma."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double lr_k = lr
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            for i in range(n):
                x[i] = x[i] - lr_k * g[i]
            lr_k = lr_k * gamma
    return x_arr


def bb_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                 double lr, double c1, double shrink, Py_ssize_t max_backtracks,
                 double lr_min, double lr_max, Py_ssize_t iters):
    """Barzilai-Borwein (BB1, s.s / s.y) globalized by Raydan's nonmonotone line search: the
    step is halved until f(x+) <= max(last 10 values of f) + c1 g.(x+ - x)."""
    cdef Py_ssize_t n = x0.shape[0], i, k, b, n_recent = 0
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double[::1] xn = np.zeros(n)
    cdef double[::1] gn = np.zeros(n)
    cdef double f_recent[10]
    cdef double f = 0.0, fn = 0.0, f_ref, t, slope, ss, sy, si, yi, step, lr_bb = lr, di
    with nogil:
        for i in range(n):
            di = x[i] - c[i]
            g[i] = a[i] * di
            f += g[i] * di
        f = 0.5 * f
        for k in range(iters):
            f_ref = f
            for b in range(n_recent):
                if f_recent[b] > f_ref:
                    f_ref = f_recent[b]
            t = lr_bb
            for b in range(max_backtracks):
                fn = 0.0
                slope = 0.0
                for i in range(n):
                    xn[i] = x[i] - t * g[i]
                    di = xn[i] - c[i]
                    fn += a[i] * di * di
                    slope += g[i] * (xn[i] - x[i])
                fn = 0.5 * fn
                if isfinite(fn) and fn <= f_ref + c1 * slope:
                    break
                t *= shrink
            for i in range(n):
                gn[i] = a[i] * (xn[i] - c[i])
            ss = 0.0
            sy = 0.0
            for i in range(n):
                si = xn[i] - x[i]
                yi = gn[i] - g[i]
                ss += si * si
                sy += si * yi
            if sy > 0.0:
                step = ss / sy
                if isfinite(step):
                    lr_bb = min(max(step, lr_min), lr_max)
            f_recent[k % 10] = fn
            if n_recent < 10:
                n_recent += 1
            for i in range(n):
                x[i] = xn[i]
                g[i] = gn[i]
            f = fn
    return x_arr


def nesterov_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                       double lr, double momentum, Py_ssize_t iters):
    """torch.optim.SGD with Nesterov momentum: buf as for momentum, d = g + momentum buf."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double[::1] buf = np.zeros(n)
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            for i in range(n):
                buf[i] = g[i] if k == 0 else momentum * buf[i] + g[i]
                x[i] = x[i] - lr * (g[i] + momentum * buf[i])
    return x_arr


def rmsprop_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                      double lr, double alpha, double eps, Py_ssize_t iters):
    """torch.optim.RMSprop (not centered, no momentum)."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double[::1] v = np.zeros(n)
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            for i in range(n):
                v[i] = alpha * v[i] + (1.0 - alpha) * g[i] * g[i]
                x[i] = x[i] - lr * (g[i] / (sqrt(v[i]) + eps))
    return x_arr


def adagrad_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                      double lr, double eps, Py_ssize_t iters):
    """torch.optim.Adagrad (no lr_decay)."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double[::1] v = np.zeros(n)
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            for i in range(n):
                v[i] = v[i] + g[i] * g[i]
                x[i] = x[i] - lr * (g[i] / (sqrt(v[i]) + eps))
    return x_arr


def inverse_time_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                           double lr, double gamma, Py_ssize_t iters):
    """Fixed-step descent with the inverse-time schedule lr / (1 + gamma k)."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double lr_k
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            lr_k = lr / (1.0 + gamma * k)
            for i in range(n):
                x[i] = x[i] - lr_k * g[i]
    return x_arr


def step_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                   double lr, Py_ssize_t period, double gamma, Py_ssize_t iters):
    """Fixed-step descent with torch's StepLR, lr gamma^(k // period), the power taken once
    per period (as gdfast does; a pow per step would cost about 10 ns)."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double factor = 1.0
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            if k % period == 0:
                factor = pow(gamma, <double>(k // period))
            for i in range(n):
                x[i] = x[i] - lr * factor * g[i]
    return x_arr


def array_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                    const double[::1] rates, Py_ssize_t iters):
    """Descent with a given rate per step, the last one after the end."""
    cdef Py_ssize_t n = x0.shape[0], i, k, last = rates.shape[0] - 1
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double lr_k
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            lr_k = rates[k if k < last else last]
            for i in range(n):
                x[i] = x[i] - lr_k * g[i]
    return x_arr


def cosine_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                     double lr, Py_ssize_t T_max, double eta_min, Py_ssize_t iters):
    """Fixed-step descent with torch's CosineAnnealingLR in closed form (held at eta_min
    after T_max steps)."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double lr_k
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            lr_k = eta_min + (lr - eta_min) * (1.0 + cos(M_PI * min(k, T_max) / T_max)) / 2.0
            for i in range(n):
                x[i] = x[i] - lr_k * g[i]
    return x_arr


def cosine_sum_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                         double lr, Py_ssize_t T_max, double eta_min, Py_ssize_t iters):
    """cosine_quadratic with gdfast's arithmetic for cos(pi k / T_max): the angle sum of
    k - k % 64 (cos and sin from libm every 64 steps) and k % 64 (from a table)."""
    cdef Py_ssize_t n = x0.shape[0], i, k, j
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double table[128]
    cdef double lr_k, ca = 1.0, sa = 0.0
    with nogil:
        for j in range(64):
            table[2 * j] = cos(M_PI * j / T_max)
            table[2 * j + 1] = sin(M_PI * j / T_max)
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            j = k & 63
            if k >= T_max:
                lr_k = eta_min
            else:
                if j == 0:
                    ca = cos(M_PI * k / T_max)
                    sa = sin(M_PI * k / T_max)
                lr_k = eta_min + (lr - eta_min) * (1.0 + (ca * table[2 * j]
                                                          - sa * table[2 * j + 1])) / 2.0
            for i in range(n):
                x[i] = x[i] - lr_k * g[i]
    return x_arr


def armijo_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                     double lr, double c1, double shrink, Py_ssize_t max_backtracks,
                     Py_ssize_t iters):
    """Backtracking from lr until f(x+) <= f + c1 g.(x+ - x)."""
    cdef Py_ssize_t n = x0.shape[0], i, k, b
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double[::1] xn = np.zeros(n)
    cdef double f = 0.0, fn = 0.0, t, slope, di
    with nogil:
        for i in range(n):
            di = x[i] - c[i]
            g[i] = a[i] * di
            f += g[i] * di
        f = 0.5 * f
        for k in range(iters):
            t = lr
            for b in range(max_backtracks):
                fn = 0.0
                slope = 0.0
                for i in range(n):
                    xn[i] = x[i] - t * g[i]
                    di = xn[i] - c[i]
                    fn += a[i] * di * di
                    slope += g[i] * (xn[i] - x[i])
                fn = 0.5 * fn
                if isfinite(fn) and fn <= f + c1 * slope:
                    break
                t *= shrink
            for i in range(n):
                x[i] = xn[i]
                g[i] = a[i] * (x[i] - c[i])
            f = fn
    return x_arr


def bounded_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                      double lr, const double[::1] lb, const double[::1] ub, Py_ssize_t iters):
    """Fixed-step descent projected onto the box [lb, ub] after each step (by comparisons,
    which vectorize, as gd_step.h projects)."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double v
    with nogil:
        for k in range(iters):
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
            for i in range(n):
                v = x[i] - lr * g[i]
                v = lb[i] if v < lb[i] else v
                x[i] = ub[i] if v > ub[i] else v
    return x_arr


def clipped_quadratic(const double[::1] a, const double[::1] c, const double[::1] x0,
                      double lr, double max_norm, Py_ssize_t iters):
    """Fixed-step descent on the gradient clipped by norm as torch.nn.utils.clip_grad_norm_:
    scaled by max_norm / (||g|| + 1e-6) when that is below 1."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x_arr = np.array(x0)
    cdef double[::1] x = x_arr
    cdef double[::1] g = np.zeros(n)
    cdef double norm2, scale
    with nogil:
        for k in range(iters):
            norm2 = 0.0
            for i in range(n):
                g[i] = a[i] * (x[i] - c[i])
                norm2 += g[i] * g[i]
            scale = max_norm / (sqrt(norm2) + 1e-6)
            if scale > 1.0:
                scale = 1.0
            for i in range(n):
                x[i] = x[i] - lr * (g[i] * scale)
    return x_arr


# ---- batch: 64-start structure-of-arrays blocks, the gradient inlined (issue: lanes) -------

cdef enum:
    SOA_BLOCK = 64


def himmelblau_soa(const double[:, ::1] X0, double lr, Py_ssize_t steps):
    """Fixed-step descent on Himmelblau from every row of X0 (m, 2): blocks of 64 starts in
    structure-of-arrays form, each block to the end (steps iterations), the gradient inlined
    in the step: what a hand-written batched C loop does (compiled with gdfast's flags)."""
    cdef Py_ssize_t m = X0.shape[0], b, i, k, lo, hi
    out = np.empty((m, 2))
    cdef double[:, ::1] o = out
    cdef double x0[SOA_BLOCK]
    cdef double x1[SOA_BLOCK]
    cdef double a, c
    cdef Py_ssize_t nb = (m + SOA_BLOCK - 1) // SOA_BLOCK
    with nogil:
        for b in range(nb):
            lo = b * SOA_BLOCK
            hi = min(m, lo + SOA_BLOCK)
            for i in range(hi - lo):
                x0[i] = X0[lo + i, 0]
                x1[i] = X0[lo + i, 1]
            for k in range(steps):
                for i in range(hi - lo):
                    a = x0[i] * x0[i] + x1[i] - 11.0
                    c = x0[i] + x1[i] * x1[i] - 7.0
                    x0[i], x1[i] = (x0[i] - lr * (4.0 * x0[i] * a + 2.0 * c),
                                    x1[i] - lr * (2.0 * a + 4.0 * x1[i] * c))
            for i in range(hi - lo):
                o[lo + i, 0] = x0[i]
                o[lo + i, 1] = x1[i]
    return out


def adam_himmelblau_soa(const double[:, ::1] X0, double lr, Py_ssize_t steps):
    """Adam (torch's defaults: betas 0.9, 0.999, eps 1e-8) on Himmelblau from every row of X0,
    64-start structure-of-arrays blocks, gradient inlined, gdfast's arithmetic (bias
    corrections once per step, the same operations per coordinate)."""
    cdef Py_ssize_t m = X0.shape[0], i, k, lo, hi, j, b
    out = np.empty((m, 2))
    cdef double[:, ::1] o = out
    cdef double x[2][SOA_BLOCK]
    cdef double mo[2][SOA_BLOCK]
    cdef double v[2][SOA_BLOCK]
    cdef double g[2]
    cdef double a, c, step, bc2s, b1 = 0.9, b2 = 0.999, eps = 1e-8
    cdef Py_ssize_t nb = (m + SOA_BLOCK - 1) // SOA_BLOCK
    with nogil:
        for b in range(nb):
            lo = b * SOA_BLOCK
            hi = min(m, lo + SOA_BLOCK)
            for i in range(hi - lo):
                x[0][i] = X0[lo + i, 0]
                x[1][i] = X0[lo + i, 1]
                mo[0][i] = mo[1][i] = v[0][i] = v[1][i] = 0.0
            for k in range(steps):
                step = lr / (1.0 - pow(b1, <double>(k + 1)))
                bc2s = sqrt(1.0 - pow(b2, <double>(k + 1)))
                for i in range(hi - lo):
                    a = x[0][i] * x[0][i] + x[1][i] - 11.0
                    c = x[0][i] + x[1][i] * x[1][i] - 7.0
                    g[0] = 4.0 * x[0][i] * a + 2.0 * c
                    g[1] = 2.0 * a + 4.0 * x[1][i] * c
                    for j in range(2):
                        mo[j][i] = b1 * mo[j][i] + (1.0 - b1) * g[j]
                        v[j][i] = b2 * v[j][i] + (1.0 - b2) * g[j] * g[j]
                        x[j][i] = x[j][i] - step * (mo[j][i] / (sqrt(v[j][i]) / bc2s + eps))
            for i in range(hi - lo):
                o[lo + i, 0] = x[0][i]
                o[lo + i, 1] = x[1][i]
    return out


cdef Py_ssize_t _nonfinite_steps = 0    # himmelblau_soa_checked's count (so that it is kept)


def himmelblau_soa_checked(const double[:, ::1] X0, double lr, Py_ssize_t steps):
    """himmelblau_soa with what a library's lane adds to it: f at every iterate and a test that
    every value of the block is finite (one branch per block and step: gdfast's bit test), the
    work that lets a diverging start stop at its last finite iterate.  The steps where the test
    fails are only counted, so that the iterates stay himmelblau_soa's."""
    global _nonfinite_steps
    cdef Py_ssize_t m = X0.shape[0], b, i, k, lo, hi
    out = np.empty((m, 2))
    cdef double[:, ::1] o = out
    cdef double x0[SOA_BLOCK]
    cdef double x1[SOA_BLOCK]
    cdef double f[SOA_BLOCK]
    cdef double a, c, g0, g1
    cdef uint64_t acc
    cdef Py_ssize_t nb = (m + SOA_BLOCK - 1) // SOA_BLOCK
    with nogil:
        for b in range(nb):
            lo = b * SOA_BLOCK
            hi = min(m, lo + SOA_BLOCK)
            for i in range(hi - lo):
                x0[i] = X0[lo + i, 0]
                x1[i] = X0[lo + i, 1]
            for k in range(steps):
                acc = 0
                for i in range(hi - lo):
                    a = x0[i] * x0[i] + x1[i] - 11.0
                    c = x0[i] + x1[i] * x1[i] - 7.0
                    g0 = 4.0 * x0[i] * a + 2.0 * c
                    g1 = 2.0 * a + 4.0 * x1[i] * c
                    f[i] = a * a + c * c
                    GD_BLOCK_ACC(acc, g0 + g1 + f[i])
                    x0[i] = x0[i] - lr * g0
                    x1[i] = x1[i] - lr * g1
                if not GD_BLOCK_FINITE(acc):
                    _nonfinite_steps += 1   # a lane diverged: a library stops it here
            for i in range(hi - lo):
                o[lo + i, 0] = x0[i]
                o[lo + i, 1] = x1[i]
    return out


cdef void _lj_gradient(const double *x, Py_ssize_t atoms, double *g) noexcept nogil:
    """The gradient of the Lennard-Jones energy (epsilon = sigma = 1, every pair): the built-in
    LennardJones's arithmetic, in the same order."""
    cdef Py_ssize_t i, j, k
    cdef double d[3]
    cdef double r2, s6, h
    for k in range(3 * atoms):
        g[k] = 0.0
    for i in range(atoms):
        for j in range(i + 1, atoms):
            r2 = 0.0
            for k in range(3):
                d[k] = x[3 * j + k] - x[3 * i + k]
                r2 += d[k] * d[k]
            s6 = 1.0 / r2
            s6 = s6 * s6 * s6
            h = 6.0 * 4.0 * (2.0 * s6 * s6 - s6) / r2
            for k in range(3):
                g[3 * i + k] += h * d[k]
                g[3 * j + k] -= h * d[k]


def fire_lennard_jones(const double[:, ::1] X0, double fmax, Py_ssize_t max_steps):
    """FIRE relaxations of Lennard-Jones clusters (one row of X0 each, 3 coordinates per atom)
    one after the other, written as a C loop for this one case: ASE's FIRE with its defaults
    (dt 0.1, maxstep 0.2, dtmax 1, Nmin 5, finc 1.1, fdec 0.5, astart = a = 0.1), until the
    largest force on an atom is <= fmax.  The arithmetic of gdfast's FIRE kernel (gd_fire.h),
    so the same bits; returns (X, nit)."""
    cdef Py_ssize_t m = X0.shape[0], n = X0.shape[1], atoms = n // 3, r, j, q, it
    out = np.array(X0)
    nits = np.zeros(m, dtype=np.intp)
    buf = np.zeros(2 * n)
    cdef double[:, ::1] X = out
    cdef Py_ssize_t[::1] nit = nits
    cdef double[::1] bv = buf
    cdef double *x
    cdef double *g = &bv[0]
    cdef double *v = g + n
    cdef double dt, a, vg, gg, vv, worst, fq, f, dr, drr, num, den, ca, cb, cs, c3
    cdef Py_ssize_t steps
    with nogil:
        for r in range(m):
            x = &X[r, 0]
            dt = 0.1
            a = 0.1
            steps = 0
            for j in range(n):
                v[j] = 0.0
            for it in range(max_steps + 1):
                _lj_gradient(x, atoms, g)
                worst = 0.0
                for q in range(atoms):
                    fq = g[3 * q] * g[3 * q] + g[3 * q + 1] * g[3 * q + 1] + g[3 * q + 2] * g[3 * q + 2]
                    worst = fq if fq > worst else worst
                if sqrt(worst) <= fmax or it == max_steps:
                    nit[r] = it
                    break
                if it > 0:
                    vg = 0.0
                    gg = 0.0
                    vv = 0.0
                    for j in range(n):
                        vg = vg + v[j] * g[j]
                        gg = gg + g[j] * g[j]
                        vv = vv + v[j] * v[j]
                    if -vg > 0.0:
                        ca = 1.0 - a
                        cb = a
                        cs = sqrt(gg)
                        c3 = sqrt(vv)
                        if steps > 5:
                            dt = min(dt * 1.1, 1.0)
                            a = a * 0.99
                        steps += 1
                    else:
                        ca = 0.0
                        cb = 0.0
                        cs = 1.0
                        c3 = 0.0
                        a = 0.1
                        dt = dt * 0.5
                        steps = 0
                    for j in range(n):
                        f = -g[j]
                        v[j] = ca * v[j] + (cb * f) / cs * c3 + dt * f
                else:
                    for j in range(n):
                        v[j] = dt * -g[j]
                drr = 0.0
                for j in range(n):
                    dr = dt * v[j]
                    drr = drr + dr * dr
                num = 1.0
                den = 1.0
                if sqrt(drr) > 0.2:
                    num = 0.2
                    den = sqrt(drr)
                for j in range(n):
                    x[j] = x[j] + num * (dt * v[j]) / den
    return out, nits
