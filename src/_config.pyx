"""One configuration: ``minimize``'s settings validated once, into the loop's ``gd_options``.

``configure(n, method, lr, ...)`` returns a :class:`Config` holding the C struct THE loop
runs on, built field by field from the update-rule and step-rule objects of
``gdfast.optimizers`` (which validate their own parameters) and the validated tolerances and
counts.  ``prepare`` / ``prepare_batch`` add x0 (or X0) and the objective: ``minimize``,
``Descent`` and ``minimize_batch`` all start there; the C API translates its public options
struct onto the same defaults (``default_options``).  The common case (a named method without
options, no step rule, no bounds, a float64 x0, a built-in objective) makes no rule objects
and no conversions: about 0.6 us for prepare.
"""
from libc.math cimport isfinite, INFINITY
from libc.string cimport memset
from cpython.long cimport PyLong_AsLongAndOverflow

cimport numpy as cnp
import numpy as np

from gdfast._descent cimport gd_options
from gdfast._objective cimport Objective
from gdfast._update cimport qn_record_len
from gdfast._rules cimport (gd_rule, RULE_SGD, RULE_ADAM, RULE_RMSPROP, RULE_ADAGRAD, STEP_FIXED,
                            RULE_CG, RULE_LBFGS, CG_PR_PLUS, CG_FR, is_quasi_newton, RULE_FIRE,
                            RULE_FIRE2,
                            STEP_EXPONENTIAL, STEP_INVERSE_TIME, STEP_STEP, STEP_COSINE,
                            STEP_ARRAY, STEP_ARMIJO, STEP_WOLFE, STEP_BB1, STEP_BB2,
                            STEP_PLATEAU, STEP_LINEAR, STEP_ONE_CYCLE, STEP_WARM_RESTARTS,
                            STEP_SEQUENTIAL, STEP_SK_OPTIMAL, STEP_SK_INVSCALING,
                            is_line_search, is_schedule)
from gdfast import optimizers as _opt
from gdfast._adapt import check_gradient_tol, check_objective_gradient, make_objective
from gdfast._validate import (MAX_COUNT, _real as real, as_bounds, as_matrix, as_point,
                              as_real_array, group_sizes, nonneg_float, nonneg_int,
                              positive_float, positive_int)

cnp.import_array()

__all__ = ["Config", "configure", "prepare", "prepare_batch", "check_state", "all_finite"]

cdef Py_ssize_t _MAX = MAX_COUNT


cdef void default_options(gd_options *opt) noexcept nogil:
    memset(opt, 0, sizeof(gd_options))
    opt.lr = 0.01
    opt.max_iter = 10000
    opt.gtol = 1e-5
    opt.callback_every = 1
    opt.fused = True
    opt.rule.update = RULE_SGD
    opt.rule.step = STEP_FIXED
    opt.rule.beta1 = 0.9
    opt.rule.beta2 = 0.999
    opt.rule.alpha = 0.99
    opt.rule.eps = 1e-8
    opt.rule.gamma = 1.0
    opt.rule.period = 1
    opt.rule.c1 = 1e-4
    opt.rule.c2 = 0.9
    opt.rule.shrink = 0.5
    opt.rule.max_backtracks = 50
    opt.rule.lr_min = 1e-10
    opt.rule.lr_max = 1e10


cdef class Config:
    """A validated configuration of THE loop (make one with :func:`configure`)."""

    @property
    def fused(self):
        """Whether fast rules may run the fused kernels (the default); False holds the run to
        the general path (update_direction / apply_step), which must give the same bits: the
        tests' switch, per run."""
        return bool(self.opt.fused)

    @fused.setter
    def fused(self, bint value):
        self.opt.fused = value

    def __repr__(self):
        return (f"Config(update={self.opt.rule.update}, step={self.opt.rule.step}, "
                f"lr={self.opt.lr!r}, max_iter={self.opt.max_iter})")


# ---- the validators' fast paths: the common types inline, the rest (conversions, errors) in
#      gdfast._validate, so that the messages are the same everywhere

cdef inline double _positive(object v, str name) except? -1.0:
    cdef double d
    if type(v) is float:
        d = v
        if d > 0.0 and isfinite(d):
            return d
    return positive_float(v, name)


cdef inline double _nonneg(object v, str name) except? -1.0:
    cdef double d
    if type(v) is float:
        d = v
        if d >= 0.0:
            return d
    return nonneg_float(v, name)


