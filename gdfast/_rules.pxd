# Update rules and step rules of the descent loop: configuration and per-run state.
# Chosen once per run; the loop calls them once per iteration (never decides per element).

cdef enum UpdateRule:
    RULE_SGD = 0          # plain gradient descent, optional momentum / Nesterov (torch.optim.SGD)
    RULE_ADAM = 1         # Adam / AdamW (decoupled_wd) / AMSGrad (torch.optim.Adam, AdamW)
    RULE_RMSPROP = 2      # torch.optim.RMSprop
    RULE_ADAGRAD = 3      # torch.optim.Adagrad
    # nonlinear conjugate gradients and L-BFGS (a line search's step rules only; per-lane
    # memory in gd_rule_state.qn, src/_update.pyx)
    RULE_CG = 4           # Polak-Ribiere+ or Fletcher-Reeves, with restarts
    RULE_LBFGS = 5        # L-BFGS, the two-loop recursion, H0 = s'y / y'y
    # structure relaxation: their own kernels, the only path (gd_fire.h)
    RULE_FIRE = 6         # FIRE (ASE's ase.optimize.FIRE)
    RULE_FIRE2 = 7        # FIRE 2.0 (ASE's ase.optimize.fire2.FIRE2)

cdef enum CGBeta:
    CG_PR_PLUS = 0        # beta = max(0, g.(g - g_prev) / g_prev.g_prev)
    CG_FR = 1             # beta = g.g / g_prev.g_prev

cdef enum StepRule:
    STEP_FIXED = 0        # lr
    STEP_EXPONENTIAL = 1  # lr * gamma^k, as torch: the previous rate times gamma
    STEP_INVERSE_TIME = 2 # lr / (1 + gamma * k)
    STEP_STEP = 3         # lr * gamma^(k // period)
    STEP_COSINE = 4       # eta_min + (lr - eta_min) (1 + cos(pi min(k, period) / period)) / 2
    STEP_ARRAY = 5        # rates[k] (the last rate after the end)
    STEP_ARMIJO = 6       # backtracking from lr until f(x+) <= f(x) + c1 g.(x+ - x)
    STEP_WOLFE = 7        # strong Wolfe line search (Nocedal & Wright, alg. 3.5 and 3.6)
    STEP_BB1 = 8          # Barzilai-Borwein s.s / s.y, with Raydan's nonmonotone line search
    STEP_BB2 = 9          # Barzilai-Borwein s.y / y.y, likewise
    STEP_PLATEAU = 10     # torch's ReduceLROnPlateau on f: each lane's rate, cut by plateau_factor
    STEP_LINEAR = 11      # lr (start + (end - start) min(k, total_iters) / total_iters)
    STEP_ONE_CYCLE = 12   # torch OneCycleLR's rates (max_lr its own), the last one after the end
    STEP_WARM_RESTARTS = 13  # cosine with restarts (torch CosineAnnealingWarmRestarts)
    STEP_SEQUENTIAL = 14  # seq[i]'s rate of step k - seq_start[i] from seq_start[i] on
    # scikit-learn's SGD schedules, counted in samples (gdfast.sgd): step k has seen
    # t - 1 = (k // sk_epoch_steps) sk_samples + (k % sk_epoch_steps) sk_batch samples
    STEP_SK_OPTIMAL = 15  # 1 / (sk_alpha (sk_init + t - 1))   ("optimal")
    STEP_SK_INVSCALING = 16   # lr / t^power_t                 ("invscaling")

cdef extern from "gd_fire.h" nogil:
    ctypedef struct gd_fire_params:
        double maxstep
        double dtmax
        double dtmin
        double finc
        double fdec
        double astart
        double fa
        double a0
        Py_ssize_t nmin
        int fire2
        int use_abc


