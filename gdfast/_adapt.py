"""Turn what the user passes as ``fun`` / ``jac`` into one ``Objective`` for the C loop."""
import numpy as np

from gdfast._objective import Objective, PythonObjective
from gdfast._fdiff import FiniteDifference, METHODS, check_gradient
from gdfast._lowlevel import LowLevelObjective, is_low_level
from gdfast._portable import _Spec
from gdfast._validate import nonneg_float

__all__ = ["FD_METHODS", "make_objective", "value_objective", "fd_method_name",
           "check_gradient_tol", "check_objective_gradient", "CHECK_GRADIENT_RTOL"]

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
                   point_name="x0", n_starts=0, noise_stop=False):
    """Return ``(objective, fd)``: the Objective the loop runs on, and the FiniteDifference
    wrapper inside it (or None) whose ``nfev`` counts stencil evaluations.

    ``jac``: None (the objective's own gradient if it has one, else central differences),
    a finite-difference method name, True (``fun`` returns ``(f, g)``) or a callable.

    ``fun`` may also be a low-level function pointer (``scipy.LowLevelCallable``, ctypes, cffi,
    Numba ``cfunc``; see ``gdfast._lowlevel``), and ``jac`` then a low-level gradient pointer.

    ``n_starts`` > 0 (minimize_batch's m): ``args`` may hold data per start (``per_start_args``).
    Otherwise an objective holding per-start data is refused.

    ``noise_stop``: the finite-difference objective estimates each gradient's error and
    publishes its noise verdict, per start (minimize's ``noise_stop``); a ValueError when the
    gradient is not finite differences.
    """
    base, jac = _base_objective(fun, n, args, jac, vectorized, point_name, n_starts)
    if jac is None and base.has_gradient or jac is True or callable(jac):
        if fd_step is not None:
            raise ValueError("fd_step only applies to finite-difference gradients")
        if noise_stop:
            raise ValueError("noise_stop only applies to finite-difference gradients (jac a "
                             "method name, or None with a function without its own gradient)")
        return base, None
    method = "central" if jac is None else fd_method_name(jac, "jac")
    fd = FiniteDifference(base, n, method, fd_step, noise_stop, n_starts if noise_stop else 0)
    return fd, fd


#: check_gradient=True's tolerance, relative to max(1, |g_i|)
CHECK_GRADIENT_RTOL = 1e-6


def check_gradient_tol(value):
    """minimize's ``check_gradient``: None (off) or the relative tolerance (True:
    CHECK_GRADIENT_RTOL).  A TypeError for other types than bool and real numbers, a
    ValueError for a negative or NaN tolerance."""
    if isinstance(value, (bool, np.bool_)):
        return CHECK_GRADIENT_RTOL if value else None
    try:
        return nonneg_float(value, "check_gradient")
    except TypeError:
        raise TypeError(f"check_gradient must be True, False or a relative tolerance "
                        f"(a float >= 0), got {type(value).__name__}") from None


def check_objective_gradient(objective, fd, x, rtol, start=0, point_name="x0"):
    """check_gradient: the objective's own gradient at x against central differences (a
    ValueError naming the worst component when they disagree)."""
    if fd is not None:
        raise ValueError("check_gradient needs an analytic gradient to check (jac a callable "
                         "or True, or an objective with its own gradient); this run's "
                         "gradient is finite differences already")
    check_gradient(objective, x, rtol, start, point_name)


def value_objective(fun, n, *, args=(), vectorized=False, point_name="x0"):
    """The Objective whose values a grid (gdfast.landscape) evaluates: what
    ``make_objective`` wraps, without a gradient."""
    return _base_objective(fun, n, args, None, vectorized, point_name, 0)[0]


def per_start_args(args, m, name="args"):
    """Check the per-start convention of minimize_batch's ``args`` (that of SciPy's
    elementwise solvers): a NumPy array whose first dimension is m has a row per start; one
    whose first dimension is 1 is shared (it broadcasts); any other array is a ValueError.
    Other arguments are shared."""
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray) and a.ndim >= 1 and a.shape[0] not in (m, 1):
            raise ValueError(f"{name}[{k}] has shape {a.shape}: an array argument must have a "
                             f"first dimension of {m} (a row per start of X0) or 1 (shared)")
    return args


def _base_objective(fun, n, args, jac, vectorized, point_name, n_starts):
    """``(objective, jac)``: ``fun`` as an Objective (a Python callable's adapter carries
    ``jac`` when it is True or a callable), and what of ``jac`` is left for finite
    differences (None or a method name)."""
    if not isinstance(args, tuple):
        args = (args,)
    if isinstance(fun, _Spec):              # SharedLibrary, NumbaCFunc: their pointers here
        if jac is not None and not isinstance(jac, str):
            raise TypeError(f"with fun a {type(fun).__name__}, jac must be None (its own "
                            "gradient, else finite differences) or a finite-difference "
                            "method name")
        fun, own_jac, _ = fun.resolve()
        if jac is None:
            jac = own_jac
    if is_low_level(jac) and not is_low_level(fun):
        raise TypeError("jac is a low-level function pointer: fun must be one too")
    if n_starts > 0:
        per_start_args(args, n_starts)
    rows = None
    if is_low_level(fun):
        if args and n_starts > 0:       # per start: a pointer to its row as user_data
            rows = np.asarray(args[0]) if len(args) == 1 else None
            if rows is None or rows.ndim < 1 or rows.shape[0] != n_starts:
                raise ValueError(f"args for a low-level function must be one array with a "
                                 f"row per start ({n_starts} rows): its row is the start's "
                                 "user_data")
            if rows.dtype.kind not in "biuf":
                raise TypeError(f"args[0] must be real numbers, got dtype {rows.dtype}")
            rows = np.ascontiguousarray(rows.reshape(n_starts, -1), dtype=np.float64)
        elif args:
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
        fun = LowLevelObjective(fun, low_jac, rows)
        if low_jac is not None:
            jac = None
    if isinstance(fun, Objective):
        if args and rows is None:
            raise ValueError("args cannot be used with a gdfast Objective")
        if fun.n_starts and fun.n_starts != n_starts:
            raise ValueError(
                f"fun holds data for {fun.n_starts} starts (a row per start): "
                + (f"X0 must have {fun.n_starts} rows, got {n_starts}" if n_starts else
                   "use minimize_batch with that many starts"))
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
        return PythonObjective(fun, args, jac, vectorized, n_starts), jac
    if jac is not None and not isinstance(jac, str):
        raise TypeError(f"jac must be None, True, a callable or a finite-difference "
                        f"method name, got {type(jac).__name__}")
    return PythonObjective(fun, args, None, vectorized, n_starts), jac
