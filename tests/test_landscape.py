"""gdfast.landscape: grid values, directions (given, random, filter-normalized, PCA), bad input."""
import sys

import numpy as np
import pytest

import gdfast
from gdfast import landscape as L
from gdfast._landscape import HAVE_OPENMP, evaluate_affine
from gdfast.objectives import Himmelblau, Quadratic, Rastrigin, Rosenbrock


def rastrigin_np(x):
    return 10 * x.shape[-1] + np.sum(x * x - 10 * np.cos(2 * np.pi * x), axis=-1)


def rastrigin_vec(X):
    return rastrigin_np(np.asarray(X))


# the four kinds of objective the kernel has a path for
KINDS = {
    "builtin": lambda n: Rastrigin(n),
    "python": lambda n: (lambda x: float(rastrigin_np(x))),
    "vectorized": lambda n: rastrigin_vec,
}


def _fun(kind, n):
    return KINDS[kind](n), kind == "vectorized"


def _direct(fun, points):
    return np.array([float(fun(p)) for p in points])


# ---- grid values equal direct evaluation ------------------------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("threads", [1, 2, None])
def test_plane_values_equal_direct_evaluation(kind, threads):
    n = 7
    rng = np.random.default_rng(0)
    c, d1, d2 = rng.standard_normal((3, n))
    fun, vec = _fun(kind, n)
    pl = L.plane(fun, c, d1, d2, span=((-1, 2), (-0.5, 0.5)), resolution=(23, 17),
                 vectorized=vec, threads=threads)
    assert pl.values.shape == (17, 23)
    assert pl.alphas.shape == (23,) and pl.betas.shape == (17,)
    A, B = np.meshgrid(pl.alphas, pl.betas)
    points = c + A[..., None] * d1 + B[..., None] * d2
    expected = _direct(Rastrigin(n), points.reshape(-1, n)).reshape(17, 23)
    np.testing.assert_allclose(pl.values, expected, rtol=1e-13, atol=1e-12)
    # and at the Plane's own points
    np.testing.assert_allclose(pl.values[5, 11], Rastrigin(n)(pl.point(pl.alphas[11],
                                                                      pl.betas[5])),
                               rtol=1e-14)


@pytest.mark.parametrize("kind", list(KINDS))
def test_line_values_equal_direct_evaluation(kind):
    n = 5
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, n))
    fun, vec = _fun(kind, n)
    ln = L.line(fun, a, b, resolution=41, vectorized=vec)
    assert ln.alphas[0] == -0.5 and ln.alphas[-1] == 1.5
    expected = _direct(Rastrigin(n), [a + t * (b - a) for t in ln.alphas])
    np.testing.assert_allclose(ln.values, expected, rtol=1e-13)
    k0 = np.argmin(np.abs(ln.alphas))
    k1 = np.argmin(np.abs(ln.alphas - 1))
    assert ln.values[k0] == pytest.approx(Rastrigin(n)(a), rel=1e-14)
    assert ln.values[k1] == pytest.approx(Rastrigin(n)(b), rel=1e-13)


def test_large_grid_builtin_threads_agree():
    """Many signal-check rounds, threads 1 vs 2 vs NumPy on a wide objective."""
    n = 300
    rng = np.random.default_rng(2)
    c, d1, d2 = rng.standard_normal((3, n))
    obj = Rastrigin(n)
    one = L.plane(obj, c, d1, d2, resolution=60, threads=1).values
    two = L.plane(obj, c, d1, d2, resolution=60, threads=2).values
    np.testing.assert_array_equal(one, two)        # results do not depend on threads
    pl = L.plane(rastrigin_vec, c, d1, d2, resolution=60, vectorized=True)
    np.testing.assert_allclose(one, pl.values, rtol=1e-12)


