# gdfast public C API, versions 1 to 4: cimport it from your own Cython extension.
#
#     from gdfast.capi cimport gdfast_minimize_v1, gdfast_options_v1, ...
#     from gdfast.capi cimport gdfast_options_v2, gdfast_stepper_create_v2, ...
#     from gdfast.capi cimport gdfast_options_v3, gdfast_minimize_v3, ...
#     from gdfast.capi cimport gdfast_options_v4, gdfast_minimize_v4, ...
#
# Self-contained (no cimports), only C scalars and pointers in its signatures.  Every name is
# versioned: a later, incompatible version adds new names (..._v2) beside these, which stay.
# The tutorial is the docstring of the module gdfast.capi (`python -c "import gdfast.capi;
# help(gdfast.capi)"`).

# The objective: f(x) into f[0] when f != NULL, grad f(x) into g[0:n] when g != NULL.
# Return 0 on success; -1 with a Python exception set (a Cython `except -1` function that
# raised: the exception reaches the caller of gdfast_minimize_v1); or a positive error code of
# your own (the run stops with status GDFAST_OBJECTIVE_ERROR and result.error_code = it).
# ctx is passed back unchanged.  x must not be written to.
ctypedef int (*gdfast_objective_v1)(void *ctx, Py_ssize_t n, const double *x,
                                    double *f, double *g) except -1 nogil

ctypedef struct gdfast_options_v1:
    double lr                 # step size gamma (> 0, finite)                    default 0.01
    Py_ssize_t max_iter       # iterations at most (>= 0)                        default 10000
    Py_ssize_t max_fev        # function evaluations at most (0: no limit)       default 0
    double gtol               # stop when max_i |g_i| <= gtol (0: off)           default 1e-5
    double ftol               # stop on relative decrease <= ftol (0: off)       default 0
    double xtol               # stop when no coordinate moves more (0: off)      default 0
    int fd_method             # GDFAST_FD_NONE: fun fills g; else finite diffs   default NONE

ctypedef struct gdfast_result_v1:
    double fun                # f at the returned x
    Py_ssize_t nit            # iterations taken
    Py_ssize_t nfev           # value evaluations (finite-difference stencils included)
    Py_ssize_t njev           # gradient evaluations
    int status                # a GDFAST_* status code below
    int error_code            # your positive code, when status == GDFAST_OBJECTIVE_ERROR

cdef enum:
    GDFAST_CAPI_VERSION = 4
    # status codes (gdfast.Status)
    GDFAST_CONVERGED = 0          # a tolerance test passed
    GDFAST_MAX_ITER = 1           # max_iter iterations done
    GDFAST_STEP_FAILED = 2        # the step rule found no acceptable step
    GDFAST_NONFINITE = 3          # f or its gradient became NaN (x: the last finite iterate)
    GDFAST_DIVERGED = 4           # f or its gradient overflowed to inf (x: the last finite one)
    GDFAST_OBJECTIVE_ERROR = 5    # the objective returned a positive error code
    GDFAST_MAX_FEV = 6            # max_fev evaluations made
    GDFAST_TARGET_REACHED = 7     # (v3) f reached options.target
    GDFAST_PATIENCE = 8           # (v3) f did not improve by min_delta for patience iterations
    GDFAST_MAX_TIME = 9           # (v3) max_time seconds passed
    GDFAST_CALLBACK_STOP = 99     # (v3) the callback returned nonzero
    # finite-difference methods
    GDFAST_FD_NONE = -1           # the objective computes its gradient
    GDFAST_FD_FORWARD = 0
    GDFAST_FD_BACKWARD = 1
    GDFAST_FD_CENTRAL = 2
    GDFAST_FD_CENTRAL4 = 3

# Fill *options with the defaults above.  Returns 0.
cdef int gdfast_options_init_v1(gdfast_options_v1 *options) noexcept nogil

