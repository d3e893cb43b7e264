"""The demo's network pictures: Li et al.'s loss-landscape figures ("Visualizing the Loss
Landscape of Neural Nets", 2018) for a small MLP trained on the two-dimensional spirals
(issue 17).  Called by ``python -m gdfast demo``; needs matplotlib (the ``plot`` extra)."""
import os

import numpy as np

SEED = 0
LAYERS = (2, 32, 32, 3)


SGD_EPOCHS = 5000          # mini-batch SGD: epochs, in legs of SGD_LEG (its path's points)
SGD_LEG = 50


def train(seed=SEED):
    """The spirals (3 arms of 100 points), the MLP and its start, and the runs drawn: mini-batch
    SGD (batch 16, momentum 0.9, lr 0.05: the trained network), its path recorded every
    SGD_LEG epochs (``state=`` continues a run exactly); full-batch Adam and plain gradient
    descent beside it, from the same start.  Returns (X, y, mlp, x0, runs), runs[name] a
    (result, path) pair."""
    import gdfast
    from gdfast.datasets import spirals
    from gdfast.objectives import MLP

    X, y = spirals(100, 3, noise=0.05, seed=seed)
    mlp = MLP(X, y, layers=LAYERS)
    x0 = mlp.init(seed)
    path, x, state, res = [x0], x0, None, None
    for _ in range(SGD_EPOCHS // SGD_LEG):
        res = gdfast.sgd(mlp, x, batch_size=16, epochs=SGD_LEG, method="momentum", lr=0.05,
                         seed=seed, state=state)
        x, state = res.x, res.state
        path.append(x)
    adam = gdfast.minimize(mlp, x0, method="adam", lr=0.01, max_iter=3000, gtol=0,
                           history=True)
    gd = gdfast.minimize(mlp, x0, lr=0.5, max_iter=3000, gtol=0, history=True)
    return X, y, mlp, x0, {"SGD": (res, np.array(path)), "Adam": (adam, adam.history.x),
                           "GD": (gd, gd.history.x)}


def accuracy(mlp, x, y):
    return float((mlp.predict(x).argmax(axis=1) == y).mean())


def network_pictures(out=None, outdir=".", seed=SEED):
    """Write the five PNGs (interpolation, filter-normalized contour and surface, PCA
    trajectory, decision boundary) into outdir, print where; returns their paths."""
    import matplotlib.pyplot as plt

    import sys

    import gdfast.plot
    from gdfast import landscape

    out = sys.stdout if out is None else out
    X, y, mlp, x0, runs = train(seed)
    trained, sgd_path = runs["SGD"]
    acc = accuracy(mlp, trained.x, y)
    os.makedirs(outdir, exist_ok=True)
    name = "2-32-32-3 tanh MLP on the spirals"
    written = []

    def save(fig, stem, what):
        path = os.path.join(outdir, f"gdfast_mlp_{stem}.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append((path, what))

    line = landscape.line(mlp, x0, trained.x, span=(-0.25, 1.25), resolution=101)
    save(gdfast.plot.line_plot(line, logy=True, title=f"{name}: from the initial (0) to the "
                               "trained weights (1)"), "interpolation",
         "1-D linear interpolation, initial to trained weights")

    plane = landscape.plane(mlp, trained.x, directions="filter", groups=mlp.groups,
                            span=1.0, resolution=51, seed=seed)
    save(gdfast.plot.contour(plane, log=True, levels=30,
                             title="filter-normalized directions around the trained weights"),
         "contour", "2-D contour, filter-normalized random directions")
    save(gdfast.plot.surface(plane, title="the same plane as a surface"), "surface",
         "3-D surface of that plane")

    pca = landscape.plane(mlp, path=sgd_path, directions="pca", resolution=51)
    save(gdfast.plot.contour(pca, path=[sgd_path, runs["Adam"][1], runs["GD"][1]], log=True,
                             levels=30, labels=["mini-batch SGD", "Adam", "GD"],
                             title="SGD's trajectory in its PCA plane, Adam and GD beside it"),
         "pca", "the trajectories projected onto SGD's PCA directions")

    fig, ax = plt.subplots(layout="constrained")
    xs = np.linspace(-1.3, 1.3, 200)
    G = np.array(np.meshgrid(xs, xs)).reshape(2, -1).T
    ax.contourf(xs, xs, mlp.predict(trained.x, G).argmax(axis=1).reshape(200, 200),
                levels=[-0.5, 0.5, 1.5, 2.5], cmap="Pastel1")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="Set1", s=10, edgecolors="k", linewidths=0.3)
    ax.set_aspect("equal")
    ax.set_title(f"the trained network's classes ({100 * acc:.1f}% of the training points)")
    save(fig, "boundary", "the decision boundary over the data")

    print(f"\nThe network ({name}; mini-batch SGD, {SGD_EPOCHS} epochs of batch 16: loss "
          f"{float(mlp(trained.x)):.4f}, training accuracy {100 * acc:.1f}%; full-batch Adam "
          f"{runs['Adam'][0].fun:.4f}, GD {runs['GD'][0].fun:.4f}):", file=out)
    for path, what in written:
        print(f"  {os.path.abspath(path)}   {what}", file=out)
    return [p for p, _ in written]
