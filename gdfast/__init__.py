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
from gdfast._descent import Status
from gdfast._gradient import check_grad, gradient
from gdfast._minimize import minimize
from gdfast._result import History, OptimizeResult
from gdfast._stepper import Descent
from gdfast._batch import minimize_batch
from gdfast._scipy import scipy_method
from gdfast import objectives

__version__ = "0.1.0"

__all__ = ["minimize", "minimize_batch", "Descent", "scipy_method", "gradient", "check_grad", "OptimizeResult", "History", "Status",
           "objectives", "__version__"]
