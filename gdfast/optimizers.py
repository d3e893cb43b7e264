"""Update rules and step rules, configured here and run inside the compiled loop.

Pass an update rule as ``minimize(..., method=gdfast.Adam(lr=1e-3))`` or by name
(``method="adam"``), and a step rule as ``step_rule=gdfast.Armijo()`` or by name
(``"armijo"``, ``"wolfe"``, ``"bb"``), or an array of per-iteration rates.

Update rules follow torch.optim exactly (formulas and defaults); see ``gdfast._update``:

* ``SGD(lr=0.01, momentum=0, dampening=0, weight_decay=0, nesterov=False)``:
  b = momentum b + (1 - dampening) g (b = g at the first step); x -= lr (g + momentum b) with
  Nesterov, lr b with momentum, lr g without (the lecture's rule).
* ``Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)``:
  m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, x -= lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps).
* ``AdamW(..., weight_decay=1e-2)``: Adam with x *= 1 - lr wd before the step.
* ``RMSprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False)``.
* ``Adagrad(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10)``.
* ``CG(lr=1.0, beta="pr+", restart=None)``: nonlinear conjugate gradients, Polak-Ribiere+
  (``beta="fr"``: Fletcher-Reeves), restarted every ``restart`` steps (None: n).
* ``LBFGS(lr=1.0, memory=10)``: L-BFGS with ``memory`` pairs (SciPy's ``maxcor``).
  CG and L-BFGS step by a line search only: strong Wolfe by default (c2 0.1 for CG, 0.9 for
  L-BFGS), or ``step_rule="armijo"`` / a ``StrongWolfe(...)`` of your own.

Each takes ``maximize=False`` too (torch's: ascend instead).  Step rules: ``Fixed()``,
``ExponentialLR(gamma)``, ``InverseTimeLR(gamma)``, ``StepLR(step_size, gamma=0.1)``,
``CosineLR(T_max, eta_min=0)``, ``LinearLR(start_factor=1/3, end_factor=1, total_iters=5)``,
``OneCycleLR(max_lr, total_steps, pct_start=0.3, anneal_strategy="cos", div_factor=25,
final_div_factor=1e4, three_phase=False)``, ``CosineAnnealingWarmRestarts(T_0, T_mult=1,
eta_min=0)``, ``SequentialLR(schedules, milestones)``,
``Armijo(c1=1e-4, shrink=0.5, max_backtracks=50)``,
``StrongWolfe(c1=1e-4, c2=0.9, max_evals=30)``, ``BarzilaiBorwein(variant=1, lr_min=1e-10,
lr_max=1e10)``, ``ReduceLROnPlateau(factor=0.1, patience=10, ...)``; see ``gdfast._stepsize``
for the formulas.
"""
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from gdfast._validate import (MAX_COUNT, as_vector, nonneg_float, nonneg_int, positive_float,
                              positive_int, choice)

__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "CG", "LBFGS", "FIRE", "FIRE2",
           "Fixed", "ExponentialLR", "InverseTimeLR", "StepLR", "CosineLR", "LinearLR",
           "OneCycleLR",
           "CosineAnnealingWarmRestarts", "SequentialLR", "Armijo", "StrongWolfe",
           "BarzilaiBorwein", "ReduceLROnPlateau", "update_rule", "step_rule"]


def _unit_interval(value, name):
    value = nonneg_float(value, name)
    if not value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def _count(value, name):
    """A step count >= 1 that C stores as Py_ssize_t."""
    value = positive_int(value, name)
    if value > MAX_COUNT:
        raise ValueError(f"{name} must be <= 2**62, got {value}")
    return value


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


class _Rule:
    """Base of the rules: validated parameters as attributes, which gdfast._config copies
    into the loop's gd_rule."""

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)


