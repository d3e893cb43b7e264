"""gdfast's public C API (versions 1 to 4), for Cython extensions: ``cimport gdfast.capi``.

Everything is declared in ``gdfast/capi.pxd`` (installed with gdfast, self-contained): a plain
C function-pointer objective with a ``void *`` context, options structs, a result struct,
status and rule codes, and ``except -1 nogil`` entry points.  Version 1:
``gdfast_minimize_v1`` and ``gdfast_fd_gradient_v1`` (fixed-step descent).  Version 2: every
update rule, step rule, bound and clipping option through ``gdfast_options_v2``;
``gdfast_minimize_v2``; a stepper (``gdfast_stepper_create_v2`` / ``_step_v2`` / ``_get_v2`` /
``_reset_v2`` / ``_free_v2``) that a simulation advances once per time step; and
``gdfast_minimize_batch_v2`` over m starts with a ``void *`` context each.  Version 3
(``gdfast_options_v3``, which holds a ``gdfast_options_v2``): a target value, a time limit,
patience, the best iterate, ReduceLROnPlateau (``GDFAST_STEP_PLATEAU``) and a compiled callback
called inside the loop, through ``gdfast_minimize_v3``, ``gdfast_stepper_create_v3`` (then the
v2 stepper entries, and ``gdfast_stepper_best_v3``) and ``gdfast_minimize_batch_v3``, whose
results (``gdfast_result_v3``) also carry the stop test and the best f; a finite-difference
run's noise stop (``noise_stop``); and ``gdfast_fd_gradient_v3``, the gradient with each
component's error estimate.  Version 4 (``gdfast_options_v4``, which holds a
``gdfast_options_v3``): FIRE and FIRE 2.0 (``GDFAST_RULE_FIRE`` / ``GDFAST_RULE_FIRE2``, ASE's
parameters), CG's and L-BFGS's parameters, and groups of coordinates (atoms: ``group_ends``)
with a per-group displacement cap (``max_step``) and the gtol test on the largest group norm
(``gnorm_group``: ASE's fmax), through ``gdfast_minimize_v4``, ``gdfast_stepper_create_v4`` and
``gdfast_minimize_batch_v4``.  All of them drive
the one descent loop (the batch through ``minimize_batch``'s driver).  Names carry their
version: a later incompatible version adds new names and keeps these.

The objective fills ``f[0]`` when ``f != NULL`` and ``g[0:n]`` when ``g != NULL``, and returns
0; -1 after raising (declare it ``except -1 nogil`` and raise inside ``with gil:``: the
exception reaches whoever called the entry point); or a positive code of your own, which stops
the run with status ``GDFAST_OBJECTIVE_ERROR`` and ``result.error_code``.  An invalid option
(an unknown rule code, rates without ``n_rates``, ``lb`` without ``ub``, ...) is a ValueError
naming the field.

Build your extension with Cython >= 3 against an installed gdfast (``pip install gdfast``;
Cython finds ``gdfast/capi.pxd`` on ``sys.path``), importing ``gdfast.capi`` at run time.
Nothing else is needed: no include directories, no libraries to link.

Example (``consumer.pyx``; the test suite compiles and runs exactly this)::

    # cython: language_level=3
    from gdfast.capi cimport (gdfast_options_v1, gdfast_result_v1, gdfast_options_init_v1,
                              gdfast_minimize_v1, gdfast_fd_gradient_v1,
                              gdfast_options_v2, gdfast_options_init_v2,
                              gdfast_stepper_create_v2, gdfast_stepper_step_v2,
                              gdfast_stepper_get_v2, gdfast_stepper_free_v2,
                              gdfast_minimize_batch_v2, GDFAST_RULE_ADAM, GDFAST_STEP_ARMIJO,
                              GDFAST_RUNNING, GDFAST_FD_CENTRAL, GDFAST_OBJECTIVE_ERROR,
                              gdfast_options_v3, gdfast_result_v3, gdfast_options_init_v3,
                              gdfast_minimize_v3, gdfast_minimize_batch_v3,
                              gdfast_stepper_create_v3, gdfast_stepper_best_v3,
                              gdfast_fd_gradient_v3, GDFAST_STEP_PLATEAU,
                              gdfast_options_v4, gdfast_options_init_v4, gdfast_minimize_v4,
                              gdfast_minimize_batch_v4, GDFAST_RULE_FIRE, GDFAST_RULE_FIRE2)

    cdef struct quad_data:
        double a0
        double a1

    cdef int quadratic(void *ctx, Py_ssize_t n, const double *x,
                       double *f, double *g) except -1 nogil:
        # the lecture's f = a0 x^2 + a1 y^2 (3x^2 + y^2 with a0 = 3, a1 = 1)
        cdef quad_data *d = <quad_data *>ctx
        if f != NULL:
            f[0] = d.a0 * x[0] * x[0] + d.a1 * x[1] * x[1]
        if g != NULL:
            g[0] = 2.0 * d.a0 * x[0]
            g[1] = 2.0 * d.a1 * x[1]
        return 0

    cdef int failing(void *ctx, Py_ssize_t n, const double *x,
                     double *f, double *g) except -1 nogil:
        with gil:
            raise ValueError("raised in the consumer's callback")

    cdef int c_error(void *ctx, Py_ssize_t n, const double *x,
                     double *f, double *g) except -1 nogil:
        return 7                  # a C error code of our own

    def solve(double a0, double a1, double x0, double y0, bint finite_differences=False):
        cdef quad_data d = quad_data(a0, a1)
        cdef double start[2]
        cdef double x[2]
        cdef gdfast_options_v1 opts
        cdef gdfast_result_v1 res
        start[0] = x0
        start[1] = y0
        gdfast_options_init_v1(&opts)
        opts.lr = 0.1
        opts.gtol = 1e-10
        if finite_differences:
            opts.fd_method = GDFAST_FD_CENTRAL
        with nogil:
            gdfast_minimize_v1(quadratic, &d, 2, start, x, &opts, &res)
        return (x[0], x[1]), res.fun, res.nit, res.status

    def simulate(double a0, double a1, int time_steps, int iterations_per_step):
        # a simulation's time loop: the data change every time step (a0 grows), and the
        # stepper relaxes x a few Adam iterations per step, from where it was
        cdef quad_data d = quad_data(a0, a1)
        cdef double start[2]
        cdef double x[2]
        cdef double f
        cdef void *stepper = NULL
        cdef gdfast_options_v2 opts
        cdef int t, status = GDFAST_RUNNING
        start[0] = 1.0
        start[1] = 1.0
        gdfast_options_init_v2(&opts)
        opts.update = GDFAST_RULE_ADAM
        opts.lr = 0.05
        opts.gtol = 0.0
        opts.max_iter = 10 ** 9
        gdfast_stepper_create_v2(quadratic, &d, 2, start, &opts, &stepper)
        try:
            for t in range(time_steps):
                d.a0 = a0 * (1.0 + 0.01 * t)        # the objective reads its data at each call
                with nogil:
                    gdfast_stepper_step_v2(stepper, iterations_per_step, &status)
            gdfast_stepper_get_v2(stepper, x, &f, NULL, NULL)
        finally:
            gdfast_stepper_free_v2(stepper)
        return (x[0], x[1]), f, status

    def batch(int m, int threads):
        # m problems at once, each with its own data (a ctx per start), Armijo steps
        cdef quad_data[64] data
        cdef void *ctxs[64]
        cdef double X0[128]
        cdef double X[128]
        cdef gdfast_result_v1 res[64]
        cdef gdfast_options_v2 opts
        cdef int i
        for i in range(m):
            data[i] = quad_data(1.0 + i, 2.0)
            ctxs[i] = &data[i]
            X0[2 * i] = 1.0
            X0[2 * i + 1] = -1.0
        gdfast_options_init_v2(&opts)
        opts.step = GDFAST_STEP_ARMIJO
        opts.lr = 1.0
        opts.gtol = 1e-10
        with nogil:
            gdfast_minimize_batch_v2(quadratic, ctxs, m, 2, X0, X, &opts, res, threads)
        return [((X[2 * i], X[2 * i + 1]), res[i].nit, res[i].status) for i in range(m)]

    def gradient(double a0, double a1, double x0, double y0):
        cdef quad_data d = quad_data(a0, a1)
        cdef double x[2]
        cdef double g[2]
        x[0] = x0
        x[1] = y0
        gdfast_fd_gradient_v1(quadratic, &d, 2, x, GDFAST_FD_CENTRAL, 0.0, g)
        return g[0], g[1]

    def fail():
        cdef double x[1]
        x[0] = 1.0
        gdfast_minimize_v1(failing, NULL, 1, x, x, NULL, NULL)   # raises ValueError

    def error_code():
        cdef double x[1]
        cdef gdfast_result_v1 res
        x[0] = 1.0
        gdfast_minimize_v1(c_error, NULL, 1, x, x, NULL, &res)
        return res.status == GDFAST_OBJECTIVE_ERROR, res.error_code

    cdef int count_and_stop(int n, const double *x, double f, const double *g, long nit,
                            void *user_data) noexcept nogil:
        # a compiled callback (version 3): counts its calls, stops once f < 1e-6
        (<long *>user_data)[0] += 1
        return 1 if f < 1e-6 else 0

    def controls(double target, bint plateau):
        # version 3: stop at a target value, keep the best iterate, call a C callback; with
        # plateau, lr 1 on x^2 + y^2 makes x jump to -x until ReduceLROnPlateau halves it
        cdef quad_data d = quad_data(1.0, 1.0)
        cdef double start[2]
        cdef double x[2]
        cdef double best[2]
        cdef long calls = 0
        cdef gdfast_options_v3 opts
        cdef gdfast_result_v3 res
        start[0] = 1.0
        start[1] = -1.0
        gdfast_options_init_v3(&opts)
        opts.v2.lr = 1.0 if plateau else 0.1
        opts.v2.gtol = 0.0
        opts.keep_best = 1
        if plateau:
            opts.v2.step = GDFAST_STEP_PLATEAU
            opts.plateau_factor = 0.5
            opts.plateau_patience = 2
        else:
            opts.has_target = 1
            opts.target = target
            opts.callback = count_and_stop
            opts.callback_data = &calls
        with nogil:
            gdfast_minimize_v3(quadratic, &d, 2, start, x, best, &opts, &res)
        return res.status, res.nit, res.fun, calls, (best[0], best[1]), res.fun_best, res.nit_best

    def noise_floor(int m, int threads):
        # version 3: finite differences cannot reach gtol 1e-300; the noise stop ends the
        # run, and each of m starts of a batch (one ctx for all: ctxs NULL, d global)
        cdef quad_data d = quad_data(3.0, 1.0)
        cdef double start[2]
        cdef double x[2]
        cdef double X0[32]
        cdef double X[32]
        cdef gdfast_options_v3 opts
        cdef gdfast_result_v3 res
        cdef gdfast_result_v3 rows[16]
        cdef int i
        start[0] = 1.0
        start[1] = 1.0
        gdfast_options_init_v3(&opts)
        opts.v2.lr = 0.1
        opts.v2.gtol = 1e-300
        opts.v2.fd_method = GDFAST_FD_CENTRAL
        opts.noise_stop = 1
        with nogil:
            gdfast_minimize_v3(quadratic, &d, 2, start, x, NULL, &opts, &res)
        global shared
        shared = d
        for i in range(m):
            X0[2 * i] = 1.0 + i
            X0[2 * i + 1] = -1.0
        with nogil:
            gdfast_minimize_batch_v3(shared_quadratic, NULL, m, 2, X0, X, NULL, &opts, rows,
                                     threads)
        return ((res.status, res.stop_test, res.nit, (x[0], x[1])),
                [(rows[i].status, rows[i].stop_test, rows[i].nit) for i in range(m)])

    cdef quad_data shared

    cdef int shared_quadratic(void *ctx, Py_ssize_t n, const double *x,
                              double *f, double *g) except -1 nogil:
        return quadratic(&shared, n, x, f, g)

    def gradient_error(double a0, double a1, double x0, double y0):
        # version 3: the finite-difference gradient and each component's error estimate
        cdef quad_data d = quad_data(a0, a1)
        cdef double x[2]
        cdef double g[2]
        cdef double err[2]
        x[0] = x0
        x[1] = y0
        gdfast_fd_gradient_v3(quadratic, &d, 2, x, GDFAST_FD_CENTRAL, 0.0, g, err)
        return (g[0], g[1]), (err[0], err[1])

    def batch_best(int m, int threads):
        # version 3's batch: each start's best iterate, and the stop test that fired
        cdef quad_data d = quad_data(3.0, 1.0)
        cdef void *ctxs[16]
        cdef double X0[32]
        cdef double X[32]
        cdef double B[32]
        cdef gdfast_result_v3 res[16]
        cdef gdfast_options_v3 opts
        cdef int i
        for i in range(m):
            ctxs[i] = &d
            X0[2 * i] = 1.0 + i
            X0[2 * i + 1] = 1.0
        gdfast_options_init_v3(&opts)
        opts.v2.lr = 0.1
        opts.v2.gtol = 1e-8
        opts.keep_best = 1
        with nogil:
            gdfast_minimize_batch_v3(quadratic, ctxs, m, 2, X0, X, B, &opts, res, threads)
        return [(res[i].status, res[i].stop_test, res[i].nit_best, (B[2 * i], B[2 * i + 1]))
                for i in range(m)]

    cdef int dimer(void *ctx, Py_ssize_t n, const double *x, double *f,
                   double *g) except -1 nogil:
        # the Lennard-Jones energy 4 (r^-12 - r^-6) of two atoms, x = (x1, y1, z1, x2, y2, z2)
        cdef double d[3]
        cdef double r2 = 0.0, s6, h
        cdef int k
        for k in range(3):
            d[k] = x[3 + k] - x[k]
            r2 += d[k] * d[k]
        s6 = 1.0 / (r2 * r2 * r2)
        if f != NULL:
            f[0] = 4.0 * (s6 * s6 - s6)
        if g != NULL:
            h = 24.0 * (2.0 * s6 * s6 - s6) / r2
            for k in range(3):
                g[k] = h * d[k]
                g[3 + k] = -h * d[k]
        return 0

    def relax(double r0, bint fire2, double max_step, int m):
        # version 4: FIRE or FIRE2 (ASE's defaults: dt 0.1) on a dimer r0 apart, gtol on the
        # largest force on an atom, each atom's displacement per step capped; then m dimers
        # (r0, r0 + 0.1, ...) in one batch
        cdef Py_ssize_t ends[2]
        cdef double x0[96]
        cdef double x[96]
        cdef gdfast_options_v4 opts
        cdef gdfast_result_v3 res
        cdef gdfast_result_v3 rows[16]
        cdef int i, k
        ends[0] = 3
        ends[1] = 6
        gdfast_options_init_v4(&opts)
        opts.v3.v2.update = GDFAST_RULE_FIRE2 if fire2 else GDFAST_RULE_FIRE
        opts.v3.v2.lr = 0.1
        opts.v3.v2.gtol = 1e-8
        opts.group_ends = ends
        opts.n_groups = 2
        opts.gnorm_group = 1
        opts.max_step = max_step
        for i in range(m):
            for k in range(6):
                x0[6 * i + k] = 0.0
            x0[6 * i + 3] = r0 + 0.1 * i
        with nogil:
            gdfast_minimize_v4(dimer, NULL, 6, x0, x, NULL, &opts, &res)
        first = (x[3] - x[0], res.status, res.nit)
        with nogil:
            gdfast_minimize_batch_v4(dimer, NULL, m, 6, x0, x, NULL, &opts, rows, 1)
        return first, [(x[6 * i + 3] - x[6 * i], rows[i].status, rows[i].nit)
                       for i in range(m)]

Build it with this ``setup.py`` and run it::

    from Cython.Build import cythonize
    from setuptools import setup
    setup(ext_modules=cythonize("consumer.pyx"))

    >>> import consumer
    >>> consumer.solve(3.0, 1.0, 1.0, 1.0)       # ((~0, ~0), ~0, nit, 0)
    >>> consumer.simulate(3.0, 1.0, 100, 10)     # ((~0, ~0), ~0, -1): still running
    >>> consumer.batch(8, 2)                     # [((~0, ~0), nit, 0), ...]
    >>> consumer.gradient(3.0, 1.0, 1.0, 1.0)    # (6.0, 2.0) up to rounding
    >>> consumer.fail()                          # ValueError: raised in the consumer's callback
    >>> consumer.controls(1e-3, False)           # (7, nit, f <= 1e-3, nit calls, best, ...)
    >>> consumer.controls(0.0, True)             # (1, 10000, ~0, 0, best ~ (0, 0), ~0, nit)
    >>> consumer.noise_floor(4, 2)               # ((0, 4, nit, (~0, ~0)), [(0, 4, nit), ...])
    >>> consumer.gradient_error(3.0, 1.0, 1.0, 1.0)  # ((6, 2) up to rounding, (err0, err1))
    >>> consumer.batch_best(4, 2)                # [(0, 1, nit_best, (~0, ~0)), ...]
    >>> consumer.relax(1.5, False, 0.05, 4)      # ((2**(1/6), 0, nit), [(2**(1/6), 0, nit), ...])
"""
from libc.math cimport isfinite, isnan
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memset

