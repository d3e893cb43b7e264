"""Mini-batch stochastic gradient descent through THE loop (``gdfast.sgd``).

Design: (a) a splitmix64 generator and Fisher-Yates shuffle of an index permutation
(``noexcept nogil``: the data are never copied or moved); (b) ``_minibatch_eval``, a
``gd_eval_fn`` over a sum-of-terms objective's ``gd_terms`` (the built-ins LeastSquares and
Logistic in C, SumOfTerms in Python): each call is the value and gradient of the NEXT
mini-batch at the point given, so that the loop's evaluation at each new iterate is the next
batch's, and iteration k steps on batch k; at an epoch's end it takes the next epoch's order
and books the epoch's loss; (c) ``_drive``, a thin driver around the one loop: gd_start, then
``gd_iterate(s, steps per epoch)`` once per epoch, and between epochs scikit-learn's tol /
n_iter_no_change test and its "adaptive" division of the rate by 5; ``run`` calls it with
the GIL released once for the whole run (held for a Python sum of terms).

Shuffling: epoch e's order is the identity shuffled from a generator state made of (seed, e)
alone, so that a run continued from its saved state (``state=``: the rule's state, the epoch
count, the tol test's and the average's) takes the batches an uninterrupted run takes, and
gives its iterates.  Averaging (ASGD) is the adapter's too: each evaluation after a step sees
the new iterate.

Evaluation order (one batch per evaluation): gd_start evaluates batch 0 of epoch 0 at x0;
step k (1-based) moves by batch k - 1's gradient and evaluates batch k at the new iterate,
the last step of an epoch evaluating the next epoch's first batch.  So an epoch's losses
(each batch's at the iterate its gradient is taken at, scikit-learn's ``sumloss``) are
complete once its ``gd_iterate`` returns, and a run of E epochs makes E * steps + 1
evaluations.  A loss or gradient that stops being finite stops the loop (status 3 or 4)
at the last finite iterate, as for every objective.
"""
from libc.stdint cimport uint64_t
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcpy
from libc.math cimport INFINITY

cimport numpy as cnp
import numpy as np

from gdfast._objective cimport Objective, gd_objective, gd_terms, fresh_vector
from gdfast._config cimport Config
from gdfast._descent cimport (gd_state, gd_state_init, gd_state_free, gd_start, gd_iterate,
                              gd_finish, save_state, load_state, RUNNING, PATIENCE)
from gdfast._pacer cimport gd_clock
from gdfast._stepsize cimport scheduled_lr

cnp.import_array()

__all__ = ["run", "permutations"]


# ---- (a) the generator and the shuffle -------------------------------------------------------

cdef inline uint64_t _splitmix64(uint64_t *state) noexcept nogil:
    """Vigna's splitmix64: the next 64 random bits."""
    cdef uint64_t z
    state[0] += <uint64_t>0x9E3779B97F4A7C15ULL
    z = state[0]
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline void _shuffle(Py_ssize_t *perm, Py_ssize_t n, uint64_t *state) noexcept nogil:
    """Fisher-Yates over perm[0:n] in place (the bias of the modulo, below 2^-40 for any
    n < 2^24, is far under any statistical test's reach)."""
    cdef Py_ssize_t i, j, tmp
    for i in range(n - 1, 0, -1):
        j = <Py_ssize_t>(_splitmix64(state) % <uint64_t>(i + 1))
        tmp = perm[i]
        perm[i] = perm[j]
        perm[j] = tmp


cdef inline uint64_t _mix64(uint64_t z) noexcept nogil:
    """splitmix64's finalizer: a bijection of 64-bit words that scrambles every bit."""
    z = (z ^ (z >> 30)) * <uint64_t>0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * <uint64_t>0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline void _epoch_order(Py_ssize_t *perm, Py_ssize_t n, uint64_t seed,
                              Py_ssize_t epoch) noexcept nogil:
    """Epoch ``epoch``'s order of the terms: the identity shuffled from a generator state
    that depends on (seed, epoch) alone, so that a run continued from a saved state (its
    epoch count) takes the orders an uninterrupted run would have."""
    cdef uint64_t st = _mix64(seed + _mix64(<uint64_t>epoch + 1))
    cdef Py_ssize_t i
    for i in range(n):
        perm[i] = i
    _shuffle(perm, n, &st)


# ---- (b) the mini-batch objective --------------------------------------------------------------

