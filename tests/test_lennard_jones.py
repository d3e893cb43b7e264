"""The built-in LennardJones objective: energy and gradient against an independent NumPy
formula, finite differences and ASE's LennardJones calculator; the dimer's minimum; batch rows
equal to minimize; bad input."""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import LennardJones


def numpy_lj(x, epsilon=1.0, sigma=1.0, cutoff=None, shift=True):
    """Energy and gradient from all pair distances at once (no loops over pairs)."""
    p = x.reshape(-1, 3)
    d = p[None, :, :] - p[:, None, :]              # d[i, j] = p_j - p_i
    r2 = (d ** 2).sum(-1)
    iu = np.triu_indices(len(p), 1)
    keep = np.zeros_like(r2, dtype=bool)
    keep[iu] = True
    if cutoff is not None:
        keep &= r2 <= cutoff ** 2
    r2s = np.where(keep, r2, 1.0)
    s6 = (sigma ** 2 / r2s) ** 3
    e_pair = 4 * epsilon * (s6 ** 2 - s6)
    if cutoff is not None and shift:
        e_pair -= 4 * epsilon * ((sigma / cutoff) ** 12 - (sigma / cutoff) ** 6)
    energy = e_pair[keep].sum()
    h = np.where(keep, 24 * epsilon * (2 * s6 ** 2 - s6) / r2s, 0.0)
    h = h + h.T
    grad = (h[:, :, None] * d).sum(1)             # dE/dp_i = sum_j h_ij (p_j - p_i)
    return energy, grad.reshape(-1)


def random_cluster(n_atoms, seed, spacing=1.1):
    """Atoms on a jittered cubic grid: no pair closer than about 0.8 sigma."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(n_atoms ** (1 / 3)))
    grid = np.array([(i, j, k) for i in range(side) for j in range(side) for k in range(side)])
    p = grid[:n_atoms] * spacing + rng.uniform(-0.1, 0.1, (n_atoms, 3))
    return p.reshape(-1)


@pytest.mark.parametrize("n_atoms", [2, 3, 13, 38])
@pytest.mark.parametrize("params", [{}, {"epsilon": 0.7, "sigma": 1.3},
                                    {"cutoff": 2.5}, {"cutoff": 2.0, "shift": False},
                                    {"epsilon": 2.0, "sigma": 0.9, "cutoff": 1.8}])
def test_energy_and_gradient_match_numpy(n_atoms, params):
    x = random_cluster(n_atoms, n_atoms) * params.get("sigma", 1.0)
    lj = LennardJones(n_atoms, **params)
    e_ref, g_ref = numpy_lj(x, **params)
    f, g = lj.value_and_gradient(x)
    np.testing.assert_allclose(f, e_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-11)
    assert lj(x) == f
    np.testing.assert_array_equal(lj.gradient(x), g)


@pytest.mark.parametrize("cutoff", [None, 2.2])
def test_gradient_matches_finite_differences(cutoff):
    x = random_cluster(13, 5)
    lj = LennardJones(13, cutoff=cutoff)
    fd = gdfast.gradient(lj, x, method="central4")
    np.testing.assert_allclose(lj.gradient(x), fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("sigma, epsilon, rc", [(1.0, 1.0, 3.0), (1.2, 0.5, 2.5)])
def test_equals_ase_calculator(sigma, epsilon, rc):
    import ase                          # a test dependency (the test extra)
    from ase.calculators.lj import LennardJones as AseLJ
    x = random_cluster(13, 7) * sigma
    atoms = ase.Atoms("Ar13", positions=x.reshape(-1, 3))
    atoms.calc = AseLJ(sigma=sigma, epsilon=epsilon, rc=rc)
    e_ase = atoms.get_potential_energy()
    forces = atoms.get_forces()
    lj = LennardJones(13, epsilon=epsilon, sigma=sigma, cutoff=rc)
    f, g = lj.value_and_gradient(x)
    np.testing.assert_allclose(f, e_ase, rtol=1e-12)
    np.testing.assert_allclose(-g.reshape(-1, 3), forces, rtol=1e-12, atol=1e-12)


def test_dimer_minimum():
    lj = LennardJones(2, epsilon=1.5, sigma=0.8)
    res = gdfast.minimize(lj, [0.0, 0, 0, 1.0, 0.2, 0], step_rule="bb",
                          gtol=1e-10, max_iter=10_000)
    assert res.success
    r = np.linalg.norm(res.x[3:] - res.x[:3])
    assert abs(r - 2 ** (1 / 6) * 0.8) < 1e-9
    assert abs(res.fun + 1.5) < 1e-12


@pytest.mark.parametrize("params", [{}, {"cutoff": 1.5}, {"cutoff": 3.0, "shift": False},
                                    {"epsilon": 0.5, "sigma": 1.2, "cutoff": 2.0}])
def test_batch_rows_equal_minimize(params):
    """Batch lanes go through the block kernel (gd_block.h, vectorized across lanes, the
    cut-off as a factor 0): the scalar kernel's bits, at x0 and after 200 steps."""
    lj = LennardJones(7, **params)
    X0 = np.stack([random_cluster(7, s) * params.get("sigma", 1.0) for s in range(20)])
    at_x0 = gdfast.minimize_batch(lj, X0, max_iter=0)
    for i, x0 in enumerate(X0):
        f, g = lj.value_and_gradient(x0)
        assert at_x0.fun[i] == f
        np.testing.assert_array_equal(at_x0.jac[i], g)
    batch = gdfast.minimize_batch(lj, X0, lr=1e-3, max_iter=200, gtol=0, threads=2)
    for i, x0 in enumerate(X0):
        res = gdfast.minimize(lj, x0, lr=1e-3, max_iter=200, gtol=0)
        np.testing.assert_array_equal(batch.x[i], res.x)
        assert batch.fun[i] == res.fun