from gdfast._objective cimport gd_objective, gd_eval_fn
from gdfast._config cimport default_options
from gdfast._descent cimport (gd_state, gd_options, gd_lane_out, gd_state_init,
                              gd_state_init_lanes, gd_state_free, gd_start, gd_iterate,
                              gd_run, RUNNING, gd_user_callback, gd_user_callback_fn,
                              gd_compiled_callback, gd_compiled_lanes_callback)
from gdfast._fdiff cimport (gd_fd_data, gd_fd_view, gd_fd_spec, fd_eval, fd_gradient_error,
                            fd_work_size, fd_error_work_size, fd_data_init, fd_start_ctx)
from gdfast._pacer cimport gd_clock, gd_control, gd_control_init, gd_pacer, gd_pacer_init
from gdfast._rules cimport (STEP_ARRAY, STEP_ARMIJO, STEP_WOLFE, RULE_ADAM, CG_PR_PLUS,
                            CG_FR)
from gdfast._batch cimport gd_lanes_per_block, gd_lanes_ld, gd_lanes_run

__all__ = ["CAPI_VERSION"]

CAPI_VERSION = GDFAST_CAPI_VERSION


cdef int _invalid(str message) except -1 with gil:
    raise ValueError(f"gdfast C API: {message}")


cdef int _invalid_at(str message, Py_ssize_t value) except -1 with gil:
    """_invalid with a number in the message ({} in it)."""
    raise ValueError(f"gdfast C API: {message.format(value)}")


