"""The objective interface: one C struct (``gd_objective``) that every source of f adapts to.

Design (after scikit-learn's ``_loss`` and SciPy's ``_ccallback``):

* The descent loop, the finite-difference kernels and the batch driver only ever see a
  ``gd_objective``: an ``eval`` function pointer (value and/or gradient), an optional
  ``eval_many`` (values at many points in one call, for vectorized sources), and a ``void *``
  context.  Return codes: 0 ok, -1 with a Python exception set, > 0 a C objective's error code.
* :class:`Objective` is the cdef base class that owns such a struct.  Built-in objectives point
  ``eval`` at C functions without the GIL; Cython subclasses override the ``evaluate`` cdef
  method; :class:`PythonObjective` adapts Python callables through one thunk that takes the GIL,
  calls, converts and lets exceptions propagate.
* User code never sees gdfast's working buffers: every call gets a fresh NumPy array, filled
  from C.
"""
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_Check
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

cimport numpy as cnp
import numpy as np
cnp.import_array()

from gdfast._validate import as_point


cdef int _evaluate_trampoline(void *ctx, Py_ssize_t n, const double *x,
                              double *f, double *g) except -1 nogil:
    return (<Objective>ctx).evaluate(n, x, f, g)


cdef class Objective:
    """Base class of objectives whose value and gradient are computed in C.

    Built-in objectives (``gdfast.objectives``) derive from it.  Cython users may subclass it
    and override::

        cdef int evaluate(self, Py_ssize_t n, const double *x, double *f, double *g) except -1 nogil

    filling ``f[0]`` when ``f != NULL`` and ``g[0:n]`` when ``g != NULL``; the whole descent
    then runs without the GIL.  Every objective is also a plain Python callable:
    ``obj(x)`` is f(x), ``obj.gradient(x)`` is grad f(x).
    """

    def __cinit__(self, *args, **kwargs):
        self.obj.eval = _evaluate_trampoline
        self.obj.eval_many = NULL
        self.obj.ctx = <void *>self
        self.obj.n = -1
        self.obj.has_gradient = True
        self.obj.has_value_with_gradient = True
        self.obj.needs_gil = False
        self.obj.eval_block = NULL
        # a Cython subclass opts in with a class attribute parallel_safe = True (its evaluate
        # must then never take the GIL nor keep scratch state); here, the property's own
        # object: False
        self.obj.parallel_safe = getattr(type(self), "parallel_safe", False) is True
        self.obj.n_starts = 0
        self.obj.start_ctx = NULL
        self.obj.own_fev = NULL
        self.obj.step_eval_block = NULL
        self.obj.noise_floor = NULL
        self.terms.eval = NULL
        self.terms.ctx = NULL
        self.terms.n_terms = 0

    def _n_terms(self):
        """N for a sum of N terms (gdfast.sgd can train on it), else 0."""
        return self.terms.n_terms if self.terms.eval != NULL else 0

    @property
    def parallel_safe(self):
        """Whether batches and landscapes may evaluate it on several threads at once: the
        built-ins and low-level pointers; a Cython subclass says so with a class attribute
        ``parallel_safe = True`` (its ``evaluate`` then must never take the GIL nor keep
        scratch state)."""
        return bool(self.obj.parallel_safe)

    @property
    def n_starts(self):
        """0, or the number of starts it holds data for: it then runs in ``minimize_batch``
        with that many starts, each with its row."""
        return self.obj.n_starts

    cdef int evaluate(self, Py_ssize_t n, const double *x, double *f, double *g) except -1 nogil:
        with gil:
            raise NotImplementedError(
                f"{type(self).__name__} must override the cdef method evaluate()")

    @property
    def n(self):
        """The dimension this objective accepts, or None when any dimension works."""
        return None if self.obj.n < 0 else self.obj.n

    @property
    def has_gradient(self):
        """Whether the objective computes its own gradient."""
        return bool(self.obj.has_gradient)

    def _point(self, x):
        """``x`` validated as a point (a fresh float64 copy) of this objective's dimension."""
        xx = as_point(x, "x")
        if self.obj.n >= 0 and xx.shape[0] != self.obj.n:
            raise ValueError(f"x must have length {self.obj.n} for {type(self).__name__}, "
                             f"got length {xx.shape[0]}")
        return xx

    def __call__(self, x):
        """f(x) as a float."""
        cdef double[::1] xv = self._point(x)
        cdef double f = 0.0
        _eval(&self.obj, xv.shape[0], &xv[0], &f, NULL)
        return f

    def gradient(self, x):
        """grad f(x) as a new float64 array."""
        return self._gradient(x, False)[1]

    def value_and_gradient(self, x):
        """(f(x), grad f(x)) in one evaluation."""
        return self._gradient(x, True)

    def _gradient(self, x, bint with_value, bint validated=False):
        """(f or 0.0, grad f) at ``x``; ``validated=True``: ``x`` is already a fresh float64
        point of the right length (``gdfast.gradient`` checked it), used as is."""
        if not self.obj.has_gradient:
            raise TypeError(f"{type(self).__name__} has no analytic gradient; "
                            "use gdfast.gradient() for finite differences")
        cdef double[::1] xv = x if validated else self._point(x)
        cdef double f = 0.0
        out = np.empty(xv.shape[0])
        cdef double[::1] g = out
        _eval(&self.obj, xv.shape[0], &xv[0], &f if with_value else NULL, &g[0])
        return f, out


