"""``minimize``: validate, configure, run the compiled loop, wrap the result."""
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from gdfast import _descent
from gdfast._descent import Status
from gdfast._lowlevel import callback_pointer, is_low_level
from gdfast._progress import progress_bar
from gdfast._result import History, OptimizeResult
from gdfast._typing import ArrayLike, Bounds, Fun, Groups, Jac, Method, StepRule
from gdfast import _config

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
             state: dict[str, Any] | None = None, target: float | None = None,
             max_time: float | None = None, patience: int | None = None,
             min_delta: float | None = None, keep_best: bool = False,
             progress: bool | dict[str, Any] = False, noise_stop: bool = False,
             check_gradient: bool | float = False, groups: Groups = None,
             max_step: float | None = None, gnorm: str = "max") -> OptimizeResult:
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
        (torch.optim's formulas and defaults); "cg" (nonlinear conjugate gradients,
        ``gdfast.CG``: ``options={"beta": "fr"}`` for Fletcher-Reeves, ``"restart"``) or
        "lbfgs" (``gdfast.LBFGS``: ``options={"memory": 10}``), which step by a line search
        only (strong Wolfe by default, or ``step_rule="armijo"``); "fire" and "fire2",
        structure relaxation as ASE's ``FIRE`` and ``FIRE2`` (``gdfast.FIRE(dt=0.1,
        maxstep=0.2, ...)``, ASE's parameter names; ``lr`` is their initial time step dt).
    lr : float > 0 or None
        The step size gamma (learning rate); for line searches the first trial step.  None:
        the rule's own lr or its default (0.01 for gd, 1e-3 for Adam, as torch).  CG and
        L-BFGS: the length of the first trial step of the first iteration (default 1).
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
        count, Barzilai-Borwein step; CG's and L-BFGS's memory, ``"qn"``) from
        ``x0 = result.x``.
    max_iter : int >= 0
        Iterations at most (status 1 when reached).
    gtol : float >= 0
        Stop (status 0) when ``max_i |grad_i f(x)| <= gtol``.  With finite differences on an
        objective computed in float32 (or noisy) a small gtol is out of reach: see
        ``noise_stop``.
    ftol : float >= 0
        Stop (status 0) when a step decreases f by at most ``ftol * max(|f_prev|, |f|, 1)``
        (SciPy's L-BFGS-B test; an increase never counts).  Evaluates f at every iterate.
    xtol : float >= 0
        Stop (status 0) when a step moves no coordinate by more than xtol.
        A tolerance of 0 turns its test off: with all three 0 a run takes exactly ``max_iter``
        steps (unless f or its gradient stops being finite).
    max_fev : int >= 1 or None
        Stop (status 6) once this many function evaluations have been made.
    callback : callable or compiled function pointer, optional
        Called every ``callback_every`` iterations as ``callback(intermediate_result)``, an
        :class:`OptimizeResult` with fresh ``x``, ``fun``, ``jac`` and ``nit``.  (A callback
        whose first parameter is named ``xk`` gets ``callback(xk)``, SciPy's legacy form.)
        Returning True or raising ``StopIteration`` stops the run (status 99); any other
        exception reaches the caller unchanged.  A compiled callback (Numba ``cfunc``,
        ctypes, cffi, or ``scipy.LowLevelCallable`` carrying ``user_data``) with the signature
        ``int cb(int n, const double *x, double f, const double *g, long nit,
        void *user_data)`` is called inside the nogil loop instead; nonzero stops (status 99).
    target : float, optional
        Stop (status 7, ``stop_reason`` "target") once f <= target (>= when maximizing),
        x0 included: NLopt's ``stopval``.
    max_time : float > 0, optional
        Stop (status 9, "max_time") after this many seconds from the first evaluation.  The
        clock is read only about every millisecond (with the Ctrl-C checks), so a run stops
        within about a millisecond (or one iteration, if longer) of the limit.
    patience : int >= 1, optional
        Stop (status 8, "patience") when f has not improved on its best by more than
        ``min_delta`` (default 0) for ``patience`` iterations in a row: scikit-learn's
        ``n_iter_no_change`` and ``tol``, Keras' ``EarlyStopping``.  Counts as success.
    keep_best : bool
        Keep the best iterate: ``result.x_best``, ``fun_best`` (the least f met, the greatest
        with ``maximize``) and ``nit_best`` (its iteration), beside the last iterate ``x``.
        A copy of x is made only when f improves.  ``target``, ``patience``, ``keep_best``
        and ``ReduceLROnPlateau`` evaluate f at every iterate.
    progress : bool or dict
        Show a tqdm progress bar (the ``progress`` extra): iterations, their rate, f and the
        gradient's max-norm, updated at most every 0.1 s.  A dict passes tqdm options
        (``file=``, ``desc=``, ...).
    history : bool
        Record every iterate: ``result.history.x`` (nit + 1, n), ``.fun``, ``.gnorm``.
    vectorized : bool
        ``fun(X, *args)`` takes an (m, n) array and returns m values: a finite-difference
        stencil then costs one Python call.
    fd_step : None, float or array_like
        Absolute finite-difference step(s); see :func:`gdfast.gradient`.
    noise_stop : bool
        With a finite-difference gradient only: also stop (status 0, ``stop_reason``
        "noise", ``success`` True) once every component of the gradient is within its own
        error estimate, ``|g_i| <= err_i`` (see ``gdfast.gradient(..., error=True)``): the
        gradient is then indistinguishable from zero, where a small ``gtol`` may be out of
        reach (an objective computed in float32, or noisy).  The estimate costs one more
        stencil point per coordinate (one-sided) or two (central), counted in ``nfev``.
        Off by default, so that existing runs are unchanged; gtol, ftol and xtol still
        apply.  (With bounds active at the solution the constrained components are not
        zero: the projected gtol test is the one that stops there.)
    groups : int or sequence of int, optional
        Consecutive groups of coordinates: a size (every group that size: ``groups=3`` for
        atoms, x holding x1, y1, z1, x2, ...) or the sizes of each, adding up to n.  Used by
        ``max_step`` and ``gnorm="group"``; without groups the whole vector is one group.
    max_step : float > 0, optional
        Cap each group's displacement per iteration (its 2-norm) at max_step, scaling that
        group's part of the step (LAMMPS's ``dmax`` per atom); the net displacement of an
        iteration, FIRE2's half step back included.  With a line search (CG, L-BFGS,
        Armijo, Wolfe, BB) it bounds the search's trials: Armijo caps each trial point,
        strong Wolfe keeps the step below max_step over the largest group norm of the
        direction, as LAMMPS's ``dmax`` does for its line-search minimizers.
    gnorm : "max" or "group"
        The gradient norm of the ``gtol`` test (and of ``history.gnorm``): "max", the largest
        ``|g_i|``; "group", the largest 2-norm of a group of g: ASE's ``fmax`` on the forces
        with ``groups=3``.
    check_gradient : bool or float
        Before the first step, compare the analytic gradient (``jac`` a callable or True, or
        an objective's own, e.g. a built-in's: a self-test) with central differences at x0,
        and raise a ValueError naming the worst component when some component i has
        ``|g_i - d_i| > tol * max(1, |g_i|, |d_i|) + err_i`` (err_i the differences' error
        estimate).  True: ``tol = 1e-6``; a float: that tolerance.  A ValueError too when
        the run's gradient is finite differences (nothing to check).  The check's
        evaluations are not counted in ``nfev``.

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
    loop_callback = adapt_callback(callback)
    x, objective, config = _config.prepare(
        fun, x0, args, jac, vectorized, fd_step, method, lr, max_iter, gtol, ftol, xtol,
        max_fev, callback_every, history, step_rule, options, bounds, clip_norm, clip_value,
        maximize, state,
        controls(target, max_time, patience, min_delta, keep_best, groups, max_step, gnorm),
        noise_stop, check_gradient)
    bar = None if progress is False else progress_bar(progress, max_iter, "it", "minimize")
    try:
        (x, fun_x, jac_x, nit, nfev, njev, status, stop_test, error_code, failed_at_x0, state,
         recorded, best) = _descent.run(objective, x, config, loop_callback, bar)
    finally:
        if bar is not None:
            bar.close()
    if failed_at_x0 and status in (Status.NONFINITE, Status.DIVERGED):
        raise ValueError(f"fun or its gradient is not finite at x0 (f(x0) = {fun_x!r}); "
                         "choose another x0")
    res = OptimizeResult(
        x=x, fun=fun_x, jac=jac_x, nit=nit, nfev=nfev, njev=njev, status=status,
        success=status in _descent.SUCCESS,
        message=_descent.message(status, stop_test, error_code),
        stop_reason=_descent.stop_reason(status, stop_test))
    if best is not None:
        res.x_best, res.fun_best, res.nit_best = best
    if state is not None:
        res.state = state
    if history:
        res.history = History(*recorded)
    return res


def controls(target, max_time, patience, min_delta, keep_best, groups=None, max_step=None,
             gnorm="max"):
    """The stopping controls and the groups' settings that are set, for _config (which
    validates them); None when none is (the common case, without building a dict)."""
    if (target is None and max_time is None and patience is None and min_delta is None
            and keep_best is False and groups is None and max_step is None
            and gnorm == "max"):
        return None
    given = {"target": target, "max_time": max_time, "patience": patience,
             "min_delta": min_delta, "keep_best": keep_best or None, "groups": groups,
             "max_step": max_step, "gnorm": None if gnorm == "max" else gnorm}
    return {k: v for k, v in given.items() if v is not None}


def adapt_callback(callback):
    """``callback=`` for the loop: None, a compiled callback's ``(address, user_data)``, or a
    ``(nit, x, f, g) -> bool`` function following SciPy's conventions."""
    if callback is None:
        return None
    if is_low_level(callback):
        return callback_pointer(callback)
    if not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
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
