# Stub of the compiled module src/_config.pyx (checked against it by tests/test_typing.py).
from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import disjoint_base

__all__ = ["Config", "configure", "prepare", "prepare_batch", "check_state", "all_finite"]

@disjoint_base
class Config:
    @property
    def state(self) -> dict[str, Any] | None: ...
    fused: bool

def configure(n: int, method: Any = "gd", lr: float | None = None, max_iter: int = 10_000,
              gtol: float = 1e-5, ftol: float = 0.0, xtol: float = 0.0,
              max_fev: int | None = None, callback_every: int = 1, history: bool = False,
              step_rule: Any = None, options: dict[str, Any] | None = None, bounds: Any = None,
              clip_norm: float | None = None, clip_value: float | None = None,
              maximize: bool | None = None, state: dict[str, Any] | None = None,
              controls: dict[str, Any] | None = None) -> Config: ...
def prepare(fun: Any, x0: Any, args: tuple[Any, ...], jac: Any, vectorized: bool, fd_step: Any,
            method: Any, lr: float | None, max_iter: int, gtol: float, ftol: float,
            xtol: float, max_fev: int | None, callback_every: int, history: bool,
            step_rule: Any, options: dict[str, Any] | None, bounds: Any,
            clip_norm: float | None, clip_value: float | None, maximize: bool | None,
            state: dict[str, Any] | None, controls: dict[str, Any] | None = None,
            noise_stop: bool = False, check_gradient: bool | float = False
            ) -> tuple[NDArray[np.float64], Any, Config]: ...
def prepare_batch(fun: Any, X0: Any, args: tuple[Any, ...], jac: Any, vectorized: bool,
                  fd_step: Any, method: Any, lr: float | None, max_iter: int, gtol: float,
                  ftol: float, xtol: float, max_fev: int | None, callback_every: int,
                  history: bool, step_rule: Any, options: dict[str, Any] | None, bounds: Any,
                  clip_norm: float | None, clip_value: float | None,
                  maximize: bool | None, controls: dict[str, Any] | None = None,
                  noise_stop: bool = False, check_gradient: bool | float = False
                  ) -> tuple[NDArray[np.float64], Any, Any, Config]: ...
def sgd_schedule(config: Config, learning_rate: str, batch: int, epoch_steps: int,
                 samples: int, power_t: float = 0.5, alpha: float = 0.0,
                 optimal_init: float = 0.0) -> None: ...
CONTROLS: tuple[str, ...]

def check_state(state: Any, n: int) -> dict[str, Any]: ...
def all_finite(v: NDArray[Any]) -> bool: ...
