# The one objective interface every source of f adapts to (see src/_objective.pyx).

ctypedef int (*gd_eval_fn)(void *ctx, Py_ssize_t n, const double *x,
                           double *f, double *g) except -1 nogil
# f(x) into *f and/or grad f(x) into g[0:n]; either pointer may be NULL (not wanted).
# Returns 0 on success, -1 with a Python exception set, or a positive error code
# of a C objective (the run then stops with status OBJECTIVE_ERROR).

ctypedef int (*gd_eval_many_fn)(void *ctx, Py_ssize_t m, Py_ssize_t n, const double *X,
                                double *F, const Py_ssize_t *starts) except -1 nogil
# f at the m rows of the C-contiguous (m, n) array X into F[0:m]; same return codes.  starts:
# NULL, or the start whose data (n_starts > 0) each row is evaluated with.

ctypedef int (*gd_eval_block_fn)(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                                 const double *X, double *F, double *G,
                                 const Py_ssize_t *starts) except -1 nogil
# f and grad f at m points held structure-of-arrays (the lanes of a run): coordinate j of
# point i is X[j * ld + i]; F[0:m] and G (same layout as X) are filled; starts[i] the start of
# point i (for per-start data).  Same return codes as eval; the built-ins' are pure C and never
# fail.  Lets the loop vectorize across starting points, or make one call for all of them
# (vectorized Python objectives).

ctypedef int (*gd_step_eval_block_fn)(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                                      double step, const double *X, const double *D,
                                      double *Xn, double *F, double *G,
                                      int *finite) except -1 nogil
# eval_block with the plain step fused in, so that the loop makes one pass over a block where
# it would make three (step, evaluation, finiteness test): with D not NULL, Xn = X - step D
# first (the fixed-step kernel's arithmetic), else Xn holds the points; then f (F not NULL)
# and grad f at Xn into F and G; *finite = 1 when every value written is finite, 0 when one
# may not be (the loop then tests lane by lane).  Same return codes as eval.

ctypedef void *(*gd_start_ctx_fn)(void *ctx, Py_ssize_t start) noexcept nogil
# per-start data: the ctx that eval (and eval_many with starts NULL) take for that start

cdef struct gd_objective:
    gd_eval_fn eval               # required
    gd_eval_many_fn eval_many     # optional (NULL): one call for many points (vectorized)
    void *ctx                     # passed back to eval / eval_many unchanged
    Py_ssize_t n                  # the dimension it accepts, or -1 for any
    bint has_gradient             # eval can fill g (otherwise only f)
    bint has_value_with_gradient  # f costs little extra when g is computed (not so for FD)
    bint needs_gil                # eval calls Python code
    # ---- (embedding) appended fields; add new ones only at the end of the struct
    gd_eval_block_fn eval_block   # optional (NULL): many points at once, structure-of-arrays
    bint parallel_safe            # eval is pure C, never returns -1 and keeps no scratch state:
                                  # it may run on several threads at once (batch, OpenMP)
    Py_ssize_t n_starts           # 0, or the starts it holds data for (one row each: batch)
    gd_start_ctx_fn start_ctx     # NULL (n_starts 0), or the ctx of start i < n_starts
    const Py_ssize_t *own_fev     # NULL, or the count of evaluations eval makes on its own
                                  # (a finite-difference stencil's), which runs add to nfev
    gd_step_eval_block_fn step_eval_block   # optional (NULL), with eval_block (built-ins)
    const int *noise_floor        # NULL, or a verdict per start (n_starts of them, else one)
                                  # indexed by the start (gd_state.lane): 1 when the gradient
                                  # last computed for that start is within its own error
                                  # estimate in every component (finite differences with
                                  # noise_stop: the loop then stops with BY_NOISE)


# ---- sum-of-terms objectives (gdfast.sgd): f(x) = (1/N) sum_i loss_i(x) + penalty(x)
ctypedef int (*gd_terms_fn)(void *ctx, Py_ssize_t n, const double *x, Py_ssize_t m,
                            const Py_ssize_t *rows, double *loss, double *penalty,
                            double *g) except -1 nogil
# The terms rows[0:m] (rows NULL: terms 0 .. m-1) at x: *loss the SUM of their losses, *penalty
# the penalty at x (the L2 term on the weights, never on an intercept), and g (NULL: not
# wanted) the gradient of the MEAN of their losses plus the penalty's.  Same return codes as
# gd_eval_fn.  src/_minibatch.pyx adapts it to a gd_objective over one mini-batch per call.

cdef struct gd_terms:
    gd_terms_fn eval              # NULL: the objective is no sum of terms
    void *ctx
    Py_ssize_t n_terms            # N, the terms (rows of data)


cdef class Objective:
    cdef gd_objective obj
    cdef gd_terms terms           # eval NULL: not a sum of terms (LeastSquares, Logistic,
                                  # SumOfTerms are)
    cdef int evaluate(self, Py_ssize_t n, const double *x, double *f, double *g) except -1 nogil


cdef struct py_ctx:
    void *objective                     # the PythonObjective
    Py_ssize_t start                    # whose rows of the per-start args; -1: args as given

cdef class PythonObjective(Objective):
    cdef readonly object fun
    cdef readonly object jac
    cdef readonly tuple args
    cdef readonly int jac_mode          # JAC_NONE, JAC_CALLABLE or JAC_WITH_VALUE
    cdef readonly bint vectorized
    cdef tuple _per_start               # per arg: True when it has a row per start
    cdef py_ctx _shared                 # obj.ctx
    cdef py_ctx *_starts                # start_ctx's, n_starts of them
    cdef tuple _args_at(self, Py_ssize_t start)
    cdef tuple _args_rows(self, Py_ssize_t m, const Py_ssize_t *starts)
    cdef int _call(self, Py_ssize_t n, const double *x, double *f, double *g,
                   Py_ssize_t start) except -1
    cdef int _call_many(self, Py_ssize_t m, Py_ssize_t n, const double *X, double *F,
                        const Py_ssize_t *starts, Py_ssize_t start) except -1
    cdef int _call_block(self, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *X,
                         double *F, double *G, const Py_ssize_t *starts) except -1


cpdef enum JacMode:
    JAC_NONE = 0          # fun gives only f
    JAC_CALLABLE = 1      # jac(x, *args) gives the gradient
    JAC_WITH_VALUE = 2    # fun(x, *args) gives (f, gradient)  (SciPy's jac=True)


cdef object fresh_vector(Py_ssize_t n, const double *x)
# A new float64 NumPy array holding x[0:n], allocated and filled from C (what user code gets).


cdef class SumOfTerms(Objective):
    cdef readonly object fun
    cdef readonly Py_ssize_t n_terms
    cdef int _call(self, Py_ssize_t n, const double *x, Py_ssize_t m, const Py_ssize_t *rows,
                   double *f, double *g) except -1
