"""atheris fuzz target over gdfast's input validation and entry points.

    pip install atheris
    python tests/fuzz_inputs.py -max_total_time=600          # 10 minutes
    python tests/fuzz_inputs.py -runs=2000                    # a short smoke run

Each input becomes an x0 (any dtype, shape and values: NaN, inf, huge, empty, complex, object),
options (lr, tolerances, counts, method, step rule, bounds, clipping) and an objective kind
(built-in, Python with FD, jac=True, jac callable, vectorized, one that raises or returns junk),
then one call of minimize / gradient / check_grad / landscape.line, or of the C API's
gdfast_minimize_v1 (through its test shim gdfast.capi._py_minimize_v1) with fuzzed options.  The only acceptable
outcomes are a result or a ValueError / TypeError (or the objective's own exception);
anything else, a crash, a modified x0 or a non-finite result.x is a finding.
"""
import sys

import atheris
import numpy as np

with atheris.instrument_imports():
    import gdfast
    from gdfast.capi import _py_minimize_v1
    from gdfast.objectives import Quadratic, Rosenbrock, Himmelblau

FLOATS = [0.0, -0.0, 1.0, -1.0, 0.1, 1e-300, 1e300, -1e308, np.nan, np.inf, -np.inf, 3.5]


class Junk(Exception):
    pass


def make_x0(fdp):
    kind = fdp.ConsumeIntInRange(0, 7)
    size = fdp.ConsumeIntInRange(0, 6)
    values = [FLOATS[fdp.ConsumeIntInRange(0, len(FLOATS) - 1)]
              if fdp.ConsumeBool() else fdp.ConsumeFloat() for _ in range(size)]
    if kind == 0:
        return np.array(values)
    if kind == 1:
        return np.array(values, dtype=np.float32)
    if kind == 2:
        return np.array([int(v) if np.isfinite(v) and abs(v) < 1e15 else 0 for v in values])
    if kind == 3:
        return np.array(values).reshape(1, -1)
    if kind == 4:
        return np.array(values) + 1j
    if kind == 5:
        return np.array(values, dtype=object)
    if kind == 6:
        return values[0] if values else 0.0
    a = np.repeat(np.array(values), 2)[::2]          # non-contiguous
    a.setflags(write=False)
    return a


def make_fun(fdp, n):
    kind = fdp.ConsumeIntInRange(0, 8)
    q = lambda x: float(np.sum((x - 0.5) ** 2))
    if kind == 0:
        return dict(fun=Quadratic(np.arange(1.0, max(n, 1) + 1.0)))
    if kind == 1:
        return dict(fun=Rosenbrock(max(n, 2)))
    if kind == 2:
        return dict(fun=Himmelblau())
    if kind == 3:
        return dict(fun=q)
    if kind == 4:
        return dict(fun=lambda x: (q(x), 2 * (x - 0.5)), jac=True)
    if kind == 5:
        return dict(fun=q, jac=lambda x: 2 * (x - 0.5))
    if kind == 6:
        return dict(fun=lambda X: np.sum((X - 0.5) ** 2, axis=1), vectorized=True)
    junk = [np.nan, np.inf, "x", None, np.zeros(3), [1.0], 1 + 1j]
    pick = fdp.ConsumeIntInRange(0, len(junk))
    after = fdp.ConsumeIntInRange(0, 5)
    calls = [0]

    def bad(x):
        calls[0] += 1
        if calls[0] > after:
            if pick == len(junk):
                raise Junk()
            return junk[pick]
        return q(x)

    return dict(fun=bad)


def make_options(fdp):
    opts = {}
    if fdp.ConsumeBool():
        opts["lr"] = FLOATS[fdp.ConsumeIntInRange(0, len(FLOATS) - 1)]
    for name in ("gtol", "ftol", "xtol"):
        if fdp.ConsumeBool():
            opts[name] = FLOATS[fdp.ConsumeIntInRange(0, len(FLOATS) - 1)]
    opts["max_iter"] = fdp.ConsumeIntInRange(-2, 50)
    if fdp.ConsumeBool():
        opts["max_fev"] = fdp.ConsumeIntInRange(-1, 100)
    if fdp.ConsumeBool():
        opts["method"] = ["gd", "momentum", "nesterov", "adam", "adamw", "amsgrad", "rmsprop",
                          "adagrad", "bogus"][fdp.ConsumeIntInRange(0, 8)]
    if fdp.ConsumeBool():
        opts["step_rule"] = ["fixed", "armijo", "wolfe", "bb", "bb2", "nope",
                             [0.1, 0.01]][fdp.ConsumeIntInRange(0, 6)]
    if fdp.ConsumeBool():
        opts["bounds"] = (FLOATS[fdp.ConsumeIntInRange(0, len(FLOATS) - 1)],
                          FLOATS[fdp.ConsumeIntInRange(0, len(FLOATS) - 1)])
    if fdp.ConsumeBool():
        opts["clip_norm"] = FLOATS[fdp.ConsumeIntInRange(0, len(FLOATS) - 1)]
    if fdp.ConsumeBool():
        opts["history"] = True
    return opts


def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    x0 = make_x0(fdp)
    before = np.array(x0, copy=True) if isinstance(x0, np.ndarray) else x0
    n = np.size(x0)
    fun = make_fun(fdp, n)
    entry = fdp.ConsumeIntInRange(0, 4)
    try:
        if entry == 0:
            res = gdfast.minimize(x0=x0, **fun, **make_options(fdp))
            assert isinstance(res.x, np.ndarray) and res.x.dtype == np.float64
            assert np.all(np.isfinite(res.x)), res
        elif entry == 1:
            kw = {k: v for k, v in fun.items() if k in ("fun", "vectorized")}
            gdfast.gradient(x=x0, method=["central", "forward", "backward", "central4",
                                          "bad"][fdp.ConsumeIntInRange(0, 4)], **kw)
        elif entry == 2:
            gdfast.check_grad(fun["fun"], lambda x: 2 * (x - 0.5), x0)
        elif entry == 4:
            pick = lambda: FLOATS[fdp.ConsumeIntInRange(0, len(FLOATS) - 1)]
            x = np.ascontiguousarray(np.ravel(np.asarray(x0, dtype=float)))
            out, r = _py_minimize_v1(x, lr=pick(), max_iter=fdp.ConsumeIntInRange(-2, 60),
                                     max_fev=fdp.ConsumeIntInRange(-1, 60), gtol=pick(),
                                     ftol=pick(), xtol=pick(),
                                     fd_method=fdp.ConsumeIntInRange(-2, 4))
            assert r["status"] in (0, 1, 2, 3, 4, 6), r
        else:
            kw = {k: v for k, v in fun.items() if k in ("fun", "vectorized")}
            gdfast.landscape.line(kw.pop("fun"), x0, np.zeros(np.shape(x0)),
                                  resolution=fdp.ConsumeIntInRange(-1, 5), **kw)
    except (ValueError, TypeError, Junk, NotImplementedError):
        pass
    if isinstance(x0, np.ndarray) and x0.dtype.kind in "biufc":
        assert np.array_equal(x0, before, equal_nan=True), "x0 modified"


if __name__ == "__main__":
    np.seterr(all="ignore")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
