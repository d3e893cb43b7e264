"""gdfast.sgd: mini-batch SGD through the one loop.

References: scikit-learn's SGDClassifier / SGDRegressor (per-sample SGD, its schedules and
stopping test), a NumPy transcription of mini-batch descent, and full-batch ``minimize``
(a batch of every row is the full gradient)."""
import warnings

import numpy as np
import pytest

import gdfast
from gdfast import _minibatch
from gdfast._builtins import _terms_shim
from gdfast.objectives import LeastSquares, Logistic, Quadratic, SumOfTerms

sklearn = pytest.importorskip("sklearn")
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import SGDClassifier, SGDRegressor  # noqa: E402

RTOL = 1e-8


def _data(N=300, p=8, seed=0):
    """Rows of norm 1, a binary and a real target."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, p))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    w = rng.normal(size=p)
    y = (X @ w + 0.3 * rng.normal(size=N) + 0.2 > 0).astype(float)
    yr = X @ w + 0.5 + 0.1 * rng.normal(size=N)
    return X, y, yr


def _sk_fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return np.r_[est.coef_.ravel(), est.intercept_]


def _rel(a, b):
    return float(np.max(np.abs(a - b) / np.abs(b)))


# ---- parity with scikit-learn -----------------------------------------------------------

SCHEDULES = [("constant", 1e-4), ("constant", 1e-2), ("optimal", 1e-3), ("optimal", 1e-2),
             ("invscaling", 1e-4), ("adaptive", 1e-3)]


@pytest.mark.parametrize("learning_rate, alpha", SCHEDULES)
def test_classifier_parity(learning_rate, alpha):
    X, y, _ = _data()
    ref = _sk_fit(SGDClassifier(loss="log_loss", penalty="l2", alpha=alpha, max_iter=5,
                                tol=None, shuffle=False, learning_rate=learning_rate,
                                eta0=0.1, power_t=0.5), X, y)
    res = gdfast.sgd(Logistic(X, y, alpha=alpha, fit_intercept=True), batch_size=1,
                     epochs=5, shuffle=False, lr=0.1, learning_rate=learning_rate)
    assert res.success and res.n_epochs == 5 and res.nit == 5 * X.shape[0]
    assert _rel(res.x, ref) < RTOL


@pytest.mark.parametrize("learning_rate, alpha",
                         [("constant", 1e-4), ("optimal", 1e-2), ("optimal", 0.5),
                          ("invscaling", 1e-4), ("adaptive", 1e-3)])
def test_regressor_parity(learning_rate, alpha):
    # (with "optimal" and alpha 1e-4 the first rates are about 10: per-sample SGD on rows of
    # norm 1 then blows up to 1e12 and is chaotic, a 1e-15 change in y moving x by 300%)
    X, _, yr = _data()
    ref = _sk_fit(SGDRegressor(loss="squared_error", penalty="l2", alpha=alpha, max_iter=5,
                               tol=None, shuffle=False, learning_rate=learning_rate,
                               eta0=0.01, power_t=0.25), X, yr)
    res = gdfast.sgd(LeastSquares(X, yr, alpha=alpha, fit_intercept=True), batch_size=1,
                     epochs=5, shuffle=False, lr=0.01, power_t=0.25,
                     learning_rate=learning_rate)
    assert _rel(res.x, ref) < RTOL


def test_parity_without_intercept():
    X, y, yr = _data()
    ref = _sk_fit(SGDClassifier(loss="log_loss", alpha=1e-3, max_iter=5, tol=None,
                                shuffle=False, fit_intercept=False), X, y)
    res = gdfast.sgd(Logistic(X, y, alpha=1e-3), epochs=5, shuffle=False,
                     learning_rate="optimal")
    assert res.x.shape == (X.shape[1],)
    assert _rel(res.x, ref[:-1]) < RTOL and ref[-1] == 0.0


def test_labels_minus_one_one():
    X, y, _ = _data()
    a = gdfast.sgd(Logistic(X, 2 * y - 1, alpha=1e-3, fit_intercept=True), shuffle=False)
    b = gdfast.sgd(Logistic(X, y, alpha=1e-3, fit_intercept=True), shuffle=False)
    np.testing.assert_array_equal(a.x, b.x)


@pytest.mark.parametrize("learning_rate", ["constant", "adaptive"])
def test_tol_and_adaptive_parity(learning_rate):
    """scikit-learn's test between epochs: with tol = 1 no epoch improves enough, so after
    n_iter_no_change epochs "constant" stops and "adaptive" divides the rate by 5 (the first
    epoch improves on no best: +inf)."""
    X, y, _ = _data()
    est = SGDClassifier(loss="log_loss", alpha=1e-3, max_iter=8, tol=1.0, n_iter_no_change=2,
                        shuffle=False, learning_rate=learning_rate, eta0=0.1)
    ref = _sk_fit(est, X, y)
    res = gdfast.sgd(Logistic(X, y, alpha=1e-3, fit_intercept=True), epochs=8,
                     shuffle=False, lr=0.1, learning_rate=learning_rate, tol=1.0,
                     n_iter_no_change=2)
    assert res.n_epochs == est.n_iter_
    assert _rel(res.x, ref) < RTOL
    if learning_rate == "constant":
        assert res.status == gdfast.Status.PATIENCE and res.success
        assert res.stop_reason == "patience"
    else:
        assert res.n_epochs == 8 and res.status == gdfast.Status.MAX_ITER
        np.testing.assert_allclose(res.epoch_history["lr"],
                                   [0.1, 0.1, 0.1, 0.02, 0.02, 0.004, 0.004, 0.0008])


def test_epoch_history_is_sklearn_sumloss():
    """The epoch loss is the sum of the terms' losses, each at the iterate its gradient was
    taken at (scikit-learn's sumloss): replayed here in NumPy with the per-sample rule."""
    X, y, _ = _data(N=50)
    alpha, lr = 1e-3, 0.1
    res = gdfast.sgd(Logistic(X, y, alpha=alpha, fit_intercept=True), epochs=3,
                     shuffle=False, lr=lr)
    w, c = np.zeros(X.shape[1]), 0.0
    losses, objectives = [], []
    for _ in range(3):
        s = o = 0.0
        for i in range(X.shape[0]):
            z = X[i] @ w + c
            loss = np.logaddexp(0.0, z) - y[i] * z
            s += loss
            o += loss + 0.5 * alpha * w @ w
            d = 1.0 / (1.0 + np.exp(-z)) - y[i]
            w, c = w - lr * (d * X[i] + alpha * w), c - lr * d
        losses.append(s / X.shape[0])
        objectives.append(o / X.shape[0])
    np.testing.assert_allclose(res.epoch_history["loss"], losses, rtol=1e-12)
    np.testing.assert_allclose(res.epoch_history["objective"], objectives, rtol=1e-12)
    assert res.fun == res.epoch_history["objective"][-1]
    np.testing.assert_allclose(res.x, np.r_[w, c], rtol=1e-12)
    assert np.all(np.diff(res.epoch_history["time"]) >= 0)


# ---- accuracy with shuffling --------------------------------------------------------------

def test_accuracy_breast_cancer():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    X, y = load_breast_cancer(return_X_y=True)
    ours, theirs = [], []
    for seed in range(5):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed,
                                              stratify=y)
        sc = StandardScaler().fit(Xtr)
        Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
        est = SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=20, tol=None,
                            random_state=seed)
        _sk_fit(est, Xtr, ytr)
        theirs.append(est.score(Xte, yte))
        res = gdfast.sgd(Logistic(Xtr, ytr, alpha=1e-4, fit_intercept=True), epochs=20,
                         seed=seed, learning_rate="optimal")
        pred = (Xte @ res.x[:-1] + res.x[-1] > 0).astype(float)
        ours.append(np.mean(pred == yte))
    assert np.mean(ours) >= np.mean(theirs) - 0.005, (ours, theirs)


