"""The built-in MLP (issue 17, part 1): its loss against an independent NumPy implementation
(gdfast.benchmarks.mlp_numpy_loss, which the mlp-landscape benchmark checks against too),
its gradient against central differences, the parameter layout and Li et al.'s groups,
training, batch runs, pickling, bad input."""
import pickle

import numpy as np
import pytest

import gdfast
from gdfast.benchmarks import mlp_numpy_loss
from gdfast.objectives import MLP


CASES = [((2, 32, 32, 3), "tanh", "softmax", 0.0, 200),
         ((2, 8, 3), "relu", "softmax", 1e-3, 64),
         ((5, 7, 6, 4, 2), "tanh", "softmax", 0.01, 130),
         ((3, 16, 1), "tanh", "mse", 0.0, 77),
         ((4, 9, 9, 2), "relu", "mse", 0.05, 1),
         ((2, 2), "tanh", "softmax", 0.0, 10)]              # no hidden layer


def make(case, seed=0):
    layers, act, loss, wd, N = case
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, layers[0]))
    y = (rng.integers(0, layers[-1], N) if loss == "softmax"
         else rng.normal(size=(N, layers[-1]) if layers[-1] > 1 else N))
    mlp = MLP(X, y, layers=layers, activation=act, loss=loss, weight_decay=wd)
    x = mlp.init(seed) + rng.normal(scale=0.3, size=mlp.n)      # biases nonzero too
    return mlp, x, X, y


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_value_equals_numpy(case):
    mlp, x, X, y = make(case)
    ref = mlp_numpy_loss(x, X, np.asarray(y), *case[:4])
    assert abs(mlp(x) - ref) <= 1e-12 * max(1.0, abs(ref))
    f, g = mlp.value_and_gradient(x)
    assert f == mlp(x)
    np.testing.assert_array_equal(g, mlp.gradient(x))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}")
def test_gradient_equals_central_differences(case):
    mlp, x, X, y = make(case, seed=1)
    g = mlp.gradient(x)
    fd, err = gdfast.gradient(lambda v: float(mlp(v)), x, method="central4", error=True)
    scale = np.abs(g).max()
    assert np.abs(g - fd).max() <= 1e-7 * scale + err.max()
    # and against the independent NumPy loss, differentiated numerically
    fd_np = gdfast.gradient(lambda v: mlp_numpy_loss(v, X, np.asarray(y), *case[:4]), x,
                            method="central4")
    assert np.abs(g - fd_np).max() <= 1e-7 * scale + 10 * err.max()


def test_layout_groups_and_predict():
    X = np.array([[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]])
    mlp = MLP(X, [0, 1, 2], layers=(2, 4, 3))
    assert mlp.n == 4 * 3 + 3 * 5 and mlp.groups == (3,) * 4 + (5,) * 3
    x = np.arange(mlp.n, dtype=float) / 10
    W1 = x[:12].reshape(4, 3)
    hidden = np.tanh(X @ W1[:, :2].T + W1[:, 2])
    W2 = x[12:].reshape(3, 5)
    np.testing.assert_allclose(mlp.predict(x), hidden @ W2[:, :4].T + W2[:, 4], rtol=1e-14)
    np.testing.assert_allclose(mlp.predict(x, X[:1]), mlp.predict(x)[:1])
    # filter normalization takes the groups as they are
    d = gdfast.landscape.filter_normalize(np.ones(mlp.n), x, mlp.groups)
    assert d.shape == x.shape
    start = mlp.init(3)
    assert np.all(start[[2, 5, 8, 11, 16, 21, 26]] == 0.0)      # biases start at 0


def two_blobs(n, seed):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(-1.0, 0.7, (n, 2)), rng.normal(1.0, 0.7, (n, 2))])
    return X, np.repeat([0, 1], n)


def test_training_classifies_two_blobs():
    X, y = two_blobs(200, 0)
    mlp = MLP(X, y, layers=(2, 16, 2))
    res = gdfast.minimize(mlp, mlp.init(0), method="adam", lr=0.02, max_iter=1500, gtol=0)
    accuracy = (mlp.predict(res.x).argmax(axis=1) == y).mean()
    assert res.fun < mlp(mlp.init(0)) and accuracy >= 0.9
    # a held-out sample from the same distribution
    Xt, yt = two_blobs(200, 1)
    assert (mlp.predict(res.x, Xt).argmax(axis=1) == yt).mean() >= 0.88


