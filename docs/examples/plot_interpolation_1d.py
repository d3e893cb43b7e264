"""
1-D linear interpolation
========================

Goodfellow et al. (2015) plot the loss along the straight line from the initial weights a to
the trained ones b, f(a + α (b - a)): α = 0 is the start, α = 1 the solution, and the
line continues on both sides.  Here on a least-squares problem (a convex bowl, a parabola
along any line) and on Rastrigin's function (many local minima), from the same start.
"""
import matplotlib.pyplot as plt
import numpy as np

import gdfast
import gdfast.landscape as L
import gdfast.plot
from gdfast.objectives import LeastSquares, Rastrigin

rng = np.random.default_rng(2)
A, b = rng.normal(size=(50, 10)), rng.normal(size=50)
x0 = rng.normal(size=10)

fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for ax, f in zip(axes, [LeastSquares(A, b), Rastrigin(10)]):
    res = gdfast.minimize(f, x0, lr=0.005, max_iter=5000)
    line = L.line(f, x0, res.x, span=(-0.5, 1.5), resolution=201)
    print(f"{type(f).__name__}: f(a) = {line.values[50]:.3g}, f(b) = {res.fun:.3g}")
    gdfast.plot.line_plot(line, ax=ax, title=f"{type(f).__name__}(10), a to b")