cdef struct minibatch:
    gd_terms terms
    Py_ssize_t N                  # terms (samples)
    Py_ssize_t B                  # batch size (the last batch of an epoch takes the rest)
    Py_ssize_t S                  # batches (steps) per epoch, ceil(N / B)
    Py_ssize_t *perm              # this epoch's order of the terms
    Py_ssize_t cursor             # the next batch of the epoch, 0 .. S (S: the epoch is done)
    bint shuffle
    uint64_t seed
    Py_ssize_t epoch              # the epoch of the current batches (counted over continued runs)
    double sumloss                # this epoch's: the sum of its terms' losses so far
    double objsum                 # and with each term's penalty (scikit-learn's objective_sum)
    double epoch_loss             # the last complete epoch's sumloss and objsum
    double epoch_obj
    Py_ssize_t epochs_done        # epochs completed in this run
    # averaging (ASGD, scikit-learn's ``average``): from the step whose samples seen reach
    # ``average`` on, avg is the mean of the iterates after each step (0: off)
    Py_ssize_t average
    double *avg
    Py_ssize_t avg_count          # iterates averaged
    double seen                   # samples the steps so far have taken
    Py_ssize_t last_m             # the previous batch's size (0: no evaluation yet)


cdef int _minibatch_eval(void *ctx, Py_ssize_t n, const double *x, double *f,
                         double *g) except -1 nogil:
    """A gd_eval_fn: the next mini-batch's mean loss plus penalty and its gradient at x."""
    cdef minibatch *mb = <minibatch *>ctx
    cdef Py_ssize_t lo, m, j
    cdef double loss = 0.0, pen = 0.0, w
    cdef int rc
    if mb.last_m > 0:               # x is the iterate after a step on the previous batch
        mb.seen += mb.last_m
        if mb.average > 0 and mb.seen >= mb.average:
            mb.avg_count += 1
            w = 1.0 / mb.avg_count
            for j in range(n):
                mb.avg[j] += (x[j] - mb.avg[j]) * w
    if mb.cursor == mb.S:           # the epoch is over: this is the next one's first batch
        mb.epoch_loss = mb.sumloss
        mb.epoch_obj = mb.objsum
        mb.epochs_done += 1
        mb.epoch += 1
        mb.sumloss = 0.0
        mb.objsum = 0.0
        mb.cursor = 0
        if mb.shuffle:
            _epoch_order(mb.perm, mb.N, mb.seed, mb.epoch)
    lo = mb.cursor * mb.B
    m = mb.N - lo if mb.N - lo < mb.B else mb.B
    rc = mb.terms.eval(mb.terms.ctx, n, x, m, mb.perm + lo, &loss, &pen, g)
    if rc != 0:
        return rc
    mb.cursor += 1
    mb.last_m = m
    mb.sumloss += loss
    mb.objsum += loss + m * pen
    if f != NULL:
        f[0] = loss / m + pen
    return 0


def permutations(Py_ssize_t n, Py_ssize_t epochs, seed, Py_ssize_t start=0):
    """The orders of n terms in the shuffled epochs start, ..., start + epochs - 1 from
    ``seed`` (row e is epoch start + e's), as gdfast.sgd takes them (for the tests)."""
    cdef uint64_t sd = <uint64_t>(int(seed) & 0xFFFFFFFFFFFFFFFF)
    out = np.empty((epochs, n), dtype=np.intp)
    cdef Py_ssize_t[:, ::1] o = out
    cdef Py_ssize_t e
    if n > 0:
        for e in range(epochs):
            _epoch_order(&o[e, 0], n, sd, start + e)
    return out


# ---- (c) the driver ------------------------------------------------------------------------

cdef struct drive:
    Py_ssize_t epochs             # to run
    Py_ssize_t e                  # run so far
    Py_ssize_t cap                # epochs h has room for
    double *h                     # the history: loss, objective, lr, time of epoch e at 4 e
    double tol                    # -inf: no test
    double best
    Py_ssize_t no_improvement
    Py_ssize_t n_iter_no_change
    bint adaptive
    bint shuffle
    bint stopped                  # by the tol test (PATIENCE)
    bint failed_at_x0
    bint out_of_memory