# Minimize from x0[0:n] (not modified); the solution goes to x[0:n] (may be x0 itself).
# options: NULL for the defaults.  result: NULL if not wanted.  Returns 0 when the run ended
# (see result.status; a non-finite value at x0 is status 3 or 4 with nit 0), -1 with a Python
# exception set (invalid arguments: ValueError; an exception from fun; KeyboardInterrupt).
# Callable with or without the GIL; call it inside `with nogil:` so that other Python threads
# run meanwhile.  Thread-safe: no shared state.
cdef int gdfast_minimize_v1(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, const gdfast_options_v1 *options,
                            gdfast_result_v1 *result) except -1 nogil

# The finite-difference gradient of fun (values only: called with g == NULL) at x into g[0:n].
# method: GDFAST_FD_FORWARD / BACKWARD / CENTRAL / CENTRAL4; step: absolute step, or 0 for the
# default relative step.  Returns 0, -1 with a Python exception set, or fun's positive code.
cdef int gdfast_fd_gradient_v1(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                               const double *x, int method, double step,
                               double *g) except -1 nogil


# ---- version 2: every update rule, step rule and bound; a stepper; a batch ----------------

ctypedef struct gdfast_options_v2:
    # the run (as gdfast_options_v1)
    double lr                 # step size (> 0, finite); the first trial step of a line search
    Py_ssize_t max_iter       # iterations at most (>= 0)                        default 10000
    Py_ssize_t max_fev        # function evaluations at most (0: no limit)       default 0
    double gtol               # stop when max_i |g_i| <= gtol (0: off)           default 1e-5
    double ftol               # stop on relative decrease <= ftol (0: off)       default 0
    double xtol               # stop when no coordinate moves more (0: off)      default 0
    int fd_method             # GDFAST_FD_NONE: fun fills g; else finite diffs   default NONE
    # the update rule (torch.optim's names and defaults)
    int update                # GDFAST_RULE_*                                    default SGD
    double momentum           # SGD, RMSprop                                     default 0
    double dampening          # SGD                                              default 0
    int nesterov              # SGD                                              default 0
    double weight_decay       # L2 (AdamW: decoupled)                            default 0
    int decoupled_wd          # Adam: 1 for AdamW                                default 0
    int amsgrad               # Adam                                             default 0
    double beta1              # Adam                                             default 0.9
    double beta2              # Adam                                             default 0.999
    double eps                # Adam, RMSprop, Adagrad (torch's Adagrad: 1e-10)  default 1e-8
    double alpha              # RMSprop smoothing constant                       default 0.99
    int centered              # RMSprop                                          default 0
    double lr_decay           # Adagrad                                          default 0
    double initial_accumulator_value  # Adagrad                                  default 0
    int maximize              # ascend instead                                   default 0
    # the step rule
    int step                  # GDFAST_STEP_*                                    default FIXED
    double gamma              # schedules: Exponential, InverseTime, Step        default 1
    double eta_min            # cosine                                           default 0
    Py_ssize_t period         # StepLR's step_size, CosineLR's T_max (>= 1)      default 1
    const double *rates       # GDFAST_STEP_ARRAY: rates[k] (the last after), n_rates of them
    Py_ssize_t n_rates
    double c1                 # Armijo / Wolfe sufficient decrease               default 1e-4
    double c2                 # Wolfe curvature (c1 < c2 < 1)                    default 0.9
    double shrink             # Armijo backtracking factor (0 < shrink < 1)      default 0.5
    Py_ssize_t max_backtracks # evaluations per line search at most (>= 1)       default 50
    double lr_min             # Barzilai-Borwein safeguards                      default 1e-10
    double lr_max             #                                                  default 1e10
    # bounds and clipping (NULL / 0: off); rates, lb and ub must outlive the run or stepper
    const double *lb          # n lower bounds (with ub; -inf: none)
    const double *ub
    double clip_norm          # clip g to this 2-norm (> 0)
    double clip_value         # clip g to [-v, v] (> 0)

