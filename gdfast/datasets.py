"""Small classification data sets for the pictures, generated from a seed (no downloads).

Each returns ``(X, y)``: X (N, 2) float64 points, y (N,) int64 labels 0 .. k - 1, the classes
in equal parts (in order: the first N / k points are class 0, ...), the same arrays for the
same arguments on any machine (NumPy's ``default_rng(seed)``).

* :func:`spirals`: k interleaved arms, r = t, angle = t * turns * 2 pi / max(t) + 2 pi c / k,
  t uniform in [0, 1] (CS231n's spiral data, the classic test of a small network);
* :func:`circles`: two concentric circles, radii 1 and ``factor`` (scikit-learn's
  ``make_circles``);
* :func:`blobs`: k isotropic Gaussian clusters with centers evenly on the unit circle scaled by
  ``spread`` (scikit-learn's ``make_blobs`` with fixed centers).

Gaussian noise of standard deviation ``noise`` is added to every coordinate.
"""
import numpy as np

from gdfast._validate import nonneg_float, positive_float, positive_int

__all__ = ["spirals", "circles", "blobs"]


def _labels(n_per_class, k):
    return np.repeat(np.arange(k, dtype=np.int64), n_per_class)


def spirals(n_per_class=100, classes=3, turns=1.0, noise=0.1, seed=0):
    """``classes`` spiral arms of ``n_per_class`` points each, ``turns`` turns each, radius
    from 0 to 1."""
    n_per_class = positive_int(n_per_class, "n_per_class")
    classes = positive_int(classes, "classes")
    turns = positive_float(turns, "turns")
    noise = nonneg_float(noise, "noise")
    rng = np.random.default_rng(seed)
    t = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    c = _labels(n_per_class, classes)
    angle = 2 * np.pi * (turns * t + c / classes)
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    return X + noise * rng.standard_normal(X.shape), c


def circles(n_per_class=100, factor=0.5, noise=0.05, seed=0):
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` (0 < factor
    < 1), ``n_per_class`` points each, evenly spaced in angle."""
    n_per_class = positive_int(n_per_class, "n_per_class")
    factor = positive_float(factor, "factor")
    if not factor < 1.0:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    noise = nonneg_float(noise, "noise")
    rng = np.random.default_rng(seed)
    angle = np.tile(np.linspace(0.0, 2 * np.pi, n_per_class, endpoint=False), 2)
    c = _labels(n_per_class, 2)
    radius = np.where(c == 0, 1.0, factor)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + noise * rng.standard_normal(X.shape), c


def blobs(n_per_class=100, centers=3, spread=2.0, std=0.5, seed=0):
    """``centers`` Gaussian clusters of standard deviation ``std`` around points evenly on a
    circle of radius ``spread``."""
    n_per_class = positive_int(n_per_class, "n_per_class")
    centers = positive_int(centers, "centers")
    spread = nonneg_float(spread, "spread")
    std = nonneg_float(std, "std")
    rng = np.random.default_rng(seed)
    c = _labels(n_per_class, centers)
    angle = 2 * np.pi * c / centers
    X = spread * np.column_stack([np.cos(angle), np.sin(angle)])
    return X + std * rng.standard_normal(X.shape), c