cdef int _drive(gd_state *s, minibatch *mb, drive *d) except -1 nogil:
    """The epochs: gd_start, then gd_iterate an epoch at a time, and between epochs the
    history and scikit-learn's tol test (the adaptive rate's cut, or the stop)."""
    cdef double t0, mean_obj
    cdef double *grown
    cdef Py_ssize_t N = mb.N
    if d.shuffle:
        _epoch_order(mb.perm, N, mb.seed, mb.epoch)
    t0 = gd_clock()
    gd_start(s)
    d.failed_at_x0 = s.status != RUNNING
    # a continued run whose last epoch ended the test's patience stops here, as the
    # uninterrupted run stopped there
    d.stopped = (d.no_improvement >= d.n_iter_no_change
                 and not (d.adaptive and s.opt.lr > 1e-6) and not d.failed_at_x0)
    while not d.stopped and s.status == RUNNING and d.e < d.epochs:
        gd_iterate(s, mb.S)
        if mb.epochs_done <= d.e:           # stopped within the epoch
            break
        if d.e == d.cap:
            d.cap = 2 * d.cap if 2 * d.cap < d.epochs else d.epochs
            grown = <double *>realloc(d.h, 4 * d.cap * sizeof(double))
            if grown == NULL:
                d.out_of_memory = True
                break
            d.h = grown
        mean_obj = mb.epoch_obj / N
        d.h[4 * d.e] = mb.epoch_loss / N
        d.h[4 * d.e + 1] = mean_obj
        d.h[4 * d.e + 2] = scheduled_lr(&s.opt.rule, &s.rs, s.opt.lr, s.rs.t - 1)
        d.h[4 * d.e + 3] = gd_clock() - t0
        d.e += 1
        if d.tol > -INFINITY:               # scikit-learn's test on the objective
            if mean_obj > d.best - d.tol:
                d.no_improvement += 1
            else:
                d.no_improvement = 0
            if mean_obj < d.best:
                d.best = mean_obj
        if d.no_improvement >= d.n_iter_no_change:  # (the last epoch too: a continued run
            if d.adaptive and s.opt.lr > 1e-6:      # goes on from here)
                s.opt.lr = s.opt.lr / 5.0
                d.no_improvement = 0
            elif d.e < d.epochs:
                d.stopped = True
                break
    gd_finish(s)
    return 0


