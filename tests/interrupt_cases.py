"""The Ctrl-C case matrix: every entry point x every kind of objective x serial / threads.

Shared by ``tests/test_ctrlc_matrix.py`` (the assertions: KeyboardInterrupt within 100 ms,
empty stderr, a correct second run in the same process) and ``bench/interrupt_latency.py``
(the latency table).  Not a test module itself (no ``test_`` prefix).

Each case runs in a child Python process (``child_code``):

1. setup: define ``F(n)`` (the objective for dimension n) and the keyword arguments of the
   kind, then run the entry point's small CHECK problem once (a warm-up, so that lazy imports
   and first-call costs are behind us, and a reference: it must print ``warmup ok``);
2. print ``ready`` and start the LONG run (it never ends by itself: ``max_iter=10**12``,
   ``gtol=0``, or a loop of calls);
3. on KeyboardInterrupt print ``interrupted <time.monotonic()>``;
4. run the CHECK problem again and print ``check ok`` (or ``check bad ...``).

The parent (``run_case``) waits for ``ready``, sleeps ``delay`` seconds, sends SIGINT,
records ``time.monotonic()`` and reads the rest; the latency is the child's catch time minus
the send time (CLOCK_MONOTONIC is system-wide on Linux, so the two clocks agree).

Sizes: with finite differences, one gradient takes more than a second at ``N_FD``
(central differences, 2n evaluations of an O(n) sum of squares; measured on the 2-core
development VM, 2026-12-01: ctypes C 2.2 s, Numba cfunc 2.1 s, built-in Quadratic
(jac='central') 1.7 s, Python callable 2.3 s at n = 40,000), so a SIGINT 0.6 s after
``ready`` lands inside the first gradient.  Vectorized objectives get the whole stencil in one
call (a (2n, n) array): a > 1 s gradient would need gigabytes, so they run many iterations
at n = ``N_VEC`` instead (one gradient ~80 ms, its largest NumPy operation a few ms).
Built-ins with their analytic gradient run a long descent at n = ``N_SMALL``.
"""
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

# ---- the compiled C objective ---------------------------------------------------------------

C_SOURCE = r"""
#include <math.h>

/* f(x) = sum x_i^2, SciPy's low-level signature without user_data */
double gdfast_sumsq(int n, double *x)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}

/* a non-finite objective that counts its calls (tests/test_fail_fast.py) */
long gdfast_calls = 0;

double gdfast_inf_counting(int n, double *x)
{
    (void)n; (void)x;
    __atomic_fetch_add(&gdfast_calls, 1, __ATOMIC_RELAXED);
    return INFINITY;
}
"""

LIB_NAME = "libgdfast_ctrlc.so"


def build_c_library(directory):
    """Compile C_SOURCE with ``cc -O2 -shared -fPIC`` into ``directory``; return the path."""
    directory = os.fspath(directory)
    src = os.path.join(directory, "gdfast_ctrlc.c")
    lib = os.path.join(directory, LIB_NAME)
    with open(src, "w") as fh:
        fh.write(C_SOURCE)
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", lib, src, "-lm"], check=True)
    return lib


def load_c_library(path):
    """The compiled library through ctypes, argument types set."""
    import ctypes
    lib = ctypes.CDLL(path)
    for name in ("gdfast_sumsq", "gdfast_inf_counting"):
        fn = getattr(lib, name)
        fn.restype = ctypes.c_double
        fn.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_double)]
    return lib


# ---- sizes ----------------------------------------------------------------------------------

N_FD = 40_000        # one central-difference gradient > 1 s (C, Numba, built-in, Python)
N_VEC = 1_000        # vectorized: the stencil is one (2n, n) call
N_SMALL = 1_000      # built-in with its analytic gradient: a long run of cheap iterations
M_SERIAL = 4         # batch starts, threads=1 (the case had 4 rows)
M_THREADS = 32       # batch starts, threads=2: two ranges of 16 starts, one per thread
RESOLUTION = 300     # landscape grid 300 x 300: > 1 s per plane at n = N_FD
DELAY = 0.6          # seconds from "ready" to SIGINT in the tests
TIMEOUT = 3.0        # seconds after SIGINT before the child is killed as unresponsive