cdef int _eval(const gd_objective *obj, Py_ssize_t n, const double *x,
               double *f, double *g) except -1:
    """One evaluation from Python code, releasing the GIL for C objectives."""
    cdef int rc
    if obj.needs_gil:
        rc = obj.eval(obj.ctx, n, x, f, g)
    else:
        with nogil:
            rc = obj.eval(obj.ctx, n, x, f, g)
    if rc > 0:
        raise RuntimeError(f"the objective returned error code {rc}")
    return 0


# ---------------------------------------------------------------------------------------------
# Python callables
# ---------------------------------------------------------------------------------------------

cdef object fresh_vector(Py_ssize_t n, const double *x):
    """A new float64 array holding x[0:n], allocated and filled from C."""
    cdef cnp.npy_intp dims[1]
    dims[0] = n
    cdef cnp.ndarray arr = cnp.PyArray_SimpleNew(1, dims, cnp.NPY_FLOAT64)
    memcpy(cnp.PyArray_DATA(arr), x, n * sizeof(double))
    return arr


cdef inline cnp.ndarray _fresh_matrix(Py_ssize_t m, Py_ssize_t n, const double *X):
    cdef cnp.npy_intp dims[2]
    dims[0] = m
    dims[1] = n
    cdef cnp.ndarray arr = cnp.PyArray_SimpleNew(2, dims, cnp.NPY_FLOAT64)
    memcpy(cnp.PyArray_DATA(arr), X, m * n * sizeof(double))
    return arr


cdef cnp.ndarray _fresh_lanes(Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *X):
    """The m lanes of the (n, ld) block X as the rows of a new (m, n) array."""
    cdef cnp.ndarray arr = _fresh_matrix(m, n, X) if ld == 1 and m == 1 else np.empty((m, n))
    cdef double *A = <double *>cnp.PyArray_DATA(arr)
    cdef Py_ssize_t i, j
    if not (ld == 1 and m == 1):
        for i in range(m):
            for j in range(n):
                A[i * n + j] = X[j * ld + i]
    return arr


cdef int _to_double(object r, double *out, str what) except -1:
    """Convert a user's scalar return value; reject arrays, strings, complex."""
    if PyFloat_Check(r):          # float and its subclasses (numpy.float64): the common case
        out[0] = PyFloat_AS_DOUBLE(r)
        return 0
    if isinstance(r, (float, int, np.floating, np.integer)) and not isinstance(r, bool):
        out[0] = float(r)
        return 0
    if isinstance(r, np.ndarray):
        if r.ndim != 0:
            raise ValueError(f"{what} must return a scalar, got an array of shape {r.shape}")
        if r.dtype.kind not in "biuf":
            raise TypeError(f"{what} must return a real scalar, got dtype {r.dtype}")
        out[0] = float(r)
        return 0
    if isinstance(r, bool):
        raise TypeError(f"{what} must return a real number, got bool")
    if isinstance(r, (complex, np.complexfloating)):
        raise TypeError(f"{what} must return a real scalar, got complex value {r!r}")
    raise TypeError(f"{what} must return a real scalar, got {type(r).__name__}")


cdef inline bint _is_exact_float64(object r, tuple shape):
    """r is a C-contiguous float64 ndarray of exactly this shape (the fast path)."""
    if type(r) is not np.ndarray:
        return False
    cdef cnp.ndarray a = <cnp.ndarray>r
    cdef Py_ssize_t k, ndim = len(shape)
    if cnp.PyArray_TYPE(a) != cnp.NPY_FLOAT64 or not cnp.PyArray_IS_C_CONTIGUOUS(a):
        return False
    if cnp.PyArray_NDIM(a) != ndim:
        return False
    for k in range(ndim):
        if cnp.PyArray_DIM(a, k) != <Py_ssize_t>shape[k]:
            return False
    return True


