/* Element-wise step kernels of the descent loop, in C for one reason: `restrict`.
 *
 * Cython cannot say that x, g and x_new do not overlap, so GCC leaves its version of this
 * loop scalar while the objective's loops (which GCC versions for aliasing) are vectorized;
 * the objective then loads x_new as a 16-byte vector that two 8-byte stores wrote, which
 * defeats store-to-load forwarding: measured 2x slower per iteration on the 2-D quadratic.
 * With `restrict` both sides are vectorized alike.
 *
 * The update rules' fused kernels below are the loop's fast path for a rule without
 * clipping, bounds, maximize or L2 weight decay (gdfast._descent._fast_step): direction and
 * step in one pass over the coordinates, no copies of g, no calls.  Each is the exact
 * arithmetic of src/_update.pyx (update_direction then apply_step), operation for operation,
 * so the iterates are the same bits as on the general path.
 */
#ifndef GDFAST_GD_STEP_H
#define GDFAST_GD_STEP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* The gradient the update rule sees (src/_update.pyx): g scaled by min(1, clip_norm /
 * (||g||_2 + 1e-6)) when clip_norm > 0 (torch.nn.utils.clip_grad_norm_), clamped to
 * [-clip_value, clip_value] when clip_value > 0, times sign (-1: maximize), plus wd x (L2
 * weight decay).  One pass after the norm, vectorized: a scalar loop here would stall the
 * vector loads of the update kernel that reads gc next. */
static inline void gd_effective_gradient(const double *restrict x, const double *restrict g,
                                         double *restrict gc, double clip_norm,
                                         double clip_value, double sign, double wd,
                                         ptrdiff_t n)
{
    double scale = 1.0, norm2 = 0.0;
    if (clip_norm > 0.0) {
        for (ptrdiff_t i = 0; i < n; i++)
            norm2 += g[i] * g[i];
        scale = clip_norm / (sqrt(norm2) + 1e-6);
        if (scale > 1.0)
            scale = 1.0;
    }
    for (ptrdiff_t i = 0; i < n; i++) {
        double v = clip_norm > 0.0 ? g[i] * scale : g[i];
        if (clip_value > 0.0) {
            v = v < -clip_value ? -clip_value : v;
            v = v > clip_value ? clip_value : v;
        }
        gc[i] = sign * v + wd * x[i];
    }
}

/* x = min(max(x, lb), ub) element-wise (a NaN stays NaN), vectorized */
static inline void gd_project(double *restrict x, const double *restrict lb,
                              const double *restrict ub, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        double v = x[i];
        v = v < lb[i] ? lb[i] : v;
        x[i] = v > ub[i] ? ub[i] : v;
    }
}

/* x_new = x - lr * g */
static inline void gd_fixed_step(const double *restrict x, const double *restrict g,
                                 double *restrict x_new, double lr, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        x_new[i] = x[i] - lr * g[i];
}

/* torch.optim.SGD with momentum: buf = g the first time (buf_ready false), then
 * momentum buf + (1 - dampening) g; d = g + momentum buf (Nesterov) or buf; x_new = x - lr d.
 * torch's defaults (no dampening, no Nesterov) have a loop of their own, without the factor
 * 1 - 0 = 1 (g * 1 is g: the same bits). */
static inline void gd_momentum_step(const double *restrict x, const double *restrict g,
                                    double *restrict buf, double *restrict x_new, double lr,
                                    double momentum, double dampening, int nesterov,
                                    int buf_ready, ptrdiff_t n)
{
    if (buf_ready && dampening == 0.0 && !nesterov) {
        for (ptrdiff_t i = 0; i < n; i++) {
            buf[i] = momentum * buf[i] + g[i];
            x_new[i] = x[i] - lr * buf[i];
        }
        return;
    }
    for (ptrdiff_t i = 0; i < n; i++) {
        double gi = g[i], d;
        buf[i] = buf_ready ? momentum * buf[i] + (1.0 - dampening) * gi : gi;
        d = nesterov ? gi + momentum * buf[i] : buf[i];
        x_new[i] = x[i] - lr * d;
    }
}

/* torch.optim.Adam / AdamW / AMSGrad: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * (AMSGrad: vmax = max(vmax, v), used for v), d = m / (sqrt(v) / bc2_sqrt + eps),
 * x_new = x * decay - step d (decoupled weight decay) or x - step d */
static inline void gd_adam_step(const double *restrict x, const double *restrict g,
                                double *restrict m, double *restrict v, double *restrict vmax,
                                double *restrict x_new, double step, double beta1,
                                double beta2, double bc2_sqrt, double eps, int amsgrad,
                                int decoupled, double decay, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        double gi = g[i], vi, d;
        m[i] = beta1 * m[i] + (1.0 - beta1) * gi;
        v[i] = beta2 * v[i] + (1.0 - beta2) * gi * gi;
        vi = v[i];
        if (amsgrad) {
            if (vi > vmax[i])
                vmax[i] = vi;
            vi = vmax[i];
        }
        d = m[i] / (sqrt(vi) / bc2_sqrt + eps);
        x_new[i] = decoupled ? x[i] * decay - step * d : x[i] - step * d;
    }
}

/* torch.optim.RMSprop: v = alpha v + (1 - alpha) g^2; centered: w += (1 - alpha)(g - w),
 * a = sqrt(v - w^2) + eps, else a = sqrt(v) + eps; momentum: buf = momentum buf + g / a,
 * d = buf, else d = g / a; x_new = x - lr d */
static inline void gd_rmsprop_step(const double *restrict x, const double *restrict g,
                                   double *restrict v, double *restrict w,
                                   double *restrict buf, double *restrict x_new, double lr,
                                   double alpha, double eps, int centered, double momentum,
                                   ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        double gi = g[i], a, d;
        v[i] = alpha * v[i] + (1.0 - alpha) * gi * gi;
        if (centered) {
            w[i] = w[i] + (1.0 - alpha) * (gi - w[i]);
            a = sqrt(v[i] - w[i] * w[i]) + eps;
        } else {
            a = sqrt(v[i]) + eps;
        }
        if (momentum > 0.0) {
            buf[i] = momentum * buf[i] + gi / a;
            d = buf[i];
        } else {
            d = gi / a;
        }
        x_new[i] = x[i] - lr * d;
    }
}

/* torch.optim.Adagrad: v += g^2, d = g / (sqrt(v) + eps), x_new = x - step d */
static inline void gd_adagrad_step(const double *restrict x, const double *restrict g,
                                   double *restrict v, double *restrict x_new, double step,
                                   double eps, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        double gi = g[i], d;
        v[i] = v[i] + gi * gi;
        d = gi / (sqrt(v[i]) + eps);
        x_new[i] = x[i] - step * d;
    }
}

#endif
