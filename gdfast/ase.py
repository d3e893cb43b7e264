"""ASE interoperability (the ``ase`` extra): gdfast's FIRE and FIRE 2.0 as ``ase.optimize``
optimizers, and batch relaxation of many ``Atoms`` with the built-in Lennard-Jones energy.

``FIRE(atoms).run(fmax=0.05, steps=...)`` relaxes an ``Atoms`` object with any ASE calculator,
as ``ase.optimize.FIRE`` does and with its parameters, on ASE's own ``Optimizer`` base: a
``logfile`` ("-" for stdout), a ``trajectory``, ``irun`` (a generator), ``attach``ed observers,
``nsteps``, and ``restart`` files in ASE's FIRE format (velocity and dt).  The step is
gdfast's loop (``gdfast.Descent`` one iteration at a time), the calculator is called once per
step as with ASE's optimizers.  ``max_step=`` caps each atom's displacement per step
(LAMMPS's ``dmax``); ASE's ``maxstep`` caps the whole step's 2-norm.

``relax_batch(images, fmax=0.05)`` relaxes many ``Atoms`` at once as lanes of the one loop with
``gdfast.objectives.LennardJones`` as the energy, in C: no calculator is called, and each
``Atoms`` gets its relaxed positions.
"""
import inspect

import numpy as np

import gdfast
from gdfast.optimizers import FIRE as _FireRule, FIRE2 as _Fire2Rule

__all__ = ["FIRE", "FIRE2", "relax_batch"]

def _ase_optimizer():
    """ASE's Optimizer base class, or an ImportError naming the extra."""
    try:
        from ase.optimize.optimize import Optimizer
    except ImportError as exc:      # pragma: no cover - the extra is part of the test extra
        raise ImportError("gdfast.ase needs ASE: pip install 'gdfast[ase]'") from exc
    return Optimizer


class _GdfastOptimizer(_ase_optimizer()):  # type: ignore[misc]
    """An ``ase.optimize`` optimizer whose step is one iteration of gdfast's loop."""

    _rule_class: type = _FireRule

    def __init__(self, atoms, restart=None, logfile="-", trajectory=None, *, max_step=None,
                 **kwargs):
        names = inspect.signature(self._rule_class).parameters
        params = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
        self.rule = self._rule_class(**params)      # validated: clear errors naming them
        self.max_step = max_step
        self.maxstep = self.rule.maxstep            # ASE's attribute (todict, logs)
        super().__init__(atoms, restart, logfile, trajectory, **kwargs)

    def initialize(self):
        self._state = None
        self._descent = None

    def read(self):
        v, dt = self.load()                         # ASE's FIRE restart format
        v = np.asarray(v, dtype=float).reshape(-1)
        self._state = {"t": 0, "lr_bb": float(dt), "lr_sched": float(dt), "k_sched": 0,
                       "buf_ready": True, "m": v, "v": np.zeros_like(v),
                       "w": np.zeros_like(v)}
        self._descent = None

    def _value_and_gradient(self, x):
        self.optimizable.set_x(x)
        return self.optimizable.get_value(), self.optimizable.get_gradient()

    def step(self, f=None):
        if self._descent is None:
            x0 = self.optimizable.get_x()
            self._descent = gdfast.Descent(
                self._value_and_gradient, x0, jac=True, method=self.rule, gtol=0,
                groups=3 if x0.size % 3 == 0 else None, max_step=self.max_step,
                state=self._state)
        self._descent.step(1)
        if self._descent.status not in (-1, 1):     # stopped: not finite, an error, ...
            raise RuntimeError(f"gdfast: {self._descent.message}")
        self.optimizable.set_x(self._descent.x)
        state = self._descent.state
        self.dump((state["m"], state["lr_bb"]))

    @property
    def dt(self):
        """The current time step (the run's own, once it has started)."""
        if self._descent is not None:
            return float(self._descent.state["lr_bb"])
        return self.rule.dt if self._state is None else self._state["lr_bb"]


class FIRE(_GdfastOptimizer):
    """ASE's ``FIRE(atoms, restart=None, logfile='-', trajectory=None, dt=0.1, maxstep=0.2,
    dtmax=1.0, Nmin=5, finc=1.1, fdec=0.5, astart=0.1, fa=0.99, a=0.1)``, stepped by gdfast;
    ``max_step=``: a cap on each atom's displacement per step.  Same iterates as ASE's (to
    rounding: 1e-13 over 200 steps on LJ clusters)."""

    _rule_class = _FireRule


class FIRE2(_GdfastOptimizer):
    """ASE's ``FIRE2(atoms, ..., dt=0.1, maxstep=0.2, dtmax=1.0, dtmin=2e-3, Nmin=20,
    finc=1.1, fdec=0.5, astart=0.25, fa=0.99, use_abc=False)``, stepped by gdfast."""

    _rule_class = _Fire2Rule


def relax_batch(images, fmax=0.05, steps=100_000, *, method="fire", epsilon=1.0, sigma=1.0,
                rc=None, max_step=None, threads=None, **params):
    """Relax every ``Atoms`` of ``images`` (all with the same number of atoms) with the
    Lennard-Jones energy, gdfast's built-in in C, in one batch (a lane each), until the
    largest force on an atom is <= fmax or after ``steps`` steps.  ``rc``: ASE's
    ``LennardJones`` cut-off, the energy shifted to 0 there (its ``smooth=False``); None:
    every pair.  ``params``: the method's (FIRE's dt, maxstep, ...).  Each ``Atoms`` gets
    its relaxed positions; returns the ``minimize_batch`` result, a row per image (``fun``
    its energy, ``nit`` its steps, ``success`` whether it reached fmax)."""
    images = list(images)
    if not images:
        raise ValueError("images must hold at least one Atoms")
    n = len(images[0])
    if n < 1 or any(len(a) != n for a in images):
        raise ValueError("the images of a batch must all have the same number (>= 1) of atoms")
    rule = gdfast.optimizers.update_rule(method, params or None)
    X0 = np.array([a.get_positions().reshape(-1) for a in images])
    lj = gdfast.objectives.LennardJones(n, epsilon=epsilon, sigma=sigma, cutoff=rc)
    res = gdfast.minimize_batch(lj, X0, method=rule, gtol=fmax, groups=3, gnorm="group",
                                max_iter=steps, max_step=max_step, threads=threads)
    for a, x in zip(images, res.x):
        a.set_positions(x.reshape(n, 3))
    return res
