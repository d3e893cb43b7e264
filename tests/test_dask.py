"""gdfast.dask: batches and landscapes over chunks, on Dask's local scheduler and on a
distributed.LocalCluster of 2 worker processes that the tests start and stop themselves.

Every result is compared with the in-process gdfast.minimize_batch (or landscape.plane) bit for
bit: the chunks run the same compiled batch, and each row equals minimize from its start."""
import ctypes
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import gdfast
from gdfast.objectives import (Himmelblau, LeastSquares, LennardJones, Logistic, Quadratic,
                               Rastrigin, Rosenbrock)

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")
import gdfast.dask as gd  # noqa: E402

FIELDS = ("x", "fun", "jac", "nit", "nfev", "njev", "status", "success", "stop_reason",
          "error_code")
RNG = np.random.default_rng(11)
X0 = RNG.uniform(-5.0, 5.0, (600, 2))


def assert_same(out, ref):
    """Every field of a computed gdfast.dask result equal, bit for bit, to the in-process one."""
    for k in FIELDS:
        assert out[k].dtype == ref[k].dtype, k
        np.testing.assert_array_equal(out[k], ref[k], err_msg=k, strict=True)
    assert out.best == ref.best
    if ref.best >= 0:
        np.testing.assert_array_equal(out.x_best, ref.x_best)
        assert out.fun_best == ref.fun_best
    assert (out.get("state") is None) == (ref.get("state") is None)
    for k, v in (ref.get("state") or {}).items():
        np.testing.assert_array_equal(out.state[k], v, err_msg=f"state[{k}]", strict=True)


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 worker processes x 1 thread, and a Client the computations use."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


# ---- results do not depend on the split -----------------------------------------------------

RUNS = [dict(lr=0.01, max_iter=300),
        dict(method="adam", lr=0.05, max_iter=200, gtol=1e-3),
        dict(method="sgd", lr=0.005, max_iter=150, step_rule=gdfast.Armijo(), ftol=1e-12),
        dict(method="gd", step_rule=gdfast.BarzilaiBorwein(), max_iter=100,
             bounds=([-4.0, -4.0], [4.0, 3.0])),
        dict(method=gdfast.RMSprop(lr=0.01, momentum=0.5), max_iter=120, clip_norm=5.0),
        dict(lr=0.1, max_iter=50),          # diverges from most starts: statuses 3/4
        dict(lr=0.02, max_iter=2000, gtol=0, target=1e-8, patience=20, min_delta=1e-12,
             step_rule=gdfast.ReduceLROnPlateau(factor=0.5, patience=3)),
        dict(method="adam", lr=0.05, max_iter=300,
             step_rule=gdfast.SequentialLR([gdfast.LinearLR(0.1, 1.0, 20),
                                            gdfast.CosineAnnealingWarmRestarts(50)], [20]))]


@pytest.mark.parametrize("run", RUNS, ids=lambda r: str(r.get("method", "gd"))[:12])
@pytest.mark.parametrize("chunks", [600, 97, 1, (250, 50, 300)])
def test_equals_in_process_batch_for_any_chunking(run, chunks):
    ref = gdfast.minimize_batch(Himmelblau(), X0, **run)
    X = da.from_array(X0, chunks=(chunks, 2))
    out = gd.minimize_batch(Himmelblau(), X, **run).compute(scheduler="threads")
    assert_same(out, ref)


def test_fire_relaxations_with_groups_equal_in_process():
    """FIRE on Lennard-Jones clusters, gtol on the largest force on an atom, each atom's step
    capped: the options of issue 15 travel to the tasks too."""
    from gdfast.benchmarks import random_cluster
    rng = np.random.default_rng(3)
    starts = np.array([random_cluster(7, rng) for _ in range(30)])
    kw = dict(method="fire2", gtol=1e-4, groups=3, gnorm="group", max_step=0.1, max_iter=5000)
    ref = gdfast.minimize_batch(LennardJones(7), starts, **kw)
    out = gd.minimize_batch(LennardJones(7), da.from_array(starts, chunks=(7, 21)),
                            **kw).compute(scheduler="threads")
    assert_same(out, ref)


