# Stub of the compiled module src/capi.pyx (checked against it by tests/test_typing.py).
# The C API itself is for Cython (``cimport gdfast.capi``, gdfast/capi.pxd); from Python the
# module holds only its version and a test hook.
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["CAPI_VERSION"]

CAPI_VERSION: int

def _py_minimize_v1(x0: NDArray[np.float64], lr: float = 0.01, max_iter: int = 10000,
                    max_fev: int = 0, gtol: float = 1e-5, ftol: float = 0.0, xtol: float = 0.0,
                    fd_method: int = -1) -> tuple[NDArray[np.float64], dict[str, Any]]: ...
