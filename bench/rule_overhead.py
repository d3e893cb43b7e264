"""Per-rule overhead on the 2-D quadratic, in ns per iteration.

    python bench/rule_overhead.py [rule ...] [--rounds R]

with gdfast importable (installed, or ``PYTHONPATH=.`` after an in-place build).

The rules and their plain C loops are those of rule_table.py (bit-identical iterates,
10^6 iterations each).  Each run is timed R times, interleaved with the others so that drift
of a shared machine touches all alike; the minimum is kept.  Overhead of a rule = (gdfast - C)
for it minus (gdfast - C) for plain descent: what the rule costs beyond its own arithmetic.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rule_table as T  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0].strip('"'))
    parser.add_argument("rules", nargs="*", default=[r for r in T.RULES if r != "plain"])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    unknown = [r for r in args.rules if r not in T.RULES]
    if unknown:
        parser.error(f"unknown rules {unknown}; known: {sorted(T.RULES)}")
    names = ["plain"] + [r for r in args.rules if r != "plain"]
    best = {}
    for _ in range(args.rounds):
        for name in names:
            for side, run in (("gdfast", lambda: T.gdfast_rule(name, T.QITERS)),
                              ("C", lambda: T.RULES[name][1](T.QITERS))):
                t0 = time.perf_counter()
                run()
                ns = (time.perf_counter() - t0) * 1e9 / T.QITERS
                best[name, side] = min(best.get((name, side), float("inf")), ns)
    base = best["plain", "gdfast"] - best["plain", "C"]
    print(f"{'rule':<12} {'gdfast':>8} {'C loop':>8} {'overhead':>9}   (ns per iteration, "
          f"min of {args.rounds})")
    for name in names:
        g, c = best[name, "gdfast"], best[name, "C"]
        extra = "" if name == "plain" else f"{g - c - base:+9.2f}"
        print(f"{name:<12} {g:8.2f} {c:8.2f} {extra:>9}")


if __name__ == "__main__":
    main()