cdef struct gd_rule:
    int update                    # an UpdateRule
    int step                      # a StepRule
    # update-rule parameters (torch.optim names)
    double momentum
    double dampening
    double weight_decay
    bint nesterov
    bint decoupled_wd             # AdamW: x *= 1 - lr * weight_decay before the step
    bint amsgrad
    bint centered
    bint maximize
    double beta1
    double beta2
    double alpha                  # RMSprop smoothing constant
    double eps
    double lr_decay               # Adagrad
    double init_acc               # Adagrad's initial_accumulator_value: v at the start
    # step-rule parameters
    double gamma                  # schedules
    double eta_min                # cosine
    Py_ssize_t period             # step schedule's step size / cosine's T_max
    const double *rates           # STEP_ARRAY
    Py_ssize_t n_rates
    double c1                     # Armijo / Wolfe sufficient decrease
    double c2                     # Wolfe curvature
    double shrink                 # Armijo backtracking factor
    Py_ssize_t max_backtracks     # Armijo / Wolfe evaluations per step at most
    double lr_min                 # BB safeguards
    double lr_max
    double plateau_factor         # ReduceLROnPlateau (torch's names without the prefix)
    Py_ssize_t plateau_patience
    double plateau_threshold
    bint plateau_rel              # threshold_mode "rel" (else "abs")
    Py_ssize_t plateau_cooldown
    double plateau_min_lr
    double plateau_eps
    # constraints and clipping (0 / NULL: off)
    const double *lb
    const double *ub
    double clip_norm
    double clip_value
    # groups of consecutive coordinates (atoms: 3 each), group k ending at group_end[k] (the
    # last at n); n_groups 0: the whole vector is one group
    const Py_ssize_t *group_end
    Py_ssize_t n_groups
    double max_step               # cap on each group's displacement per iteration (0: off)
    bint gnorm_group              # gtol on the largest group 2-norm of g (ASE's fmax)
    gd_fire_params fire           # RULE_FIRE, RULE_FIRE2 (dt: the run's lr)
    # schedules 11-14 (torch.optim.lr_scheduler's names); period is total_iters, total_steps, T_0
    double start_factor           # LinearLR
    double end_factor
    double cycle_end[3]           # OneCycleLR: phase i ends at step cycle_end[i] (torch's
    double cycle_lr[4]            # end_step), from rate cycle_lr[i] to cycle_lr[i + 1]
    int cycle_phases              # 2, or 3 (three_phase)
    bint cycle_linear             # anneal_strategy "linear" (else "cos")
    Py_ssize_t t_mult             # CosineAnnealingWarmRestarts' T_mult (eta_min: eta_min)
    const gd_rule *seq            # SequentialLR: n_seq schedules (none of them sequential),
    const Py_ssize_t *seq_start   # the first from step 0, seq[i] from seq_start[i] (increasing)
    Py_ssize_t n_seq
    # nonlinear CG and L-BFGS (RULE_CG, RULE_LBFGS)
    int cg_beta                   # a CGBeta
    Py_ssize_t cg_restart         # CG restarts to steepest descent every so many steps
    Py_ssize_t memory             # L-BFGS: the (s, y) pairs kept (SciPy's maxcor)
    # scikit-learn's schedules (STEP_SK_OPTIMAL, STEP_SK_INVSCALING): the samples a step
    # takes (the batch), the steps of an epoch and the samples of an epoch
    double sk_alpha               # "optimal": alpha and optimal_init
    double sk_init
    double power_t                # "invscaling"
    Py_ssize_t sk_batch
    Py_ssize_t sk_epoch_steps
    Py_ssize_t sk_samples

cdef inline bint is_line_search(const gd_rule *r) noexcept nogil:
    """Armijo, strong Wolfe and Barzilai-Borwein (Raydan's nonmonotone search): the step
    rules that evaluate f at trial points, so that f is needed at every iterate."""
    return (r.step == STEP_ARMIJO or r.step == STEP_WOLFE or r.step == STEP_BB1
            or r.step == STEP_BB2)


