"""Ctrl-C latency over the whole case matrix of tests/interrupt_cases.py.

    python bench/interrupt_latency.py [--repeat K] [--filter TEXT] [--timeout S]

(gdfast installed, editable or not; for an in-place build ``PYTHONPATH=. python ...``.  The
children import the same gdfast as this script.)

For every (entry point, objective kind, serial / threads) case, start the child process K
times (default 5), send SIGINT at delays spread evenly over 0.2 to 1.0 s after it is ready,
and print the median and worst time from SIGINT to the KeyboardInterrupt caught in the child
(ms), with a note when something else went wrong (stderr output, a bad second run, no
interrupt within the timeout).  The last line gives the overall worst and median.  No
assertions: tests/test_ctrlc_matrix.py holds the promise (100 ms).  Needs a C compiler
(``cc``) for the ctypes cases; Numba cases are skipped when Numba is not installed.
"""
import argparse
import importlib.util
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))     # the shared case definitions

import interrupt_cases as ic  # noqa: E402


def _delays(k, lo=0.2, hi=1.0):
    if k == 1:
        return [ic.DELAY]
    return [lo + (hi - lo) * i / (k - 1) for i in range(k)]


def _fmt(seconds, timeout):
    if seconds is None:
        return "-"
    if seconds == float("inf"):             # a child that never raised (killed)
        return f">{timeout * 1e3:.0f}"
    return f"{seconds * 1e3:.1f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="SIGINTs per case (default 5)")
    ap.add_argument("--filter", default="", help="only cases whose id contains this")
    ap.add_argument("--timeout", type=float, default=ic.TIMEOUT,
                    help=f"seconds after SIGINT before a child is killed (default "
                         f"{ic.TIMEOUT:g})")
    args = ap.parse_args(argv)
    have_numba = importlib.util.find_spec("numba") is not None
    cases = [c for c in ic.CASES if args.filter in c.id]
    width = max(len(c.id) for c in cases) if cases else 10
    all_lat = []
    with tempfile.TemporaryDirectory(prefix="gdfast_ctrlc_") as tmp:
        lib = ic.build_c_library(tmp)
        print(f"{'case':<{width}}  {'n':>6}  {'median ms':>9}  {'worst ms':>9}  notes",
              flush=True)
        for case in cases:
            if case.kind == "numba" and not have_numba:
                print(f"{case.id:<{width}}  {case.n:>6}  {'':>9}  {'':>9}  skipped: no numba")
                continue
            lat, notes = [], []
            for delay in _delays(args.repeat):
                out = ic.run_case(case, lib, delay=delay, timeout=args.timeout, cwd=tmp)
                if out.latency is not None:
                    lat.append(out.latency)
                notes += [p for p in out.problems(limit=float("inf")) if p not in notes]
                if out.timed_out:
                    lat.append(float("inf"))
            finite = [x for x in lat if x != float("inf")]
            med = statistics.median(lat) if lat else None
            worst = max(lat) if lat else None
            all_lat += lat
            print(f"{case.id:<{width}}  {case.n:>6}  {_fmt(med, args.timeout):>9}  "
                  f"{_fmt(worst, args.timeout):>9}  "
                  f"{'; '.join(notes)[:200]}"
                  + ("" if len(finite) == len(lat) else
                     f" [{len(lat) - len(finite)} of {len(lat)} timed out]"), flush=True)
    if all_lat:
        worst = max(all_lat)
        print(f"overall: worst {_fmt(worst, args.timeout)} ms, median "
              f"{_fmt(statistics.median(all_lat), args.timeout)} ms over {len(all_lat)} "
              f"interrupts in {len(cases)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
