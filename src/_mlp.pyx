"""The built-in multilayer perceptron: its loss and the loss's gradient by backpropagation, in C
without the GIL (issue 17's network, for Li et al.'s landscapes).

Parameters, flat: layer by layer (inputs to outputs), unit by unit, each unit's incoming weights
then its bias.  Unit j of layer l (widths w_l -> w_{l+1}) holds x[o_l + j (w_l + 1) + k] for its
weight on input k < w_l and x[o_l + j (w_l + 1) + w_l] for its bias, o_l the layer's offset.  So
each unit is one consecutive group of w_l + 1 coordinates: Li et al.'s filter, and ``groups=``.

Loss: the mean over the N samples of softmax cross-entropy (logits z, label c:
log sum_j exp z_j - z_c, by log-sum-exp from max z) or of half the squared error
1/2 sum_j (z_j - y_j)^2, plus weight_decay / 2 |x|^2 over every parameter (torch's
weight_decay applies to the biases too).  Hidden layers apply tanh or relu; the last layer is
linear.  Samples run in blocks of MLP_BLOCK (64), feature-major, so that a block's activations
stay in cache and the kernels of gd_mlp.h vectorize across samples.
"""
cimport cython
from libc.math cimport exp, log, tanh
from libc.stdlib cimport malloc, free

cimport numpy as cnp
import numpy as np

from gdfast._objective cimport gd_objective, gd_terms
from gdfast._builtins cimport BuiltinObjective
from gdfast._validate import as_matrix, choice, nonneg_float

cnp.import_array()

__all__ = ["MLP"]

cdef extern from "gd_mlp.h" nogil:
    enum: MLP_BLOCK "GD_MLP_BLOCK"
    void gd_mlp_affine(Py_ssize_t wo, Py_ssize_t wi, Py_ssize_t nb, const double *p,
                       const double *A, double *Z) noexcept
    void gd_mlp_activate(Py_ssize_t w, Py_ssize_t nb, int relu, double *Z) noexcept
    void gd_mlp_backward(Py_ssize_t wo, Py_ssize_t wi, Py_ssize_t nb, const double *p,
                         const double *A, const double *dZ, double *gp, double *dA) noexcept
    void gd_mlp_activation_grad(Py_ssize_t w, Py_ssize_t nb, int relu, const double *A,
                                double *dA) noexcept


cdef struct mlp_data:
    const double *X               # (N, width[0]) inputs
    const double *y               # softmax: N labels (as doubles); mse: (N, width[L]) targets
    const Py_ssize_t *width       # L + 1 layer widths
    Py_ssize_t L                  # weight layers
    Py_ssize_t N
    Py_ssize_t total_width        # sum of the widths (a block's activations: B of each)
    Py_ssize_t max_width
    bint relu
    bint softmax
    double weight_decay


cdef int _mlp_eval(void *ctx, Py_ssize_t n, const double *x, double *f,
                   double *g) except -1 nogil:
    """The loss (f not NULL) and its gradient (g not NULL) at the parameters x; 1 (an error
    code) when its block buffers cannot be allocated, so that it never raises (it runs on
    worker threads)."""
    cdef const mlp_data *d = <const mlp_data *>ctx
    cdef Py_ssize_t B = MLP_BLOCK, s0, s1, nb, l, i
    cdef double total = 0.0, wd = d.weight_decay, reg = 0.0
    # a block's activations of every layer (layer 0: the inputs, copied), then two buffers
    # for the backward pass
    cdef double *act = <double *>malloc((B * d.total_width + 2 * B * d.max_width)
                                        * sizeof(double))
    if act == NULL:
        return 1                        # out of memory: an error code (status 5), no raise
    if g != NULL:
        for i in range(n):
            g[i] = 0.0
    s0 = 0
    while s0 < d.N:
        s1 = min(s0 + B, d.N)
        total += _mlp_block(d, x, s0, NULL, s1 - s0, act, g)
        s0 = s1
    free(act)
    if f != NULL:
        for i in range(n):
            reg += x[i] * x[i]
        f[0] = total / d.N + 0.5 * wd * reg
    if g != NULL:
        for i in range(n):
            g[i] = g[i] / d.N + wd * x[i]
    return 0


cdef int _mlp_terms(void *ctx, Py_ssize_t n, const double *x, Py_ssize_t m,
                    const Py_ssize_t *rows, double *loss, double *penalty,
                    double *g) except -1 nogil:
    """The samples rows[0:m] (rows NULL: 0 .. m - 1) as a sum of terms (gd_terms_fn, for
    gdfast.sgd): *loss the sum of their losses, *penalty weight_decay / 2 |x|^2, g the gradient
    of their mean loss plus the penalty's.  1 (an error code) when out of memory."""
    cdef const mlp_data *d = <const mlp_data *>ctx
    cdef Py_ssize_t b, nb, i
    cdef double total = 0.0, reg = 0.0
    cdef double *act = <double *>malloc((MLP_BLOCK * d.total_width + 2 * MLP_BLOCK
                                         * d.max_width) * sizeof(double))
    if act == NULL:
        return 1
    if g != NULL:
        for i in range(n):
            g[i] = 0.0
    b = 0
    while b < m:
        nb = min(MLP_BLOCK, m - b)
        total += _mlp_block(d, x, b, rows + b if rows != NULL else NULL, nb, act, g)
        b += nb
    free(act)
    for i in range(n):
        reg += x[i] * x[i]
    loss[0] = total
    penalty[0] = 0.5 * d.weight_decay * reg
    if g != NULL:
        for i in range(n):
            g[i] = g[i] / m + d.weight_decay * x[i]
    return 0


