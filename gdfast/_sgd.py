"""``sgd``: mini-batch stochastic gradient descent over a sum-of-terms objective, through the
one descent loop (src/_minibatch.pyx drives it epoch by epoch)."""
import math
from typing import Any

import numpy as np

from gdfast import _config, _descent, _minibatch
from gdfast._descent import Status
from gdfast._result import OptimizeResult
from gdfast._typing import ArrayLike, Method, StepRule
from gdfast._validate import as_point, positive_int
from gdfast.objectives import LeastSquares, Logistic, Objective

__all__ = ["sgd", "LEARNING_RATES"]

LEARNING_RATES = ("constant", "optimal", "invscaling", "adaptive")


def _dloss(objective, y, p):
    """The derivative of a term's loss in the prediction p for label y (scikit-learn's
    ``cy_gradient``): what its "optimal" rate starts from."""
    if isinstance(objective, Logistic):
        return 1.0 / (1.0 + math.exp(-p)) - y
    return p - y


def optimal_init(objective, alpha):
    """scikit-learn's ``optimal_init`` for "optimal": typw = sqrt(1 / sqrt(alpha)), the
    first rate eta0 = typw / max(1, dloss(1, -typw)) and optimal_init = 1 / (eta0 alpha), so
    that the rate of the first sample is eta0."""
    typw = np.sqrt(1.0 / np.sqrt(alpha))
    eta0 = typw / max(1.0, _dloss(objective, 1.0, -typw))
    return 1.0 / (eta0 * alpha)


