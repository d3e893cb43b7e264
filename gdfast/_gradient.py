"""``gradient`` and ``check_grad``: the finite-difference kernels from Python."""
from collections.abc import Callable
from typing import Any, Literal, overload

import numpy as np

from gdfast._adapt import fd_method_name, make_objective
from gdfast._typing import ArrayLike, Fun, Vector
from gdfast._validate import as_point

__all__ = ["gradient", "check_grad"]


@overload
def gradient(fun: Fun, x: ArrayLike, *, method: str = ..., step: ArrayLike | None = ...,
             args: tuple[Any, ...] = ..., vectorized: bool = ...,
             error: Literal[False] = ...) -> Vector: ...
@overload
def gradient(fun: Fun, x: ArrayLike, *, method: str = ..., step: ArrayLike | None = ...,
             args: tuple[Any, ...] = ..., vectorized: bool = ...,
             error: Literal[True]) -> tuple[Vector, Vector]: ...
def gradient(fun: Fun, x: ArrayLike, *, method: str = "central", step: ArrayLike | None = None,
             args: tuple[Any, ...] = (), vectorized: bool = False,
             error: bool = False) -> Vector | tuple[Vector, Vector]:
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
    error : bool
        Also return an estimate of each component's error, from the stencil, in the same
        Cython kernel.  The stencil gets one more point per coordinate (one-sided: x +- 2h)
        or two (central: x +- 2h; central4: x +- h/2), and::

            err_i = max(r_i, S / h_i) + eps * sum_k |c_k f(x_k)|,   r_i = |D(h) - D(s h)|

        where D(h) is the returned derivative, D(s h) the same formula with step 2h (h/2
        for central4), S the RMS over the components of r_i h_i and c_k the formula's
        coefficients.  r_i is the Richardson
        estimate of the truncation error (exact to leading order for the one-sided formulas
        and for central4 (15/16 of it); three times it for central: an upper estimate) and it
        carries the rounding noise of the f values at about the size of the derivative's own
        (so it grows with noise: an objective computed in float32, or measured); S / h_i is
        the same noise pooled over the components (the noise of f is the same along every
        coordinate), so that a component whose own difference is small by chance does not
        undershoot it; the last term is the rounding floor of a function computed to double precision (each value off by
        one ulp), which keeps the estimate honest where the difference is small by chance.
        ``g`` itself is the same as with ``error=False``.

    Returns
    -------
    ndarray, shape (n,)
        The gradient; with ``error=True`` the pair ``(g, err)``.  The true gradient is
        within ``g +- err`` (to a small factor; a single noisy difference can undershoot);
        where ``|g_i| <= err_i`` the component is indistinguishable from zero, the test of
        minimize's ``noise_stop``.  err_i is inf where a stencil value overflowed.

    Examples
    --------
    >>> gdfast.gradient(lambda v: 3*v[0]**2*v[1] + v[2]*v[1] - v[0], [1, 1, 1])
    array([5., 4., 1.])
    >>> g, err = gdfast.gradient(lambda v: np.sum(np.sin(v)), [0.5, 1.0], error=True)
    >>> bool(np.all(np.abs(g - np.cos([0.5, 1.0])) <= err)), bool(np.all(err < 1e-9))
    (True, True)
    """
    xx = as_point(x, "x")
    method = fd_method_name(method)
    if not isinstance(error, (bool, np.bool_)):
        raise TypeError(f"error must be True or False, got {type(error).__name__}")
    fd, _ = make_objective(fun, xx.shape[0], args=args, jac=method, vectorized=vectorized,
                           fd_step=step, point_name="x")
    if error:
        return fd.gradient_and_error(xx)
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