def test_vectorized_blocks_and_fresh_arrays():
    calls = []

    def fun(X):
        calls.append(X.shape)
        X[:] = 1e300                # scribbling on the argument must not matter
        return np.zeros(X.shape[0])

    c = np.zeros(3)
    L.plane(fun, c, [1, 0, 0], [0, 1, 0], resolution=(100, 50), vectorized=True)
    assert sum(s[0] for s in calls) == 5000
    assert max(s[0] for s in calls) == 4096 and all(s[1] == 3 for s in calls)
    np.testing.assert_array_equal(c, 0)


def test_python_objective_gets_fresh_copies_and_args():
    seen = []

    def fun(x, scale):
        seen.append(x)
        return scale * float(x @ x)

    pl = L.plane(fun, [1.0, 2.0], [1, 0], [0, 1], resolution=3, args=(2.0,))
    assert len({id(x) for x in seen}) == len(seen) or len(seen) == 9
    assert pl.values[1, 1] == pytest.approx(2.0 * 5.0)


def test_grid_of_two_variable_function():
    g = L.grid(Himmelblau(), (-5, 5), (-4, 4), resolution=(11, 9))
    assert g.directions == "axes"
    np.testing.assert_array_equal(g.alphas, np.linspace(-5, 5, 11))
    assert g.values[4, 8] == Himmelblau()([g.alphas[8], g.betas[4]])


def test_user_exception_propagates():
    class Boom(Exception):
        pass

    def bad(x):
        if x[0] > 0.5:
            raise Boom("from user code")
        return 0.0

    with pytest.raises(Boom, match="from user code"):
        L.plane(bad, [0.0, 0.0], [1, 0], [0, 1])

    def bad_vec(X):
        raise Boom("vectorized")

    with pytest.raises(Boom, match="vectorized"):
        L.line(bad_vec, [0.0], [1.0], vectorized=True)


def test_bad_return_values():
    with pytest.raises(TypeError, match="fun must return a real"):
        L.line(lambda x: "one", [0.0], [1.0])
    with pytest.raises(ValueError, match=r"shape \(4096,\)|shape \(201,\)"):
        L.line(lambda X: np.zeros(3), [0.0], [1.0], vectorized=True)


def test_nonfinite_values_are_kept():
    ln = L.line(lambda x: 1.0 / x[0] if x[0] != 0 else np.inf, [-1.0], [1.0], span=(0, 1),
                resolution=3)
    assert ln.values[1] == np.inf and ln.values[0] == -1.0


def test_non_thread_safe_objective_runs_serial():
    # a FiniteDifference wrapper holds scratch memory: never split over threads
    from gdfast._adapt import make_objective
    fd, _ = make_objective(lambda x: float(x @ x), 2, jac="central")
    assert L._objective(fd, 2, "center", (), False, 8)[1] == 1
    assert L._objective(Rastrigin(2), 2, "center", (), False, 3)[1] == 3


# ---- random and filter-normalized directions ---------------------------------------------

def test_random_directions_seeded_orthonormal():
    pl1 = L.plane(Rastrigin(50), np.zeros(50), resolution=5, seed=3)
    pl2 = L.plane(Rastrigin(50), np.zeros(50), resolution=5, seed=3)
    assert pl1.directions == "random"
    np.testing.assert_array_equal(pl1.d1, pl2.d1)
    np.testing.assert_array_equal(pl1.values, pl2.values)
    assert np.linalg.norm(pl1.d1) == pytest.approx(1) and np.linalg.norm(pl1.d2) == \
        pytest.approx(1)
    assert abs(pl1.d1 @ pl1.d2) < 1e-12
    pl3 = L.plane(Rastrigin(50), np.zeros(50), resolution=5, seed=4)
    assert not np.allclose(pl1.d1, pl3.d1)


