"""Concurrent minimize calls from Python threads on C-level objectives: identical to serial
calls, and they run in parallel (the GIL is released for the whole run)."""
import ctypes
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import gdfast
from gdfast.objectives import Rosenbrock

DP = ctypes.POINTER(ctypes.c_double)


def _jobs():
    r = Rosenbrock(6)
    fp = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, DP)(
        lambda n, x: 3.0 * x[0] ** 2 + x[1] ** 2)
    jobs = [(r, np.full(6, 0.1 * k), dict(lr=1e-3, max_iter=20_000, gtol=0)) for k in range(8)]
    jobs += [(r, np.zeros(6), dict(lr=1e-3, max_iter=5_000, jac="central4", gtol=0))] * 2
    jobs += [(fp, np.array([1.0, 2.0]), dict(lr=0.1, gtol=1e-9))]
    return jobs


def test_concurrent_calls_give_serial_results():
    jobs = _jobs()
    serial = [gdfast.minimize(f, x, **kw) for f, x, kw in jobs]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            par = list(pool.map(lambda j: gdfast.minimize(j[0], j[1], **j[2]), jobs))
            for a, b in zip(serial, par):
                np.testing.assert_array_equal(a.x, b.x)
                assert a.nit == b.nit and a.fun == b.fun and a.nfev == b.nfev


def test_gil_released_during_c_level_run():
    """A Python thread keeps running while minimize works on a built-in objective."""
    r = Rosenbrock(50)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        t0 = time.perf_counter()
        n0 = len(ticks)
        while time.perf_counter() - t0 < 0.3:
            gdfast.minimize(r, np.zeros(50), lr=1e-4, max_iter=200_000, gtol=0)
        assert len(ticks) - n0 > 20
    finally:
        stop.set()
        t.join()


def _mixed_jobs():
    """Every entry point, C-level and Python objectives alike."""
    from gdfast.objectives import Himmelblau, Quadratic
    py = lambda x: float(np.sum((x - 0.3) ** 2) + np.sin(x[0]))
    vec = lambda X: np.sum((X - 0.3) ** 2, axis=1) + np.sin(X[:, 0])
    return [
        lambda: gdfast.minimize(Rosenbrock(4), np.zeros(4), method="adam", lr=1e-2,
                                max_iter=3000, gtol=0).x,
        lambda: gdfast.minimize(Rosenbrock(2), [-1.2, 1.0], step_rule="bb", lr=1e-3).x,
        lambda: gdfast.minimize(py, np.ones(3), lr=0.1, max_iter=200, gtol=0).x,
        lambda: gdfast.minimize(vec, np.ones(3), vectorized=True, lr=0.1, max_iter=200,
                                gtol=0).x,
        lambda: gdfast.gradient(py, np.linspace(-1, 1, 5)),
        lambda: gdfast.gradient(Rosenbrock(300), np.linspace(-1, 1, 300)),
        lambda: gdfast.minimize_batch(Himmelblau(), np.linspace(-4, 4, 40).reshape(20, 2),
                                      lr=0.01, max_iter=500, threads=2).x,
        lambda: gdfast.landscape.plane(Rosenbrock(2), [0.0, 0.0], resolution=40, seed=1).values,
        lambda: _stepper_run(),
    ]


def _stepper_run():
    d = gdfast.Descent(Rosenbrock(3), np.zeros(3), method="nesterov", lr=1e-3, gtol=0)
    for _ in range(50):
        d.step(20)
    return d.x


def test_stress_many_threads_mixed_work_equals_serial():
    jobs = _mixed_jobs()
    serial = [job() for job in jobs]
    work = [k % len(jobs) for k in range(len(jobs) * 6)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda k: (k, jobs[k]()), work))
    for k, value in results:
        np.testing.assert_array_equal(value, serial[k])


def test_parallel_safe_is_opted_into_by_a_class_attribute():
    """One way to say an objective may run on several threads: built-ins and low-level
    pointers are; a subclass says so with the class attribute ``parallel_safe = True``."""
    from gdfast._objective import Objective

    class Opted(Objective):
        parallel_safe = True

    class Plain(Objective):
        pass

    assert Opted().parallel_safe is True
    assert Plain().parallel_safe is False and Objective().parallel_safe is False
    assert gdfast.objectives.Himmelblau().parallel_safe is True
