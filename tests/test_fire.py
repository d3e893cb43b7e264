"""FIRE and FIRE 2.0 in the one loop, and the groups' controls (groups=, max_step=,
gnorm="group"): iterates against ASE's own optimizers with ASE's LennardJones calculator,
batch rows and the stepper against minimize, the plain C loop of bench/_baselines, the net
displacement cap, ASE's fmax, bad input."""
import numpy as np
import pytest

import gdfast
from gdfast.objectives import LennardJones, Quadratic

ase = pytest.importorskip("ase")        # in the test extra: CI runs these
from ase import Atoms                                   # noqa: E402
from ase.calculators.lj import LennardJones as AseLJ   # noqa: E402
from ase.optimize import FIRE as AseFIRE                # noqa: E402
from ase.optimize.fire2 import FIRE2 as AseFIRE2        # noqa: E402


def random_cluster(n_atoms, seed, radius=None, min_dist=1.0):
    """n atoms uniformly in a ball (radius from the density of a close-packed cluster), no two
    closer than min_dist: what a random start of a relaxation is."""
    rng = np.random.default_rng(seed)
    radius = radius or 0.62 * n_atoms ** (1 / 3) + 0.3
    pts = []
    while len(pts) < n_atoms:
        p = rng.uniform(-radius, radius, 3)
        if np.linalg.norm(p) <= radius and all(np.linalg.norm(p - q) > min_dist for q in pts):
            pts.append(p)
    return np.array(pts).reshape(-1)


def ase_path(cls, x0, steps, rc=None, **params):
    """ASE's optimizer `cls` on ASE's LennardJones calculator from x0: the positions after each
    of `steps` steps (x0 first), fmax 0 so that it never stops early."""
    n = x0.size // 3
    atoms = Atoms(f"Ar{n}", positions=x0.reshape(n, 3))
    atoms.calc = AseLJ(sigma=1.0, epsilon=1.0, rc=1e3 if rc is None else rc, smooth=False)
    opt = cls(atoms, logfile=None, **params)
    path = []
    for _ in opt.irun(fmax=0.0, steps=steps):
        path.append(atoms.get_positions().reshape(-1).copy())
    return np.array(path)               # irun yields at x0 and after each step


def lj_for_ase(n, rc):
    """gdfast's LennardJones with ASE's cut-off and shift (rc 1e3: every pair of a cluster)."""
    return LennardJones(n, cutoff=1e3 if rc is None else rc, shift=True)


# ---- the same iterates as ASE's ----------------------------------------------------------

FIRE_PARAMS = [{}, {"dt": 0.05, "maxstep": 0.1, "dtmax": 0.5, "Nmin": 3, "finc": 1.2,
                    "fdec": 0.4, "astart": 0.2, "fa": 0.95, "a": 0.15}]
FIRE2_PARAMS = [{}, {"dt": 0.05, "maxstep": 0.1, "dtmax": 0.5, "dtmin": 0.01, "Nmin": 10,
                     "finc": 1.05, "fdec": 0.6, "astart": 0.2, "fa": 0.98},
                {"use_abc": True}]


@pytest.mark.parametrize("n_atoms, seed, rc", [(13, 1, None), (19, 2, None), (13, 3, 2.5)])
@pytest.mark.parametrize("params", FIRE_PARAMS)
def test_fire_iterates_match_ase(n_atoms, seed, rc, params):
    x0 = random_cluster(n_atoms, seed)
    path = ase_path(AseFIRE, x0, 200, rc, **params)
    r = gdfast.minimize(lj_for_ase(n_atoms, rc), x0, method=gdfast.FIRE(**params),
                        max_iter=200, gtol=0, history=True)
    assert r.nit == 200 and path.shape == r.history.x.shape
    np.testing.assert_allclose(r.history.x, path, rtol=0, atol=1e-10)


@pytest.mark.parametrize("n_atoms, seed, rc", [(13, 1, None), (19, 4, None), (13, 3, 2.5)])
@pytest.mark.parametrize("params", FIRE2_PARAMS)
def test_fire2_iterates_match_ase(n_atoms, seed, rc, params):
    x0 = random_cluster(n_atoms, seed)
    path = ase_path(AseFIRE2, x0, 200, rc, **params)
    r = gdfast.minimize(lj_for_ase(n_atoms, rc), x0, method="fire2", options=params,
                        max_iter=200, gtol=0, history=True)
    assert r.nit == 200
    np.testing.assert_allclose(r.history.x, path, rtol=0, atol=1e-10)