cdef inline Py_ssize_t _count(object v, str name, bint positive) except? -1:
    """A count >= 0 (>= 1 when positive), capped at MAX_COUNT ("unlimited")."""
    cdef int overflow = 0
    cdef long c
    if type(v) is int:
        c = PyLong_AsLongAndOverflow(v, &overflow)
        if overflow == 0 and c >= positive and c <= _MAX:
            return c
    v = positive_int(v, name) if positive else nonneg_int(v, name)
    return _MAX if v > _MAX else v


cdef inline bint _is_name(object v, str a, str b) except -1:
    return type(v) is str and (v == a or v == b)


cdef double _set_update(gd_rule *r, object method, object options) except -1.0:
    """The update rule's fields; returns its lr (its own, or its default)."""
    if options is None and _is_name(method, "gd", "sgd"):
        return 0.01                                 # SGD(): every field at its default
    rule = _opt.update_rule(method, options)
    t = type(rule)
    r.maximize = rule.maximize
    r.weight_decay = rule.weight_decay
    if t is _opt.SGD:
        r.update = RULE_SGD
        r.momentum = rule.momentum
        r.dampening = rule.dampening
        r.nesterov = rule.nesterov
    elif t is _opt.Adam or t is _opt.AdamW:
        r.update = RULE_ADAM
        r.beta1, r.beta2 = rule.betas
        r.eps = rule.eps
        r.amsgrad = rule.amsgrad
        r.decoupled_wd = t is _opt.AdamW
    elif t is _opt.RMSprop:
        r.update = RULE_RMSPROP
        r.alpha = rule.alpha
        r.eps = rule.eps
        r.momentum = rule.momentum
        r.centered = rule.centered
    elif t is _opt.Adagrad:
        r.update = RULE_ADAGRAD
        r.lr_decay = rule.lr_decay
        r.eps = rule.eps
        r.init_acc = rule.initial_accumulator_value
    elif t is _opt.CG:
        r.update = RULE_CG
        r.cg_beta = CG_FR if rule.beta == "fr" else CG_PR_PLUS
        r.cg_restart = 0 if rule.restart is None else rule.restart    # 0: n (_qn_step_rule)
    elif t is _opt.LBFGS:
        r.update = RULE_LBFGS
        r.memory = rule.memory
    elif t is _opt.FIRE or t is _opt.FIRE2:
        r.update = RULE_FIRE if t is _opt.FIRE else RULE_FIRE2
        r.fire.fire2 = t is _opt.FIRE2
        r.fire.maxstep = rule.maxstep
        r.fire.dtmax = rule.dtmax
        r.fire.dtmin = rule.dtmin if t is _opt.FIRE2 else 0.0
        r.fire.nmin = rule.Nmin
        r.fire.finc = rule.finc
        r.fire.fdec = rule.fdec
        r.fire.astart = rule.astart
        r.fire.fa = rule.fa
        r.fire.a0 = rule.a if t is _opt.FIRE else rule.astart
        r.fire.use_abc = t is _opt.FIRE2 and rule.use_abc
    else:
        raise TypeError(f"method must be a name or one of gdfast's update rules, got {t.__name__}")
    return rule.default_lr if rule.lr is None else rule.lr


cdef bint _set_schedule(gd_rule *r, object rule) except -1:
    """A schedule's fields (r.step and its parameters); False when rule is no schedule.  The
    caller points r.rates at the rates of a Rates, and r.seq at a SequentialLR's schedules."""
    cdef int i
    t = type(rule)
    if t is _opt.Fixed:
        r.step = STEP_FIXED
    elif t is _opt.ExponentialLR:
        r.step = STEP_EXPONENTIAL
        r.gamma = rule.gamma
    elif t is _opt.InverseTimeLR:
        r.step = STEP_INVERSE_TIME
        r.gamma = rule.gamma
    elif t is _opt.StepLR:
        r.step = STEP_STEP
        r.gamma = rule.gamma
        r.period = rule.step_size
    elif t is _opt.CosineLR:
        r.step = STEP_COSINE
        r.period = rule.T_max
        r.eta_min = rule.eta_min
    elif t is _opt.Rates:
        r.step = STEP_ARRAY
    elif t is _opt.LinearLR:
        r.step = STEP_LINEAR
        r.start_factor = rule.start_factor
        r.end_factor = rule.end_factor
        r.period = rule.total_iters
    elif t is _opt.OneCycleLR:
        r.step = STEP_ONE_CYCLE
        r.period = rule.total_steps
        ends, rates = rule._phases()
        r.cycle_phases = len(ends)
        for i in range(r.cycle_phases):
            r.cycle_end[i] = ends[i]
        for i in range(r.cycle_phases + 1):
            r.cycle_lr[i] = rates[i]
        r.cycle_linear = rule.anneal_strategy == "linear"
    elif t is _opt.CosineAnnealingWarmRestarts:
        r.step = STEP_WARM_RESTARTS
        r.period = rule.T_0
        r.t_mult = rule.T_mult
        r.eta_min = rule.eta_min
    elif t is _opt.SequentialLR:
        r.step = STEP_SEQUENTIAL
    else:
        return False
    return True


