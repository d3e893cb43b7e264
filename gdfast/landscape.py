"""Loss landscapes: f along a line and on a plane through parameter space.

The pictures of the gradient-descent lecture and of Li et al., "Visualizing the Loss Landscape
of Neural Nets" (NeurIPS 2018), computed by a compiled kernel (``gdfast._landscape``).

Landscapes
----------
``line(fun, a, b)`` evaluates f((1 - alpha) a + alpha b) = f(a + alpha (b - a)) for alpha in a
range (default -0.5 to 1.5): the 1-D linear interpolation plot of Goodfellow et al. (2015).

``plane(fun, center, d1, d2)`` evaluates f(center + alpha d1 + beta d2) on a grid.  The
directions are given, or made for you:

* ``directions="random"``: Gaussian (``seed=``), d2 orthogonalized against d1, both unit norm.
* ``directions="filter"``: Li et al.'s filter normalization.  ``groups=`` says how the
  parameters form filters (a list of sizes, or of slices); each group of a Gaussian direction is
  rescaled to the norm of the same group of ``center`` (groups where center is zero become 0).
* ``directions="pca"``: the two leading principal directions of a descent trajectory
  (``path=``, e.g. ``minimize(..., history=True)``): the SVD of the iterates' differences to
  the final iterate (Li et al., section 7), orthonormal; the plane is centered at the final
  iterate unless ``center`` is given, and ``result.path_coords`` holds the projected path,
  ``result.explained_variance`` the share of each direction.

Grid evaluation runs without the GIL for built-in objectives (on all cores when gdfast was
built with OpenMP), in blocks of 4096 points for vectorized Python functions
(``vectorized=True``) and point by point for plain Python functions.  ``gdfast.plot`` draws
the results::

    >>> import gdfast, gdfast.landscape as L
    >>> f = gdfast.objectives.Quadratic([6.0, 2.0])            # 3x^2 + y^2
    >>> res = gdfast.minimize(f, [1, 1], lr=0.1, history=True)
    >>> pl = L.plane(f, [0, 0], [1, 0], [0, 1], span=1.5, resolution=61, path=res)
    >>> pl.values.shape, float(pl.values[30, 30])
    ((61, 61), 0.0)
    >>> pl.path_coords[1]
    array([0.4, 0.8])
"""
import os
from typing import Any

import numpy as np

from gdfast._adapt import value_objective
from gdfast._progress import progress_bar
from gdfast._typing import ArrayLike, Fun, Vector
from gdfast._validate import as_matrix, as_point, as_vector, choice, group_sizes, positive_int

__all__ = ["line", "plane", "grid", "Line", "Plane", "filter_normalize", "pca_directions",
           "DIRECTIONS"]

DIRECTIONS = ("given", "random", "filter", "pca")
_PARALLEL_TOL = 1e-10      # |cos(d1, d2)| above 1 - this: parallel


# ---- results --------------------------------------------------------------------------------

class Line:
    """f along a line: ``values[i] = f(a + alphas[i] * (b - a))``."""

    __slots__ = ("alphas", "values", "a", "b")

    def __init__(self, alphas: Vector, values: Vector, a: Vector, b: Vector) -> None:
        self.alphas = alphas
        self.values = values
        self.a = a
        self.b = b

    def point(self, alpha: float) -> Vector:
        """The point at ``alpha`` (0: a, 1: b)."""
        return self.a + alpha * (self.b - self.a)

    def __repr__(self):
        return (f"Line({len(self.alphas)} points, alpha in [{self.alphas[0]:g}, "
                f"{self.alphas[-1]:g}], dimension {self.a.shape[0]})")