cdef int _copy_array(object r, Py_ssize_t n, double *out, str what, tuple shape) except -1:
    """Copy a user's array return value of the given shape (n elements) into out."""
    if _is_exact_float64(r, shape):
        memcpy(out, cnp.PyArray_DATA(<cnp.ndarray>r), n * sizeof(double))
        return 0
    try:
        arr = np.asarray(r)
    except Exception as exc:
        raise TypeError(f"{what} must return an array of shape {shape}, "
                        f"got {type(r).__name__}") from exc
    if arr.dtype.kind == "c":
        raise TypeError(f"{what} must return real values, got dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must return an array of real numbers, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{what} must return an array of shape {shape}, got shape {arr.shape}")
    cdef cnp.ndarray c = np.ascontiguousarray(arr, dtype=np.float64)
    memcpy(out, cnp.PyArray_DATA(c), n * sizeof(double))
    return 0


cdef int _py_eval(void *ctx, Py_ssize_t n, const double *x, double *f, double *g) except -1 nogil:
    cdef py_ctx *c = <py_ctx *>ctx
    with gil:
        return (<PythonObjective>c.objective)._call(n, x, f, g, c.start)


cdef int _py_eval_many(void *ctx, Py_ssize_t m, Py_ssize_t n, const double *X,
                       double *F, const Py_ssize_t *starts) except -1 nogil:
    cdef py_ctx *c = <py_ctx *>ctx
    with gil:
        return (<PythonObjective>c.objective)._call_many(m, n, X, F, starts, c.start)


cdef int _py_eval_block(void *ctx, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld,
                        const double *X, double *F, double *G,
                        const Py_ssize_t *starts) except -1 nogil:
    cdef py_ctx *c = <py_ctx *>ctx
    with gil:
        return (<PythonObjective>c.objective)._call_block(m, n, ld, X, F, G, starts)


cdef void *_py_start_ctx(void *ctx, Py_ssize_t start) noexcept nogil:
    return &(<PythonObjective>(<py_ctx *>ctx).objective)._starts[start]


