"""gdfast: gradient descent with compiled Cython hot loops.

>>> import gdfast
>>> gdfast.gradient(lambda v: 3*v[0]**2*v[1] + v[2]*v[1] - v[0], [1, 1, 1])
array([5., 4., 1.])
>>> res = gdfast.minimize(lambda v: 3*v[0]**2 + v[1]**2, [1, 1], lr=0.1, max_iter=2, gtol=0,
...                       history=True)
>>> res.history.x
array([[1.  , 1.  ],
       [0.4 , 0.8 ],
       [0.16, 0.64]])
"""
from typing import TYPE_CHECKING

try:
    from gdfast._descent import Status
except ModuleNotFoundError as _exc:           # no compiled extensions next to this file
    if _exc.name != "gdfast._descent":
        raise
    import os as _os
    raise ImportError(
        f"gdfast's compiled extensions are missing: this gdfast was imported from "
        f"{_os.path.dirname(__file__)}, which holds no built gdfast._descent (a source "
        f"checkout that was not built in place?). Either build the extensions in place "
        f"(pip install -e . or python setup.py build_ext --inplace) or run Python from "
        f"outside the source tree, so that the installed gdfast is imported.",
        name="gdfast") from _exc
from gdfast._gradient import check_grad, gradient
from gdfast._minimize import minimize
from gdfast._sgd import sgd
from gdfast._result import History, OptimizeResult
from gdfast._stepper import Descent
from gdfast._batch import minimize_batch
from gdfast._scipy import scipy_method
from gdfast import objectives, optimizers
from gdfast.optimizers import (SGD, Adam, AdamW, RMSprop, Adagrad, CG, LBFGS, FIRE, FIRE2,
                               Fixed, ExponentialLR, InverseTimeLR, StepLR, CosineLR, LinearLR,
                               OneCycleLR,
                               CosineAnnealingWarmRestarts, SequentialLR, Armijo, StrongWolfe,
                               BarzilaiBorwein, ReduceLROnPlateau)

__version__ = "0.1.0"

__all__ = ["minimize", "sgd", "minimize_batch", "Descent", "scipy_method", "gradient",
           "check_grad",
           "OptimizeResult", "History", "Status", "objectives", "optimizers", "SGD", "Adam",
           "AdamW", "RMSprop", "Adagrad", "CG", "LBFGS", "FIRE", "FIRE2", "Fixed",
           "ExponentialLR", "InverseTimeLR", "StepLR", "CosineLR", "LinearLR", "OneCycleLR",
           "CosineAnnealingWarmRestarts", "SequentialLR",
           "Armijo", "StrongWolfe", "BarzilaiBorwein", "ReduceLROnPlateau", "landscape", "plot",
           "dask", "ase", "sklearn",
           "__version__"]

if TYPE_CHECKING:
    from gdfast import ase, dask, landscape, plot, sklearn

# imported on first use only: plot needs matplotlib, dask needs Dask (when called), ase ASE,
# sklearn scikit-learn
_LAZY_SUBMODULES = ("landscape", "plot", "dask", "ase", "sklearn")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib
        return importlib.import_module(f"gdfast.{name}")
    raise AttributeError(f"module 'gdfast' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
