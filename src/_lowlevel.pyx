"""Low-level objectives: raw C function pointers with SciPy's conventions.

Accepted sources of a pointer (``fun``, and optionally ``jac``):

* ``scipy.LowLevelCallable`` (its capsule carries the pointer, the signature string and
  ``user_data``);
* a ctypes function pointer (``CFUNCTYPE`` instances, functions of a ``ctypes.CDLL``), checked
  through its ``restype`` / ``argtypes``;
* a cffi function pointer (``ffi.cast`` / ``ffi.callback`` / ``lib.fn``), checked through
  ``ffi.typeof``;
* a Numba ``@cfunc`` (through its ``.ctypes`` view).

Signatures (SciPy's)::

    double f(int n, double *x, void *user_data)          or   double f(int n, double *x)
    void   g(int n, double *x, double *grad, void *user_data)  or  void g(int n, double *x, double *grad)

The pointers are called without the GIL (declared ``noexcept nogil``): the whole run then
happens without the GIL, and batch runs use them from several threads at once.  They get a
private copy of x, so a function that writes into x cannot disturb the loop; the loop checks
every value they produce for finiteness.  A ctypes callback that wraps a raising Python
function cannot report the exception (ctypes prints it and returns garbage): that use is
unsupported; pass the Python function itself instead.
"""
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from libc.stdint cimport uintptr_t
from cpython.pycapsule cimport (PyCapsule_CheckExact, PyCapsule_GetContext, PyCapsule_GetName,
                                PyCapsule_GetPointer)

from gdfast._objective cimport Objective, gd_objective

__all__ = ["LowLevelObjective", "is_low_level", "callback_pointer"]

# kinds of pointer (the C types below)
cdef enum:
    VALUE_UD = 0          # double f(int, double *, void *)
    VALUE = 1             # double f(int, double *)
    GRAD_UD = 2           # void g(int, double *, double *, void *)
    GRAD = 3              # void g(int, double *, double *)

ctypedef double (*ll_value_ud_fn)(int n, double *x, void *user_data) noexcept nogil
ctypedef double (*ll_value_fn)(int n, double *x) noexcept nogil
ctypedef void (*ll_grad_ud_fn)(int n, double *x, double *grad, void *user_data) noexcept nogil
ctypedef void (*ll_grad_fn)(int n, double *x, double *grad) noexcept nogil

# normalized signature strings (spaces and "const" removed) -> kind
_SIGNATURES = {
    "double(int,double*,void*)": VALUE_UD,
    "double(int,double*)": VALUE,
    "void(int,double*,double*,void*)": GRAD_UD,
    "void(int,double*,double*)": GRAD,
}
_HELP = ("expected SciPy's low-level signatures: value 'double (int, double *, void *)' or "
         "'double (int, double *)'; gradient 'void (int, double *, double *, void *)' or "
         "'void (int, double *, double *)'")

cdef Py_ssize_t STACK_N = 32      # dimensions copied on the stack (larger ones: malloc per call)


# ---- (a) calling the pointers ---------------------------------------------------------------

cdef struct ll_data:
    void *value                   # the value function
    void *grad                    # the gradient function, or NULL
    void *value_user_data
    void *grad_user_data
    int value_kind
    int grad_kind
    void *starts                  # NULL, or the ll_data of each start (per-start user_data)


cdef inline void _call(const ll_data *d, int n, double *xc, double *f, double *g) noexcept nogil:
    if f != NULL:
        if d.value_kind == VALUE_UD:
            f[0] = (<ll_value_ud_fn>d.value)(n, xc, d.value_user_data)
        else:
            f[0] = (<ll_value_fn>d.value)(n, xc)
    if g != NULL:
        if d.grad_kind == GRAD_UD:
            (<ll_grad_ud_fn>d.grad)(n, xc, g, d.grad_user_data)
        else:
            (<ll_grad_fn>d.grad)(n, xc, g)


cdef int _ll_eval(void *ctx, Py_ssize_t n, const double *x, double *f, double *g) except -1 nogil:
    """gd_eval_fn of a low-level objective: pure C, never returns -1 (0, or the C error code 1
    when out of memory)."""
    cdef const ll_data *d = <const ll_data *>ctx
    cdef double stack[32]
    cdef double *xc = stack
    if n > STACK_N:
        xc = <double *>malloc(n * sizeof(double))
        if xc == NULL:
            return 1                       # a C error code: the run stops with status 5
    cdef Py_ssize_t i
    for i in range(n):                     # a plain loop: cheaper than memcpy for small n
        xc[i] = x[i]
    _call(d, <int>n, xc, f, NULL)
    if g != NULL:
        if f != NULL:                      # the value function may have written into its copy
            for i in range(n):
                xc[i] = x[i]
        _call(d, <int>n, xc, NULL, g)
    if xc != stack:
        free(xc)
    return 0


