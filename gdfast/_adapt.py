"""Turn what the user passes as ``fun`` / ``jac`` into one ``Objective`` for the C loop."""
from gdfast._objective import Objective, PythonObjective
from gdfast._fdiff import FiniteDifference, METHODS
from gdfast._lowlevel import LowLevelObjective, is_low_level

__all__ = ["FD_METHODS", "make_objective", "value_objective", "fd_method_name"]

FD_METHODS = tuple(METHODS)
# SciPy's names for the same formulas
_SCIPY_NAMES = {"2-point": "forward", "3-point": "central"}


def fd_method_name(method, name="method"):
    """The canonical finite-difference method name, or a ValueError naming the argument."""
    if isinstance(method, str):
        method = _SCIPY_NAMES.get(method, method)
        if method in METHODS:
            return method
    raise ValueError(f"unknown {name} {method!r}; expected one of "
                     f"{', '.join(map(repr, FD_METHODS + tuple(_SCIPY_NAMES)))}")


def make_objective(fun, n, *, args=(), jac=None, vectorized=False, fd_step=None,
                   point_name="x0"):
    """Return ``(objective, fd)``: the Objective the loop runs on, and the FiniteDifference
    wrapper inside it (or None) whose ``nfev`` counts stencil evaluations.

    ``jac``: None (the objective's own gradient if it has one, else central differences),
    a finite-difference method name, True (``fun`` returns ``(f, g)``) or a callable.

    ``fun`` may also be a low-level function pointer (``scipy.LowLevelCallable``, ctypes, cffi,
    Numba ``cfunc``; see ``gdfast._lowlevel``), and ``jac`` then a low-level gradient pointer.
    """
    base, jac = _base_objective(fun, n, args, jac, vectorized, point_name)
    if jac is None and base.has_gradient or jac is True or callable(jac):
        if fd_step is not None:
            raise ValueError("fd_step only applies to finite-difference gradients")
        return base, None
    method = "central" if jac is None else fd_method_name(jac, "jac")
    fd = FiniteDifference(base, n, method, fd_step)
    return fd, fd


def value_objective(fun, n, *, args=(), vectorized=False, point_name="x0"):
    """The Objective whose values a grid (gdfast.landscape) evaluates: what
    ``make_objective`` wraps, without a gradient."""
    return _base_objective(fun, n, args, None, vectorized, point_name)[0]


def _base_objective(fun, n, args, jac, vectorized, point_name):
    """``(objective, jac)``: ``fun`` as an Objective (a Python callable's adapter carries
    ``jac`` when it is True or a callable), and what of ``jac`` is left for finite
    differences (None or a method name)."""
    if not isinstance(args, tuple):
        args = (args,)
    if is_low_level(jac) and not is_low_level(fun):
        raise TypeError("jac is a low-level function pointer: fun must be one too")
    if is_low_level(fun):
        if args:
            raise ValueError("args cannot be used with a low-level function pointer "
                             "(pass user_data through scipy.LowLevelCallable instead)")
        if vectorized:
            raise ValueError("vectorized=True does not apply to a low-level function pointer")
        if n > 2 ** 31 - 1:
            raise ValueError(f"{point_name} is too long for a low-level function "
                             "(its n is a C int)")
        if jac is True or (callable(jac) and not is_low_level(jac)):
            raise TypeError("with a low-level fun, jac must be None, a finite-difference "
                            "method name or a low-level gradient function pointer")
        low_jac = jac if is_low_level(jac) else None
        fun = LowLevelObjective(fun, low_jac)
        if low_jac is not None:
            jac = None
    if isinstance(fun, Objective):
        if args:
            raise ValueError("args cannot be used with a gdfast Objective")
        if fun.n is not None and fun.n != n:
            raise ValueError(f"{point_name} must have length {fun.n} for "
                             f"{type(fun).__name__}, got length {n}")
        if jac is True or callable(jac):
            raise ValueError("jac must be None or a finite-difference method name when fun "
                             "is a gdfast Objective (it has its own gradient)")
        return fun, jac
    if not callable(fun):
        raise TypeError(f"fun must be callable, got {type(fun).__name__}")
    if jac is True or callable(jac):
        return PythonObjective(fun, args, jac, vectorized), jac
    if jac is not None and not isinstance(jac, str):
        raise TypeError(f"jac must be None, True, a callable or a finite-difference "
                        f"method name, got {type(jac).__name__}")
    return PythonObjective(fun, args, None, vectorized), jac