def _synthetic(N=100_000, p=100, seed=100):
    """Rows of norm about 1; labels from a linear score with Gaussian noise (about 85% of
    them predictable)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, p)) / np.sqrt(p)
    w = rng.normal(size=p)
    y = (X @ w + 0.2 + 0.5 * rng.normal(size=N) > 0).astype(np.float64)
    return X, y


def test_accuracy_synthetic_100k():
    """A synthetic 100,000 x 100 problem, 80,000 rows to train on, 5 epochs with shuffling:
    held-out accuracy against scikit-learn's, 5 seeds."""
    X, y = _synthetic()
    Xtr, ytr, Xte, yte = X[:80_000], y[:80_000], X[80_000:], y[80_000:]
    obj = Logistic(Xtr, ytr, alpha=1e-4, fit_intercept=True)
    ours, theirs = [], []
    for seed in range(5):
        est = SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=5, tol=None,
                            random_state=seed)
        _sk_fit(est, Xtr, ytr)
        theirs.append(est.score(Xte, yte))
        res = gdfast.sgd(obj, epochs=5, seed=seed, learning_rate="optimal")
        ours.append(np.mean((Xte @ res.x[:-1] + res.x[-1] > 0) == yte))
    assert np.mean(ours) >= np.mean(theirs) - 0.005, (ours, theirs)


