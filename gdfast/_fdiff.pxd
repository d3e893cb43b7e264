from gdfast._objective cimport Objective, gd_objective
from gdfast._pacer cimport gd_pacer

cpdef enum FDMethod:
    FD_FORWARD = 0      # (f(x + h e_i) - f(x)) / h                           O(h)
    FD_BACKWARD = 1     # (f(x) - f(x - h e_i)) / h                           O(h)
    FD_CENTRAL = 2      # (f(x + h e_i) - f(x - h e_i)) / 2h                  O(h^2)
    FD_CENTRAL4 = 3     # (-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / 12h    O(h^4)

cdef struct gd_fd_spec:
    int method                  # an FDMethod
    double abs_step             # > 0: this absolute step for every coordinate
    const double *abs_steps     # not NULL: absolute step per coordinate (wins over abs_step)
    # otherwise the default relative step of the method times max(1, |x_i|)

cdef Py_ssize_t fd_work_size(const gd_objective *obj, Py_ssize_t n, int method) noexcept nogil

cdef int fd_gradient(const gd_objective *obj, Py_ssize_t n, const double *x, const double *fx,
                     const gd_fd_spec *spec, double *work, double *g, Py_ssize_t *nfev,
                     gd_pacer *pacer) except -1 nogil

cdef Py_ssize_t fd_error_work_size(const gd_objective *obj, Py_ssize_t n,
                                   int method) noexcept nogil
cdef int fd_gradient_error(const gd_objective *obj, Py_ssize_t n, const double *x,
                           const double *fx, const gd_fd_spec *spec, double *work, double *g,
                           double *err, Py_ssize_t *nfev, gd_pacer *pacer) except -1 nogil
# fd_gradient and, in err[0:n], each component's error estimate, from a stencil with one
# (one-sided) or two (central, central4) more points per coordinate; work:
# fd_error_work_size doubles

cdef Py_ssize_t fd_many_work_size(Py_ssize_t L, Py_ssize_t n, bint error) noexcept nogil
cdef int fd_value_and_gradient_many(const gd_objective *obj, Py_ssize_t L, Py_ssize_t n,
                                    const double *P, double *F, double *G, double *E,
                                    double *work, Py_ssize_t *nfev,
                                    const Py_ssize_t *starts) except -1 nogil

cdef struct gd_fd_data:
    const gd_objective *inner   # the objective whose values are differenced
    gd_fd_spec spec
    double *work                # fd_work_size doubles
    Py_ssize_t nfev             # function evaluations made by the stencils
    gd_pacer pacer              # Ctrl-C checks inside the stencils (a tick per coordinate)
    void *views                 # NULL, or the gd_fd_view of each start (per-start data)
    double *err                 # NULL (no error estimates), or n doubles: the last one's
    int *noise                  # NULL, or the noise verdict of each start (one without
                                # views): gd_objective.noise_floor

cdef struct gd_fd_view:
    gd_fd_data *d               # the workspace and counts
    void *inner_ctx             # the ctx the inner objective is called with (its start's)
    Py_ssize_t start            # its start (its entry of d.noise); 0 for the shared view

cdef int fd_eval(void *ctx, Py_ssize_t n, const double *x, double *f, double *g) except -1 nogil
# gd_eval_fn of an objective whose gradient is finite differences; ctx is a gd_fd_view *.
# Asked for f and g, it evaluates f first and, when f is not finite, returns g filled with f
# without the stencil (a run stops there anyway: fail fast)

cdef void *fd_start_ctx(void *ctx, Py_ssize_t start) noexcept nogil
# the gd_fd_view of a start (gd_fd_data.views)

cdef void fd_data_init(gd_fd_data *d, const gd_objective *inner, int method,
                       double *work) noexcept nogil

cdef class FiniteDifference(Objective):
    cdef gd_fd_data data
    cdef gd_fd_view _shared             # obj.ctx: the inner objective's own ctx
    cdef Objective inner
    cdef object _steps
    cdef bint _estimates                 # error estimates (noise stop, gradient(error=True))
