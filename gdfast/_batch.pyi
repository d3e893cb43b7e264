# Stub of the compiled module src/_batch.pyx (checked against it by tests/test_typing.py).
from collections.abc import Callable, Sequence
from typing import Any

from numpy.typing import ArrayLike

from gdfast._result import OptimizeResult
from gdfast._typing import Bounds, Fun, Groups, Jac, Method, StepRule

__all__ = ["minimize_batch", "openmp_available"]

def openmp_available() -> bool: ...
def default_threads() -> int: ...
def minimize_batch(fun: Fun, X0: ArrayLike, args: tuple[Any, ...] = (), *,
                   jac: Jac = None, method: Method = "gd", lr: float | None = None,
                   max_iter: int = 10_000, gtol: float = 1e-5, ftol: float = 0.0,
                   xtol: float = 0.0, max_fev: int | None = None,
                   callback: Callable[..., Any] | None = None, callback_every: int = 1,
                   history: bool = False, threads: int | None = None,
                   vectorized: bool = False, fd_step: ArrayLike | None = None,
                   step_rule: StepRule = None, options: dict[str, Any] | None = None,
                   bounds: Bounds = None, clip_norm: float | None = None,
                   clip_value: float | None = None,
                   maximize: bool | None = None,
                   state: dict[str, Any] | Sequence[dict[str, Any]] | None = None,
                   target: float | None = None, max_time: float | None = None,
                   patience: int | None = None, min_delta: float | None = None,
                   keep_best: bool = False, progress: bool | dict[str, Any] = False,
                   noise_stop: bool = False, check_gradient: bool | float = False,
                   groups: Groups = None, max_step: float | None = None, gnorm: str = "max"
                   ) -> OptimizeResult: ...