cdef class PythonObjective(Objective):
    """Adapter for a Python callable ``fun(x, *args) -> float``.

    ``jac`` follows SciPy: a callable ``jac(x, *args) -> array``, ``True`` when ``fun`` returns
    ``(f, g)``, or ``None`` (no gradient: the caller wraps it in finite differences).
    ``vectorized=True``: ``fun(X, *args)`` takes an (m, n) array and returns m values (with
    ``jac=True``: ``(F, G)`` of shapes (m,) and (m, n)), so a finite-difference stencil costs
    one Python call.  Exceptions raised by user code propagate unchanged.

    ``n_starts`` > 0 (batch): each NumPy array in ``args`` whose first dimension is
    ``n_starts`` has a row per start: a start's calls get its row (a vectorized ``fun`` the
    rows of the starts of its points, aligned with X); other arguments are shared.
    """

    def __cinit__(self, *args, **kwargs):
        self._starts = NULL

    def __dealloc__(self):
        free(self._starts)

    def __init__(self, fun, args=(), jac=None, vectorized=False, Py_ssize_t n_starts=0):
        cdef Py_ssize_t i
        if not callable(fun):
            raise TypeError(f"fun must be callable, got {type(fun).__name__}")
        self.fun = fun
        self.args = tuple(args)
        self.vectorized = bool(vectorized)
        self._per_start = tuple(n_starts > 0 and isinstance(a, np.ndarray) and a.ndim >= 1
                                and a.shape[0] == n_starts for a in self.args)
        self._shared.objective = <void *>self
        self._shared.start = -1
        if n_starts > 0 and any(self._per_start):
            self._starts = <py_ctx *>malloc(n_starts * sizeof(py_ctx))
            if self._starts == NULL:
                raise MemoryError()
            for i in range(n_starts):
                self._starts[i].objective = <void *>self
                self._starts[i].start = i
            self.obj.n_starts = n_starts
            self.obj.start_ctx = _py_start_ctx
        if jac is None or jac is False:
            self.jac_mode = JAC_NONE
        elif jac is True:
            self.jac_mode = JAC_WITH_VALUE
        elif callable(jac):
            self.jac_mode = JAC_CALLABLE
            self.jac = jac
        else:
            raise TypeError(f"jac must be a callable, True or None here, got {jac!r}")
        self.obj.eval = _py_eval
        if self.vectorized:
            self.obj.eval_many = _py_eval_many
            if self.jac_mode == JAC_WITH_VALUE:     # (F, G) at many points: one call
                self.obj.eval_block = _py_eval_block
        self.obj.ctx = <void *>&self._shared
        self.obj.has_gradient = self.jac_mode != JAC_NONE
        self.obj.needs_gil = True

    cdef tuple _args_at(self, Py_ssize_t start):
        """The arguments of a start's calls (-1: args as given)."""
        if start < 0:
            return self.args
        return tuple(a[start] if p else a for a, p in zip(self.args, self._per_start))

    cdef tuple _args_rows(self, Py_ssize_t m, const Py_ssize_t *starts):
        """The arguments of a vectorized call on m points of these starts (NULL: args)."""
        if starts == NULL or self._starts == NULL:
            return self.args
        idx = np.empty(m, dtype=np.intp)
        cdef Py_ssize_t[::1] iv = idx
        cdef Py_ssize_t i
        for i in range(m):
            iv[i] = starts[i]
        return tuple(a[idx] if p else a for a, p in zip(self.args, self._per_start))

    cdef int _call(self, Py_ssize_t n, const double *x, double *f, double *g,
                   Py_ssize_t start) except -1:
        cdef object r
        cdef cnp.ndarray xa
        cdef tuple args = self.args if start < 0 else self._args_at(start)
        if self.vectorized:
            xa = _fresh_matrix(1, n, x)
        else:
            xa = fresh_vector(n, x)
        if self.jac_mode == JAC_WITH_VALUE and (g != NULL or f != NULL):
            r = self.fun(xa, *args) if args else self.fun(xa)
            if not isinstance(r, tuple) or len(r) != 2:
                raise TypeError("with jac=True, fun must return a tuple (f, gradient), "
                                f"got {type(r).__name__}")
            if self.vectorized:
                if f != NULL:
                    _copy_array(r[0], 1, f, "vectorized fun", (1,))
                if g != NULL:
                    _copy_array(r[1], n, g, "fun's gradient", (1, n))
            else:
                if f != NULL:
                    _to_double(r[0], f, "fun")
                if g != NULL:
                    _copy_array(r[1], n, g, "fun's gradient", (n,))
            return 0
        if f != NULL:
            r = self.fun(xa, *args) if args else self.fun(xa)
            if self.vectorized:
                _copy_array(r, 1, f, "vectorized fun", (1,))
            else:
                _to_double(r, f, "fun")
        if g != NULL:
            if self.jac_mode != JAC_CALLABLE:
                raise TypeError("this objective has no gradient")
            if f != NULL:
                xa = fresh_vector(n, x)
            elif self.vectorized:
                xa = fresh_vector(n, x)
            r = self.jac(xa, *args) if args else self.jac(xa)
            _copy_array(r, n, g, "jac", (n,))
        return 0

    cdef int _call_block(self, Py_ssize_t m, Py_ssize_t n, Py_ssize_t ld, const double *X,
                         double *F, double *G, const Py_ssize_t *starts) except -1:
        """A vectorized ``fun`` returning ``(F, G)``, at the m lanes of X (structure-of-arrays)
        in one call: rows of a fresh (m, n) array."""
        cdef Py_ssize_t i, j
        cdef cnp.ndarray xa = _fresh_lanes(m, n, ld, X)
        cdef double *Gm
        cdef tuple args = self._args_rows(m, starts)
        r = self.fun(xa, *args) if args else self.fun(xa)
        if not isinstance(r, tuple) or len(r) != 2:
            raise TypeError("with jac=True, fun must return a tuple (F, G), "
                            f"got {type(r).__name__}")
        _copy_array(r[0], m, F, "vectorized fun", (m,))
        gm = np.empty((m, n))
        Gm = <double *>cnp.PyArray_DATA(gm)
        _copy_array(r[1], m * n, Gm, "fun's gradient", (m, n))
        for i in range(m):
            for j in range(n):
                G[j * ld + i] = Gm[i * n + j]
        return 0

    cdef int _call_many(self, Py_ssize_t m, Py_ssize_t n, const double *X, double *F,
                        const Py_ssize_t *starts, Py_ssize_t start) except -1:
        cdef cnp.ndarray xa = _fresh_matrix(m, n, X)
        cdef tuple args
        if starts != NULL:
            args = self._args_rows(m, starts)
        elif start >= 0 and self._starts != NULL:       # every row of one start
            idx = np.full(m, start, dtype=np.intp)
            args = tuple(a[idx] if p else a for a, p in zip(self.args, self._per_start))
        else:
            args = self.args
        r = self.fun(xa, *args) if args else self.fun(xa)
        if self.jac_mode == JAC_WITH_VALUE:
            if not isinstance(r, tuple) or len(r) != 2:
                raise TypeError("with jac=True, fun must return a tuple (F, G), "
                                f"got {type(r).__name__}")
            r = r[0]
        _copy_array(r, m, F, "vectorized fun", (m,))
        return 0


