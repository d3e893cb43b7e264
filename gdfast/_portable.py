"""Objectives that travel between processes (``pickle``, ``gdfast.dask``).

Built-in objectives, optimizer and step-rule objects pickle as they are, and Python callables
travel through cloudpickle.  A low-level function pointer is an address in one process only,
so it travels as a spec that the receiving process turns back into a pointer:

* :class:`SharedLibrary`: a shared library's path and the names of its value and gradient
  functions, loaded with ``ctypes`` where it runs;
* :class:`NumbaCFunc`: a Numba ``@cfunc``'s Python function and signature, compiled again
  where it runs (:func:`portable` makes one from a ``cfunc``).

Both are accepted as ``fun`` wherever a low-level pointer is (``minimize``,
``minimize_batch``, ``gradient``, ``landscape``), in this process too.  Each process resolves
a spec once and keeps the pointers.
"""
import os
import threading

__all__ = ["SharedLibrary", "NumbaCFunc", "portable"]

_SIGNATURES = {True: ("double (int, double *, void *)", "void (int, double *, double *, void *)"),
               False: ("double (int, double *)", "void (int, double *, double *)")}


class _Spec:
    """A low-level objective named so that another process can re-create it: ``resolve()``
    gives ``(fun, jac)`` pointers, made once per process and kept."""

    def __init__(self):
        self._lock = threading.Lock()
        self._resolved = None

    def resolve(self):
        with self._lock:
            if self._resolved is None:
                self._resolved = self._make()
            return self._resolved

    def _make(self):
        raise NotImplementedError

    def _key(self):
        raise NotImplementedError

    def __getstate__(self):
        return self._key()

    def __setstate__(self, key):
        self.__init__(*key)

    def __eq__(self, other):
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self):
        return hash((type(self), self._key()))


class SharedLibrary(_Spec):
    """A value function (and optionally its gradient) exported by a shared library, with
    SciPy's low-level signatures::

        double fun(int n, double *x, void *user_data)
        void   jac(int n, double *x, double *grad, void *user_data)

    (``user_data=False``: the same without the last argument).  ``path`` is opened with
    ``ctypes.CDLL`` by each process that runs it, so on a cluster it must name the library on
    every worker.  ``fun`` and ``jac`` are symbol names.  With per-start ``args`` in
    ``minimize_batch``, ``user_data`` points at the start's row.
    """

    def __init__(self, path, fun, jac=None, user_data=True):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or path-like, got {type(path).__name__}")
        for name, value in (("fun", fun), ("jac", jac)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a symbol name (str), got "
                                f"{type(value).__name__}")
        if fun is None:
            raise TypeError("fun must be a symbol name (str), got None")
        if not isinstance(user_data, bool):
            raise TypeError(f"user_data must be True or False, got {user_data!r}")
        self.path = os.fspath(path)
        self.fun = fun
        self.jac = jac
        self.user_data = user_data
        super().__init__()

    def _key(self):
        return self.path, self.fun, self.jac, self.user_data

    def _make(self):
        import ctypes
        try:
            lib = ctypes.CDLL(self.path)
        except OSError as exc:
            raise OSError(f"SharedLibrary: cannot load {self.path!r}: {exc}") from exc
        dp = ctypes.POINTER(ctypes.c_double)
        extra = [ctypes.c_void_p] if self.user_data else []
        kinds = ((self.fun, ctypes.c_double, [ctypes.c_int, dp]),
                 (self.jac, None, [ctypes.c_int, dp, dp]))
        out = []
        for symbol, restype, argtypes in kinds:
            if symbol is None:
                out.append(None)
                continue
            try:
                address = ctypes.cast(getattr(lib, symbol), ctypes.c_void_p).value
            except AttributeError:
                raise AttributeError(f"SharedLibrary: {self.path!r} has no symbol "
                                     f"{symbol!r}") from None
            out.append(ctypes.CFUNCTYPE(restype, *argtypes, *extra)(address))
        return out[0], out[1], lib          # the library kept with its pointers

    def __repr__(self):
        return (f"SharedLibrary({self.path!r}, {self.fun!r}, jac={self.jac!r}, "
                f"user_data={self.user_data})")


class NumbaCFunc(_Spec):
    """A Numba ``@cfunc`` as its Python function and signature (and optionally a gradient
    ``@cfunc`` likewise), compiled with ``numba.cfunc`` by each process that runs it."""

    def __init__(self, pyfunc, signature, jac_pyfunc=None, jac_signature=None):
        if not callable(pyfunc):
            raise TypeError(f"pyfunc must be callable, got {type(pyfunc).__name__}")
        if (jac_pyfunc is None) != (jac_signature is None):
            raise TypeError("give both jac_pyfunc and jac_signature, or neither")
        self.pyfunc = pyfunc
        self.signature = signature
        self.jac_pyfunc = jac_pyfunc
        self.jac_signature = jac_signature
        super().__init__()

    def _key(self):
        return self.pyfunc, self.signature, self.jac_pyfunc, self.jac_signature

    def __eq__(self, other):          # the functions' code, so that a copy unpickled is equal
        return type(other) is type(self) and _code(other) == _code(self)

    def __hash__(self):
        return hash((type(self), _code(self)))

    def _make(self):
        try:
            import numba
        except ImportError as exc:
            raise ImportError("NumbaCFunc needs Numba on every process that runs it: "
                              "pip install 'gdfast[numba]'") from exc
        fun = numba.cfunc(self.signature)(self.pyfunc)
        jac = (None if self.jac_pyfunc is None
               else numba.cfunc(self.jac_signature)(self.jac_pyfunc))
        return fun, jac, None

    def __repr__(self):
        return f"NumbaCFunc({getattr(self.pyfunc, '__name__', self.pyfunc)!r}, {self.signature})"


def _code(spec):
    return tuple(None if f is None else getattr(f, "__code__", f) for f in
                 (spec.pyfunc, spec.jac_pyfunc)) + (str(spec.signature),
                                                    str(spec.jac_signature))


def _is_numba_cfunc(obj):
    return (type(obj).__module__ or "").startswith("numba") and hasattr(obj, "_pyfunc") \
        and hasattr(obj, "_sig")


def portable(fun, jac=None, name="fun"):
    """``(fun, jac)`` in a form that pickles into another process: a Numba ``@cfunc`` becomes a
    :class:`NumbaCFunc` (``jac`` with it), any other raw function pointer is a TypeError, and
    everything else is returned as it is."""
    from gdfast._lowlevel import is_low_level
    if _is_numba_cfunc(fun):
        if isinstance(jac, str):            # a finite-difference method: it travels as it is
            return NumbaCFunc(fun._pyfunc, fun._sig), jac
        if jac is not None and not _is_numba_cfunc(jac):
            raise TypeError("jac must be a Numba cfunc too when fun is one (or None, or a "
                            "finite-difference method name)")
        return (NumbaCFunc(fun._pyfunc, fun._sig,
                           None if jac is None else jac._pyfunc,
                           None if jac is None else jac._sig), None)
    for what, value in ((name, fun), ("jac", jac)):
        if is_low_level(value):
            raise TypeError(
                f"{what} is a raw function pointer ({type(value).__name__}), an address valid "
                "in this process only, so it cannot be sent to other processes: pass "
                "gdfast.dask.SharedLibrary(path, symbol, jac_symbol) to have each worker load "
                "it, or a Numba @cfunc, which each worker compiles again")
    return fun, jac
