/* Vectorizable numeric kernels of the built-in objectives, in C for `restrict`, bit casts and
 * runtime CPU dispatch.  Shared by src/_builtins.pyx and bench/_baselines.pyx (the plain C
 * reference loops use the very same kernels, compiled with the same flags).
 *
 * Design:
 *  - gd_exp: exp(x) in plain arithmetic (Cody-Waite range reduction, Taylor polynomial, the
 *    power of two built from bits), branch-free so that loops over it vectorize; within 1 ulp
 *    (tests/test_kernels.py measures it against long double), exact special values:
 *    exp(+inf) = inf, exp(-inf) = 0, exp(NaN) = NaN, overflow to inf above 709.78, gradual
 *    underflow through the subnormals (one rounding) to 0 below -745.14.
 *  - gd_log1p_unit: log(1 + e) for e in [0, 1] (what softplus needs), likewise vectorizable.
 *  - gd_dot: eight interleaved partial sums (one AVX-512 or two AVX2 registers, no
 *    reassociation needed: the order is fixed by the C source, so every build gives the same
 *    sum up to FMA contraction).
 *  - gd_logistic: the Logistic objective in blocks of GD_LOGISTIC_BLOCK rows: z = X_b w, then
 *    exp / sigmoid over the block (vectorized), then g += X_b^T r while the block's rows are
 *    still in cache: X is read from memory once per evaluation.  The block's scratch lives on
 *    the stack (no shared state: the built-ins stay thread-safe).
 *  - GD_CLONES: with GCC on x86-64 Linux (ifunc), the outer kernels are compiled three times
 *    (AVX-512, AVX2+FMA, baseline) and the best one for the running CPU is picked at load
 *    time: portable wheels still use the wide vectors.  Other compilers get one portable
 *    version.  With -march=native (GDFAST_NATIVE=1) the clones are not needed.
 *    The AVX2+FMA and AVX-512 versions contract a*b+c into fused multiply-adds, so their
 *    results may differ from the baseline version's in the last bits (not in accuracy).
 */
#ifndef GDFAST_GD_KERNELS_H
#define GDFAST_GD_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && !defined(__AVX512F__) && !defined(GDFAST_NO_CLONES) && __GNUC__ >= 12
#define GD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GD_CLONES
#endif

#if defined(__GNUC__)
#define GD_UNUSED __attribute__((unused))   /* not every includer calls every kernel */
#else
#define GD_UNUSED
#endif

#define GD_LOGISTIC_BLOCK 64

static inline double gd_from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static inline uint64_t gd_to_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* exp(x).  x = k ln2 + r, |r| <= ln2/2 (k = round(x / ln2) by adding 1.5 * 2^52; ln2 split
 * in a 32-bit head, so that k * ln2_hi is exact, and a tail); exp(r) = 1 + (r + r^2 q(r)) with
 * q the Taylor series to degree 13 (truncation 4e-18); 2^k = 2^k1 2^k2 with k1 + k2 = k both
 * in the normal range, so that subnormal results are rounded once.  x is clamped to
 * [-746, 710] first (beyond, the result is 0 or inf anyway), which NaN passes through. */
static inline double gd_exp(double x)
{
    const double shifter = 6755399441055744.0;          /* 1.5 * 2^52 */
    const double log2e = 1.4426950408889634;
    const double ln2_hi = 6.93147180369123816490e-01;   /* 0x3FE62E42FEE00000 */
    const double ln2_lo = 1.90821492927058770002e-10;
    double kd, kf, k1f, k2f, r, q, p, s1, s2;
    x = x > 710.0 ? 710.0 : x;
    x = x < -746.0 ? -746.0 : x;
    kd = x * log2e + shifter;
    kf = kd - shifter;
    r = (x - kf * ln2_hi) - kf * ln2_lo;
    k1f = (kf * 0.5 + shifter) - shifter;
    k2f = kf - k1f;
    /* the low mantissa bits of k + 1.5 * 2^52 hold k; shifted up by 52 they give the
       exponent field of 2^k once the bias is added (k1, k2 in [-538, 512]) */
    s1 = gd_from_bits((gd_to_bits(k1f + shifter) + 1023u) << 52);
    s2 = gd_from_bits((gd_to_bits(k2f + shifter) + 1023u) << 52);
    q = 1.6059043836821613e-10;                         /* 1 / 13! */
    q = q * r + 2.08767569878681e-09;                   /* 1 / 12! */
    q = q * r + 2.505210838544172e-08;
    q = q * r + 2.755731922398589e-07;
    q = q * r + 2.7557319223985893e-06;
    q = q * r + 2.48015873015873e-05;
    q = q * r + 0.0001984126984126984;
    q = q * r + 0.001388888888888889;
    q = q * r + 0.008333333333333333;
    q = q * r + 0.041666666666666664;
    q = q * r + 0.16666666666666666;
    q = q * r + 0.5;                                    /* 1 / 2! */
    p = 1.0 + (r + r * r * q);
    return (p * s1) * s2;
}