def test_on_a_local_cluster_of_two_processes(client):
    ref = gdfast.minimize_batch(Himmelblau(), X0, method="adam", lr=0.05, max_iter=300)
    for chunks in (600, 64, 7):
        out = gd.minimize_batch(Himmelblau(), X0, chunks=chunks, method="adam", lr=0.05,
                                max_iter=300).compute()
        assert_same(out, ref)
    # both workers took part
    res = gd.minimize_batch(Himmelblau(), X0, chunks=50, lr=0.01, max_iter=10).persist()
    distributed.wait(res.x)
    assert len(client.who_has(res.x)) >= 2
    assert len({w for ws in client.who_has(res.x).values() for w in ws}) == 2


def test_fields_are_dask_arrays_chunked_as_x0_and_best_is_a_reduction():
    X = da.from_array(X0, chunks=(100, 2))
    res = gd.minimize_batch(Himmelblau(), X, lr=0.01, max_iter=20)
    assert isinstance(res.x, da.Array) and res.x.chunks == X.chunks
    assert res.fun.chunks == (X.chunks[0],)
    import dask
    assert dask.is_dask_collection(res.best)
    ref = gdfast.minimize_batch(Himmelblau(), X0, lr=0.01, max_iter=20)
    best = res.best.compute()
    assert best.best == ref.best and best.fun_best == ref.fun_best
    np.testing.assert_array_equal(res.fun.compute(), ref.fun)


def test_best_with_maximize_is_the_greatest():
    f = lambda x: -((x[0] - 1.0) ** 2) - x[1] ** 2           # noqa: E731
    X = np.array([[0.0, 0.0], [1.0, 0.1], [5.0, 5.0], [1.0, 0.0]])
    ref = gdfast.minimize_batch(f, X, lr=0.1, max_iter=3, maximize=True)
    assert ref.best == 3                     # f = 0 there, the greatest
    out = gd.minimize_batch(f, X, chunks=1, lr=0.1, max_iter=3, maximize=True).compute()
    assert_same(out, ref)


def test_no_finite_start_gives_best_minus_one():
    X = np.full((4, 2), 1e200)
    ref = gdfast.minimize_batch(Himmelblau(), X, lr=0.01, max_iter=5)
    assert ref.best == -1
    assert_same(gd.minimize_batch(Himmelblau(), X, chunks=2, lr=0.01, max_iter=5).compute(),
                ref)


# ---- per-start data -------------------------------------------------------------------------

def test_per_start_args_python_and_vectorized(client):
    C = RNG.normal(size=(120, 2))
    X = X0[:120]

    def f(x, c, scale):
        return scale * np.sum((x - c) ** 2)

    ref = gdfast.minimize_batch(f, X, (C, 2.0), lr=0.1, max_iter=30)
    Cd = da.from_array(C, chunks=(40, 2))
    out = gd.minimize_batch(f, da.from_array(X, chunks=(40, 2)), (Cd, 2.0), lr=0.1,
                            max_iter=30).compute()
    assert_same(out, ref)
    # a NumPy per-start array is split with X0's chunks
    out = gd.minimize_batch(f, X, (C, 2.0), chunks=33, lr=0.1, max_iter=30).compute()
    assert_same(out, ref)

    def fv(Xb, Cb):                         # vectorized: the block's rows of C
        return np.sum((Xb - Cb) ** 2, axis=1)

    ref = gdfast.minimize_batch(fv, X, (C,), vectorized=True, lr=0.1, max_iter=30)
    out = gd.minimize_batch(fv, X, (C,), vectorized=True, chunks=50, lr=0.1,
                            max_iter=30).compute()
    assert_same(out, ref)


