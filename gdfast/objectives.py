"""Built-in objectives: value and gradient in C without the GIL.

Each is also a plain Python callable: ``obj(x)`` is f(x), ``obj.gradient(x)`` is grad f(x),
``obj.value_and_gradient(x)`` both.  ``Objective`` is the base class for Cython subclasses.
"""
from gdfast._objective import Objective, SumOfTerms
from gdfast._builtins import (Himmelblau, LennardJones, Logistic, LeastSquares, Quadratic,
                              Rastrigin, Rosenbrock)
from gdfast._mlp import MLP

__all__ = ["Objective", "Quadratic", "Rosenbrock", "Himmelblau", "Rastrigin", "LeastSquares",
           "Logistic", "LennardJones", "MLP", "SumOfTerms"]