def test_shuffled_run_is_sklearn_on_the_same_permutations():
    """With shuffling, gdfast is scikit-learn's per-sample SGD on gdfast's permutations:
    partial_fit (shuffle=False, its t carried over) on each epoch's rows in sgd's order."""
    X, y = _synthetic(N=3000, p=20)
    perms = _minibatch.permutations(3000, 4, 11)
    est = SGDClassifier(loss="log_loss", alpha=1e-3, shuffle=False, learning_rate="optimal")
    for order in perms:
        est.partial_fit(X[order], y[order], classes=[0.0, 1.0])
    res = gdfast.sgd(Logistic(X, y, alpha=1e-3, fit_intercept=True), epochs=4, seed=11,
                     learning_rate="optimal")
    assert _rel(res.x, np.r_[est.coef_.ravel(), est.intercept_]) < RTOL


# ---- mini-batches, shuffling and the update rules -------------------------------------------

def test_same_seed_same_result_and_permutations():
    X, y, _ = _data()
    obj = Logistic(X, y, alpha=1e-3, fit_intercept=True)
    a = gdfast.sgd(obj, batch_size=8, seed=7, epochs=3, lr=0.5)
    b = gdfast.sgd(obj, batch_size=8, seed=7, epochs=3, lr=0.5)
    c = gdfast.sgd(obj, batch_size=8, seed=8, epochs=3, lr=0.5)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    perms = _minibatch.permutations(50, 4, 7)
    for p in perms:
        np.testing.assert_array_equal(np.sort(p), np.arange(50))
    assert len({tuple(p) for p in perms}) == 4


def _numpy_minibatch(X, y, alpha, lr, batch, epochs, perms, momentum=0.0):
    """Mini-batch descent with torch's momentum on the mean logistic loss plus alpha/2 |w|^2
    (intercept last, not penalized), batches in the orders ``perms``."""
    N, p = X.shape
    x = np.zeros(p + 1)
    buf = None
    for e in range(epochs):
        order = perms[e]
        for lo in range(0, N, batch):
            rows = order[lo:lo + batch]
            z = X[rows] @ x[:-1] + x[-1]
            d = 1.0 / (1.0 + np.exp(-z)) - y[rows]
            g = np.r_[X[rows].T @ d / len(rows) + alpha * x[:-1], d.mean()]
            if momentum:
                buf = g if buf is None else momentum * buf + g
                g = buf
            x = x - lr * g
    return x


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("batch", [1, 7, 64])
def test_minibatch_against_numpy(shuffle, batch):
    X, y, _ = _data(N=200)
    epochs = 3
    if shuffle:
        perms = _minibatch.permutations(200, epochs, 3)
    else:
        perms = [np.arange(200)] * epochs
    ref = _numpy_minibatch(X, y, 1e-3, 0.3, batch, epochs, perms, momentum=0.9)
    res = gdfast.sgd(Logistic(X, y, alpha=1e-3, fit_intercept=True), batch_size=batch,
                     epochs=epochs, shuffle=shuffle, seed=3, lr=0.3, method="momentum",
                     options={"momentum": 0.9})
    assert res.nit == epochs * -(-200 // batch)
    assert res.nfev == res.nit + 1
    np.testing.assert_allclose(res.x, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", ["sgd", "momentum", "nesterov", "adam", "adamw", "amsgrad",
                                    "rmsprop", "adagrad"])
def test_full_batch_is_minimize(method):
    """A batch of every row in order is the full gradient: sgd's iterates are minimize's."""
    X, y, _ = _data(N=60)
    obj = Logistic(X, y, alpha=1e-2, fit_intercept=True)
    res = gdfast.sgd(obj, batch_size=60, epochs=25, shuffle=False, method=method, lr=0.05)
    ref = gdfast.minimize(obj, np.zeros(obj.n), method=method, lr=0.05, max_iter=25, gtol=0)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-12, atol=1e-15)


