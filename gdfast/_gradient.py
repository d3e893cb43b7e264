"""``gradient`` and ``check_grad``: the finite-difference kernels from Python."""
from collections.abc import Callable
from typing import Any

import numpy as np

from gdfast._adapt import fd_method_name, make_objective
from gdfast._typing import ArrayLike, Fun, Vector
from gdfast._validate import as_point

__all__ = ["gradient", "check_grad"]


def gradient(fun: Fun, x: ArrayLike, *, method: str = "central", step: ArrayLike | None = None,
             args: tuple[Any, ...] = (), vectorized: bool = False) -> Vector:
    """The gradient of ``fun`` at ``x`` by finite differences, computed in Cython.

    Parameters
    ----------
    fun : callable ``fun(x, *args) -> float`` or a ``gdfast.objectives`` Objective
        With ``vectorized=True``, ``fun(X, *args)`` takes an (m, n) array of points and returns
        m values, and the whole stencil costs one call.
    x : array_like, shape (n,)
        The point (not modified).
    method : {"central", "forward", "backward", "central4"}
        central: (f(x+h) - f(x-h)) / 2h, error O(h^2); forward / backward: one-sided, O(h);
        central4: the 5-point formula, O(h^4).  SciPy's "2-point" and "3-point" also work.
    step : None, float or array_like of shape (n,)
        Absolute step(s).  Default: eps^(1/2) (one-sided), eps^(1/3) (central) or eps^(1/5)
        (central4) times ``max(1, |x_i|)``, rounded so that x_i + h_i is exact.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> gdfast.gradient(lambda v: 3*v[0]**2*v[1] + v[2]*v[1] - v[0], [1, 1, 1])
    array([5., 4., 1.])
    """
    xx = as_point(x, "x")
    method = fd_method_name(method)
    fd, _ = make_objective(fun, xx.shape[0], args=args, jac=method, vectorized=vectorized,
                           fd_step=step, point_name="x")
    return fd._gradient(xx, False, True)[1]          # xx is validated: not again


def check_grad(fun: Fun, jac: Callable[..., ArrayLike], x: ArrayLike, *args: Any,
               method: str = "central", step: ArrayLike | None = None) -> float:
    """The 2-norm of ``jac(x, *args) - gradient(fun, x)``, as SciPy's ``check_grad``.

    A value near zero (relative to the gradient's size) means ``jac`` is right.
    """
    xx = as_point(x, "x")
    if not callable(jac):
        raise TypeError(f"jac must be callable, got {type(jac).__name__}")
    g = np.asarray(jac(xx.copy(), *args))
    if g.dtype.kind not in "biuf":
        raise TypeError(f"jac must return real numbers, got dtype {g.dtype}")
    if g.shape != xx.shape:
        raise ValueError(f"jac must return an array of shape {xx.shape}, got shape {g.shape}")
    fd = gradient(fun, xx, method=method, step=step, args=args)
    return float(np.sqrt(np.sum((g - fd) ** 2)))
