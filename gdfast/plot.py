"""Pictures of landscapes and descent paths (needs matplotlib: ``pip install gdfast[plot]``).

* :func:`contour` -- contour or filled-contour plot of a function of two variables, or of a
  :class:`gdfast.landscape.Plane`, with descent paths overlaid (iterates as points, steps as
  arrows, start and end marked).
* :func:`surface` -- the same as a 3-D surface, paths drawn on it.
* :func:`line_plot` -- f along a line (:func:`gdfast.landscape.line`).

Every function returns a ``matplotlib.figure.Figure`` and writes it to ``save=`` (a path; the
format follows its extension) when given.  Figures are made without ``pyplot`` and drawn by
the Agg backend, so they work on headless machines and are not kept alive by pyplot; pass
``ax=`` to draw into axes of your own (e.g. from ``plt.subplots()``) instead.  matplotlib is
imported on the first call, not with ``gdfast``.

>>> import gdfast, gdfast.plot
>>> res = gdfast.minimize(lambda v: 3*v[0]**2 + v[1]**2, [1, 1], lr=0.1, history=True)
>>> fig = gdfast.plot.contour(lambda v: 3*v[0]**2 + v[1]**2, path=res,
...                           xlim=(-1.5, 1.5), ylim=(-1.5, 1.5))    # doctest: +SKIP
>>> fig.savefig("descent.png")                                       # doctest: +SKIP
"""
from typing import TYPE_CHECKING, Any

import numpy as np

from gdfast import landscape as _landscape

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["contour", "surface", "line_plot"]

_MAX_ARROWS = 60


def _matplotlib():
    try:
        import matplotlib
    except ImportError as exc:            # pragma: no cover - depends on the environment
        raise ImportError("gdfast.plot needs matplotlib: pip install 'gdfast[plot]'") from exc
    return matplotlib


def _figure(ax, projection=None, figsize=(6.4, 4.8)):
    """(figure, axes): the caller's axes, or a new pyplot-free figure drawn by Agg."""
    if ax is not None:
        return ax.figure, ax
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(projection=projection)


def _finish(fig, save, dpi):
    if save is not None:
        fig.savefig(save, dpi=dpi)
    return fig


def _as_paths(path):
    """A list of (T, n) arrays from one path or a list of paths (arrays, results, Histories)."""
    if path is None:
        return []
    if isinstance(path, dict) or hasattr(path, "gnorm"):
        return [_landscape._trajectory(path)]
    if isinstance(path, np.ndarray):
        return [_landscape._trajectory(path)] if path.ndim == 2 else \
            [_landscape._trajectory(p) for p in path]
    items = list(path)
    if items and np.ndim(items[0]) == 1 and not isinstance(items[0], dict):
        return [_landscape._trajectory(items)]      # one path given as a list of points
    return [_landscape._trajectory(p) for p in items]


def _grid(data, path, xlim, ylim, resolution, args, vectorized):
    """(Plane, list of (T, 2) path coordinates) for a Plane or a function of two variables."""
    paths = _as_paths(path)
    if isinstance(data, _landscape.Plane):
        plane = data
        if not paths and plane.path_coords is not None:
            return plane, [plane.path_coords]
        return plane, [plane.project(p) for p in paths]
    if not callable(data):
        raise TypeError(f"data must be a gdfast.landscape.Plane or a function of two "
                        f"variables, got {type(data).__name__}")
    for p in paths:
        if p.shape[1] != 2:
            raise ValueError(f"path must have 2 columns for a function of two variables, "
                             f"got {p.shape[1]}")
    if xlim is None or ylim is None:
        if not paths:
            raise ValueError("give xlim and ylim (or a path to take them from)")
        pts = np.concatenate(paths)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.25 * np.maximum(hi - lo, 1e-3 * np.maximum(1.0, np.abs(hi)))
        xlim = (lo[0] - pad[0], hi[0] + pad[0]) if xlim is None else xlim
        ylim = (lo[1] - pad[1], hi[1] + pad[1]) if ylim is None else ylim
    plane = _landscape.grid(data, xlim, ylim, resolution=resolution, args=args,
                            vectorized=vectorized)
    return plane, paths


def _levels(values, levels, log):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise ValueError("f is not finite anywhere on the grid")
    if not log or np.ndim(levels) != 0:
        return levels, None
    from matplotlib.colors import LogNorm
    positive = finite[finite > 0]
    if positive.size == 0:
        raise ValueError("log=True needs positive values of f on the grid")
    hi = positive.max()
    lo = max(positive.min(), hi * 1e-8)
    return np.geomspace(lo, hi, int(levels)), LogNorm(vmin=lo, vmax=hi)


