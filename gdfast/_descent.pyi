# Stub of the compiled module src/_descent.pyx (checked against it by tests/test_typing.py).
import enum
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import disjoint_base

from gdfast._config import Config
from gdfast._objective import Objective

class Status(enum.IntEnum):
    RUNNING = -1
    CONVERGED = 0
    MAX_ITER = 1
    STEP_FAILED = 2
    NONFINITE = 3
    DIVERGED = 4
    OBJECTIVE_ERROR = 5
    MAX_FEV = 6
    CALLBACK_STOP = 99

class StopTest(enum.IntEnum):
    BY_NONE = 0
    BY_GTOL = 1
    BY_XTOL = 2
    BY_FTOL = 3

MESSAGES: dict[Status, str]
STOP_TESTS: dict[StopTest, str]
STATE_VECTORS: tuple[str, ...]

def message(status: int, stop_test: int, error_code: int) -> str: ...

def run(objective: Objective, x0: NDArray[np.float64], config: Config,
        callback: Callable[[int, NDArray[np.float64], float, NDArray[np.float64]], bool]
        | None = None) -> tuple[Any, ...]: ...