def test_fire2_steps_back_and_counts_the_gradients_there():
    """An uphill step (F.v <= 0) costs one gradient more, at the point half a step back."""
    x0 = random_cluster(13, 1)
    r = gdfast.minimize(LennardJones(13), x0, method="fire2", max_iter=200, gtol=0)
    assert r.njev > r.nit + 1               # some steps back happened (ASE's path above too)
    rf = gdfast.minimize(LennardJones(13), x0, method="fire", max_iter=200, gtol=0)
    assert rf.njev == rf.nit + 1


def test_the_lecture_quadratic_first_fire_step():
    """FIRE's first step from rest: v = dt F, x1 = x0 + dt^2 F (uncapped)."""
    q = Quadratic([6.0, 2.0])                  # 3x^2 + y^2
    x0 = np.array([1.0, 1.0])
    r = gdfast.minimize(q, x0, method="fire", lr=0.1, max_iter=1, gtol=0)
    np.testing.assert_allclose(r.x, x0 - 0.01 * np.array([6.0, 2.0]), rtol=1e-15)
    # and the cap: a long first step is scaled to maxstep
    r = gdfast.minimize(q, x0, method=gdfast.FIRE(dt=1.0, maxstep=0.2), max_iter=1, gtol=0)
    np.testing.assert_allclose(np.linalg.norm(r.x - x0), 0.2, rtol=1e-15)


# ---- the one loop: batch rows, the stepper and state as minimize ---------------------------

@pytest.mark.parametrize("method", ["fire", "fire2", gdfast.FIRE2(use_abc=True)])
def test_batch_rows_equal_minimize(method):
    X0 = np.array([random_cluster(13, s) for s in range(12)])
    X0[4, :3] = X0[4, 3:6]                        # coincident atoms: not finite at x0
    X0[5, 3:6] = X0[5, 9:12]
    kw = dict(method=method, max_iter=800, gtol=1e-4, groups=3, gnorm="group")
    rb = gdfast.minimize_batch(LennardJones(13), X0, threads=1, **kw)
    assert len(set(rb.nit)) > 3                    # lanes stop at different times
    for i in range(12):
        if i in (4, 5):
            assert rb.stop_reason[i] == "nonfinite" or rb.stop_reason[i] == "diverged"
            continue
        r = gdfast.minimize(LennardJones(13), X0[i], **kw)
        np.testing.assert_array_equal(rb.x[i], r.x)
        assert (rb.nit[i], rb.njev[i], rb.fun[i]) == (r.nit, r.njev, r.fun)
    r2 = gdfast.minimize_batch(LennardJones(13), X0, threads=2, **kw)
    np.testing.assert_array_equal(r2.x, rb.x)


@pytest.mark.parametrize("method", ["fire", "fire2"])
def test_stepper_equals_minimize(method):
    x0 = random_cluster(13, 7)
    full = gdfast.minimize(LennardJones(13), x0, method=method, max_iter=120, gtol=0)
    d = gdfast.Descent(LennardJones(13), x0, method=method, gtol=0)
    for _ in range(12):
        d.step(10)
    np.testing.assert_array_equal(d.x, full.x)


@pytest.mark.parametrize("cls, method", [(AseFIRE, "fire"), (AseFIRE2, "fire2")])
def test_state_continues_as_ase_restart(cls, method, tmp_path):
    """state= carries the velocity and dt, as ASE's restart file does (a and the downhill
    count start afresh in both): 60 + 60 steps with a restart in between, against ASE's.
    (ASE 3.29's constructor sets dt from its dt= after reading the file, so the file's dt is
    put back by hand here.)"""
    x0 = random_cluster(13, 8)
    atoms = Atoms("Ar13", positions=x0.reshape(13, 3))
    atoms.calc = AseLJ(sigma=1.0, epsilon=1.0, rc=1e3, smooth=False)
    restart = str(tmp_path / "fire.json")
    first = cls(atoms, logfile=None, restart=restart)
    first.run(fmax=0.0, steps=60)
    second = cls(atoms, logfile=None, restart=restart)
    assert second.a == first.__class__(atoms.copy(), logfile=None).a
    second.dt = first.dt
    second.run(fmax=0.0, steps=60)
    lj = lj_for_ase(13, None)
    a = gdfast.minimize(lj, x0, method=method, max_iter=60, gtol=0)
    b = gdfast.minimize(lj, a.x, method=method, max_iter=60, gtol=0, state=a.state)
    np.testing.assert_allclose(b.x, atoms.get_positions().reshape(-1), rtol=0, atol=1e-10)
    straight = gdfast.minimize(lj, x0, method=method, max_iter=120, gtol=0)
    assert not np.array_equal(straight.x, b.x)         # the restart made a difference


