"""The benchmark workloads: one registry shared by ``pytest bench`` and ``python -m gdfast bench``.

Each :class:`Workload` is a group: one problem (built by ``setup(quick)``: full size, or the
smaller ``--quick`` size), the implementations timed on it (gdfast and its baselines, each an
:class:`Impl` of kind ``"gdfast"``, ``"C"``, ``"NumPy"``, ``"SciPy"`` or ``"Numba"``), and the
reference answer every implementation is checked against, with the tolerances stated, before it
is timed.  SciPy and Numba rows exist only when those packages import.

Use::

    from gdfast import benchmarks as B
    for w in B.WORKLOADS:
        problem = w.setup(quick=True)
        for impl in w.available_impls():
            fn = B.prepare(w, impl, problem)      # the timed callable, set up (compiled) already
            check = B.check(w, impl, problem, fn())
            assert check.ok, check.message

Importing this module imports neither pytest, SciPy nor Numba.

The framework (:class:`Impl`, :class:`Workload`, :func:`check`, ``GDFAST_BENCH_BREAK``) is in
``gdfast._benchframe``; its names are re-exported here.
"""
import functools
import uuid
from types import SimpleNamespace

import numpy as np

from gdfast._benchframe import (BREAK_ENV, KINDS, Check, Impl, Workload, check,  # noqa: F401
                                prepare, reference)
from gdfast import _benchframe


def select(substring="", workloads=None):
    """``[(workload, [impls])]`` of the registry (or of ``workloads``) whose
    ``"group/name"`` contains ``substring``: see ``gdfast._benchframe.select``."""
    return _benchframe.select(WORKLOADS if workloads is None else workloads, substring)


@functools.lru_cache(maxsize=None)
def _njit(fn):
    """``fn`` compiled with ``numba.njit`` (imported only here), once per process."""
    import numba
    return numba.njit(cache=False)(fn)


def _numba_row(fn, *fields):
    """The maker of a Numba row: ``fn`` compiled once, called with these fields of the
    workload's setup."""
    def make(p):
        """The Numba @njit loop of the same arithmetic."""
        compiled = _njit(fn)
        args = [getattr(p, name) for name in fields]
        return lambda: compiled(*args)
    return make


# ===================================================================== the lecture's quadratic
# Quadratic([6, 2], center=[1, 2]) is 3 (x - 1)^2 + (y - 2)^2: the lecture's 3x^2 + y^2, shifted.

def _quadratic_setup(quick):
    """Per-iteration overhead: 10^7 fixed steps (10^6 quick) from (0, 0), all tests off.  The
    step 1e-7 keeps the iterate far from the minimum, so the bit-for-bit check compares 10^7
    rounded steps and not a converged point."""
    return SimpleNamespace(a=np.array([6.0, 2.0]), c=np.array([1.0, 2.0]), x0=np.zeros(2),
                           lr=1e-7, iters=10 ** 6 if quick else 10 ** 7)


def _quadratic_gdfast(p):
    """gdfast.minimize on the built-in Quadratic."""
    import gdfast
    q = gdfast.objectives.Quadratic(p.a, center=p.c)
    return lambda: gdfast.minimize(q, p.x0, lr=p.lr, max_iter=p.iters, gtol=0)


def _quadratic_c(p):
    """The plain C loop: gradient, then step (gdfast's arithmetic)."""
    from gdfast import _baselines
    return lambda: _baselines.quadratic_descent(p.a, p.c, p.x0, p.lr, p.iters)


def _quadratic_c_fused(p):
    """The plain C loop with the gradient fused into the step (no gradient vector)."""
    from gdfast import _baselines
    return lambda: _baselines.quadratic_descent_fused(p.a, p.c, p.x0, p.lr, p.iters)


def _quadratic_numba_loop(a, c, x0, lr, iters):
    """Fixed-step descent on 1/2 sum a_i (x_i - c_i)^2: gradient, then step (for Numba)."""
    n = x0.shape[0]
    x = x0.copy()
    g = np.empty(n)
    for _ in range(iters):
        for i in range(n):
            g[i] = a[i] * (x[i] - c[i])
        for i in range(n):
            x[i] = x[i] - lr * g[i]
    return x


_quadratic_numba = _numba_row(_quadratic_numba_loop, "a", "c", "x0", "lr", "iters")


QUADRATIC = Workload(
    group="quadratic-descent",
    title="fixed-step descent on the lecture's quadratic, Quadratic([6, 2], center=[1, 2]), "
          "lr 1e-7, tests off: per-iteration overhead",
    sizes=("10^7 steps", "10^6 steps"),
    setup=_quadratic_setup,
    reference="plain C loop (gradient, then step)",
    impls=[
        Impl("gdfast", "gdfast", _quadratic_gdfast),
        Impl("plain C loop (gradient, then step)", "C", _quadratic_c),
        Impl("plain C loop, gradient fused into the step", "C", _quadratic_c_fused, rtol=1e-12),
        Impl("Numba @njit loop (gradient, then step)", "Numba", _quadratic_numba, rtol=1e-12),
    ],
    rtol=0.0, atol=0.0,          # gdfast: bit for bit the C loop's iterates
    pytest_file="test_bench_core.py",
)


def _quadratic_progress(p):
    """gdfast.minimize with progress=True, the tqdm bar drawn to os.devnull."""
    import os
    import gdfast
    q = gdfast.objectives.Quadratic(p.a, center=p.c)
    sink = open(os.devnull, "w")
    return lambda: gdfast.minimize(q, p.x0, lr=p.lr, max_iter=p.iters, gtol=0,
                                   progress={"file": sink})


PROGRESS = Workload(
    group="progress-overhead",
    title="the quadratic-descent run with progress=True (a tqdm bar, to os.devnull) and "
          "without: the bar's cost",
    sizes=("10^7 steps", "10^6 steps"),
    setup=_quadratic_setup,
    reference="gdfast, no progress bar",
    impls=[
        Impl("gdfast, progress=True", "gdfast", _quadratic_progress, needs=("tqdm",)),
        Impl("gdfast, no progress bar", "no bar", _quadratic_gdfast),
    ],
    rtol=0.0, atol=0.0,          # the bar changes nothing of the run
    pytest_file="test_bench_progress.py",
)


# ---------------------------------------------------------------- the cost of one call
CALLS = 1000


