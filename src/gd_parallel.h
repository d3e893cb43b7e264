/* Independent items of work over OpenMP threads, with the calling thread watching for Ctrl-C.
 *
 * gd_parallel_items(fn, ctx, n_items, threads, control) runs fn(ctx, item, worker) for every
 * item, handing items out one at a time (any order: items must be independent, so results do
 * not depend on the number of threads).  With several threads the calling thread does no item
 * itself: it sleeps, takes the GIL about every GD_WATCH_SECONDS for PyErr_CheckSignals(), and
 * on an exception (KeyboardInterrupt) raises control->abort, which every worker's pacers see
 * at their next clock read (gd_pacer.h).  Workers never take the GIL; their items return 0 or
 * a positive code, never -1.  With one thread (or without OpenMP) the items run in the
 * calling thread, whose pacers check signals themselves.
 *
 * Returns 0; -1 with the exception set; or the first positive code an item returned (the
 * other items are then abandoned).
 */
#ifndef GDFAST_GD_PARALLEL_H
#define GDFAST_GD_PARALLEL_H

#include "gd_pacer.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define GD_WATCH_SECONDS 5e-4
#define GD_REPORT_SECONDS 0.1                /* between two progress reports */

/* one item: 0, -1 with an exception set (only in the calling thread), or a positive code */
typedef int (*gd_item_fn)(void *ctx, ptrdiff_t item, int worker);

static GD_UNUSED int gd_openmp_available(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

static GD_UNUSED int gd_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static GD_UNUSED int gd_serial_items(gd_item_fn fn, void *ctx, ptrdiff_t n_items,
                                     gd_control *control)
{
    control->pacers_check_signals = 1;
    for (ptrdiff_t i = 0; i < n_items; i++) {
        int rc = fn(ctx, i, 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static GD_UNUSED int gd_parallel_items(gd_item_fn fn, void *ctx, ptrdiff_t n_items,
                                       int threads, gd_control *control)
{
    control->abort = 0;
    if (threads <= 1 || n_items <= 1 || !gd_openmp_available())
        return gd_serial_items(fn, ctx, n_items, control);
#ifdef _OPENMP
    ptrdiff_t next = 0;
    int finished = 0, result = 0, interrupted = 0, bad_code = 0;
    control->pacers_check_signals = 0;
    #pragma omp parallel num_threads(threads + 1)
    {
        int tid = omp_get_thread_num(), team = omp_get_num_threads();
        if (team == 1) {                    /* no thread to spare: the caller does it all */
            result = gd_serial_items(fn, ctx, n_items, control);
        } else if (tid == 0) {              /* the watcher */
            struct timespec pause = {0, (long)(GD_WATCH_SECONDS * 1e9)};
            double next_report = gd_clock() + GD_REPORT_SECONDS;
            for (;;) {
                int done;
                #pragma omp atomic read
                done = finished;
                if (done == team - 1)
                    break;
                nanosleep(&pause, NULL);
                if (!control->abort && gd_check_signals() != 0) {
                    interrupted = 1;
                    control->abort = 1;
                }
                if (control->report != NULL && !control->abort && gd_clock() >= next_report) {
                    next_report = gd_clock() + GD_REPORT_SECONDS;
                    if (control->report(control->report_ctx) != 0) {
                        interrupted = 1;
                        control->abort = 1;
                    }
                }
            }
        } else {                            /* a worker */
            for (;;) {
                ptrdiff_t i;
                int rc;
                if (control->abort)
                    break;
                #pragma omp atomic capture
                i = next++;
                if (i >= n_items)
                    break;
                rc = fn(ctx, i, tid - 1);
                if (rc != 0) {
                    #pragma omp critical(gdfast_parallel_result)
                    {
                        if (result == 0)
                            result = rc;
                        if (rc == -1)
                            bad_code = 1;
                    }
                    control->abort = 1;
                    break;
                }
            }
            #pragma omp atomic update
            finished++;
        }
    }
    if (interrupted)
        return -1;                          /* the watcher's exception is set */
    if (bad_code) {                         /* a worker's exception cannot cross threads */
        PyGILState_STATE st = PyGILState_Ensure();
        PyErr_SetString(PyExc_RuntimeError,
                        "gdfast: an error was raised on a worker thread; run with threads=1 "
                        "to see it");
        PyGILState_Release(st);
        return -1;
    }
    return result;
#else
    return gd_serial_items(fn, ctx, n_items, control);
#endif
}

#endif