def test_per_start_builtin_data_is_sliced_with_the_chunks(client):
    C = RNG.normal(size=(600, 2))
    q = Quadratic([1.0, 3.0], C)
    ref = gdfast.minimize_batch(q, X0, lr=0.1, max_iter=40)
    assert_same(gd.minimize_batch(q, X0, chunks=128, lr=0.1, max_iter=40).compute(), ref)
    A = RNG.normal(size=(5, 2))
    B = RNG.normal(size=(600, 5))
    ls = LeastSquares(A, B)
    ref = gdfast.minimize_batch(ls, X0, lr=0.05, max_iter=40)
    assert_same(gd.minimize_batch(ls, X0, chunks=(200), lr=0.05, max_iter=40).compute(), ref)


def test_state_per_start_continues_as_in_process():
    ref1 = gdfast.minimize_batch(Himmelblau(), X0, method="adam", lr=0.02, max_iter=50,
                                 gtol=0)
    ref2 = gdfast.minimize_batch(Himmelblau(), ref1.x, method="adam", lr=0.02, max_iter=50,
                                 gtol=0, state=ref1.state)
    r1 = gd.minimize_batch(Himmelblau(), X0, chunks=111, method="adam", lr=0.02, max_iter=50,
                           gtol=0)
    assert set(r1.state) == set(ref1.state)
    r2 = gd.minimize_batch(Himmelblau(), r1.x, method="adam", lr=0.02, max_iter=50, gtol=0,
                           state=r1.state)
    assert_same(r2.compute(scheduler="threads"), ref2)
    # minimize's state (one for every start) is shared
    one = gdfast.minimize(Himmelblau(), X0[0], method="adam", lr=0.02, max_iter=7).state
    ref = gdfast.minimize_batch(Himmelblau(), X0, method="adam", lr=0.02, max_iter=5,
                                state=one)
    assert_same(gd.minimize_batch(Himmelblau(), X0, chunks=100, method="adam", lr=0.02,
                                  max_iter=5, state=one).compute(), ref)


# ---- objectives travel ----------------------------------------------------------------------

BUILTINS = [Himmelblau(), Rosenbrock(5), Rastrigin(3), Quadratic([1.0, 2.0]),
            Quadratic(np.array([[2.0, 0.5], [0.5, 1.0]]), [1.0, -1.0]),
            Quadratic([1.0, 2.0], np.arange(8.0).reshape(4, 2)),
            LeastSquares(np.arange(6.0).reshape(3, 2), [1.0, 0.0, 2.0]),
            LeastSquares(np.eye(2), np.ones((3, 2))),
            Logistic(RNG.normal(size=(20, 3)), (RNG.random(20) > 0.5).astype(float), 0.1),
            LennardJones(4), LennardJones(5, epsilon=0.5, sigma=1.2, cutoff=2.5)]


@pytest.mark.parametrize("obj", BUILTINS, ids=lambda o: repr(o))
def test_builtins_pickle_to_equal_objects(obj):
    for copy in (pickle.loads(pickle.dumps(obj)), cloudpickle.loads(cloudpickle.dumps(obj))):
        assert type(copy) is type(obj) and copy == obj and hash(copy) == hash(obj)
        assert copy.n == obj.n and copy.n_starts == obj.n_starts
        x = np.linspace(-1.0, 1.0, obj.n)
        if obj.n_starts == 0:
            assert copy(x) == obj(x)
            np.testing.assert_array_equal(copy.gradient(x), obj.gradient(x))


def test_builtins_differ_when_their_data_differ():
    assert Quadratic([1.0, 2.0]) != Quadratic([1.0, 3.0])
    assert Quadratic([1.0, 2.0]) != Quadratic([1.0, 2.0], [0.0, 1.0])
    assert Rastrigin(3) != Rastrigin(4)
    assert Himmelblau() != Rastrigin(2)
    assert Logistic(np.ones((2, 1)), [0, 1], 0.1) != Logistic(np.ones((2, 1)), [0, 1], 0.2)


