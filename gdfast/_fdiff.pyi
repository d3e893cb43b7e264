# Stub of the compiled module src/_fdiff.pyx (checked against it by tests/test_typing.py).
import enum

from numpy.typing import ArrayLike
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
                 step: ArrayLike | None = None) -> None: ...
    @property
    def nfev(self) -> int: ...