# ---- a Python sum of terms (gdfast.sgd) ----------------------------------------------------

cdef int _sum_of_terms_eval(void *ctx, Py_ssize_t n, const double *x, double *f,
                            double *g) except -1 nogil:
    """The full objective: every term, in order."""
    cdef double fv
    cdef int rc
    with gil:
        rc = (<SumOfTerms>ctx)._call(n, x, (<SumOfTerms>ctx).n_terms, NULL, &fv, g)
    if rc == 0 and f != NULL:
        f[0] = fv
    return rc


cdef int _sum_of_terms_terms(void *ctx, Py_ssize_t n, const double *x, Py_ssize_t m,
                             const Py_ssize_t *rows, double *loss, double *penalty,
                             double *g) except -1 nogil:
    """A gd_terms_fn: fun's value (penalty included) times m as the loss sum, penalty 0."""
    cdef double fv
    cdef int rc
    with gil:
        rc = (<SumOfTerms>ctx)._call(n, x, m, rows, &fv, g)
    if rc == 0:
        loss[0] = fv * m
        penalty[0] = 0.0
    return rc


cdef class SumOfTerms(Objective):
    """A sum of terms in Python, for :func:`gdfast.sgd`: f(x) = (1/N) sum_i f_i(x).

    ``fun(x, rows)`` gets a fresh float64 array x (length n) and a fresh int array of the
    row indices of a mini-batch, and returns ``(value, gradient)``: the mean of those terms
    at x (plus any penalty of yours) and its gradient, an array of length n.  The full
    objective (``obj(x)``, :func:`gdfast.minimize`) is ``fun(x, arange(n_terms))``.
    Exceptions from ``fun`` reach the caller unchanged.

    >>> import numpy as np, gdfast
    >>> A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]); b = np.array([1.0, 2.0, 3.0])
    >>> def fun(x, rows):
    ...     r = A[rows] @ x - b[rows]
    ...     return 0.5 * np.mean(r ** 2), A[rows].T @ r / len(rows)
    >>> obj = gdfast.objectives.SumOfTerms(fun, n=2, n_terms=3)
    >>> res = gdfast.sgd(obj, batch_size=3, epochs=2000, shuffle=False, lr=0.5)
    >>> bool(np.allclose(res.x, np.linalg.lstsq(A, b)[0], atol=1e-6))
    True
    """

    def __init__(self, fun, n, n_terms):
        if not callable(fun):
            raise TypeError(f"fun must be callable, got {type(fun).__name__}")
        for value, name in ((n, "n"), (n_terms, "n_terms")):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        self.fun = fun
        self.n_terms = n_terms
        self.obj.eval = _sum_of_terms_eval
        self.obj.ctx = <void *>self
        self.obj.n = n
        self.obj.has_gradient = True
        self.obj.has_value_with_gradient = True
        self.obj.needs_gil = True
        self.obj.parallel_safe = False
        self.terms.eval = _sum_of_terms_terms
        self.terms.ctx = <void *>self
        self.terms.n_terms = n_terms

    def __repr__(self):
        return f"SumOfTerms({self.fun!r}, n={self.obj.n}, n_terms={self.n_terms})"

    cdef int _call(self, Py_ssize_t n, const double *x, Py_ssize_t m, const Py_ssize_t *rows,
                   double *f, double *g) except -1:
        cdef cnp.npy_intp dim = m
        cdef Py_ssize_t i
        idx = cnp.PyArray_SimpleNew(1, &dim, cnp.NPY_INTP)
        cdef Py_ssize_t *ip = <Py_ssize_t *>cnp.PyArray_DATA(<cnp.ndarray>idx)
        for i in range(m):
            ip[i] = rows[i] if rows != NULL else i
        out = self.fun(fresh_vector(n, x), idx)
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError(f"fun(x, rows) must return (value, gradient), got "
                            f"{type(out).__name__}")
        value, grad = out
        f[0] = float(value)
        if g != NULL:
            garr = np.asarray(grad, dtype=np.float64)
            if garr.shape != (n,):
                raise ValueError(f"fun(x, rows)'s gradient must have shape ({n},), got "
                                 f"{garr.shape}")
            garr = np.ascontiguousarray(garr)
            memcpy(g, cnp.PyArray_DATA(<cnp.ndarray>garr), n * sizeof(double))
        return 0
