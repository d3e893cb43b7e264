"""gdfast.sklearn: the estimators over gdfast.sgd, against scikit-learn's."""
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn import linear_model  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from gdfast.sklearn import SGDClassifier, SGDRegressor  # noqa: E402


def _data(N=300, p=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, p))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    w = rng.normal(size=p)
    labels = np.where(X @ w + 0.3 * rng.normal(size=N) > 0, "yes", "no")
    yr = X @ w + 0.5 + 0.1 * rng.normal(size=N)
    return X, labels, yr


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("ours, theirs, target", [
    (SGDClassifier, linear_model.SGDClassifier, 1),
    (SGDRegressor, linear_model.SGDRegressor, 2)])
def test_same_coefficients_as_sklearn(ours, theirs, target):
    X, labels, yr = _data()
    y = labels if target == 1 else yr
    kw = dict(max_iter=5, tol=None, shuffle=False, alpha=1e-3)
    a = _fit(ours(**kw), X, y)
    b = _fit(theirs(loss="log_loss", **kw) if target == 1 else theirs(**kw), X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-8)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-8)
    assert a.n_iter_ == b.n_iter_ and a.t_ == b.t_
    if target == 1:
        np.testing.assert_array_equal(a.predict(X), b.predict(X))
    else:
        np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-8)
    assert a.score(X, y) == pytest.approx(b.score(X, y), rel=1e-10)
    if target == 1:
        np.testing.assert_array_equal(a.classes_, b.classes_)
        np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-8)


def test_estimator_api_pipeline_and_grid_search():
    X, labels, _ = _data()
    est = SGDClassifier(batch_size=8, method="adam", eta0=0.01, learning_rate="constant",
                        random_state=0, max_iter=20)
    params = est.get_params()
    assert params["batch_size"] == 8 and params["method"] == "adam"
    assert clone(est).get_params() == params
    est.set_params(alpha=1e-3)
    assert est.alpha == 1e-3
    pipe = make_pipeline(StandardScaler(), est)
    pipe.fit(X, labels)
    assert pipe.score(X, labels) > 0.85
    grid = GridSearchCV(make_pipeline(StandardScaler(), SGDClassifier(random_state=0,
                                                                     max_iter=10)),
                        {"sgdclassifier__alpha": [1e-4, 1e-2]}, cv=3)
    grid.fit(X, labels)
    assert grid.best_score_ > 0.8


def test_bad_input():
    X, labels, yr = _data(N=30)
    with pytest.raises(ValueError, match="2 classes"):
        SGDClassifier().fit(X, np.arange(30) % 3)
    with pytest.raises(ValueError, match="penalty"):
        SGDClassifier(penalty="l1").fit(X, labels)
    with pytest.raises(ValueError, match="loss"):
        SGDRegressor(loss="huber").fit(X, yr)
    with pytest.raises(ValueError):
        SGDRegressor().fit(X, yr[:-1])
    est = SGDRegressor(max_iter=2, tol=None).fit(X, yr)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :3])


@pytest.mark.parametrize("average", [False, True])
def test_partial_fit_and_average_as_sklearn(average):
    X, labels, yr = _data()
    a = SGDClassifier(shuffle=False, alpha=1e-3, average=average)
    b = linear_model.SGDClassifier(loss="log_loss", shuffle=False, alpha=1e-3,
                                   average=average)
    c = SGDRegressor(shuffle=False, alpha=1e-3, average=average)
    d = linear_model.SGDRegressor(shuffle=False, alpha=1e-3, average=average)
    for call in range(3):
        a.partial_fit(X, labels, classes=["no", "yes"])
        b.partial_fit(X, labels, classes=["no", "yes"])
        c.partial_fit(X, yr)
        d.partial_fit(X, yr)
        # (scikit-learn 1.9's binary SGDClassifier with averaging does not keep its
        # non-averaged intercept between partial_fit calls: _fit_binary leaves
        # _standard_intercept at 0 once averaging has begun, so its second call restarts the
        # intercept from 0; gdfast continues from the last one.  Its SGDRegressor keeps it.)
        if not average or call == 0:
            np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-8)
            np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-8)
        np.testing.assert_allclose(c.coef_, d.coef_, rtol=1e-8)
        np.testing.assert_allclose(c.intercept_, d.intercept_, rtol=1e-8)
        assert a.t_ == b.t_ and c.t_ == d.t_
    with pytest.raises(ValueError, match="classes"):
        SGDClassifier().partial_fit(X, labels)
