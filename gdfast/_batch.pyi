# Stub of the compiled module src/_batch.pyx (checked against it by tests/test_typing.py).
from typing import Any

from numpy.typing import ArrayLike

from gdfast._result import OptimizeResult
from gdfast._typing import Fun, Jac, Method

__all__ = ["minimize_batch", "openmp_available"]

def openmp_available() -> bool: ...
def default_threads() -> int: ...
def minimize_batch(fun: Fun, X0: ArrayLike, args: tuple[Any, ...] = (), *,
                   jac: Jac = None, method: Method = "gd", lr: float = 0.01, max_iter: int = 10_000,
                   gtol: float = 1e-5, ftol: float = 0.0, xtol: float = 0.0,
                   threads: int | None = None, vectorized: bool = False,
                   fd_step: ArrayLike | None = None) -> OptimizeResult: ...
