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
