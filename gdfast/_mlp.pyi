# Stub of the compiled module src/_mlp.pyx (checked against it by tests/test_typing.py).
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from typing_extensions import disjoint_base

from gdfast._builtins import BuiltinObjective
from gdfast._validate import as_matrix as as_matrix, choice as choice
from gdfast._validate import nonneg_float as nonneg_float

__all__ = ["MLP"]

@disjoint_base
class MLP(BuiltinObjective):
    def __init__(self, X: ArrayLike, y: ArrayLike, layers: Sequence[int] = (2, 32, 32, 3),
                 activation: str = "tanh", loss: str = "softmax",
                 weight_decay: float = 0.0) -> None: ...
    @property
    def layers(self) -> tuple[int, ...]: ...
    @property
    def groups(self) -> tuple[int, ...]: ...
    def init(self, seed: int | None = None) -> NDArray[np.float64]: ...
    def predict(self, x: ArrayLike, X: ArrayLike | None = None) -> NDArray[np.float64]: ...