def test_batch_rows_equal_minimize_and_pickle():
    X, y = two_blobs(50, 2)
    mlp = MLP(X, y, layers=(2, 6, 2), activation="relu", weight_decay=1e-3)
    X0 = np.stack([mlp.init(s) for s in range(5)])
    rb = gdfast.minimize_batch(mlp, X0, method="adam", lr=0.01, max_iter=100, gtol=0,
                               threads=2)
    for i in range(5):
        r = gdfast.minimize(mlp, X0[i], method="adam", lr=0.01, max_iter=100, gtol=0)
        np.testing.assert_array_equal(rb.x[i], r.x)
    copy = pickle.loads(pickle.dumps(mlp))
    assert copy == mlp and copy(X0[0]) == mlp(X0[0])


@pytest.mark.parametrize("kw, exc, match", [
    (dict(layers=(2,)), ValueError, "2 to 64 widths"),
    (dict(layers=(2, 0, 3)), ValueError, r"layers\[1\] must be a width >= 1"),
    (dict(layers=(2, 4.5, 3)), ValueError, r"layers\[1\]"),
    (dict(layers="2-3"), TypeError, "layers must be a sequence"),
    (dict(layers=(3, 4, 3)), ValueError, "layers\\[0\\] = 3 columns"),
    (dict(activation="sigmoid"), ValueError, "activation"),
    (dict(loss="hinge"), ValueError, "loss"),
    (dict(weight_decay=-1.0), ValueError, "weight_decay"),
    (dict(y=[0, 1, 3, 0]), ValueError, "labels must be in 0 .. 2"),
    (dict(y=[0, 1, 2]), ValueError, "y must hold 4 labels"),
    (dict(y=[0, 0.5, 1, 2]), ValueError, "integer class labels"),
    (dict(layers=(2, 4, 1)), ValueError, "softmax' needs layers"),
    (dict(loss="mse", y=np.ones((4, 2))), ValueError, r"shape \(4, 3\)"),
    (dict(X=np.array([[0.0, np.nan]] * 4)), ValueError, "X"),
])
def test_bad_input(kw, exc, match):
    args = dict(X=np.zeros((4, 2)), y=[0, 1, 2, 0], layers=(2, 4, 3))
    args.update(kw)
    with pytest.raises(exc, match=match):
        MLP(**args)


def test_x_of_the_wrong_length():
    mlp = MLP(np.zeros((4, 2)), [0, 1, 2, 0], layers=(2, 4, 3))
    with pytest.raises(ValueError, match=f"length {mlp.n}"):
        mlp(np.zeros(mlp.n + 1))
    with pytest.raises(ValueError, match=f"length {mlp.n}"):
        mlp.predict(np.zeros(3))


@pytest.mark.parametrize("scale", [1e-12, 1e-3, 0.1, 0.124, 0.126, 1.0, 5.0, 30.0, 400.0])
def test_tanh_across_its_range(scale):
    """The hidden layer's tanh (gd_mlp.h: a series near 0, exp beyond) against NumPy's, on
    pre-activations of every size: a 1-1-2 network whose hidden unit sees X itself."""
    X = np.linspace(-1.0, 1.0, 101)[:, None] * scale
    y = np.arange(101) % 2
    layers, x = (1, 1, 2), np.array([1.0, 0.0, 1.0, 0.0, -1.0, 0.0])
    mlp = MLP(X, y, layers=layers)
    ref = mlp_numpy_loss(x, X, y, layers, "tanh", "softmax", 0.0)
    assert abs(mlp(x) - ref) <= 1e-14 * abs(ref)
    g = mlp.gradient(x)                     # tanh' = 1 - tanh^2 at the same activations
    fd = gdfast.gradient(lambda v: mlp_numpy_loss(v, X, y, layers, "tanh", "softmax", 0.0),
                         x, method="central4")
    assert np.abs(g - fd).max() <= 1e-7 * max(np.abs(g).max(), 1e-300) + 1e-12


def test_a_sum_of_terms_for_sgd():
    """Its terms: a full batch in order is minimize's descent, bit for bit; an epoch of
    mini-batches in order is the replay of steps on MLPs of those rows alone."""
    X, y = two_blobs(40, 5)
    mlp = MLP(X, y, layers=(2, 5, 2), weight_decay=0.01)
    x0 = mlp.init(1)
    full = gdfast.sgd(mlp, x0, batch_size=80, epochs=7, method="adam", lr=0.01,
                      shuffle=False)
    ref = gdfast.minimize(mlp, x0, method="adam", lr=0.01, max_iter=7, gtol=0)
    np.testing.assert_array_equal(full.x, ref.x)
    epoch = gdfast.sgd(mlp, x0, batch_size=10, epochs=1, method="sgd", lr=0.1,
                       shuffle=False)
    x = x0.copy()
    for b in range(8):
        rows = slice(10 * b, 10 * b + 10)
        x = x - 0.1 * MLP(X[rows], y[rows], layers=(2, 5, 2), weight_decay=0.01).gradient(x)
    np.testing.assert_allclose(epoch.x, x, rtol=1e-13, atol=1e-15)