cdef enum:
    GDFAST_RULE_SGD = 0               # plain descent, momentum, Nesterov
    GDFAST_RULE_ADAM = 1              # Adam, AdamW, AMSGrad
    GDFAST_RULE_RMSPROP = 2
    GDFAST_RULE_ADAGRAD = 3
    # nonlinear CG (Polak-Ribiere+, restarted every n steps) and L-BFGS (memory 10): the
    # Python API's defaults (version 4's options set their parameters);
    # step must be GDFAST_STEP_WOLFE (set c2 = 0.1 for CG, as the Python default) or
    # GDFAST_STEP_ARMIJO, without bounds, clipping or maximize
    GDFAST_RULE_CG = 4
    GDFAST_RULE_LBFGS = 5
    GDFAST_STEP_FIXED = 0
    GDFAST_STEP_EXPONENTIAL = 1
    GDFAST_STEP_INVERSE_TIME = 2
    GDFAST_STEP_STEP = 3
    GDFAST_STEP_COSINE = 4
    GDFAST_STEP_ARRAY = 5
    GDFAST_STEP_ARMIJO = 6
    GDFAST_STEP_WOLFE = 7
    GDFAST_STEP_BB1 = 8
    GDFAST_STEP_BB2 = 9
    GDFAST_STEP_PLATEAU = 10          # (v3 only) ReduceLROnPlateau, options_v3.plateau_*
    # (the Python API's LinearLR, OneCycleLR, CosineAnnealingWarmRestarts and SequentialLR,
    # its step codes 11-14, have parameters the options structs have no fields for: a
    # ValueError here; give their rates with GDFAST_STEP_ARRAY)
    GDFAST_RUNNING = -1               # a stepper between steps

# Fill *options with the defaults above.  Returns 0.
cdef int gdfast_options_init_v2(gdfast_options_v2 *options) except -1 nogil

# Minimize from x0[0:n] with every rule; as gdfast_minimize_v1 otherwise.  An invalid option
# (an unknown rule code, rates without n_rates, lb without ub, ...) is a ValueError (-1).
cdef int gdfast_minimize_v2(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, const gdfast_options_v2 *options,
                            gdfast_result_v1 *result) except -1 nogil

# A stepper: one descent advanced on demand (once per time step of a simulation).
# create: evaluates at x0 (copied); *stepper receives the handle.  step: up to k iterations
# (fewer when it stops), *status (may be NULL) the status: GDFAST_RUNNING until a test fires.
# get: x[0:n], f, g[0:n] and the counts of the current iterate (any pointer may be NULL).
# reset: start over from x0 (NULL: the previous start).  free: releases it (NULL is fine).
# Every entry returns 0, or -1 with an exception set (ValueError for invalid arguments, the
# objective's exception, KeyboardInterrupt); after an exception from fun, reset before stepping.
cdef int gdfast_stepper_create_v2(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                                  const double *x0, const gdfast_options_v2 *options,
                                  void **stepper) except -1 nogil
cdef int gdfast_stepper_step_v2(void *stepper, Py_ssize_t k, int *status) except -1 nogil
cdef int gdfast_stepper_get_v2(void *stepper, double *x, double *f, double *g,
                               gdfast_result_v1 *result) except -1 nogil
cdef int gdfast_stepper_reset_v2(void *stepper, const double *x0) except -1 nogil
cdef int gdfast_stepper_free_v2(void *stepper) except -1 nogil

# m starts at once: row i of X0 (m, n) with ctxs[i] (ctxs NULL: ctx NULL for all), the
# solutions into the rows of X (may be X0), results[i] (results may be NULL).  threads > 1 runs
# the starts on that many threads: fun must then be thread-safe.  Each row equals
# gdfast_minimize_v2 from that start with that ctx, whatever threads is.
cdef int gdfast_minimize_batch_v2(gdfast_objective_v1 fun, void **ctxs, Py_ssize_t m,
                                  Py_ssize_t n, const double *X0, double *X,
                                  const gdfast_options_v2 *options, gdfast_result_v1 *results,
                                  int threads) except -1 nogil


