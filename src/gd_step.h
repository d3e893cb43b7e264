/* Element-wise step kernels of the descent loop, in C for one reason: `restrict`.
 *
 * Cython cannot say that x, g and x_new do not overlap, so GCC leaves its version of these
 * loops scalar while the objective's loops (which GCC versions for aliasing) are vectorized;
 * the objective then loads x_new as a 16-byte vector that two 8-byte stores wrote, which
 * defeats store-to-load forwarding: measured 2x slower per iteration on the 2-D quadratic.
 * With `restrict` both sides are vectorized alike.
 *
 * Lanes: every kernel works on a block of L lanes (starting points) in structure-of-arrays
 * layout, coordinate j of lane i at [j * ld + i] (ld >= L), and the same formula serves one
 * lane (ld == 1: a flat loop over the coordinates) and many (a loop over the lanes innermost,
 * vectorized across them): GD_FOR_LANES.  A lane's arithmetic never depends on the others,
 * nor on ld, so a row of a batch gets the bits of a run on its own.  Per-lane reductions
 * (norms, finiteness, sums) run over the coordinates in order, as the one-lane ones do.
 *
 * The update rules' fused kernels below are the loop's path for a rule with a fixed step or
 * a schedule (gdfast._descent: the kernels of _iterate): direction and step in one pass over
 * the coordinates, no copies of g, no calls.  The directions are the gd_*_dir functions,
 * which src/_update.pyx's update_direction (the general path) uses too, and the step is
 * apply_step's, so the iterates are the same bits on both paths.
 */
#ifndef GDFAST_GD_STEP_H
#define GDFAST_GD_STEP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* BODY for every element k of the lanes 0..L-1 of an (n, ld) block: a flat loop for one lane
 * (ld == 1), else the lanes innermost.  BODY may use j, the coordinate. */
#define GD_FOR_LANES(n, L, ld, ...)                                                   \
    do {                                                                          \
        if ((ld) == 1) {                                                          \
            for (ptrdiff_t k = 0; k < (n); k++) {                                 \
                const ptrdiff_t j = k;                                            \
                (void)j;                                                          \
                __VA_ARGS__                                                       \
            }                                                                     \
        } else {                                                                  \
            for (ptrdiff_t j = 0; j < (n); j++)                                   \
                for (ptrdiff_t k = j * (ld); k < j * (ld) + (L); k++) {           \
                    __VA_ARGS__                                                   \
                }                                                                 \
        }                                                                         \
    } while (0)

/* every v_i finite: v_i * 0 is +-0 for a finite v_i and NaN for inf or NaN, so the OR of
 * their bits has the exponent field all ones exactly when one is not finite.  An integer OR
 * is vectorized; a floating-point sum of the v_i * 0 (in order) is not. */
static inline int gd_all_finite(const double *restrict v, ptrdiff_t n)
{
    uint64_t acc = 0, bits;
    for (ptrdiff_t i = 0; i < n; i++) {
        double z = v[i] * 0.0;
        memcpy(&bits, &z, sizeof bits);
        acc |= bits;
    }
    return (acc & 0x7ff0000000000000ULL) != 0x7ff0000000000000ULL;
}

/* the lanes of G (n, ld) whose entries are all finite, and f[i] too when f != NULL: returns 1
 * when every lane is; otherwise 0, with ok[i] = 1 or 0 for i < L (acc: L words of scratch) */
static inline int gd_lanes_finite(const double *restrict G, const double *restrict f,
                                  ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld,
                                  uint64_t *restrict acc, int *restrict ok)
{
    uint64_t all = 0, bits;
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < L; i++) {
            double z = G[j * ld + i] * 0.0;
            memcpy(&bits, &z, sizeof bits);
            all |= bits;
        }
    for (ptrdiff_t i = 0; f != NULL && i < L; i++) {
        double z = f[i] * 0.0;
        memcpy(&bits, &z, sizeof bits);
        all |= bits;
    }
    if ((all & 0x7ff0000000000000ULL) != 0x7ff0000000000000ULL)
        return 1;
    for (ptrdiff_t i = 0; i < L; i++) {
        double z = f != NULL ? f[i] * 0.0 : 0.0;
        memcpy(&acc[i], &z, sizeof z);
    }
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < L; i++) {
            double z = G[j * ld + i] * 0.0;
            memcpy(&bits, &z, sizeof bits);
            acc[i] |= bits;
        }
    for (ptrdiff_t i = 0; i < L; i++)
        ok[i] = (acc[i] & 0x7ff0000000000000ULL) != 0x7ff0000000000000ULL;
    return 0;
}

/* out[i] = max_j |a[j, i] - b[j, i]| (b == NULL: max_j |a[j, i]|) for the lanes i < L; NaN
 * entries are skipped (check finiteness first) */