/* log(1 + e) for e in [0, 1] (NaN gives NaN).  u = 1 + e rounded, c = e - (u - 1) its
 * rounding error (exact), u = 2^j v with v in [sqrt(1/2), sqrt(2)) (j = 0 or 1);
 * log(v) = 2 atanh(s), s = (v - 1) / (v + 1), |s| <= 0.1716, by its series to s^21 (truncation
 * 4e-18 relative); log1p(e) = j ln2 + log(v) + c / u. */
static inline double gd_log1p_unit(double e)
{
    const double ln2_hi = 6.93147180369123816490e-01;
    const double ln2_lo = 1.90821492927058770002e-10;
    double u = 1.0 + e;
    double c = e - (u - 1.0);
    double j = u > 1.4142135623730951 ? 1.0 : 0.0;
    double v = u > 1.4142135623730951 ? 0.5 * u : u;
    double s = (v - 1.0) / (v + 1.0);
    double s2 = s * s;
    double t = 2.0 / 21.0;
    t = t * s2 + 2.0 / 19.0;
    t = t * s2 + 2.0 / 17.0;
    t = t * s2 + 2.0 / 15.0;
    t = t * s2 + 2.0 / 13.0;
    t = t * s2 + 2.0 / 11.0;
    t = t * s2 + 2.0 / 9.0;
    t = t * s2 + 2.0 / 7.0;
    t = t * s2 + 2.0 / 5.0;
    t = t * s2 + 2.0 / 3.0;
    /* log(v) = 2 s + s^3 t; 2 s = (v - 1) - s (v - 1) keeps the leading term accurate */
    double f = v - 1.0;
    double logv = f - s * (f - s2 * t);
    return (j * ln2_hi + (logv + (c / u + j * ln2_lo)));
}

/* a . b with eight interleaved partial sums, combined pairwise, plus the n % 8 last terms
 * (summed apart: a variable index into acc would keep it in memory). */
static inline double gd_dot(const double *restrict a, const double *restrict b, ptrdiff_t n)
{
    double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    double t = 0.0;
    ptrdiff_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += a[j + k] * b[j + k];
    for (; j < n; j++)
        t += a[j] * b[j];
    return (((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7])))
           + t;
}

/* The diagonal Quadratic's gradient g = a (x - c) into g (which overlaps none of the inputs:
 * every caller passes its own output buffer); returns sum_i g_i (x_i - c_i), summed in order.
 * In C for `restrict`: no run-time overlap checks in a loop the descent calls every step. */
static inline double gd_quadratic_diag_grad(const double *restrict a, const double *restrict c,
                                            const double *restrict x, double *restrict g,
                                            ptrdiff_t n)
{
    double s = 0.0;
    for (ptrdiff_t i = 0; i < n; i++) {
        double di = x[i] - c[i];
        double gi = a[i] * di;
        s += gi * di;
        g[i] = gi;
    }
    return s;
}

/* y += a x + b u (two rows per pass over y: half the loads and stores of y) */
static inline void gd_axpy2(double a, const double *restrict x, double b,
                            const double *restrict u, double *restrict y, ptrdiff_t n)
{
    for (ptrdiff_t j = 0; j < n; j++)
        y[j] += a * x[j] + b * u[j];
}

static inline void gd_axpy(double a, const double *restrict x, double *restrict y, ptrdiff_t n)
{
    for (ptrdiff_t j = 0; j < n; j++)
        y[j] += a * x[j];
}

/* The logistic loss over the m rows of X (m, n), row-major, labels y, at weights w:
 * returns sum_i [softplus(z_i) - y_i z_i] (z = X w) when want_loss, else 0; when g is not
 * NULL, sets g = X^T (sigmoid(z) - y) * scale.  With e = exp(-|z|):
 * softplus(z) = max(z, 0) + log1p(e), sigmoid(z) = (z >= 0 ? 1 : e) / (1 + e). */