def test_full_batch_least_squares_mean_form():
    """LeastSquares' full objective is N times the mean form sgd descends on."""
    X, _, yr = _data(N=60)
    obj = LeastSquares(X, yr, alpha=1e-2, fit_intercept=True)
    res = gdfast.sgd(obj, batch_size=60, epochs=30, shuffle=False, lr=0.5)
    ref = gdfast.minimize(obj, np.zeros(obj.n), lr=0.5 / 60, max_iter=30, gtol=0)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-12)


def test_schedule_in_iterations():
    X, y, _ = _data(N=64)
    res = gdfast.sgd(Logistic(X, y, alpha=1e-3), batch_size=16, epochs=3, lr=0.5,
                     step_rule=gdfast.StepLR(step_size=4, gamma=0.5))
    np.testing.assert_allclose(res.epoch_history["lr"], [0.5, 0.25, 0.125])


def test_terms_against_numpy():
    X, y, yr = _data(N=40, p=5)
    rng = np.random.default_rng(1)
    x = rng.normal(size=6)
    rows = np.array([3, 17, 17, 0, 39])
    for obj, kind in ((Logistic(X, y, alpha=0.3, fit_intercept=True), "log"),
                      (LeastSquares(X, yr, alpha=0.3, fit_intercept=True), "ls")):
        loss, pen, g = _terms_shim(obj, x, rows)
        z = X[rows] @ x[:5] + x[5]
        if kind == "log":
            terms = np.logaddexp(0.0, z) - y[rows] * z
            d = 1.0 / (1.0 + np.exp(-z)) - y[rows]
        else:
            terms = 0.5 * (z - yr[rows]) ** 2
            d = z - yr[rows]
        np.testing.assert_allclose(loss, terms.sum(), rtol=1e-13)
        np.testing.assert_allclose(pen, 0.15 * x[:5] @ x[:5], rtol=1e-13)
        np.testing.assert_allclose(g, np.r_[X[rows].T @ d / 5 + 0.3 * x[:5], d.mean()],
                                   rtol=1e-12)
    # the full objectives with an intercept, against the same reference
    obj = Logistic(X, y, alpha=0.3, fit_intercept=True)
    z = X @ x[:5] + x[5]
    np.testing.assert_allclose(obj(x), np.mean(np.logaddexp(0, z) - y * z)
                               + 0.15 * x[:5] @ x[:5], rtol=1e-13)
    obj = LeastSquares(X, yr, alpha=0.3, fit_intercept=True)
    np.testing.assert_allclose(obj(x), 0.5 * np.sum((z - yr) ** 2) + 40 * 0.15 * x[:5] @ x[:5],
                               rtol=1e-13)


def test_x0_not_modified_and_result_fresh():
    X, y, _ = _data(N=30)
    x0 = np.full(9, 0.1)
    keep = x0.copy()
    res = gdfast.sgd(Logistic(X, y, fit_intercept=True), x0, epochs=2)
    np.testing.assert_array_equal(x0, keep)
    assert not np.shares_memory(res.x, x0)


def test_objective_pickles_with_new_options():
    import pickle
    X, y, _ = _data(N=30)
    obj = Logistic(X, y, alpha=0.1, fit_intercept=True)
    other = pickle.loads(pickle.dumps(obj))
    assert other == obj and other.fit_intercept and other.alpha == 0.1


# ---- bad input and non-finite runs ---------------------------------------------------------

