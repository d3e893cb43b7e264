# Stub of the compiled module src/_config.pyx (checked against it by tests/test_typing.py).
from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import disjoint_base

__all__ = ["Config", "configure", "check_state"]

@disjoint_base
class Config:
    @property
    def state(self) -> dict[str, Any] | None: ...

def configure(n: int, method: Any = "gd", lr: float | None = None, max_iter: int = 10_000,
              gtol: float = 1e-5, ftol: float = 0.0, xtol: float = 0.0,
              max_fev: int | None = None, callback_every: int = 1, history: bool = False,
              step_rule: Any = None, options: dict[str, Any] | None = None, bounds: Any = None,
              clip_norm: float | None = None, clip_value: float | None = None,
              maximize: bool | None = None, state: dict[str, Any] | None = None) -> Config: ...
def clip_into_bounds(c: Config, x: NDArray[np.float64]) -> None: ...
def check_state(state: Any, n: int) -> dict[str, Any]: ...