# ---- (b) finding the pointer and its signature ----------------------------------------------

def _normalize(sig):
    return sig.replace("const", "").replace(" ", "")


def is_low_level(obj):
    """Whether ``obj`` is a low-level function pointer gdfast can call."""
    return _kind_of_source(obj) is not None


def _kind_of_source(obj):
    if obj is None or isinstance(obj, (bool, str, bytes, Objective)):
        return None
    mod = type(obj).__module__ or ""
    if mod.startswith("scipy") and type(obj).__name__ == "LowLevelCallable":
        return "scipy"
    import ctypes
    if isinstance(obj, ctypes._CFuncPtr):
        return "ctypes"
    if mod.startswith("numba") and hasattr(obj, "address") and hasattr(obj, "ctypes"):
        return "numba"
    if mod == "_cffi_backend":
        return "cffi"
    return None


def _ctypes_signature(fp, what):
    import ctypes
    names = {ctypes.c_double: "double", ctypes.c_int: "int", ctypes.c_long: "long",
             ctypes.c_void_p: "void*", None: "void"}

    def name(t):
        if isinstance(t, type) and issubclass(t, ctypes._Pointer):
            return name(t._type_) + "*"
        return names[t]

    restype = getattr(fp, "restype", None)
    argtypes = getattr(fp, "argtypes", None)
    if argtypes is None:
        raise TypeError(f"{what}: the ctypes function pointer has no argtypes; {_HELP}")
    try:
        return f"{name(restype)}({','.join(name(t) for t in argtypes)})"
    except (KeyError, TypeError):
        raise TypeError(f"{what}: wrong signature: the ctypes function pointer has restype "
                        f"{restype!r} and argtypes {argtypes!r}; {_HELP}") from None


def _pointer_info(obj, what):
    """(address, user_data address, normalized signature, description) of a low-level callable."""
    source = _kind_of_source(obj)
    cdef object capsule
    cdef const char *name
    if source == "scipy":
        capsule = tuple.__getitem__(obj, 0)   # LowLevelCallable is a tuple (capsule, function, user_data)
        if not PyCapsule_CheckExact(capsule):
            raise TypeError(f"{what}: unsupported LowLevelCallable")
        name = PyCapsule_GetName(capsule)
        sig = name.decode() if name != NULL else ""
        address = <uintptr_t>PyCapsule_GetPointer(capsule, name)
        user_data = <uintptr_t>PyCapsule_GetContext(capsule)
        return address, user_data, _normalize(sig), f"LowLevelCallable with signature {sig!r}"
    if source == "numba":
        fp = obj.ctypes
        import ctypes
        return (ctypes.cast(fp, ctypes.c_void_p).value or 0, 0, _ctypes_signature(fp, what),
                "Numba cfunc")
    if source == "ctypes":
        import ctypes
        return (ctypes.cast(obj, ctypes.c_void_p).value or 0, 0, _ctypes_signature(obj, what),
                "ctypes function pointer")
    if source == "cffi":
        import cffi
        ffi = cffi.FFI()
        try:
            ctype = ffi.typeof(obj)
        except TypeError:
            raise TypeError(f"{what}: not a cffi function pointer") from None
        if ctype.kind != "function":
            raise TypeError(f"{what}: the cffi object is a {ctype.cname!r}, not a function "
                            f"pointer; {_HELP}")
        sig = ctype.cname.replace("(*)", "")
        return int(ffi.cast("uintptr_t", obj)), 0, _normalize(sig), \
            f"cffi function pointer {ctype.cname!r}"
    raise TypeError(f"{what} is not a low-level callable")


CALLBACK_SIGNATURE = "int (int, const double *, double, const double *, long, void *)"


