from gdfast._rules cimport gd_rule, gd_rule_state

cdef extern from "gd_step.h" nogil:
    void gd_fixed_step(const double *x, const double *g, double *x_new, double lr,
                       Py_ssize_t n) noexcept
    void gd_effective_gradient(const double *x, const double *g, double *gc, double clip_norm,
                               double clip_value, double sign, double wd,
                               Py_ssize_t n) noexcept
    void gd_project(double *x, const double *lb, const double *ub, Py_ssize_t n) noexcept
    void gd_lanes_cap_groups(const double *x, double *x_new, const Py_ssize_t *group_end,
                             Py_ssize_t ng, double max_step, Py_ssize_t n, Py_ssize_t L,
                             Py_ssize_t ld, double *w) noexcept
    # the update rules' directions, element by element (the formulas' one place)
    double gd_momentum_dir(double gi, double *buf, double momentum, double dampening,
                           bint nesterov, bint buf_ready) noexcept
    double gd_adam_dir(double gi, double *m, double *v, double *vmax, double beta1,
                       double beta2, double bc2_sqrt, double eps, bint amsgrad) noexcept
    double gd_rmsprop_dir(double gi, double *v, double *w, double *buf, double alpha,
                          double eps, bint centered, double momentum) noexcept
    double gd_adagrad_dir(double gi, double *v, double eps) noexcept

cdef double update_direction(const gd_rule *r, gd_rule_state *st, Py_ssize_t n,
                             const double *x, const double *g) noexcept nogil
# nonlinear CG and L-BFGS: a lane's memory (gd_rule_state.qn) and its direction
cdef Py_ssize_t qn_record_len(const gd_rule *r, Py_ssize_t n) noexcept nogil
cdef double qn_direction(const gd_rule *r, gd_rule_state *st, Py_ssize_t n, const double *x,
                         const double *g, double lr) noexcept nogil
cdef double qn_restart(const gd_rule *r, gd_rule_state *st, Py_ssize_t n, const double *g,
                       double lr) noexcept nogil
cdef void qn_accepted(gd_rule_state *st, Py_ssize_t n, const double *x,
                      const double *x_new) noexcept nogil
cdef double projected_gradient_norm(const gd_rule *r, Py_ssize_t n, const double *x,
                                    const double *g) noexcept nogil


cdef inline void apply_step(const gd_rule *r, Py_ssize_t n, const double *x, const double *d,
                            double lr, double step, double *x_new) noexcept nogil:
    """x_new = P(x * (1 - lr wd) - step * d) for AdamW, P(x - step * d) otherwise, each group's
    displacement capped at max_step first.  Inline (defined here) so that the loop and the
    line searches have no call for it."""
    cdef Py_ssize_t i
    cdef double w
    cdef double decay = 1.0 - lr * r.weight_decay if r.decoupled_wd else 1.0
    if r.decoupled_wd:
        for i in range(n):
            x_new[i] = x[i] * decay - step * d[i]
    else:
        # the restrict kernel: vectorized like the objectives that read x_new next (a scalar
        # loop here stalls their vector loads: see gd_step.h)
        gd_fixed_step(x, d, x_new, step, n)
    if r.max_step > 0.0:
        gd_lanes_cap_groups(x, x_new, r.group_end, r.n_groups, r.max_step, n, 1, 1, &w)
    project(r, n, x_new)


cdef inline void project(const gd_rule *r, Py_ssize_t n, double *x) noexcept nogil:
    """Clip x into the box [lb, ub] (no-op without bounds)."""
    if r.lb != NULL:
        gd_project(x, r.lb, r.ub, n)
