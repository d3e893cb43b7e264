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
    TARGET_REACHED = 7
    PATIENCE = 8
    MAX_TIME = 9
    CALLBACK_STOP = 99

class StopTest(enum.IntEnum):
    BY_NONE = 0
    BY_GTOL = 1
    BY_XTOL = 2
    BY_FTOL = 3
    BY_NOISE = 4

MESSAGES: dict[Status, str]
STOP_TESTS: dict[StopTest, str]
STOP_REASONS: dict[Status, str]
SUCCESS: frozenset[Status]
STATE_VECTORS: tuple[str, ...]

def message(status: int, stop_test: int, error_code: int) -> str: ...
def stop_reason(status: int, stop_test: int) -> str: ...
REASON_NAMES: NDArray[np.str_]

def run(objective: Objective, x0: NDArray[np.float64], config: Config,
        callback: Callable[[int, NDArray[np.float64], float, NDArray[np.float64]], bool]
        | tuple[int, int] | None = None,
        progress: Callable[..., Any] | None = None) -> tuple[Any, ...]: ...
