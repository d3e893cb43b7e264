"""Type aliases of gdfast's annotations and stubs (no role at run time)."""
from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ArrayLike", "Vector", "Fun", "Jac", "Method", "StepRule", "Bounds", "Groups"]

Vector = NDArray[np.float64]
"""A 1-D float64 array."""

Fun = Any
"""An objective: a Python callable ``fun(x, *args) -> float``, a ``gdfast.objectives``
Objective, or a low-level C function pointer (``scipy.LowLevelCallable``, ctypes, cffi, a
Numba ``cfunc``)."""

Jac = Union[Callable[..., Any], str, bool, None]
"""``jac=``: a callable, a finite-difference method's name, True (``fun`` returns (f, g)) or
None."""

Method = Any
"""``method=``: an update rule's name or an object of ``gdfast.optimizers``."""

StepRule = Any
"""``step_rule=``: None, a name, a step-rule object or an array of per-iteration rates."""

Bounds = Any
"""``bounds=``: (lb, ub), an object with ``lb`` / ``ub`` (``scipy.optimize.Bounds``), n pairs
or None."""

Groups = Union[int, Sequence[int], None]
"""``groups=``: a group size (3 for atoms), the sizes of consecutive groups, or None."""
