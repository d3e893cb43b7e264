# Stub of the compiled module src/_stepper.pyx (checked against it by tests/test_typing.py).
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from typing_extensions import disjoint_base

from gdfast._descent import Status
from gdfast._typing import Bounds, Fun, Groups, Jac, Method, StepRule

__all__ = ["Descent"]

@disjoint_base
class Descent:
    def __init__(self, fun: Fun, x0: ArrayLike, args: tuple[Any, ...] = (), *,
                 jac: Jac = None, method: Method = "gd", lr: float | None = None,
                 max_iter: int | None = None, gtol: float = 1e-5, ftol: float = 0.0,
                 xtol: float = 0.0, max_fev: int | None = None, vectorized: bool = False,
                 fd_step: ArrayLike | None = None,
                 step_rule: StepRule = None,
                 options: dict[str, Any] | None = None, bounds: Bounds = None,
                 clip_norm: float | None = None, clip_value: float | None = None,
                 maximize: bool | None = None, state: dict[str, Any] | None = None,
                 target: float | None = None, max_time: float | None = None,
                 patience: int | None = None, min_delta: float | None = None,
                 keep_best: bool = False, noise_stop: bool = False,
                 check_gradient: bool | float = False, groups: Groups = None,
                 max_step: float | None = None, gnorm: str = "max") -> None: ...
    def step(self, n: int = 1) -> Status: ...
    def reset(self, x0: ArrayLike | None = None) -> None: ...
    @property
    def x(self) -> NDArray[np.float64]: ...
    @property
    def fun(self) -> float: ...
    @property
    def jac(self) -> NDArray[np.float64]: ...
    @property
    def state(self) -> dict[str, Any]: ...
    @property
    def nit(self) -> int: ...
    @property
    def nfev(self) -> int: ...
    @property
    def njev(self) -> int: ...
    @property
    def x_best(self) -> NDArray[np.float64] | None: ...
    @property
    def fun_best(self) -> float | None: ...
    @property
    def nit_best(self) -> int | None: ...
    @property
    def status(self) -> Status: ...
    @property
    def success(self) -> bool: ...
    @property
    def stop_reason(self) -> str: ...
    @property
    def message(self) -> str: ...
