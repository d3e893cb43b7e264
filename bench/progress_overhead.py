"""The cost of progress=True on a long run: 10^7 fixed steps on the lecture's quadratic.

    python bench/progress_overhead.py [--rounds R] [--steps N]

with gdfast and tqdm importable (installed, or ``PYTHONPATH=.`` after an in-place build).
Runs with and without a bar (drawn to os.devnull) alternate R times, so that drift of a
shared machine touches both alike; prints the medians, the minima and their ratios (the
issue's target: under 1%).  The progress-overhead rows of ``gdfast bench`` time the same
runs once each, which this machine's noise makes a few percent uncertain.
"""
import argparse
import os
import time

import numpy as np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--steps", type=int, default=10 ** 7)
    args = parser.parse_args(argv)
    import gdfast
    q = gdfast.objectives.Quadratic([6.0, 2.0], center=[1.0, 2.0])
    sink = open(os.devnull, "w")

    def run(**kw):
        start = time.perf_counter()
        gdfast.minimize(q, np.zeros(2), lr=1e-7, max_iter=args.steps, gtol=0, **kw)
        return time.perf_counter() - start

    off, on = [], []
    for _ in range(args.rounds):
        off.append(run())
        on.append(run(progress={"file": sink}))
    print(f"{args.steps} steps, {args.rounds} rounds each: without a bar median "
          f"{np.median(off) * 1e3:.2f} ms (min {min(off) * 1e3:.2f}), with one "
          f"{np.median(on) * 1e3:.2f} ms (min {min(on) * 1e3:.2f}): ratio of medians "
          f"{np.median(on) / np.median(off):.4f}, of minima {min(on) / min(off):.4f}")


if __name__ == "__main__":
    main()