@pytest.mark.parametrize("groups", [
    [3, 5, 1, 7],
    [slice(0, 3), slice(3, 8), slice(8, 9), slice(9, 16)],
    [slice(0, 16, 2), slice(1, 16, 2)],                 # interleaved filters
])
def test_filter_normalized_group_norms(groups):
    rng = np.random.default_rng(5)
    center = rng.standard_normal(16) * np.arange(1, 17)
    pl = L.plane(Quadratic(np.ones(16)), center, groups=groups, seed=0, resolution=3)
    assert pl.directions == "filter"
    index = L._group_index(groups, 16)
    for k in range(index.max() + 1):
        sel = index == k
        for d in (pl.d1, pl.d2):
            assert np.linalg.norm(d[sel]) == pytest.approx(np.linalg.norm(center[sel]),
                                                           rel=1e-12)


def test_filter_normalization_zero_group_becomes_zero():
    center = np.array([1.0, 2.0, 0.0, 0.0, 3.0])
    d = L.filter_normalize(np.ones(5), center, [2, 2, 1])
    np.testing.assert_array_equal(d[2:4], 0.0)
    assert np.linalg.norm(d[:2]) == pytest.approx(np.linalg.norm(center[:2]))
    assert d[4] == pytest.approx(3.0)


# ---- PCA of a trajectory ------------------------------------------------------------------

def test_pca_directions_orthonormal_and_reproduce_iterates():
    # the lecture's descent, embedded in 10 dimensions through an orthonormal map
    res = gdfast.minimize(lambda v: 3 * v[0] ** 2 + v[1] ** 2, [1, 1], lr=0.1, max_iter=30,
                          gtol=0, history=True)
    rng = np.random.default_rng(7)
    Q, _ = np.linalg.qr(rng.standard_normal((10, 2)))
    offset = rng.standard_normal(10)
    traj = res.history.x @ Q.T + offset                  # (31, 10), in a 2-D affine plane
    quad = Quadratic(np.full(10, 2.0), center=offset)
    pl = L.plane(quad, path=traj, resolution=21)
    assert pl.directions == "pca"
    D = np.stack([pl.d1, pl.d2])
    np.testing.assert_allclose(D @ D.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(pl.center, traj[-1])
    # the projected path reproduces the iterates exactly (they lie in the plane)
    rebuilt = pl.center + pl.path_coords @ D
    np.testing.assert_allclose(rebuilt, traj, atol=1e-12)
    np.testing.assert_allclose(pl.path_coords[-1], 0, atol=1e-15)
    assert pl.explained_variance.sum() == pytest.approx(1.0)
    assert pl.explained_variance[0] >= pl.explained_variance[1] > 0
    # the start has non-negative coordinates; the grid covers the whole path
    assert np.all(pl.path_coords[0] >= 0)
    assert pl.alphas[0] < pl.path_coords[:, 0].min() and pl.alphas[-1] > \
        pl.path_coords[:, 0].max()
    assert pl.betas[0] < pl.path_coords[:, 1].min() and pl.betas[-1] > \
        pl.path_coords[:, 1].max()


def test_pca_accepts_results_and_history_and_center():
    res = gdfast.minimize(Rosenbrock(4), [-1.0, 1.0, -1.0, 1.0], lr=1e-3, max_iter=200,
                          history=True)
    a = L.plane(Rosenbrock(4), path=res, resolution=5)
    b = L.plane(Rosenbrock(4), path=res.history, resolution=5)
    c = L.plane(Rosenbrock(4), path=res.history.x, resolution=5)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.values, c.values)
    d1, d2, explained = L.pca_directions(res.history.x)
    assert abs(d1 @ d2) < 1e-12
    # with another center, the path is projected relative to it
    center = np.zeros(4)
    e = L.plane(Rosenbrock(4), center, path=res, directions="pca", resolution=5)
    np.testing.assert_allclose(e.path_coords, e.project(res.history.x))
    assert e.explained_variance.shape == (2,)


def test_pca_straight_path_gets_orthogonal_second_direction():
    traj = np.outer(np.linspace(1, 0, 6), [1.0, 2.0, 2.0])
    d1, d2, explained = L.pca_directions(traj)
    assert abs(d1 @ d2) < 1e-12 and np.linalg.norm(d2) == pytest.approx(1)
    np.testing.assert_allclose(explained, [1.0, 0.0], atol=1e-12)