def test_pickle_and_equality():
    import pickle
    lj = LennardJones(4, epsilon=2.0, cutoff=2.5, shift=False)
    back = pickle.loads(pickle.dumps(lj))
    assert back == lj and back is not lj
    x = random_cluster(4, 1)
    assert back(x) == lj(x)
    assert LennardJones(4) != lj


def test_coincident_atoms():
    """r = 0: no crash, the loop's own refusal of a non-finite x0"""
    with pytest.raises(ValueError, match="x0"):
        gdfast.minimize(LennardJones(2), np.zeros(6), max_iter=10)


@pytest.mark.parametrize("kwargs, exc, name", [
    ({"n_atoms": 1}, ValueError, "n_atoms"),
    ({"n_atoms": 2.5}, TypeError, "n_atoms"),
    ({"n_atoms": True}, TypeError, "n_atoms"),
    ({"n_atoms": 3, "epsilon": 0.0}, ValueError, "epsilon"),
    ({"n_atoms": 3, "epsilon": float("nan")}, ValueError, "epsilon"),
    ({"n_atoms": 3, "sigma": -1.0}, ValueError, "sigma"),
    ({"n_atoms": 3, "sigma": float("inf")}, ValueError, "sigma"),
    ({"n_atoms": 3, "cutoff": 0.0}, ValueError, "cutoff"),
    ({"n_atoms": 3, "cutoff": "3"}, TypeError, "cutoff"),
    ({"n_atoms": 3, "shift": 1}, TypeError, "shift"),
])
def test_bad_parameters(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        LennardJones(**kwargs)


def test_x_of_the_wrong_length():
    lj = LennardJones(3)
    for call in (lambda: lj(np.zeros(8)), lambda: gdfast.minimize(lj, np.ones(6)),
                 lambda: gdfast.minimize_batch(lj, np.ones((2, 10)))):
        with pytest.raises(ValueError, match="length 9"):
            call()