def _call_setup(quick):
    """1,000 calls (either size), each one step of lr 0.01 on Himmelblau from (1, 1)."""
    return SimpleNamespace(x0=np.array([1.0, 1.0]), lr=0.01, calls=CALLS)


def _call_minimize(p):
    """gdfast.minimize(Himmelblau(), x0, max_iter=1), 1,000 times."""
    import gdfast
    f = gdfast.objectives.Himmelblau()
    return lambda: [gdfast.minimize(f, p.x0, lr=p.lr, max_iter=1) for _ in range(p.calls)][-1]


def _call_batch(p):
    """gdfast.minimize_batch with one start, 1,000 times (its x: the (1, 2) row)."""
    import gdfast
    f = gdfast.objectives.Himmelblau()
    X0 = p.x0[None, :].copy()
    return lambda: [gdfast.minimize_batch(f, X0, lr=p.lr, max_iter=1)
                    for _ in range(p.calls)][-1].x[0]


def _himmelblau_grad(x):
    """Himmelblau's gradient at x, in NumPy."""
    a = x[0] * x[0] + x[1] - 11.0
    b = x[0] + x[1] * x[1] - 7.0
    return np.array([4.0 * x[0] * a + 2.0 * b, 2.0 * a + 4.0 * x[1] * b])


def _call_numpy(p):
    """The step a user writes instead, x0 - lr * grad(x0) with a NumPy gradient, 1,000
    times."""
    return lambda: [p.x0 - p.lr * _himmelblau_grad(p.x0) for _ in range(p.calls)][-1]


def _call_scipy(p):
    """scipy.optimize.minimize(method="L-BFGS-B", options={"maxiter": 1}) on the same
    function with its gradient (jac=True), 1,000 times: SciPy's cost of a call (its one
    iteration is a line search, not this step: not checked)."""
    from scipy.optimize import minimize

    def fun(x):
        a = x[0] * x[0] + x[1] - 11.0
        b = x[0] + x[1] * x[1] - 7.0
        return a * a + b * b, _himmelblau_grad(x)

    return lambda: [minimize(fun, p.x0, jac=True, method="L-BFGS-B", options={"maxiter": 1})
                    for _ in range(p.calls)][-1]


CALL_OVERHEAD = Workload(
    group="call-overhead",
    title="the cost of a call: one step on 2-D Himmelblau (max_iter=1), 1,000 calls (divide "
          "the times by 1,000 for one call)",
    sizes=("1,000 calls", "1,000 calls"),
    setup=_call_setup,
    reference="NumPy: x0 - lr * grad(x0)",
    impls=[
        Impl("gdfast minimize", "gdfast", _call_minimize),
        Impl("gdfast minimize_batch, one start", "gdfast", _call_batch),
        Impl("NumPy: x0 - lr * grad(x0)", "NumPy", _call_numpy),
        Impl("NumPy step (vs minimize_batch)", "NumPy", _call_numpy,
             vs="gdfast minimize_batch, one start"),
        Impl("SciPy minimize L-BFGS-B, maxiter=1", "SciPy", _call_scipy, checked=False,
             note="its one iteration is a line search, another answer"),
    ],
    rtol=1e-15, atol=0.0,
    pytest_file="test_bench_core.py",
)


# ------------------------------------------------------------ the lecture's quadratic, solved
def _solve_setup(quick):
    """The lecture's 3x^2 + y^2 from (1, 1) with lr 0.1, run until max |g_i| <= 1e-8."""
    return SimpleNamespace(a=np.array([6.0, 2.0]), x0=np.array([1.0, 1.0]), lr=0.1, gtol=1e-8)


def _lecture_f(v):
    """3x^2 + y^2."""
    return 3.0 * v[0] ** 2 + v[1] ** 2


def _lecture_g(v):
    """The gradient (6x, 2y)."""
    return np.array([6.0 * v[0], 2.0 * v[1]])


def _solve_gdfast(p):
    """gdfast.minimize on the built-in Quadratic([6, 2])."""
    import gdfast
    q = gdfast.objectives.Quadratic(p.a)
    return lambda: gdfast.minimize(q, p.x0, lr=p.lr, gtol=p.gtol)


def _solve_gdfast_python(p):
    """gdfast.minimize with f and its gradient as Python functions."""
    import gdfast
    return lambda: gdfast.minimize(_lecture_f, p.x0, jac=_lecture_g, lr=p.lr, gtol=p.gtol)


def _solve_numpy_loop(x0, lr, gtol):
    """The lecture's rule as a user writes it in NumPy: step until the gradient is small."""
    x = x0.copy()
    g = _lecture_g(x)
    while np.max(np.abs(g)) > gtol:
        x = x - lr * g
        g = _lecture_g(x)
    return x


def _solve_numpy(p):
    """The NumPy loop."""
    return lambda: _solve_numpy_loop(p.x0, p.lr, p.gtol)


def _solve_numba_loop(x0, lr, gtol):
    """The same loop for Numba (scalars, no arrays inside)."""
    x, y = x0[0], x0[1]
    gx, gy = 6.0 * x, 2.0 * y
    while max(abs(gx), abs(gy)) > gtol:
        x -= lr * gx
        y -= lr * gy
        gx, gy = 6.0 * x, 2.0 * y
    return np.array([x, y])


_solve_numba = _numba_row(_solve_numba_loop, "x0", "lr", "gtol")


def _solve_scipy(p):
    """scipy.optimize.minimize with BFGS and the analytic gradient, to the same gtol (SciPy's
    BFGS tests the same max-norm of the gradient)."""
    from scipy.optimize import minimize
    return lambda: minimize(_lecture_f, p.x0, jac=_lecture_g, method="BFGS",
                            options={"gtol": p.gtol})


