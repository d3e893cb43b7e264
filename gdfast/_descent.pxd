from gdfast._objective cimport gd_objective
from gdfast._rules cimport gd_rule, gd_rule_state
from gdfast._pacer cimport gd_pacer

cpdef enum Status:
    RUNNING = -1          # not stopped yet (a stepper between steps)
    CONVERGED = 0         # a tolerance test passed (gtol, xtol, ftol or noise)
    MAX_ITER = 1          # max_iter iterations done
    STEP_FAILED = 2       # the step rule found no acceptable step
    NONFINITE = 3         # f or its gradient became NaN
    DIVERGED = 4          # f or its gradient overflowed to +-inf
    OBJECTIVE_ERROR = 5   # a C objective returned a non-zero error code
    MAX_FEV = 6           # max_fev function evaluations made
    TARGET_REACHED = 7    # f reached ``target`` (f <= target; >= when maximizing)
    PATIENCE = 8          # f did not improve by min_delta for ``patience`` iterations
    MAX_TIME = 9          # max_time seconds passed
    CALLBACK_STOP = 99    # the callback asked to stop

cpdef enum StopTest:
    BY_NONE = 0
    BY_GTOL = 1
    BY_XTOL = 2
    BY_FTOL = 3
    BY_NOISE = 4          # the finite-difference gradient is within its own error estimate

ctypedef int (*gd_callback_fn)(void *ctx, Py_ssize_t nit, Py_ssize_t n, const double *x,
                               double f, const double *g) except -1 nogil
# Called every callback_every iterations; returns 0 to go on, 1 to stop, -1 on exception.

cdef struct gd_options:
    double lr                     # step size (learning rate) gamma
    Py_ssize_t max_iter           # iterations at most
    Py_ssize_t max_fev            # function evaluations at most (0: no limit)
    double gtol                   # stop when max_i |g_i| <= gtol (0: off)
    double ftol                   # stop when (f_prev - f) <= ftol max(|f_prev|, |f|, 1) (0: off)
    double xtol                   # stop when max_i |x_i - x_prev_i| <= xtol (0: off)
    Py_ssize_t callback_every     # call the callback every so many iterations
    bint record_history           # keep every iterate, value and gradient norm
    bint fused                    # fast rules may run a fused kernel (False: the general
                                  # path, which the tests hold them to)
    bint has_target               # stop once f <= target (>= when maximizing)
    double target
    double max_time               # stop after so many seconds from gd_start (0: off)
    Py_ssize_t patience           # stop after so many iterations in which f did not improve
    double min_delta              # by more than min_delta on its best (0: off)
    bint keep_best                # keep each lane's best iterate (x_best, f_best, nit_best)
    gd_rule rule                  # update rule, step rule, bounds, clipping

ctypedef int (*gd_lanes_callback_fn)(void *ctx, void *state) except -1 nogil
# (many lanes) called every callback_every iterations with the gd_state: it may set the pend of
# running lanes to CALLBACK_STOP to stop them; returns 0, 1 to stop every lane, -1 on exception.

# A compiled callback (Numba cfunc, ctypes, LowLevelCallable): called inside the nogil loop
# with one lane's iterate; nonzero stops that lane (status CALLBACK_STOP).
ctypedef int (*gd_user_callback_fn)(int n, const double *x, double f, const double *g,
                                    long nit, void *user_data) noexcept nogil

cdef struct gd_user_callback:
    gd_user_callback_fn fn
    void *user_data

cdef struct gd_history:
    # one start's recorded iterates (record_history): len rows of x (n each), f, gnorm
    double *x
    double *f
    double *gnorm
    Py_ssize_t len
    Py_ssize_t cap

cdef struct gd_lane_state:
    # the update and step rules' state of each start of a batch (minimize's ``state``): rows
    # of (m, n) for m, v, w, one entry per start for the rest; what a batch starts from
    # (state=) and what it saves (result.state)
    double *m
    double *v
    double *w
    Py_ssize_t *t
    double *lr_bb
    double *lr_sched
    Py_ssize_t *k_sched
    int *buf_ready

cdef struct gd_lane_out:
    # where a run of many lanes saves each lane's final data when it stops, at the row
    # lane[i] (the start it runs): x and g (m, n), the rest (m,)
    double *x
    double *g
    double *f
    Py_ssize_t *nit
    Py_ssize_t *nfev
    Py_ssize_t *njev
    int *status
    int *stop_test
    int *error_code
    gd_history *hist              # NULL, or each start's history (record_history)
    double *x_best                # NULL, or each start's best iterate (keep_best): (m, n),
    double *f_best                # its f and its iteration (m,)
    Py_ssize_t *nit_best
    gd_lane_state *state          # NULL, or where each start's rule state is saved