class Plane:
    """f on a grid in a plane: ``values[j, i] = f(center + alphas[i] * d1 + betas[j] * d2)``.

    ``values`` has shape ``(len(betas), len(alphas))``: rows follow beta, columns alpha, as
    ``np.meshgrid(alphas, betas)`` and matplotlib's ``contour(alphas, betas, values)`` expect.
    ``directions`` names how d1, d2 were made ("given", "random", "filter", "pca", "axes").
    With a ``path``: ``path_coords`` (T, 2), its coordinates in the plane (least squares, exact
    for points of the plane).  For "pca": ``explained_variance`` (2,), the share of the
    trajectory's squared distance to its final point along d1 and d2.
    """

    __slots__ = ("alphas", "betas", "values", "center", "d1", "d2", "directions", "path",
                 "path_coords", "explained_variance")

    def __init__(self, alphas: Vector, betas: Vector, values: Vector, center: Vector,
                 d1: Vector, d2: Vector, directions: str, path: Vector | None = None,
                 path_coords: Vector | None = None,
                 explained_variance: Vector | None = None) -> None:
        self.alphas = alphas
        self.betas = betas
        self.values = values
        self.center = center
        self.d1 = d1
        self.d2 = d2
        self.directions = directions
        self.path = path
        self.path_coords = path_coords
        self.explained_variance = explained_variance

    def point(self, alpha: float, beta: float) -> Vector:
        """center + alpha * d1 + beta * d2."""
        return self.center + alpha * self.d1 + beta * self.d2

    def project(self, points: ArrayLike) -> Vector:
        """Coordinates (alpha, beta) of points (T, n) or (n,) in this plane (least squares)."""
        return _project(points, self.center, self.d1, self.d2)

    def __repr__(self):
        return (f"Plane({len(self.betas)} x {len(self.alphas)} grid, directions="
                f"{self.directions!r}, dimension {self.center.shape[0]})")


# ---- public functions -----------------------------------------------------------------------

def line(fun: Fun, a: ArrayLike, b: ArrayLike, *, span: tuple[float, float] = (-0.5, 1.5),
         resolution: int = 201, args: tuple[Any, ...] = (), vectorized: bool = False,
         threads: int | None = None, progress: bool | dict[str, Any] = False) -> Line:
    """f on the line through a and b: ``f(a + alpha * (b - a))`` for alpha in ``span``.

    Parameters
    ----------
    fun : callable ``fun(x, *args) -> float`` or a ``gdfast.objectives`` Objective
    a, b : array_like (n,)
        alpha = 0 is a (e.g. the initial parameters), alpha = 1 is b (e.g. the solution).
    span : (float, float)
        The range of alpha (default -0.5 to 1.5, the segment and beyond).
    resolution : int >= 2
        Number of alphas (evenly spaced).
    args, vectorized :
        As in :func:`gdfast.minimize`; ``vectorized=True``: ``fun`` maps (m, n) to (m,).
    threads : int >= 1 or None
        Threads for thread-safe C objectives (built-ins); None: all available cores.
    progress : bool or dict
        A tqdm bar of the points evaluated (the ``progress`` extra); a dict passes tqdm
        options.  The grid is then evaluated in about 100 pieces, each point as before.

    Returns
    -------
    Line
        ``alphas`` (resolution,), ``values`` (resolution,), ``a``, ``b`` (copies).
    """
    aa = as_point(a, "a")
    bb = as_point(b, "b")
    if bb.shape != aa.shape:
        raise ValueError(f"a and b must have the same length, got {aa.shape[0]} and "
                         f"{bb.shape[0]}")
    direction = bb - aa
    if not np.any(direction):
        raise ValueError("a and b must differ (the direction b - a is zero)")
    lo, hi = _interval(span, "span")
    res = positive_int(resolution, "resolution")
    if res < 2:
        raise ValueError(f"resolution must be >= 2, got {res}")
    objective, nthreads = _objective(fun, aa.shape[0], "a", args, vectorized, threads)
    alphas = np.linspace(lo, hi, res)
    values = _evaluate(objective, aa, direction[None, :], alphas[:, None], nthreads,
                       progress_bar(progress, res, "point", "line"))
    return Line(alphas, values, aa, bb)