QUADRATIC_SOLVE = Workload(
    group="quadratic-solve",
    title="the lecture's 3x^2 + y^2 from (1, 1), lr 0.1, solved to max |g_i| <= 1e-8: "
          "time to an answer, fixed costs included",
    sizes=("~90 steps", "~90 steps"),
    setup=_solve_setup,
    reference=lambda p: np.zeros(2),
    impls=[
        Impl("gdfast (built-in Quadratic)", "gdfast", _solve_gdfast),
        Impl("gdfast (Python f and jac)", "gdfast", _solve_gdfast_python),
        Impl("NumPy loop (same rule, same gtol)", "NumPy", _solve_numpy),
        Impl("Numba @njit loop (same rule, same gtol)", "Numba", _solve_numba),
        Impl("SciPy minimize (BFGS, a different algorithm) to the same gtol", "SciPy",
             _solve_scipy, vs="gdfast (Python f and jac)",
             note="BFGS needs ~5 iterations where fixed steps need ~90"),
    ],
    atol=1e-8,        # max |g_i| <= 1e-8 puts every coordinate within 1e-8 / 2 of the minimum
    pytest_file="test_bench_core.py",
)


# ============================================================ FD gradients of Rosenbrock(n)
_CBRT_EPS = 6.055454452393343e-06          # eps^(1/3): the central-difference relative step


def _fd_setup(n):
    """The setup function for n variables: a point uniform in [-1.5, 1.5]^n (seed 0)."""
    def setup(quick):
        """Same size full and quick (a gradient costs milliseconds)."""
        return SimpleNamespace(n=n, x=np.random.default_rng(0).uniform(-1.5, 1.5, n))
    return setup


def _fd_reference(p):
    """The analytic gradient of the built-in Rosenbrock."""
    from gdfast.objectives import Rosenbrock
    return Rosenbrock(p.n).gradient(p.x)


def _fd_gdfast(p):
    """gdfast.gradient on the built-in Rosenbrock (central differences in C)."""
    import gdfast
    r = gdfast.objectives.Rosenbrock(p.n)
    return lambda: gdfast.gradient(r, p.x)


def _fd_c(p):
    """The plain C loop with gdfast's steps."""
    from gdfast import _baselines
    return lambda: _baselines.rosenbrock_central_gradient(p.x)


def _rosen_numpy(x):
    """The chained Rosenbrock function in NumPy (SciPy's ``rosen``)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _fd_numpy_loop(x):
    """Central differences as a user writes them: two NumPy evaluations per coordinate."""
    h = _CBRT_EPS * np.maximum(1.0, np.abs(x))
    h = (x + h) - x
    xw = x.copy()
    g = np.empty_like(x)
    for i in range(x.size):
        xw[i] = x[i] + h[i]
        fp = _rosen_numpy(xw)
        xw[i] = x[i] - h[i]
        fm = _rosen_numpy(xw)
        xw[i] = x[i]
        g[i] = (fp - fm) / (2.0 * h[i])
    return g


def _fd_numpy(p):
    """The NumPy loop."""
    return lambda: _fd_numpy_loop(p.x)


def _fd_scipy(p):
    """SciPy's approx_derivative(rosen, method="3-point")."""
    from scipy.optimize import rosen
    from scipy.optimize._numdiff import approx_derivative
    return lambda: approx_derivative(rosen, p.x, method="3-point")


def _fd_numba_kernel(x):
    """Central differences of the chained Rosenbrock, gdfast's steps (for Numba)."""
    n = x.size
    xw = x.copy()
    g = np.empty(n)
    for i in range(n):
        xi = xw[i]
        h = _CBRT_EPS * max(1.0, abs(xi))
        h = (xi + h) - xi
        fp = 0.0
        xw[i] = xi + h
        for k in range(n - 1):
            t = xw[k + 1] - xw[k] * xw[k]
            u = 1.0 - xw[k]
            fp += 100.0 * t * t + u * u
        fm = 0.0
        xw[i] = xi - h
        for k in range(n - 1):
            t = xw[k + 1] - xw[k] * xw[k]
            u = 1.0 - xw[k]
            fm += 100.0 * t * t + u * u
        xw[i] = xi
        g[i] = (fp - fm) / (2.0 * h)
    return g


_fd_numba = _numba_row(_fd_numba_kernel, "x")


def _fd_workload(n):
    """The FD-gradient workload on Rosenbrock(n)."""
    return Workload(
        group=f"fd-rosenbrock-{n}",
        title=f"central-difference gradient of Rosenbrock({n}) (2n = {2 * n} evaluations)",
        sizes=(f"n = {n}", f"n = {n}"),
        setup=_fd_setup(n),
        reference=_fd_reference,
        impls=[
            Impl("gdfast", "gdfast", _fd_gdfast),
            Impl("plain C loop", "C", _fd_c),
            Impl("Numba @njit loop", "Numba", _fd_numba),
            Impl("NumPy loop (two calls of rosen per coordinate)", "NumPy", _fd_numpy),
            Impl('SciPy approx_derivative(rosen, method="3-point")', "SciPy", _fd_scipy),
        ],
        rtol=1e-6, atol=1e-6,        # against the analytic gradient: the FD error
        pytest_file="test_bench_core.py",
    )


FD_100 = _fd_workload(100)
FD_1000 = _fd_workload(1000)


# ========================================================= a NumPy objective of 10 variables
def _f10(x):
    """sum x^2 + sum sin x, one point."""
    return np.sum(x ** 2) + np.sum(np.sin(x))


def _f10_vectorized(X):
    """sum x^2 + sum sin x for each row of X."""
    return np.sum(X ** 2, axis=1) + np.sum(np.sin(X), axis=1)


def _f10_setup(quick):
    """100 central-difference steps of lr 1e-3 from linspace(-1, 1, 10)."""
    return SimpleNamespace(x0=np.linspace(-1.0, 1.0, 10), steps=100, lr=1e-3)


def _f10_hand_stencil(x0, steps, lr):
    """What a user writes: a vectorized central-difference stencil in NumPy, then the step."""
    x = x0.copy()
    n = x.size
    for _ in range(steps):
        h = _CBRT_EPS * np.maximum(1.0, np.abs(x))
        h = (x + h) - x
        E = np.diag(h)
        F = _f10_vectorized(np.vstack([x + E, x - E]))
        x = x - lr * (F[:n] - F[n:]) / (2 * h)
    return x


def _f10_scalar_loop(x0, steps, lr):
    """The same descent with one call of f per stencil point, as a user writes it."""
    x = x0.copy()
    g = np.empty_like(x)
    for _ in range(steps):
        h = _CBRT_EPS * np.maximum(1.0, np.abs(x))
        h = (x + h) - x
        for i in range(x.size):
            xp = x.copy()
            xp[i] += h[i]
            xm = x.copy()
            xm[i] -= h[i]
            g[i] = (_f10(xp) - _f10(xm)) / (2.0 * h[i])
        x = x - lr * g
    return x


