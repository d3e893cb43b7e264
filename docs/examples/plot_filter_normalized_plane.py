"""
A filter-normalized random plane
================================

Li et al. (2018) look at a network's loss around its trained weights θ on the plane
θ + α d₁ + β d₂, with random directions d₁, d₂ *filter-normalized*: each filter of a
direction rescaled to the norm of the same filter of θ, so that the picture does not depend on
how the weights of each filter are scaled.  Here the "network" is a logistic regression on
synthetic data whose 64 weights form 8 filters of 8; its loss runs in C
(:class:`gdfast.objectives.Logistic`).
"""
import matplotlib.pyplot as plt
import numpy as np

import gdfast
import gdfast.landscape as L
import gdfast.plot
from gdfast.objectives import Logistic

rng = np.random.default_rng(0)
X = rng.normal(size=(400, 64))
w_true = rng.normal(size=64) * np.repeat(rng.uniform(0.2, 2.0, 8), 8)   # filters differ in scale
y = (X @ w_true + rng.normal(size=400) > 0).astype(float)
loss = Logistic(X, y, alpha=1e-3)

theta = gdfast.minimize(loss, np.zeros(64), method="adam", lr=0.05, max_iter=500).x
print(f"trained loss {loss(theta):.4f}")

# %%
# ``groups=[8] * 8``: 8 filters of 8 weights, so ``directions="filter"`` by default.
plane = L.plane(loss, theta, groups=[8] * 8, span=1.0, resolution=41, seed=1)
print(plane)

fig = plt.figure(figsize=(11, 4.5), layout="constrained")
gdfast.plot.contour(plane, levels=25, filled=True, ax=fig.add_subplot(1, 2, 1),
                    title="contours")
gdfast.plot.surface(plane, ax=fig.add_subplot(1, 2, 2, projection="3d"), title="surface")
