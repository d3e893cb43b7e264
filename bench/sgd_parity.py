"""gdfast.sgd against scikit-learn's SGDClassifier(loss="log_loss") and SGDRegressor
(squared_error): shuffle=False, batch size 1, L2 penalty, an intercept, 5 epochs, on the
data of tests/test_sgd.py (300 rows of norm 1, 8 features); prints the README's table of
the largest relative difference of coef_ and intercept_.

    python bench/sgd_parity.py
"""
import os
import sys

import numpy as np
from sklearn.linear_model import SGDClassifier, SGDRegressor

import gdfast
from gdfast.objectives import LeastSquares, Logistic

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from test_sgd import _data, _rel, _sk_fit  # noqa: E402

CASES = [("SGDClassifier", "constant", 1e-4), ("SGDClassifier", "optimal", 1e-3),
         ("SGDClassifier", "invscaling", 1e-4), ("SGDClassifier", "adaptive", 1e-3),
         ("SGDRegressor", "constant", 1e-4), ("SGDRegressor", "optimal", 1e-2),
         ("SGDRegressor", "invscaling", 1e-4), ("SGDRegressor", "adaptive", 1e-3)]


def main():
    X, y, yr = _data()
    print("| scikit-learn | learning_rate | alpha | max relative difference |")
    print("|---|---|---|---|")
    for name, schedule, alpha in CASES:
        kw = dict(penalty="l2", alpha=alpha, max_iter=5, tol=None, shuffle=False,
                  learning_rate=schedule)
        if name == "SGDClassifier":
            ref = _sk_fit(SGDClassifier(loss="log_loss", eta0=0.1, **kw), X, y)
            res = gdfast.sgd(Logistic(X, y, alpha=alpha, fit_intercept=True), epochs=5,
                             shuffle=False, lr=0.1, learning_rate=schedule)
        else:
            ref = _sk_fit(SGDRegressor(loss="squared_error", eta0=0.01, power_t=0.25, **kw),
                          X, yr)
            res = gdfast.sgd(LeastSquares(X, yr, alpha=alpha, fit_intercept=True), epochs=5,
                             shuffle=False, lr=0.01, power_t=0.25, learning_rate=schedule)
        print(f"| {name} | {schedule} | {alpha:g} | {_rel(res.x, ref):.1e} |")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