def _f10_floor(x0, steps):
    """The 2n calls of f per iteration that any central-difference run must make."""
    for _ in range(steps):
        for _ in range(2 * x0.size):
            _f10(x0)


def _f10_scipy_loop(x0, steps, lr):
    """The descent with SciPy's approx_derivative for the gradient."""
    from scipy.optimize._numdiff import approx_derivative
    x = x0.copy()
    for _ in range(steps):
        x = x - lr * approx_derivative(_f10, x, method="3-point")
    return x


def _f10_gdfast(vectorized):
    """The maker of gdfast.minimize rows on the scalar or the vectorized objective."""
    def make(p):
        """gdfast.minimize with central differences computed in Cython."""
        import gdfast
        f = _f10_vectorized if vectorized else _f10
        return lambda: gdfast.minimize(f, p.x0, lr=p.lr, max_iter=p.steps, gtol=0,
                                       vectorized=vectorized)
    return make


F10 = Workload(
    group="numpy-objective-10",
    title="a NumPy objective of 10 variables, sum x^2 + sum sin x: 100 steps with central "
          "differences (2,000 calls of f, or 100 vectorized calls)",
    sizes=("100 steps", "100 steps"),
    setup=_f10_setup,
    reference="NumPy hand-vectorized stencil",
    impls=[
        Impl("gdfast", "gdfast", _f10_gdfast(False)),
        Impl("gdfast vectorized=True", "gdfast", _f10_gdfast(True)),
        Impl("floor: the 2,000 calls of f alone", "NumPy",
             lambda p: (lambda: _f10_floor(p.x0, p.steps)), checked=False),
        Impl("NumPy loop, one call of f per stencil point", "NumPy",
             lambda p: (lambda: _f10_scalar_loop(p.x0, p.steps, p.lr))),
        Impl('SciPy approx_derivative(f, method="3-point") loop', "SciPy",
             lambda p: (lambda: _f10_scipy_loop(p.x0, p.steps, p.lr))),
        Impl("NumPy hand-vectorized stencil", "NumPy",
             lambda p: (lambda: _f10_hand_stencil(p.x0, p.steps, p.lr)),
             vs="gdfast vectorized=True"),
    ],
    rtol=1e-9,
    pytest_file="test_bench_core.py",
)


# ======================================================== batch multi-start on Himmelblau
def _batch_setup(quick):
    """10^5 starts (10^4 quick) uniform in [-5, 5]^2 (seed 2024), 1,000 steps of 0.01."""
    return _himmelblau_starts(10_000 if quick else 100_000)


def _himmelblau_starts(m):
    """m starts uniform in [-5, 5]^2 (seed 2024), 1,000 steps of 0.01."""
    return SimpleNamespace(X0=np.random.default_rng(2024).uniform(-5.0, 5.0, (m, 2)),
                           lr=0.01, steps=1000)


def _batch_numpy_loop(X, lr, steps):
    """The same fixed-step descent, vectorized over the starts with NumPy."""
    x0 = X[:, 0].copy()
    x1 = X[:, 1].copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            a = x0 * x0 + x1 - 11.0
            b = x0 + x1 * x1 - 7.0
            g0 = 4.0 * x0 * a + 2.0 * b
            g1 = 2.0 * a + 4.0 * x1 * b
            x0 = x0 - lr * g0
            x1 = x1 - lr * g1
    return np.column_stack([x0, x1])


def _batch_numba_kernel(X, lr, steps):
    """One start after the other, scalar arithmetic (for Numba)."""
    out = X.copy()
    for i in range(X.shape[0]):
        x0 = X[i, 0]
        x1 = X[i, 1]
        for _ in range(steps):
            a = x0 * x0 + x1 - 11.0
            b = x0 + x1 * x1 - 7.0
            g0 = 4.0 * x0 * a + 2.0 * b
            g1 = 2.0 * a + 4.0 * x1 * b
            x0 = x0 - lr * g0
            x1 = x1 - lr * g1
        out[i, 0] = x0
        out[i, 1] = x1
    return out


_batch_numba = _numba_row(_batch_numba_kernel, "X0", "lr", "steps")


def _batch_gdfast(threads, method="gd"):
    """The maker of gdfast.minimize_batch rows on ``threads`` threads (None: all cores)."""
    def make(p):
        """minimize_batch with this method on the built-in Himmelblau, tolerances off."""
        import gdfast
        h = gdfast.objectives.Himmelblau()
        return lambda: gdfast.minimize_batch(h, p.X0, method=method, lr=p.lr,
                                             max_iter=p.steps, gtol=0, threads=threads)
    return make


def _batch_mask(p, ref):
    """The starts whose reference run stayed finite (the others diverge: gdfast stops them at
    their last finite iterate, the loops run on into inf/NaN)."""
    keep = np.isfinite(ref).all(axis=1)
    if keep.mean() < 0.9:
        raise AssertionError("the reference diverged on more than 10% of the starts")
    return keep


HIMMELBLAU_BATCH = Workload(
    group="himmelblau-batch",
    title="multi-start on Himmelblau: 1,000 fixed steps of 0.01 from each start, all "
          "tolerances off",
    sizes=("10^5 starts", "10^4 starts"),
    setup=_batch_setup,
    reference="NumPy vectorized loop",
    mask=_batch_mask,
    impls=[
        Impl("gdfast minimize_batch, 1 thread", "gdfast", _batch_gdfast(1), pytest_rounds=5),
        Impl("gdfast minimize_batch, all threads", "gdfast", _batch_gdfast(None),
             pytest_rounds=5),
        Impl("NumPy vectorized loop", "NumPy",
             lambda p: (lambda: _batch_numpy_loop(p.X0, p.lr, p.steps)), pytest_rounds=3),
        Impl("Numba @njit loop (one start after the other)", "Numba",
             _batch_numba,
             pytest_rounds=5),
        Impl("C loop, 64-start SoA blocks, gradient inlined", "C",
             lambda p: _baseline("himmelblau_soa", p.X0, p.lr, p.steps), pytest_rounds=5),
        Impl("C loop, SoA blocks, f and a finiteness test per step", "C",
             lambda p: _baseline("himmelblau_soa_checked", p.X0, p.lr, p.steps),
             pytest_rounds=5),
        Impl("C loop, 64-start SoA blocks (vs 2 threads)", "C",
             lambda p: _baseline("himmelblau_soa", p.X0, p.lr, p.steps),
             vs="gdfast minimize_batch, all threads", pytest_rounds=3),
    ],
    rtol=1e-12, atol=1e-12,
    pytest_file="test_bench_batch.py",
)