def plane(fun: Fun, center: ArrayLike | None = None, d1: ArrayLike | None = None,
          d2: ArrayLike | None = None, *, directions: str | None = None, groups: Any = None,
          path: Any = None, span: Any = None, resolution: int | tuple[int, int] = 101,
          seed: int | None = None, args: tuple[Any, ...] = (), vectorized: bool = False,
          threads: int | None = None, progress: bool | dict[str, Any] = False) -> Plane:
    """f on the grid ``center + alpha * d1 + beta * d2``.

    Parameters
    ----------
    fun : callable ``fun(x, *args) -> float`` or a ``gdfast.objectives`` Objective
    center : array_like (n,)
        The plane's origin (alpha = beta = 0); for ``directions="pca"`` it defaults to the
        final iterate of ``path``.
    d1, d2 : array_like (n,), optional
        The directions, used as given (neither zero nor parallel).  Leave both out to have
        them made according to ``directions``.
    directions : "random", "filter", "pca" or None
        How to make d1 and d2 (see the module docstring).  None: "pca" when ``path`` is given,
        "filter" when ``groups`` is given, else "random".
    groups : sequence of int or of slice
        For "filter": the sizes of consecutive groups (filters), or slices; together they must
        cover every index of ``center`` exactly once.
    path : array_like (T, n), or a result of ``minimize(..., history=True)`` / its ``History``
        A descent trajectory: the data of "pca", and projected onto the plane
        (``path_coords``) whatever the directions.
    span : float, (lo, hi) or ((alpha_lo, alpha_hi), (beta_lo, beta_hi)), optional
        The ranges of alpha and beta.  A float s is (-s, s).  Default (-1, 1), and for "pca"
        the box around the projected path plus 20% on each side.
    resolution : int >= 2, or (int, int)
        Grid points along alpha and along beta.
    seed : None, int or numpy Generator
        For the random directions.
    args, vectorized, threads, progress :
        As in :func:`line`.

    Returns
    -------
    Plane
        ``alphas``, ``betas``, ``values`` (len(betas), len(alphas)), ``center``, ``d1``, ``d2``,
        ``directions``, ``path``, ``path_coords``, ``explained_variance``.

    Raises
    ------
    ValueError, TypeError
        Invalid input, named in the message: zero or parallel directions, lengths that do not
        match, a resolution below 2, groups that do not cover the vector exactly once, ...
    """
    res = _plane_frame(center, d1, d2, directions, groups, path, span, resolution, seed)
    objective, nthreads = _objective(fun, res.center.shape[0], "center", args, vectorized,
                                     threads)
    bar = progress_bar(progress, len(res.betas) * len(res.alphas), "point", "plane")
    res.values = _plane_rows(objective, res, 0, len(res.betas), nthreads, bar)
    return res


def _plane_frame(center, d1, d2, directions, groups, path, span, resolution, seed):
    """plane's arguments checked, and its Plane without values (None): center, directions,
    grid coordinates, projected path."""
    if (d1 is None) != (d2 is None):
        raise ValueError("give both d1 and d2, or neither")
    given = d1 is not None
    if directions is None:
        directions = ("given" if given else "pca" if path is not None
                      else "filter" if groups is not None else "random")
    choice(directions, "directions", DIRECTIONS)
    if given and directions != "given":
        raise ValueError(f"d1 and d2 cannot be given with directions={directions!r}")
    if directions == "given" and not given:
        raise ValueError("directions='given' needs d1 and d2")
    if groups is not None and directions != "filter":
        raise ValueError("groups only apply to directions='filter'")
    traj = None if path is None else _trajectory(path)

    explained = None
    if directions == "pca":
        if traj is None:
            raise ValueError("directions='pca' needs path (a descent trajectory)")
        c = traj[-1].copy() if center is None else as_point(center, "center")
        if traj.shape[1] != c.shape[0]:
            raise ValueError(f"path must have {c.shape[0]} columns (the length of center), "
                             f"got {traj.shape[1]}")
        v1, v2, explained = pca_directions(traj)
    else:
        if center is None:
            raise ValueError("center is required (unless directions='pca')")
        c = as_point(center, "center")
        n = c.shape[0]
        if directions == "given":
            v1 = _direction(d1, "d1", n)
            v2 = _direction(d2, "d2", n)
            _check_not_parallel(v1, v2)
        elif directions == "random":
            v1, v2 = _random_directions(n, seed)
        else:
            if groups is None:
                raise ValueError("directions='filter' needs groups (filter sizes or slices)")
            index = _group_index(groups, n)
            rng = np.random.default_rng(seed)
            v1 = filter_normalize(rng.standard_normal(n), c, index)
            v2 = filter_normalize(rng.standard_normal(n), c, index)
            if not np.any(v1):
                raise ValueError("center is zero in every group: filter normalization gives "
                                 "a zero direction")
            _check_not_parallel(v1, v2)
        if traj is not None and traj.shape[1] != n:
            raise ValueError(f"path must have {n} columns (the length of center), "
                             f"got {traj.shape[1]}")

    coords = None if traj is None else _project(traj, c, v1, v2)
    if directions == "pca":
        assert coords is not None                    # "pca" needs a path (checked above)
        # orient the axes so that the start of the path has non-negative coordinates
        for k, v in enumerate((v1, v2)):
            if coords[0, k] < 0:
                v *= -1.0
                coords[:, k] *= -1.0
    (alo, ahi), (blo, bhi) = _plane_span(span, coords)
    ra, rb = _resolution(resolution)
    return Plane(np.linspace(alo, ahi, ra), np.linspace(blo, bhi, rb), None, c, v1, v2,
                 directions, traj, coords, explained)


