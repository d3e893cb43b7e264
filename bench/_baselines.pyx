"""Plain C loops of the same arithmetic as gdfast's kernels: the practical speed limit the
benchmarks report ratios against.  Hard-coded, no function pointers, same compiler flags."""
from libc.math cimport fabs, fmax


def quadratic_descent(const double[::1] a, const double[::1] c, const double[::1] x0,
                      double lr, Py_ssize_t iters):
    """x <- x - lr * a * (x - c), ``iters`` times; the diagonal quadratic's descent."""
    cdef Py_ssize_t n = x0.shape[0], i, k
    x = [x0[i] for i in range(n)]
    cdef double[::1] xv = __import__("numpy").array(x, dtype=float)
    with nogil:
        for k in range(iters):
            for i in range(n):
                xv[i] = xv[i] - lr * a[i] * (xv[i] - c[i])
    return __import__("numpy").asarray(xv)


cdef inline double _rosenbrock(const double *x, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef double t, u, s = 0.0
    for i in range(n - 1):
        t = x[i + 1] - x[i] * x[i]
        u = 1.0 - x[i]
        s += 100.0 * t * t + u * u
    return s


def rosenbrock_central_gradient(const double[::1] x):
    """Central differences of the chained Rosenbrock function, steps eps^(1/3) max(1, |x_i|)."""
    import numpy as np
    cdef Py_ssize_t n = x.shape[0], i
    cdef double[::1] xw = np.array(x)
    g_arr = np.empty(n)
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
