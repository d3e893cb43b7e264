# Independent items of work over OpenMP threads, the calling thread watching for Ctrl-C
# (src/gd_parallel.h).  For the modules built with OpenMP (setup.py's OPENMP_MODULES).

from gdfast._pacer cimport gd_control

cdef extern from "gd_parallel.h" nogil:
    # one item of work: 0, -1 with an exception set (calling thread only) or a positive code
    ctypedef int (*gd_item_fn)(void *ctx, Py_ssize_t item, int worker) noexcept nogil
    # items over `threads` workers, the calling thread watching for Ctrl-C: 0, -1 with an
    # exception set, or the first positive code
    int gd_parallel_items(gd_item_fn fn, void *ctx, Py_ssize_t n_items, int threads,
                          gd_control *control) except -1
    int gd_openmp_available() noexcept
    int gd_max_threads() noexcept