static inline void gd_lanes_max_abs(const double *restrict a, const double *restrict b,
                                    ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld,
                                    double *restrict out)
{
    for (ptrdiff_t i = 0; i < L; i++)
        out[i] = 0.0;
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < L; i++) {
            double v = fabs(b != NULL ? a[j * ld + i] - b[j * ld + i] : a[j * ld + i]);
            out[i] = v > out[i] ? v : out[i];
        }
}

/* The gradient the update rule sees (src/_update.pyx): g scaled by min(1, clip_norm /
 * (||g||_2 + 1e-6)) when clip_norm > 0 (torch.nn.utils.clip_grad_norm_), clamped to
 * [-clip_value, clip_value] when clip_value > 0, times sign (-1: maximize), plus wd x (L2
 * weight decay).  One pass after the norm, vectorized: a scalar loop here would stall the
 * vector loads of the update kernel that reads gc next.  scale: L doubles of scratch. */
static inline void gd_lanes_effective_gradient(const double *restrict x,
                                               const double *restrict g,
                                               double *restrict gc, double clip_norm,
                                               double clip_value, double sign, double wd,
                                               ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld,
                                               double *restrict scale)
{
    int scaled = 0;
    if (clip_norm > 0.0 && L == 1) {
        /* one lane: a branch the core predicts (two loops below, not a select), so that the
         * norm's sqrt and division stay off the step's critical path when nothing is clipped;
         * a scale of 1 leaves g as it is (g * 1.0 == g).  Lanes: branch-free, to vectorize */
        double ss = 0.0;
        for (ptrdiff_t j = 0; j < n; j++)
            ss += g[j * ld] * g[j * ld];
        const double s = clip_norm / (sqrt(ss) + 1e-6);
        if (!(s >= 1.0)) {
            scale[0] = s;
            scaled = 1;
        }
    } else if (clip_norm > 0.0) {
        for (ptrdiff_t i = 0; i < L; i++)
            scale[i] = 0.0;
        for (ptrdiff_t j = 0; j < n; j++)
            for (ptrdiff_t i = 0; i < L; i++)
                scale[i] += g[j * ld + i] * g[j * ld + i];
        for (ptrdiff_t i = 0; i < L; i++) {
            double s = clip_norm / (sqrt(scale[i]) + 1e-6);
            scale[i] = s > 1.0 ? 1.0 : s;
        }
        scaled = 1;
    }
#define GD_EFFECTIVE_(v0) GD_FOR_LANES(n, L, ld, {                                         \
        double v = (v0);                                                                   \
        if (clip_value > 0.0) {                                                            \
            v = v < -clip_value ? -clip_value : v;                                         \
            v = v > clip_value ? clip_value : v;                                           \
        }                                                                                  \
        gc[k] = sign * v + wd * x[k];                                                      \
    })
    if (scaled)
        GD_EFFECTIVE_(g[k] * scale[k - j * ld]);
    else
        GD_EFFECTIVE_(g[k]);
#undef GD_EFFECTIVE_
}

static inline void gd_effective_gradient(const double *restrict x, const double *restrict g,
                                         double *restrict gc, double clip_norm,
                                         double clip_value, double sign, double wd,
                                         ptrdiff_t n)
{
    double scale = 1.0;
    gd_lanes_effective_gradient(x, g, gc, clip_norm, clip_value, sign, wd, n, 1, 1, &scale);
}

/* x = min(max(x, lb), ub) element-wise (a NaN stays NaN), vectorized; the bounds of
 * coordinate j hold for every lane */
static inline void gd_lanes_project(double *restrict x, const double *restrict lb,
                                    const double *restrict ub, ptrdiff_t n, ptrdiff_t L,
                                    ptrdiff_t ld)
{
    GD_FOR_LANES(n, L, ld, {
        double v = x[k];
        v = v < lb[j] ? lb[j] : v;
        x[k] = v > ub[j] ? ub[j] : v;
    });
}

static inline void gd_project(double *restrict x, const double *restrict lb,
                              const double *restrict ub, ptrdiff_t n)
{
    gd_lanes_project(x, lb, ub, n, 1, 1);
}

/* x_new = x - lr * g */
static inline void gd_lanes_fixed_step(const double *restrict x, const double *restrict g,
                                       double *restrict x_new, double lr, ptrdiff_t n,
                                       ptrdiff_t L, ptrdiff_t ld)
{
    GD_FOR_LANES(n, L, ld, { x_new[k] = x[k] - lr * g[k]; });
}

static inline void gd_fixed_step(const double *restrict x, const double *restrict g,
                                 double *restrict x_new, double lr, ptrdiff_t n)
{
    gd_lanes_fixed_step(x, g, x_new, lr, n, 1, 1);
}