# ---- options: v1, v2 and v3 become one gd_options here, and nowhere else ---------------------

cdef int gdfast_options_init_v1(gdfast_options_v1 *options) noexcept nogil:
    options.lr = 0.01
    options.max_iter = 10000
    options.max_fev = 0
    options.gtol = 1e-5
    options.ftol = 0.0
    options.xtol = 0.0
    options.fd_method = GDFAST_FD_NONE
    return 0


cdef int gdfast_options_init_v2(gdfast_options_v2 *o) except -1 nogil:
    memset(o, 0, sizeof(gdfast_options_v2))
    o.lr = 0.01
    o.max_iter = 10000
    o.gtol = 1e-5
    o.fd_method = GDFAST_FD_NONE
    o.update = GDFAST_RULE_SGD
    o.beta1 = 0.9
    o.beta2 = 0.999
    o.eps = 1e-8
    o.alpha = 0.99
    o.step = GDFAST_STEP_FIXED
    o.gamma = 1.0
    o.period = 1
    o.c1 = 1e-4
    o.c2 = 0.9
    o.shrink = 0.5
    o.max_backtracks = 50
    o.lr_min = 1e-10
    o.lr_max = 1e10
    return 0


cdef int _v1_as_v2(const gdfast_options_v1 *o1, gdfast_options_v2 *o) except -1 nogil:
    gdfast_options_init_v2(o)
    o.lr = o1.lr
    o.max_iter = o1.max_iter
    o.max_fev = o1.max_fev
    o.gtol = o1.gtol
    o.ftol = o1.ftol
    o.xtol = o1.xtol
    o.fd_method = o1.fd_method
    return 0


cdef int _v2_as_v3(const gdfast_options_v2 *o2, gdfast_options_v3 *o) except -1 nogil:
    """Version 2's options (NULL: the defaults) as version 3's, its controls off: version 2's
    entries are version 3's on these.  Refuses the step codes version 2 does not have."""
    gdfast_options_init_v3(o)
    if o2 != NULL:
        if o2.step == GDFAST_STEP_PLATEAU:
            return _invalid_at("options.step: unknown step rule code {}", o2.step)
        o.v2 = o2[0]
    return 0


cdef inline bint _nonneg(double v) noexcept nogil:
    return v >= 0.0 and isfinite(v)


cdef int _configure(const gdfast_options_v2 *o, Py_ssize_t n, gd_options *opt) except -1 nogil:
    """Validate a C API configuration (ValueError naming the field) into the loop's one
    gd_options struct (every step code of version 3: _v2_as_v3 refuses version 2 the
    later ones)."""
    cdef Py_ssize_t i
    if not (o.lr > 0.0 and isfinite(o.lr)):
        return _invalid("options.lr must be finite and > 0")
    if o.max_iter < 0 or o.max_fev < 0:
        return _invalid("options.max_iter and options.max_fev must be >= 0")
    if not (o.gtol >= 0.0 and o.ftol >= 0.0 and o.xtol >= 0.0):
        return _invalid("options.gtol, ftol and xtol must be >= 0 (not NaN)")
    if o.fd_method < GDFAST_FD_NONE or o.fd_method > GDFAST_FD_CENTRAL4:
        return _invalid("options.fd_method must be GDFAST_FD_NONE or a GDFAST_FD_* method")
    if o.update < GDFAST_RULE_SGD or o.update > GDFAST_RULE_FIRE2:
        return _invalid_at("options.update: unknown update rule code {}", o.update)
    if o.update == GDFAST_RULE_CG or o.update == GDFAST_RULE_LBFGS:
        _check_quasi_newton(o)
    if o.update == GDFAST_RULE_FIRE or o.update == GDFAST_RULE_FIRE2:
        if o.step != GDFAST_STEP_FIXED:
            return _invalid("options.update FIRE / FIRE2 needs step = GDFAST_STEP_FIXED (dt, "
                            "options.lr, adapts itself)")
        if o.lb != NULL or o.clip_norm != 0.0 or o.clip_value != 0.0 or o.maximize:
            return _invalid("options.update FIRE / FIRE2 cannot be combined with lb / ub, "
                            "clip_norm, clip_value or maximize")
    if 11 <= o.step <= 14:
        # LinearLR, OneCycleLR, CosineAnnealingWarmRestarts, SequentialLR: their parameters
        # have no fields in the options structs
        return _invalid_at("options.step: code {} is a step rule of the Python API only "
                           "(the C API's options cannot carry its parameters); give its rates "
                           "with GDFAST_STEP_ARRAY", o.step)
    if o.step < GDFAST_STEP_FIXED or o.step > GDFAST_STEP_PLATEAU:
        return _invalid_at("options.step: unknown step rule code {}", o.step)
    if not (_nonneg(o.momentum) and _nonneg(o.weight_decay) and _nonneg(o.eps)
            and _nonneg(o.lr_decay) and _nonneg(o.initial_accumulator_value)
            and _nonneg(o.eta_min) and _nonneg(o.clip_norm) and _nonneg(o.clip_value)):
        return _invalid("options.momentum, weight_decay, eps, lr_decay, "
                        "initial_accumulator_value, eta_min, clip_norm and clip_value must be "
                        "finite and >= 0")
    if not (0.0 <= o.dampening <= 1.0 and 0.0 <= o.alpha <= 1.0):
        return _invalid("options.dampening and options.alpha must be in [0, 1]")
    if not (0.0 <= o.beta1 < 1.0 and 0.0 <= o.beta2 < 1.0):
        return _invalid("options.beta1 and options.beta2 must be in [0, 1)")
    if o.nesterov and (o.momentum <= 0.0 or o.dampening != 0.0):
        return _invalid("options.nesterov needs momentum > 0 and dampening = 0")
    if o.decoupled_wd and o.update != GDFAST_RULE_ADAM:
        return _invalid("options.decoupled_wd (AdamW) needs update = GDFAST_RULE_ADAM")
    if not (o.gamma > 0.0 and isfinite(o.gamma)) or o.period < 1:
        return _invalid("options.gamma must be finite and > 0, options.period >= 1")
    if o.step == GDFAST_STEP_ARRAY:
        if o.rates == NULL or o.n_rates < 1:
            return _invalid("options.rates and options.n_rates >= 1 are needed for "
                            "GDFAST_STEP_ARRAY")
        for i in range(o.n_rates):
            if not (o.rates[i] > 0.0 and isfinite(o.rates[i])):
                return _invalid_at("options.rates[{}] must be finite and > 0", i)
    if not (0.0 < o.c1 < 1.0 and o.c1 < o.c2 < 1.0 and 0.0 < o.shrink < 1.0):
        return _invalid("options.c1, c2 and shrink must satisfy 0 < c1 < c2 < 1, "
                        "0 < shrink < 1")
    if o.max_backtracks < 1 or not (0.0 < o.lr_min <= o.lr_max):
        return _invalid("options.max_backtracks must be >= 1 and 0 < lr_min <= lr_max")
    if (o.lb == NULL) != (o.ub == NULL):
        return _invalid("options.lb and options.ub go together")
    if o.lb != NULL:
        if o.step == GDFAST_STEP_WOLFE:
            return _invalid("bounds cannot be combined with the Wolfe line search")
        for i in range(n):
            if isnan(o.lb[i]) or isnan(o.ub[i]) or o.lb[i] > o.ub[i]:
                return _invalid_at("options.lb[{0}] <= options.ub[{0}] is needed (not NaN)", i)
    if o.maximize and GDFAST_STEP_ARMIJO <= o.step <= GDFAST_STEP_BB2:
        return _invalid("options.maximize cannot be combined with a line search")
    default_options(opt)
    opt.lr = o.lr
    opt.max_iter = o.max_iter
    opt.max_fev = o.max_fev
    opt.gtol = o.gtol
    opt.ftol = o.ftol
    opt.xtol = o.xtol
    opt.callback_every = 1
    opt.rule.update = o.update
    opt.rule.step = o.step
    opt.rule.momentum = o.momentum
    opt.rule.dampening = o.dampening
    opt.rule.weight_decay = o.weight_decay
    opt.rule.nesterov = o.nesterov != 0
    opt.rule.decoupled_wd = o.decoupled_wd != 0
    opt.rule.amsgrad = o.amsgrad != 0
    opt.rule.centered = o.centered != 0
    opt.rule.maximize = o.maximize != 0
    opt.rule.beta1 = o.beta1
    opt.rule.beta2 = o.beta2
    opt.rule.alpha = o.alpha
    opt.rule.eps = o.eps
    opt.rule.lr_decay = o.lr_decay
    opt.rule.init_acc = o.initial_accumulator_value
    opt.rule.gamma = o.gamma
    opt.rule.eta_min = o.eta_min
    opt.rule.period = o.period
    opt.rule.rates = o.rates
    opt.rule.n_rates = o.n_rates
    opt.rule.c1 = o.c1
    opt.rule.c2 = o.c2
    opt.rule.shrink = o.shrink
    opt.rule.max_backtracks = o.max_backtracks
    opt.rule.lr_min = o.lr_min
    opt.rule.lr_max = o.lr_max
    opt.rule.lb = o.lb
    opt.rule.ub = o.ub
    opt.rule.clip_norm = o.clip_norm
    opt.rule.clip_value = o.clip_value
    if o.update == GDFAST_RULE_CG or o.update == GDFAST_RULE_LBFGS:
        opt.rule.cg_beta = CG_PR_PLUS           # the Python API's defaults
        opt.rule.cg_restart = n
        opt.rule.memory = 10
    return 0