def sgd(objective: Any, x0: ArrayLike | None = None, *, batch_size: int = 1,
        epochs: int = 5, shuffle: bool = True, seed: int = 0, method: Method = "sgd",
        lr: float | None = None, step_rule: StepRule = None,
        learning_rate: str | None = None, power_t: float = 0.5, tol: float | None = None,
        n_iter_no_change: int = 5, average: bool | int = False,
        state: dict[str, Any] | None = None, options: dict[str, Any] | None = None,
        clip_norm: float | None = None, clip_value: float | None = None) -> OptimizeResult:
    """Mini-batch stochastic gradient descent on a sum-of-terms objective.

    The objective is f(x) = (1/N) sum_i loss_i(x) + alpha/2 ||w||^2 over the N rows of its
    data (the built-ins :class:`~gdfast.objectives.Logistic` and
    :class:`~gdfast.objectives.LeastSquares`, the latter in its mean form; with
    ``fit_intercept=True`` the last coordinate of x is an intercept, never penalized).  Each
    iteration steps on one mini-batch, the mean gradient of its rows plus the penalty's,
    with the update rule ``method`` (every first-order rule of :func:`gdfast.minimize`:
    "sgd", "momentum", "nesterov", "adam", "adamw", "amsgrad", "rmsprop", "adagrad", or a
    rule object such as ``gdfast.Adam(betas=(0.9, 0.99))``).  An epoch is ceil(N /
    batch_size) iterations over a permutation of the rows, the last batch taking what is
    left; with ``shuffle`` each epoch takes its own permutation (Fisher-Yates driven by
    splitmix64 from ``seed`` and the epoch's number; the data are never copied), so that the
    same seed gives the same result.  It runs in the one compiled loop, the GIL released for the whole run.

    Parameters
    ----------
    objective : Logistic, LeastSquares or SumOfTerms
        A sum-of-terms objective: a built-in (its data validated when it was made: NaN, an
        empty data set, X and y of different lengths and labels outside {0, 1} / {-1, 1}
        raise there), run in C without the GIL; or
        :class:`~gdfast.objectives.SumOfTerms`, a Python function of x and a batch's row
        indices (the GIL is then held).
    x0 : array_like, shape (n,), optional
        The start (zeros by default); never modified.
    batch_size : int, 1 <= batch_size <= N
        Rows per mini-batch.
    epochs : int >= 1
        Passes over the data (scikit-learn's ``max_iter``).
    shuffle : bool
        A new order of the rows every epoch (the first included); False: rows in order.
    seed : int
        The shuffle's seed.
    method, options, clip_norm, clip_value
        The update rule and its parameters, as in :func:`gdfast.minimize`.
    lr : float > 0, optional
        The learning rate (scikit-learn's ``eta0`` for "constant", "invscaling" and
        "adaptive"); default: the rule's (0.01 for sgd).
    step_rule : a schedule, optional
        A torch-style schedule (``gdfast.StepLR(...)``, ``CosineLR``, an array of rates...),
        counted in iterations (mini-batches).  Line searches are refused: their trial points
        would each see another mini-batch.
    learning_rate : "constant", "optimal", "invscaling" or "adaptive", optional
        scikit-learn's schedules with its arithmetic, counted in samples as it counts them:
        the step that follows s samples has t = s + 1 (``epoch N + batch index * batch_size +
        1``).  "optimal": 1 / (alpha (optimal_init + t - 1)) with scikit-learn's
        optimal_init (needs alpha > 0); "invscaling": lr / t^power_t; "adaptive": lr, divided
        by 5 after ``n_iter_no_change`` epochs without improvement (needs ``tol``), and the
        run stops once the rate is at most 1e-6.
    power_t : float
        The exponent of "invscaling".
    tol : float, optional
        scikit-learn's stopping test: an epoch whose mean objective (loss plus penalty,
        summed at each batch's iterate as its ``objective_sum``) is above the best so far
        minus tol counts; after ``n_iter_no_change`` such epochs in a row the run stops
        (status 8, "patience"), or with "adaptive" the rate is divided by 5.  None: no test,
        exactly ``epochs`` epochs are run.
    average : bool or int
        Averaged SGD (scikit-learn's ``average``): True or 1 averages the iterates after
        every step; an integer a > 1 from the step at which a samples have been seen on.
        The mean is ``result.x_average`` (``x`` stays the last iterate).  With batches of one
        this is scikit-learn's ``average_coef_`` / ``average_intercept_``; with larger batches
        each step's iterate counts once.
    state : dict, optional
        ``result.state`` of an earlier run on the same objective, batch size, seed, method
        and schedule: continue it from ``x0 = result.x`` (scikit-learn's ``partial_fit``,
        epoch by epoch): the update rule's state and step count, the epoch count (so the
        shuffled orders and the sample-counted rates go on as in one run), the tol test's
        best and count, the average, and the rate (adaptive's; ``lr`` given overrides it).
        A run split into several calls this way gives the iterates of one run.

    Returns
    -------
    OptimizeResult
        ``x`` (weights, then the intercept), ``fun`` (the last epoch's mean objective),
        ``jac`` (the last mini-batch gradient, taken at x), ``nit`` (iterations), ``nfev``
        (mini-batch evaluations: epochs x batches + 1), ``n_epochs``, ``status`` (1 when
        every epoch ran, 8 when ``tol`` stopped the run), ``success`` (either of those),
        ``message``, ``stop_reason`` and ``epoch_history``: per-epoch arrays
        "loss" (the mean term loss, scikit-learn's "Avg. loss"), "objective", "lr" (the
        rate of the epoch's last step) and "time" (seconds since the start); ``x_average``
        with ``average``; ``state`` to continue the run (``state=``).  A loss or
        gradient that stops being finite stops the run (status 3 or 4, ``success`` False)
        with ``x`` the last finite iterate; scikit-learn raises there instead.

    Raises
    ------
    ValueError, TypeError
        Invalid arguments, named in the message, before the first step; also when the loss
        is not finite at x0.
    """
    if not isinstance(objective, Objective) or objective._n_terms() == 0:
        raise TypeError("objective must be a sum of terms (gdfast.objectives.Logistic, "
                        "LeastSquares with one right-hand side, or SumOfTerms), got "
                        f"{type(objective).__name__}")
    n = objective.n
    N = objective._n_terms()
    x = np.zeros(n) if x0 is None else as_point(x0)
    if x.shape[0] != n:
        raise ValueError(f"x0 must have length {n} (the objective's dimension), got "
                         f"{x.shape[0]}")
    batch_size = positive_int(batch_size, "batch_size")
    if batch_size > N:
        raise ValueError(f"batch_size must be at most the number of rows, {N}, got "
                         f"{batch_size}")
    epochs = positive_int(epochs, "epochs")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if learning_rate is not None and learning_rate not in LEARNING_RATES:
        raise ValueError(f"learning_rate must be one of {LEARNING_RATES}, got "
                         f"{learning_rate!r}")
    if not isinstance(power_t, (int, float, np.floating, np.integer)) or isinstance(power_t, bool):
        raise TypeError(f"power_t must be a real number, got {type(power_t).__name__}")
    if tol is None:
        tol_value = -math.inf
    else:
        tol_value = float(tol)
        if math.isnan(tol_value):
            raise ValueError("tol must not be NaN")
    n_iter_no_change = positive_int(n_iter_no_change, "n_iter_no_change")
    if isinstance(average, (bool, np.bool_)):
        average = int(bool(average))
    elif isinstance(average, (int, np.integer)) and average >= 0:
        average = int(average)
    else:
        raise ValueError(f"average must be True, False or an integer >= 1, got {average!r}")
    cont = None if state is None else _check_state(state, n, average)
    steps = -(-N // batch_size)
    if epochs * steps >= 2 ** 62:
        raise ValueError(f"epochs is too large: {epochs} epochs of {steps} iterations")
    if cont is not None and lr is None:
        lr = cont["lr"]
    config = _config.configure(n, method=method, lr=lr, max_iter=epochs * steps, gtol=0.0,
                               step_rule=step_rule, options=options, clip_norm=clip_norm,
                               clip_value=clip_value,
                               state=None if cont is None else cont["rule"])
    kind = "constant" if learning_rate is None else learning_rate
    if isinstance(objective, (Logistic, LeastSquares)):
        alpha = objective.alpha
    elif kind == "optimal":
        raise ValueError("learning_rate='optimal' needs a built-in objective (Logistic or "
                         "LeastSquares): its first rate comes from the loss and alpha")
    else:
        alpha = 0.0
    _config.sgd_schedule(config, kind, batch_size, steps, N, float(power_t), alpha,
                         optimal_init(objective, alpha) if kind == "optimal" and alpha > 0 else 0.0)
    (x, fun, jac, nit, nfev, status, stop_test, error_code, failed_at_x0, n_epochs,
     history, x_average, new_state) = _minibatch.run(
        objective, x, config, batch_size, epochs, bool(shuffle), int(seed),
        kind == "adaptive", tol_value, n_iter_no_change, average, cont)
    if failed_at_x0 and status in (Status.NONFINITE, Status.DIVERGED):
        raise ValueError(f"the loss or its gradient is not finite at x0 (f(x0) = {fun!r}); "
                         "choose another x0")
    res = OptimizeResult(
        x=x, fun=fun, jac=jac, nit=nit, nfev=nfev, n_epochs=n_epochs, status=status,
        success=status in _descent.SUCCESS or status == Status.MAX_ITER,
        message=_descent.message(status, stop_test, error_code),
        stop_reason=_descent.stop_reason(status, stop_test), epoch_history=history,
        state=new_state)
    if average:
        res.x_average = x if x_average is None else x_average
    return res


_STATE_KEYS = ("rule", "lr", "epoch", "best", "no_improvement", "seen", "avg_count", "avg")


def _check_state(state, n, average):
    """``state=`` of sgd: an earlier result's ``state`` (its keys and shapes checked)."""
    if not isinstance(state, dict) or any(k not in state for k in _STATE_KEYS):
        raise ValueError(f"state must be the 'state' of an earlier sgd result (a dict with "
                         f"{', '.join(_STATE_KEYS)})")
    if not isinstance(state["rule"], dict):
        raise ValueError("state['rule'] must be a dict (an earlier result's)")
    cont = {"rule": state["rule"], "lr": float(state["lr"]), "epoch": int(state["epoch"]),
            "best": float(state["best"]), "no_improvement": int(state["no_improvement"]),
            "seen": float(state["seen"]), "avg_count": int(state["avg_count"]), "avg": None}
    if cont["epoch"] < 0 or cont["avg_count"] < 0 or cont["no_improvement"] < 0:
        raise ValueError("state holds negative counts")
    if average:
        if state["avg"] is None:
            raise ValueError("state was saved without averaging: it cannot continue an "
                             "average")
        cont["avg"] = as_point(state["avg"], "state['avg']")
        if cont["avg"].shape[0] != n:
            raise ValueError(f"state['avg'] must have length {n}")
    return cont