# ---- version 3: stopping controls, the best iterate, ReduceLROnPlateau, compiled callbacks --

# Called inside the nogil loop every callback_every iterations with the current iterate (one
# start's, in a batch: on the worker threads, so it must be thread-safe); nonzero stops that
# start with GDFAST_CALLBACK_STOP.  Python's callback= takes the same signature.
ctypedef int (*gdfast_callback_v3)(int n, const double *x, double f, const double *g,
                                   long nit, void *user_data) noexcept nogil

ctypedef struct gdfast_options_v3:
    gdfast_options_v2 v2      # every option of version 2 (its step may also be PLATEAU)
    int has_target            # stop once f <= target (>= when maximizing)      default 0
    double target
    double max_time           # stop after so many seconds (0: off)             default 0
    Py_ssize_t patience       # stop after so many iterations without improving default 0
    double min_delta          # on the best f by more than min_delta (0: off)   default 0
    int keep_best             # keep the best iterate (x_best / results' fun_best) default 0
    int noise_stop            # (finite differences) stop once every gradient component is
                              # within its error estimate: stop_test 4 (noise)     default 0
    # ReduceLROnPlateau (v2.step == GDFAST_STEP_PLATEAU), torch's names and defaults
    double plateau_factor     # (0, 1)                                          default 0.1
    Py_ssize_t plateau_patience   # >= 0                                        default 10
    double plateau_threshold  # >= 0                                            default 1e-4
    int plateau_threshold_abs # 0: threshold_mode "rel", 1: "abs"               default 0
    Py_ssize_t plateau_cooldown   # >= 0                                        default 0
    double plateau_min_lr     # >= 0                                            default 0
    double plateau_eps        # >= 0                                            default 1e-8
    gdfast_callback_v3 callback   # NULL: none                                  default NULL
    void *callback_data       # its user_data
    Py_ssize_t callback_every # >= 1                                            default 1

ctypedef struct gdfast_result_v3:
    double fun                # f at the returned x
    Py_ssize_t nit
    Py_ssize_t nfev
    Py_ssize_t njev
    int status                # a GDFAST_* status code
    int error_code
    int stop_test             # when status == GDFAST_CONVERGED: 1 gtol, 2 xtol, 3 ftol, 4 noise
    double fun_best           # keep_best: the best f met, and its iteration
    Py_ssize_t nit_best

# Fill *options with the defaults above (and v2's).  Returns 0.
cdef int gdfast_options_init_v3(gdfast_options_v3 *options) except -1 nogil

# As gdfast_minimize_v2, with version 3's options; x_best: NULL, or n doubles for the best
# iterate (options.keep_best must then be set).
cdef int gdfast_minimize_v3(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, double *x_best, const gdfast_options_v3 *options,
                            gdfast_result_v3 *result) except -1 nogil

# A stepper with version 3's options: step, get, reset and free it with the _v2 entries.
# best: its best iterate into x_best[0:n], *f_best, *nit_best (each may be NULL); a ValueError
# unless it keeps its best (options.keep_best).
cdef int gdfast_stepper_create_v3(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                                  const double *x0, const gdfast_options_v3 *options,
                                  void **stepper) except -1 nogil
cdef int gdfast_stepper_best_v3(void *stepper, double *x_best, double *f_best,
                                Py_ssize_t *nit_best) except -1 nogil

# gdfast_fd_gradient_v1, and with err not NULL each component's error estimate into
# err[0:n] (as gdfast.gradient(..., error=True): one or two more points per coordinate).
cdef int gdfast_fd_gradient_v3(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                               const double *x, int method, double step, double *g,
                               double *err) except -1 nogil

