"""Typed use of gdfast's API: ``mypy --strict`` must accept this file (tests/test_typing.py
runs mypy on it, and runs it).  Keep it short and quick; add a line for each new public name."""
import numpy as np
from numpy.typing import NDArray

import gdfast
import gdfast.landscape
from gdfast.objectives import Himmelblau, Quadratic, Rosenbrock


def f(v: NDArray[np.float64]) -> float:
    return float(3 * v[0] ** 2 + v[1] ** 2)


def main() -> None:
    g: NDArray[np.float64] = gdfast.gradient(f, [1.0, 1.0])
    err: float = gdfast.check_grad(f, lambda v: np.array([6 * v[0], 2 * v[1]]), [1.0, 1.0])
    res = gdfast.minimize(f, [1.0, 1.0], lr=0.1, max_iter=2, gtol=0, history=True)
    x: NDArray[np.float64] = res.x
    assert res.history.x.shape == (3, 2) and g.shape == x.shape and err < 1e-6

    quad = Quadratic([6.0, 2.0])
    value: float = quad([1.0, 1.0])
    assert value == 4.0 and quad.n == 2
    adam = gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], method=gdfast.Adam(lr=1e-2),
                           step_rule=gdfast.CosineLR(200), max_iter=200)
    assert adam.nit == 200

    d = gdfast.Descent(quad, [1.0, 1.0], lr=0.1, gtol=0)
    status: gdfast.Status = d.step(2)
    assert status == gdfast.Status.RUNNING and d.nit == 2

    batch = gdfast.minimize_batch(Himmelblau(), np.random.default_rng(0).uniform(-5, 5, (8, 2)),
                                  lr=0.01, max_iter=500)
    assert batch.x.shape == (8, 2)

    plane: gdfast.landscape.Plane = gdfast.landscape.plane(quad, path=res.history.x,
                                                           directions="pca", resolution=5)
    line = gdfast.landscape.line(quad, [1.0, 1.0], [0.0, 0.0], resolution=5)
    assert plane.values.shape == (5, 5) and line.values.shape == (5,)


if __name__ == "__main__":
    main()