def test_rules_and_step_rules_pickle_to_equal_objects():
    for obj in (gdfast.Adam(lr=0.1, betas=(0.8, 0.99)), gdfast.SGD(momentum=0.9, nesterov=True),
                gdfast.AdamW(), gdfast.RMSprop(centered=True), gdfast.Adagrad(lr_decay=0.1),
                gdfast.Armijo(c1=0.01), gdfast.StrongWolfe(), gdfast.BarzilaiBorwein(variant=2),
                gdfast.CosineLR(10, 0.01), gdfast.StepLR(3, 0.5), gdfast.ExponentialLR(0.9),
                gdfast.InverseTimeLR(0.1), gdfast.Fixed(), gdfast.FIRE(dt=0.05, Nmin=3),
                gdfast.FIRE2(use_abc=True), gdfast.CG(beta="fr"), gdfast.LBFGS(memory=3)):
        assert pickle.loads(pickle.dumps(obj)) == obj


def test_python_callable_with_closure_runs_on_workers(client):
    shift = np.array([0.5, -0.25])
    f = lambda x: float(np.sum((x - shift) ** 2))           # noqa: E731  (a closure)
    ref = gdfast.minimize_batch(f, X0[:40], lr=0.1, max_iter=25)
    assert_same(gd.minimize_batch(f, X0[:40], chunks=15, lr=0.1, max_iter=25).compute(), ref)


SOURCE = textwrap.dedent("""
    double value(int n, double *x, void *ud) {
        double s = 0.0, c = ud ? ((double *)ud)[0] : 0.0;
        for (int i = 0; i < n; i++) s += (i + 1.0) * (x[i] - c) * (x[i] - c);
        return s;
    }
    void grad(int n, double *x, double *g, void *ud) {
        double c = ud ? ((double *)ud)[0] : 0.0;
        for (int i = 0; i < n; i++) g[i] = 2.0 * (i + 1.0) * (x[i] - c);
    }
""")


@pytest.fixture(scope="module")
def shared_library(tmp_path_factory):
    d = tmp_path_factory.mktemp("lib")
    (d / "q.c").write_text(SOURCE)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(d / "libq.so"), str(d / "q.c")],
                   check=True)
    return str(d / "libq.so")


def test_shared_library_spec_on_workers(client, shared_library):
    lib = ctypes.CDLL(shared_library)
    DP = ctypes.POINTER(ctypes.c_double)
    value = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, DP, ctypes.c_void_p)(
        ctypes.cast(lib.value, ctypes.c_void_p).value)
    grad = ctypes.CFUNCTYPE(None, ctypes.c_int, DP, DP, ctypes.c_void_p)(
        ctypes.cast(lib.grad, ctypes.c_void_p).value)
    spec = gd.SharedLibrary(shared_library, "value", "grad")
    assert pickle.loads(pickle.dumps(spec)) == spec
    ref = gdfast.minimize_batch(value, X0, jac=grad, lr=0.05, max_iter=60)
    assert_same(gd.minimize_batch(spec, X0, chunks=100, lr=0.05, max_iter=60).compute(), ref)
    # per-start user_data: a pointer to the start's row
    C = RNG.normal(size=(600, 1))
    ref = gdfast.minimize_batch(value, X0, (C,), jac=grad, lr=0.05, max_iter=60)
    assert np.any(ref.x != gdfast.minimize_batch(value, X0, jac=grad, lr=0.05,
                                                 max_iter=60).x)
    out = gd.minimize_batch(spec, X0, (da.from_array(C, chunks=(100, 1)),), chunks=100,
                            lr=0.05, max_iter=60).compute()
    assert_same(out, ref)
    # without jac: finite differences, in this process too
    ref = gdfast.minimize_batch(value, X0[:50], jac="central", lr=0.05, max_iter=20)
    out = gdfast.minimize_batch(gd.SharedLibrary(shared_library, "value"), X0[:50], lr=0.05,
                                max_iter=20)
    assert_same(out, ref)


def test_shared_library_errors_name_the_problem(shared_library, tmp_path):
    with pytest.raises(OSError, match="cannot load"):
        gd.minimize_batch(gd.SharedLibrary(str(tmp_path / "missing.so"), "value"), X0)
    with pytest.raises(AttributeError, match="no symbol 'nope'"):
        gd.minimize_batch(gd.SharedLibrary(shared_library, "nope"), X0)
    with pytest.raises(TypeError, match="fun must be a symbol name"):
        gd.SharedLibrary(shared_library, 3)


