"""``minimize``: validate, configure, run the compiled loop, wrap the result."""
import inspect

import numpy as np

from gdfast import _descent
from gdfast._descent import Status
from gdfast._adapt import make_objective
from gdfast._result import History, OptimizeResult
from gdfast._validate import (as_point, choice, nonneg_float, nonneg_int, positive_float,
                              positive_int)

__all__ = ["minimize", "METHODS"]

METHODS = ("gd",)
_MAX_COUNT = 2 ** 62          # "unlimited" for counts that C stores as Py_ssize_t


def minimize(fun, x0, args=(), *, jac=None, method="gd", lr=0.01, max_iter=10_000,
             gtol=1e-5, ftol=0.0, xtol=0.0, max_fev=None, callback=None, callback_every=1,
             history=False, vectorized=False, fd_step=None):
    """Minimize ``fun`` by gradient descent from ``x0``: x_k = x_{k-1} - lr * grad f(x_{k-1}).

    Parameters
    ----------
    fun : callable ``fun(x, *args) -> float``, or a ``gdfast.objectives`` Objective
        A Python callable gets a fresh 1-D float64 array each call.  Built-in objectives run
        entirely in C with the GIL released.
    x0 : array_like, shape (n,)
        The starting point (a best guess, or a random point).  Never modified.
    args : tuple
        Extra arguments passed to ``fun`` (and ``jac``).
    jac : None, str, True or callable
        As in SciPy: a callable ``jac(x, *args) -> array (n,)``; ``True`` if ``fun`` returns
        ``(f, g)``; a finite-difference method ("central", "forward", "backward", "central4",
        or SciPy's "2-point" / "3-point") computed in Cython; ``None``: the objective's own
        gradient when it has one (built-in objectives), central differences otherwise.
    method : "gd"
        The update rule: plain gradient descent.
    lr : float > 0
        The step size gamma (learning rate).
    max_iter : int >= 0
        Iterations at most (status 1 when reached).
    gtol : float >= 0
        Stop (status 0) when max_i |grad_i f(x)| <= gtol.
    ftol : float >= 0
        Stop (status 0) when a step decreases f by at most ftol * max(|f_prev|, |f|, 1)
        (SciPy's L-BFGS-B test; an increase never counts).  Evaluates f at every iterate.
    xtol : float >= 0
        Stop (status 0) when a step moves no coordinate by more than xtol.
        A tolerance of 0 turns its test off: with all three 0 a run takes exactly ``max_iter``
        steps (unless f or its gradient stops being finite).
    max_fev : int >= 1 or None
        Stop (status 6) once this many function evaluations have been made.
    callback : callable, optional
        Called every ``callback_every`` iterations as ``callback(intermediate_result)``, an
        :class:`OptimizeResult` with fresh ``x``, ``fun``, ``jac`` and ``nit``.  (A callback
        whose first parameter is named ``xk`` gets ``callback(xk)``, SciPy's legacy form.)
        Returning True or raising ``StopIteration`` stops the run (status 99); any other
        exception reaches the caller unchanged.
    history : bool
        Record every iterate: ``result.history.x`` (nit + 1, n), ``.fun``, ``.gnorm``.
    vectorized : bool
        ``fun(X, *args)`` takes an (m, n) array and returns m values: a finite-difference
        stencil then costs one Python call.
    fd_step : None, float or array_like
        Absolute finite-difference step(s); see :func:`gdfast.gradient`.

    Returns
    -------
    OptimizeResult
        x, fun, jac, nit, nfev, njev, status, success, message (and history).  ``x`` is the
        last iterate at which f and its gradient were finite.

    Raises
    ------
    ValueError, TypeError
        Invalid input, named in the message; also when f or its gradient is not finite at x0.
    """
    x = as_point(x0, "x0")
    choice(method, "method", METHODS)
    options = {
        "lr": positive_float(lr, "lr"),
        "max_iter": min(nonneg_int(max_iter, "max_iter"), _MAX_COUNT),
        "max_fev": 0 if max_fev is None else min(positive_int(max_fev, "max_fev"), _MAX_COUNT),
        "gtol": nonneg_float(gtol, "gtol"),
        "ftol": nonneg_float(ftol, "ftol"),
        "xtol": nonneg_float(xtol, "xtol"),
        "callback_every": min(positive_int(callback_every, "callback_every"), _MAX_COUNT),
        "history": bool(history),
    }
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    objective, _ = make_objective(fun, x.shape[0], args=args, jac=jac,
                                   vectorized=vectorized, fd_step=fd_step)
    raw = _descent.run(objective, x, options,
                       None if callback is None else _adapt_callback(callback))
    status = raw["status"]
    if raw["failed_at_x0"] and status in (Status.NONFINITE, Status.DIVERGED):
        raise ValueError(f"fun or its gradient is not finite at x0 (f(x0) = {raw['fun']!r}); "
                         "choose another x0")
    message = _descent.MESSAGES[status]
    if status == Status.CONVERGED and raw["stop_test"]:
        message += f" ({raw['stop_test']} test passed)"
    if status == Status.OBJECTIVE_ERROR:
        message += f" (code {raw['error_code']})"
    res = OptimizeResult(
        x=raw["x"], fun=raw["fun"], jac=raw["jac"], nit=raw["nit"],
        nfev=raw["nfev"], njev=raw["njev"],
        status=status, success=status == Status.CONVERGED, message=message)
    if history:
        res.history = History(*raw["history"])
    return res


def _adapt_callback(callback):
    """A ``(nit, x, f, g) -> bool`` function for the loop, following SciPy's conventions."""
    legacy = _first_parameter(callback) == "xk"

    def adapted(nit, x, f, g):
        try:
            if legacy:
                answer = callback(x)
            else:
                answer = callback(OptimizeResult(x=x, fun=f, jac=g, nit=nit))
        except StopIteration:
            return True
        return answer is True or answer is np.True_

    return adapted


def _first_parameter(fn):
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return None
    return params[0] if params else None