def _draw_path(ax, coords, color, label, arrows=True, z=None):
    """Iterates as points, steps as arrows, start (circle) and end (star) marked."""
    if z is None:
        ax.plot(coords[:, 0], coords[:, 1], "-o", ms=3, lw=0.8, color=color, alpha=0.9,
                label=label, zorder=3)
        steps = np.arange(coords.shape[0] - 1)
        if arrows and steps.size:
            steps = steps[::max(1, int(np.ceil(steps.size / _MAX_ARROWS)))]
            d = coords[steps + 1] - coords[steps]
            ax.quiver(coords[steps, 0], coords[steps, 1], d[:, 0], d[:, 1], color=color,
                      angles="xy", scale_units="xy", scale=1, width=0.004, zorder=4)
        ax.plot(*coords[0], "o", ms=8, mfc="white", mec=color, mew=2, zorder=5)
        ax.plot(*coords[-1], "*", ms=14, color=color, mec="black", mew=0.6, zorder=5)
    else:
        ax.plot(coords[:, 0], coords[:, 1], z, "-o", ms=2.5, color=color, label=label,
                zorder=10)
        ax.plot([coords[0, 0]], [coords[0, 1]], [z[0]], "o", ms=8, mfc="white", mec=color,
                zorder=11)
        ax.plot([coords[-1, 0]], [coords[-1, 1]], [z[-1]], "*", ms=14, color=color,
                mec="black", zorder=11)


def _path_colors(count):
    if count == 1:
        return ["red"]
    from matplotlib import colormaps
    cmap = colormaps["tab10"]
    return [cmap(k % 10) for k in range(count)]


def _axis_labels(ax, plane):
    if plane.directions == "axes":
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    elif plane.directions == "pca" and plane.explained_variance is not None:
        ev = plane.explained_variance       # Li et al.'s trajectory plots: the shares on the axes
        ax.set_xlabel(f"1st PCA direction: {100 * ev[0]:.1f}% of the variance")
        ax.set_ylabel(f"2nd PCA direction: {100 * ev[1]:.1f}%")
    else:
        ax.set_xlabel(r"$\alpha$ (along d1)")
        ax.set_ylabel(r"$\beta$ (along d2)")


def contour(data: Any, path: Any = None, *, xlim: tuple[float, float] | None = None,
            ylim: tuple[float, float] | None = None, resolution: int = 201,
            levels: Any = 30, filled: bool = False, log: bool = False, arrows: bool = True,
            cmap: str = "viridis", colorbar: bool = True, title: str | None = None,
            labels: Any = None, ax: Any = None, save: Any = None, dpi: float = 100,
            args: tuple[Any, ...] = (), vectorized: bool = False) -> "Figure":
    """Contour plot of f with descent paths overlaid; returns the Figure.

    Parameters
    ----------
    data : gdfast.landscape.Plane, or a function ``f(x, *args)`` of x = (x, y)
        A function is evaluated on ``xlim`` x ``ylim`` at ``resolution`` points per axis.
    path : array (T, n), a ``minimize(..., history=True)`` result, a History, or a list of
        those (several descents); default the Plane's own path.  Paths of a Plane are
        projected onto it.
    xlim, ylim : (lo, hi)
        For a function: the box (default: around the paths, plus 25%).
    levels : int or sequence
        Contour levels.  ``log=True``: that many levels spaced geometrically.
    filled : bool
        Filled contours (``contourf``) with thin contour lines on top.
    arrows : bool
        Draw each step as an arrow (at most about 60 per path).
    labels : list of str, optional
        Legend labels of the paths.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    save : str or path-like, optional
        Also write the figure there (e.g. "landscape.png").
    """
    plane, paths = _grid(data, path, xlim, ylim, resolution, args, vectorized)
    fig, ax = _figure(ax)
    lev, norm = _levels(plane.values, levels, log)
    values = plane.values if norm is None else np.maximum(plane.values, norm.vmin)
    values = np.ma.masked_invalid(values)
    if filled:
        cs = ax.contourf(plane.alphas, plane.betas, values, levels=lev, cmap=cmap, norm=norm)
        ax.contour(plane.alphas, plane.betas, values, levels=cs.levels, colors="k",
                   linewidths=0.3, alpha=0.5)
    else:
        cs = ax.contour(plane.alphas, plane.betas, values, levels=lev, cmap=cmap, norm=norm,
                        linewidths=1.0)
    if colorbar:
        if norm is not None:
            from matplotlib.ticker import LogFormatterSciNotation, LogLocator
            fig.colorbar(cs, ax=ax, label="f", ticks=LogLocator(),
                         format=LogFormatterSciNotation())
        else:
            fig.colorbar(cs, ax=ax, label="f")
    colors = _path_colors(len(paths))
    for k, coords in enumerate(paths):
        label = labels[k] if labels is not None and k < len(labels) else None
        _draw_path(ax, coords, colors[k], label, arrows)
    if labels:
        ax.legend(loc="best", fontsize="small")
    ax.set_xlim(plane.alphas[0], plane.alphas[-1])
    ax.set_ylim(plane.betas[0], plane.betas[-1])
    _axis_labels(ax, plane)
    if plane.directions == "axes":
        ax.set_aspect("equal", adjustable="box")
    if title:
        ax.set_title(title)
    return _finish(fig, save, dpi)


