"""The demo's network pictures: Li et al.'s loss-landscape figures ("Visualizing the Loss
Landscape of Neural Nets", 2018) for a small MLP trained on the two-dimensional spirals
(issue 17).  Called by ``python -m gdfast demo``; needs matplotlib (the ``plot`` extra)."""
import os

import numpy as np

SEED = 0
LAYERS = (2, 32, 32, 3)


def train(seed=SEED):
    """The spirals (3 arms of 100 points), the MLP, its start and the runs drawn: Adam (the
    trained network) and plain gradient descent beside it, full batch, from the same start."""
    import gdfast
    from gdfast.datasets import spirals
    from gdfast.objectives import MLP

    X, y = spirals(100, 3, noise=0.05, seed=seed)
    mlp = MLP(X, y, layers=LAYERS)
    x0 = mlp.init(seed)
    runs = {
        "Adam": gdfast.minimize(mlp, x0, method="adam", lr=0.01, max_iter=3000, gtol=0,
                                history=True),
        "GD": gdfast.minimize(mlp, x0, lr=0.5, max_iter=3000, gtol=0, history=True),
    }
    return X, y, mlp, x0, runs


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
    trained = runs["Adam"]
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

    pca = landscape.plane(mlp, path=runs["Adam"], directions="pca", resolution=51)
    fig = gdfast.plot.contour(pca, path=[runs["Adam"], runs["GD"]], log=True, levels=30,
                              labels=["Adam", "GD"],
                              title="Adam's trajectory in its PCA plane, GD beside it")
    save(fig, "pca", "the trajectories projected onto Adam's PCA directions")

    fig, ax = plt.subplots(layout="constrained")
    xs = np.linspace(-1.3, 1.3, 200)
    G = np.array(np.meshgrid(xs, xs)).reshape(2, -1).T
    ax.contourf(xs, xs, mlp.predict(trained.x, G).argmax(axis=1).reshape(200, 200),
                levels=[-0.5, 0.5, 1.5, 2.5], cmap="Pastel1")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="Set1", s=10, edgecolors="k", linewidths=0.3)
    ax.set_aspect("equal")
    ax.set_title(f"the trained network's classes ({100 * acc:.1f}% of the training points)")
    save(fig, "boundary", "the decision boundary over the data")

    print(f"\nThe network ({name}, Adam, {trained.nit} steps: loss {trained.fun:.4f}, "
          f"training accuracy {100 * acc:.1f}%; GD: loss {runs['GD'].fun:.4f}):", file=out)
    for path, what in written:
        print(f"  {os.path.abspath(path)}   {what}", file=out)
    return [p for p, _ in written]