def test_path_projected_onto_given_plane():
    res = gdfast.minimize(Quadratic([6.0, 2.0]), [1, 1], lr=0.1, max_iter=5, gtol=0,
                          history=True)
    pl = L.plane(Quadratic([6.0, 2.0]), [0, 0], [2, 0], [1, 1], path=res, resolution=3)
    np.testing.assert_allclose(pl.center + pl.path_coords @ np.stack([pl.d1, pl.d2]),
                               res.history.x, atol=1e-14)


# ---- bad input ------------------------------------------------------------------------------

F2 = Quadratic([1.0, 1.0])


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(d1=[0, 0], d2=[0, 1]), ValueError, "d1 must not be zero"),
    (dict(d1=[1, 0], d2=[0, 0]), ValueError, "d2 must not be zero"),
    (dict(d1=[1, 2], d2=[-2, -4]), ValueError, "parallel"),
    (dict(d1=[1, 2], d2=[1, 2 + 1e-13]), ValueError, "parallel"),
    (dict(d1=[1, 0, 0], d2=[0, 1]), ValueError, "d1 must have length 2"),
    (dict(d1=[1, 0]), ValueError, "give both d1 and d2"),
    (dict(d1=[1, 0], d2=[0, 1], resolution=0), ValueError, "resolution must be >= 1"),
    (dict(d1=[1, 0], d2=[0, 1], resolution=-3), ValueError, "resolution must be >= 1"),
    (dict(d1=[1, 0], d2=[0, 1], resolution=1), ValueError, "resolution must be >= 2"),
    (dict(d1=[1, 0], d2=[0, 1], resolution=(5, 0)), ValueError, r"resolution\[1\]"),
    (dict(d1=[1, 0], d2=[0, 1], resolution=2.5), TypeError, "resolution must be an integer"),
    (dict(d1=[1, 0], d2=[0, 1], span=0), ValueError, "span must be finite and > 0"),
    (dict(d1=[1, 0], d2=[0, 1], span=(1, -1)), ValueError, "span must have lo < hi"),
    (dict(d1=[1, 0], d2=[0, 1], span=np.nan), ValueError, "span"),
    (dict(d1=[1, 0], d2=[0, 1], threads=0), ValueError, "threads must be >= 1"),
    (dict(d1=[1, np.nan], d2=[0, 1]), ValueError, "d1 must be finite"),
    (dict(groups=[1, 2]), ValueError, "add up to the length of center"),
    (dict(groups=[2, 0]), ValueError, r"groups\[1\] must be a size >= 1"),
    (dict(groups=[slice(0, 1)]), ValueError, "cover every index"),
    (dict(groups=[slice(0, 2), slice(1, 2)]), ValueError, "overlap"),
    (dict(groups=[1, slice(1, 2)]), TypeError, "all sizes"),
    (dict(groups=[]), ValueError, "groups must not be empty"),
    (dict(groups=3), TypeError, "groups must be a sequence"),
    (dict(directions="pca"), ValueError, "needs path"),
    (dict(directions="sideways"), ValueError, "unknown directions"),
    (dict(directions="filter"), ValueError, "needs groups"),
    (dict(d1=[1, 0], d2=[0, 1], directions="random"), ValueError, "cannot be given"),
    (dict(d1=[1, 0], d2=[0, 1], groups=[2]), ValueError, "groups only apply"),
    (dict(path=[[1, 1, 1], [0, 0, 0]]), ValueError, "path must have 2 columns"),
    (dict(path=[[1, 1]]), ValueError, "at least 2 iterates"),
    (dict(path=[[1, 1], [1, 1]]), ValueError, "does not move"),
])
def test_plane_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        L.plane(F2, [0.5, 0.5], **kwargs)


