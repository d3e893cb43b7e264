"""
Descent paths on a contour
==========================

Four update rules from the same start on Rosenbrock's banana valley,
f(x, y) = 100 (y - x²)² + (1 - x)², drawn on logarithmically spaced contour lines.
Plain descent needs a small step and crawls along the valley floor; momentum and Adam
move along it; Barzilai-Borwein steps adapt the step size to the curvature.
"""
import matplotlib.pyplot as plt

import gdfast
import gdfast.plot
from gdfast.objectives import Rosenbrock

f = Rosenbrock(2)
x0 = [-1.2, 1.0]
runs = {
    "gd, lr 1e-3": gdfast.minimize(f, x0, lr=1e-3, max_iter=3000, history=True),
    "momentum 0.9, lr 2e-4": gdfast.minimize(f, x0, method="momentum", lr=2e-4,
                                             options={"momentum": 0.9}, max_iter=3000,
                                             history=True),
    "Adam, lr 0.05": gdfast.minimize(f, x0, method="adam", lr=0.05, max_iter=3000,
                                     history=True),
    "Barzilai-Borwein": gdfast.minimize(f, x0, lr=1e-3, step_rule="bb", max_iter=3000,
                                        history=True),
}
for name, res in runs.items():
    print(f"{name:24s} {res.nit:5d} steps, f = {res.fun:.2e}, x = {res.x}")

fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
gdfast.plot.contour(f, path=list(runs.values()), labels=list(runs), xlim=(-1.6, 1.6),
                    ylim=(-0.6, 1.8), levels=25, log=True, arrows=False, ax=ax,
                    title="Rosenbrock from (-1.2, 1)")