cdef double _mlp_block(const mlp_data *d, const double *x, Py_ssize_t s0,
                       const Py_ssize_t *rows, Py_ssize_t nb, double *act,
                       double *g) noexcept nogil:
    """Samples s0 .. s0 + nb - 1 (rows NULL), or rows[0 .. nb - 1] (nb <= MLP_BLOCK): their
    summed loss, and (g not NULL) their summed gradient added into g (unscaled: the caller
    divides).  act: a block's buffers, feature-major (gd_mlp.h)."""
    cdef Py_ssize_t L = d.L, l, j, k, s, wi, wo, off, c, row
    cdef const Py_ssize_t *w = d.width
    cdef double *A[65]                 # A[l]: layer l's activations, (w[l], MLP_BLOCK)
    cdef double *dz = act + MLP_BLOCK * d.total_width
    cdef double *da = dz + MLP_BLOCK * d.max_width
    cdef double *tmp
    cdef double z, mx, se, loss = 0.0, r
    A[0] = act
    for l in range(L):
        A[l + 1] = A[l] + MLP_BLOCK * w[l]
    for s in range(nb):
        row = rows[s] if rows != NULL else s0 + s
        for k in range(w[0]):
            A[0][k * MLP_BLOCK + s] = d.X[row * w[0] + k]
    off = 0
    for l in range(L):
        gd_mlp_affine(w[l + 1], w[l], nb, x + off, A[l], A[l + 1])
        if l < L - 1:
            gd_mlp_activate(w[l + 1], nb, d.relu, A[l + 1])
        off += w[l + 1] * (w[l] + 1)
    # the loss, and dz = dloss / dz at the (linear) output
    wo = w[L]
    for s in range(nb):
        row = rows[s] if rows != NULL else s0 + s
        if d.softmax:
            c = <Py_ssize_t>d.y[row]
            mx = A[L][s]
            for j in range(1, wo):
                z = A[L][j * MLP_BLOCK + s]
                if z > mx:
                    mx = z
            se = 0.0
            for j in range(wo):
                se = se + exp(A[L][j * MLP_BLOCK + s] - mx)
            loss += log(se) + mx - A[L][c * MLP_BLOCK + s]
            if g != NULL:
                for j in range(wo):
                    dz[j * MLP_BLOCK + s] = (exp(A[L][j * MLP_BLOCK + s] - mx) / se
                                             - (1.0 if j == c else 0.0))
        else:
            for j in range(wo):
                r = A[L][j * MLP_BLOCK + s] - d.y[row * wo + j]
                loss += 0.5 * r * r
                if g != NULL:
                    dz[j * MLP_BLOCK + s] = r
    if g == NULL:
        return loss
    # backward, layer L - 1 down to 0
    for l in range(L - 1, -1, -1):
        off -= w[l + 1] * (w[l] + 1)
        gd_mlp_backward(w[l + 1], w[l], nb, x + off, A[l], dz, g + off,
                        da if l > 0 else NULL)
        if l > 0:
            gd_mlp_activation_grad(w[l], nb, d.relu, A[l], da)
            tmp = dz
            dz = da
            da = tmp
    return loss