cdef int _check_quasi_newton(const gdfast_options_v2 *o) except -1 nogil:
    """GDFAST_RULE_CG / GDFAST_RULE_LBFGS: a line search, and none of bounds, clipping,
    maximize (the Python API's rules)."""
    if o.step != GDFAST_STEP_WOLFE and o.step != GDFAST_STEP_ARMIJO:
        return _invalid_at("options.update {} (CG / L-BFGS) needs step = GDFAST_STEP_WOLFE "
                           "or GDFAST_STEP_ARMIJO", o.update)
    if o.lb != NULL or o.clip_norm != 0.0 or o.clip_value != 0.0 or o.maximize:
        return _invalid("options.update CG / L-BFGS cannot be combined with lb / ub, "
                        "clip_norm, clip_value or maximize")
    return 0


cdef int _configure_v3(const gdfast_options_v3 *o, Py_ssize_t n, gd_options *opt,
                       gd_user_callback *cb) except -1 nogil:
    """_configure, then version 3's controls and ReduceLROnPlateau; cb: its callback."""
    _configure(&o.v2, n, opt)
    if o.has_target and isnan(o.target):
        return _invalid("options.target must not be NaN")
    if not (o.max_time >= 0.0) or o.patience < 0 or not _nonneg(o.min_delta):
        return _invalid("options.max_time must be >= 0 (not NaN), options.patience >= 0 and "
                        "options.min_delta finite and >= 0")
    if not (0.0 < o.plateau_factor < 1.0) or o.plateau_patience < 0 or o.plateau_cooldown < 0:
        return _invalid("options.plateau_factor must be in (0, 1), plateau_patience and "
                        "plateau_cooldown >= 0")
    if not (_nonneg(o.plateau_threshold) and _nonneg(o.plateau_min_lr)
            and _nonneg(o.plateau_eps)):
        return _invalid("options.plateau_threshold, plateau_min_lr and plateau_eps must be "
                        "finite and >= 0")
    if o.callback_every < 1:
        return _invalid("options.callback_every must be >= 1")
    if o.noise_stop and o.v2.fd_method == GDFAST_FD_NONE:
        return _invalid("options.noise_stop needs a finite-difference gradient (v2.fd_method)")
    opt.has_target = o.has_target != 0
    opt.target = o.target
    opt.max_time = o.max_time if isfinite(o.max_time) else 0.0
    opt.patience = o.patience
    opt.min_delta = o.min_delta
    opt.keep_best = o.keep_best != 0
    opt.callback_every = o.callback_every
    opt.rule.plateau_factor = o.plateau_factor
    opt.rule.plateau_patience = o.plateau_patience
    opt.rule.plateau_threshold = o.plateau_threshold
    opt.rule.plateau_rel = o.plateau_threshold_abs == 0
    opt.rule.plateau_cooldown = o.plateau_cooldown
    opt.rule.plateau_min_lr = o.plateau_min_lr
    opt.rule.plateau_eps = o.plateau_eps
    cb.fn = <gd_user_callback_fn>o.callback
    cb.user_data = o.callback_data
    return 0


cdef int gdfast_options_init_v3(gdfast_options_v3 *o) except -1 nogil:
    memset(o, 0, sizeof(gdfast_options_v3))
    gdfast_options_init_v2(&o.v2)
    o.plateau_factor = 0.1
    o.plateau_patience = 10
    o.plateau_threshold = 1e-4
    o.plateau_eps = 1e-8
    o.callback_every = 1
    return 0


cdef int gdfast_options_init_v4(gdfast_options_v4 *o) except -1 nogil:
    memset(o, 0, sizeof(gdfast_options_v4))
    gdfast_options_init_v3(&o.v3)
    o.fire_maxstep = 0.2
    o.fire_dtmax = 1.0
    o.fire_dtmin = 2e-3
    o.fire_nmin = -1
    o.fire_finc = 1.1
    o.fire_fdec = 0.5
    o.fire_astart = -1.0
    o.fire_fa = 0.99
    o.fire_a = -1.0
    o.memory = 10
    return 0


cdef int _v3_as_v4(const gdfast_options_v3 *o3, gdfast_options_v4 *o) except -1 nogil:
    """Version 3's options (NULL: the defaults) as version 4's: version 3's entries are
    version 4's on these.  Refuses the update codes version 3 does not have."""
    gdfast_options_init_v4(o)
    if o3 != NULL:
        if o3.v2.update == GDFAST_RULE_FIRE or o3.v2.update == GDFAST_RULE_FIRE2:
            return _invalid_at("options.update: code {} (FIRE / FIRE2) needs version 4's "
                               "options (gdfast_options_v4, the _v4 entries)", o3.v2.update)
        o.v3 = o3[0]
    return 0


cdef int _configure_v4(const gdfast_options_v4 *o, Py_ssize_t n, gd_options *opt,
                       gd_user_callback *cb) except -1 nogil:
    """_configure_v3, then version 4's FIRE, CG / L-BFGS and group fields."""
    cdef Py_ssize_t i
    cdef bint fire2 = o.v3.v2.update == GDFAST_RULE_FIRE2
    _configure_v3(&o.v3, n, opt, cb)
    if not (o.fire_maxstep > 0.0 and isfinite(o.fire_maxstep)
            and o.fire_dtmax > 0.0 and isfinite(o.fire_dtmax)):
        return _invalid("options.fire_maxstep and fire_dtmax must be finite and > 0")
    if not (0.0 <= o.fire_dtmin <= o.fire_dtmax):
        return _invalid("options.fire_dtmin must be in [0, fire_dtmax]")
    if not (o.fire_finc >= 1.0 and isfinite(o.fire_finc) and 0.0 < o.fire_fdec <= 1.0
            and 0.0 < o.fire_fa <= 1.0):
        return _invalid("options.fire_finc must be finite and >= 1, fire_fdec and fire_fa in "
                        "(0, 1]")
    if not (o.fire_astart <= 1.0 and o.fire_a <= 1.0):     # (negative: the rule's default)
        return _invalid("options.fire_astart and fire_a must be in [0, 1] (or negative: "
                        "ASE's default)")
    if o.cg_beta != 0 and o.cg_beta != 1:
        return _invalid("options.cg_beta must be 0 (Polak-Ribiere+) or 1 (Fletcher-Reeves)")
    if o.cg_restart < 0 or o.memory < 1:
        return _invalid("options.cg_restart must be >= 0 (0: n) and options.memory >= 1")
    if o.n_groups < 0 or (o.group_ends == NULL) != (o.n_groups == 0):
        return _invalid("options.group_ends and options.n_groups >= 1 go together")
    for i in range(o.n_groups):
        if o.group_ends[i] <= (o.group_ends[i - 1] if i > 0 else 0):
            return _invalid_at("options.group_ends must increase from > 0: group_ends[{}] "
                               "does not", i)
    if o.n_groups > 0 and o.group_ends[o.n_groups - 1] != n:
        return _invalid("options.group_ends' last entry must be n")
    if not (o.max_step >= 0.0 and isfinite(o.max_step)):
        return _invalid("options.max_step must be finite and >= 0 (0: off)")
    opt.rule.fire.fire2 = fire2
    opt.rule.fire.maxstep = o.fire_maxstep
    opt.rule.fire.dtmax = o.fire_dtmax
    opt.rule.fire.dtmin = o.fire_dtmin if fire2 else 0.0
    opt.rule.fire.nmin = o.fire_nmin if o.fire_nmin >= 0 else (20 if fire2 else 5)
    opt.rule.fire.finc = o.fire_finc
    opt.rule.fire.fdec = o.fire_fdec
    opt.rule.fire.astart = o.fire_astart if o.fire_astart >= 0.0 else (0.25 if fire2 else 0.1)
    opt.rule.fire.fa = o.fire_fa
    opt.rule.fire.a0 = (opt.rule.fire.astart if fire2
                        else (o.fire_a if o.fire_a >= 0.0 else 0.1))
    opt.rule.fire.use_abc = fire2 and o.fire_use_abc != 0
    opt.rule.cg_beta = CG_FR if o.cg_beta == 1 else CG_PR_PLUS
    opt.rule.cg_restart = o.cg_restart if o.cg_restart > 0 else n
    opt.rule.memory = o.memory
    opt.rule.group_end = o.group_ends
    opt.rule.n_groups = o.n_groups
    opt.rule.max_step = o.max_step
    opt.rule.gnorm_group = o.gnorm_group != 0
    return 0