def surface(data: Any, path: Any = None, *, xlim: tuple[float, float] | None = None,
            ylim: tuple[float, float] | None = None, resolution: int = 101,
            cmap: str = "viridis", elev: float = 35, azim: float = -60,
            title: str | None = None, ax: Any = None, save: Any = None, dpi: float = 100,
            args: tuple[Any, ...] = (), vectorized: bool = False) -> "Figure":
    """3-D surface of f, with paths drawn on it (heights read off the grid); returns the Figure.

    Arguments as for :func:`contour`; ``elev`` and ``azim`` set the view.  ``ax`` must be 3-D.
    """
    plane, paths = _grid(data, path, xlim, ylim, resolution, args, vectorized)
    fig, ax = _figure(ax, projection="3d", figsize=(7.0, 5.5))
    A, B = np.meshgrid(plane.alphas, plane.betas)
    values = np.ma.masked_invalid(plane.values)
    ax.plot_surface(A, B, values, cmap=cmap, linewidth=0, antialiased=True, alpha=0.85,
                    rcount=min(100, len(plane.betas)), ccount=min(100, len(plane.alphas)))
    colors = _path_colors(len(paths))
    for k, coords in enumerate(paths):
        _draw_path(ax, coords, colors[k], None, z=_bilinear(plane, coords))
    _axis_labels(ax, plane)
    ax.set_zlabel("f")
    ax.view_init(elev=elev, azim=azim)
    if title:
        ax.set_title(title)
    return _finish(fig, save, dpi)


def line_plot(data: Any, a: Any = None, b: Any = None, *,
              span: tuple[float, float] = (-0.5, 1.5), resolution: int = 201,
              logy: bool = False, title: str | None = None, ax: Any = None, save: Any = None,
              dpi: float = 100, args: tuple[Any, ...] = (),
              vectorized: bool = False) -> "Figure":
    """f along a line (the 1-D interpolation plot); returns the Figure.

    ``data``: a :class:`gdfast.landscape.Line`, or a function with the points ``a`` (alpha 0)
    and ``b`` (alpha 1) (then ``span`` and ``resolution`` as in :func:`gdfast.landscape.line`).
    The points alpha = 0 and 1 are marked.
    """
    if isinstance(data, _landscape.Line):
        if a is not None or b is not None:
            raise ValueError("a and b cannot be given with a Line")
        ln = data
    else:
        if a is None or b is None:
            raise ValueError("give a and b (the points at alpha = 0 and 1) with a function")
        ln = _landscape.line(data, a, b, span=span, resolution=resolution, args=args,
                             vectorized=vectorized)
    fig, ax = _figure(ax)
    ax.plot(ln.alphas, ln.values, "-", color="C0", lw=1.5)
    for alpha, name, marker in ((0.0, "a", "o"), (1.0, "b", "*")):
        if ln.alphas[0] <= alpha <= ln.alphas[-1]:
            k = int(np.argmin(np.abs(ln.alphas - alpha)))
            ax.plot(ln.alphas[k], ln.values[k], marker, ms=10, color="C3", zorder=3)
            ax.annotate(f"{name} (alpha = {alpha:g})", (ln.alphas[k], ln.values[k]),
                        textcoords="offset points", xytext=(6, 6), fontsize="small")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(r"$\alpha$:  $x = a + \alpha\,(b - a)$")
    ax.set_ylabel("f")
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return _finish(fig, save, dpi)


def _bilinear(plane, coords):
    """Heights of the grid at coords (T, 2), bilinear; NaN outside the grid."""
    a, b, v = plane.alphas, plane.betas, plane.values
    i = np.clip(np.searchsorted(a, coords[:, 0]) - 1, 0, len(a) - 2)
    j = np.clip(np.searchsorted(b, coords[:, 1]) - 1, 0, len(b) - 2)
    ta = (coords[:, 0] - a[i]) / (a[i + 1] - a[i])
    tb = (coords[:, 1] - b[j]) / (b[j + 1] - b[j])
    z = ((1 - ta) * (1 - tb) * v[j, i] + ta * (1 - tb) * v[j, i + 1]
         + (1 - ta) * tb * v[j + 1, i] + ta * tb * v[j + 1, i + 1])
    outside = (ta < -1e-9) | (ta > 1 + 1e-9) | (tb < -1e-9) | (tb > 1 + 1e-9)
    return np.where(outside, np.nan, z)