# ---- objective kinds ------------------------------------------------------------------------
# Each kind's setup defines F(n), KW (keyword arguments for minimize / Descent /
# minimize_batch), GKW (for gradient) and LKW (for landscape).  Every objective is
# f(x) = sum x_i^2 (the built-in as Quadratic(2 * ones), i.e. 1/2 x^T (2I) x).

KINDS = {
    "python": """
        F = lambda n: (lambda x: float(x @ x))
        KW = GKW = LKW = {}
    """,
    "vectorized": """
        F = lambda n: (lambda X: np.einsum("ij,ij->i", X, X))
        KW = GKW = LKW = {"vectorized": True}
    """,
    "builtin-fd": """
        from gdfast.objectives import Quadratic
        F = lambda n: Quadratic(np.full(n, 2.0))
        KW = {"jac": "central"}
        GKW = LKW = {}
    """,
    "builtin": """
        from gdfast.objectives import Quadratic
        F = lambda n: Quadratic(np.full(n, 2.0))
        KW = GKW = LKW = {}
    """,
    "ctypes": """
        import ctypes
        _lib = ctypes.CDLL({lib!r})
        _fp = _lib.gdfast_sumsq
        _fp.restype = ctypes.c_double
        _fp.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_double)]
        F = lambda n: _fp
        KW = GKW = LKW = {{}}
    """,
    "numba": """
        import numba

        @numba.cfunc("float64(intc, CPointer(float64))")
        def _nf(n, x):
            s = 0.0
            for i in range(n):
                s += x[i] * x[i]
            return s
        F = lambda n: _nf
        KW = GKW = LKW = {}
    """,
}

# ---- entry points ---------------------------------------------------------------------------
# LONG: the long run (one statement, using N, M, RES, TKW); PREPARE (optional): run before
# "ready".  CHECK: a small problem with a known answer on the same entry point and objective
# kind, setting OK (bool) and INFO (shown when not OK).

X0 = "np.array([1.0, -2.0, 0.5])"

ENTRIES = {
    "minimize": dict(
        long="gdfast.minimize(F(N), np.ones(N), lr=1e-9, max_iter=10**12, gtol=0, **KW)",
        check=f"""
            r = gdfast.minimize(F(3), {X0}, lr=0.1, max_iter=10_000, gtol=1e-10, **KW)
            OK = bool(r.success) and np.allclose(r.x, 0.0, atol=1e-9)
            INFO = (r.x, r.status, r.message)
        """),
    "descent": dict(
        # constructed before "ready" (its first gradient is part of the construction), so
        # that the SIGINT lands inside step()'s first gradient
        prepare="D = gdfast.Descent(F(N), np.ones(N), lr=1e-9, gtol=0, **KW)",
        long="D.step(10**12)",
        check=f"""
            d = gdfast.Descent(F(3), {X0}, lr=0.1, gtol=1e-10, **KW)
            d.step(10_000)
            OK = d.status == gdfast.Status.CONVERGED and np.allclose(d.x, 0.0, atol=1e-9)
            INFO = (d.x, d.status, d.message)
        """),
    "gradient": dict(
        long="[gdfast.gradient(F(N), np.ones(N), **GKW) for _ in range(10**9)]",
        check=f"""
            g = gdfast.gradient(F(3), {X0}, **GKW)
            OK = np.allclose(g, 2.0 * {X0}, rtol=1e-7, atol=1e-7)
            INFO = g
        """),
    "batch": dict(
        long="gdfast.minimize_batch(F(N), np.ones((M, N)), lr=1e-9, max_iter=10**12, gtol=0, "
             "**KW, **TKW)",
        check=f"""
            X = np.stack([{X0}, -{X0}, 3.0 * {X0}])
            r = gdfast.minimize_batch(F(3), X, lr=0.1, max_iter=10_000, gtol=1e-10, **KW, **TKW)
            OK = bool(np.all(r.success)) and np.allclose(r.x, 0.0, atol=1e-9)
            INFO = (r.x, r.status)
        """),
    "plane": dict(
        long="[gdfast.landscape.plane(F(N), np.ones(N), resolution=RES, seed=0, **LKW, **TKW) "
             "for _ in range(10**9)]",
        check="""
            p = gdfast.landscape.plane(F(3), np.zeros(3), [1.0, 0, 0], [0, 1.0, 0], span=1.0,
                                       resolution=3, **LKW, **TKW)
            OK = np.allclose(p.values, [[2, 1, 2], [1, 0, 1], [2, 1, 2]], rtol=0, atol=1e-12)
            INFO = p.values
        """),
}


