"""``python -m gdfast demo``: the lecture's worked examples, computed by gdfast."""
import argparse
import sys

import numpy as np


def demo(out=sys.stdout):
    import gdfast

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
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m gdfast",
                                     description="gdfast command line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the lecture's worked examples")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    return 2


if __name__ == "__main__":
    sys.exit(main())