@cython.auto_pickle(False)         # pickled by BuiltinObjective.__reduce__ (its arguments)
cdef class MLP(BuiltinObjective):
    """A multilayer perceptron's training loss over the data (X, y), as a function of its
    parameters x (see the module's docstring for their layout and the loss):

    ``MLP(X, y, layers=(2, 32, 32, 3), activation="tanh", loss="softmax", weight_decay=0)``:
    X (N, layers[0]); y: N class labels in 0 .. layers[-1] - 1 (softmax), or targets (N,
    layers[-1]) (or (N,) with one output) for the mean squared error ("mse").  ``n`` is the
    parameter count; ``groups`` the unit sizes (Li et al.'s filters: ``landscape.plane(...,
    groups=mlp.groups)``); ``init(seed)`` a random start (Glorot-uniform weights, zero
    biases); ``predict(x)`` the network's outputs on X.

    >>> import numpy as np, gdfast
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1])
    >>> mlp = gdfast.objectives.MLP(X, y, layers=(2, 4, 2))
    >>> mlp.n, mlp.groups
    (22, (3, 3, 3, 3, 5, 5))
    """
    cdef mlp_data mlp
    cdef object _width
    cdef object _X
    cdef object _y

    def __init__(self, X, y, layers=(2, 32, 32, 3), activation="tanh", loss="softmax",
                 weight_decay=0.0):
        cdef Py_ssize_t i
        choice(activation, "activation", ("tanh", "relu"))
        choice(loss, "loss", ("softmax", "mse"))
        weight_decay = nonneg_float(weight_decay, "weight_decay")
        if isinstance(layers, (str, bytes)) or not hasattr(layers, "__len__"):
            raise TypeError(f"layers must be a sequence of widths, got "
                            f"{type(layers).__name__}")
        widths = []
        for i, v in enumerate(layers):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"layers[{i}] must be a width >= 1, got {v!r}")
            widths.append(int(v))
        if not 2 <= len(widths) <= 64:
            raise ValueError(f"layers must hold 2 to 64 widths (inputs ... outputs), got "
                             f"{len(widths)}")
        X = as_matrix(X, "X")
        if X.shape[1] != widths[0]:
            raise ValueError(f"X must have layers[0] = {widths[0]} columns, got {X.shape[1]}")
        N = X.shape[0]
        out = widths[len(widths) - 1]
        if loss == "softmax":
            if out < 2:
                raise ValueError("loss='softmax' needs layers[-1] >= 2 classes")
            labels = np.asarray(y)
            if labels.shape != (N,):
                raise ValueError(f"y must hold {N} labels (the rows of X), got shape "
                                 f"{labels.shape}")
            if labels.dtype.kind not in "iub" and not (
                    labels.dtype.kind == "f" and np.all(np.isfinite(labels))
                    and np.all(labels == np.round(labels))):
                raise ValueError("y must hold integer class labels for loss='softmax'")
            if labels.size and (labels.min() < 0 or labels.max() >= out):
                raise ValueError(f"y's labels must be in 0 .. {out - 1} (layers[-1] classes), "
                                 f"got {labels.min()} .. {labels.max()}")
            Y = np.ascontiguousarray(labels, dtype=np.float64)
        else:
            Y = as_matrix(np.asarray(y, dtype=float).reshape(N, -1) if np.ndim(y) == 1
                          else y, "y")
            if Y.shape != (N, out):
                raise ValueError(f"y must have shape ({N}, {out}) for loss='mse', got "
                                 f"{Y.shape}")
        self._X = X
        self._y = Y
        self._width = np.asarray(widths, dtype=np.intp)
        self._args = (X, Y if loss == "mse" else Y.astype(np.int64), tuple(widths),
                      activation, loss, weight_decay)
        cdef const double[:, ::1] xv = X
        cdef const double[::1] yv = Y.reshape(-1)
        cdef const Py_ssize_t[::1] wv = self._width
        self.mlp.X = &xv[0, 0]
        self.mlp.y = &yv[0]
        self.mlp.width = &wv[0]
        self.mlp.L = len(widths) - 1
        self.mlp.N = N
        self.mlp.total_width = sum(widths)
        self.mlp.max_width = max(widths)
        self.mlp.relu = activation == "relu"
        self.mlp.softmax = loss == "softmax"
        self.mlp.weight_decay = weight_decay
        self.obj.ctx = <void *>&self.mlp
        self.obj.eval = _mlp_eval
        self.terms.eval = _mlp_terms           # a sum of terms over the samples: gdfast.sgd
        self.terms.ctx = <void *>&self.mlp
        self.terms.n_terms = N
        self.obj.n = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))

    @property
    def layers(self):
        return self._args[2]

    @property
    def groups(self):
        """The size of each unit's group (its incoming weights and its bias), in the order
        of the parameters: Li et al.'s filters, for ``groups=``."""
        w = self._args[2]
        return tuple(w[l] + 1 for l in range(len(w) - 1) for _ in range(w[l + 1]))

    def init(self, seed=None):
        """A random start: each layer's weights uniform in +-sqrt(6 / (fan_in + fan_out))
        (Glorot), biases 0, from ``numpy.random.default_rng(seed)``."""
        rng = np.random.default_rng(seed)
        w = self._args[2]
        parts = []
        for l in range(len(w) - 1):
            a = np.sqrt(6.0 / (w[l] + w[l + 1]))
            W = rng.uniform(-a, a, (w[l + 1], w[l]))
            parts.append(np.hstack([W, np.zeros((w[l + 1], 1))]).reshape(-1))
        return np.concatenate(parts)

    def predict(self, x, X=None):
        """The outputs (logits, or predictions for "mse") of the network with parameters x on
        X (default: the training inputs), (rows, layers[-1]); NumPy, for plots and scores."""
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n,):
            raise ValueError(f"x must have length {self.n} for this MLP, got shape {x.shape}")
        A = self._X if X is None else as_matrix(X, "X")
        w = self._args[2]
        relu = self._args[3] == "relu"
        off = 0
        for l in range(len(w) - 1):
            P = x[off:off + w[l + 1] * (w[l] + 1)].reshape(w[l + 1], w[l] + 1)
            off += P.size
            A = A @ P[:, :-1].T + P[:, -1]
            if l < len(w) - 2:
                A = np.maximum(A, 0.0) if relu else np.tanh(A)
        return A

    def __repr__(self):
        X, y, layers, activation, loss, wd = self._args
        return (f"MLP(X ({X.shape[0]}, {X.shape[1]}), layers={layers!r}, "
                f"activation={activation!r}, loss={loss!r}, weight_decay={wd!r})")