# ---- the objective a C API run evaluates: the user's function, or finite differences of it ---

cdef struct capi_objective:
    gd_objective user             # fun with its ctx
    gd_objective fdobj            # finite differences of user (fd_method != GDFAST_FD_NONE)
    gd_fd_data fd
    gd_fd_view view
    const gd_objective *run       # &user or &fdobj: what the loop calls


cdef int _objective_init(capi_objective *o, gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                         int fd_method, bint noise_stop=False,
                         Py_ssize_t n_starts=0) except -1 nogil:
    """The run's objective (o must not move afterwards: its parts point at each other);
    noise_stop: the differences estimate their errors, a verdict per start (n_starts, or one)."""
    memset(o, 0, sizeof(capi_objective))
    o.user.eval = <gd_eval_fn>fun
    o.user.ctx = ctx
    o.user.n = n
    o.user.has_gradient = fd_method == GDFAST_FD_NONE
    o.user.has_value_with_gradient = True
    o.user.needs_gil = False
    o.run = &o.user
    if fd_method == GDFAST_FD_NONE:
        return 0
    fd_data_init(&o.fd, &o.user, fd_method, <double *>malloc(
        (fd_error_work_size(&o.user, n, fd_method) if noise_stop
         else fd_work_size(&o.user, n, fd_method)) * sizeof(double)))
    if noise_stop:
        o.fd.err = <double *>malloc(n * sizeof(double))
        o.fd.noise = <int *>calloc(max(n_starts, 1), sizeof(int))
        o.fdobj.noise_floor = o.fd.noise
    if o.fd.work == NULL or (noise_stop and (o.fd.err == NULL or o.fd.noise == NULL)):
        with gil:
            raise MemoryError()
    o.view.d = &o.fd
    o.view.inner_ctx = ctx
    o.fdobj.eval = fd_eval
    o.fdobj.own_fev = &o.fd.nfev
    o.fdobj.ctx = &o.view
    o.fdobj.n = n
    o.fdobj.has_gradient = True
    o.fdobj.has_value_with_gradient = False
    o.fdobj.needs_gil = False
    o.run = &o.fdobj
    return 0


cdef void _objective_free(capi_objective *o) noexcept nogil:
    free(o.fd.work)
    free(o.fd.views)
    free(o.fd.err)
    free(o.fd.noise)
    o.fd.work = NULL
    o.fd.views = NULL
    o.fd.err = NULL
    o.fd.noise = NULL


cdef int _objective_error(int rc) except -1 with gil:
    raise RuntimeError(f"gdfast C API: the objective returned error code {rc}")


cdef void _result_v1(const gdfast_result_v3 *r3, gdfast_result_v1 *r) noexcept nogil:
    """Version 1's result (versions 1 and 2 return it) of version 3's."""
    r.fun = r3.fun
    r.nit = r3.nit
    r.nfev = r3.nfev
    r.njev = r3.njev
    r.status = r3.status
    r.error_code = r3.error_code


# ---- the stepper ------------------------------------------------------------------------------

cdef struct capi_stepper:
    capi_objective obj
    gd_state s
    double *x0                    # the start, for reset
    bint broken                   # an exception interrupted the last call
    gd_user_callback callback     # (v3) fn NULL: none


cdef void _attach(capi_stepper *r) noexcept nogil:
    """The stepper's callback onto its (new) state."""
    if r.callback.fn != NULL:
        r.s.callback = gd_compiled_callback
        r.s.callback_ctx = &r.callback


cdef int _stepper_init(capi_stepper *r, gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                       const double *x0, const gd_options *opt, int fd_method,
                       const gd_user_callback *callback, bint noise_stop=False) except -1 nogil:
    """Set up the objective and the state (opt: validated), evaluate at x0.  On failure
    everything is released."""
    r.s.buffer = NULL                 # what gd_state_free frees, if anything fails first
    r.s.ibuffer = NULL
    r.s.hist_x = NULL
    r.s.hist_f = NULL
    r.s.hist_gnorm = NULL
    r.s.track = NULL
    r.x0 = NULL
    r.obj.fd.work = NULL
    r.obj.fd.views = NULL
    r.obj.fd.err = NULL
    r.obj.fd.noise = NULL
    r.broken = False
    r.callback.fn = NULL
    if callback != NULL:
        r.callback = callback[0]
    if fun == NULL or x0 == NULL:
        return _invalid("fun and x0 must not be NULL")
    if n < 1:
        return _invalid("n must be >= 1")
    cdef bint done = False
    try:
        r.x0 = <double *>malloc(n * sizeof(double))
        if r.x0 == NULL:
            with gil:
                raise MemoryError()
        memcpy(r.x0, x0, n * sizeof(double))
        _objective_init(&r.obj, fun, ctx, n, fd_method, noise_stop)
        gd_state_init(&r.s, r.obj.run, n, x0, opt)
        _attach(r)
        gd_start(&r.s)
        done = True
    finally:
        if not done:
            _stepper_release(r)
    return 0


cdef void _stepper_release(capi_stepper *r) noexcept nogil:
    gd_state_free(&r.s)
    _objective_free(&r.obj)
    free(r.x0)
    r.x0 = NULL


# ---- one run ----------------------------------------------------------------------------------

cdef int gdfast_minimize_v1(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, const gdfast_options_v1 *options,
                            gdfast_result_v1 *result) except -1 nogil:
    cdef gdfast_options_v2 o
    if options == NULL:
        gdfast_options_init_v2(&o)
    else:
        _v1_as_v2(options, &o)
    return gdfast_minimize_v2(fun, ctx, n, x0, x, &o, result)


cdef int gdfast_minimize_v2(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, const gdfast_options_v2 *options,
                            gdfast_result_v1 *result) except -1 nogil:
    cdef gdfast_options_v3 o
    cdef gdfast_result_v3 r3
    _v2_as_v3(options, &o)
    gdfast_minimize_v3(fun, ctx, n, x0, x, NULL, &o, &r3)
    if result != NULL:
        _result_v1(&r3, result)
    return 0


cdef int gdfast_minimize_v3(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, double *x_best, const gdfast_options_v3 *options,
                            gdfast_result_v3 *result) except -1 nogil:
    cdef gdfast_options_v4 o
    _v3_as_v4(options, &o)
    return gdfast_minimize_v4(fun, ctx, n, x0, x, x_best, &o, result)


cdef int gdfast_minimize_v4(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n, const double *x0,
                            double *x, double *x_best, const gdfast_options_v4 *options,
                            gdfast_result_v3 *result) except -1 nogil:
    cdef gdfast_options_v4 defaults
    cdef gd_options opt
    cdef gd_user_callback cb
    cdef capi_stepper r
    if options == NULL:
        gdfast_options_init_v4(&defaults)
        options = &defaults
    _configure_v4(options, n, &opt, &cb)
    if x_best != NULL and not opt.keep_best:
        return _invalid("x_best needs options.keep_best")
    _stepper_init(&r, fun, ctx, n, x0, &opt, options.v3.v2.fd_method, &cb,
                  options.v3.noise_stop)
    try:
        gd_run(&r.s)
        memcpy(x, r.s.x, n * sizeof(double))
        if x_best != NULL:
            memcpy(x_best, r.s.x_best, n * sizeof(double))
        if result != NULL:
            _result_v3(&r.s, result)
    finally:
        _stepper_release(&r)
    return 0