def callback_pointer(obj):
    """``(address, user_data)`` of a compiled callback (``callback=`` of minimize, Descent and
    minimize_batch): a LowLevelCallable, ctypes, cffi or Numba cfunc pointer with the
    signature ``int cb(int n, const double *x, double f, const double *g, long nit,
    void *user_data)``, called inside the nogil loop; nonzero stops."""
    address, user_data, sig, desc = _pointer_info(obj, "callback")
    if sig != _normalize(CALLBACK_SIGNATURE):
        raise TypeError(f"callback: a {desc} must have the signature {CALLBACK_SIGNATURE!r}")
    if address == 0:
        raise ValueError("callback is a NULL function pointer")
    return address, user_data


# ---- (c) the objective ----------------------------------------------------------------------

cdef void *_ll_start_ctx(void *ctx, Py_ssize_t start) noexcept nogil:
    return &(<ll_data *>(<ll_data *>ctx).starts)[start]


cdef class LowLevelObjective(Objective):
    """An objective given by C function pointers (see the module docstring).

    ``LowLevelObjective(fun, jac=None, user_data_rows=None)``: ``fun`` a low-level value
    function, ``jac`` None or a low-level gradient function.  Without ``jac`` it has no
    gradient (``minimize`` then wraps it in finite differences computed in C, still without the
    GIL).  ``user_data_rows``, a float64 array (m, k) (``minimize_batch``): start i's calls get
    a pointer to row i as ``user_data`` (both functions must take one).  ``TypeError`` for a
    wrong signature, ``ValueError`` for a NULL pointer.
    """

    cdef ll_data data
    cdef readonly object fun
    cdef readonly object jac
    cdef object _rows

    def __cinit__(self, *args, **kwargs):
        self.data.starts = NULL

    def __dealloc__(self):
        free(self.data.starts)

    def __init__(self, fun, jac=None, user_data_rows=None):
        address, user_data, sig, desc = _pointer_info(fun, "fun")
        kind = _SIGNATURES.get(sig)
        if kind not in (VALUE_UD, VALUE):
            raise TypeError(f"fun: wrong signature for a value function ({desc}); {_HELP}")
        if address == 0:
            raise ValueError("fun is a NULL function pointer")
        self.data.value = <void *><uintptr_t>address
        self.data.value_user_data = <void *><uintptr_t>user_data
        self.data.value_kind = kind
        self.data.grad = NULL
        self.data.grad_user_data = NULL
        self.data.grad_kind = GRAD
        if jac is not None:
            address, user_data, sig, desc = _pointer_info(jac, "jac")
            kind = _SIGNATURES.get(sig)
            if kind not in (GRAD_UD, GRAD):
                raise TypeError(f"jac: wrong signature for a gradient function ({desc}); {_HELP}")
            if address == 0:
                raise ValueError("jac is a NULL function pointer")
            self.data.grad = <void *><uintptr_t>address
            self.data.grad_user_data = <void *><uintptr_t>user_data
            self.data.grad_kind = kind
        self.fun = fun            # keeps ctypes / cffi / numba objects (and user_data) alive
        self.jac = jac
        self.obj.eval = _ll_eval
        self.obj.ctx = <void *>&self.data
        self.obj.n = -1
        self.obj.has_gradient = jac is not None
        # value and gradient are separate calls: the loop asks for f only when a test or a
        # rule needs it (a diverging run is caught by its gradient, then gd_finish)
        self.obj.has_value_with_gradient = False
        self.obj.needs_gil = False
        self.obj.parallel_safe = True
        if user_data_rows is not None:
            self._per_start_user_data(user_data_rows)

    cdef int _per_start_user_data(self, rows) except -1:
        cdef const double[:, ::1] r = rows
        cdef Py_ssize_t i, m = r.shape[0]
        cdef ll_data *d
        if self.data.value_kind != VALUE_UD or (self.data.grad != NULL
                                                and self.data.grad_kind != GRAD_UD):
            raise TypeError("per-start args need low-level functions that take user_data "
                            "('double (int, double *, void *)', 'void (int, double *, "
                            "double *, void *)')")
        d = <ll_data *>malloc(m * sizeof(ll_data))
        if d == NULL:
            raise MemoryError()
        for i in range(m):
            d[i] = self.data
            d[i].value_user_data = <void *>&r[i, 0] if r.shape[1] > 0 else NULL
            d[i].grad_user_data = d[i].value_user_data
            d[i].starts = NULL
        self._rows = rows
        self.data.starts = d
        self.obj.n_starts = m
        self.obj.start_ctx = _ll_start_ctx
        return 0

    def __repr__(self):
        return f"LowLevelObjective(fun={self.fun!r}, jac={self.jac!r})"