cdef object _set_step(gd_rule *r, object value):
    """The step rule's fields; returns the step-rule object (None for a fixed step)."""
    if value is None:
        return None
    rule = _opt.step_rule(value)
    t = type(rule)
    if _set_schedule(r, rule):
        pass
    elif t is _opt.Armijo:
        r.step = STEP_ARMIJO
        r.c1 = rule.c1
        r.shrink = rule.shrink
        r.max_backtracks = rule.max_backtracks
    elif t is _opt.StrongWolfe:
        r.step = STEP_WOLFE
        r.c1 = rule.c1
        r.c2 = rule.c2
        r.max_backtracks = rule.max_evals
    elif t is _opt.BarzilaiBorwein:
        r.step = STEP_BB1 if rule.variant == 1 else STEP_BB2
        r.lr_min = rule.lr_min
        r.lr_max = rule.lr_max
    elif t is _opt.ReduceLROnPlateau:
        r.step = STEP_PLATEAU
        r.plateau_factor = rule.factor
        r.plateau_patience = rule.patience
        r.plateau_threshold = rule.threshold
        r.plateau_rel = rule.threshold_mode == "rel"
        r.plateau_cooldown = rule.cooldown
        r.plateau_min_lr = rule.min_lr
        r.plateau_eps = rule.eps
    else:
        raise TypeError(f"step_rule must be a name, one of gdfast's step rules or an array "
                        f"of rates, got {t.__name__}")
    return rule


cdef object _set_sequence(gd_rule *r, object rule):
    """A SequentialLR's schedules as an array of gd_rule (r.seq) and their first steps
    (r.seq_start: 0, then the milestones); returns the objects those pointers refer to, for
    the Config to keep alive."""
    cdef Py_ssize_t i, m = len(rule.schedules)
    cdef const double[::1] v
    rules = np.zeros(m * sizeof(gd_rule), dtype=np.uint8)
    starts = np.array((0,) + tuple(rule.milestones), dtype=np.intp)
    cdef gd_rule *subs = <gd_rule *>cnp.PyArray_DATA(rules)
    keep = [rules, starts]
    for i in range(m):
        subs[i].gamma = 1.0
        subs[i].period = 1
        _set_schedule(&subs[i], rule.schedules[i])    # validated by SequentialLR
        if subs[i].step == STEP_ARRAY:
            keep.append(rule.schedules[i].rates)
            v = rule.schedules[i].rates
            subs[i].rates = &v[0]
            subs[i].n_rates = v.shape[0]
    r.seq = subs
    r.seq_start = <const Py_ssize_t *>cnp.PyArray_DATA(starts)
    r.n_seq = m
    return keep


def configure(Py_ssize_t n, method="gd", lr=None, max_iter=10_000, gtol=1e-5, ftol=0.0,
              xtol=0.0, max_fev=None, callback_every=1, history=False, step_rule=None,
              options=None, bounds=None, clip_norm=None, clip_value=None, maximize=None,
              state=None, controls=None):
    """The Config of ``minimize``'s settings for points of length n (every check made here,
    each error naming its argument).  ``state``: an earlier ``result.state`` to resume;
    ``controls``: a dict of minimize's target, max_time, patience, min_delta, keep_best."""
    return _configure(n, method, lr, max_iter, gtol, ftol, xtol, max_fev, callback_every,
                      history, step_rule, options, bounds, clip_norm, clip_value, maximize,
                      state, controls)