cdef void _result_v3(const gd_state *s, gdfast_result_v3 *r) noexcept nogil:
    r.fun = s.f[0]
    r.nit = s.nit
    r.nfev = s.nfev[0]
    r.njev = s.njev[0]
    r.status = s.status
    r.error_code = s.error_code
    r.stop_test = s.stop_test
    r.fun_best = s.f_best[0] if s.x_best != NULL else s.f[0]
    r.nit_best = s.nit_best[0] if s.x_best != NULL else s.nit


cdef int gdfast_stepper_create_v2(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                                  const double *x0, const gdfast_options_v2 *options,
                                  void **stepper) except -1 nogil:
    cdef gdfast_options_v3 o
    _v2_as_v3(options, &o)
    return gdfast_stepper_create_v3(fun, ctx, n, x0, &o, stepper)


cdef int gdfast_stepper_create_v3(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                                  const double *x0, const gdfast_options_v3 *options,
                                  void **stepper) except -1 nogil:
    cdef gdfast_options_v4 o
    _v3_as_v4(options, &o)
    return gdfast_stepper_create_v4(fun, ctx, n, x0, &o, stepper)


cdef int gdfast_stepper_create_v4(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                                  const double *x0, const gdfast_options_v4 *options,
                                  void **stepper) except -1 nogil:
    cdef gdfast_options_v4 defaults
    cdef gd_options opt
    cdef gd_user_callback cb
    cdef capi_stepper *r
    if stepper == NULL:
        return _invalid("stepper must not be NULL")
    stepper[0] = NULL
    if options == NULL:
        gdfast_options_init_v4(&defaults)
        options = &defaults
    _configure_v4(options, n, &opt, &cb)
    r = <capi_stepper *>calloc(1, sizeof(capi_stepper))
    if r == NULL:
        with gil:
            raise MemoryError()
    cdef bint done = False
    try:
        _stepper_init(r, fun, ctx, n, x0, &opt, options.v3.v2.fd_method, &cb,
                      options.v3.noise_stop)
        done = True
    finally:
        if not done:
            free(r)
    stepper[0] = r
    return 0


cdef int gdfast_stepper_best_v3(void *stepper, double *x_best, double *f_best,
                                Py_ssize_t *nit_best) except -1 nogil:
    cdef capi_stepper *r = _stepper(stepper)
    if r.s.x_best == NULL:
        return _invalid("the stepper does not keep its best iterate (options.keep_best)")
    if x_best != NULL:
        memcpy(x_best, r.s.x_best, r.s.n * sizeof(double))
    if f_best != NULL:
        f_best[0] = r.s.f_best[0]
    if nit_best != NULL:
        nit_best[0] = r.s.nit_best[0]
    return 0


cdef inline capi_stepper *_stepper(void *stepper) except NULL nogil:
    if stepper == NULL:
        _invalid("stepper must not be NULL")
        return NULL
    return <capi_stepper *>stepper


cdef int gdfast_stepper_step_v2(void *stepper, Py_ssize_t k, int *status) except -1 nogil:
    cdef capi_stepper *r = _stepper(stepper)
    if k < 0:
        return _invalid("k must be >= 0")
    if r.broken:
        return _invalid("the objective raised during the last step: reset the stepper first")
    r.broken = True
    gd_iterate(&r.s, k)
    r.broken = False
    if status != NULL:
        status[0] = r.s.status
    return 0


cdef int gdfast_stepper_get_v2(void *stepper, double *x, double *f, double *g,
                               gdfast_result_v1 *result) except -1 nogil:
    cdef gdfast_result_v3 r3
    cdef capi_stepper *r = _stepper(stepper)
    cdef Py_ssize_t n = r.s.n
    cdef double fx
    cdef int rc
    if x != NULL:
        memcpy(x, r.s.x, n * sizeof(double))
    if g != NULL:
        memcpy(g, r.s.g, n * sizeof(double))
    fx = r.s.f[0]
    if (f != NULL or result != NULL) and not r.s.f_known:     # not counted, as Descent.fun
        rc = r.obj.user.eval(r.obj.user.ctx, n, r.s.x, &fx, NULL)
        if rc != 0:
            _objective_error(rc)
    if f != NULL:
        f[0] = fx
    if result != NULL:
        _result_v3(&r.s, &r3)
        _result_v1(&r3, result)
        result.fun = fx
    return 0


cdef int gdfast_stepper_reset_v2(void *stepper, const double *x0) except -1 nogil:
    cdef capi_stepper *r = _stepper(stepper)
    cdef gd_options opt = r.s.opt
    cdef Py_ssize_t n = r.s.n
    if x0 != NULL:
        memcpy(r.x0, x0, n * sizeof(double))
    gd_state_free(&r.s)
    if r.obj.run == &r.obj.fdobj:
        r.obj.fd.nfev = 0
    r.broken = True
    gd_state_init(&r.s, r.obj.run, n, r.x0, &opt)
    _attach(r)
    gd_start(&r.s)
    r.broken = False
    return 0


cdef int gdfast_stepper_free_v2(void *stepper) except -1 nogil:
    if stepper != NULL:
        _stepper_release(<capi_stepper *>stepper)
        free(stepper)
    return 0


# ---- the batch --------------------------------------------------------------------------------

cdef void *_ctx_of_start(void *ctx, Py_ssize_t start) noexcept nogil:
    return (<void **>ctx)[start]


cdef int _check_batch(gdfast_objective_v1 fun, const double *X0, double *X, Py_ssize_t m,
                      Py_ssize_t n, int threads) except -1 nogil:
    if fun == NULL or X0 == NULL or X == NULL:
        return _invalid("fun, X0 and X must not be NULL")
    if m < 1 or n < 1:
        return _invalid("m and n must be >= 1")
    if threads < 1:
        return _invalid("threads must be >= 1")
    return 0


cdef int gdfast_minimize_batch_v2(gdfast_objective_v1 fun, void **ctxs, Py_ssize_t m,
                                  Py_ssize_t n, const double *X0, double *X,
                                  const gdfast_options_v2 *options, gdfast_result_v1 *results,
                                  int threads) except -1 nogil:
    cdef gdfast_options_v3 o
    cdef gdfast_result_v3 *r3 = NULL
    cdef Py_ssize_t i
    _check_batch(fun, X0, X, m, n, threads)
    _v2_as_v3(options, &o)
    if results != NULL:
        r3 = <gdfast_result_v3 *>malloc(m * sizeof(gdfast_result_v3))
        if r3 == NULL:
            with gil:
                raise MemoryError()
    try:
        gdfast_minimize_batch_v3(fun, ctxs, m, n, X0, X, NULL, &o, r3, threads)
        if results != NULL:
            for i in range(m):
                _result_v1(&r3[i], &results[i])
    finally:
        free(r3)
    return 0


cdef int gdfast_minimize_batch_v3(gdfast_objective_v1 fun, void **ctxs, Py_ssize_t m,
                                  Py_ssize_t n, const double *X0, double *X, double *X_best,
                                  const gdfast_options_v3 *options, gdfast_result_v3 *results,
                                  int threads) except -1 nogil:
    cdef gdfast_options_v4 o
    _v3_as_v4(options, &o)
    return gdfast_minimize_batch_v4(fun, ctxs, m, n, X0, X, X_best, &o, results, threads)


cdef int gdfast_minimize_batch_v4(gdfast_objective_v1 fun, void **ctxs, Py_ssize_t m,
                                  Py_ssize_t n, const double *X0, double *X, double *X_best,
                                  const gdfast_options_v4 *options, gdfast_result_v3 *results,
                                  int threads) except -1 nogil:
    cdef gdfast_options_v4 defaults
    cdef gd_options opt
    cdef gd_user_callback cb
    _check_batch(fun, X0, X, m, n, threads)
    if options == NULL:
        gdfast_options_init_v4(&defaults)
        options = &defaults
    _configure_v4(options, n, &opt, &cb)
    if X_best != NULL and not opt.keep_best:
        return _invalid("X_best needs options.keep_best")
    with gil:
        _batch(fun, ctxs, m, n, X0, X, X_best, options.v3.v2.fd_method, &opt,
               &cb if cb.fn != NULL else NULL, results, min(threads, m), options.v3.noise_stop)
    return 0


