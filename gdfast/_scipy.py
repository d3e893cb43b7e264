"""SciPy integration: ``scipy.optimize.minimize(fun, x0, method=gdfast.scipy_method, ...)``."""
import warnings
from collections.abc import Callable
from typing import Any

from gdfast._minimize import minimize
from gdfast._typing import ArrayLike, Fun, Jac

__all__ = ["scipy_method"]

# SciPy's option names -> gdfast's
_ALIASES = {"maxiter": "max_iter", "maxfev": "max_fev", "learning_rate": "lr"}


def scipy_method(fun: Fun, x0: ArrayLike, args: tuple[Any, ...] = (), jac: Jac = None,
                 hess: Any = None, hessp: Any = None, bounds: Any = None,
                 constraints: Any = (), callback: Callable[..., Any] | None = None,
                 **options: Any) -> Any:
    """Gradient descent as a SciPy custom method (``scipy.optimize.minimize``'s protocol).

    >>> from scipy.optimize import minimize, rosen, rosen_der
    >>> import gdfast
    >>> res = minimize(rosen, [0.0, 0.0], jac=rosen_der, method=gdfast.scipy_method,
    ...                options={"lr": 1e-3, "maxiter": 50_000})   # doctest: +SKIP

    ``options`` are :func:`gdfast.minimize`'s keyword arguments (``lr``, ``max_iter``,
    ``gtol``, ``ftol``, ``xtol``, ``max_fev``, ``callback_every``, ``history``, ``vectorized``,
    ``fd_step``), SciPy's ``maxiter`` / ``maxfev`` are accepted as aliases, and ``tol=`` of
    ``scipy.optimize.minimize`` sets ``gtol``.  ``fun`` may be anything ``gdfast.minimize``
    accepts (a built-in objective, a ``scipy.LowLevelCallable`` ...).  ``jac`` arrives from
    SciPy as a callable or None (None: central differences in C; SciPy turns its
    ``"2-point"`` / ``"3-point"`` into None for custom methods).  ``bounds`` are kept by
    projection, as in :func:`gdfast.minimize`; constraints are a ``ValueError``; ``hess`` /
    ``hessp`` are not used (a ``RuntimeWarning``).  ``disp`` is
    ignored.  Returns a real ``scipy.optimize.OptimizeResult``.
    """
    from scipy.optimize import OptimizeResult

    if constraints is not None and len(constraints) > 0:
        raise ValueError("gdfast.scipy_method does not support constraints")
    if hess is not None or hessp is not None:
        warnings.warn("gdfast.scipy_method does not use Hessian information (hess, hessp)",
                      RuntimeWarning, stacklevel=3)
    opts = {}
    for key, value in options.items():
        key = _ALIASES.get(key, key)
        if key in opts:
            raise TypeError(f"option {key!r} given twice (also under SciPy's name)")
        opts[key] = value
    tol = opts.pop("tol", None)
    if tol is not None:
        opts.setdefault("gtol", tol)
    opts.pop("disp", None)
    res = minimize(fun, x0, args=args, jac=jac, callback=callback, bounds=bounds, **opts)
    return OptimizeResult(dict(res))