cdef struct gd_state:
    # A run of L lanes (starting points) at once, structure-of-arrays: coordinate j of lane i
    # at [j * ld + i] of every (n, ld) block; one lane (ld == 1) is a plain vector.  The lanes
    # still running are 0 .. live - 1; a lane that stops is saved to `out` (a batch) and the
    # last running lane takes its place.  Lanes step together: nit and the rules' step count
    # are the same for every running lane.
    const gd_objective *obj
    gd_options opt
    Py_ssize_t n
    Py_ssize_t ld                 # leading dimension of the blocks (1: one lane)
    Py_ssize_t live               # running lanes
    double *x                     # (n, ld) current iterates (always the last finite ones)
    double *g                     # (n, ld) gradients at x
    double *x_new                 # (n, ld) trial points (swapped with x when accepted)
    double *g_new                 # (n, ld) gradients at the trial points
    double *f                     # (ld,) f(x), valid when f_known
    double *f_new                 # (ld,) f at the trial points
    double *gnorm                 # (ld,) max_i |g_i| (projected onto the bounds)
    Py_ssize_t *nfev              # (ld,) values requested (finite-difference stencils included)
    Py_ssize_t *njev              # (ld,)
    Py_ssize_t nfev_all           # evaluations every running lane had besides (a block's)
    Py_ssize_t njev_all
    Py_ssize_t *lane              # (ld,) the start each lane runs (its row of out)
    void **lane_ctx               # (ld,) the ctx of each lane's evaluations: its start's data
    int *pend                     # (ld,) a status decided for the lane this iteration: RUNNING
                                  # for every running lane between iterations
    int *pend_aux                 # (ld,) its stop test or error code
    double *bb_lr                 # (ld,) each lane's own step: Barzilai-Borwein's, the plateau's
                                  # rate, FIRE's dt (one lane: s.rs.lr_bb)
    double *bb_recent             # (ld, 10) the last values of f (nonmonotone search), rings
    Py_ssize_t *bb_count          # (ld,) values in the ring
    double *fire_a                # (ld,) FIRE's mixing coefficient a, per lane
    Py_ssize_t *fire_n            # (ld,) FIRE's downhill steps (ASE's Nsteps), per lane
    int *fire_back                # (ld,) FIRE2: the lane steps half a step back this iteration
    double *fire_w                # (4, ld) FIRE's per-lane sums and coefficients
    double *scratch               # per-lane scratch: (ld,) doubles twice, (ld,) words
    double *lane_buf              # one lane's vectors, gathered (ld > 1): 9 n doubles
    gd_lane_out *out              # NULL: the lanes stay in place when they stop (one lane)
    bint f_known
    bint need_f                   # evaluate f at every iterate
    bint prev_valid               # x_new / g_new hold the iterate before x / g
    Py_ssize_t nit
    const Py_ssize_t *fev_extra   # NULL, or evaluations the objective made on its own (stencils)
    int status                    # a Status: RUNNING while lanes run, else the last lane's
    int stop_test                 # a StopTest, when status is CONVERGED
    int error_code                # the C objective's code, when status is OBJECTIVE_ERROR
    gd_callback_fn callback       # (one lane)
    gd_lanes_callback_fn lanes_callback   # (many lanes)
    void *callback_ctx
    gd_pacer pacer                # Ctrl-C checks, a tick per iteration (its own signal checks
                                  # unless a parallel driver gives it the run's gd_control)
    double *hist_x                # history (record_history, one lane): (hist_cap, n)
    double *hist_f
    double *hist_gnorm
    Py_ssize_t hist_len
    Py_ssize_t hist_cap
    double *buffer                # owns the blocks and the per-lane arrays
    void *ibuffer                 # owns the per-lane integer arrays
    double *x_best                # (n, ld) each lane's best iterate (keep_best), else NULL
    double *f_best                # (ld,) its f, the least so far (greatest when maximizing)
    Py_ssize_t *nit_best          # (ld,) its iteration
    Py_ssize_t *stall             # (ld,) iterations since f last improved by min_delta
    double *plat_best             # (ld,) ReduceLROnPlateau's best f, bad iterations, cooldown
    Py_ssize_t *plat_bad
    Py_ssize_t *plat_cool
    void *track                   # owns them; NULL: nothing tracked
    bint tracking                 # keep_best, patience or ReduceLROnPlateau: _track runs
    double deadline               # gd_clock() when max_time runs out (0: no limit)
    gd_lanes_callback_fn progress # NULL, or called at the pacer's clock reads once the clock
    void *progress_ctx            # passes progress_next (it sets the next); returns 0 or -1
    double progress_next
    bint plain                    # the lecture's rule with a fixed step: the fast path
    bint fused                    # may run a fused kernel (False: the general path, for tests)
    gd_rule_state rs              # the update and step rules' state; m, v, w, d, gc (n, ld)
    # nonlinear CG and L-BFGS: each lane's memory, ld records of rs.qn_len doubles one after
    # the other (lane i's at qn_buf + i qn_len; rs.qn points at the running lane's); else NULL
    double *qn_buf

cdef int gd_state_init(gd_state *s, const gd_objective *obj, Py_ssize_t n, const double *x0,
                       const gd_options *opt) except -1 nogil
cdef int gd_state_init_lanes(gd_state *s, const gd_objective *obj, Py_ssize_t n,
                             Py_ssize_t ld, const gd_options *opt) except -1 nogil
cdef void gd_state_load_lanes(gd_state *s, const double *X0, Py_ssize_t first,
                              Py_ssize_t count, const Py_ssize_t *rows,
                              const gd_lane_state *init) noexcept nogil
cdef void gd_state_free(gd_state *s) noexcept nogil
cdef int gd_start(gd_state *s) except -1 nogil
cdef int gd_iterate(gd_state *s, Py_ssize_t steps) except -1 nogil
cdef int gd_finish(gd_state *s) except -1 nogil
cdef int gd_run(gd_state *s) except -1 nogil


cdef int gd_compiled_callback(void *ctx, Py_ssize_t nit, Py_ssize_t n, const double *x,
                              double f, const double *g) except -1 nogil
cdef int gd_compiled_lanes_callback(void *ctx, void *state) except -1 nogil

cdef Py_ssize_t reason_index(int status, int stop_test) noexcept nogil
cdef dict save_state(const gd_state *s)
cdef object best_of(const gd_state *s)
cdef int load_state(gd_state *s, dict state) except -1
