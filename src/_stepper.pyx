"""The stepper: one descent driven a few steps at a time (once per time step of a simulation).

``Descent`` owns a ``gd_state`` of THE loop (``gdfast._descent``) and advances it with
``gd_iterate(&state, n)``: the iterates are the ones ``minimize`` computes, step for step.
"""
from libc.string cimport memcpy

cimport numpy as cnp
import numpy as np

from gdfast._objective cimport Objective, gd_objective, fresh_vector
from gdfast._descent cimport (gd_state, gd_options, gd_state_init, gd_state_free, gd_start,
                              gd_iterate, load_state, save_state, RUNNING,
                              NONFINITE, DIVERGED, CONVERGED, OBJECTIVE_ERROR, best_of)
from gdfast._fdiff cimport FiniteDifference
from gdfast._config cimport Config
from gdfast._config import prepare

from gdfast._descent import SUCCESS, Status, message, stop_reason
from gdfast._minimize import controls
from gdfast._validate import MAX_COUNT as _MAX_COUNT

cnp.import_array()

__all__ = ["Descent"]





cdef class Descent:
    """A gradient descent advanced on demand: ``Descent(fun, x0, ...)``, then ``step(n)``.

    Arguments are those of :func:`gdfast.minimize` (``fun`` may be a Python callable, a
    built-in objective or a low-level function pointer; ``jac``, ``method``, ``step_rule``,
    ``bounds`` and the rest alike), except that ``max_iter`` defaults to no limit and there
    is no callback or history: you drive the loop (``noise_stop`` and ``check_gradient``
    too: the check is made at construction, at x0).  ``x0`` is evaluated at construction (a non-finite value there is a
    ``ValueError``).

    >>> import gdfast
    >>> d = gdfast.Descent(lambda v: 3*v[0]**2 + v[1]**2, [1.0, 1.0], lr=0.1, gtol=0)
    >>> d.step(); d.x
    <Status.RUNNING: -1>
    array([0.4, 0.8])
    >>> d.step(); d.x, d.nit
    <Status.RUNNING: -1>
    (array([0.16, 0.64]), 2)

    Attributes: ``x`` (a fresh copy), ``fun`` f(x), ``jac`` the gradient at x, ``nit``,
    ``nfev``, ``njev``, ``status`` (``Status.RUNNING`` until a stopping test fires),
    ``stop_reason``, ``message``, ``success``; with ``keep_best=True`` ``x_best``,
    ``fun_best``, ``nit_best`` (None otherwise).  ``max_time`` counts from the construction
    (or the last ``reset``).  Once stopped, ``step`` does nothing; ``reset(x0)`` starts over.
    If your objective raises during ``step``, the exception propagates and the stepper must be
    ``reset()`` before it steps again.
    """

    cdef gd_state s
    cdef bint alive              # s holds allocated buffers
    cdef bint broken             # a user exception interrupted the last step
    cdef Objective objective
    cdef object fd               # the FiniteDifference wrapper, or None
    cdef Config config           # the loop's configuration (owns the arrays it points to)
    cdef Py_ssize_t n
    cdef object x0

    def __cinit__(self, *args, **kwargs):
        self.alive = False
        self.broken = False

    def __init__(self, fun, x0, args=(), *, jac=None, method="gd", lr=None, max_iter=None,
                 gtol=1e-5, ftol=0.0, xtol=0.0, max_fev=None, vectorized=False, fd_step=None,
                 step_rule=None, options=None, bounds=None, clip_norm=None, clip_value=None,
                 maximize=None, state=None, target=None, max_time=None, patience=None,
                 min_delta=None, keep_best=False, noise_stop=False, check_gradient=False,
                 groups=None, max_step=None, gnorm="max"):
        x, self.objective, self.config = prepare(
            fun, x0, args, jac, vectorized, fd_step, method, lr,
            _MAX_COUNT if max_iter is None else max_iter, gtol, ftol, xtol, max_fev, 1, False,
            step_rule, options, bounds, clip_norm, clip_value, maximize, state,
            controls(target, max_time, patience, min_delta, keep_best, groups, max_step,
                     gnorm), noise_stop,
            check_gradient)
        self.fd = self.objective if isinstance(self.objective, FiniteDifference) else None
        self.n = x.shape[0]
        self._start(x)

    cdef int _start(self, x) except -1:
        """(Re)start from x (a validated fresh array): free, init, evaluate at x."""
        cdef double[::1] xv = x
        cdef const gd_objective *obj = &self.objective.obj
        if self.alive:
            gd_state_free(&self.s)
            self.alive = False
        if self.fd is not None:
            (<FiniteDifference>self.fd).data.nfev = 0
        gd_state_init(&self.s, obj, self.n, &xv[0], &self.config.opt)
        self.alive = True
        if self.config.state is not None:
            load_state(&self.s, self.config.state)
        self.broken = True
        if obj.needs_gil:
            gd_start(&self.s)
        else:
            with nogil:
                gd_start(&self.s)
        self.broken = False
        self.x0 = x
        if self.s.status in (NONFINITE, DIVERGED):
            raise ValueError(f"fun or its gradient is not finite at x0 (f(x0) = {self.s.f[0]!r}); "
                             "choose another x0")
        return 0

    def __dealloc__(self):
        if self.alive:
            gd_state_free(&self.s)

    def step(self, n=1):
        """Take up to ``n`` iterations (fewer if a stopping test fires); return the status."""
        from gdfast._validate import nonneg_int
        cdef Py_ssize_t steps = min(nonneg_int(n, "n"), _MAX_COUNT)
        if self.broken:
            raise RuntimeError("the objective raised during the last step; call reset() first")
        if self.s.status != RUNNING:
            return Status(self.s.status)
        self.broken = True
        if self.objective.obj.needs_gil:
            gd_iterate(&self.s, steps)
        else:
            with nogil:
                gd_iterate(&self.s, steps)
        self.broken = False
        return Status(self.s.status)

    def reset(self, x0=None):
        """Start over from ``x0`` (default: the previous starting point); counts restart at 0."""
        from gdfast._validate import as_point
        if x0 is None:
            x = np.array(self.x0)
        else:
            x = as_point(x0, "x0")
            if x.shape[0] != self.n:
                raise ValueError(f"x0 must have length {self.n}, got length {x.shape[0]}")
        self.broken = False
        self._start(x)

    @property
    def x(self):
        """The current iterate (a new array)."""
        return fresh_vector(self.n, self.s.x)

    @property
    def jac(self):
        """The gradient at x (a new array)."""
        return fresh_vector(self.n, self.s.g)

    @property
    def fun(self):
        """f(x).  Objectives with finite-difference gradients do not compute f at every
        iterate; it is then evaluated here (not counted in nfev)."""
        if self.s.f_known:
            return self.s.f[0]
        cdef double f = 0.0
        cdef int rc
        cdef const gd_objective *obj = &self.objective.obj
        if self.fd is not None:          # the value of the wrapped objective, no stencil
            obj = (<FiniteDifference>self.fd).data.inner
        if obj.needs_gil:
            rc = obj.eval(obj.ctx, self.n, self.s.x, &f, NULL)
        else:
            with nogil:
                rc = obj.eval(obj.ctx, self.n, self.s.x, &f, NULL)
        if rc > 0:
            raise RuntimeError(f"the objective returned error code {rc}")
        return f

    @property
    def state(self):
        """The update and step rules' state (moments, step count, BB step), as
        ``minimize``'s ``result.state``: pass it as ``state=`` to continue elsewhere."""
        return save_state(&self.s)

    @property
    def nit(self):
        return self.s.nit

    @property
    def nfev(self):
        return self.s.nfev[0]

    @property
    def njev(self):
        return self.s.njev[0]

    @property
    def x_best(self):
        """The best iterate so far (keep_best=True), a fresh copy; else None."""
        best = best_of(&self.s)
        return None if best is None else best[0]

    @property
    def fun_best(self):
        best = best_of(&self.s)
        return None if best is None else best[1]

    @property
    def nit_best(self):
        best = best_of(&self.s)
        return None if best is None else best[2]

    @property
    def status(self):
        """A ``gdfast.Status``: ``RUNNING`` until a stopping test fires."""
        return Status(self.s.status)

    @property
    def success(self):
        return self.s.status in SUCCESS

    @property
    def stop_reason(self):
        """Which test stopped the run, by name ("gtol", "max_iter", ...); "running" before."""
        return stop_reason(self.s.status, self.s.stop_test)

    @property
    def message(self):
        return message(self.s.status, self.s.stop_test, self.s.error_code)

    def __repr__(self):
        return (f"Descent(n={self.n}, nit={self.nit}, fun={self.fun!r}, "
                f"status={self.status.name})")
