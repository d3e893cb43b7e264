# Stub of the compiled module src/_fdiff.pyx (checked against it by tests/test_typing.py).
import enum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from typing_extensions import disjoint_base

from gdfast._objective import Objective

class FDMethod(enum.IntEnum):
    FD_FORWARD = 0
    FD_BACKWARD = 1
    FD_CENTRAL = 2
    FD_CENTRAL4 = 3

METHODS: dict[str, FDMethod]
RELATIVE_STEPS: dict[str, float]

@disjoint_base
class FiniteDifference(Objective):
    def __init__(self, inner: Objective, n: int, method: str = "central",
                 step: ArrayLike | None = None, error: bool = False,
                 n_starts: int = 0) -> None: ...
    @property
    def nfev(self) -> int: ...
    @property
    def error(self) -> bool: ...
    def gradient_and_error(self, x: ArrayLike, start: int = 0
                           ) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...

def check_gradient(objective: Objective, x: NDArray[np.float64], rtol: float, start: int = 0,
                   point_name: str = "x0") -> None: ...
