"""The benchmark framework: implementations, workloads, and the check of every answer against
the workload's reference before it is timed.  The workloads themselves are in
``gdfast.benchmarks`` (the one registry ``pytest bench`` and ``python -m gdfast bench`` share);
this module knows nothing of them.

Test hook: the environment variable ``GDFAST_BENCH_BREAK=SUBSTRING`` perturbs the answer of every
implementation whose ``"group/name"`` contains SUBSTRING (case-insensitive), so that the tests
can see a wrong result reported as a failure.
"""
import functools
import importlib.util
import os
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

__all__ = ["KINDS", "BREAK_ENV", "Impl", "Workload", "Check", "prepare", "reference", "check",
           "select"]

KINDS = ("gdfast", "C", "NumPy", "SciPy", "Numba", "ASE", "scikit-learn", "one process",
         "no bar")

BREAK_ENV = "GDFAST_BENCH_BREAK"


@dataclass
class Impl:
    """One implementation timed in a workload.

    ``make(problem)`` does the untimed setup (building objectives, compiling Numba) and returns
    the zero-argument callable that is timed; its return value is the answer checked (an array,
    or anything with an ``.x`` such as an ``OptimizeResult``).  ``vs`` names the gdfast
    implementation a baseline's ratio is taken against (default: the workload's first gdfast
    row).  ``rtol``/``atol`` override the workload's tolerances.  ``checked=False`` marks a
    lower bound that computes no answer (reported as such, never as a pass).  ``pytest_rounds``
    fixes the number of pytest-benchmark rounds for slow rows."""
    name: str
    kind: str
    make: Callable
    vs: Optional[str] = None
    rtol: Optional[float] = None
    atol: Optional[float] = None
    checked: bool = True
    note: str = ""
    pytest_rounds: Optional[int] = None
    needs: tuple = ()

    def available(self):
        """True when the packages this kind needs import (SciPy, Numba, ASE), and those named in
        ``needs`` (e.g. ``("distributed",)``); C, NumPy and gdfast rows need nothing else."""
        if self.kind == "SciPy" and not _has("scipy"):
            return False
        if self.kind == "Numba" and not _has("numba"):
            return False
        if self.kind == "ASE" and not _has("ase"):
            return False
        if self.kind == "scikit-learn" and not _has("sklearn"):
            return False
        return all(_has(m) for m in self.needs)


@dataclass
class Workload:
    """A group: a problem, its implementations, and the reference they must agree with.

    ``setup(quick)`` returns the problem (a namespace); ``reference`` is either a function of the
    problem or the name of the implementation whose answer is the reference (computed once per
    problem and cached on it).  ``mask(problem, ref)`` optionally selects the entries compared
    (e.g. the starts that did not diverge).  ``sizes`` describes the full and quick sizes."""
    group: str
    title: str
    setup: Callable
    reference: object
    impls: list
    rtol: float = 0.0
    atol: float = 0.0
    mask: Optional[Callable] = None
    sizes: tuple = ("", "")
    pytest_file: str = ""

    def impl(self, name):
        """The implementation called ``name``."""
        for i in self.impls:
            if i.name == name:
                return i
        raise KeyError(f"{self.group}: no implementation {name!r}")

    def available_impls(self):
        """The implementations whose packages import, in table order."""
        return [i for i in self.impls if i.available()]

    def gdfast_impl(self, impl):
        """The gdfast implementation that ``impl``'s ratio gdfast/baseline is taken against
        (None for gdfast rows themselves)."""
        if impl.kind == "gdfast":
            return None
        if impl.vs is not None:
            return self.impl(impl.vs)
        return next(i for i in self.impls if i.kind == "gdfast")

    def size(self, quick):
        """The size description for full or quick runs."""
        return self.sizes[1 if quick else 0]