def sgd_schedule(Config config, str learning_rate, Py_ssize_t batch, Py_ssize_t epoch_steps,
                 Py_ssize_t samples, double power_t=0.5, double alpha=0.0,
                 double optimal_init=0.0):
    """gdfast.sgd's part of the configuration: the update rule must step by a schedule
    (no line search: each evaluation is a new mini-batch), and scikit-learn's "optimal" or
    "invscaling" become the step rule, counted in samples (epochs of ``epoch_steps`` steps,
    ``batch`` samples a step, ``samples`` an epoch).  "constant" and "adaptive" keep the
    configured step rule (adaptive's division by 5 is the driver's, between epochs)."""
    cdef gd_rule *r = &config.opt.rule
    if is_quasi_newton(r) or r.update == RULE_FIRE or r.update == RULE_FIRE2:
        raise ValueError("method must be a first-order update rule for sgd (gd, momentum, "
                         "nesterov, adam, adamw, amsgrad, rmsprop, adagrad): CG, L-BFGS and "
                         "FIRE need the full objective")
    if not is_schedule(r):
        raise ValueError("step_rule must be a fixed step or a schedule for sgd: a line "
                         "search, Barzilai-Borwein or ReduceLROnPlateau compare values "
                         "of f between mini-batches")
    if learning_rate in ("constant", "adaptive"):
        return None
    if r.step != STEP_FIXED:
        raise ValueError(f"learning_rate={learning_rate!r} cannot be combined with a "
                         f"step_rule schedule")
    r.sk_batch = batch
    r.sk_epoch_steps = epoch_steps
    r.sk_samples = samples
    if learning_rate == "optimal":
        if not (alpha > 0.0):
            raise ValueError("learning_rate='optimal' needs a penalty alpha > 0 on the "
                             "objective (its rate is 1 / (alpha (optimal_init + t - 1)))")
        r.step = STEP_SK_OPTIMAL
        r.sk_alpha = alpha
        r.sk_init = optimal_init
    elif learning_rate == "invscaling":
        if not isfinite(power_t):
            raise ValueError(f"power_t must be finite, got {power_t!r}")
        r.step = STEP_SK_INVSCALING
        r.power_t = power_t
    else:
        raise ValueError(f"learning_rate must be 'constant', 'optimal', 'invscaling' or "
                         f"'adaptive', got {learning_rate!r}")
    return None


CONTROLS = ("target", "max_time", "patience", "min_delta", "keep_best", "groups", "max_step",
            "gnorm")


cdef int _set_controls(Config c, Py_ssize_t n, dict controls) except -1:
    """The stopping controls and the groups' (each None or absent: off): target, max_time,
    patience, min_delta, keep_best; groups, max_step, gnorm."""
    cdef gd_options *o = &c.opt
    cdef double d
    unknown = set(controls) - set(CONTROLS)
    if unknown:
        raise TypeError(f"unknown control(s): {', '.join(sorted(unknown))}")
    target = controls.get("target")
    if target is not None:
        o.has_target = True
        o.target = real(target, "target")               # not NaN; +-inf allowed
    max_time = controls.get("max_time")
    if max_time is not None:
        d = positive_float(max_time, "max_time", finite=False)    # seconds; inf: no limit
        o.max_time = 0.0 if d == INFINITY else d
    patience = controls.get("patience")
    if patience is not None:
        o.patience = _count(patience, "patience", True)
    min_delta = controls.get("min_delta")
    if min_delta is not None:
        o.min_delta = _nonneg(min_delta, "min_delta")
        if not isfinite(o.min_delta):
            raise ValueError(f"min_delta must be finite, got {min_delta!r}")
    keep_best = controls.get("keep_best")
    if keep_best is not None:
        o.keep_best = _opt._flag(keep_best, "keep_best")
    groups = controls.get("groups")
    if groups is not None:
        c._groups = group_ends(groups, n)
        o.rule.group_end = <const Py_ssize_t *>cnp.PyArray_DATA(c._groups)
        o.rule.n_groups = cnp.PyArray_DIM(c._groups, 0)
    max_step = controls.get("max_step")
    if max_step is not None:
        o.rule.max_step = _positive(max_step, "max_step")
    gnorm = controls.get("gnorm")
    if gnorm is not None:
        o.rule.gnorm_group = _opt.choice(gnorm, "gnorm", ("max", "group")) == "group"
    return 0


