"""Plain C loops of the same arithmetic as gdfast's kernels: the practical speed limit that
the benchmarks report ratios against.  Hard-coded (no function pointers, no checks), compiled
by setup.py with the same flags as gdfast, shipped as ``gdfast._baselines`` so that
``python -m gdfast bench`` has them too."""
from libc.math cimport fabs, fmax

import numpy as np


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