/* The update rules' directions, one element at a time: each updates the rule's buffers at
 * that element and returns d, with torch.optim's formulas (src/_update.pyx has them in full).
 * The one place each formula is written: the lane kernels below step with them (x_new =
 * x - step d, vectorized across lanes once inlined), and the general path's update_direction
 * (src/_update.pyx) fills its direction vector with them: the same bits on both paths. */

/* torch.optim.SGD with momentum: buf = g the first time (buf_ready false), then
 * momentum buf + (1 - dampening) g; d = g + momentum buf (Nesterov) or buf */
static inline double gd_momentum_dir(double gi, double *restrict buf, double momentum,
                                     double dampening, int nesterov, int buf_ready)
{
    *buf = buf_ready ? momentum * *buf + (1.0 - dampening) * gi : gi;
    return nesterov ? gi + momentum * *buf : *buf;
}

/* Adam / AdamW / AMSGrad: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2 (AMSGrad: vmax =
 * max(vmax, v), used for v); d = m / (sqrt(v) / bc2_sqrt + eps) */
static inline double gd_adam_dir(double gi, double *restrict m, double *restrict v,
                                 double *restrict vmax, double beta1, double beta2,
                                 double bc2_sqrt, double eps, int amsgrad)
{
    *m = beta1 * *m + (1.0 - beta1) * gi;
    *v = beta2 * *v + (1.0 - beta2) * gi * gi;
    double vi = *v;
    if (amsgrad) {
        if (vi > *vmax)
            *vmax = vi;
        vi = *vmax;
    }
    return *m / (sqrt(vi) / bc2_sqrt + eps);
}

/* RMSprop: v = alpha v + (1 - alpha) g^2; centered: w += (1 - alpha)(g - w), a = sqrt(v -
 * w^2) + eps, else a = sqrt(v) + eps; momentum: buf = momentum buf + g / a, d = buf; else
 * d = g / a */
static inline double gd_rmsprop_dir(double gi, double *restrict v, double *restrict w,
                                    double *restrict buf, double alpha, double eps,
                                    int centered, double momentum)
{
    double a;
    *v = alpha * *v + (1.0 - alpha) * gi * gi;
    if (centered) {
        *w = *w + (1.0 - alpha) * (gi - *w);
        a = sqrt(*v - *w * *w) + eps;
    } else {
        a = sqrt(*v) + eps;
    }
    if (momentum > 0.0) {
        *buf = momentum * *buf + gi / a;
        return *buf;
    }
    return gi / a;
}

/* Adagrad: v += g^2, d = g / (sqrt(v) + eps) */
static inline double gd_adagrad_dir(double gi, double *restrict v, double eps)
{
    *v = *v + gi * gi;
    return gi / (sqrt(*v) + eps);
}

/* SGD with momentum, x_new = x - lr d.  torch's defaults (no dampening, no Nesterov) once the
 * buffer holds a value have a loop of their own, without the factor 1 - 0 = 1 (g * 1 is g:
 * the same bits) and the selects. */
static inline void gd_momentum_step(const double *restrict x, const double *restrict g,
                                    double *restrict buf, double *restrict x_new, double lr,
                                    double momentum, double dampening, int nesterov,
                                    int buf_ready, ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld)
{
    if (buf_ready && dampening == 0.0 && !nesterov) {
        GD_FOR_LANES(n, L, ld, {
            buf[k] = momentum * buf[k] + g[k];
            x_new[k] = x[k] - lr * buf[k];
        });
        return;
    }
    GD_FOR_LANES(n, L, ld, {
        x_new[k] = x[k] - lr * gd_momentum_dir(g[k], &buf[k], momentum, dampening, nesterov,
                                               buf_ready);
    });
}

/* Adam, x_new = x * decay - step d (AdamW's decoupled weight decay) or x - step d */
static inline void gd_adam_step(const double *restrict x, const double *restrict g,
                                double *restrict m, double *restrict v, double *restrict vmax,
                                double *restrict x_new, double step, double beta1,
                                double beta2, double bc2_sqrt, double eps, int amsgrad,
                                int decoupled, double decay, ptrdiff_t n, ptrdiff_t L,
                                ptrdiff_t ld)
{
    GD_FOR_LANES(n, L, ld, {
        double d = gd_adam_dir(g[k], &m[k], &v[k], &vmax[k], beta1, beta2, bc2_sqrt, eps,
                               amsgrad);
        x_new[k] = decoupled ? x[k] * decay - step * d : x[k] - step * d;
    });
}