def test_numba_cfunc_is_compiled_again_on_workers(client):
    numba = pytest.importorskip("numba")

    @numba.cfunc("float64(intc, CPointer(float64))")
    def value(n, x):
        return 3.0 * x[0] * x[0] + x[1] * x[1]

    @numba.cfunc("void(intc, CPointer(float64), CPointer(float64))")
    def grad(n, x, g):
        g[0] = 6.0 * x[0]
        g[1] = 2.0 * x[1]

    ref = gdfast.minimize_batch(value, X0, jac=grad, lr=0.1, max_iter=30)
    out = gd.minimize_batch(value, X0, jac=grad, chunks=150, lr=0.1, max_iter=30).compute()
    assert_same(out, ref)
    ref = gdfast.minimize_batch(value, X0[:60], jac="forward", lr=0.1, max_iter=10)
    out = gd.minimize_batch(value, X0[:60], jac="forward", chunks=25, lr=0.1,
                            max_iter=10).compute()
    assert_same(out, ref)                  # the cfunc with finite differences
    spec, _ = gdfast._portable.portable(value, grad)
    assert cloudpickle.loads(cloudpickle.dumps(spec)) == spec
    # the lecture's two steps through the spec, in this process
    r = gdfast.minimize(spec, [1.0, 1.0], lr=0.1, max_iter=2, gtol=0, history=True)
    np.testing.assert_allclose(r.history.x, [[1, 1], [0.4, 0.8], [0.16, 0.64]], rtol=1e-15)


# ---- a worker dies in the middle of a run ---------------------------------------------------