GD_CLONES GD_UNUSED
static double gd_logistic(const double *X, const double *y, ptrdiff_t m, ptrdiff_t n,
                          const double *w, int want_loss, double *g, double scale)
{
    double z[GD_LOGISTIC_BLOCK], e[GD_LOGISTIC_BLOCK], r[GD_LOGISTIC_BLOCK];
    double s = 0.0;
    ptrdiff_t i0, i, nb, j;
    if (g != NULL)
        for (j = 0; j < n; j++)
            g[j] = 0.0;
    for (i0 = 0; i0 < m; i0 += GD_LOGISTIC_BLOCK) {
        const double *Xb = X + i0 * n;
        const double *yb = y + i0;
        nb = m - i0 < GD_LOGISTIC_BLOCK ? m - i0 : GD_LOGISTIC_BLOCK;
        for (i = 0; i < nb; i++)
            z[i] = gd_dot(Xb + i * n, w, n);
        for (i = 0; i < nb; i++)
            e[i] = gd_exp(-fabs(z[i]));
        if (want_loss)
            for (i = 0; i < nb; i++)
                s += ((z[i] > 0.0 ? z[i] : 0.0) + gd_log1p_unit(e[i])) - yb[i] * z[i];
        if (g != NULL) {
            for (i = 0; i < nb; i++)
                r[i] = ((z[i] >= 0.0 ? 1.0 : e[i]) / (1.0 + e[i]) - yb[i]) * scale;
            for (i = 0; i + 2 <= nb; i += 2)
                gd_axpy2(r[i], Xb + i * n, r[i + 1], Xb + (i + 1) * n, g, n);
            if (i < nb)
                gd_axpy(r[i], Xb + i * n, g, n);
        }
    }
    return s;
}

/* gd_logistic over a mini-batch (gdfast.sgd): the rows rows[0:m] of X (rows NULL: rows 0 ..
 * m-1), z_i = x_i . w + c.  Returns the loss sum; g[0:n] = sum_i r_i x_i and, with an
 * intercept, g[n] = sum_i r_i (r_i = sigmoid(z_i) - y_i, not scaled).  The rows are gathered
 * by pointer, never copied. */
GD_CLONES GD_UNUSED
static double gd_logistic_rows(const double *X, const double *y, const ptrdiff_t *rows,
                               ptrdiff_t m, ptrdiff_t n, const double *w, double c,
                               int intercept, double *g)
{
    double z[GD_LOGISTIC_BLOCK], e[GD_LOGISTIC_BLOCK], r[GD_LOGISTIC_BLOCK];
    double yv[GD_LOGISTIC_BLOCK];
    const double *xr[GD_LOGISTIC_BLOCK];
    double s = 0.0, gc = 0.0;
    ptrdiff_t i0, i, nb, j, k;
    if (g != NULL)
        for (j = 0; j < n; j++)
            g[j] = 0.0;
    for (i0 = 0; i0 < m; i0 += GD_LOGISTIC_BLOCK) {
        nb = m - i0 < GD_LOGISTIC_BLOCK ? m - i0 : GD_LOGISTIC_BLOCK;
        for (i = 0; i < nb; i++) {
            k = rows != NULL ? rows[i0 + i] : i0 + i;
            xr[i] = X + k * n;
            yv[i] = y[k];
            z[i] = gd_dot(xr[i], w, n) + c;
        }
        for (i = 0; i < nb; i++)
            e[i] = gd_exp(-fabs(z[i]));
        for (i = 0; i < nb; i++)
            s += ((z[i] > 0.0 ? z[i] : 0.0) + gd_log1p_unit(e[i])) - yv[i] * z[i];
        if (g != NULL) {
            for (i = 0; i < nb; i++) {
                r[i] = (z[i] >= 0.0 ? 1.0 : e[i]) / (1.0 + e[i]) - yv[i];
                gc += r[i];
            }
            for (i = 0; i + 2 <= nb; i += 2)
                gd_axpy2(r[i], xr[i], r[i + 1], xr[i + 1], g, n);
            if (i < nb)
                gd_axpy(r[i], xr[i], g, n);
        }
    }
    if (g != NULL && intercept)
        g[n] = gc;
    return s;
}

/* exp over an array (the kernel tests call it: the dispatched version of gd_exp) */
GD_CLONES GD_UNUSED
static void gd_exp_array(const double *x, double *out, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        out[i] = gd_exp(x[i]);
}

GD_CLONES GD_UNUSED
static void gd_log1p_unit_array(const double *x, double *out, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        out[i] = gd_log1p_unit(x[i]);
}

#endif
