/* FIRE and FIRE 2.0, the update rules of structure relaxation, over the lanes of (n, ld) blocks.
 *
 * FIRE: Bitzek et al., PRL 97, 170201 (2006); FIRE 2.0: Guenole et al., Comput. Mater. Sci.
 * 175, 109584 (2020).  The arithmetic is ASE's (ase/optimize/fire.py and fire2.py, 3.29),
 * operation by operation, with the forces F = -g; its parameter names are kept (dt, maxstep,
 * dtmax, dtmin, Nmin, finc, fdec, astart, fa, a, use_abc).  Each lane keeps its velocity v (a
 * column of an (n, ld) block), its time step dt, its mixing coefficient a and its count of
 * downhill steps (ASE's Nsteps).  The dot products of a lane run over its coordinates in order,
 * as for one lane alone, so that a row of a batch gets the bits of a run on its own.
 *
 * ASE's np.vdot is BLAS's ddot, whose partial sums are in another order: iterates agree with
 * ASE's to rounding (1e-13 over 200 steps on LJ clusters), not to the bit.
 *
 * The per-lane choices (mix or reset the velocity, cap the step or not) are taken once per lane
 * as coefficients that make the element-wise pass branch-free: a coefficient pair (1, 1) is the
 * identity exactly, so an uncapped lane's step is ASE's bits.
 */
#ifndef GDFAST_GD_FIRE_H
#define GDFAST_GD_FIRE_H

#include <math.h>
#include <stddef.h>

typedef struct {
    double maxstep;     /* cap on the 2-norm of a lane's whole step (ASE's maxstep) */
    double dtmax;
    double dtmin;       /* FIRE2 only */
    double finc;
    double fdec;
    double astart;
    double fa;
    double a0;          /* a at the start (FIRE's `a`; FIRE2 starts at astart) */
    ptrdiff_t nmin;     /* ASE's Nmin */
    int fire2;          /* FIRE 2.0 */
    int use_abc;        /* FIRE2's bias correction of the mixing, with velocity clipping */
} gd_fire_params;

/* per-lane sums over the coordinates in order: out0 = sum a_j b_j, out1 = sum b_j^2, and
 * out2 = sum c_j^2 (c may be NULL: out2 untouched) */
static inline void gd_fire_dots(const double *restrict a, const double *restrict b,
                                const double *restrict c, ptrdiff_t n, ptrdiff_t L,
                                ptrdiff_t ld, double *restrict out0, double *restrict out1,
                                double *restrict out2)
{
    for (ptrdiff_t i = 0; i < L; i++) {
        out0[i] = 0.0;
        out1[i] = 0.0;
        if (c) out2[i] = 0.0;
    }
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < L; i++) {
            const ptrdiff_t k = j * ld + i;
            out0[i] += a[k] * b[k];
            out1[i] += b[k] * b[k];
            if (c) out2[i] += c[k] * c[k];
        }
}

/* x_new = x + dr, dr = dt v, with cap scaled to 2-norm maxstep when longer (ASE: dr = maxstep
 * * dr / |dr|, |dr| summed over the lane's coordinates in order); w0, w1: L doubles each */
static inline void gd_fire_displace(const double *restrict x, const double *restrict v,
                                    double *restrict x_new, const double *restrict dt,
                                    double maxstep, int cap, ptrdiff_t n, ptrdiff_t L,
                                    ptrdiff_t ld, double *restrict w0, double *restrict w1)
{
    double *num = w0, *den = w1;    /* dr * num / den: (1, 1), or (maxstep, |dr|) */
    for (ptrdiff_t i = 0; i < L; i++)
        den[i] = 0.0;
    if (cap) {
        for (ptrdiff_t j = 0; j < n; j++)
            for (ptrdiff_t i = 0; i < L; i++) {
                const double dr = dt[i] * v[j * ld + i];
                den[i] += dr * dr;
            }
    }
    for (ptrdiff_t i = 0; i < L; i++) {
        const double norm = sqrt(den[i]);
        const int over = cap && norm > maxstep;
        num[i] = over ? maxstep : 1.0;
        den[i] = over ? norm : 1.0;
    }
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < L; i++) {
            const ptrdiff_t k = j * ld + i;
            x_new[k] = x[k] + num[i] * (dt[i] * v[k]) / den[i];
        }
}

/* One FIRE step of the lanes i < L (ASE's FIRE.step): from x, its gradient g and each lane's
 * v, dt, a, steps, the trial point x_new.  started: the lanes have a velocity (not the first
 * step, where ASE only sets v = 0).  w: 4 L doubles. */
