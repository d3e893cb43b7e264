"""
Himmelblau: many starts, four minima
====================================

Himmelblau's function (x² + y - 11)² + (x + y² - 7)² has four minima of value 0.  Which one
a descent reaches depends on where it starts: eight descents drawn from random starts, then
:func:`gdfast.minimize_batch` on a grid of 10,000 starts, colored by the minimum each reached
(the basins of attraction).
"""
import matplotlib.pyplot as plt
import numpy as np

import gdfast
import gdfast.plot
from gdfast.objectives import Himmelblau

f = Himmelblau()
rng = np.random.default_rng(3)
starts = rng.uniform(-5, 5, size=(8, 2))
paths = [gdfast.minimize(f, s, lr=0.01, history=True) for s in starts]

fig, ax = plt.subplots(layout="constrained")
gdfast.plot.contour(f, path=paths, xlim=(-5.5, 5.5), ylim=(-5.5, 5.5), levels=30, log=True,
                    ax=ax, title="8 descents from random starts")
ax.set_aspect("equal")

# %%
# All starts of a 100 x 100 grid at once: one descent per row of ``X0``, in compiled code
# over all cores; each row's result is what :func:`gdfast.minimize` gives from that start.
xs = np.linspace(-5, 5, 100)
X0 = np.array(np.meshgrid(xs, xs)).reshape(2, -1).T
batch = gdfast.minimize_batch(f, X0, lr=0.01, max_iter=2000)
print(f"{batch.success.sum()} of {len(X0)} starts converged; best f = {batch.fun_best:.1e}")
minima = np.unique(np.round(batch.x[batch.success], 3), axis=0)
print("minima found:\n", minima)
basin = np.argmin(((batch.x[:, None, :] - minima[None]) ** 2).sum(-1), axis=1)

fig, ax = plt.subplots(layout="constrained")
ax.pcolormesh(xs, xs, basin.reshape(100, 100), cmap="Pastel1", shading="auto")
ax.plot(*minima.T, "k*", markersize=12)
ax.set(title="basins of attraction (lr 0.01)", xlabel="x", ylabel="y", aspect="equal")