class SGD(_Rule):
    """Plain descent (the lecture's rule), with optional momentum, as torch.optim.SGD:
    b = momentum b + (1 - dampening) g (b = g at the first step); x -= lr (g + momentum b)
    with Nesterov, lr b with momentum, lr g without."""

    name = "sgd"
    default_lr = 0.01

    def __init__(self, lr: float | None = None, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        self.lr = None if lr is None else positive_float(lr, "lr")
        self.momentum = nonneg_float(momentum, "momentum")
        self.dampening = nonneg_float(dampening, "dampening")
        self.weight_decay = nonneg_float(weight_decay, "weight_decay")
        self.nesterov = _flag(nesterov, "nesterov")
        self.maximize = _flag(maximize, "maximize")
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov needs momentum > 0 and dampening = 0")



class Adam(_Rule):
    """Adam (torch.optim.Adam): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
    x -= lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps); ``amsgrad=True`` uses the running
    maximum of v."""

    name = "adam"
    default_lr = 1e-3
    _decoupled = False

    def __init__(self, lr: float | None = None, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        self.lr = None if lr is None else positive_float(lr, "lr")
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_unit_interval(betas[0], "betas[0]"), _unit_interval(betas[1], "betas[1]"))
        self.eps = nonneg_float(eps, "eps")
        self.weight_decay = nonneg_float(weight_decay, "weight_decay")
        self.amsgrad = _flag(amsgrad, "amsgrad")
        self.maximize = _flag(maximize, "maximize")



class AdamW(Adam):
    """AdamW (torch.optim.AdamW): Adam with decoupled weight decay, ``x *= 1 - lr wd`` before the
    step."""

    name = "adamw"
    _decoupled = True

    def __init__(self, lr: float | None = None, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(lr, betas, eps, weight_decay, amsgrad, maximize)


class RMSprop(_Rule):
    """RMSprop (torch.optim.RMSprop): v = alpha v + (1-alpha) g^2, x -= lr g / (sqrt(v) + eps);
    ``centered`` subtracts the squared running mean of g, ``momentum`` adds a buffer."""

    name = "rmsprop"
    default_lr = 1e-2

    def __init__(self, lr: float | None = None, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 maximize: bool = False) -> None:
        self.lr = None if lr is None else positive_float(lr, "lr")
        self.alpha = _unit_interval(alpha, "alpha")
        self.eps = nonneg_float(eps, "eps")
        self.weight_decay = nonneg_float(weight_decay, "weight_decay")
        self.momentum = nonneg_float(momentum, "momentum")
        self.centered = _flag(centered, "centered")
        self.maximize = _flag(maximize, "maximize")



class Adagrad(_Rule):
    """Adagrad (torch.optim.Adagrad): s += g^2,
    x -= lr / (1 + (t-1) lr_decay) g / (sqrt(s) + eps)."""

    name = "adagrad"
    default_lr = 1e-2

    def __init__(self, lr: float | None = None, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10,
                 maximize: bool = False) -> None:
        self.lr = None if lr is None else positive_float(lr, "lr")
        self.lr_decay = nonneg_float(lr_decay, "lr_decay")
        self.weight_decay = nonneg_float(weight_decay, "weight_decay")
        self.initial_accumulator_value = nonneg_float(initial_accumulator_value,
                                                      "initial_accumulator_value")
        self.eps = nonneg_float(eps, "eps")
        self.maximize = _flag(maximize, "maximize")



class CG(_Rule):
    """Nonlinear conjugate gradients: d = g + beta d_prev, x -= t d with t from a line search
    (strong Wolfe with c2 = 0.1 unless ``step_rule`` says otherwise).

    ``beta="pr+"`` (Polak-Ribiere+, the default): beta = max(0, g.(g - g_prev) /
    g_prev.g_prev); ``beta="fr"`` (Fletcher-Reeves): beta = g.g / g_prev.g_prev.  Restarts
    to steepest descent (d = g) every ``restart`` steps (None: every n, the dimension), and
    whenever d is no descent direction (g.d <= 0); a line search that fails along d is tried
    once more along g.  The first step's first trial moves x by ``lr`` (t = lr / norm(g)); the
    later ones start from t_prev (g_prev.d_prev) / (g.d) (Nocedal & Wright, eq. 3.60).

    >>> import gdfast
    >>> res = gdfast.minimize(lambda v: float(v @ v), [1.0, 2.0], jac=lambda v: 2 * v,
    ...                       method=gdfast.CG(beta="fr"))
    >>> res.success, res.nit
    (True, 1)
    """

    name = "cg"
    default_lr = 1.0
    maximize = False            # (class attributes: gdfast._config reads them of every rule)
    weight_decay = 0.0

    def __init__(self, lr: float | None = None, beta: str = "pr+",
                 restart: int | None = None) -> None:
        self.lr = None if lr is None else positive_float(lr, "lr")
        self.beta = choice(beta, "beta", ("pr+", "fr"))
        self.restart = None if restart is None else _count(restart, "restart")


class LBFGS(_Rule):
    """L-BFGS: x -= t H g, H g by the two-loop recursion over the last ``memory`` pairs
    s = x_k - x_{k-1}, y = g_k - g_{k-1} (Nocedal & Wright, alg. 7.4), H0 = (s.y / y.y) I
    from the newest pair; t from a line search (strong Wolfe with c2 = 0.9 unless
    ``step_rule`` says otherwise), its first trial t = 1.  A pair with
    s.y <= eps norm(s) norm(y) (eps = 2.2e-16, the machine epsilon) is skipped (H would not stay
    positive definite); should H g be no descent direction, or its line search fail, the
    memory is cleared and the step taken along g.  While no pair is held the first trial
    moves x by ``lr`` (t = lr / norm(g)), as L-BFGS-B's first step with lr = 1.

    >>> import gdfast
    >>> res = gdfast.minimize(lambda v: float(v @ v), [1.0, 2.0], jac=lambda v: 2 * v,
    ...                       method="lbfgs", options={"memory": 5})
    >>> res.success
    True
    """

    name = "lbfgs"
    default_lr = 1.0
    maximize = False
    weight_decay = 0.0

    def __init__(self, lr: float | None = None, memory: int = 10) -> None:
        self.lr = None if lr is None else positive_float(lr, "lr")
        if isinstance(memory, bool) or not isinstance(memory, numbers.Integral):
            raise TypeError(f"memory must be a positive integer, got {type(memory).__name__}")
        if memory < 1 or memory > 1_000_000:
            raise ValueError(f"memory must be a positive integer (at most 10**6), got {memory!r}")
        self.memory = int(memory)


def _in_range(value, name, lo, hi, lo_open=False, hi_open=False):
    """A finite float in [lo, hi] (lo >= 0; an end open when asked), else a ValueError naming
    it."""
    value = nonneg_float(value, name)
    if (value < lo or (lo_open and value == lo) or value > hi or (hi_open and value == hi)
            or not math.isfinite(value)):
        raise ValueError(f"{name} must be in {'(' if lo_open else '['}{lo:g}, {hi:g}"
                         f"{')' if hi_open else ']'}, got {value!r}")
    return value


class FIRE(_Rule):
    """FIRE, the fast inertial relaxation engine (Bitzek et al., PRL 97, 170201 (2006)), with
    ASE's parameters and arithmetic (``ase.optimize.FIRE``), ``F = -grad f`` the forces:

    * if ``F.v > 0``: ``v = (1 - a) v + a F / |F| |v|``, and after more than Nmin such steps in
      a row ``dt = min(dt finc, dtmax)``, ``a *= fa``; else ``v = 0``, ``a = astart``,
      ``dt *= fdec``;
    * ``v += dt F``; ``x += dt v``, that step scaled to 2-norm maxstep when longer (ASE's
      maxstep is on the whole vector; ``max_step=`` caps each group, e.g. each atom).

    The first step only sets ``v = 0`` before ``v += dt F``.  ``dt`` is the run's ``lr``
    (``lr=`` overrides it).  Each start of a batch has its own v, dt, a and count."""

    name = "fire"
    default_lr = 0.1
    maximize = False
    weight_decay = 0.0

    def __init__(self, dt: float = 0.1, maxstep: float = 0.2, dtmax: float = 1.0,
                 Nmin: int = 5, finc: float = 1.1, fdec: float = 0.5, astart: float = 0.1,
                 fa: float = 0.99, a: float = 0.1) -> None:
        self.dt = positive_float(dt, "dt")
        self.maxstep = positive_float(maxstep, "maxstep")
        self.dtmax = positive_float(dtmax, "dtmax")
        self.Nmin = _nonneg_count(Nmin, "Nmin")
        self.finc = _in_range(finc, "finc", 1.0, 1e300)
        self.fdec = _in_range(fdec, "fdec", 0.0, 1.0, lo_open=True)
        self.astart = _in_range(astart, "astart", 0.0, 1.0)
        self.fa = _in_range(fa, "fa", 0.0, 1.0, lo_open=True)
        self.a = _in_range(a, "a", 0.0, 1.0)

    @property
    def lr(self) -> float:
        return self.dt


class FIRE2(_Rule):
    """FIRE 2.0 (Guenole et al., Comput. Mater. Sci. 175, 109584 (2020)) as ASE's
    ``ase.optimize.fire2.FIRE2``: semi-implicit Euler (``v += dt F`` first, then the mixing
    ``v = (1 - a) v + a F / |F| |v|``), dt and a raised after more than Nmin downhill steps,
    and on an uphill step (``F.v <= 0``) ``dt = max(dt fdec, dtmin)``, ``a = astart`` and half
    a step back, ``x += -dt/2 v``, ``v = 0``, the gradient evaluated there (counted in
    ``njev``).  ``x += dt v``, scaled to 2-norm maxstep when longer; ``use_abc=True``: the
    mixing bias-corrected by ``1 / (1 - (1 - a)^(Nsteps + 1))`` and each velocity component
    clipped to ``maxstep / dt`` instead.  ``max_step=`` caps each group's net displacement of
    an iteration, the half step back included.  ``dt`` is the run's ``lr``."""

    name = "fire2"
    default_lr = 0.1
    maximize = False
    weight_decay = 0.0

    def __init__(self, dt: float = 0.1, maxstep: float = 0.2, dtmax: float = 1.0,
                 dtmin: float = 2e-3, Nmin: int = 20, finc: float = 1.1, fdec: float = 0.5,
                 astart: float = 0.25, fa: float = 0.99, use_abc: bool = False) -> None:
        self.dt = positive_float(dt, "dt")
        self.maxstep = positive_float(maxstep, "maxstep")
        self.dtmax = positive_float(dtmax, "dtmax")
        self.dtmin = _in_range(dtmin, "dtmin", 0.0, self.dtmax)
        self.Nmin = _nonneg_count(Nmin, "Nmin")
        self.finc = _in_range(finc, "finc", 1.0, 1e300)
        self.fdec = _in_range(fdec, "fdec", 0.0, 1.0, lo_open=True)
        self.astart = _in_range(astart, "astart", 0.0, 1.0)
        self.fa = _in_range(fa, "fa", 0.0, 1.0, lo_open=True)
        self.use_abc = _flag(use_abc, "use_abc")

    @property
    def lr(self) -> float:
        return self.dt


def _nonneg_count(value, name):
    value = nonneg_int(value, name)
    if value > MAX_COUNT:
        raise ValueError(f"{name} must be <= 2**62, got {value}")
    return value


UPDATE_RULES = {
    "gd": lambda: SGD(), "sgd": lambda: SGD(), "momentum": lambda: SGD(momentum=0.9),
    "nesterov": lambda: SGD(momentum=0.9, nesterov=True), "adam": lambda: Adam(),
    "adamw": lambda: AdamW(), "amsgrad": lambda: Adam(amsgrad=True),
    "rmsprop": lambda: RMSprop(), "adagrad": lambda: Adagrad(),
    "cg": lambda: CG(), "lbfgs": lambda: LBFGS(), "fire": lambda: FIRE(), "fire2": lambda: FIRE2(),
}


def update_rule(method, options=None):
    """An update-rule object from ``method`` (a name or an object) and ``options`` (keyword
    arguments of its class, for a name)."""
    if isinstance(method, _Rule) and hasattr(method, "default_lr"):
        if options:
            raise ValueError("options only apply when method is given by name")
        return method
    choice(method, "method", tuple(UPDATE_RULES))
    rule = UPDATE_RULES[method]()
    if options:
        if not isinstance(options, dict):
            raise TypeError(f"options must be a dict, got {type(options).__name__}")
        params = {k: v for k, v in vars(rule).items()}
        unknown = set(options) - set(params)
        if unknown:
            raise TypeError(f"unknown option(s) for method {method!r}: {', '.join(sorted(unknown))}")
        params.update(options)
        rule = type(rule)(**params)
    return rule


# ---- step rules -----------------------------------------------------------------------------

class Fixed(_Rule):
    """x_k+1 = x_k - lr d_k: the lecture's constant step."""



class ExponentialLR(_Rule):
    """Rate lr gamma^k at update step k (torch ExponentialLR, computed as torch does: each
    rate the previous one times gamma)."""

    def __init__(self, gamma: float) -> None:
        self.gamma = positive_float(gamma, "gamma")



class InverseTimeLR(_Rule):
    """Rate lr / (1 + gamma k) at update step k (Keras InverseTimeDecay, decay_steps=1)."""

    def __init__(self, gamma: float) -> None:
        self.gamma = nonneg_float(gamma, "gamma")



class StepLR(_Rule):
    """Rate lr gamma^(k // step_size) at update step k (torch StepLR)."""

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = positive_int(step_size, "step_size")
        self.gamma = positive_float(gamma, "gamma")



class CosineLR(_Rule):
    """Rate eta_min + (lr - eta_min) (1 + cos(pi min(k, T_max) / T_max)) / 2 at update step k
    (torch CosineAnnealingLR's closed form, held at eta_min from T_max on).  The cosine is
    computed by angle sums from tables built once per run, within 1e-15 lr of the formula
    with libm's cos (which would cost ~7 ns a step); the same bits however a run is split."""

    def __init__(self, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = positive_int(T_max, "T_max")
        self.eta_min = nonneg_float(eta_min, "eta_min")



class Rates(_Rule):
    """One rate per iteration (the last one held after the end)."""

    def __init__(self, rates: Any) -> None:
        r = as_vector(rates, "rates")
        if not np.all(r > 0):
            raise ValueError("rates must all be > 0")
        self.rates = r


    def __eq__(self, other):
        return type(other) is Rates and np.array_equal(self.rates, other.rates)


class LinearLR(_Rule):
    """Rate lr (start_factor + (end_factor - start_factor) min(k, total_iters) / total_iters)
    at update step k (torch LinearLR's closed form): a linear warm-up (or decay) of the run's
    ``lr`` over ``total_iters`` steps, then held at lr end_factor.  torch's ranges:
    0 < start_factor <= 1, 0 <= end_factor <= 1.

    >>> import gdfast
    >>> res = gdfast.minimize(lambda v: float(v @ v), [1.0, 2.0], jac=lambda v: 2 * v, lr=0.3,
    ...                       step_rule=gdfast.LinearLR(start_factor=0.1, total_iters=10),
    ...                       max_iter=200)
    >>> res.success
    True
    """

    def __init__(self, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5) -> None:
        self.start_factor = positive_float(start_factor, "start_factor")
        if not self.start_factor <= 1.0:
            raise ValueError(f"start_factor must be in (0, 1], got {start_factor!r}")
        self.end_factor = nonneg_float(end_factor, "end_factor")
        if not self.end_factor <= 1.0:
            raise ValueError(f"end_factor must be in [0, 1], got {end_factor!r}")
        self.total_iters = _count(total_iters, "total_iters")



class OneCycleLR(_Rule):
    """torch OneCycleLR's rates (its learning-rate part) at update step k: from
    max_lr / div_factor up to ``max_lr`` over the first pct_start total_steps steps, then
    down to max_lr / (div_factor final_div_factor) at step total_steps - 1, annealed by
    cosine (``anneal_strategy="cos"``) or linearly (``"linear"``); ``three_phase=True``
    comes back to max_lr / div_factor first, as torch's.  The rates are absolute: the run's
    ``lr`` is not used (torch overwrites the optimizer's lr likewise).

    Past the cycle (from step total_steps on) the rate stays at that of step
    total_steps - 1, where torch raises.  torch's ``cycle_momentum`` (default True) also
    cycles SGD's momentum or Adam's beta1; gdfast's update rules keep theirs fixed during a
    run, so only ``cycle_momentum=False`` is accepted: the rates equal torch's
    ``OneCycleLR(..., cycle_momentum=False)``.

    >>> import gdfast
    >>> res = gdfast.minimize(lambda v: float(v @ v), [1.0, 2.0], jac=lambda v: 2 * v,
    ...                       step_rule=gdfast.OneCycleLR(max_lr=0.4, total_steps=100),
    ...                       max_iter=100, gtol=0)
    >>> bool(abs(res.x).max() < 1e-8)
    True
    """

    def __init__(self, max_lr: float, total_steps: int, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 cycle_momentum: bool = False) -> None:
        self.max_lr = positive_float(max_lr, "max_lr")
        self.total_steps = _count(total_steps, "total_steps")
        self.pct_start = positive_float(pct_start, "pct_start")
        if not self.pct_start < 1.0:
            raise ValueError(f"pct_start must be in (0, 1), got {pct_start!r}")
        if self.pct_start * self.total_steps == 1.0:
            raise ValueError(f"pct_start * total_steps must not be 1 (a warm-up phase of no "
                             f"length: torch divides by zero), got pct_start={pct_start!r}, "
                             f"total_steps={total_steps!r}")
        self.anneal_strategy = choice(anneal_strategy, "anneal_strategy", ("cos", "linear"))
        self.div_factor = positive_float(div_factor, "div_factor")
        self.final_div_factor = positive_float(final_div_factor, "final_div_factor")
        self.three_phase = _flag(three_phase, "three_phase")
        if _flag(cycle_momentum, "cycle_momentum"):
            raise ValueError("cycle_momentum=True is not supported: gdfast's update rules keep "
                             "their momentum / beta1 fixed during a run; OneCycleLR schedules "
                             "the rate only (torch's cycle_momentum=False)")
        self.cycle_momentum = False

    def _phases(self):
        """torch's phases: their end steps, and the rates at their ends (the first's start
        first): initial_lr = max_lr / div_factor, min_lr = initial_lr / final_div_factor."""
        initial = self.max_lr / self.div_factor
        low = initial / self.final_div_factor
        n, p = self.total_steps, self.pct_start
        if self.three_phase:
            return ((float(p * n) - 1, float(2 * p * n) - 2, n - 1),
                    (initial, self.max_lr, initial, low))
        return (float(p * n) - 1, n - 1), (initial, self.max_lr, low)



class CosineAnnealingWarmRestarts(_Rule):
    """Rate eta_min + (lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2 at update step k (torch
    CosineAnnealingWarmRestarts): cycles of T_i = T_0, T_0 T_mult, T_0 T_mult^2, ... steps,
    T_cur the steps done in the current one, the rate back at ``lr`` at each restart.  The
    cycle is found in integers (as torch's ``step()`` recursion; torch's ``step(epoch)`` takes
    a floating-point log that can misplace a restart by one step).

    >>> import gdfast
    >>> rule = gdfast.CosineAnnealingWarmRestarts(T_0=10, T_mult=2, eta_min=1e-3)
    >>> res = gdfast.minimize(lambda v: float(v @ v), [1.0, 2.0], jac=lambda v: 2 * v, lr=0.3,
    ...                       step_rule=rule, max_iter=300)
    >>> res.success
    True
    """

    def __init__(self, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> None:
        self.T_0 = _count(T_0, "T_0")
        self.T_mult = _count(T_mult, "T_mult")
        self.eta_min = nonneg_float(eta_min, "eta_min")



_SCHEDULES = (Fixed, ExponentialLR, InverseTimeLR, StepLR, CosineLR, Rates, LinearLR,
              OneCycleLR, CosineAnnealingWarmRestarts)


class SequentialLR(_Rule):
    """``schedules[0]`` up to ``milestones[0]``, then ``schedules[1]`` up to
    ``milestones[1]``, ..., each counting its steps from 0 at its milestone (torch
    SequentialLR: the rate at update step k is schedule i's at step k - milestones[i - 1]),
    every one from the run's ``lr`` (OneCycleLR from its own max_lr).  The schedules:
    ``Fixed``, ExponentialLR, InverseTimeLR, StepLR, CosineLR, LinearLR, OneCycleLR,
    CosineAnnealingWarmRestarts or an array of rates (not a line search, Barzilai-Borwein or
    another SequentialLR); the milestones: len(schedules) - 1 increasing steps >= 1.

    As torch's implementation (and its current documentation) has it, the schedule starting at
    a milestone is at its step 0 there (torch's older documentation showed it one step on);
    torch then continues most schedules by their recursive forms, gdfast takes every one by
    its closed form at its own step j (ExponentialLR: lr gamma^j by ``pow``, where a top-level
    ExponentialLR continues torch's product), so rates can differ from torch's in the last
    bits.

    >>> import gdfast
    >>> warm_then_cosine = gdfast.SequentialLR(
    ...     [gdfast.LinearLR(start_factor=0.1, total_iters=20), gdfast.CosineLR(180)],
    ...     milestones=[20])
    >>> res = gdfast.minimize(lambda v: float(v @ v), [1.0, 2.0], jac=lambda v: 2 * v, lr=0.3,
    ...                       step_rule=warm_then_cosine, max_iter=200)
    >>> res.success
    True
    """

    def __init__(self, schedules: Sequence[Any], milestones: Sequence[int]) -> None:
        if isinstance(schedules, (str, np.ndarray)) or not isinstance(schedules, (list, tuple)):
            raise TypeError(f"schedules must be a list of schedules, got "
                            f"{type(schedules).__name__}")
        if len(schedules) < 1:
            raise ValueError("schedules must hold at least one schedule")
        subs = []
        for i, sub in enumerate(schedules):
            name = f"schedules[{i}]"
            if isinstance(sub, (list, tuple, np.ndarray)):
                sub = Rates(sub)
            elif isinstance(sub, str):
                sub = step_rule(sub)
            if not isinstance(sub, _Rule) or hasattr(sub, "default_lr"):
                raise TypeError(f"{name} must be a schedule, got {type(sub).__name__}")
            if type(sub) is SequentialLR:
                raise ValueError(f"{name}: a SequentialLR cannot hold another one; list its "
                                 f"schedules and milestones in this one")
            if type(sub) not in _SCHEDULES:
                raise ValueError(f"{name} must be a schedule (a rate per step), not the step "
                                 f"rule {type(sub).__name__}")
            subs.append(sub)
        if not isinstance(milestones, (list, tuple, np.ndarray)) or np.ndim(milestones) != 1:
            raise TypeError(f"milestones must be a list of steps, got "
                            f"{type(milestones).__name__}")
        if len(milestones) != len(subs) - 1:
            raise ValueError(f"milestones must hold len(schedules) - 1 = {len(subs) - 1} "
                             f"steps, got {len(milestones)}")
        ms = tuple(_count(m, f"milestones[{i}]") for i, m in enumerate(milestones))
        for i in range(1, len(ms)):
            if not ms[i] > ms[i - 1]:
                raise ValueError(f"milestones must be increasing, got milestones[{i}] = {ms[i]} "
                                 f"after {ms[i - 1]}")
        self.schedules = tuple(subs)
        self.milestones = ms



class Armijo(_Rule):
    """Backtracking line search along the update rule's direction: t = lr, lr shrink,
    lr shrink^2, ... until f(x(t)) <= f(x) + c1 g.(x(t) - x), at most ``max_backtracks``
    values."""

    line_search = True

    def __init__(self, c1: float = 1e-4, shrink: float = 0.5, max_backtracks: int = 50) -> None:
        self.c1 = positive_float(c1, "c1")
        if not self.c1 < 1:
            raise ValueError(f"c1 must be in (0, 1), got {c1!r}")
        self.shrink = positive_float(shrink, "shrink")
        if not self.shrink < 1:
            raise ValueError(f"shrink must be in (0, 1), got {shrink!r}")
        self.max_backtracks = positive_int(max_backtracks, "max_backtracks")



class StrongWolfe(_Rule):
    """Line search to the strong Wolfe conditions (Nocedal & Wright, algorithms 3.5 and 3.6:
    bracketing, then zoom), from t = lr, at most ``max_evals`` evaluations."""

    line_search = True

    def __init__(self, c1: float = 1e-4, c2: float = 0.9, max_evals: int = 30) -> None:
        self.c1 = positive_float(c1, "c1")
        self.c2 = positive_float(c2, "c2")
        if not 0 < self.c1 < self.c2 < 1:
            raise ValueError(f"need 0 < c1 < c2 < 1, got c1={c1!r}, c2={c2!r}")
        self.max_evals = positive_int(max_evals, "max_evals")



class BarzilaiBorwein(_Rule):
    """Barzilai-Borwein steps: with s = x_k - x_{k-1}, y = g_k - g_{k-1}, s.s / s.y (variant 1)
    or s.y / y.y (variant 2), clipped to [lr_min, lr_max], lr first; globalized by Raydan's
    nonmonotone line search."""

    def __init__(self, variant: int = 1, lr_min: float = 1e-10,
                 lr_max: float = 1e10) -> None:
        if variant not in (1, 2):
            raise ValueError(f"variant must be 1 or 2, got {variant!r}")
        self.variant = variant
        self.lr_min = positive_float(lr_min, "lr_min")
        self.lr_max = positive_float(lr_max, "lr_max")
        if self.lr_min > self.lr_max:
            raise ValueError("lr_min must be <= lr_max")



class ReduceLROnPlateau(_Rule):
    """torch's ``ReduceLROnPlateau`` on f, checked after every iteration: when f has not
    improved on its best for more than ``patience`` iterations, the rate is multiplied by
    ``factor`` (not below ``min_lr``; a cut smaller than ``eps`` is skipped), then
    ``cooldown`` iterations pass before bad iterations count again.  Improving means
    f < best (1 - threshold) ("rel") or f < best - threshold ("abs"); with ``maximize``,
    f > best (1 + threshold) or f > best + threshold, as torch's mode "max".  Every update
    rule takes it; each start of a batch has its own rate.  The rate starts at ``lr``; a
    run's ``state`` carries it on (``lr_bb``), while the best and the counters start afresh.
    """

    def __init__(self, factor: float = 0.1, patience: int = 10, threshold: float = 1e-4,
                 threshold_mode: str = "rel", cooldown: int = 0, min_lr: float = 0.0,
                 eps: float = 1e-8) -> None:
        self.factor = positive_float(factor, "factor")
        if not self.factor < 1.0:
            raise ValueError(f"factor must be in (0, 1), got {factor!r}")
        self.patience = nonneg_int(patience, "patience")
        self.threshold = nonneg_float(threshold, "threshold")
        self.threshold_mode = choice(threshold_mode, "threshold_mode", ("rel", "abs"))
        self.cooldown = nonneg_int(cooldown, "cooldown")
        self.min_lr = nonneg_float(min_lr, "min_lr")
        self.eps = nonneg_float(eps, "eps")



STEP_RULES = {"fixed": Fixed, "armijo": Armijo, "wolfe": StrongWolfe, "bb": BarzilaiBorwein,
              "bb1": BarzilaiBorwein, "bb2": lambda: BarzilaiBorwein(variant=2),
              "plateau": ReduceLROnPlateau}


def step_rule(value):
    """A step-rule object from None, a name, an object or an array of rates."""
    if value is None:
        return Fixed()
    if isinstance(value, _Rule) and not hasattr(value, "default_lr"):
        return value
    if isinstance(value, str):
        choice(value, "step_rule", tuple(STEP_RULES))
        return STEP_RULES[value]()
    if isinstance(value, (list, tuple, np.ndarray)):
        return Rates(value)
    raise TypeError(f"step_rule must be a name, a step-rule object or an array of rates, "
                    f"got {type(value).__name__}")