@dataclass
class Check:
    """The outcome of a correctness check: ``ok``, the largest absolute error ``max_err``
    (NaN when nothing was compared), and a one-line ``message``."""
    ok: Optional[bool]
    max_err: float
    message: str

    @property
    def label(self):
        """``ok``, ``FAILED`` or ``n/a`` (unchecked lower bounds)."""
        return "n/a" if self.ok is None else ("ok" if self.ok else "FAILED")


@functools.lru_cache(maxsize=None)
def _has(module):
    """True when ``module`` can be imported (looked up once, without importing it)."""
    return importlib.util.find_spec(module) is not None


def _answer(out):
    """The array an implementation's return value stands for (``OptimizeResult`` -> ``.x``)."""
    if hasattr(out, "x") and not isinstance(out, np.ndarray):
        out = out.x
    return np.asarray(out, dtype=float)


def _broken(workload, impl):
    """True when the test hook ``GDFAST_BENCH_BREAK`` names this implementation."""
    key = os.environ.get(BREAK_ENV, "").lower()
    return bool(key) and key in f"{workload.group}/{impl.name}".lower()


def prepare(workload, impl, problem):
    """The timed callable of ``impl`` on ``problem``, with its setup done (a Numba function is
    compiled by its first call, which is the check: time only after :func:`check`)."""
    fn = impl.make(problem)
    if _broken(workload, impl):
        raw = fn
        fn = lambda: _answer(raw()) * (1.0 + 1e-3) + 1e-3     # noqa: E731  (test hook)
    return fn


def reference(workload, problem):
    """The workload's reference answer on ``problem`` (computed once, cached on the problem)."""
    cache = problem.__dict__.setdefault("_reference", {})
    if "ref" not in cache:
        ref = workload.reference
        if isinstance(ref, str):
            impl = workload.impl(ref)
            cache["ref"] = _answer(impl.make(problem)())
        else:
            cache["ref"] = _answer(ref(problem))
    return cache["ref"]


def check(workload, impl, problem, out):
    """Compare the answer ``out`` of ``impl`` with the reference:
    ``|answer - reference| <= atol + rtol |reference|`` element-wise (on the masked entries)."""
    if not impl.checked:
        return Check(None, float("nan"), "not checked: " + (
            impl.note or "a lower bound that computes no answer"))
    ref = reference(workload, problem)
    got = _answer(out)
    if got.shape != ref.shape:
        return Check(False, float("nan"), f"shape {got.shape} != reference {ref.shape}")
    if workload.mask is not None:
        keep = workload.mask(problem, ref)
        got, ref = got[keep], ref[keep]
    rtol = workload.rtol if impl.rtol is None else impl.rtol
    atol = workload.atol if impl.atol is None else impl.atol
    with np.errstate(all="ignore"):
        err = np.abs(got - ref)
        bad = ~(err <= atol + rtol * np.abs(ref))        # NaN counts as bad
    max_err = float(np.max(err)) if err.size else 0.0
    if not np.isfinite(max_err):
        max_err = float("inf")
    tol = f"rtol {rtol:g}, atol {atol:g}"
    if bad.any():
        return Check(False, max_err, f"{int(bad.sum())} of {bad.size} entries differ from the "
                     f"reference beyond {tol} (max |error| {max_err:.3g})")
    return Check(True, max_err, f"agrees with the reference within {tol}")


def select(workloads, substring=""):
    """``[(workload, [impls])]`` whose ``"group/name"`` contains ``substring``
    (case-insensitive), available implementations only; a group selected through a baseline
    keeps its gdfast rows, which the ratios need."""
    out = []
    key = substring.lower()
    for w in workloads:
        impls = w.available_impls()
        chosen = [i for i in impls if key in f"{w.group}/{i.name}".lower()]
        if not chosen:
            continue
        needed = {w.gdfast_impl(i).name for i in chosen if i.kind != "gdfast"}
        out.append((w, [i for i in impls if i in chosen or i.name in needed]))
    return out
