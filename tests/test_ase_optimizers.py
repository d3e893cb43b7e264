"""gdfast.ase: FIRE and FIRE2 as ase.optimize optimizers (against ASE's own, with ASE's
calculators; ASE's Optimizer conventions: logfile, trajectory, irun, observers, restart files)
and relax_batch (against ASE's FIRE image by image)."""
import io

import numpy as np
import pytest

pytest.importorskip("ase")              # in the test extra: CI runs these
from ase import Atoms                                   # noqa: E402
from ase.calculators.emt import EMT                     # noqa: E402
from ase.calculators.lj import LennardJones as AseLJ   # noqa: E402
from ase.cluster import Octahedron                      # noqa: E402
from ase.io import read                                 # noqa: E402
from ase.optimize import FIRE as AseFIRE                # noqa: E402
from ase.optimize.fire2 import FIRE2 as AseFIRE2        # noqa: E402

import gdfast                                           # noqa: E402
import gdfast.ase as gase                               # noqa: E402
from gdfast.benchmarks import random_cluster            # noqa: E402


def lj_atoms(seed, n=13):
    rng = np.random.default_rng(seed)
    atoms = Atoms(f"Ar{n}", positions=random_cluster(n, rng).reshape(n, 3))
    atoms.calc = AseLJ(sigma=1.0, epsilon=1.0, rc=1e3, smooth=False)
    return atoms


def emt_atoms(seed):
    """A 19-atom Cu octahedron, rattled: a metal with ASE's EMT calculator."""
    atoms = Octahedron("Cu", 3)
    atoms.rattle(0.1, seed=seed)
    atoms.calc = EMT()
    return atoms


@pytest.mark.parametrize("make", [lj_atoms, emt_atoms])
@pytest.mark.parametrize("ours, theirs, params", [
    (gase.FIRE, AseFIRE, {}), (gase.FIRE, AseFIRE, {"dt": 0.05, "maxstep": 0.1, "Nmin": 3}),
    (gase.FIRE2, AseFIRE2, {}), (gase.FIRE2, AseFIRE2, {"use_abc": True})])
def test_same_relaxation_as_ase(make, ours, theirs, params):
    a, b = make(1), make(1)
    ref = theirs(a, logfile=None, **params)
    ref.run(fmax=1e-3, steps=2000)
    opt = ours(b, logfile=None, **params)
    assert opt.run(fmax=1e-3, steps=2000)
    assert opt.nsteps == ref.nsteps
    np.testing.assert_allclose(b.get_positions(), a.get_positions(), rtol=0, atol=1e-10)


def test_ase_conventions_logfile_trajectory_observers_irun(tmp_path):
    atoms = lj_atoms(2)
    log = io.StringIO()
    traj = str(tmp_path / "relax.traj")
    opt = gase.FIRE(atoms, logfile=log, trajectory=traj)
    seen = []
    opt.attach(lambda: seen.append(opt.nsteps), interval=5)
    steps = list(opt.irun(fmax=0.01, steps=500))
    assert steps[-1] and opt.nsteps == len(steps) - 1
    assert seen == list(range(0, opt.nsteps + 1, 5))
    lines = log.getvalue().splitlines()
    assert lines[0].split() == ["Step", "Time", "Energy", "fmax"]
    assert len(lines) == opt.nsteps + 2 and lines[1].startswith("FIRE:")
    frames = read(traj, ":")
    assert len(frames) == opt.nsteps + 1
    np.testing.assert_allclose(frames[-1].get_positions(), atoms.get_positions())
    assert float(lines[-1].split()[-1]) < 0.01


def test_restart_files_are_ases_fire_format(tmp_path):
    """gdfast's restart file (velocity, dt) is read by ASE's FIRE, and ASE's by gdfast's."""
    restart = str(tmp_path / "fire.json")
    a = lj_atoms(3)
    gase.FIRE(a, logfile=None, restart=restart).run(fmax=0.0, steps=30)
    theirs = AseFIRE(a.copy(), logfile=None, restart=restart)
    assert np.any(theirs.vel != 0)
    b = lj_atoms(3)
    AseFIRE(b, logfile=None, restart=restart + "2").run(fmax=0.0, steps=30)
    mine = gase.FIRE(b, logfile=None, restart=restart + "2")
    vel, dt = AseFIRE(b.copy(), logfile=None, restart=restart + "2").vel, mine.dt
    np.testing.assert_allclose(mine._state["m"], vel.reshape(-1))
    assert dt > 0
    mine.run(fmax=0.0, steps=5)            # continues from the file's velocity


def test_max_step_caps_each_atom():
    atoms = emt_atoms(4)
    atoms.rattle(0.3, seed=5)
    opt = gase.FIRE(atoms, logfile=None, max_step=0.01, dt=0.5, maxstep=1.0)
    before = atoms.get_positions()
    moves = []
    for _ in opt.irun(fmax=0.0, steps=40):
        now = atoms.get_positions()
        moves.append(np.linalg.norm(now - before, axis=1).max())
        before = now
    assert max(moves) <= 0.01 * (1 + 1e-12) and max(moves) > 0.0099


def test_bad_parameters_name_themselves():
    with pytest.raises(ValueError, match="dt"):
        gase.FIRE(lj_atoms(1), logfile=None, dt=-1.0)
    with pytest.raises(ValueError, match="fdec"):
        gase.FIRE2(lj_atoms(1), logfile=None, fdec=2.0)
    with pytest.raises(TypeError):
        gase.FIRE(lj_atoms(1), logfile=None, not_a_parameter=1)


def test_relax_batch_equals_ase_image_by_image():
    images = [lj_atoms(s) for s in range(6)]
    refs = [lj_atoms(s) for s in range(6)]
    res = gase.relax_batch(images, fmax=1e-3)
    for atoms, ref, nit, e in zip(images, refs, res.nit, res.fun):
        opt = AseFIRE(ref, logfile=None)
        opt.run(fmax=1e-3, steps=100_000)
        assert opt.nsteps == nit
        np.testing.assert_allclose(atoms.get_positions(), ref.get_positions(), atol=1e-10)
        assert abs(ref.get_potential_energy() - e) < 1e-10
    assert res.success.all()


def test_relax_batch_cutoff_is_ases_shifted_lj():
    images = [lj_atoms(s) for s in range(3)]
    res = gase.relax_batch(images, fmax=1e-4, rc=2.5, method="fire2")
    for atoms, e in zip(images, res.fun):
        atoms.calc = AseLJ(sigma=1.0, epsilon=1.0, rc=2.5, smooth=False)
        assert abs(atoms.get_potential_energy() - e) < 1e-10
        assert np.linalg.norm(atoms.get_forces(), axis=1).max() <= 1e-4


def test_relax_batch_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        gase.relax_batch([])
    with pytest.raises(ValueError, match="same number"):
        gase.relax_batch([lj_atoms(1, 13), lj_atoms(2, 12)])
    with pytest.raises(ValueError, match="maxstep"):
        gase.relax_batch([lj_atoms(1)], maxstep=0.0)
    assert gdfast.ase is gase