cdef inline bint is_schedule(const gd_rule *r) noexcept nogil:
    """A fixed step or a schedule: the rate is a function of the update step count alone,
    so that the fused kernels run it.  Explicit codes, not a range: the codes are numbered
    in the order they were added (the public C API's), schedules and others mixed."""
    return (r.step == STEP_FIXED or r.step == STEP_EXPONENTIAL or r.step == STEP_INVERSE_TIME
            or r.step == STEP_STEP or r.step == STEP_COSINE or r.step == STEP_ARRAY
            or r.step == STEP_LINEAR or r.step == STEP_ONE_CYCLE
            or r.step == STEP_WARM_RESTARTS or r.step == STEP_SEQUENTIAL
            or r.step == STEP_SK_OPTIMAL or r.step == STEP_SK_INVSCALING)


cdef enum:
    SCHEDULE_BLOCK = 64   # plain descent takes a schedule's rates this many steps at a time;
                          # CosineLR's angle-sum tables have as many angles (a power of 2)


cdef struct gd_rule_state:
    Py_ssize_t t                  # update steps taken (Adam's t; the schedules' k), carried over
    double lr_bb                  # Barzilai-Borwein's current step
    double lr_sched               # ExponentialLR: the rate of update step k_sched
    Py_ssize_t k_sched
    double f_recent[10]           # the last values of f (nonmonotone line search), a ring
    Py_ssize_t n_recent
    bint buf_ready                # momentum buffer holds a value
    double *m                     # SGD / RMSprop momentum buffer; Adam first moment
    double *v                     # Adam / RMSprop second moment; Adagrad sum of squares
    double *w                     # AMSGrad running max; centered RMSprop gradient average
    double *d                     # the direction of this iteration
    double *gc                    # the gradient after maximize, weight decay and clipping
    # caches of the schedules, rebuilt on demand (not part of a saved state)
    Py_ssize_t step_start         # StepLR: steps step_start <= k < step_next have the rate
    Py_ssize_t step_next          # lr step_factor, step_factor = gamma^(k // period)
    double step_factor
    # CosineLR by angle sums (_stepsize.pxd cosine_rate), B = SCHEDULE_BLOCK, x' = pi x / T_max,
    # h = (lr - eta_min) / 2: the rate of step k = a + j (a = k - k % B) is
    # cos_mid + (cos_anchor_c cos_hc[j] - cos_anchor_s cos_hs[j]), and cos a', sin a' are the
    # angle sums of b' (libm's; b = k - k % B^2) and of (a - b)' (from cos_c1 / cos_s1)
    Py_ssize_t cos_anchor         # a, whose cos a' and sin a' are cos_anchor_c, _s; -1 none
    Py_ssize_t cos_len            # steps a, ..., a + cos_len - 1 (< T_max) use them; 0 none
    double cos_anchor_c
    double cos_anchor_s
    Py_ssize_t cos_base           # b, whose cos b', sin b' are cos_base_c, _s; -1 none (nor tables)
    double cos_base_c
    double cos_base_s
    double cos_mid                # eta_min + h
    double cos_hc[SCHEDULE_BLOCK] # h cos j', h sin j' for j < B
    double cos_hs[SCHEDULE_BLOCK]
    double cos_c1[SCHEDULE_BLOCK] # cos (B i)', sin (B i)' for i < B
    double cos_s1[SCHEDULE_BLOCK]
    # nonlinear CG and L-BFGS: the running lane's memory, a record of qn_len doubles
    # (qn_record_len, src/_update.pyx: its layout); each lane of a block has its own
    double *qn
    Py_ssize_t qn_len


cdef inline bint is_quasi_newton(const gd_rule *r) noexcept nogil:
    """Nonlinear CG or L-BFGS: a direction from a memory of earlier steps (gd_rule_state.qn,
    one record per lane), searched along by Armijo or strong Wolfe."""
    return r.update == RULE_CG or r.update == RULE_LBFGS