def run(Objective objective not None, cnp.ndarray x0 not None, Config config not None,
        Py_ssize_t batch_size, Py_ssize_t epochs, bint shuffle, seed, bint adaptive,
        double tol, Py_ssize_t n_iter_no_change, Py_ssize_t average=0, dict cont=None):
    """Mini-batch descent from x0 (validated by gdfast.sgd; not modified), config's max_iter
    being epochs * ceil(N / batch_size).  ``tol``: -inf for no test; otherwise an epoch whose
    mean objective is not below the best by tol counts towards n_iter_no_change, which then
    divides the rate by 5 (adaptive, while it is above 1e-6) or stops (status PATIENCE).
    ``average`` > 0: average the iterates from that many samples on.  ``cont``: None, or the
    driver's part of an earlier run's state (validated by gdfast.sgd): "epoch", "best",
    "no_improvement", "seen", "avg_count", "avg"; the rule's part is config.state.

    Returns ``(x, fun, jac, nit, nfev, status, stop_test, error_code, failed_at_x0,
    epochs_done, history, x_average, state)``: history a dict of per-epoch arrays "loss"
    (mean term loss, scikit-learn's "Avg. loss"), "objective" (with the penalty), "lr" (the
    rate of the epoch's last step) and "time" (seconds since the start); x_average None
    without averaging; state the dict to continue from.
    """
    cdef gd_terms *terms = &objective.terms
    cdef Py_ssize_t n = cnp.PyArray_DIM(x0, 0), N = terms.n_terms, i, e = 0
    cdef minibatch mb
    cdef gd_objective obj
    cdef gd_state s
    cdef bint failed_at_x0 = False, stopped = False
    cdef int status
    cdef double best = INFINITY
    cdef Py_ssize_t no_improvement = 0
    # the per-epoch history (loss, objective, lr, time of epoch e at h[4 e:4 e + 4]), grown
    # by doubling: a large ``epochs`` that tol stops early allocates only what it uses
    cdef double *h = NULL
    cdef Py_ssize_t cap = epochs if epochs < 64 else 64
    cdef bint out_of_memory = False
    cdef const double[::1] avg0
    cdef drive d
    cdef bint release = not objective.obj.needs_gil
    if terms.eval == NULL or N < 1:
        raise TypeError(f"{type(objective).__name__} is no sum of terms")
    if (cnp.PyArray_NDIM(x0) != 1 or cnp.PyArray_TYPE(x0) != cnp.NPY_FLOAT64
            or n != objective.obj.n or not cnp.PyArray_IS_C_CONTIGUOUS(x0)):
        raise ValueError(f"x0 must be a contiguous float64 vector of length {objective.obj.n}")
    mb.terms = terms[0]
    mb.N = N
    mb.B = batch_size
    mb.S = (N + batch_size - 1) // batch_size
    mb.cursor = 0
    mb.shuffle = shuffle
    mb.seed = <uint64_t>(int(seed) & 0xFFFFFFFFFFFFFFFF)
    mb.epoch = 0
    mb.sumloss = mb.objsum = mb.epoch_loss = mb.epoch_obj = 0.0
    mb.epochs_done = 0
    mb.average = average
    mb.avg = NULL
    mb.avg_count = 0
    mb.seen = 0.0
    mb.last_m = 0
    if cont is not None:
        mb.epoch = cont["epoch"]
        best = cont["best"]
        no_improvement = cont["no_improvement"]
        mb.seen = cont["seen"]
        mb.avg_count = cont["avg_count"]
    mb.perm = <Py_ssize_t *>malloc(N * sizeof(Py_ssize_t))
    h = <double *>malloc(4 * cap * sizeof(double))
    mb.avg = <double *>malloc(n * sizeof(double))
    if mb.perm == NULL or h == NULL or mb.avg == NULL:
        free(mb.perm)
        free(h)
        free(mb.avg)
        raise MemoryError()
    d.h = h                                 # owned by d from here (_drive may move it)
    d.out_of_memory = d.stopped = d.failed_at_x0 = False
    for i in range(n):
        mb.avg[i] = 0.0
    if cont is not None and cont.get("avg") is not None:
        avg0 = cont["avg"]
        for i in range(n):
            mb.avg[i] = avg0[i]
    obj = objective.obj
    obj.eval = _minibatch_eval
    obj.ctx = &mb
    obj.eval_many = NULL
    obj.eval_block = NULL
    obj.step_eval_block = NULL
    obj.has_gradient = True
    obj.has_value_with_gradient = True      # the batch loss at every iterate: finiteness
    obj.parallel_safe = False               # it keeps a cursor
    obj.n_starts = 0
    obj.start_ctx = NULL
    obj.own_fev = NULL
    obj.noise_floor = NULL
    try:
        for i in range(N):
            mb.perm[i] = i
        gd_state_init(&s, &obj, n, <const double *>cnp.PyArray_DATA(x0), &config.opt)
        try:
            if config.state is not None:
                load_state(&s, config.state)
            d.epochs = epochs
            d.e = 0
            d.cap = cap
            d.tol = tol
            d.best = best
            d.no_improvement = no_improvement
            d.n_iter_no_change = n_iter_no_change
            d.adaptive = adaptive
            d.shuffle = shuffle
            if release:
                with nogil:
                    _drive(&s, &mb, &d)
            else:
                _drive(&s, &mb, &d)
            h = d.h
            e = d.e
            stopped = d.stopped
            failed_at_x0 = d.failed_at_x0
            out_of_memory = d.out_of_memory
            best = d.best
            no_improvement = d.no_improvement
            if out_of_memory:
                raise MemoryError()
            status = PATIENCE if stopped else s.status
            fun = h[4 * e - 3] if e > 0 else s.f[0]
            hist = np.empty((e, 4))
            memcpy(cnp.PyArray_DATA(<cnp.ndarray>hist), h, 4 * e * sizeof(double))
            # the state after the last complete epoch (the loop's final evaluation, the next
            # epoch's first batch, is not counted: a continued run evaluates it again)
            seen = mb.seen
            x_avg = fresh_vector(n, mb.avg) if average > 0 and mb.avg_count > 0 else None
            state = {"rule": save_state(&s), "lr": s.opt.lr, "epoch": mb.epoch,
                     "best": best, "no_improvement": no_improvement, "seen": seen,
                     "avg_count": mb.avg_count,
                     "avg": fresh_vector(n, mb.avg) if average > 0 else None}
            return (fresh_vector(n, s.x), fun, fresh_vector(n, s.g), s.nit, s.nfev[0],
                    status, s.stop_test, s.error_code, failed_at_x0, e,
                    {"loss": hist[:, 0].copy(), "objective": hist[:, 1].copy(),
                     "lr": hist[:, 2].copy(), "time": hist[:, 3].copy()}, x_avg, state)
        finally:
            gd_state_free(&s)
    finally:
        free(mb.perm)
        free(d.h)
        free(mb.avg)
