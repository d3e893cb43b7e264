"""
The lecture's worked example
============================

The gradient of f(x, y, z) = 3x²y + zy - x at (1, 1, 1) is (5, 4, 1), and two steps of
gradient descent on f(x, y) = 3x² + y² from a₀ = (1, 1) with step size γ = 0.1 give
a₁ = (0.4, 0.8) and a₂ = (0.16, 0.64).
"""
import matplotlib.pyplot as plt
import numpy as np

import gdfast
import gdfast.plot

# %%
# The gradient: the vector of partial derivatives, here by central differences in Cython.
g = gdfast.gradient(lambda v: 3 * v[0] ** 2 * v[1] + v[2] * v[1] - v[0], [1, 1, 1])
print(g)
assert np.allclose(g, [5, 4, 1])

# %%
# Descent: a_k = a_{k-1} - γ ∇f(a_{k-1}).  ``gtol=0`` turns the stopping test off, so the
# run takes exactly ``max_iter`` steps; ``history=True`` records every iterate.
f = gdfast.objectives.Quadratic([6.0, 2.0])          # 1/2 (6x² + 2y²) = 3x² + y²
res = gdfast.minimize(f, [1, 1], lr=0.1, max_iter=2, gtol=0, history=True)
print(res.history.x)
assert np.allclose(res.history.x, [[1, 1], [0.4, 0.8], [0.16, 0.64]])

# %%
# Run on to convergence and draw the path on the contour lines of f: each step is
# perpendicular to the contour line it leaves, and the steps shrink with the gradient.
res = gdfast.minimize(f, [1, 1], lr=0.1, history=True)
print(res.message, "after", res.nit, "steps")
fig, ax = plt.subplots(layout="constrained")
gdfast.plot.contour(f, path=res, xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), ax=ax,
                    title="3x² + y² from (1, 1), γ = 0.1")
ax.set_aspect("equal")