def group_ends(groups, Py_ssize_t n):
    """``groups=``: consecutive groups of coordinates, as an int (every group that size: 3 for
    atoms) or a sequence of sizes adding up to n; returns where each group ends (an intp
    array, the last entry n)."""
    if isinstance(groups, (int, np.integer)) and not isinstance(groups, bool):
        size = positive_int(groups, "groups")
        if n % size:
            raise ValueError(f"groups={size} must divide the length of x ({n}) into groups "
                             f"of {size}")
        return np.arange(size, n + 1, size, dtype=np.intp)
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise TypeError(f"groups must be a group size (int) or a sequence of sizes, got "
                        f"{type(groups).__name__}")
    return np.cumsum(np.asarray(group_sizes(groups, n), dtype=np.intp))


cdef Config _configure(Py_ssize_t n, method, lr, max_iter, gtol, ftol, xtol, max_fev,
                       callback_every, history, step_rule, options, bounds, clip_norm,
                       clip_value, maximize, state, controls):
    cdef Config c = Config.__new__(Config)
    cdef gd_options *o = &c.opt
    cdef double rule_lr
    default_options(o)
    rule_lr = _set_update(&o.rule, method, options)
    steps = _set_step(&o.rule, step_rule)
    if is_quasi_newton(&o.rule):
        _qn_step_rule(&o.rule, step_rule, n)
    o.lr = rule_lr if lr is None else _positive(lr, "lr")
    if maximize is not None:
        o.rule.maximize = _opt._flag(maximize, "maximize")
    if o.rule.maximize and o.rule.step in (STEP_ARMIJO, STEP_WOLFE):
        raise ValueError("maximize cannot be combined with a line search step_rule")
    if clip_norm is not None:
        o.rule.clip_norm = _positive(clip_norm, "clip_norm")
    if clip_value is not None:
        o.rule.clip_value = _positive(clip_value, "clip_value")
    o.max_iter = _count(max_iter, "max_iter", False)
    o.max_fev = 0 if max_fev is None else _count(max_fev, "max_fev", True)
    o.gtol = _nonneg(gtol, "gtol")
    o.ftol = _nonneg(ftol, "ftol")
    o.xtol = _nonneg(xtol, "xtol")
    o.callback_every = _count(callback_every, "callback_every", True)
    o.record_history = bool(history)
    if controls:
        _set_controls(c, n, controls)
    if o.rule.update == RULE_FIRE or o.rule.update == RULE_FIRE2:
        _check_fire(o, bounds)
    cdef const double[::1] v
    if o.rule.step == STEP_ARRAY:
        c._rates = steps.rates
        v = c._rates
        o.rule.rates = &v[0]
        o.rule.n_rates = v.shape[0]
    elif o.rule.step == STEP_SEQUENTIAL:
        c._rates = _set_sequence(&o.rule, steps)
    if is_quasi_newton(&o.rule):
        _qn_check(o, method, bounds)
    if bounds is not None:
        if o.rule.step == STEP_WOLFE:
            raise ValueError("bounds cannot be combined with the Wolfe line search; "
                             "use step_rule='armijo'")
        c._lb, c._ub = as_bounds(bounds, n)
        v = c._lb
        o.rule.lb = &v[0]
        v = c._ub
        o.rule.ub = &v[0]
    c.state = None if state is None else check_state(state, n)
    if c.state is not None and is_quasi_newton(&o.rule):
        _qn_check_state(&o.rule, c.state, n)
    return c


cdef int _check_fire(const gd_options *o, bounds) except -1:
    """FIRE sets its own steps and moves by the forces themselves: no step rule, no bounds,
    no clipping, no maximize."""
    name = "FIRE2" if o.rule.update == RULE_FIRE2 else "FIRE"
    if o.rule.step != STEP_FIXED:
        raise ValueError(f"{name} takes no step_rule (its time step dt adapts itself)")
    if bounds is not None:
        raise ValueError(f"bounds cannot be combined with {name}")
    if o.rule.clip_norm > 0.0 or o.rule.clip_value > 0.0:
        raise ValueError(f"clip_norm and clip_value cannot be combined with {name}")
    if o.rule.maximize:
        raise ValueError(f"maximize cannot be combined with {name}")
    return 0


# ---- nonlinear CG and L-BFGS: their step rules and what they do not combine with

