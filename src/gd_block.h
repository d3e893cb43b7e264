/* Block (structure-of-arrays) evaluation of built-in objectives, for batch multi-start.
 *
 * m points, coordinate j of point i at X[j * ld + i]; F[i] gets f, G (same layout as X) the
 * gradient.  Loops run over the points innermost, with `restrict`, so that the compiler
 * vectorizes across starts.  Same arithmetic, term for term, as the scalar kernels in
 * _builtins.pyx, so that a batch run gives the iterates `minimize` gives.
 */
#ifndef GDFAST_GD_BLOCK_H
#define GDFAST_GD_BLOCK_H

#include <math.h>
#include <stddef.h>

static inline void gd_block_himmelblau(ptrdiff_t m, ptrdiff_t ld, const double *restrict X,
                                       double *restrict F, double *restrict G)
{
    const double *restrict x0 = X;
    const double *restrict x1 = X + ld;
    double *restrict g0 = G;
    double *restrict g1 = G + ld;
    for (ptrdiff_t i = 0; i < m; i++) {
        double a = x0[i] * x0[i] + x1[i] - 11.0;
        double b = x0[i] + x1[i] * x1[i] - 7.0;
        F[i] = a * a + b * b;
        g0[i] = 4.0 * x0[i] * a + 2.0 * b;
        g1[i] = 2.0 * a + 4.0 * x1[i] * b;
    }
}

/* 1/2 sum_j a_j (x_j - c_j)^2, summed over j in the scalar kernel's order */
static inline void gd_block_quadratic_diag(ptrdiff_t m, ptrdiff_t n, ptrdiff_t ld,
                                           const double *restrict a, const double *restrict c,
                                           const double *restrict X, double *restrict F,
                                           double *restrict G)
{
    for (ptrdiff_t i = 0; i < m; i++)
        F[i] = 0.0;
    for (ptrdiff_t j = 0; j < n; j++) {
        const double aj = a[j], cj = c[j];
        const double *restrict xj = X + j * ld;
        double *restrict gj = G + j * ld;
        for (ptrdiff_t i = 0; i < m; i++) {
            double d = xj[i] - cj;
            double g = aj * d;
            F[i] += g * d;
            gj[i] = g;
        }
    }
    for (ptrdiff_t i = 0; i < m; i++)
        F[i] = 0.5 * F[i];
}

static inline void gd_block_quadratic_dense(ptrdiff_t m, ptrdiff_t n, ptrdiff_t ld,
                                            const double *restrict A, const double *restrict c,
                                            const double *restrict X, double *restrict F,
                                            double *restrict G)
{
    for (ptrdiff_t i = 0; i < m; i++)
        F[i] = 0.0;
    for (ptrdiff_t r = 0; r < n; r++) {
        double *restrict gr = G + r * ld;
        const double *restrict xr = X + r * ld;
        for (ptrdiff_t i = 0; i < m; i++)
            gr[i] = 0.0;
        for (ptrdiff_t k = 0; k < n; k++) {
            const double ark = A[r * n + k], ck = c[k];
            const double *restrict xk = X + k * ld;
            for (ptrdiff_t i = 0; i < m; i++)
                gr[i] += ark * (xk[i] - ck);
        }
        const double cr = c[r];
        for (ptrdiff_t i = 0; i < m; i++)
            F[i] += gr[i] * (xr[i] - cr);
    }
    for (ptrdiff_t i = 0; i < m; i++)
        F[i] = 0.5 * F[i];
}

#endif