# As gdfast_minimize_batch_v2; X_best: NULL, or (m, n) doubles for each start's best iterate
# (options.keep_best); max_time counts from the call for every start.
cdef int gdfast_minimize_batch_v3(gdfast_objective_v1 fun, void **ctxs, Py_ssize_t m,
                                  Py_ssize_t n, const double *X0, double *X, double *X_best,
                                  const gdfast_options_v3 *options, gdfast_result_v3 *results,
                                  int threads) except -1 nogil


# ---- version 4: FIRE and FIRE2, CG's and L-BFGS's parameters, groups of coordinates (atoms) --

cdef enum:
    GDFAST_RULE_FIRE = 6              # (v4 only) FIRE, ASE's ase.optimize.FIRE; v2.lr is dt
    GDFAST_RULE_FIRE2 = 7             # (v4 only) FIRE 2.0, ASE's ase.optimize.fire2.FIRE2

ctypedef struct gdfast_options_v4:
    gdfast_options_v3 v3      # every option of version 3 (v3.v2.update may also be FIRE / FIRE2,
                              # with step FIXED and no bounds, clipping or maximize)
    # FIRE / FIRE2, ASE's names and defaults (dt is v3.v2.lr: set it, ASE's default is 0.1);
    # a negative fire_nmin, fire_astart or fire_a: ASE's default for the rule
    double fire_maxstep       # cap on the 2-norm of the whole step (> 0)         default 0.2
    double fire_dtmax         # (> 0)                                             default 1.0
    double fire_dtmin         # FIRE2 (0 <= dtmin <= dtmax)                       default 2e-3
    Py_ssize_t fire_nmin      # FIRE 5, FIRE2 20                                  default -1
    double fire_finc          # (>= 1)                                            default 1.1
    double fire_fdec          # (0, 1]                                            default 0.5
    double fire_astart        # [0, 1]: FIRE 0.1, FIRE2 0.25                      default -1
    double fire_fa            # (0, 1]                                            default 0.99
    double fire_a             # FIRE's initial a, [0, 1]: 0.1 (FIRE2: astart)     default -1
    int fire_use_abc          # FIRE2's bias-corrected mixing                     default 0
    # CG and L-BFGS (GDFAST_RULE_CG / _LBFGS)
    int cg_beta               # 0 Polak-Ribiere+, 1 Fletcher-Reeves               default 0
    Py_ssize_t cg_restart     # restart every so many steps (0: every n)          default 0
    Py_ssize_t memory         # L-BFGS's pairs (>= 1)                             default 10
    # groups of consecutive coordinates (atoms: 3 each); group_ends must outlive the run
    const Py_ssize_t *group_ends  # n_groups increasing ends, the last n; NULL: one group
    Py_ssize_t n_groups
    double max_step           # cap on each group's displacement per iteration (0: off)
    int gnorm_group           # gtol on the largest group 2-norm of g (ASE's fmax) default 0

# Fill *options with the defaults above (and v3's).  Returns 0.
cdef int gdfast_options_init_v4(gdfast_options_v4 *options) except -1 nogil

# gdfast_minimize_v3, gdfast_stepper_create_v3 (then the v2 / v3 stepper entries) and
# gdfast_minimize_batch_v3 with version 4's options; the v3 entries refuse the FIRE codes.
cdef int gdfast_minimize_v4(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, double *x_best, const gdfast_options_v4 *options,
                            gdfast_result_v3 *result) except -1 nogil
cdef int gdfast_stepper_create_v4(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                                  const double *x0, const gdfast_options_v4 *options,
                                  void **stepper) except -1 nogil
cdef int gdfast_minimize_batch_v4(gdfast_objective_v1 fun, void **ctxs, Py_ssize_t m,
                                  Py_ssize_t n, const double *X0, double *X, double *X_best,
                                  const gdfast_options_v4 *options, gdfast_result_v3 *results,
                                  int threads) except -1 nogil