cdef int _qn_step_rule(gd_rule *r, object step_rule, Py_ssize_t n) except -1:
    """CG's restart period (0: n) and the step rule: strong Wolfe by default (c1 1e-4, c2 0.1
    for CG, 0.9 for L-BFGS, at most 30 evaluations: Nocedal & Wright's and SciPy's choices),
    or a line search given; anything else is refused."""
    name = "cg" if r.update == RULE_CG else "lbfgs"
    if r.update == RULE_CG and r.cg_restart == 0:
        r.cg_restart = n
    if step_rule is None:
        r.step = STEP_WOLFE
        r.c1 = 1e-4
        r.c2 = 0.1 if r.update == RULE_CG else 0.9
        r.max_backtracks = 30
    elif r.step != STEP_WOLFE and r.step != STEP_ARMIJO:
        raise ValueError(f"method {name!r} needs a line search step_rule ('wolfe', 'armijo', "
                         f"gdfast.StrongWolfe(...) or gdfast.Armijo(...)), got {step_rule!r}")
    return 0


cdef int _qn_check(const gd_options *o, object method, object bounds) except -1:
    """CG and L-BFGS model f itself: bounds and gradient clipping are refused."""
    name = "cg" if o.rule.update == RULE_CG else "lbfgs"
    if bounds is not None:
        raise ValueError(f"bounds cannot be combined with method {name!r} (projecting its "
                         f"steps is not L-BFGS-B); use method='gd' with step_rule='armijo', "
                         f"or scipy.optimize.minimize(method='L-BFGS-B')")
    if o.rule.clip_norm > 0.0 or o.rule.clip_value > 0.0:
        raise ValueError(f"clip_norm / clip_value cannot be combined with method {name!r}")
    return 0


cdef int _qn_check_state(const gd_rule *r, dict state, Py_ssize_t n) except -1:
    """state['qn'] (a CG / L-BFGS run's memory), when given, must be one of this method's
    records for n coordinates (and this memory)."""
    cdef Py_ssize_t want = qn_record_len(r, n)
    if "qn" not in state:
        return 0
    arr = as_real_array(state["qn"], "state['qn']")
    if arr.shape != (want,):
        raise ValueError(f"state['qn'] must have length {want} (the memory of a "
                         f"{'cg' if r.update == RULE_CG else 'lbfgs'} run on {n} coordinates"
                         f"{'' if r.update == RULE_CG else f' with memory={r.memory}'}), got "
                         f"shape {arr.shape}")
    state["qn"] = arr
    return 0


def prepare(fun, x0, args, jac, vectorized, fd_step, method, lr, max_iter, gtol, ftol, xtol,
            max_fev, callback_every, history, step_rule, options, bounds, clip_norm,
            clip_value, maximize, state, controls=None, noise_stop=False,
            check_gradient=False):
    """Validate minimize's arguments (all of them, before any objective call) and return
    ``(x, objective, config)``: x0 as a fresh array (clipped into the bounds), the Objective
    the loop runs on (gdfast._adapt) and the Config.  minimize and the stepper both start
    here, so that they configure the one loop identically.  ``check_gradient`` (on: a
    tolerance) then compares the objective's own gradient with finite differences at x0."""
    x = _point(x0)
    cdef Py_ssize_t n = cnp.PyArray_DIM(x, 0)
    cdef Config config = _configure(n, method, lr, max_iter, gtol, ftol, xtol, max_fev,
                                    callback_every, history, step_rule, options, bounds,
                                    clip_norm, clip_value, maximize, state, controls)
    if config._lb is not None:
        np.clip(x, config._lb, config._ub, out=x)
    noise_stop = noise_stop is not False and _opt._flag(noise_stop, "noise_stop")
    rtol = None if check_gradient is False else check_gradient_tol(check_gradient)
    if not noise_stop and _ready(fun, n, args, jac, fd_step, 0):
        objective, fd = fun, None
    else:
        objective, fd = make_objective(fun, n, args=args, jac=jac, vectorized=vectorized,
                                       fd_step=fd_step, noise_stop=noise_stop)
    if rtol is not None:
        check_objective_gradient(objective, fd, x, rtol)
    return x, objective, config