def _plane_rows(objective, frame, lo, hi, threads, bar=None):
    """Rows lo .. hi - 1 of a Plane's values (those of betas[lo:hi]), each point evaluated
    alone, so that any split into rows gives the same values: (hi - lo, len(alphas))."""
    alphas, betas = frame.alphas, frame.betas[lo:hi]
    coeffs = np.empty((betas.shape[0], alphas.shape[0], 2))
    coeffs[:, :, 0] = alphas[None, :]
    coeffs[:, :, 1] = betas[:, None]
    values = _evaluate(objective, frame.center, np.stack([frame.d1, frame.d2]),
                       coeffs.reshape(-1, 2), threads, bar)
    return values.reshape(coeffs.shape[:2])


def grid(fun: Fun, xlim: tuple[float, float], ylim: tuple[float, float], *,
         resolution: int | tuple[int, int] = 201, path: Any = None, args: tuple[Any, ...] = (),
         vectorized: bool = False, threads: int | None = None,
         progress: bool | dict[str, Any] = False) -> Plane:
    """f(x, y) of a function of two variables on the box ``xlim`` x ``ylim``: a :class:`Plane`
    with center 0 and the coordinate axes as directions (``directions="axes"``), so
    ``alphas`` are the x values, ``betas`` the y values and ``path_coords`` the path itself."""
    (xlo, xhi), (ylo, yhi) = _interval(xlim, "xlim"), _interval(ylim, "ylim")
    res = plane(fun, np.zeros(2), [1.0, 0.0], [0.0, 1.0], path=path,
                span=((xlo, xhi), (ylo, yhi)), resolution=resolution, args=args,
                vectorized=vectorized, threads=threads, progress=progress)
    res.directions = "axes"
    return res


def filter_normalize(direction: ArrayLike, center: ArrayLike, groups: Any) -> Vector:
    """Li et al.'s filter normalization: each group of ``direction`` rescaled to the norm of the
    same group of ``center`` (a group where center is zero becomes zero).

    ``groups``: sizes or slices (see :func:`plane`), or the group number of every index.
    Returns a new array.
    """
    c = as_vector(center, "center")
    d = as_vector(direction, "direction")
    if d.shape != c.shape:
        raise ValueError(f"direction must have length {c.shape[0]} (the length of center), "
                         f"got {d.shape[0]}")
    index = groups if isinstance(groups, np.ndarray) and groups.dtype.kind == "i" \
        and groups.shape == c.shape else _group_index(groups, c.shape[0])
    count = int(index.max()) + 1
    cnorm = np.sqrt(np.bincount(index, weights=c * c, minlength=count))
    dnorm = np.sqrt(np.bincount(index, weights=d * d, minlength=count))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(dnorm > 0, cnorm / dnorm, 0.0)
    return d * scale[index]


