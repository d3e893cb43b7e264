from gdfast._rules cimport gd_rule, gd_rule_state

cdef double update_direction(const gd_rule *r, gd_rule_state *st, Py_ssize_t n,
                             const double *x, const double *g) noexcept nogil
cdef void apply_step(const gd_rule *r, Py_ssize_t n, const double *x, const double *d,
                     double lr, double step, double *x_new) noexcept nogil
cdef void project(const gd_rule *r, Py_ssize_t n, double *x) noexcept nogil
cdef double projected_gradient_norm(const gd_rule *r, Py_ssize_t n, const double *x,
                                    const double *g) noexcept nogil