def test_a_worker_killed_mid_run_loses_and_duplicates_nothing():
    """16 chunks of about 0.3 s; one worker process is killed (SIGKILL) while the run is under
    way. Its nanny starts a new one, the scheduler runs its lost chunks again, and every start
    has its one result, equal to the in-process run."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    c = distributed.Client(cluster)
    try:
        X = np.random.default_rng(5).uniform(-5.0, 5.0, (16 * 40_000, 2))
        t = time.perf_counter()
        ref = gdfast.minimize_batch(Himmelblau(), X, lr=0.01, max_iter=1000, gtol=0,
                                    threads=2)
        duration = time.perf_counter() - t          # about the run's on 2 workers
        c.run(lambda: gdfast.minimize_batch(Himmelblau(), X0[:2], max_iter=1))   # warm up
        pids = c.run(os.getpid)
        res = gd.minimize_batch(Himmelblau(), X, chunks=40_000, lr=0.01, max_iter=1000,
                                gtol=0)
        futures = c.compute([res.x, res.fun, res.status, res.nit, res.best])
        time.sleep(0.4 * duration)                  # some chunks done, others not
        running = not any(f.done() for f in futures)
        os.kill(max(pids.values()), signal.SIGKILL)
        x, fun, status, nit, best = c.gather(futures)
        assert running, "the run had ended before the worker was killed"
        np.testing.assert_array_equal(x, ref.x, strict=True)
        np.testing.assert_array_equal(fun, ref.fun, strict=True)
        np.testing.assert_array_equal(status, ref.status, strict=True)
        np.testing.assert_array_equal(nit, ref.nit, strict=True)
        assert best.best == ref.best and best.fun_best == ref.fun_best
    finally:
        c.close()
        cluster.close()


# ---- threads: one OpenMP team per worker sized to its threads -------------------------------

def test_threads_default_to_the_workers_own(client):
    assert client.submit(gd._task_threads, None, pure=False).result() == 1
    assert client.submit(gd._task_threads, 3, pure=False).result() == 3
    assert gd._task_threads(None) is None          # outside a worker: all cores
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                       dashboard_address=":0", silence_logs=50)
    with distributed.Client(cluster, set_as_default=False) as c2:
        assert c2.submit(gd._task_threads, None, pure=False).result() == 2
    cluster.close()


# ---- random starts --------------------------------------------------------------------------

def test_random_starts_do_not_depend_on_chunks():
    a = gd.random_starts(10_000, [-5.0, -1.0], [5.0, 2.0], seed=3, chunks=1000).compute()
    for chunks in (3333, 10_000, 17, 4096):
        b = gd.random_starts(10_000, [-5.0, -1.0], [5.0, 2.0], seed=3, chunks=chunks)
        np.testing.assert_array_equal(b.compute(), a)
    assert a.shape == (10_000, 2)
    assert a[:, 0].min() >= -5 and a[:, 0].max() < 5 and a[:, 1].min() >= -1
    assert a[:, 1].max() < 2
    assert np.abs(a[:, 0].mean()) < 0.2                     # uniform: mean 0 +- 5/sqrt(3e4)
    c = gd.random_starts(10_000, [-5.0, -1.0], [5.0, 2.0], seed=4, chunks=1000).compute()
    assert not np.array_equal(a, c)
    # the first rows of a longer batch are the same rows
    d = gd.random_starts(20_000, [-5.0, -1.0], [5.0, 2.0], seed=3, chunks=7000).compute()
    np.testing.assert_array_equal(d[:10_000], a)


def test_random_starts_bad_input():
    with pytest.raises(ValueError, match="low and high"):
        gd.random_starts(10, [0.0, 1.0], [1.0, 0.0], seed=1)
    with pytest.raises(ValueError, match="seed"):
        gd.random_starts(10, 0.0, 1.0, seed=-1)
    with pytest.raises(ValueError, match="m must"):
        gd.random_starts(0, 0.0, 1.0, seed=1)


# ---- landscape ------------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", [None, 1, 7, 41])
def test_plane_equals_in_process(client, chunks):
    ref = gdfast.landscape.plane(Rastrigin(50), np.ones(50), seed=1, resolution=41)
    p = gd.plane(Rastrigin(50), np.ones(50), seed=1, resolution=41, chunks=chunks)
    assert isinstance(p.values, da.Array)
    np.testing.assert_array_equal(p.values.compute(), ref.values, strict=True)
    np.testing.assert_array_equal(p.d1, ref.d1)
    np.testing.assert_array_equal(p.alphas, ref.alphas)


def test_plane_python_and_pca_directions(client):
    path = gdfast.minimize(Himmelblau(), [0.0, 0.0], lr=0.01, max_iter=50, history=True)
    f = lambda x: float((x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2)  # noqa
    ref = gdfast.landscape.plane(f, path=path, resolution=(15, 9))
    p = gd.plane(f, path=path, resolution=(15, 9), chunks=4)
    np.testing.assert_array_equal(p.values.compute(), ref.values, strict=True)
    np.testing.assert_array_equal(p.path_coords, ref.path_coords)


def test_plane_bad_input():
    with pytest.raises(ValueError, match="center is required"):
        gd.plane(Rastrigin(3))
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        gd.plane(Rastrigin(3), np.ones(3), colour=1)
    with pytest.raises(TypeError, match="raw function pointer"):
        gd.plane(ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int,
                                  ctypes.POINTER(ctypes.c_double))(lambda n, x: 0.0),
                 np.ones(2))


# ---- bad input: refused before any task is submitted ----------------------------------------

class _NoScheduler:
    """A Dask scheduler that fails the test if anything is computed."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("a task was submitted")


@pytest.fixture
def no_tasks():
    import dask
    with dask.config.set(scheduler=_NoScheduler()):
        yield


def _raw_pointers():
    DP = ctypes.POINTER(ctypes.c_double)
    ct = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, DP)(lambda n, x: 0.0)
    out = [ct]
    scipy = pytest.importorskip("scipy")
    out.append(scipy.LowLevelCallable(ct))
    cffi = pytest.importorskip("cffi")
    ffi = cffi.FFI()
    out.append(ffi.cast("double (*)(int, double *)", ctypes.cast(ct, ctypes.c_void_p).value))
    return out


