"""``python -m gdfast demo [--out DIR]``: the lecture's worked examples, computed by gdfast,
and (with matplotlib installed) two pictures of descent paths and Li et al.'s loss-landscape
figures for a small network trained on the spirals (gdfast._netdemo), written to DIR.

``python -m gdfast bench [--quick] [--filter SUBSTRING] [--json FILE] [--compare FILE]
[--plot FILE.png]``: the benchmark workloads of ``gdfast.benchmarks`` (gdfast beside its C,
NumPy, SciPy and Numba baselines), each checked, then timed; one table of medians and ratios.
The exit status is 1 when a check failed."""
import argparse
import os
import sys

import numpy as np


def demo(out=None, outdir="."):
    import gdfast

    out = sys.stdout if out is None else out      # looked up per call: redirections apply

    np.set_printoptions(precision=6, suppress=True)
    print("gdfast demo: the gradient-descent lecture's worked examples\n", file=out)

    f3 = lambda v: 3 * v[0] ** 2 * v[1] + v[2] * v[1] - v[0]
    g = gdfast.gradient(f3, [1, 1, 1])
    print("f(x, y, z) = 3x^2 y + z y - x", file=out)
    print(f"  grad f(1, 1, 1) by central differences = {g}   (lecture: [5, 4, 1])\n", file=out)

    f = lambda v: 3 * v[0] ** 2 + v[1] ** 2
    print("f(x, y) = 3x^2 + y^2 from a0 = (1, 1) with gamma = 0.1:", file=out)
    res = gdfast.minimize(f, [1, 1], lr=0.1, max_iter=2, gtol=0, history=True)
    for k, (x, fx) in enumerate(zip(res.history.x, res.history.fun)):
        print(f"  a{k} = {x}   f = {fx:.6f}", file=out)
    print("  (lecture: a1 = (0.4, 0.8), a2 = (0.16, 0.64))\n", file=out)

    quad = gdfast.objectives.Quadratic([6.0, 2.0])
    res = gdfast.minimize(quad, [1, 1], lr=0.1, gtol=1e-10, history=True)
    print("Run to convergence (built-in Quadratic([6, 2]), the same f, all in C):", file=out)
    for k in range(0, len(res.history), 10):
        print(f"  a{k:<3d}= {res.history.x[k]}   f = {res.history.fun[k]:.3e}", file=out)
    print(f"\nsummary: x = {res.x}, f(x) = {res.fun:.3e}, |grad|_inf = "
          f"{np.max(np.abs(res.jac)):.1e}\n         nit = {res.nit}, nfev = {res.nfev}, "
          f"status = {res.status} ({res.message})", file=out)
    if pictures(out, outdir):
        from gdfast._netdemo import network_pictures
        network_pictures(out, outdir)
    return 0


HIMMELBLAU_SEED = 1        # 8 starts from this seed reach all four minima at lr 0.01
HIMMELBLAU_STARTS = 8


def pictures(out=None, outdir="."):
    """Write the demo's two PNGs into outdir and print where; returns their paths (or [] when
    matplotlib is missing)."""
    import gdfast

    out = sys.stdout if out is None else out

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("\n(pictures skipped: install matplotlib, e.g. pip install 'gdfast[plot]')",
              file=out)
        return []
    import gdfast.plot

    os.makedirs(outdir, exist_ok=True)
    written = []

    quad = gdfast.objectives.Quadratic([6.0, 2.0])
    res = gdfast.minimize(quad, [1, 1], lr=0.1, gtol=1e-6, history=True)
    path = os.path.join(outdir, "gdfast_quadratic.png")
    gdfast.plot.contour(quad, path=res, xlim=(-1.25, 1.25), ylim=(-1.25, 1.25), levels=20,
                        filled=True, title=f"f = 3x² + y²: gradient descent from (1, 1), "
                        f"lr 0.1 ({res.nit} steps)", save=path)
    written.append(path)

    himmelblau = gdfast.objectives.Himmelblau()
    rng = np.random.default_rng(HIMMELBLAU_SEED)
    starts = rng.uniform(-4.5, 4.5, (HIMMELBLAU_STARTS, 2))
    runs = [gdfast.minimize(himmelblau, x0, lr=0.01, gtol=1e-8, history=True)
            for x0 in starts]
    minima = sorted({tuple(np.round(r.x, 3)) for r in runs})
    path = os.path.join(outdir, "gdfast_himmelblau.png")
    gdfast.plot.contour(himmelblau, path=runs, xlim=(-5, 5), ylim=(-5, 5), levels=30,
                        log=True, filled=True, arrows=False,
                        title=f"Himmelblau: {len(runs)} descents from random starts, "
                        f"{len(minima)} minima", save=path)
    written.append(path)

    print("\nPictures:", file=out)
    print(f"  {os.path.abspath(written[0])}   3x^2 + y^2, the path from (1, 1) at lr 0.1",
          file=out)
    print(f"  {os.path.abspath(written[1])}   Himmelblau, {len(runs)} descents reaching "
          f"{len(minima)} minima: {', '.join(f'({a:g}, {b:g})' for a, b in minima)}", file=out)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gdfast",
                                     description="gdfast command line")
    sub = parser.add_subparsers(dest="command", required=True)
    demo_parser = sub.add_parser("demo", help="run the lecture's worked examples and write "
                                              "pictures of descent paths")
    demo_parser.add_argument("--out", metavar="DIR", default=".",
                             help="directory for the PNG pictures (default: the current one)")
    bench_parser = sub.add_parser(
        "bench", help="time gdfast against C, NumPy, SciPy and Numba baselines, answers checked",
        description="Run the benchmark workloads (gdfast.benchmarks): every row is checked "
                    "against the workload's reference before it is timed; a wrong answer is "
                    "FAILED (exit status 1).  Ratios are gdfast / baseline medians of this run.")
    bench_parser.add_argument("--quick", action="store_true",
                              help="smaller sizes and shorter timing (well under a minute)")
    bench_parser.add_argument("--filter", metavar="SUBSTRING", default="",
                              help="only rows whose 'group/implementation' contains SUBSTRING")
    bench_parser.add_argument("--json", metavar="FILE", help="save the results as JSON")
    bench_parser.add_argument("--compare", metavar="FILE",
                              help="add a column new/old against a saved --json FILE")
    bench_parser.add_argument("--plot", metavar="FILE.png",
                              help="draw the ratios as a bar chart (needs matplotlib)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(outdir=args.out)
    if args.command == "bench":
        from gdfast._benchrun import run
        return run(quick=args.quick, filter=args.filter, json_path=args.json,
                   compare=args.compare, plot_path=args.plot)
    return 2


if __name__ == "__main__":
    sys.exit(main())