def test_bad_input():
    X, y, yr = _data(N=30)
    obj = Logistic(X, y, fit_intercept=True)
    with pytest.raises(ValueError, match="batch_size"):
        gdfast.sgd(obj, batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        gdfast.sgd(obj, batch_size=31)
    with pytest.raises(ValueError, match="epochs"):
        gdfast.sgd(obj, epochs=0)
    with pytest.raises(ValueError, match="y must have length"):
        Logistic(X, y[:-1])
    with pytest.raises(ValueError, match="b must have length"):
        LeastSquares(X, yr[:-1])
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="X must be finite"):
        Logistic(Xn, y)
    with pytest.raises(ValueError, match="X must not be empty"):
        Logistic(np.empty((0, 3)), np.empty(0))
    with pytest.raises(ValueError, match="labels"):
        Logistic(X, np.where(y > 0, 2.0, 0.0))
    with pytest.raises(ValueError, match="x0 must have length"):
        gdfast.sgd(obj, np.zeros(3))
    with pytest.raises(ValueError, match="step_rule"):
        gdfast.sgd(obj, step_rule="armijo")
    with pytest.raises(ValueError, match="method"):
        gdfast.sgd(obj, method="lbfgs")
    with pytest.raises(ValueError, match="learning_rate"):
        gdfast.sgd(obj, learning_rate="fast")
    with pytest.raises(ValueError, match="alpha > 0"):
        gdfast.sgd(obj, learning_rate="optimal")
    with pytest.raises(ValueError, match="learning_rate"):
        gdfast.sgd(obj, learning_rate="optimal", step_rule=gdfast.StepLR(2))
    with pytest.raises(TypeError, match="sum of terms"):
        gdfast.sgd(Quadratic([1.0, 2.0]))
    with pytest.raises(TypeError, match="sum of terms"):
        gdfast.sgd(LeastSquares(X, np.ones((2, 30))))
    with pytest.raises(TypeError, match="fit_intercept"):
        Logistic(X, y, fit_intercept=1)
    with pytest.raises(TypeError, match="seed"):
        gdfast.sgd(obj, seed=1.5)
    with pytest.raises(ValueError, match="tol"):
        gdfast.sgd(obj, tol=float("nan"))


def test_divergence_stops_at_last_finite_iterate():
    # (squared error cannot blow up fast: like scikit-learn, gdfast clips each term's
    # derivative to 1e12; the penalty's factor 1 - lr alpha = -2 can)
    X, y, _ = _data(N=30)
    res = gdfast.sgd(Logistic(X, y, alpha=1.0, fit_intercept=True), lr=3.0, epochs=50,
                     shuffle=False)
    assert res.status in (gdfast.Status.NONFINITE, gdfast.Status.DIVERGED)
    assert not res.success
    assert np.all(np.isfinite(res.x))
    assert res.nit < 50 * 30


def test_nonfinite_at_x0_raises():
    X, y, _ = _data(N=30)
    with pytest.raises(ValueError, match="not finite at x0"):
        gdfast.sgd(Logistic(X, y, alpha=1.0), np.full(8, 1e200))


def test_long_runs_history_and_early_stop():
    """The history grows with the epochs run (past its first allocation), and a huge
    ``epochs`` stopped early by tol allocates only what it uses."""
    X, y, _ = _data(N=8)
    obj = Logistic(X, y, alpha=1e-2, fit_intercept=True)
    res = gdfast.sgd(obj, epochs=300, lr=0.1, shuffle=False)
    assert res.n_epochs == 300 and res.epoch_history["loss"].shape == (300,)
    assert res.epoch_history["objective"][-1] < res.epoch_history["objective"][0]
    res = gdfast.sgd(obj, epochs=10 ** 12, lr=0.1, tol=1e-3, n_iter_no_change=3)
    assert res.status == gdfast.Status.PATIENCE and res.n_epochs < 10 ** 4
    assert res.epoch_history["lr"].shape == (res.n_epochs,)


CHILD = r"""
import sys, numpy as np, gdfast
from gdfast.objectives import Logistic
rng = np.random.default_rng(0)
X = rng.normal(size=(2000, 50)) / 7.0
y = (X @ rng.normal(size=50) > 0).astype(float)
obj = Logistic(X, y, alpha=1e-4, fit_intercept=True)
small = gdfast.sgd(obj, epochs=2, seed=1).x
print("ready", flush=True)
try:
    gdfast.sgd(obj, epochs=10 ** 9, seed=1)
except KeyboardInterrupt:
    print("interrupted", flush=True)
print("check ok" if np.array_equal(gdfast.sgd(obj, epochs=2, seed=1).x, small) else "bad",
      flush=True)
"""


