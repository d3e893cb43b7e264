"""``minimize``: validate, configure, run the compiled loop, wrap the result."""
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from gdfast import _descent
from gdfast._descent import Status
from gdfast._adapt import make_objective
from gdfast._result import History, OptimizeResult
from gdfast._typing import ArrayLike, Bounds, Fun, Jac, Method, StepRule
from gdfast import optimizers
from gdfast._validate import (MAX_COUNT as _MAX_COUNT, as_matrix, as_point, as_real_array,
                              nonneg_float, nonneg_int, positive_float, positive_int)

__all__ = ["minimize"]



def minimize(fun: Fun, x0: ArrayLike, args: tuple[Any, ...] = (), *, jac: Jac = None,
             method: Method = "gd", lr: float | None = None, max_iter: int = 10_000,
             gtol: float = 1e-5, ftol: float = 0.0, xtol: float = 0.0,
             max_fev: int | None = None, callback: Callable[..., Any] | None = None,
             callback_every: int = 1, history: bool = False, vectorized: bool = False,
             fd_step: ArrayLike | None = None, step_rule: StepRule = None,
             options: dict[str, Any] | None = None, bounds: Bounds = None,
             clip_norm: float | None = None, clip_value: float | None = None,
             maximize: bool | None = None,
             state: dict[str, Any] | None = None) -> OptimizeResult:
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
    method : str or an update-rule object from ``gdfast.optimizers``
        "gd" (the lecture's rule; "sgd" is the same), "momentum", "nesterov", "adam", "adamw",
        "amsgrad", "rmsprop", "adagrad", or an object such as ``gdfast.Adam(betas=(0.9, 0.99))``
        (torch.optim's formulas and defaults).
    lr : float > 0 or None
        The step size gamma (learning rate); for line searches the first trial step.  None:
        the rule's own lr or its default (0.01 for gd, 1e-3 for Adam, as torch).
    step_rule : None, str, step-rule object or array of rates
        None / "fixed" (constant lr), a schedule (``gdfast.ExponentialLR(0.99)``, ...),
        "armijo" / ``gdfast.Armijo(...)``, "wolfe" / ``gdfast.StrongWolfe(...)``,
        "bb" / ``gdfast.BarzilaiBorwein(variant=1)``, or one rate per iteration.
    options : dict
        Keyword arguments of the update rule named by ``method`` (e.g. ``{"momentum": 0.5}``).
    bounds : (lb, ub), an object with ``lb`` / ``ub`` (``scipy.optimize.Bounds``) or n pairs
        Box bounds, kept by projecting every step; x0 is clipped into them and the gtol test
        uses the projected gradient.  None entries / +-inf mean unbounded.
    clip_norm, clip_value : float > 0
        Clip the gradient to this 2-norm (torch's ``clip_grad_norm_``) or to [-v, v] before the
        update rule sees it.
    maximize : bool
        Ascend instead (torch's ``maximize``); the rule's own flag otherwise.
    state : dict
        ``result.state`` of an earlier run with the same method: continue it (moments, step
        count, Barzilai-Borwein step) from ``x0 = result.x``.
    max_iter : int >= 0
        Iterations at most (status 1 when reached).
    gtol : float >= 0
        Stop (status 0) when ``max_i |grad_i f(x)| <= gtol``.
    ftol : float >= 0
        Stop (status 0) when a step decreases f by at most ``ftol * max(|f_prev|, |f|, 1)``
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
        x, fun, jac, nit, nfev, njev, status, success, message (and history, and ``state``
        for rules other than plain fixed-step gd).  ``x`` is the last iterate at which f and
        its gradient were finite.

    Raises
    ------
    ValueError, TypeError
        Invalid input, named in the message; also when f or its gradient is not finite at x0.
    """
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    x, objective, options = configure(
        fun, x0, args, jac=jac, method=method, lr=lr, max_iter=max_iter, gtol=gtol, ftol=ftol,
        xtol=xtol, max_fev=max_fev, callback_every=callback_every, history=history,
        vectorized=vectorized, fd_step=fd_step, step_rule=step_rule, options=options,
        bounds=bounds, clip_norm=clip_norm, clip_value=clip_value, maximize=maximize,
        state=state)
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
    if "state" in raw:
        res.state = raw["state"]
    if history:
        res.history = History(*raw["history"])
    return res


def _bounds(bounds, n):
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


def _check_state(state, n):
    if state is None:
        return None
    if not isinstance(state, dict) or not {"t", "lr_bb", "buf_ready", "m", "v", "w"} <= set(state):
        raise ValueError("state must be the `state` of an earlier result")
    out = dict(state)
    for key in ("m", "v", "w"):
        arr = as_real_array(state[key], f"state[{key!r}]")
        if arr.shape != (n,):
            raise ValueError(f"state[{key!r}] must have length {n}, got shape {arr.shape}")
        out[key] = arr
    out["t"] = nonneg_int(state["t"], "state['t']")
    return out


def configure(fun, x0, args=(), *, jac=None, method="gd", lr=None, max_iter=10_000,
              gtol=1e-5, ftol=0.0, xtol=0.0, max_fev=None, callback_every=1, history=False,
              vectorized=False, fd_step=None, step_rule=None, options=None, bounds=None,
              clip_norm=None, clip_value=None, maximize=None, state=None):
    """Validate minimize's arguments (all of them, before any objective call) and return
    ``(x, objective, options)``: x0 as a fresh array (clipped into the bounds), the Objective
    the loop runs on, and the options dict of ``gdfast._descent.Options``.  Shared by
    minimize and the stepper, so that both configure the one loop identically."""
    x = as_point(x0, "x0")
    n = x.shape[0]
    opts = _options(n, method, lr, max_iter, gtol, ftol, xtol, max_fev, callback_every,
                    history, step_rule, options, bounds, clip_norm, clip_value, maximize)
    opts["state"] = _check_state(state, n)
    if "lb" in opts["rule"]:
        np.clip(x, opts["rule"]["lb"], opts["rule"]["ub"], out=x)
    objective, _ = make_objective(fun, n, args=args, jac=jac, vectorized=vectorized,
                                  fd_step=fd_step)
    return x, objective, opts


def configure_batch(fun, X0, args=(), *, jac=None, vectorized=False, fd_step=None,
                    **settings):
    """``configure`` for minimize_batch: ``(X, objective, fd, options)``, X0 as a fresh
    (m, n) array (each row clipped into the bounds) and fd the FiniteDifference wrapper in
    the objective, or None."""
    X = as_matrix(X0, "X0")
    n = X.shape[1]
    opts = _options(n, **settings)
    opts["state"] = None
    if "lb" in opts["rule"]:
        np.clip(X, opts["rule"]["lb"], opts["rule"]["ub"], out=X)
    objective, fd = make_objective(fun, n, args=args, jac=jac, vectorized=vectorized,
                                   fd_step=fd_step, point_name="X0's rows",
                                   n_starts=X.shape[0])
    return X, objective, fd, opts


def _options(n, method="gd", lr=None, max_iter=10_000, gtol=1e-5, ftol=0.0, xtol=0.0,
             max_fev=None, callback_every=1, history=False, step_rule=None, options=None,
             bounds=None, clip_norm=None, clip_value=None, maximize=None):
    """The options dict of ``gdfast._descent.Options`` for points of length n (the rule's
    fields, bounds as float64 arrays, validated counts and tolerances)."""
    update = optimizers.update_rule(method, options)
    steps = optimizers.step_rule(step_rule)
    lr = positive_float(lr, "lr") if lr is not None else (
        update.lr if update.lr is not None else update.default_lr)
    rule = dict(update.fields())
    rule.update(steps.fields())
    if maximize is not None:
        rule["maximize"] = optimizers._flag(maximize, "maximize")
    if rule["maximize"] and getattr(steps, "line_search", False):
        raise ValueError("maximize cannot be combined with a line search step_rule")
    if clip_norm is not None:
        rule["clip_norm"] = positive_float(clip_norm, "clip_norm")
    if clip_value is not None:
        rule["clip_value"] = positive_float(clip_value, "clip_value")
    if bounds is not None:
        if isinstance(steps, optimizers.StrongWolfe):
            raise ValueError("bounds cannot be combined with the Wolfe line search; "
                             "use step_rule='armijo'")
        rule["lb"], rule["ub"] = _bounds(bounds, n)
    return {
        "rule": rule,
        "lr": lr,
        "max_iter": min(nonneg_int(max_iter, "max_iter"), _MAX_COUNT),
        "max_fev": 0 if max_fev is None else min(positive_int(max_fev, "max_fev"), _MAX_COUNT),
        "gtol": nonneg_float(gtol, "gtol"),
        "ftol": nonneg_float(ftol, "ftol"),
        "xtol": nonneg_float(xtol, "xtol"),
        "callback_every": min(positive_int(callback_every, "callback_every"), _MAX_COUNT),
        "history": bool(history),
    }


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