def prepare_batch(fun, X0, args, jac, vectorized, fd_step, method, lr, max_iter, gtol, ftol,
                  xtol, max_fev, callback_every, history, step_rule, options, bounds,
                  clip_norm, clip_value, maximize, controls=None, noise_stop=False,
                  check_gradient=False):
    """``prepare`` for minimize_batch: ``(X, objective, fd, config)``, X0 as a fresh (m, n)
    array (each row clipped into the bounds) and fd the FiniteDifference wrapper in the
    objective, or None.  ``check_gradient`` checks at the first start (X0's first row, with
    its per-start data)."""
    X = _matrix(X0)
    cdef Py_ssize_t m = X.shape[0], n = X.shape[1]
    cdef Config config = _configure(n, method, lr, max_iter, gtol, ftol, xtol, max_fev,
                                    callback_every, history, step_rule, options, bounds,
                                    clip_norm, clip_value, maximize, None, controls)
    if config._lb is not None:
        np.clip(X, config._lb, config._ub, out=X)
    noise_stop = noise_stop is not False and _opt._flag(noise_stop, "noise_stop")
    rtol = None if check_gradient is False else check_gradient_tol(check_gradient)
    if not noise_stop and _ready(fun, n, args, jac, fd_step, m):
        objective, fd = fun, None
    else:
        objective, fd = make_objective(fun, n, args=args, jac=jac, vectorized=vectorized,
                                       fd_step=fd_step, point_name="X0's rows", n_starts=m,
                                       noise_stop=noise_stop)
    if rtol is not None:
        check_objective_gradient(objective, fd, X[0].copy(), rtol, 0, "X0[0]")
    return X, objective, fd, config


cdef bint _ready(fun, Py_ssize_t n, args, jac, fd_step, Py_ssize_t n_starts) except -1:
    """fun needs no adapting (make_objective would return it as it is): an Objective with its
    own gradient, of dimension n, holding no per-start data but n_starts', with no extras."""
    cdef Objective o
    if jac is not None or fd_step is not None or args or not isinstance(fun, Objective):
        return False
    o = fun
    return (o.obj.has_gradient and (o.obj.n_starts == 0 or o.obj.n_starts == n_starts)
            and (o.obj.n == -1 or o.obj.n == n))


def all_finite(cnp.ndarray v not None):
    """Whether every entry of the array ``v`` is finite: one pass in C (sum of x_i * 0, which
    is NaN exactly when some x_i is NaN or inf, and cannot overflow) for a C-contiguous
    float64 array, NumPy otherwise.  Emits no warnings."""
    if cnp.PyArray_TYPE(v) != cnp.NPY_DOUBLE or not cnp.PyArray_IS_C_CONTIGUOUS(v):
        return bool(np.isfinite(v).all())
    cdef const double *p = <const double *>cnp.PyArray_DATA(v)
    cdef Py_ssize_t i, n = cnp.PyArray_SIZE(v)
    cdef double acc = 0.0
    for i in range(n):
        acc += p[i] * 0.0
    return acc == 0.0


cdef object _point(object x0):
    """as_point(x0, "x0"), a finite non-empty float64 vector as a fresh copy, without its
    conversions and messages for the common case (a float64 vector already)."""
    cdef cnp.ndarray a, x
    if type(x0) is np.ndarray:
        a = x0
        if (cnp.PyArray_NDIM(a) == 1 and cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT64
                and cnp.PyArray_DIM(a, 0) > 0):
            x = cnp.PyArray_NewCopy(a, cnp.NPY_CORDER)
            if all_finite(x):
                return x
    return as_point(x0, "x0")


cdef object _matrix(object X0):
    """as_matrix(X0, "X0") likewise: a finite, non-empty (m, n) float64 array, a fresh copy."""
    cdef cnp.ndarray a, X
    if type(X0) is np.ndarray:
        a = X0
        if (cnp.PyArray_NDIM(a) == 2 and cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT64
                and cnp.PyArray_SIZE(a) > 0):
            X = cnp.PyArray_NewCopy(a, cnp.NPY_CORDER)
            if all_finite(X):
                return X
    return as_matrix(X0, "X0")


def check_state(state, Py_ssize_t n):
    """``state=``: the ``state`` of an earlier result, its vectors of length n (copies)."""
    if not isinstance(state, dict) or not {"t", "lr_bb", "buf_ready", "m", "v", "w"} <= set(state):
        raise ValueError("state must be the `state` of an earlier result")
    cdef object key
    out = dict(state)
    for key in ("m", "v", "w"):
        arr = as_real_array(state[key], f"state[{key!r}]")
        if arr.shape != (n,):
            raise ValueError(f"state[{key!r}] must have length {n}, got shape {arr.shape}")
        out[key] = arr
    out["t"] = nonneg_int(state["t"], "state['t']")
    return out