static inline void gd_fire_step(const gd_fire_params *p, int started, const double *restrict x,
                                const double *restrict g, double *restrict v,
                                double *restrict x_new, double *restrict dt,
                                double *restrict a, ptrdiff_t *restrict steps, ptrdiff_t n,
                                ptrdiff_t L, ptrdiff_t ld, double *restrict w)
{
    /* w: vg = sum v g (vf = -vg), gg = |F|^2, vv = |v|^2; then the mixing coefficients */
    double *vg = w, *gg = w + L, *vv = w + 2 * L, *c3 = w + 3 * L;
    double *ca = vg, *cb = gg, *cs = vv;    /* v = ca v + ((cb F) / cs) c3 */
    if (started) {
        gd_fire_dots(v, g, v, n, L, ld, vg, gg, vv);
        for (ptrdiff_t i = 0; i < L; i++) {
            if (-vg[i] > 0.0) {
                const double ai = a[i];
                c3[i] = sqrt(vv[i]);        /* (cs, cb, ca overwrite vv, gg, vg) */
                cs[i] = sqrt(gg[i]);
                cb[i] = ai;
                ca[i] = 1.0 - ai;
                if (steps[i] > p->nmin) {
                    dt[i] = fmin(dt[i] * p->finc, p->dtmax);
                    a[i] *= p->fa;
                }
                steps[i] += 1;
            } else {                        /* v = 0 */
                ca[i] = 0.0;
                cb[i] = 0.0;
                cs[i] = 1.0;
                c3[i] = 0.0;
                a[i] = p->astart;
                dt[i] *= p->fdec;
                steps[i] = 0;
            }
        }
        for (ptrdiff_t j = 0; j < n; j++)
            for (ptrdiff_t i = 0; i < L; i++) {
                const ptrdiff_t k = j * ld + i;
                const double f = -g[k];
                v[k] = ca[i] * v[k] + (cb[i] * f) / cs[i] * c3[i] + dt[i] * f;
            }
    } else {
        for (ptrdiff_t j = 0; j < n; j++)
            for (ptrdiff_t i = 0; i < L; i++) {
                const ptrdiff_t k = j * ld + i;
                v[k] = dt[i] * -g[k];       /* 0 + dt F */
            }
    }
    gd_fire_displace(x, v, x_new, dt, p->maxstep, 1, n, L, ld, w, w + L);
}

/* FIRE2's first half (ASE's FIRE2.step up to the velocity update): each lane's dt, a and
 * steps by the sign of F.v; back[i] = 1 for a lane that goes uphill (F.v <= 0): it is to step
 * half a step back, to x + (-dt/2) v with the new dt, and restart from v = 0 there (written to
 * xb, its column; the caller zeroes v after evaluating the gradient there).  Returns the
 * number of such lanes.  w: L doubles. */
static inline ptrdiff_t gd_fire2_turn(const gd_fire_params *p, int started,
                                      const double *restrict x, const double *restrict g,
                                      const double *restrict v, double *restrict xb,
                                      double *restrict dt, double *restrict a,
                                      ptrdiff_t *restrict steps, int *restrict back,
                                      ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld, double *restrict w)
{
    ptrdiff_t nback = 0;
    for (ptrdiff_t i = 0; i < L; i++)
        back[i] = 0;
    if (!started)
        return 0;
    double *vg = w;
    for (ptrdiff_t i = 0; i < L; i++)
        vg[i] = 0.0;
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < L; i++)
            vg[i] += g[j * ld + i] * v[j * ld + i];
    for (ptrdiff_t i = 0; i < L; i++) {
        if (-vg[i] > 0.0) {
            steps[i] += 1;
            if (steps[i] > p->nmin) {
                dt[i] = fmin(dt[i] * p->finc, p->dtmax);
                a[i] *= p->fa;
            }
        } else {
            steps[i] = 0;
            dt[i] = fmax(dt[i] * p->fdec, p->dtmin);
            a[i] = p->astart;
            back[i] = 1;
            nback++;
        }
    }
    if (nback)
        for (ptrdiff_t j = 0; j < n; j++)
            for (ptrdiff_t i = 0; i < L; i++) {
                const ptrdiff_t k = j * ld + i;
                if (back[i])
                    xb[k] = x[k] + -0.5 * dt[i] * v[k];
            }
    return nback;
}

/* FIRE2's second half for the lanes i < L, at the point x with gradient g (for a lane that
 * stepped back: that point, and v = 0): v += dt F, the mixing (or, use_abc, the bias-corrected
 * mixing and the velocity clipped to maxstep / dt), x_new = x + dt v (capped at maxstep
 * without use_abc).  w: 4 L doubles. */
static inline void gd_fire2_move(const gd_fire_params *p, const double *restrict x,
                                 const double *restrict g, double *restrict v,
                                 double *restrict x_new, const double *restrict dt,
                                 double *restrict a, const ptrdiff_t *restrict steps,
                                 ptrdiff_t n, ptrdiff_t L, ptrdiff_t ld, double *restrict w)
{
    double *gg = w, *vv = w + L, *cs = w + 2 * L, *cm = w + 3 * L;
    for (ptrdiff_t i = 0; i < L; i++) {
        gg[i] = 0.0;
        vv[i] = 0.0;
    }
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < L; i++) {
            const ptrdiff_t k = j * ld + i;
            const double f = -g[k];
            const double vk = v[k] + dt[i] * f;
            v[k] = vk;
            gg[i] += f * f;
            vv[i] += vk * vk;
        }
    for (ptrdiff_t i = 0; i < L; i++) {
        if (p->use_abc) {
            a[i] = fmax(a[i], 1e-10);
            cm[i] = 1.0 / (1.0 - pow(1.0 - a[i], (double)(steps[i] + 1)));
        }
        cs[i] = sqrt(gg[i]);
        vv[i] = sqrt(vv[i]);
    }
    for (ptrdiff_t j = 0; j < n; j++)
        for (ptrdiff_t i = 0; i < L; i++) {
            const ptrdiff_t k = j * ld + i;
            const double f = -g[k];
            /* (ASE divides by |F| = 0 at a stationary point, into NaN: v stays v there) */
            double vk = gg[i] > 0.0 ? (1.0 - a[i]) * v[k] + a[i] * f / cs[i] * vv[i] : v[k];
            if (p->use_abc) {
                const double vmax = p->maxstep / dt[i];
                vk = fmin(fmax(cm[i] * vk, -vmax), vmax);
            }
            v[k] = vk;
        }
    gd_fire_displace(x, v, x_new, dt, p->maxstep, !p->use_abc, n, L, ld, w, w + L);
}

#endif