def pca_directions(path: Any) -> tuple[Vector, Vector, Vector]:
    """The two leading principal directions of a trajectory (T, n), T >= 2: the right singular
    vectors of ``path[:-1] - path[-1]`` (Li et al., section 7; no further mean-centering).

    Returns ``(d1, d2, explained)``: orthonormal directions and the share of the squared
    distances along each.  A trajectory that moves along a single line gets a d2 orthogonal to
    it (explained share 0).
    """
    traj = _trajectory(path)
    if traj.shape[1] < 2:
        raise ValueError("path must have at least 2 columns (a plane needs 2 dimensions)")
    diff = traj[:-1] - traj[-1]
    total = float(np.sum(diff * diff))
    if total == 0.0:
        raise ValueError("path does not move: every iterate equals the final one")
    _, s, vt = np.linalg.svd(diff, full_matrices=False)
    d1 = vt[0].copy()
    if vt.shape[0] > 1 and s[1] > 1e-12 * s[0]:
        d2 = vt[1].copy()
    else:
        d2 = _orthogonal_unit(d1)
    s2 = np.zeros(2)
    s2[:min(2, s.shape[0])] = (s[:2] ** 2)
    explained = s2 / total
    return d1, d2, explained


# ---- helpers --------------------------------------------------------------------------------

def _objective(fun, n, name, args, vectorized, threads):
    """The Objective to evaluate and the number of threads to use for it."""
    objective = value_objective(fun, n, args=args, vectorized=vectorized, point_name=name)
    if threads is None:
        nthreads = _available_cores() if objective.parallel_safe else 1
    else:
        nthreads = positive_int(threads, "threads")
        if not objective.parallel_safe:
            nthreads = 1
    return objective, nthreads


def _available_cores():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:           # not on Linux
        return max(1, os.cpu_count() or 1)


