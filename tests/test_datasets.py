"""gdfast.datasets: the pictures' data sets from a seed: shapes, labels, the same arrays for
the same seed, their geometry, and a small MLP learning the spirals."""
import numpy as np
import pytest

import gdfast
from gdfast.datasets import blobs, circles, spirals
from gdfast.objectives import MLP


@pytest.mark.parametrize("make, k", [(lambda **kw: spirals(50, 3, **kw), 3),
                                     (lambda **kw: spirals(40, 5, **kw), 5),
                                     (lambda **kw: circles(60, **kw), 2),
                                     (lambda **kw: blobs(30, 4, **kw), 4)])
def test_shapes_labels_and_seeds(make, k):
    X, y = make(seed=1)
    assert X.dtype == np.float64 and y.dtype == np.int64 and X.shape == (len(y), 2)
    assert np.array_equal(np.bincount(y), np.full(k, len(y) // k))
    X2, y2 = make(seed=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(make(seed=2)[0], X)


def test_geometry_without_noise():
    X, y = spirals(50, 3, turns=1.5, noise=0.0)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r, np.tile(np.linspace(0, 1, 50), 3), atol=1e-15)
    # the arms are rotations of each other by 2 pi / 3
    rot = np.array([[np.cos(2 * np.pi / 3), -np.sin(2 * np.pi / 3)],
                    [np.sin(2 * np.pi / 3), np.cos(2 * np.pi / 3)]])
    np.testing.assert_allclose(X[y == 0] @ rot.T, X[y == 1], atol=1e-14)
    X, y = circles(40, factor=0.3, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.where(y == 0, 1.0, 0.3))
    X, y = blobs(2000, 3, spread=2.0, std=0.5, seed=4)
    for c in range(3):
        center = 2.0 * np.array([np.cos(2 * np.pi * c / 3), np.sin(2 * np.pi * c / 3)])
        np.testing.assert_allclose(X[y == c].mean(axis=0), center, atol=0.05)
        assert np.all(np.abs(X[y == c].std(axis=0) - 0.5) < 0.03)


def test_a_small_mlp_learns_the_spirals():
    X, y = spirals(100, 3, noise=0.05, seed=0)
    mlp = MLP(X, y, layers=(2, 32, 32, 3))
    res = gdfast.minimize(mlp, mlp.init(0), method="adam", lr=0.01, max_iter=3000, gtol=0)
    assert (mlp.predict(res.x).argmax(axis=1) == y).mean() >= 0.98


@pytest.mark.parametrize("call, match", [
    (lambda: spirals(0), "n_per_class"), (lambda: spirals(10, 0), "classes"),
    (lambda: spirals(10, turns=-1), "turns"), (lambda: spirals(10, noise=-0.1), "noise"),
    (lambda: circles(10, factor=1.0), "factor"), (lambda: circles(10, factor=0), "factor"),
    (lambda: blobs(10, std=-1), "std"), (lambda: blobs(10, centers=2.5), "centers"),
])
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