def test_matches_the_c_fire_loop_bit_for_bit():
    """bench's plain C FIRE loop (ASE's defaults, fmax on atoms) and the batch of the same
    starts: the same iterates, so the benchmark times the same work."""
    from gdfast import _baselines
    X0 = np.array([random_cluster(13, 100 + s) for s in range(16)])
    X, nit = _baselines.fire_lennard_jones(X0, 1e-3, 100_000)
    r = gdfast.minimize_batch(LennardJones(13), X0, method="fire", gtol=1e-3, groups=3,
                              gnorm="group", max_iter=100_000, threads=1)
    np.testing.assert_array_equal(r.x, X)
    np.testing.assert_array_equal(r.nit, nit)


# ---- groups, max_step, gnorm="group" -------------------------------------------------------

@pytest.mark.parametrize("method", ["gd", "momentum", "adam", "fire", "fire2"])
@pytest.mark.parametrize("batch", [False, True])
def test_max_step_caps_every_group_displacement(method, batch):
    x0 = random_cluster(13, 11, min_dist=0.85)
    cap = 0.03
    kw = dict(method=method, max_iter=150, gtol=0, groups=3, max_step=cap, history=True)
    if method in ("gd", "momentum", "adam"):
        kw["lr"] = 0.05
    if batch:
        path = gdfast.minimize_batch(LennardJones(13), x0[None], **kw).history[0].x
    else:
        path = gdfast.minimize(LennardJones(13), x0, **kw).history.x
    moves = np.linalg.norm(np.diff(path, axis=0).reshape(len(path) - 1, 13, 3), axis=2)
    assert moves.max() <= cap * (1 + 1e-12)
    assert moves.max() >= cap * (1 - 1e-12)       # the cap was active (the test can fail)


@pytest.mark.parametrize("kw", [dict(step_rule="armijo", lr=1.0), dict(step_rule="wolfe", lr=1.0),
                                dict(step_rule="bb", lr=0.01), dict(method="cg"),
                                dict(method="lbfgs")], ids=lambda k: str(list(k.values())[0]))
@pytest.mark.parametrize("batch", [False, True])
def test_max_step_caps_line_searches(kw, batch):
    """With a line search, max_step bounds its trial steps (LAMMPS's dmax): Armijo caps each
    trial point, strong Wolfe keeps t below max_step / the largest group norm of the
    direction.  The run still converges, and no atom moves farther per iteration."""
    x0 = random_cluster(13, 12, min_dist=0.85)
    cap = 0.02
    run = dict(kw, max_iter=3000, gtol=1e-4, groups=3, gnorm="group", max_step=cap,
               history=True)
    if batch:
        res = gdfast.minimize_batch(LennardJones(13), x0[None], **run)
        path, ok = res.history[0].x, bool(res.success[0])
    else:
        res = gdfast.minimize(LennardJones(13), x0, **run)
        path, ok = res.history.x, bool(res.success)
    moves = np.linalg.norm(np.diff(path, axis=0).reshape(len(path) - 1, 13, 3), axis=2)
    assert ok and moves.max() <= cap * (1 + 1e-12)
    assert moves.max() >= cap * (1 - 1e-9)             # the cap was active


def test_max_step_uncapped_groups_keep_their_bits():
    """A group whose step is within the cap moves exactly as without max_step."""
    q = Quadratic([1.0, 1.0, 100.0, 100.0])
    x0 = np.array([1.0, 1.0, 1.0, 1.0])
    r = gdfast.minimize(q, x0, lr=0.001, max_iter=1, gtol=0, groups=[2, 2], max_step=0.01)
    free = gdfast.minimize(q, x0, lr=0.001, max_iter=1, gtol=0)
    np.testing.assert_array_equal(r.x[:2], free.x[:2])
    np.testing.assert_allclose(np.linalg.norm(r.x[2:] - x0[2:]), 0.01, rtol=1e-14)


def test_gnorm_group_is_ase_fmax():
    """gtol with gnorm="group" and groups=3 is ASE's fmax: history.gnorm is the largest force
    on an atom, and the run stops after as many steps as ASE's run(fmax=...), at its x."""
    x0 = random_cluster(13, 21)
    r = gdfast.minimize(lj_for_ase(13, None), x0, method="fire", gtol=0.05, groups=3,
                        gnorm="group", max_iter=1000, history=True)
    per_atom = [np.linalg.norm(LennardJones(13).gradient(x).reshape(13, 3), axis=1).max()
                for x in r.history.x]
    np.testing.assert_allclose(r.history.gnorm, per_atom, rtol=1e-14)
    assert r.success and per_atom[-1] <= 0.05 < min(per_atom[:-1])
    atoms = Atoms("Ar13", positions=x0.reshape(13, 3))
    atoms.calc = AseLJ(sigma=1.0, epsilon=1.0, rc=1e3, smooth=False)
    opt = AseFIRE(atoms, logfile=None)
    opt.run(fmax=0.05, steps=1000)
    assert opt.nsteps == r.nit
    np.testing.assert_allclose(atoms.get_positions().reshape(-1), r.x, rtol=0, atol=1e-10)


