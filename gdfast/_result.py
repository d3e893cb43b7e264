"""Result objects: SciPy's ``OptimizeResult`` field names, plus the run's history."""
from typing import Any

import numpy as np

from gdfast._typing import Vector

__all__ = ["OptimizeResult", "History"]


class OptimizeResult(dict):
    """The result of a run, with SciPy's field names, as attributes and as dict keys.

    Attributes
    ----------
    x : ndarray
        The solution (the last finite iterate), a new float64 array.
    fun : float
        f(x).
    jac : ndarray
        The gradient at x.
    nit : int
        Iterations (steps taken).
    nfev : int
        Objective value evaluations, finite-difference stencils included.
    njev : int
        Gradient evaluations (analytic or finite-difference).
    status : int
        A ``gdfast.Status`` code (0 converged, 1 max_iter, 2 step failure, 3 NaN,
        4 diverged to inf, 5 C objective error, 6 max_fev, 99 stopped by callback).
    success : bool
        ``status == 0``.
    message : str
        A sentence describing the status.
    history : History
        With ``history=True`` only.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    __delattr__ = dict.__delitem__

    def __dir__(self):
        return list(self.keys())

    def __repr__(self):
        if not self:
            return f"{type(self).__name__}()"
        width = max(map(len, self.keys())) + 1
        lines = []
        for key, value in self.items():
            text = np.array2string(value, separator=", ") if isinstance(value, np.ndarray) \
                else repr(value)
            text = text.replace("\n", "\n" + " " * (width + 2))
            lines.append(f"{key.rjust(width)}: {text}")
        return "\n".join(lines)


class History:
    """Every iterate of a run: ``x`` (nit + 1, n), ``fun`` (nit + 1,) and ``gnorm`` (nit + 1,),
    the infinity norm of the gradient; row 0 is x0."""

    __slots__ = ("x", "fun", "gnorm")

    def __init__(self, x: Vector, fun: Vector, gnorm: Vector) -> None:
        self.x = x
        self.fun = fun
        self.gnorm = gnorm

    def __len__(self) -> int:
        return self.x.shape[0]

    def __repr__(self):
        return f"History({len(self)} iterates of dimension {self.x.shape[1]})"