def test_bad_input_is_refused_before_submitting(no_tasks):
    X = da.from_array(X0, chunks=(100, 2))
    with pytest.raises(ValueError, match="X0 is chunked along its columns"):
        gd.minimize_batch(Himmelblau(), X.rechunk((100, 1)))
    C = da.from_array(RNG.normal(size=(600, 2)), chunks=(150, 2))
    with pytest.raises(ValueError, match=r"args\[0\] is chunked .* differently|args\[0\] is "
                                         "chunked along its first dimension"):
        gd.minimize_batch(lambda x, c: np.sum((x - c) ** 2), X, (C,))
    with pytest.raises(ValueError, match=r"args\[0\] has shape \(7, 2\)"):
        gd.minimize_batch(lambda x, c: np.sum((x - c) ** 2), X,
                          (da.zeros((7, 2), chunks=7),))
    for fp in _raw_pointers():
        with pytest.raises(TypeError, match="raw function pointer"):
            gd.minimize_batch(fp, X)
        with pytest.raises(TypeError, match="raw function pointer"):
            gd.minimize_batch(gdfast.objectives.Quadratic([1.0, 1.0]), X, jac=fp)
    with pytest.raises(ValueError, match="X0 must be 2-D"):
        gd.minimize_batch(Himmelblau(), da.zeros(10, chunks=5))
    with pytest.raises(ValueError, match="lr"):
        gd.minimize_batch(Himmelblau(), X, lr=-1.0)
    with pytest.raises(ValueError, match="method"):
        gd.minimize_batch(Himmelblau(), X, method="newton")
    with pytest.raises(ValueError, match="length 2"):
        gd.minimize_batch(Himmelblau(), da.zeros((10, 3), chunks=5))
    with pytest.raises(ValueError, match="callback is not supported"):
        gd.minimize_batch(Himmelblau(), X, callback=print)
    with pytest.raises(ValueError, match="history is not supported"):
        gd.minimize_batch(Himmelblau(), X, history=True)
    for name in ("progress", "keep_best"):
        with pytest.raises(ValueError, match=f"{name} is not supported"):
            gd.minimize_batch(Himmelblau(), X, **{name: True})
    with pytest.raises(ValueError, match="patience"):
        gd.minimize_batch(Himmelblau(), X, patience=0)
    with pytest.raises(ValueError, match="target"):
        gd.minimize_batch(Himmelblau(), X, target=np.nan)
    with pytest.raises(TypeError, match="unexpected keyword argument 'learning_rate'"):
        gd.minimize_batch(Himmelblau(), X, learning_rate=0.1)
    with pytest.raises(ValueError, match="holds data for 4 starts"):
        gd.minimize_batch(Quadratic([1.0, 2.0], np.zeros((4, 2))), X)
    with pytest.raises(ValueError, match="chunks"):
        gd.minimize_batch(Himmelblau(), X0, chunks=0)


def test_callers_arrays_are_not_modified():
    X = X0.copy()
    C = RNG.normal(size=(600, 2))
    Cc = C.copy()
    gd.minimize_batch(lambda x, c: np.sum((x - c) ** 2), X, (C,), chunks=200, lr=0.1,
                      max_iter=5, bounds=([-1.0, -1.0], [1.0, 1.0])).compute(scheduler="sync")
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(C, Cc)


def test_exceptions_from_user_code_reach_the_caller():
    class Boom(Exception):
        pass

    def f(x):
        if x[0] > 4.0:
            raise Boom("from fun")
        return float(np.sum(x * x))

    res = gd.minimize_batch(f, X0, chunks=100, lr=0.1, max_iter=5)
    with pytest.raises(Boom, match="from fun"):
        res.compute(scheduler="sync")


def test_without_dask_the_error_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['dask'] = None; import gdfast.dask as gd, numpy as np\n"
            "try:\n    gd.minimize_batch(lambda x: 0.0, np.zeros((2, 2)))\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path)       # the installed gdfast, not the tree
    assert "pip install 'gdfast[dask]'" in out.stdout
