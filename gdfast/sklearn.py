"""scikit-learn-style estimators over :func:`gdfast.sgd` (the ``sklearn`` extra).

``SGDClassifier`` (binary logistic regression, ``loss="log_loss"``) and ``SGDRegressor``
(``loss="squared_error"``) follow scikit-learn's estimator API (fit, predict, score,
get_params / set_params; they work in ``Pipeline`` and ``GridSearchCV``) with scikit-learn's
parameter names and defaults, plus ``batch_size`` and ``method`` (any first-order update
rule of gdfast).  The penalty is L2; ``average`` gives averaged SGD; ``partial_fit`` continues a
fit epoch by epoch (gdfast's ``state=``: unlike scikit-learn's, it carries the "adaptive" rate
and the moments of the update rule over).  With ``shuffle=False`` and ``batch_size=1`` they give
scikit-learn's coefficients (see the user guide's SGD page); with shuffling, gdfast's own
permutations (from ``random_state``) replace scikit-learn's.
"""
import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError:                 # pragma: no cover - the extra is not installed
    raise ImportError("gdfast.sklearn needs scikit-learn >= 1.6: install the extra, "
                      "pip install 'gdfast[sklearn]'")

import gdfast
from gdfast.objectives import LeastSquares, Logistic

__all__ = ["SGDClassifier", "SGDRegressor"]


class _BaseSGD(BaseEstimator):
    def _seed(self):
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _run(self, objective, partial=False):
        if self.penalty != "l2":
            raise ValueError(f"penalty must be 'l2' (the only one gdfast.sgd has yet), got "
                             f"{self.penalty!r}")
        state = getattr(self, "_sgd_state", None) if partial else None
        if state is None:
            self._sgd_seed = self._seed()
        x0 = None if state is None else self._sgd_x
        res = gdfast.sgd(objective, x0, batch_size=min(self.batch_size, objective._n_terms()),
                         epochs=1 if partial else self.max_iter, shuffle=self.shuffle,
                         seed=self._sgd_seed, method=self.method,
                         lr=self.eta0 if state is None else None,
                         learning_rate=self.learning_rate, power_t=self.power_t,
                         tol=None if partial else self.tol,
                         n_iter_no_change=self.n_iter_no_change, average=self.average,
                         state=state)
        if not res.success:
            raise ValueError(f"SGD stopped at epoch {res.n_epochs + 1}: {res.message} "
                             f"(status {res.status}); scaling the data with StandardScaler "
                             f"or a smaller eta0 might help")
        p = self.n_features_in_
        x = res.x_average if self.average else res.x
        self.coef_ = x[:p].copy()
        self.intercept_ = np.array([x[p] if self.fit_intercept else 0.0])
        self.n_iter_ = res.n_epochs
        self.t_ = (0.0 if state is None else self.t_ - 1.0) + 1.0 \
            + res.n_epochs * objective._n_terms()     # scikit-learn's t_
        self._sgd_state = res.state
        self._sgd_x = res.x
        self.result_ = res
        return self

    def _partial_data(self, X, y, **kw):
        first = not hasattr(self, "_sgd_state")
        return first, validate_data(self, X, y, dtype=np.float64, order="C", reset=first,
                                    **kw)

    def _decision(self, X):
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, dtype=np.float64, order="C")
        return X @ self.coef_.ravel() + self.intercept_[0]


class SGDClassifier(ClassifierMixin, _BaseSGD):
    """Binary logistic regression by mini-batch SGD (scikit-learn's
    ``SGDClassifier(loss="log_loss", penalty="l2")`` and its defaults)."""

    def __init__(self, loss="log_loss", *, penalty="l2", alpha=1e-4, fit_intercept=True,
                 max_iter=1000, tol=1e-3, shuffle=True, random_state=None,
                 learning_rate="optimal", eta0=0.01, power_t=0.5, n_iter_no_change=5,
                 average=False, batch_size=1, method="sgd"):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.n_iter_no_change = n_iter_no_change
        self.average = average
        self.batch_size = batch_size
        self.method = method

    def fit(self, X, y):
        """Train from zeros for ``max_iter`` epochs (or until ``tol`` stops it)."""
        if self.loss != "log_loss":
            raise ValueError(f"loss must be 'log_loss', got {self.loss!r}")
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        self.classes_ = np.unique(y)
        self.__dict__.pop("_sgd_state", None)
        return self._fit_classes(X, y, partial=False)

    def partial_fit(self, X, y, classes=None):
        """One more epoch over (X, y), continuing the previous fit or partial_fit: the update
        rule's state, the step count (the rates), the shuffled orders and the average go
        on.  ``classes`` (both labels) is needed on the first call."""
        if self.loss != "log_loss":
            raise ValueError(f"loss must be 'log_loss', got {self.loss!r}")
        first, (X, y) = self._partial_data(X, y)
        if first:
            if classes is None:
                raise ValueError("classes must be given on the first call to partial_fit")
            self.classes_ = np.unique(classes)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError("classes must be the same as on the first call")
        if not np.all(np.isin(y, self.classes_)):
            raise ValueError("y holds labels that are not in classes")
        return self._fit_classes(X, y, partial=True)

    def _fit_classes(self, X, y, partial):
        if self.classes_.shape[0] != 2:
            raise ValueError(f"SGDClassifier is binary: y must hold 2 classes, got "
                             f"{self.classes_.shape[0]}")
        objective = Logistic(X, (y == self.classes_[1]).astype(np.float64), alpha=self.alpha,
                             fit_intercept=bool(self.fit_intercept))
        self._run(objective, partial)
        self.coef_ = self.coef_.reshape(1, -1)
        return self

    def decision_function(self, X):
        return self._decision(X)

    def predict(self, X):
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def predict_proba(self, X):
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])


class SGDRegressor(RegressorMixin, _BaseSGD):
    """Linear regression by mini-batch SGD (scikit-learn's
    ``SGDRegressor(loss="squared_error", penalty="l2")`` and its defaults)."""

    def __init__(self, loss="squared_error", *, penalty="l2", alpha=1e-4, fit_intercept=True,
                 max_iter=1000, tol=1e-3, shuffle=True, random_state=None,
                 learning_rate="invscaling", eta0=0.01, power_t=0.25, n_iter_no_change=5,
                 average=False, batch_size=1, method="sgd"):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.n_iter_no_change = n_iter_no_change
        self.average = average
        self.batch_size = batch_size
        self.method = method

    def fit(self, X, y):
        """Train from zeros for ``max_iter`` epochs (or until ``tol`` stops it)."""
        if self.loss != "squared_error":
            raise ValueError(f"loss must be 'squared_error', got {self.loss!r}")
        X, y = validate_data(self, X, y, dtype=np.float64, order="C", y_numeric=True)
        self.__dict__.pop("_sgd_state", None)
        objective = LeastSquares(X, y, alpha=self.alpha, fit_intercept=bool(self.fit_intercept))
        return self._run(objective)

    def partial_fit(self, X, y):
        """One more epoch over (X, y), continuing the previous fit or partial_fit."""
        if self.loss != "squared_error":
            raise ValueError(f"loss must be 'squared_error', got {self.loss!r}")
        _, (X, y) = self._partial_data(X, y, y_numeric=True)
        objective = LeastSquares(X, y, alpha=self.alpha, fit_intercept=bool(self.fit_intercept))
        return self._run(objective, partial=True)

    def predict(self, X):
        return self._decision(X)