cdef int _batch(gdfast_objective_v1 fun, void **ctxs, Py_ssize_t m, Py_ssize_t n,
                const double *X0, double *X, double *X_best, int fd_method,
                const gd_options *opt, const gd_user_callback *cb, gdfast_result_v3 *results,
                int nt, bint noise_stop) except -1:
    """The batch through minimize_batch's driver (gd_lanes_run): a capi_objective and a
    state per worker, start i evaluated with ctxs[i]."""
    cdef capi_objective *objs = <capi_objective *>calloc(nt, sizeof(capi_objective))
    cdef gd_state *states = <gd_state *>calloc(nt, sizeof(gd_state))
    cdef double *G = <double *>malloc(m * n * sizeof(double))
    cdef double *F = <double *>malloc(m * sizeof(double))
    cdef Py_ssize_t *counts = <Py_ssize_t *>malloc(4 * m * sizeof(Py_ssize_t))
    cdef int *codes = <int *>malloc(3 * m * sizeof(int))
    cdef double *F_best = <double *>malloc(m * sizeof(double)) if opt.keep_best else NULL
    cdef double *Xb = X_best
    cdef double deadline = 0.0
    cdef Py_ssize_t w, i, B, ready = 0
    cdef gd_fd_view *views
    cdef gd_lane_out out
    cdef gd_control control
    try:
        if objs == NULL or states == NULL or G == NULL or F == NULL or counts == NULL \
                or codes == NULL or (opt.keep_best and F_best == NULL):
            raise MemoryError()
        if opt.keep_best and Xb == NULL:          # the bests are kept, if not all returned
            Xb = <double *>malloc(m * n * sizeof(double))
            if Xb == NULL:
                raise MemoryError()
        for w in range(nt):
            _objective_init(&objs[w], fun, NULL, n, fd_method, noise_stop, m)
            if ctxs != NULL:                  # start i's calls get ctxs[i]
                objs[w].user.ctx = <void *>ctxs
                objs[w].user.n_starts = m
                objs[w].user.start_ctx = _ctx_of_start
            if fd_method != GDFAST_FD_NONE and (ctxs != NULL or noise_stop):
                # a view per start: its ctx, and its entry of the noise verdicts
                views = <gd_fd_view *>malloc(m * sizeof(gd_fd_view))
                if views == NULL:
                    raise MemoryError()
                objs[w].fd.views = views
                for i in range(m):
                    views[i].d = &objs[w].fd
                    views[i].inner_ctx = ctxs[i] if ctxs != NULL else NULL
                    views[i].start = i
                objs[w].fdobj.n_starts = m
                objs[w].fdobj.start_ctx = fd_start_ctx
            objs[w].user.parallel_safe = True
        B = gd_lanes_per_block(objs[0].run, m, n)
        memset(&out, 0, sizeof(gd_lane_out))    # no history, no rule states, no bests
        gd_control_init(&control)
        out.x = X
        out.g = G
        out.f = F
        out.nit = counts
        out.nfev = counts + m
        out.njev = counts + 2 * m
        out.status = codes
        out.stop_test = codes + m
        out.error_code = codes + 2 * m
        if opt.keep_best:
            out.x_best = Xb
            out.f_best = F_best
            out.nit_best = counts + 3 * m
        if opt.max_time > 0.0:
            deadline = gd_clock() + opt.max_time
        for w in range(nt):
            gd_state_init_lanes(&states[w], objs[w].run, n,
                                max(gd_lanes_ld(B), 8) if cb != NULL else gd_lanes_ld(B), opt)
            ready += 1
            states[w].out = &out
            states[w].deadline = deadline
            if cb != NULL:
                states[w].lanes_callback = gd_compiled_lanes_callback
                states[w].callback_ctx = <void *>cb
            gd_pacer_init(&states[w].pacer, &control)
            if fd_method != GDFAST_FD_NONE:
                gd_pacer_init(&objs[w].fd.pacer, &control)
        gd_lanes_run(states, nt, X0, m, B, True, &control)
        if results != NULL:
            for i in range(m):
                results[i].fun = F[i]
                results[i].nit = counts[i]
                results[i].nfev = counts[m + i]
                results[i].njev = counts[2 * m + i]
                results[i].status = codes[i]
                results[i].stop_test = codes[m + i]
                results[i].error_code = codes[2 * m + i]
                results[i].fun_best = F_best[i] if F_best != NULL else F[i]
                results[i].nit_best = counts[3 * m + i] if F_best != NULL else counts[i]
    finally:
        free(F_best)
        if Xb != X_best:
            free(Xb)
        for w in range(ready):
            gd_state_free(&states[w])
        if objs != NULL:
            for w in range(nt):
                _objective_free(&objs[w])
        free(objs)
        free(states)
        free(G)
        free(F)
        free(counts)
        free(codes)
    return 0


# ---- finite differences -----------------------------------------------------------------------

cdef int gdfast_fd_gradient_v1(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                               const double *x, int method, double step,
                               double *g) except -1 nogil:
    return gdfast_fd_gradient_v3(fun, ctx, n, x, method, step, g, NULL)


cdef int gdfast_fd_gradient_v3(gdfast_objective_v1 fun, void *ctx, Py_ssize_t n,
                               const double *x, int method, double step, double *g,
                               double *err) except -1 nogil:
    cdef gd_objective user
    cdef gd_fd_spec spec
    cdef Py_ssize_t nfev = 0
    cdef double *work
    cdef gd_pacer pacer
    cdef int rc
    if fun == NULL or x == NULL or g == NULL:
        return _invalid("fun, x and g must not be NULL")
    if n < 1:
        return _invalid("n must be >= 1")
    if method < GDFAST_FD_FORWARD or method > GDFAST_FD_CENTRAL4:
        return _invalid("method must be one of GDFAST_FD_FORWARD, BACKWARD, CENTRAL, CENTRAL4")
    if not (step >= 0.0 and isfinite(step)):
        return _invalid("step must be finite and >= 0 (0: the default relative step)")
    memset(&user, 0, sizeof(gd_objective))
    user.eval = <gd_eval_fn>fun
    user.ctx = ctx
    user.n = n
    spec.method = method
    spec.abs_step = step
    spec.abs_steps = NULL
    work = <double *>malloc((fd_error_work_size(&user, n, method) if err != NULL
                             else fd_work_size(&user, n, method)) * sizeof(double))
    if work == NULL:
        with gil:
            raise MemoryError()
    try:
        gd_pacer_init(&pacer, NULL)
        rc = fd_gradient_error(&user, n, x, NULL, &spec, work, g, err, &nfev, &pacer)
    finally:
        free(work)
    return rc


# ---- a Python shim over the C API, for tests and fuzzing (tests/fuzz_inputs.py) -------------

cdef int _shim_quadratic(void *ctx, Py_ssize_t n, const double *x, double *f,
                         double *g) except -1 nogil:
    """f = sum_i (i + 1) x_i^2: the objective of _py_minimize_v1."""
    cdef Py_ssize_t i
    cdef double s = 0.0
    for i in range(n):
        s += (i + 1) * x[i] * x[i]
        if g != NULL:
            g[i] = 2.0 * (i + 1) * x[i]
    if f != NULL:
        f[0] = s
    return 0


def _py_minimize_v1(const double[::1] x0, double lr=0.01, Py_ssize_t max_iter=10000,
                    Py_ssize_t max_fev=0, double gtol=1e-5, double ftol=0.0, double xtol=0.0,
                    int fd_method=GDFAST_FD_NONE):
    """gdfast_minimize_v1 on sum_i (i+1) x_i^2 with these options, as called from C:
    returns (x, result fields).  Not part of the API: the C API's test and fuzzing hook."""
    cdef gdfast_options_v1 o
    cdef gdfast_result_v1 r
    cdef Py_ssize_t n = x0.shape[0]
    import numpy as np
    x = np.empty(n)
    cdef double[::1] xv = x
    gdfast_options_init_v1(&o)
    o.lr = lr
    o.max_iter = max_iter
    o.max_fev = max_fev
    o.gtol = gtol
    o.ftol = ftol
    o.xtol = xtol
    o.fd_method = fd_method
    with nogil:
        gdfast_minimize_v1(_shim_quadratic, NULL, n, &x0[0] if n > 0 else NULL,
                           &xv[0] if n > 0 else NULL, &o, &r)
    return x, {"fun": r.fun, "nit": r.nit, "nfev": r.nfev, "njev": r.njev,
               "status": r.status, "error_code": r.error_code}


_V2_FIELDS = {
    "lr": float, "max_iter": int, "max_fev": int, "gtol": float, "ftol": float, "xtol": float,
    "fd_method": int, "update": int, "momentum": float, "dampening": float, "nesterov": int,
    "weight_decay": float, "decoupled_wd": int, "amsgrad": int, "beta1": float,
    "beta2": float, "eps": float, "alpha": float, "centered": int, "lr_decay": float,
    "initial_accumulator_value": float, "maximize": int, "step": int, "gamma": float,
    "eta_min": float, "period": int, "n_rates": int, "c1": float, "c2": float,
    "shrink": float, "max_backtracks": int, "lr_min": float, "lr_max": float,
    "clip_norm": float, "clip_value": float}


