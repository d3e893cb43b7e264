/* Element-wise step kernels of the descent loop, in C for one reason: `restrict`.
 *
 * Cython cannot say that x, g and x_new do not overlap, so GCC leaves its version of this
 * loop scalar while the objective's loops (which GCC versions for aliasing) are vectorized;
 * the objective then loads x_new as a 16-byte vector that two 8-byte stores wrote, which
 * defeats store-to-load forwarding: measured 2x slower per iteration on the 2-D quadratic.
 * With `restrict` both sides are vectorized alike.
 */
#ifndef GDFAST_GD_STEP_H
#define GDFAST_GD_STEP_H

#include <stddef.h>

/* x_new = x - lr * g */
static inline void gd_fixed_step(const double *restrict x, const double *restrict g,
                                 double *restrict x_new, double lr, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        x_new[i] = x[i] - lr * g[i];
}

#endif