@dataclass(frozen=True)
class Case:
    entry: str            # key of ENTRIES
    kind: str             # key of KINDS
    threads: object       # None (the entry point has no threads=), 1 or 2
    n: int                # dimension of the long run

    @property
    def id(self):
        t = "" if self.threads is None else f"-threads{self.threads}"
        return f"{self.entry}-{self.kind}{t}"

    @property
    def m(self):
        return M_THREADS if self.threads == 2 else M_SERIAL


def _cases():
    out = []
    fd_n = {"python": N_FD, "vectorized": N_VEC, "builtin-fd": N_FD, "builtin": N_SMALL,
            "ctypes": N_FD, "numba": N_FD}
    # minimize, Descent: serial entry points, every kind.
    for entry in ("minimize", "descent"):
        for kind in KINDS:
            out.append(Case(entry, kind, None, fd_n[kind]))
    # gradient: always finite differences, so "builtin" (its analytic gradient) does not
    # apply; the built-in is covered by "builtin-fd" (gradient() of a Quadratic).
    for kind in KINDS:
        if kind != "builtin":
            out.append(Case("gradient", kind, None, fd_n[kind]))
    # minimize_batch: threads=1 and threads=2 for C-level objectives (built-in with analytic
    # gradient: blocks of lanes evaluated by its block kernel; built-in with jac='central',
    # ctypes, Numba: lanes evaluated one by one; both over OpenMP threads).  Python and
    # vectorized callables run in the calling thread (a vectorized one is called once per
    # iteration for all starts), so threads= does not apply to them.
    for kind in KINDS:
        if kind in ("python", "vectorized"):
            out.append(Case("batch", kind, None, fd_n[kind]))
        else:
            for t in (1, 2):
                out.append(Case("batch", kind, t, fd_n[kind]))
    # landscape plane: values only, so "builtin-fd" is the same as "builtin" (left out).
    # Python and vectorized callables are evaluated on one thread (threads= does not apply).
    # Low-level pointers are accepted with threads=2 (today evaluated on one thread: they are
    # not flagged thread-safe for landscapes); the case is kept so the promise holds whatever
    # the implementation does.
    plane_n = {"python": N_FD, "vectorized": N_VEC, "builtin": N_FD, "ctypes": N_FD,
               "numba": N_FD}
    for kind, n in plane_n.items():
        if kind in ("python", "vectorized"):
            out.append(Case("plane", kind, None, n))
        else:
            for t in (1, 2):
                out.append(Case("plane", kind, t, n))
    return out


CASES = _cases()