def _py_capi_v2(X0, dict options, str mode="minimize", int threads=1, list steps=None,
                bint per_start_scale=False):
    """The v2 entries on the shim objective sum_i (i+1) x_i^2 (times (1 + row) per start with
    per_start_scale, through the batch's ctxs), options given by field name (and "rates",
    "lb", "ub" as arrays), as called from C.  mode: "minimize" (row by row), "batch" or
    "stepper" (``steps``: iterations per step call).  Returns (X, list of result dicts) and,
    for the stepper, the statuses after each call.  Not part of the API: the C API's test
    hook."""
    import numpy as np
    cdef gdfast_options_v2 o
    cdef double[:, ::1] X = np.array(X0, dtype=np.float64, ndmin=2)
    cdef Py_ssize_t m = X.shape[0], n = X.shape[1], i, k
    cdef const double[::1] arr
    cdef double[::1] scales = np.arange(1.0, m + 1.0)
    cdef void **ctxs = NULL
    cdef void *st = NULL
    cdef int status
    out = np.empty((m, n))
    cdef double[:, ::1] ov = out
    cdef gdfast_result_v1 *res = <gdfast_result_v1 *>malloc(m * sizeof(gdfast_result_v1))
    keep = []
    gdfast_options_init_v2(&o)
    for key, value in options.items():
        if key in ("rates", "lb", "ub"):
            arr = np.ascontiguousarray(value, dtype=np.float64)
            keep.append(arr)
            if key == "rates":
                o.rates = &arr[0]
            elif key == "lb":
                o.lb = &arr[0]
            else:
                o.ub = &arr[0]
        elif key in _V2_FIELDS:
            setattr_field(&o, key, value)
        else:
            raise KeyError(key)
    statuses = []
    try:
        if per_start_scale:
            ctxs = <void **>malloc(m * sizeof(void *))
            for i in range(m):
                ctxs[i] = &scales[i]
        if mode == "batch":
            with nogil:
                gdfast_minimize_batch_v2(_shim_scaled if per_start_scale else _shim_quadratic,
                                         ctxs, m, n, &X[0, 0], &ov[0, 0], &o, res, threads)
        elif mode == "minimize":
            for i in range(m):
                with nogil:
                    gdfast_minimize_v2(_shim_scaled if per_start_scale else _shim_quadratic,
                                       &scales[i] if per_start_scale else NULL, n, &X[i, 0],
                                       &ov[i, 0], &o, &res[i])
        else:
            for i in range(m):
                gdfast_stepper_create_v2(_shim_quadratic, NULL, n, &X[i, 0], &o, &st)
                try:
                    for k in steps:
                        gdfast_stepper_step_v2(st, k, &status)
                        statuses.append(status)
                    gdfast_stepper_get_v2(st, &ov[i, 0], NULL, NULL, &res[i])
                finally:
                    gdfast_stepper_free_v2(st)
        rows = [{"fun": res[i].fun, "nit": res[i].nit, "nfev": res[i].nfev,
                 "njev": res[i].njev, "status": res[i].status,
                 "error_code": res[i].error_code} for i in range(m)]
    finally:
        free(res)
        free(ctxs)
    return out, rows, statuses


cdef int setattr_field(gdfast_options_v2 *o, str key, value) except -1:
    cdef double v = float(value)
    cdef Py_ssize_t k = int(value) if _V2_FIELDS[key] is int else 0
    if key == "lr": o.lr = v
    elif key == "max_iter": o.max_iter = k
    elif key == "max_fev": o.max_fev = k
    elif key == "gtol": o.gtol = v
    elif key == "ftol": o.ftol = v
    elif key == "xtol": o.xtol = v
    elif key == "fd_method": o.fd_method = <int>k
    elif key == "update": o.update = <int>k
    elif key == "momentum": o.momentum = v
    elif key == "dampening": o.dampening = v
    elif key == "nesterov": o.nesterov = <int>k
    elif key == "weight_decay": o.weight_decay = v
    elif key == "decoupled_wd": o.decoupled_wd = <int>k
    elif key == "amsgrad": o.amsgrad = <int>k
    elif key == "beta1": o.beta1 = v
    elif key == "beta2": o.beta2 = v
    elif key == "eps": o.eps = v
    elif key == "alpha": o.alpha = v
    elif key == "centered": o.centered = <int>k
    elif key == "lr_decay": o.lr_decay = v
    elif key == "initial_accumulator_value": o.initial_accumulator_value = v
    elif key == "maximize": o.maximize = <int>k
    elif key == "step": o.step = <int>k
    elif key == "gamma": o.gamma = v
    elif key == "eta_min": o.eta_min = v
    elif key == "period": o.period = k
    elif key == "n_rates": o.n_rates = k
    elif key == "c1": o.c1 = v
    elif key == "c2": o.c2 = v
    elif key == "shrink": o.shrink = v
    elif key == "max_backtracks": o.max_backtracks = k
    elif key == "lr_min": o.lr_min = v
    elif key == "lr_max": o.lr_max = v
    elif key == "clip_norm": o.clip_norm = v
    elif key == "clip_value": o.clip_value = v
    return 0


cdef int _shim_scaled(void *ctx, Py_ssize_t n, const double *x, double *f,
                      double *g) except -1 nogil:
    """(*ctx) sum_i (i + 1) x_i^2: the shim objective with a scale per start."""
    cdef double scale = (<double *>ctx)[0]
    cdef Py_ssize_t i
    _shim_quadratic(NULL, n, x, f, g)
    if f != NULL:
        f[0] = scale * f[0]
    if g != NULL:
        for i in range(n):
            g[i] = scale * g[i]
    return 0


_V4_FIELDS = ("fire_maxstep", "fire_dtmax", "fire_dtmin", "fire_nmin", "fire_finc",
              "fire_fdec", "fire_astart", "fire_fa", "fire_a", "fire_use_abc", "cg_beta",
              "cg_restart", "memory", "max_step", "gnorm_group")


def _py_capi_v4(X0, dict options, str mode="minimize", int threads=1, list steps=None):
    """The v4 entries on the shim objective sum_i (i+1) x_i^2, options given by field name
    (version 2's, version 4's and "group_ends" as an array), as called from C.  mode:
    "minimize" (row by row), "batch" or "stepper" (``steps``: iterations per step call).
    Returns (X, list of result dicts).  Not part of the API: the C API's test hook."""
    import numpy as np
    cdef gdfast_options_v4 o
    cdef double[:, ::1] X = np.array(X0, dtype=np.float64, ndmin=2)
    cdef Py_ssize_t m = X.shape[0], n = X.shape[1], i, k
    cdef const Py_ssize_t[::1] ends
    cdef void *st = NULL
    cdef int status
    out = np.empty((m, n))
    cdef double[:, ::1] ov = out
    cdef gdfast_result_v3 *res = <gdfast_result_v3 *>malloc(m * sizeof(gdfast_result_v3))
    keep = []
    gdfast_options_init_v4(&o)
    for key, value in options.items():
        if key == "group_ends":
            ends = np.ascontiguousarray(value, dtype=np.intp)
            keep.append(ends)
            o.group_ends = &ends[0]
            o.n_groups = ends.shape[0]
        elif key in _V2_FIELDS:
            setattr_field(&o.v3.v2, key, value)
        elif key == "fire_maxstep": o.fire_maxstep = value
        elif key == "fire_dtmax": o.fire_dtmax = value
        elif key == "fire_dtmin": o.fire_dtmin = value
        elif key == "fire_nmin": o.fire_nmin = value
        elif key == "fire_finc": o.fire_finc = value
        elif key == "fire_fdec": o.fire_fdec = value
        elif key == "fire_astart": o.fire_astart = value
        elif key == "fire_fa": o.fire_fa = value
        elif key == "fire_a": o.fire_a = value
        elif key == "fire_use_abc": o.fire_use_abc = value
        elif key == "cg_beta": o.cg_beta = value
        elif key == "cg_restart": o.cg_restart = value
        elif key == "memory": o.memory = value
        elif key == "max_step": o.max_step = value
        elif key == "gnorm_group": o.gnorm_group = value
        else:
            raise KeyError(key)
    try:
        if mode == "batch":
            with nogil:
                gdfast_minimize_batch_v4(_shim_quadratic, NULL, m, n, &X[0, 0], &ov[0, 0],
                                         NULL, &o, res, threads)
        elif mode == "minimize":
            for i in range(m):
                with nogil:
                    gdfast_minimize_v4(_shim_quadratic, NULL, n, &X[i, 0], &ov[i, 0], NULL,
                                       &o, &res[i])
        else:
            for i in range(m):
                gdfast_stepper_create_v4(_shim_quadratic, NULL, n, &X[i, 0], &o, &st)
                try:
                    for k in steps:
                        gdfast_stepper_step_v2(st, k, &status)
                    gdfast_stepper_get_v2(st, &ov[i, 0], NULL, NULL, NULL)
                    res[i] = _stepper_result(st)
                finally:
                    gdfast_stepper_free_v2(st)
        rows = [{"fun": res[i].fun, "nit": res[i].nit, "nfev": res[i].nfev,
                 "njev": res[i].njev, "status": res[i].status, "stop_test": res[i].stop_test}
                for i in range(m)]
    finally:
        free(res)
    return out, rows


cdef gdfast_result_v3 _stepper_result(void *stepper) noexcept nogil:
    cdef gdfast_result_v3 r
    _result_v3(&(<capi_stepper *>stepper).s, &r)
    return r
