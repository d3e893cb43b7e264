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
#include <stdint.h>
#include <string.h>

/* the loop's finiteness flag from the OR of the bits of (a sum of values) * 0 (gd_step.h
 * gd_all_finite): a finite sum times 0 is +-0 */
#define GD_BLOCK_FINITE(acc) (((acc) & 0x7ff0000000000000ULL) != 0x7ff0000000000000ULL)
#define GD_BLOCK_ACC(acc, z) do { double z0_ = (z) * 0.0; uint64_t b_; \
                                  memcpy(&b_, &z0_, sizeof b_); (acc) |= b_; } while (0)

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

/* The step and the evaluation in one pass (gd_step_eval_block_fn, _objective.pxd): with
 * has_step, Xn = X - step D (gd_step.h gd_lanes_fixed_step's arithmetic), else Xn is read;
 * then f (has_f) and grad f at Xn, as gd_block_himmelblau.  Returns 1 when every value
 * written is finite, 0 when one may not be (their sum overflowed, or one is not). */
static inline int gd_himmelblau_step_eval_(ptrdiff_t m, ptrdiff_t ld, double step,
                                           const double *restrict X,
                                           const double *restrict D, double *restrict Xn,
                                           double *restrict F, double *restrict G,
                                           const int has_step, const int has_f)
{
    uint64_t acc = 0;
    for (ptrdiff_t i = 0; i < m; i++) {
        double x0, x1;
        if (has_step) {
            x0 = X[i] - step * D[i];
            x1 = X[ld + i] - step * D[ld + i];
            Xn[i] = x0;
            Xn[ld + i] = x1;
        } else {
            x0 = Xn[i];
            x1 = Xn[ld + i];
        }
        double a = x0 * x0 + x1 - 11.0;
        double b = x0 + x1 * x1 - 7.0;
        double g0 = 4.0 * x0 * a + 2.0 * b;
        double g1 = 2.0 * a + 4.0 * x1 * b;
        G[i] = g0;
        G[ld + i] = g1;
        double z = g0 + g1;
        if (has_f) {
            double f = a * a + b * b;
            F[i] = f;
            z += f;
        }
        GD_BLOCK_ACC(acc, z);
    }
    return GD_BLOCK_FINITE(acc);
}

static inline int gd_himmelblau_step_eval(ptrdiff_t m, ptrdiff_t ld, double step,
                                          const double *X, const double *D, double *Xn,
                                          double *F, double *G)
{
    if (D != NULL)
        return F != NULL ? gd_himmelblau_step_eval_(m, ld, step, X, D, Xn, F, G, 1, 1)
                         : gd_himmelblau_step_eval_(m, ld, step, X, D, Xn, F, G, 1, 0);
    return F != NULL ? gd_himmelblau_step_eval_(m, ld, step, X, D, Xn, F, G, 0, 1)
                     : gd_himmelblau_step_eval_(m, ld, step, X, D, Xn, F, G, 0, 0);
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

/* gd_himmelblau_step_eval's form of gd_block_quadratic_diag (F may be NULL) */
static inline int gd_quadratic_diag_step_eval(ptrdiff_t m, ptrdiff_t n, ptrdiff_t ld,
                                              const double *restrict a,
                                              const double *restrict c, double step,
                                              const double *restrict X,
                                              const double *restrict D,
                                              double *restrict Xn, double *restrict F,
                                              double *restrict G)
{
    uint64_t acc = 0;
    const int has_f = F != NULL, has_step = D != NULL;
    for (ptrdiff_t i = 0; has_f && i < m; i++)
        F[i] = 0.0;
    for (ptrdiff_t j = 0; j < n; j++) {
        const double aj = a[j], cj = c[j];
        double *restrict xn = Xn + j * ld;
        double *restrict gj = G + j * ld;
        for (ptrdiff_t i = 0; i < m; i++) {
            double x;
            if (has_step) {
                x = X[j * ld + i] - step * D[j * ld + i];
                xn[i] = x;
            } else {
                x = xn[i];
            }
            double d = x - cj;
            double g = aj * d;
            if (has_f)
                F[i] += g * d;
            gj[i] = g;
            GD_BLOCK_ACC(acc, g);
        }
    }
    for (ptrdiff_t i = 0; has_f && i < m; i++) {
        F[i] = 0.5 * F[i];
        GD_BLOCK_ACC(acc, F[i]);
    }
    return GD_BLOCK_FINITE(acc);
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

/* One pair of atoms (a, b) of every lane: coordinates xa[k * ld + i], xb[k * ld + i]; their
 * energy into F[i], their forces' terms into ga, gb (gd_block_lennard_jones). */
static inline void gd_block_lj_pair(ptrdiff_t m, ptrdiff_t ld, double eps4, double sigma2,
                                    double rc2, double shift, const double *restrict xa,
                                    const double *restrict xb, double *restrict ga,
                                    double *restrict gb, double *restrict F)
{
    for (ptrdiff_t i = 0; i < m; i++) {
        const double d0 = xb[i] - xa[i];
        const double d1 = xb[ld + i] - xa[ld + i];
        const double d2 = xb[2 * ld + i] - xa[2 * ld + i];
        const double r2 = d0 * d0 + d1 * d1 + d2 * d2;
        const double keep = r2 > rc2 ? 0.0 : 1.0;
        double s6 = sigma2 / r2;
        s6 = s6 * s6 * s6;
        F[i] += keep * (eps4 * (s6 * s6 - s6) - shift);
        const double h = keep * (6.0 * eps4 * (2.0 * s6 * s6 - s6) / r2);
        ga[i] += h * d0;
        gb[i] -= h * d0;
        ga[ld + i] += h * d1;
        gb[ld + i] -= h * d1;
        ga[2 * ld + i] += h * d2;
        gb[2 * ld + i] -= h * d2;
    }
}

/* The Lennard-Jones energy of m clusters of n / 3 atoms (coordinate k of atom a of lane i at
 * X[(3 a + k) * ld + i]); p = (4 epsilon, sigma^2, rc^2 (0: every pair), shift).  The pairs
 * a < b in _lennard_jones_eval's order, lanes innermost; a pair beyond the cut-off is left out
 * by a factor 0 (a branch would keep GCC from vectorizing across lanes), which adds +-0 to
 * the sums: the same bits as the scalar kernel. */
static inline void gd_block_lennard_jones(ptrdiff_t m, ptrdiff_t n, ptrdiff_t ld,
                                          const double *restrict p, const double *restrict X,
                                          double *restrict F, double *restrict G)
{
    const double rc2 = p[2] > 0.0 ? p[2] : INFINITY;    /* r2 > rc2: the scalar kernel's test */
    const ptrdiff_t atoms = n / 3;
    for (ptrdiff_t i = 0; i < m; i++)
        F[i] = 0.0;
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < m; i++)
            G[j * ld + i] = 0.0;
    for (ptrdiff_t a = 0; a < atoms; a++)
        for (ptrdiff_t b = a + 1; b < atoms; b++)
            gd_block_lj_pair(m, ld, p[0], p[1], rc2, p[3], X + 3 * a * ld, X + 3 * b * ld,
                             G + 3 * a * ld, G + 3 * b * ld, F);
}

#endif
