"""Iterations of gdfast's CG and L-BFGS against SciPy's CG and L-BFGS-B to gtol 1e-8 (max |g_i|)
on the problems of tests/test_cg_lbfgs.py; prints the README's table.

    python bench/cg_lbfgs_budgets.py
"""
import os
import sys

import numpy as np
from scipy.optimize import minimize as scipy_minimize

import gdfast

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from test_cg_lbfgs import GTOL, PROBLEMS, SCIPY  # noqa: E402

NAMES = {"quadratic100": "rotated 100-D quadratic, cond 1e4",
         "rosenbrock": "2-D Rosenbrock from (-1.2, 1)"}


def main():
    print("| problem | method | gdfast nit (nfev) | SciPy | SciPy nit (nfev) "
          "| gdfast / SciPy nit |")
    print("|---|---|---|---|---|---|")
    for problem, make in PROBLEMS.items():
        for method in ("cg", "lbfgs"):
            f, g, x0 = make()
            res = gdfast.minimize(f, x0, jac=g, method=method, gtol=GTOL, max_iter=100_000)
            name, options = SCIPY[method]
            ref = scipy_minimize(f, x0, jac=g, method=name, options=options)
            assert res.success and np.abs(g(ref.x)).max() <= GTOL
            print(f"| {NAMES[problem]} | `{method}` | {res.nit} ({res.nfev}) | `{name}` | "
                  f"{ref.nit} ({ref.nfev}) | {res.nit / ref.nit:.2f} |")


if __name__ == "__main__":
    main()
