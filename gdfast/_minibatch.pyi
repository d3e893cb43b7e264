# Stub of the compiled module src/_minibatch.pyx (checked against it by tests/test_typing.py).
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gdfast._objective import Objective
from gdfast._config import Config

__all__ = ["run", "permutations"]

def permutations(n: int, epochs: int, seed: int, start: int = 0) -> NDArray[np.intp]: ...
def run(objective: Objective, x0: NDArray[np.float64], config: Config, batch_size: int,
        epochs: int, shuffle: bool, seed: int, adaptive: bool, tol: float,
        n_iter_no_change: int, average: int = 0,
        cont: dict[str, Any] | None = None) -> tuple[Any, ...]: ...