def test_groups_forms():
    q = Quadratic(np.ones(6))
    x0 = np.arange(6.0)
    a = gdfast.minimize(q, x0, max_iter=0, groups=3, gnorm="group")
    b = gdfast.minimize(q, x0, max_iter=0, groups=[3, 3], gnorm="group")
    c = gdfast.minimize(q, x0, max_iter=0, gnorm="group")       # one group: the 2-norm
    assert a.nit == 0
    np.testing.assert_allclose(np.linalg.norm(a.jac.reshape(2, 3), axis=1).max(),
                               np.linalg.norm(b.jac.reshape(2, 3), axis=1).max())
    d = gdfast.minimize(q, x0, max_iter=1, gtol=np.linalg.norm(x0) * 1.0000001,
                        gnorm="group")
    assert d.nit == 0 and d.stop_reason == "gtol" and c.nit == 0


# ---- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("kw, match", [
    ({"groups": 4}, "groups=4 must divide"),
    ({"groups": [3, 3]}, "add up to the length of x"),
    ({"groups": [3, 0, 3]}, r"groups\[1\] must be a size >= 1"),
    ({"groups": [3, 1.5]}, r"groups must be all sizes \(int\), groups\[1\] is float"),
    ({"groups": "atoms"}, "groups must be a group size"),
    ({"groups": []}, "must not be empty"),
    ({"max_step": 0}, "max_step"),
    ({"max_step": -1.0}, "max_step"),
    ({"max_step": float("nan")}, "max_step"),
    ({"gnorm": "l2"}, "gnorm"),
])
def test_bad_group_settings(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        gdfast.minimize(Quadratic(np.ones(9)), np.ones(9), **kw)
    with pytest.raises((ValueError, TypeError), match=match):
        gdfast.minimize_batch(Quadratic(np.ones(9)), np.ones((2, 9)), **kw)


@pytest.mark.parametrize("params, match", [
    ({"dt": 0}, "dt"), ({"dt": -0.1}, "dt"), ({"maxstep": 0}, "maxstep"),
    ({"maxstep": float("inf")}, "maxstep"), ({"dtmax": 0}, "dtmax"),
    ({"Nmin": -1}, "Nmin"), ({"Nmin": 2.5}, "Nmin"), ({"finc": 0.9}, "finc"),
    ({"fdec": 0}, "fdec"), ({"fdec": 1.5}, "fdec"), ({"astart": 1.5}, "astart"),
    ({"astart": -0.1}, "astart"), ({"fa": 0}, "fa"), ({"fa": 1.01}, "fa"),
    ({"a": 2.0}, "a must be"), ({"dt": float("nan")}, "dt"),
])
def test_bad_fire_parameters(params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        gdfast.FIRE(**params)
    with pytest.raises((ValueError, TypeError), match=match):
        gdfast.minimize(LennardJones(2), np.array([0, 0, 0, 1.1, 0, 0.0]), method="fire",
                        options=params)


@pytest.mark.parametrize("params, match", [
    ({"dtmin": -1}, "dtmin"), ({"dtmin": 2.0}, "dtmin"), ({"use_abc": 1}, "use_abc"),
    ({"Nmin": -3}, "Nmin"), ({"a": 0.1}, "unknown"),
])
def test_bad_fire2_parameters(params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        gdfast.minimize(LennardJones(2), np.array([0, 0, 0, 1.1, 0, 0.0]), method="fire2",
                        options=params)


@pytest.mark.parametrize("kw, match", [
    ({"step_rule": "wolfe"}, "takes no step_rule"),
    ({"bounds": ([-5] * 6, [5] * 6)}, "bounds cannot be combined"),
    ({"clip_norm": 1.0}, "clip_norm"),
    ({"maximize": True}, "maximize cannot be combined"),
    ({"lr": 0.0}, "lr"),
])
@pytest.mark.parametrize("method", ["fire", "fire2"])
def test_fire_refuses_what_it_cannot_honour(kw, match, method):
    with pytest.raises(ValueError, match=match):
        gdfast.minimize(LennardJones(2), np.array([0, 0, 0, 1.1, 0, 0.0]), method=method, **kw)


def test_lennard_jones_length_checked_with_fire():
    with pytest.raises(ValueError, match="x0 must have length 9 for LennardJones"):
        gdfast.minimize(LennardJones(3), np.zeros(6), method="fire")
    with pytest.raises(ValueError, match="length 9"):
        gdfast.minimize_batch(LennardJones(3), np.zeros((2, 6)), method="fire2")


# ---- a published table: the Cambridge Cluster Database's global minima --------------------

@pytest.mark.parametrize("n_atoms, energy", [(13, -44.326801), (19, -72.659782)])
def test_batch_fire_finds_the_cambridge_cluster_database_minima(n_atoms, energy):
    """Wales & Doye (1997), J. Phys. Chem. A 101, 5111: LJ13 -44.326801, LJ19 -72.659782 (the
    database's six decimals).  Batch multi-start FIRE from random starts (the benchmark's
    random_cluster) finds them, and nothing lower."""
    from gdfast.benchmarks import random_cluster
    rng = np.random.default_rng(2026)
    X0 = np.array([random_cluster(n_atoms, rng) for _ in range(500)])
    r = gdfast.minimize_batch(LennardJones(n_atoms), X0, method="fire", gtol=1e-6, groups=3,
                              gnorm="group", max_iter=100_000)
    assert r.success.all()
    hits = np.flatnonzero(np.abs(r.fun - energy) < 5e-7)
    assert hits.size > 0 and r.fun_best == r.fun.min()
    assert abs(r.fun_best - energy) < 5e-7          # the least energy found is the table's


# ---- promises: user exceptions unchanged, callers' arrays untouched, non-finite back points --

class Boom(Exception):
    pass


def recording_lj(n_atoms, fail_at=None, nan_at=None):
    """A Python objective (the built-in's value and gradient) that records its points and
    raises Boom, or returns NaN, at the call numbered fail_at / nan_at."""
    lj = LennardJones(n_atoms)
    calls = []

    def fun(x):
        calls.append(x.copy())
        if len(calls) == fail_at:
            raise Boom(len(calls))
        f, g = lj.value_and_gradient(x)
        if len(calls) == nan_at:
            return float("nan"), g * np.nan
        return f, g
    return fun, calls


def back_point_call():
    """The number of a call that FIRE2 makes at a half step back (not an accepted iterate)."""
    x0 = random_cluster(13, 1)
    fun, calls = recording_lj(13)
    r = gdfast.minimize(fun, x0, jac=True, method="fire2", max_iter=200, gtol=0,
                        history=True)
    accepted = {tuple(x) for x in r.history.x}
    back = [k + 1 for k, x in enumerate(calls) if tuple(x) not in accepted]
    assert back, "no step back in 200 steps"
    return x0, back[0]


def test_exception_at_fire2_back_point_reaches_the_caller():
    x0, k = back_point_call()
    for run in (lambda f: gdfast.minimize(f, x0, jac=True, method="fire2", gtol=0,
                                          max_iter=200),
                lambda f: gdfast.minimize_batch(f, np.stack([x0, x0]), jac=True,
                                                method="fire2", gtol=0, max_iter=200),
                lambda f: gdfast.Descent(f, x0, jac=True, method="fire2", gtol=0).step(200)):
        fun, _ = recording_lj(13, fail_at=k)
        with pytest.raises(Boom) as info:
            run(fun)
        assert info.value.args == (k,)


def test_nonfinite_gradient_at_the_back_point_stops_at_the_last_iterate():
    x0, k = back_point_call()
    fun, _ = recording_lj(13, nan_at=k)
    r = gdfast.minimize(fun, x0, jac=True, method="fire2", gtol=0, max_iter=200,
                        history=True)
    assert r.stop_reason == "nonfinite" and np.isfinite(r.x).all()
    np.testing.assert_array_equal(r.x, r.history.x[-1])
    ref = gdfast.minimize(LennardJones(13), x0, method="fire2", gtol=0, max_iter=r.nit)
    np.testing.assert_array_equal(r.x, ref.x)


def test_callers_arrays_are_not_modified():
    X0 = np.array([random_cluster(13, s) for s in range(4)])
    keep = X0.copy()
    gdfast.minimize_batch(LennardJones(13), X0, method="fire2", max_iter=50, groups=3,
                          max_step=0.05)
    gdfast.minimize(LennardJones(13), X0[0], method="fire", max_iter=50)
    np.testing.assert_array_equal(X0, keep)