def _evaluate(objective, origin, directions, coeffs, threads, bar=None):
    """f at origin + coeffs @ directions; with a progress Bar, in about 100 pieces."""
    from gdfast._landscape import evaluate_affine
    m = coeffs.shape[0]
    out = np.empty(m)
    directions = np.ascontiguousarray(directions)
    coeffs = np.ascontiguousarray(coeffs, dtype=np.float64)
    if bar is None:
        evaluate_affine(objective, origin, directions, coeffs, out, threads)
        return out
    piece = max(256 * threads, -(-m // 100))
    try:
        for lo in range(0, m, piece):
            hi = min(m, lo + piece)
            evaluate_affine(objective, origin, directions, coeffs[lo:hi], out[lo:hi], threads)
            bar(hi)
    finally:
        bar.close()
    return out


def _direction(value, name, n):
    d = as_vector(value, name)
    if d.shape[0] != n:
        raise ValueError(f"{name} must have length {n} (the length of center), "
                         f"got {d.shape[0]}")
    if not np.any(d):
        raise ValueError(f"{name} must not be zero")
    return d


def _check_not_parallel(d1, d2):
    n1, n2 = np.linalg.norm(d1), np.linalg.norm(d2)
    if abs(np.dot(d1 / n1, d2 / n2)) >= 1.0 - _PARALLEL_TOL:
        raise ValueError("d1 and d2 must not be parallel (they span no plane)")


def _random_directions(n, seed):
    if n < 2:
        raise ValueError("center must have length >= 2 for random directions (a plane)")
    rng = np.random.default_rng(seed)
    d1 = rng.standard_normal(n)
    d1 /= np.linalg.norm(d1)
    d2 = rng.standard_normal(n)
    d2 -= np.dot(d2, d1) * d1
    d2 /= np.linalg.norm(d2)
    return d1, d2


def _orthogonal_unit(d):
    """A unit vector orthogonal to the unit vector d (the coordinate axis least along d)."""
    e = np.zeros_like(d)
    e[np.argmin(np.abs(d))] = 1.0
    e -= np.dot(e, d) * d
    return e / np.linalg.norm(e)


def _group_index(groups, n):
    """The group number of every index 0..n-1, checking that the groups cover each index once."""
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__iter__"):
        raise TypeError(f"groups must be a sequence of sizes or slices, got "
                        f"{type(groups).__name__}")
    groups = list(groups)
    if not groups:
        raise ValueError("groups must not be empty")
    index = np.full(n, -1, dtype=np.intp)
    if all(isinstance(g, slice) for g in groups):
        for k, g in enumerate(groups):
            idx = np.arange(n)[g]
            if idx.size == 0:
                raise ValueError(f"groups[{k}] ({g}) selects no index of a vector of length {n}")
            twice = idx[index[idx] >= 0]
            if twice.size:
                raise ValueError(f"groups overlap: index {twice[0]} is in groups["
                                 f"{index[twice[0]]}] and groups[{k}]")
            index[idx] = k
        missing = np.flatnonzero(index < 0)
        if missing.size:
            raise ValueError(f"groups must cover every index of center (length {n}): "
                             f"{missing.size} indices, the first {missing[0]}, are in no group")
        return index
    if any(isinstance(g, slice) for g in groups):
        k = next(k for k, g in enumerate(groups) if not isinstance(g, slice))
        raise TypeError(f"groups must be all sizes (int) or all slices, groups[{k}] is "
                        f"{type(groups[k]).__name__}")
    sizes = group_sizes(groups, n, "center")
    return np.repeat(np.arange(len(sizes)), sizes)


def _trajectory(path):
    """A (T, n) float64 copy of a path, T >= 2; accepts minimize results and History."""
    if isinstance(path, dict):                                  # an OptimizeResult
        if path.get("history") is None:
            raise ValueError("path is a result without history; "
                             "run minimize(..., history=True)")
        path = path["history"]
    if hasattr(path, "x") and hasattr(path, "gnorm"):          # a History
        path = path.x
    traj = as_matrix(path, "path")
    if traj.shape[0] < 2:
        raise ValueError(f"path must have at least 2 iterates, got {traj.shape[0]}")
    return traj


def _project(points, center, d1, d2):
    pts = np.asarray(points, dtype=np.float64)
    single = pts.ndim == 1
    pts = np.atleast_2d(pts)
    basis = np.stack([d1, d2])                      # (2, n)
    gram = basis @ basis.T
    coords = np.linalg.solve(gram, basis @ (pts - center).T).T
    return coords[0] if single else coords


def _interval(value, name):
    try:
        lo, hi = value
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair of numbers (lo, hi), got {value!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if not lo < hi:
        raise ValueError(f"{name} must have lo < hi, got {value!r}")
    return lo, hi


def _plane_span(span, coords):
    if span is None:
        if coords is None:
            return (-1.0, 1.0), (-1.0, 1.0)
        lo, hi = coords.min(axis=0), coords.max(axis=0)
        lo, hi = np.minimum(lo, 0.0), np.maximum(hi, 0.0)     # the center is always shown
        width = np.maximum(hi - lo, 1e-12 * np.maximum(1.0, np.abs(hi)))
        width = np.maximum(width, width.max() * 0.05)         # a flat axis still gets a range
        return tuple((float(lo[k] - 0.2 * width[k]), float(hi[k] + 0.2 * width[k]))
                     for k in range(2))
    if isinstance(span, (int, float, np.integer, np.floating)) and not isinstance(span, bool):
        s = float(span)
        if not (np.isfinite(s) and s > 0):
            raise ValueError(f"span must be finite and > 0, got {span!r}")
        return (-s, s), (-s, s)
    try:
        first, second = span
    except (TypeError, ValueError):
        raise TypeError("span must be a number, (lo, hi) or ((alpha_lo, alpha_hi), "
                        f"(beta_lo, beta_hi)), got {span!r}") from None
    if np.ndim(first) == 0 and np.ndim(second) == 0:
        pair = _interval(span, "span")
        return pair, pair
    return _interval(first, "span[0]"), _interval(second, "span[1]")


def _resolution(resolution):
    if isinstance(resolution, (tuple, list)):
        if len(resolution) != 2:
            raise ValueError(f"resolution must be an int or a pair of ints, got {resolution!r}")
        ra = positive_int(resolution[0], "resolution[0]")
        rb = positive_int(resolution[1], "resolution[1]")
    else:
        ra = rb = positive_int(resolution, "resolution")
    if ra < 2 or rb < 2:
        raise ValueError(f"resolution must be >= 2, got {resolution!r}")
    return ra, rb