def test_bad_input_other():
    with pytest.raises(ValueError, match="center must have length 3 for Rastrigin"):
        L.plane(Rastrigin(3), [0, 0], [1, 0], [0, 1])
    with pytest.raises(ValueError, match="center is required"):
        L.plane(F2, None, [1, 0], [0, 1])
    with pytest.raises(ValueError, match="center must be 1-D"):
        L.plane(F2, [[0, 0]], [1, 0], [0, 1])
    with pytest.raises(ValueError, match="a and b must have the same length"):
        L.line(F2, [0, 0], [1, 1, 1])
    with pytest.raises(ValueError, match="a and b must differ"):
        L.line(F2, [1, 1], [1, 1])
    with pytest.raises(ValueError, match="resolution must be >= 1"):
        L.line(F2, [0, 0], [1, 1], resolution=0)
    with pytest.raises(TypeError, match="span must be a pair"):
        L.line(F2, [0, 0], [1, 1], span=3)
    with pytest.raises(TypeError, match="fun must be callable"):
        L.line(42, [0, 0], [1, 1])
    with pytest.raises(ValueError, match="args cannot be used"):
        L.line(F2, [0, 0], [1, 1], args=(1,))
    with pytest.raises(ValueError, match="without history"):
        L.plane(F2, path=gdfast.minimize(F2, [1, 1], lr=0.1))
    with pytest.raises(ValueError, match="center is zero in every group"):
        L.plane(F2, [0.0, 0.0], groups=[1, 1])
    with pytest.raises(ValueError, match="length >= 2 for random"):
        L.plane(lambda x: 0.0, [1.0])


def test_kernel_checks_shapes():
    out = np.empty(3)
    with pytest.raises(ValueError, match="directions must have 2 columns"):
        evaluate_affine(F2, np.zeros(2), np.zeros((1, 3)), np.zeros((3, 1)), out)
    with pytest.raises(ValueError, match="out must have length 4"):
        evaluate_affine(F2, np.zeros(2), np.zeros((1, 2)), np.zeros((4, 1)), out)
    with pytest.raises(ValueError, match="points of length 2"):
        evaluate_affine(F2, np.zeros(3), np.zeros((1, 3)), np.zeros((3, 1)), out)


def test_inputs_not_modified():
    c, d1, d2 = np.ones(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    keep = [c.copy(), d1.copy(), d2.copy()]
    pl = L.plane(Rastrigin(3), c, d1, d2, resolution=3)
    for a, b in zip((c, d1, d2), keep):
        np.testing.assert_array_equal(a, b)
    assert not np.shares_memory(pl.center, c) and not np.shares_memory(pl.d1, d1)


def test_openmp_flag_reported():
    assert isinstance(HAVE_OPENMP, bool)


def test_import_gdfast_does_not_import_matplotlib(tmp_path):
    import os
    import subprocess
    import gdfast
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(gdfast.__file__)))
    code = ("import sys, gdfast, gdfast.landscape; gdfast.plot; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path, env=env)
    assert out.stdout.strip() == "False"


def test_rastrigin_vectorized_cosine_accuracy():
    """The built-in's branch-free cos(2 pi x) (used by the grid benchmark) matches NumPy."""
    rng = np.random.default_rng(9)
    for scale in (1e-3, 1.0, 5.12, 1e3):
        for n in (1, 7, 8, 9, 1000):
            x = rng.standard_normal(n) * scale
            assert Rastrigin(n)(x) == pytest.approx(float(rastrigin_np(x)), rel=1e-13,
                                                    abs=1e-11)
    for v, cos2pi in ((0.25, 0.0), (0.5, -1.0), (1 / 3, -0.5), (2.0 ** 51 + 0.5, -1.0),
                      (2.0 ** 53 + 2, 1.0), (-7.0, 1.0)):
        assert Rastrigin(1)([v]) - v * v - 10 == pytest.approx(-10 * cos2pi, abs=1e-13 +
                                                                 4e-16 * v * v)
