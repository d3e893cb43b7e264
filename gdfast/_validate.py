"""Input validation: every check and its message, made with the GIL before the first
objective call (gdfast._config takes the common cases, a float64 array or a float, on fast
paths of its own that fall back to these).

Each function names the argument it checks in its error message, raises ``TypeError`` for a
wrong type and ``ValueError`` for a wrong value or shape, and returns a fresh float64 array
that shares memory with nothing of the caller's.
"""
import math
import numbers

import numpy as np


MAX_COUNT = 2 ** 62         # "unlimited" for counts that C stores as Py_ssize_t

__all__ = ["as_point", "as_vector", "as_matrix", "as_real_array", "as_bounds", "positive_float",
           "nonneg_float", "nonneg_int", "positive_int", "choice"]


_F64 = np.dtype(np.float64)


def as_real_array(value, name):
    """``value`` as a float64 ndarray (a new one), rejecting complex, object and strings."""
    if type(value) is np.ndarray and value.dtype is _F64:      # the common case, ~0.1 us
        return value.copy(order="C")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array: {exc}") from exc
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    return np.array(arr, dtype=np.float64, order="C", copy=True)


def as_vector(value, name, *, allow_empty=False):
    """A finite 1-D float64 copy of ``value``."""
    arr = as_real_array(value, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {arr.shape}")
    if arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_point(value, name="x0"):
    """A point in R^n: finite, 1-D, non-empty; always a new array."""
    if type(value) is np.ndarray:
        return as_vector(value, name)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        raise ValueError(f"{name} must be 1-D, got a scalar; use [{value!r}]")
    return as_vector(value, name)


def as_matrix(value, name):
    """A finite, non-empty, C-contiguous 2-D float64 copy of ``value``."""
    arr = as_real_array(value, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _real(value, name):
    """``value`` as a float, not NaN: a real number (bool excluded) or a 0-d real array."""
    t = type(value)
    if t is float or t is int:            # the common cases, without the numbers.Real ABC check
        value = float(value)
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
            value = float(value)
        else:
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    else:
        value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return value


def positive_float(value, name, *, finite=True):
    """A float > 0 (finite unless ``finite=False``)."""
    value = _real(value, name)
    if not value > 0 or (finite and math.isinf(value)):
        raise ValueError(f"{name} must be {'finite and ' if finite else ''}> 0, got {value!r}")
    return value


def nonneg_float(value, name):
    """A float >= 0 (inf allowed: a tolerance of inf always passes)."""
    value = _real(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def _int(value, name):
    """``value`` as an int: an integer (bool excluded)."""
    if type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    return int(value)


def nonneg_int(value, name):
    """An int >= 0."""
    value = _int(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def positive_int(value, name):
    """An int >= 1."""
    value = _int(value, name)
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def choice(value, name, options):
    """``value`` if it is one of ``options`` (strings), else a ValueError listing them."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(map(repr, options))}")
    return value


def as_bounds(bounds, n):
    """(lb, ub) as float64 arrays of length n.  Accepted: an object with ``lb`` and ``ub``
    (``scipy.optimize.Bounds``); a pair (lb, ub) of scalars or arrays; or, for n != 2, SciPy's
    n pairs (min, max) with None for no bound.  For n == 2 a pair is always (lb, ub)."""
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lb, ub = bounds.lb, bounds.ub
    elif isinstance(bounds, (list, tuple)) and len(bounds) == 2:
        lb, ub = bounds
    elif isinstance(bounds, (list, tuple)) and len(bounds) == n and all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in bounds):
        lb = [-np.inf if p[0] is None else p[0] for p in bounds]
        ub = [np.inf if p[1] is None else p[1] for p in bounds]
    else:
        raise ValueError(f"bounds must be (lb, ub), an object with lb and ub, or {n} pairs "
                         "(min, max)")
    out = []
    for value, name, fill in ((lb, "bounds lb", -np.inf), (ub, "bounds ub", np.inf)):
        arr = as_real_array(fill if value is None else value, name)
        if arr.ndim == 0:
            arr = np.full(n, float(arr))
        if arr.shape != (n,):
            raise ValueError(f"{name} must have length {n} (that of x0), got shape {arr.shape}")
        if np.any(np.isnan(arr)):
            raise ValueError(f"{name} must not contain NaN")
        out.append(np.ascontiguousarray(arr))
    if np.any(out[0] > out[1]):
        raise ValueError("bounds are inconsistent: lb > ub for some coordinate")
    return out[0], out[1]


def group_sizes(groups, n, what="x"):
    """``groups=`` given as sizes: a sequence of ints >= 1 adding up to n (``what``: the
    vector's name, for the message), as a list of ints."""
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise TypeError(f"groups must be a sequence of sizes, got {type(groups).__name__}")
    sizes = list(groups)
    if not sizes:
        raise ValueError("groups must not be empty")
    for k, g in enumerate(sizes):
        if isinstance(g, bool) or not isinstance(g, (int, np.integer)):
            raise TypeError(f"groups must be all sizes (int), groups[{k}] is "
                            f"{type(g).__name__}")
        if g < 1:
            raise ValueError(f"groups[{k}] must be a size >= 1, got {g}")
    total = sum(int(g) for g in sizes)
    if total != n:
        raise ValueError(f"the group sizes must add up to the length of {what} ({n}), they "
                         f"add up to {total}")
    return [int(g) for g in sizes]