def test_ctrl_c_stops_a_run(tmp_path):
    """SIGINT during a long run raises KeyboardInterrupt (the loop's Ctrl-C checks run for
    the mini-batch objective too), nothing is printed to stderr, and the next run is right.
    The child imports the gdfast this process imports (not a source tree in its cwd)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(gdfast.__file__)))
    proc = subprocess.Popen([sys.executable, "-c", CHILD], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert out.split() == ["interrupted", "check", "ok"], (out, err)
    assert err == ""


# ---- averaging and continuation ----------------------------------------------------------

@pytest.mark.parametrize("average", [True, 25, 1000])
@pytest.mark.parametrize("learning_rate", ["optimal", "constant"])
def test_average_parity(average, learning_rate):
    X, y, _ = _data()
    est = SGDClassifier(loss="log_loss", alpha=1e-3, max_iter=5, tol=None, shuffle=False,
                        learning_rate=learning_rate, eta0=0.1, average=average)
    ref = _sk_fit(est, X, y)
    res = gdfast.sgd(Logistic(X, y, alpha=1e-3, fit_intercept=True), epochs=5,
                     shuffle=False, lr=0.1, learning_rate=learning_rate, average=average)
    assert _rel(res.x_average, ref) < RTOL
    assert not np.allclose(res.x, res.x_average)


def test_average_of_minibatch_iterates():
    """With batches, the average is the mean of the iterates after every step (a NumPy
    replay of the steps)."""
    X, y, _ = _data(N=64)
    obj = Logistic(X, y, alpha=1e-3, fit_intercept=True)
    res = gdfast.sgd(obj, batch_size=16, epochs=3, shuffle=False, lr=0.5, average=True)
    x = np.zeros(obj.n)
    xs = []
    for _ in range(3):
        for lo in range(0, 64, 16):
            rows = np.arange(lo, lo + 16)
            z = X[rows] @ x[:-1] + x[-1]
            d = 1.0 / (1.0 + np.exp(-z)) - y[rows]
            x = x - 0.5 * np.r_[X[rows].T @ d / 16 + 1e-3 * x[:-1], d.mean()]
            xs.append(x)
    np.testing.assert_allclose(res.x_average, np.mean(xs, axis=0), rtol=1e-12)
    np.testing.assert_allclose(res.x, xs[-1], rtol=1e-12)


def test_continued_run_stops_where_one_run_stops():
    X, y, _ = _data()
    obj = Logistic(X, y, alpha=1e-3, fit_intercept=True)
    kw = dict(lr=0.1, tol=10.0, n_iter_no_change=2, seed=1)
    one = gdfast.sgd(obj, epochs=6, **kw)
    assert one.n_epochs == 3 and one.status == gdfast.Status.PATIENCE
    first = gdfast.sgd(obj, epochs=3, **kw)
    assert first.status == gdfast.Status.MAX_ITER
    rest = gdfast.sgd(obj, first.x, epochs=3, state=first.state, **kw)
    assert rest.n_epochs == 0 and rest.status == gdfast.Status.PATIENCE
    np.testing.assert_array_equal(rest.x, one.x)


@pytest.mark.parametrize("method, kw", [
    ("sgd", dict(learning_rate="optimal")),
    ("momentum", dict(options={"momentum": 0.9}, lr=0.05)),
    ("adam", dict(lr=0.01, step_rule=gdfast.ExponentialLR(0.999))),
    ("adagrad", dict(lr=0.1, average=True)),
    ("sgd", dict(lr=0.2, learning_rate="adaptive", tol=10.0, n_iter_no_change=1)),
])
def test_continued_run_is_one_run(method, kw):
    """Five epochs in one call, or 2 + 3 continued through ``state``: the same iterates."""
    X, y, _ = _data()
    obj = Logistic(X, y, alpha=1e-3, fit_intercept=True)
    one = gdfast.sgd(obj, batch_size=7, epochs=5, seed=4, method=method, **kw)
    first = gdfast.sgd(obj, batch_size=7, epochs=2, seed=4, method=method, **kw)
    kw2 = dict(kw)
    if kw.get("learning_rate") == "adaptive":
        kw2.pop("lr")                   # the rate goes on from the state
    rest = gdfast.sgd(obj, first.x, batch_size=7, epochs=3, seed=4, method=method,
                      state=first.state, **kw2)
    np.testing.assert_array_equal(rest.x, one.x)
    np.testing.assert_array_equal(np.r_[first.epoch_history["loss"],
                                        rest.epoch_history["loss"]],
                                  one.epoch_history["loss"])
    if kw.get("average"):
        np.testing.assert_array_equal(rest.x_average, one.x_average)


def test_continuation_is_sklearn_partial_fit():
    X, y, _ = _data()
    est = SGDClassifier(loss="log_loss", alpha=1e-3, shuffle=False, learning_rate="optimal")
    obj = Logistic(X, y, alpha=1e-3, fit_intercept=True)
    res = None
    for _ in range(3):
        est.partial_fit(X, y, classes=[0.0, 1.0])
        res = gdfast.sgd(obj, None if res is None else res.x, epochs=1, shuffle=False,
                         learning_rate="optimal", state=None if res is None else res.state)
        assert _rel(res.x, np.r_[est.coef_.ravel(), est.intercept_]) < RTOL


def test_bad_state_and_average():
    X, y, _ = _data(N=30)
    obj = Logistic(X, y, fit_intercept=True)
    with pytest.raises(ValueError, match="state"):
        gdfast.sgd(obj, state={"t": 1})
    saved = gdfast.sgd(obj).state
    with pytest.raises(ValueError, match="averaging"):
        gdfast.sgd(obj, state=saved, average=True)
    with pytest.raises(ValueError, match="average"):
        gdfast.sgd(obj, average=-1)


# ---- a Python sum of terms ---------------------------------------------------------------

def _python_logistic(X, y, alpha, calls=None):
    """Logistic with an intercept in NumPy, as a SumOfTerms function of (x, rows)."""
    def fun(x, rows):
        if calls is not None:
            calls.append(rows.copy())
        z = X[rows] @ x[:-1] + x[-1]
        d = 1.0 / (1.0 + np.exp(-z)) - y[rows]
        value = np.mean(np.logaddexp(0.0, z) - y[rows] * z) + 0.5 * alpha * x[:-1] @ x[:-1]
        return value, np.r_[X[rows].T @ d / len(rows) + alpha * x[:-1], d.mean()]
    return fun


@pytest.mark.parametrize("method", ["sgd", "adam"])
def test_python_terms_equal_the_builtin(method):
    X, y, _ = _data(N=100)
    calls = []
    py = SumOfTerms(_python_logistic(X, y, 1e-3, calls), n=9, n_terms=100)
    ours = gdfast.sgd(py, batch_size=10, epochs=3, seed=2, method=method, lr=0.1)
    ref = gdfast.sgd(Logistic(X, y, alpha=1e-3, fit_intercept=True), batch_size=10,
                     epochs=3, seed=2, method=method, lr=0.1)
    np.testing.assert_allclose(ours.x, ref.x, rtol=1e-10)
    np.testing.assert_allclose(ours.epoch_history["objective"],
                               ref.epoch_history["objective"], rtol=1e-10)
    # the batches it was given: each epoch's order, in batches of 10, one evaluation more
    perms = _minibatch.permutations(100, 4, 2)
    assert len(calls) == 3 * 10 + 1
    for k, rows in enumerate(calls):
        e, j = divmod(k, 10)
        np.testing.assert_array_equal(rows, perms[e][10 * j:10 * j + 10])
    # and the full objective
    x = np.linspace(-1, 1, 9)
    assert py(x) == pytest.approx(Logistic(X, y, alpha=1e-3, fit_intercept=True)(x),
                                  rel=1e-13)


def test_python_terms_errors_propagate():
    class Boom(Exception):
        pass

    def fun(x, rows):
        if rows[0] == 7:
            raise Boom
        return float(x @ x), 2 * x

    with pytest.raises(Boom):
        gdfast.sgd(SumOfTerms(fun, n=2, n_terms=10), shuffle=False)
    with pytest.raises(ValueError, match="gradient must have shape"):
        gdfast.sgd(SumOfTerms(lambda x, r: (0.0, np.zeros(3)), n=2, n_terms=10))
    with pytest.raises(TypeError, match="must return"):
        gdfast.sgd(SumOfTerms(lambda x, r: 0.0, n=2, n_terms=10))
    with pytest.raises(ValueError, match="optimal"):
        gdfast.sgd(SumOfTerms(fun, n=2, n_terms=10), learning_rate="optimal")
    with pytest.raises(ValueError, match="n_terms"):
        SumOfTerms(fun, n=2, n_terms=0)
    with pytest.raises(TypeError, match="callable"):
        SumOfTerms(3, n=2, n_terms=3)


def test_python_terms_nonfinite_stops():
    def fun(x, rows):
        return (np.inf if rows[0] == 3 else float(x @ x)), 2 * x
    res = gdfast.sgd(SumOfTerms(fun, n=2, n_terms=5), np.ones(2), shuffle=False, lr=0.1)
    assert res.status == gdfast.Status.DIVERGED and not res.success
    assert res.nit == 2 and np.all(np.isfinite(res.x))