/* RMSprop, x_new = x - lr d */
static inline void gd_rmsprop_step(const double *restrict x, const double *restrict g,
                                   double *restrict v, double *restrict w,
                                   double *restrict buf, double *restrict x_new, double lr,
                                   double alpha, double eps, int centered, double momentum,
                                   ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld)
{
    GD_FOR_LANES(n, L, ld, {
        x_new[k] = x[k] - lr * gd_rmsprop_dir(g[k], &v[k], &w[k], &buf[k], alpha, eps,
                                              centered, momentum);
    });
}

/* Adagrad, x_new = x - step d */
static inline void gd_adagrad_step(const double *restrict x, const double *restrict g,
                                   double *restrict v, double *restrict x_new, double step,
                                   double eps, ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld)
{
    GD_FOR_LANES(n, L, ld, {
        x_new[k] = x[k] - step * gd_adagrad_dir(g[k], &v[k], eps);
    });
}

/* the lanes' columns moved: lane `from` of an (n, ld) block into lane `to` */
static inline void gd_lane_move(double *restrict a, ptrdiff_t n, ptrdiff_t ld, ptrdiff_t to,
                                ptrdiff_t from)
{
    for (ptrdiff_t j = 0; j < n; j++)
        a[j * ld + to] = a[j * ld + from];
}

/* lane i of an (n, ld) block into / from a contiguous vector */
static inline void gd_lane_gather(const double *restrict a, ptrdiff_t n, ptrdiff_t ld,
                                  ptrdiff_t i, double *restrict out)
{
    for (ptrdiff_t j = 0; j < n; j++)
        out[j] = a[j * ld + i];
}

static inline void gd_lane_scatter(const double *restrict v, ptrdiff_t n, ptrdiff_t ld,
                                   ptrdiff_t i, double *restrict a)
{
    for (ptrdiff_t j = 0; j < n; j++)
        a[j * ld + i] = v[j];
}

/* ---- groups of consecutive coordinates (atoms: 3 each), group q ending at group_end[q];
 * ng == 0: the whole vector is one group */

/* each lane's displacement x_new - x capped at max_step in 2-norm, group by group (LAMMPS's
 * dmax per atom): a group that moves farther moves x + (x_new - x) (max_step / |x_new - x|),
 * the others keep their bits.  w: L doubles. */
static inline void gd_lanes_cap_groups(const double *restrict x, double *restrict x_new,
                                       const ptrdiff_t *restrict group_end, ptrdiff_t ng,
                                       double max_step, ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld,
                                       double *restrict w)
{
    ptrdiff_t start = 0;
    for (ptrdiff_t q = 0; q < (ng ? ng : 1); q++) {
        const ptrdiff_t end = ng ? group_end[q] : n;
        int any = 0;
        for (ptrdiff_t i = 0; i < L; i++)
            w[i] = 0.0;
        for (ptrdiff_t j = start; j < end; j++)
            for (ptrdiff_t i = 0; i < L; i++) {
                const double d = x_new[j * ld + i] - x[j * ld + i];
                w[i] += d * d;
            }
        for (ptrdiff_t i = 0; i < L; i++) {
            const double norm = sqrt(w[i]);
            w[i] = norm > max_step ? max_step / norm : 0.0;
            any |= w[i] != 0.0;
        }
        if (any)
            for (ptrdiff_t j = start; j < end; j++)
                for (ptrdiff_t i = 0; i < L; i++) {
                    const ptrdiff_t k = j * ld + i;
                    if (w[i] != 0.0)
                        x_new[k] = x[k] + (x_new[k] - x[k]) * w[i];
                }
        start = end;
    }
}

/* out[i] = the largest 2-norm of lane i's g over a group (ASE's fmax, on the forces), its
 * sums over the coordinates in order.  w: L doubles. */
static inline void gd_lanes_group_norm(const double *restrict g,
                                       const ptrdiff_t *restrict group_end, ptrdiff_t ng,
                                       ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld,
                                       double *restrict out, double *restrict w)
{
    ptrdiff_t start = 0;
    for (ptrdiff_t i = 0; i < L; i++)
        out[i] = 0.0;
    for (ptrdiff_t q = 0; q < (ng ? ng : 1); q++) {
        const ptrdiff_t end = ng ? group_end[q] : n;
        for (ptrdiff_t i = 0; i < L; i++)
            w[i] = 0.0;
        for (ptrdiff_t j = start; j < end; j++)
            for (ptrdiff_t i = 0; i < L; i++)
                w[i] += g[j * ld + i] * g[j * ld + i];
        for (ptrdiff_t i = 0; i < L; i++)
            out[i] = w[i] > out[i] ? w[i] : out[i];
        start = end;
    }
    for (ptrdiff_t i = 0; i < L; i++)
        out[i] = sqrt(out[i]);
}

#endif
