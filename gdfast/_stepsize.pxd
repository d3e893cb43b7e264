from gdfast._objective cimport gd_objective
from gdfast._rules cimport gd_rule, gd_rule_state

cdef double scheduled_lr(const gd_rule *r, double lr, Py_ssize_t k) noexcept nogil
cdef void bb_update(const gd_rule *r, gd_rule_state *st, Py_ssize_t n, const double *x_new,
                    const double *x, const double *g_new, const double *g) noexcept nogil
cdef int armijo_search(const gd_objective *obj, const gd_rule *r, Py_ssize_t n,
                       const double *x, double f, const double *g, const double *d,
                       double lr, double step0, double *x_new, double *f_new,
                       Py_ssize_t *nfev) except -1 nogil
cdef int wolfe_search(const gd_objective *obj, const gd_rule *r, Py_ssize_t n,
                      const double *x, double f, const double *g, const double *d,
                      double step0, double *x_new, double *f_new, double *g_new,
                      Py_ssize_t *nfev, Py_ssize_t *njev) except -1 nogil