def _baseline(name, *args):
    """A plain C loop of gdfast._baselines, called with args."""
    from gdfast import _baselines
    fn = getattr(_baselines, name)
    return lambda: fn(*args)


HIMMELBLAU_BATCH_ADAM = Workload(
    group="himmelblau-batch-adam",
    title="multi-start on Himmelblau with Adam (torch's defaults, lr 0.01): 1,000 steps from "
          "each start, all tolerances off",
    sizes=("10^5 starts", "10^4 starts"),
    setup=_batch_setup,
    reference="C loop, 64-start SoA blocks, gradient inlined",
    impls=[
        Impl("gdfast minimize_batch, 1 thread", "gdfast", _batch_gdfast(1, "adam"),
             pytest_rounds=3),
        Impl("gdfast minimize_batch, all threads", "gdfast", _batch_gdfast(None, "adam"),
             pytest_rounds=3),
        Impl("C loop, 64-start SoA blocks, gradient inlined", "C",
             lambda p: _baseline("adam_himmelblau_soa", p.X0, p.lr, p.steps),
             pytest_rounds=3),
    ],
    rtol=1e-12, atol=1e-12,
    pytest_file="test_bench_batch.py",
)


# ========================================================== FIRE relaxations of LJ13 clusters

def random_cluster(n_atoms, rng, min_dist=1.0):
    """n atoms uniformly in a ball about as dense as a close-packed cluster, no two closer
    than min_dist (sigma units): a random start of a relaxation, flattened (3 n,)."""
    radius = 0.62 * n_atoms ** (1 / 3) + 0.3
    pts = []
    while len(pts) < n_atoms:
        p = rng.uniform(-radius, radius, 3)
        if p @ p <= radius * radius and all(np.linalg.norm(p - q) > min_dist for q in pts):
            pts.append(p)
    return np.array(pts).reshape(-1)