def child_code(case, lib_path):
    """The child's program for ``case`` (``lib_path``: the compiled C library)."""
    kind = textwrap.dedent(KINDS[case.kind])
    if case.kind == "ctypes":
        kind = kind.format(lib=lib_path)
    entry = ENTRIES[case.entry]
    check = textwrap.dedent(entry["check"])
    tkw = "{}" if case.threads is None else f"{{'threads': {case.threads}}}"
    lines = [
        "import sys, time",
        "import numpy as np",
        "import gdfast, gdfast.landscape",
        kind,
        f"N, M, RES, TKW = {case.n}, {case.m}, {RESOLUTION}, {tkw}",
        "def _check(word):",
        textwrap.indent(check, "    "),
        "    print(word, 'ok' if OK else 'bad ' + repr(INFO).replace(chr(10), ' '), flush=True)",
        "_check('warmup')",
        entry.get("prepare", ""),
        "print('ready', flush=True)",
        "try:",
        f"    {entry['long']}",
        "except KeyboardInterrupt:",
        "    print('interrupted', repr(time.monotonic()), flush=True)",
        "else:",
        "    print('finished', flush=True)",
        "    sys.exit(3)",
        "_check('check')",
    ]
    return "\n".join(lines) + "\n"


def child_env():
    """The environment of the children: PYTHONPATH at the gdfast package's parent."""
    import gdfast
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(gdfast.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


@dataclass
class Outcome:
    case: Case
    latency: object       # seconds from SIGINT to the KeyboardInterrupt caught, or None
    stdout: str
    stderr: str
    returncode: object
    timed_out: bool       # the child was killed ``timeout`` s after SIGINT
    timeout: float = TIMEOUT

    def line(self, word):
        for ln in self.stdout.splitlines():
            if ln.startswith(word + " ") or ln == word:
                return ln[len(word):].strip()
        return None

    @property
    def check(self):
        return self.line("check")

    def problems(self, limit=0.1):
        """What is wrong with this outcome (empty: all of the promise holds)."""
        p = []
        warm = self.line("warmup")
        if warm != "ok":
            p.append(f"the warm-up run before the long run was not ok: {warm!r}")
        if self.timed_out:
            p.append(f"no KeyboardInterrupt within {self.timeout:g} s of SIGINT "
                     "(child killed)")
        elif self.latency is None:
            p.append("the child did not report a KeyboardInterrupt")
        elif self.latency >= limit:
            p.append(f"KeyboardInterrupt {self.latency * 1e3:.1f} ms after SIGINT "
                     f"(promise: {limit * 1e3:.0f} ms)")
        if self.stderr:
            lines = self.stderr.strip().splitlines() or [""]
            ignored = [ln for ln in lines if ln.startswith("Exception ignored")]
            p.append(f"stderr not empty ({len(lines)} lines"
                     + (f", {ignored[0]!r}" if ignored else "")
                     + f", last: {lines[-1][:200]!r})")
        if not self.timed_out and self.latency is not None:
            if self.check != "ok":
                p.append(f"the second run after the interrupt was not ok: {self.check!r}")
            if self.returncode != 0:
                p.append(f"child exit status {self.returncode}")
        return p

    def only_latency(self, limit=0.1):
        """Whether the one problem is a (finite) latency over the limit."""
        pr = self.problems(limit)
        return (len(pr) == 1 and self.latency is not None and self.latency >= limit
                and not self.timed_out)


def run_case(case, lib_path, delay=DELAY, timeout=TIMEOUT, env=None, cwd=None):
    """Run ``case`` in a child process, SIGINT ``delay`` s after it is ready."""
    proc = subprocess.Popen([sys.executable, "-c", child_code(case, lib_path)],
                            env=child_env() if env is None else env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    head = []
    timed_out = False
    try:
        while True:                       # warm-up line(s), then "ready"
            ln = proc.stdout.readline()
            if not ln:
                break
            head.append(ln)
            if ln.strip() == "ready":
                break
        if head and head[-1].strip() == "ready":
            time.sleep(delay)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                proc.kill()
                out, err = proc.communicate()
        else:                             # the child died before the long run
            sent = None
            out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stdout = "".join(head) + (out or "")
    latency = None
    for ln in stdout.splitlines():
        if ln.startswith("interrupted ") and sent is not None:
            latency = float(ln.split()[1]) - sent
    return Outcome(case, latency, stdout, err or "", proc.returncode, timed_out, timeout)
