# Ctrl-C pacing (src/gd_pacer.h): how every loop that runs user code or a C objective notices a
# signal, by measured time.

cdef extern from "gd_pacer.h" nogil:
    enum:
        GD_ABORTED            # a tick's positive code: the run was told to stop

    ctypedef int (*gd_report_fn)(void *ctx) except -1    # takes the GIL itself
    ctypedef struct gd_control:
        int abort                     # set once: every pacer of the run stops
        int pacers_check_signals      # the pacers run in the calling thread
        gd_report_fn report           # NULL, or the progress report of a parallel run's watcher
        void *report_ctx
        Py_ssize_t finished           # finished starts (gd_control_count)

    ctypedef struct gd_pacer:
        Py_ssize_t every
        Py_ssize_t countdown
        double last
        gd_control *control           # NULL: a run of its own in the calling thread

    double gd_clock() noexcept        # the monotonic clock, seconds
    void gd_control_init(gd_control *c) noexcept
    void gd_control_count(gd_control *c, Py_ssize_t k) noexcept
    Py_ssize_t gd_control_finished(gd_control *c) noexcept
    void gd_pacer_init(gd_pacer *p, gd_control *control) noexcept
    # 0 go on; -1 an exception (KeyboardInterrupt) is set; GD_ABORTED stop
    int gd_pacer_tick(gd_pacer *p) noexcept
    int gd_pacer_read(gd_pacer *p) noexcept

