/* Ctrl-C pacing: how every loop that runs user code or a C objective notices a signal.
 *
 * A loop calls gd_pacer_tick() once per unit of work (an iteration, a stencil coordinate, a
 * grid point).  Every `every` ticks the pacer reads the monotonic clock and adapts `every` so
 * that clock reads come about GD_PACE_SECONDS apart, whatever a unit costs: the spacing is
 * measured, never estimated from a declared cost (a C pointer declares none).  At each read:
 *
 *   - if the run's control says stop (another thread saw Ctrl-C), the tick returns
 *     GD_ABORTED, a positive code that ends the run like a C objective's error code;
 *   - if this pacer checks signals itself (a run in the calling thread), it takes the GIL for
 *     PyErr_CheckSignals(); -1 then means an exception (KeyboardInterrupt) is set.
 *
 * Parallel runs (gd_parallel.h) check signals in a watcher thread instead and raise the
 * control's `abort` flag, which their workers' pacers see at their next read.
 */
#ifndef GDFAST_GD_PACER_H
#define GDFAST_GD_PACER_H

#include <Python.h>
#include <stddef.h>
#include <time.h>

#define GD_PACE_SECONDS 1e-3                 /* aimed-at time between two clock reads */
#define GD_PACE_MAX_EVERY ((ptrdiff_t)1 << 40)
#define GD_ABORTED 0x7fff0ab7                /* tick's code: the run was told to stop */

#if defined(__GNUC__)
#define GD_COLD __attribute__((noinline, cold))
#define GD_UNUSED __attribute__((unused))
#else
#define GD_COLD
#define GD_UNUSED
#endif

/* a progress report (progress=), in the calling thread: takes the GIL itself; 0, or -1
 * with an exception set */
typedef int (*gd_report_fn)(void *ctx);

/* shared by every pacer of one run (all threads of a batch or a landscape) */
typedef struct gd_control {
    volatile int abort;          /* set once: every pacer of the run stops at its next read */
    int pacers_check_signals;    /* the pacers run in the calling thread: they check signals */
    gd_report_fn report;         /* NULL, or the watcher's progress report (gd_parallel.h) */
    void *report_ctx;
    ptrdiff_t finished;          /* the run's finished units (starts), gd_control_count */
} gd_control;

static GD_UNUSED void gd_control_init(gd_control *c)
{
    c->abort = 0;
    c->pacers_check_signals = 0;
    c->report = NULL;
    c->report_ctx = NULL;
    c->finished = 0;
}

/* k more units finished, from any thread */
static inline void gd_control_count(gd_control *c, ptrdiff_t k)
{
#if defined(__GNUC__)
    __atomic_fetch_add(&c->finished, k, __ATOMIC_RELAXED);
#else
    c->finished += k;            /* (builds without GNU atomics run batches on one thread) */
#endif
}

static inline ptrdiff_t gd_control_finished(gd_control *c)
{
#if defined(__GNUC__)
    return __atomic_load_n(&c->finished, __ATOMIC_RELAXED);
#else
    return c->finished;
#endif
}

typedef struct gd_pacer {
    ptrdiff_t every;             /* ticks between two clock reads (adapted) */
    ptrdiff_t countdown;         /* ticks left before the next read */
    double last;                 /* the clock at the last read, seconds */
    gd_control *control;         /* NULL: a run of its own in the calling thread */
} gd_pacer;

static inline double gd_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static GD_UNUSED void gd_pacer_init(gd_pacer *p, gd_control *control)
{
    p->every = 1;
    p->countdown = 1;
    p->last = gd_clock();
    p->control = control;
}

/* PyErr_CheckSignals() with the GIL, from a thread that may or may not hold it */
static GD_UNUSED GD_COLD int gd_check_signals(void)
{
    PyGILState_STATE st = PyGILState_Ensure();
    int rc = PyErr_CheckSignals();
    PyGILState_Release(st);
    return rc;
}

/* the clock read: 0 go on, -1 exception set, GD_ABORTED stop */
static GD_UNUSED GD_COLD int gd_pacer_read(gd_pacer *p)
{
    double now = gd_clock(), dt = now - p->last;
    ptrdiff_t every = p->every;
    /* aim at GD_PACE_SECONDS per read from the measured time per tick, moving at most 4x
     * per read so that one odd unit of work does not throw the spacing off */
    if (dt <= 0.25 * GD_PACE_SECONDS)
        every *= 4;
    else if (dt >= 4.0 * GD_PACE_SECONDS)
        every /= 4;
    else
        every = (ptrdiff_t)((double)every * (GD_PACE_SECONDS / dt)) + 1;
    if (every < 1)
        every = 1;
    if (every > GD_PACE_MAX_EVERY)
        every = GD_PACE_MAX_EVERY;
    p->every = every;
    p->countdown = every;
    p->last = now;
    if (p->control != NULL) {
        if (p->control->abort)
            return GD_ABORTED;
        if (!p->control->pacers_check_signals)
            return 0;
    }
    if (gd_check_signals() != 0) {
        if (p->control != NULL)
            p->control->abort = 1;
        return -1;
    }
    return 0;
}

/* once per unit of work: 0 go on, -1 exception set, GD_ABORTED stop */
static inline int gd_pacer_tick(gd_pacer *p)
{
    if (--p->countdown > 0)
        return 0;
    return gd_pacer_read(p);
}

#endif
