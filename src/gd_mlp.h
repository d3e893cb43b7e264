/* The built-in MLP's forward and backward passes over a block of samples (src/_mlp.pyx).
 *
 * A block's activations are feature-major: activation k of layer l for sample s at
 * A_l[k * B + s] (B = GD_MLP_BLOCK), so that every inner loop runs over the block's samples:
 * the affine maps and the backward pass's products vectorize across samples (with `restrict`,
 * in C for that reason), and the weight gradients are dot products over the samples with four
 * partial sums.  Parameters: unit j of a layer with wi inputs at p[j * (wi + 1)]: its weights,
 * then its bias (see src/_mlp.pyx).
 */
#ifndef GDFAST_GD_MLP_H
#define GDFAST_GD_MLP_H

#include <math.h>
#include <stddef.h>

#include "gd_kernels.h"                 /* gd_exp */

#define GD_MLP_BLOCK 64

/* tanh(z) in plain arithmetic, so that the activation loop vectorizes (libm's tanh is a call,
 * ~15 ns, most of a 2-32-32-3 network's forward pass): for |z| < 1/8 the odd Taylor series to
 * z^15 (truncation < 2e-18 relative), else sign(z) (1 - t) / (1 + t) with t = exp(-2|z|) by
 * gd_exp (1 - t >= 0.22: within a few ulp).  NaN stays NaN. */
static inline double gd_tanh(double z)
{
    const double a = fabs(z), z2 = z * z;
    double p = -929569.0 / 638512875.0;
    p = p * z2 + 21844.0 / 6081075.0;
    p = p * z2 - 1382.0 / 155925.0;
    p = p * z2 + 62.0 / 2835.0;
    p = p * z2 - 17.0 / 315.0;
    p = p * z2 + 2.0 / 15.0;
    p = p * z2 - 1.0 / 3.0;
    const double small = z + z * (z2 * p);
    const double t = gd_exp(-2.0 * a);
    const double big = copysign((1.0 - t) / (1.0 + t), z);
    return a < 0.125 ? small : big;
}

/* Z[j * B + s] = p_j . A[:, s] + b_j for the nb samples of the block */
static inline void gd_mlp_affine(ptrdiff_t wo, ptrdiff_t wi, ptrdiff_t nb,
                                 const double *restrict p, const double *restrict A,
                                 double *restrict Z)
{
    for (ptrdiff_t j = 0; j < wo; j++) {
        const double *restrict u = p + j * (wi + 1);
        double *restrict z = Z + j * GD_MLP_BLOCK;
        const double bias = u[wi];
        for (ptrdiff_t s = 0; s < nb; s++)
            z[s] = bias;
        for (ptrdiff_t k = 0; k < wi; k++) {
            const double w = u[k];
            const double *restrict a = A + k * GD_MLP_BLOCK;
            for (ptrdiff_t s = 0; s < nb; s++)
                z[s] += w * a[s];
        }
    }
}

/* the hidden layers' activation in place: tanh, or relu */
static inline void gd_mlp_activate(ptrdiff_t w, ptrdiff_t nb, int relu, double *restrict Z)
{
    for (ptrdiff_t j = 0; j < w; j++) {
        double *restrict z = Z + j * GD_MLP_BLOCK;
        if (relu)
            for (ptrdiff_t s = 0; s < nb; s++)
                z[s] = z[s] > 0.0 ? z[s] : 0.0;
        else
            for (ptrdiff_t s = 0; s < nb; s++)
                z[s] = gd_tanh(z[s]);
    }
}

/* sum_s a[s] b[s] (b NULL: sum_s a[s]) with four partial sums, in a fixed order */
static inline double gd_mlp_dot(const double *restrict a, const double *restrict b,
                                ptrdiff_t nb)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    ptrdiff_t s = 0;
    for (; s + 4 <= nb; s += 4) {
        s0 += a[s] * (b ? b[s] : 1.0);
        s1 += a[s + 1] * (b ? b[s + 1] : 1.0);
        s2 += a[s + 2] * (b ? b[s + 2] : 1.0);
        s3 += a[s + 3] * (b ? b[s + 3] : 1.0);
    }
    for (; s < nb; s++)
        s0 += a[s] * (b ? b[s] : 1.0);
    return (s0 + s1) + (s2 + s3);
}

/* a layer's part of the backward pass: from dZ (wo, B), the dloss/dz of its outputs, the
 * gradient of its parameters into gp (added), and, when dA is not NULL, dloss/da of its
 * inputs into dA (wi, B) */
static inline void gd_mlp_backward(ptrdiff_t wo, ptrdiff_t wi, ptrdiff_t nb,
                                   const double *restrict p, const double *restrict A,
                                   const double *restrict dZ, double *restrict gp,
                                   double *restrict dA)
{
    for (ptrdiff_t j = 0; j < wo; j++) {
        const double *restrict dz = dZ + j * GD_MLP_BLOCK;
        double *restrict gu = gp + j * (wi + 1);
        for (ptrdiff_t k = 0; k < wi; k++)
            gu[k] += gd_mlp_dot(dz, A + k * GD_MLP_BLOCK, nb);
        gu[wi] += gd_mlp_dot(dz, NULL, nb);
    }
    if (!dA)
        return;
    for (ptrdiff_t k = 0; k < wi; k++) {
        double *restrict da = dA + k * GD_MLP_BLOCK;
        for (ptrdiff_t s = 0; s < nb; s++)
            da[s] = 0.0;
        for (ptrdiff_t j = 0; j < wo; j++) {
            const double w = p[j * (wi + 1) + k];
            const double *restrict dz = dZ + j * GD_MLP_BLOCK;
            for (ptrdiff_t s = 0; s < nb; s++)
                da[s] += w * dz[s];
        }
    }
}

/* dA *= the activation's derivative at the activations A (tanh: 1 - a^2; relu: a > 0) */
static inline void gd_mlp_activation_grad(ptrdiff_t w, ptrdiff_t nb, int relu,
                                          const double *restrict A, double *restrict dA)
{
    for (ptrdiff_t k = 0; k < w; k++)
        for (ptrdiff_t s = 0; s < nb; s++) {
            const double a = A[k * GD_MLP_BLOCK + s];
            double *restrict da = dA + k * GD_MLP_BLOCK + s;
            *da = relu ? (a > 0.0 ? *da : 0.0) : *da * (1.0 - a * a);
        }
}

#endif