def _fire_setup(m):
    """The maker of a setup: m random LJ13 starts (m // 10 quick), FIRE with ASE's defaults to
    fmax 1e-3."""
    def setup(quick):
        rng = np.random.default_rng(13)
        X0 = np.array([random_cluster(13, rng) for _ in range(m // 10 if quick else m)])
        return SimpleNamespace(X0=X0, fmax=1e-3)
    return setup


def _fire_gdfast(p):
    """minimize_batch with method="fire" on the built-in LennardJones, one thread, gtol on
    the largest force on an atom (groups=3, gnorm="group": ASE's fmax)."""
    import gdfast
    lj = gdfast.objectives.LennardJones(13)
    return lambda: gdfast.minimize_batch(lj, p.X0, method="fire", gtol=p.fmax, groups=3,
                                         gnorm="group", max_iter=100_000, threads=1).x


def _fire_c(p):
    """The plain C loop of the same FIRE arithmetic and the same Lennard-Jones code."""
    from gdfast import _baselines
    return lambda: _baselines.fire_lennard_jones(p.X0, p.fmax, 100_000)[0]


def _fire_ase(p):
    """ASE's FIRE (defaults) on ASE's LennardJones calculator (every pair: rc beyond the
    cluster), one Atoms after the other in a Python loop."""
    from ase import Atoms
    from ase.calculators.lj import LennardJones as AseLJ
    from ase.optimize import FIRE

    def run():
        out = np.empty_like(p.X0)
        for i in range(p.X0.shape[0]):
            atoms = Atoms("Ar13", positions=p.X0[i].reshape(13, 3))
            atoms.calc = AseLJ(sigma=1.0, epsilon=1.0, rc=1e3, smooth=False)
            FIRE(atoms, logfile=None).run(fmax=p.fmax, steps=100_000)
            out[i] = atoms.get_positions().reshape(-1)
        return out
    return run


LJ13_FIRE = Workload(
    group="lj13-fire-batch",
    title="FIRE relaxations of LJ13 from random starts to fmax 1e-3 (ASE's defaults, largest "
          "force on an atom), one thread",
    sizes=("1,000 starts", "100 starts"),
    setup=_fire_setup(1000),
    reference="C loop, one relaxation after the other",
    impls=[
        Impl("gdfast minimize_batch, 1 thread", "gdfast", _fire_gdfast, pytest_rounds=5),
        Impl("C loop, one relaxation after the other", "C", _fire_c, pytest_rounds=5),
    ],
    rtol=0.0, atol=0.0,
    pytest_file="test_bench_batch.py",
)

LJ13_FIRE_ASE = Workload(
    group="lj13-fire-ase",
    title="the same relaxations against ASE's FIRE with its LennardJones calculator in a "
          "Python loop (fewer starts: ASE takes 0.05 to 0.15 s each)",
    sizes=("20 starts", "2 starts"),
    setup=_fire_setup(20),
    reference="C loop, one relaxation after the other",
    impls=[
        Impl("gdfast minimize_batch, 1 thread", "gdfast", _fire_gdfast, pytest_rounds=5),
        Impl("ASE FIRE + LennardJones calculator, Python loop", "ASE", _fire_ase,
             pytest_rounds=1, atol=1e-9),
        Impl("C loop, one relaxation after the other", "C", _fire_c, pytest_rounds=5),
    ],
    rtol=0.0, atol=0.0,
    pytest_file="test_bench_batch.py",
)


# =========================================== a Numba cfunc objective against the built-in one
def _lowlevel_setup(quick):
    """10^6 steps (10^5 quick) of lr 1e-7 on 3x^2 + y^2 from (1, 1)."""
    return SimpleNamespace(a=np.array([6.0, 2.0]), x0=np.array([1.0, 1.0]), lr=1e-7,
                           iters=10 ** 5 if quick else 10 ** 6)


@functools.lru_cache(maxsize=None)
def _numba_cfuncs():
    """The value and gradient of 3x^2 + y^2 as Numba cfuncs (SciPy's pointer signatures)."""
    import numba
    from numba import types
    dp = types.CPointer(types.double)

    @numba.cfunc(types.double(types.intc, dp, types.voidptr))
    def value(n, x, ud):
        """3x^2 + y^2."""
        return 3.0 * x[0] * x[0] + x[1] * x[1]

    @numba.cfunc(types.void(types.intc, dp, dp, types.voidptr))
    def grad(n, x, g, ud):
        """(6x, 2y)."""
        g[0] = 6.0 * x[0]
        g[1] = 2.0 * x[1]

    return value, grad


def _lowlevel_builtin(p):
    """gdfast.minimize on the built-in Quadratic([6, 2])."""
    import gdfast
    q = gdfast.objectives.Quadratic(p.a)
    return lambda: gdfast.minimize(q, p.x0, lr=p.lr, max_iter=p.iters, gtol=0)


def _lowlevel_c(p):
    """The plain C loop (gradient, then step)."""
    from gdfast import _baselines
    return lambda: _baselines.quadratic_descent(p.a, np.zeros(2), p.x0, p.lr, p.iters)


def _lowlevel_cfunc(p):
    """gdfast.minimize on Numba cfunc pointers (the whole run without the GIL)."""
    import gdfast
    value, grad = _numba_cfuncs()
    return lambda: gdfast.minimize(value, p.x0, jac=grad, lr=p.lr, max_iter=p.iters, gtol=0)


LOWLEVEL = Workload(
    group="lowlevel-quadratic",
    title="3x^2 + y^2, lr 1e-7, tests off: the built-in Quadratic against the same function "
          "as Numba cfunc pointers (value and gradient)",
    sizes=("10^6 steps", "10^5 steps"),
    setup=_lowlevel_setup,
    reference="plain C loop",
    impls=[
        Impl("gdfast, built-in Quadratic", "gdfast", _lowlevel_builtin),
        Impl("gdfast on Numba cfunc pointers", "Numba", _lowlevel_cfunc, rtol=1e-14),
        Impl("plain C loop", "C", _lowlevel_c),
    ],
    rtol=0.0, atol=0.0,
    pytest_file="test_bench_batch.py",
)


# ==================================================================== Adam on logistic loss
# The pytest rows of this group live in bench/test_bench_rules.py (same data, seed and sizes);
# bench/test_bench_core.py checks that the two agree.
ADAM_B1, ADAM_B2, ADAM_EPS = 0.9, 0.999, 1e-8


def _adam_setup(quick):
    """5,000 x 50 (seed 1), 500 Adam steps of lr 1e-2 (100 quick)."""
    rng = np.random.default_rng(1)
    m, n = 5000, 50
    X = rng.normal(size=(m, n))
    y = (X @ rng.normal(size=n) + 0.5 * rng.normal(size=m) > 0).astype(float)
    return SimpleNamespace(X=X, y=y, w0=np.zeros(n), lr=1e-2, steps=100 if quick else 500)


def _adam_numpy_loop(X, y, w0, lr, steps):
    """Adam (torch's formulas) on the mean logistic loss, as a NumPy loop (BLAS products)."""
    m, n = X.shape
    w, mom, v = w0.copy(), np.zeros(n), np.zeros(n)
    for t in range(1, steps + 1):
        z = X @ w
        g = X.T @ (1.0 / (1.0 + np.exp(-z)) - y) / m
        mom = ADAM_B1 * mom + (1 - ADAM_B1) * g
        v = ADAM_B2 * v + (1 - ADAM_B2) * g * g
        w = w - lr / (1 - ADAM_B1 ** t) * mom / (np.sqrt(v) / np.sqrt(1 - ADAM_B2 ** t)
                                                 + ADAM_EPS)
    return w


def _adam_gdfast(p):
    """gdfast.minimize(method="adam") on the built-in Logistic."""
    import gdfast
    obj = gdfast.objectives.Logistic(p.X, p.y)
    return lambda: gdfast.minimize(obj, p.w0, method="adam", lr=p.lr, max_iter=p.steps, gtol=0)


def _adam_c(p):
    """The plain C loop in gdfast._baselines."""
    from gdfast._baselines import adam_logistic
    return lambda: adam_logistic(p.X, p.y, p.w0, p.lr, ADAM_B1, ADAM_B2, ADAM_EPS, p.steps)


ADAM = Workload(
    group="adam-logistic",
    title="Adam on the built-in Logistic(X, y), X 5,000 x 50",
    sizes=("500 steps", "100 steps"),
    setup=_adam_setup,
    reference="NumPy loop (BLAS)",
    impls=[
        Impl("gdfast", "gdfast", _adam_gdfast),
        Impl("plain C loop", "C", _adam_c),
        Impl("NumPy loop (BLAS)", "NumPy",
             lambda p: (lambda: _adam_numpy_loop(p.X, p.y, p.w0, p.lr, p.steps))),
    ],
    rtol=1e-9, atol=1e-12,
    pytest_file="test_bench_rules.py",
)


# ============================================================ a 2-D landscape of Rastrigin
def _landscape_setup(quick):
    """A plane of Rastrigin(1000) through a random center along two random directions (seed
    0), span 1, 201 x 201 points (101 x 101 quick)."""
    rng = np.random.default_rng(0)
    center, d1, d2 = rng.standard_normal((3, 1000))
    return SimpleNamespace(n=1000, center=center, d1=d1, d2=d2, res=101 if quick else 201)


def _landscape_numpy_loop(p):
    """One NumPy evaluation of the Rastrigin formula per grid point."""
    grid = np.linspace(-1, 1, p.res)
    values = np.empty((p.res, p.res))
    for j, b in enumerate(grid):
        for i, a in enumerate(grid):
            x = p.center + a * p.d1 + b * p.d2
            values[j, i] = 10 * p.n + np.sum(x * x - 10 * np.cos(2 * np.pi * x))
    return values


def _landscape_gdfast(threads):
    """The maker of gdfast.landscape.plane rows on ``threads`` threads (None: all cores)."""
    def make(p):
        """landscape.plane on the built-in Rastrigin."""
        from gdfast import landscape
        from gdfast.objectives import Rastrigin
        obj = Rastrigin(p.n)
        return lambda: landscape.plane(obj, p.center, p.d1, p.d2, span=1.0, resolution=p.res,
                                       threads=threads).values
    return make


LANDSCAPE = Workload(
    group="landscape",
    title="a plane of Rastrigin(1000) on a grid (gdfast.landscape.plane)",
    sizes=("201 x 201", "101 x 101"),
    setup=_landscape_setup,
    reference="NumPy loop over the grid points",
    impls=[
        Impl("gdfast, all threads", "gdfast", _landscape_gdfast(None)),
        Impl("gdfast, 1 thread", "gdfast", _landscape_gdfast(1)),
        Impl("NumPy loop over the grid points", "NumPy",
             lambda p: (lambda: _landscape_numpy_loop(p)), pytest_rounds=3),
    ],
    rtol=1e-12,
    pytest_file="test_bench_landscape.py",
)


# =========================================== Li et al.'s plane for a small network (issue 17)
def _mlp_landscape_setup(quick):
    """A 2-32-32-3 tanh MLP on 2,000 spiral points (1,000 quick) at a Glorot start (seed 0),
    two filter-normalized random directions, 51 x 51 points (21 x 21 quick), span 1."""
    from gdfast import landscape
    from gdfast.datasets import spirals
    from gdfast.objectives import MLP
    X, y = spirals(1000 // 3 if quick else 2000 // 3, 3, noise=0.05, seed=0)
    mlp = MLP(X, y, layers=(2, 32, 32, 3))
    center = mlp.init(0)
    rng = np.random.default_rng(1)
    d1, d2 = (landscape.filter_normalize(rng.standard_normal(mlp.n), center, mlp.groups)
              for _ in range(2))
    return SimpleNamespace(mlp=mlp, X=X, y=y, center=center, d1=d1, d2=d2,
                           res=21 if quick else 51, layers=mlp.layers)


def mlp_numpy_loss(x, X, y, layers, activation="tanh", loss="softmax", weight_decay=0.0):
    """The built-in MLP's loss written in NumPy from its layout's description (an independent
    reference): per layer a (out, in + 1) block of rows [weights, bias], matrix products,
    tanh or relu hidden layers; the mean softmax cross-entropy or half squared error, plus
    weight_decay / 2 |x|^2."""
    A, off = X, 0
    for l in range(len(layers) - 1):
        wi, wo = layers[l], layers[l + 1]
        P = x[off:off + wo * (wi + 1)].reshape(wo, wi + 1)
        off += P.size
        A = A @ P[:, :wi].T + P[:, wi]
        if l < len(layers) - 2:
            A = np.tanh(A) if activation == "tanh" else np.maximum(A, 0.0)
    if off != x.size:
        raise ValueError(f"x has {x.size} parameters, the layers {off}")
    if loss == "softmax":
        mx = A.max(axis=1)
        data = np.log(np.exp(A - mx[:, None]).sum(axis=1)) + mx - A[np.arange(len(y)), y]
    else:
        data = 0.5 * ((A - np.asarray(y).reshape(len(X), -1)) ** 2).sum(axis=1)
    return float(data.mean() + 0.5 * weight_decay * (x @ x))


def _mlp_landscape_numpy(p):
    """The NumPy loss evaluated grid point by grid point."""
    def run():
        grid = np.linspace(-1, 1, p.res)
        values = np.empty((p.res, p.res))
        for j, b in enumerate(grid):
            for i, a in enumerate(grid):
                values[j, i] = mlp_numpy_loss(p.center + a * p.d1 + b * p.d2, p.X, p.y,
                                              p.layers)
        return values
    return run


def _mlp_landscape_gdfast(threads):
    """The maker of landscape.plane rows on the built-in MLP, ``threads`` threads."""
    def make(p):
        """landscape.plane on the built-in MLP (backpropagation's forward pass in C)."""
        from gdfast import landscape
        return lambda: landscape.plane(p.mlp, p.center, p.d1, p.d2, span=1.0,
                                       resolution=p.res, threads=threads).values
    return make


MLP_LANDSCAPE = Workload(
    group="mlp-landscape",
    title="Li et al.'s filter-normalized plane of a 2-32-32-3 MLP on 2,000 samples "
          "(gdfast.landscape.plane on the built-in MLP)",
    sizes=("51 x 51, 2,000 samples", "21 x 21, 1,000 samples"),
    setup=_mlp_landscape_setup,
    reference="NumPy loss, point by point",
    impls=[
        Impl("gdfast, all threads", "gdfast", _mlp_landscape_gdfast(None), pytest_rounds=3),
        Impl("gdfast, 1 thread", "gdfast", _mlp_landscape_gdfast(1), pytest_rounds=3),
        Impl("NumPy loss, point by point", "NumPy", _mlp_landscape_numpy, pytest_rounds=3),
    ],
    rtol=1e-12,
    pytest_file="test_bench_landscape.py",
)


def _dask_setup(quick):
    """10^6 starts (10^5 quick), as _batch_setup's."""
    return _himmelblau_starts(100_000 if quick else 1_000_000)


_CLUSTER: list = []


def _local_cluster():
    """One LocalCluster of 2 worker processes x 1 thread and its Client, started on first use
    and closed at exit."""
    if not _CLUSTER:
        import atexit
        import distributed
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=40)
        client = distributed.Client(cluster)
        _CLUSTER.append((cluster, client))
        atexit.register(lambda: (client.close(), cluster.close()))
    return _CLUSTER[0][1]


def _dask_gdfast(results_home):
    """The maker of gdfast.dask rows: X0 scattered over the cluster's workers in 8 chunks, 4
    on each, then the run, with x, fun and the best start brought to this process
    (results_home), or the best start alone."""
    def make(p):
        """gdfast.dask.minimize_batch on the LocalCluster, tolerances off."""
        import dask
        import dask.array as da
        import gdfast
        import gdfast.dask as gd
        client = _local_cluster()
        h = gdfast.objectives.Himmelblau()
        rows = -(-p.X0.shape[0] // 8)
        parts = [p.X0[i:i + rows] for i in range(0, p.X0.shape[0], rows)]
        X = da.concatenate([da.from_delayed(f, part.shape, np.float64)
                            for f, part in zip(client.scatter(parts), parts)])
        client.run(lambda: gdfast.minimize_batch(h, p.X0[:2], max_iter=1))    # imports

        def run():
            # a new name for X0 each round, so that no task of an earlier round is reused
            Xr = X.map_blocks(_same_block, name=f"x0-{uuid.uuid4().hex}")
            res = gd.minimize_batch(h, Xr, lr=p.lr, max_iter=p.steps, gtol=0)
            if results_home:
                x, _, _ = dask.compute(res.x, res.fun, res.best)
                return x
            res.best.compute()
            return SimpleNamespace(x=res.x)     # checked by computing x, outside the timing
        return run
    return make


def _same_block(block):
    """The block itself (a map_blocks that renames X0)."""
    return block


DASK_BATCH = Workload(
    group="dask-batch",
    title="multi-start on Himmelblau on a Dask LocalCluster of 2 worker processes x 1 thread: "
          "1,000 fixed steps of 0.01 from each start, against minimize_batch(threads=2) in "
          "one process",
    sizes=("10^6 starts", "10^5 starts"),
    setup=_dask_setup,
    reference="minimize_batch(threads=2), in this process",
    mask=_batch_mask,
    impls=[
        Impl("gdfast.dask, the best start only", "gdfast",
             _dask_gdfast(False), pytest_rounds=3, needs=("distributed",)),
        Impl("gdfast.dask, x, fun and best start brought back", "gdfast", _dask_gdfast(True),
             pytest_rounds=3, needs=("distributed",)),
        Impl("minimize_batch(threads=2), in this process", "one process",
             _batch_gdfast(2), vs="gdfast.dask, x, fun and best start brought back",
             pytest_rounds=3),
        Impl("minimize_batch(threads=2), in this process (vs best only)", "one process",
             _batch_gdfast(2), vs="gdfast.dask, the best start only",
             pytest_rounds=3),
    ],
    pytest_file="test_bench_dask.py",
)


# ===================================================================== SGD over data (issue 16)
# Dense 100,000 x 100 logistic regression (rows of norm about 1, an intercept, alpha 1e-4,
# constant rate 0.01), one epoch in order (shuffle=False, so that every row computes the
# same answer): scikit-learn's SGDClassifier at batch 1 against gdfast.sgd at batch 1, and
# gdfast at batch 64 against a NumPy mini-batch loop.

def _sgd_setup(quick):
    """The data: N rows of 100 features, norm about 1; y from a noisy linear model."""
    N = 10_000 if quick else 100_000
    rng = np.random.default_rng(16)
    X = rng.normal(size=(N, 100)) / 10.0
    w = rng.normal(size=100)
    y = (X @ w + 0.3 * rng.normal(size=N) > 0).astype(np.float64)
    return SimpleNamespace(X=X, y=y, alpha=1e-4, lr=0.01)


def _sgd_gdfast(batch):
    """The maker of a gdfast.sgd row at this batch size."""
    def make(p):
        """gdfast.sgd, one epoch in order, on the built-in Logistic with an intercept."""
        import gdfast
        obj = gdfast.objectives.Logistic(p.X, p.y, alpha=p.alpha, fit_intercept=True)
        return lambda: gdfast.sgd(obj, batch_size=batch, epochs=1, shuffle=False, lr=p.lr)
    return make


def _sgd_sklearn(p):
    """scikit-learn's SGDClassifier(loss="log_loss"), one epoch at batch 1, in order."""
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    est = SGDClassifier(loss="log_loss", alpha=p.alpha, max_iter=1, tol=None, shuffle=False,
                        learning_rate="constant", eta0=p.lr)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(p.X, p.y)
        return np.r_[est.coef_.ravel(), est.intercept_]
    return run


def _sgd_numpy(batch):
    """The maker of a NumPy mini-batch loop row at this batch size."""
    def make(p):
        """A NumPy mini-batch loop: the batch's mean gradient, then the step."""
        X, y, alpha, lr = p.X, p.y, p.alpha, p.lr

        def run():
            x = np.zeros(X.shape[1] + 1)
            for lo in range(0, X.shape[0], batch):
                Xb = X[lo:lo + batch]
                d = 1.0 / (1.0 + np.exp(-(Xb @ x[:-1] + x[-1]))) - y[lo:lo + batch]
                g = np.empty_like(x)
                g[:-1] = Xb.T @ d / len(d) + alpha * x[:-1]
                g[-1] = d.mean()
                x -= lr * g
            return x
        return run
    return make


SGD_B1 = Workload(
    group="sgd-logistic-batch1",
    title="one epoch of per-sample SGD on dense 100,000 x 100 logistic regression (an "
          "intercept, L2 1e-4, constant rate 0.01, in order)",
    sizes=("100,000 x 100", "10,000 x 100"),
    setup=_sgd_setup,
    reference="scikit-learn SGDClassifier(loss='log_loss'), batch 1",
    impls=[
        Impl("gdfast.sgd, batch 1", "gdfast", _sgd_gdfast(1)),
        Impl("scikit-learn SGDClassifier(loss='log_loss'), batch 1", "scikit-learn",
             _sgd_sklearn, pytest_rounds=3),
    ],
    rtol=1e-8, atol=1e-12,
    pytest_file="test_bench_sgd.py",
)

SGD_B64 = Workload(
    group="sgd-logistic-batch64",
    title="one epoch of mini-batch SGD (batch 64) on the same problem",
    sizes=("100,000 x 100", "10,000 x 100"),
    setup=_sgd_setup,
    reference="NumPy mini-batch loop, batch 64",
    impls=[
        Impl("gdfast.sgd, batch 64", "gdfast", _sgd_gdfast(64)),
        Impl("NumPy mini-batch loop, batch 64", "NumPy", _sgd_numpy(64), pytest_rounds=3),
        Impl("scikit-learn SGDClassifier, batch 1 (vs gdfast at batch 64)", "scikit-learn",
             _sgd_sklearn, checked=False, pytest_rounds=3),
    ],
    rtol=1e-8, atol=1e-12,
    pytest_file="test_bench_sgd.py",
)


WORKLOADS = [QUADRATIC, PROGRESS, CALL_OVERHEAD, QUADRATIC_SOLVE, FD_100, FD_1000, F10, HIMMELBLAU_BATCH,
             HIMMELBLAU_BATCH_ADAM, LJ13_FIRE, LJ13_FIRE_ASE, LOWLEVEL, ADAM, LANDSCAPE,
             MLP_LANDSCAPE, DASK_BATCH, SGD_B1, SGD_B64]
