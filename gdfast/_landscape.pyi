# Stub of the compiled module src/_landscape.pyx (checked against it by tests/test_typing.py).
import numpy as np
from numpy.typing import NDArray

from gdfast._objective import Objective

HAVE_OPENMP: bool

def evaluate_affine(objective: Objective, origin: NDArray[np.float64],
                    directions: NDArray[np.float64], coeffs: NDArray[np.float64],
                    out: NDArray[np.float64], threads: int = 1, block: int = 4096) -> None: ...
