"""Batches and landscapes on Dask: one task per chunk of starts (or of grid rows).

A batch of starts is a map over row chunks: each chunk of ``X0``, with its rows of the
per-start data, runs the compiled :func:`gdfast.minimize_batch` on a worker, and chunks never
talk to each other.  Every row equals the in-process batch bit for bit, whatever the chunking
and the number of workers.

>>> import numpy as np, dask.array as da, gdfast.dask
>>> from gdfast.objectives import Himmelblau
>>> X0 = da.from_array(np.array([[0.0, 0.0], [-3.0, 3.0], [-3.0, -3.0], [4.0, -2.0]]),
...                    chunks=(2, 2))
>>> res = gdfast.dask.minimize_batch(Himmelblau(), X0, lr=0.01, max_iter=2000)
>>> out = res.compute()                   # every field, in one pass over the chunks
>>> np.round(out.x, 3)
array([[ 3.   ,  2.   ],
       [-2.805,  3.131],
       [-3.779, -3.283],
       [ 3.584, -1.848]])

With ``dask.distributed`` the tasks run on the cluster of the current ``Client``
(``distributed.LocalCluster`` or any running cluster); without one, on Dask's local
scheduler.  Objectives travel as pickles: built-ins, Python callables (cloudpickle), and
low-level functions as :class:`SharedLibrary` or a Numba ``@cfunc`` (compiled again on each
worker).  A raw function pointer cannot travel and is refused.

Each task runs its chunk on ``threads`` OpenMP threads, by default the worker's own thread
count, and a process runs one such team at a time, so a worker never oversubscribes its
cores.
"""
import inspect
import threading
from typing import Any

import numpy as np

from gdfast._portable import NumbaCFunc, SharedLibrary, portable
from gdfast._result import OptimizeResult

__all__ = ["minimize_batch", "plane", "random_starts", "BatchResult", "BestStart",
           "SharedLibrary", "NumbaCFunc"]

# the per-start fields of minimize_batch's result, with their dtypes and trailing shapes
_FIELDS: tuple[tuple[str, Any, bool], ...] = (
    ("x", np.float64, True), ("fun", np.float64, False), ("jac", np.float64, True),
    ("nit", np.int64, False), ("nfev", np.int64, False), ("njev", np.int64, False),
    ("status", np.int64, False), ("success", np.bool_, False),
    ("stop_reason", np.dtype("U15"), False), ("error_code", np.int64, False))
_NOT_ON_DASK = {"callback": "a callback runs in the caller's process",
                "history": "histories are lists of per-start objects",
                "progress": "a bar in the caller's process; distributed.progress() shows "
                            "the tasks of the result's arrays",
                "keep_best": "its per-start best iterates are not among the result's dask "
                             "arrays yet"}
_TILE = 4096          # random_starts: rows drawn together from one seed
_RUN_LOCK = threading.Lock()    # a process runs one OpenMP team at a time


def _dask():
    try:
        import dask
        import dask.array as da
    except ImportError as exc:
        raise ImportError("gdfast.dask needs Dask: pip install 'gdfast[dask]'") from exc
    return dask, da


# ---- minimize_batch -------------------------------------------------------------------------

class BatchResult(OptimizeResult):
    """:func:`minimize_batch`'s result: the fields of :func:`gdfast.minimize_batch` as dask
    arrays with X0's row chunks (``x``, ``fun``, ``jac``, ``nit``, ``nfev``, ``njev``,
    ``status``, ``success``, ``error_code``, and ``state`` as a dict of them), and ``best``, a
    :class:`BestStart`: the reduction over the chunks that computes to an OptimizeResult with
    ``best``, ``x_best`` and ``fun_best``.

    ``compute()`` computes every field in one pass over the chunks and returns what
    ``gdfast.minimize_batch`` returns in one process; computing fields one by one instead runs
    the chunks once for each, unless the result is ``persist()``-ed first.
    """

    def _collections(self):
        keys = [k for k, _, _ in _FIELDS]
        values = [self[k] for k in keys]
        if self.get("state") is not None:
            for k, v in self["state"].items():
                keys.append(("state", k))
                values.append(v)
        return keys, values

    def compute(self, **kwargs):
        """Every field as NumPy arrays (``kwargs`` go to ``dask.compute``): an OptimizeResult
        like ``gdfast.minimize_batch``'s."""
        dask, _ = _dask()
        keys, values = self._collections()
        *arrays, best = dask.compute(*values, self["best"], **kwargs)
        out = OptimizeResult()
        state = {}
        for k, v in zip(keys, arrays):
            if isinstance(k, tuple):
                state[k[1]] = v
            else:
                out[k] = v
        out.update(best)
        if state:
            out["state"] = state
        return out

    def persist(self, **kwargs):
        """The same result with its chunks computed and kept in (cluster) memory."""
        dask, _ = _dask()
        keys, values = self._collections()
        *values, best = dask.persist(*values, self["best"], **kwargs)
        out = BatchResult(best=best)
        for k, v in zip(keys, values):
            if isinstance(k, tuple):
                out.setdefault("state", {})[k[1]] = v
            else:
                out[k] = v
        return out


class BestStart:
    """The best start of a :func:`minimize_batch`, a reduction over its chunks' best starts:
    a Dask collection (``compute()``, ``persist()``, ``dask.compute``) that computes to an
    OptimizeResult with ``best`` (its row, -1 when no f is finite), ``x_best`` and
    ``fun_best``.  It shares the batch's tasks: computed together with the batch's arrays,
    no chunk runs twice."""

    def __init__(self, bests, sign):
        self._bests = bests          # a dask array: one record per chunk
        self._sign = sign

    def __dask_graph__(self):
        return self._bests.__dask_graph__()

    def __dask_keys__(self):
        return self._bests.__dask_keys__()

    def __dask_layers__(self):
        return self._bests.__dask_layers__()

    def __dask_tokenize__(self):
        return "gdfast-best-start", self._bests.name, self._sign

    @property
    def __dask_optimize__(self):           # the arrays' own: optimized together with them
        return self._bests.__dask_optimize__

    @property
    def __dask_scheduler__(self):
        return self._bests.__dask_scheduler__

    def __dask_postcompute__(self):
        finalize, args = self._bests.__dask_postcompute__()
        return _finish_best, (self._sign, finalize, args)

    def __dask_postpersist__(self):
        rebuild, args = self._bests.__dask_postpersist__()
        return _rebuild_best, (self._sign, rebuild, args)

    def compute(self, **kwargs):
        dask, _ = _dask()
        return dask.compute(self, **kwargs)[0]

    def persist(self, **kwargs):
        dask, _ = _dask()
        return dask.persist(self, **kwargs)[0]

    def __repr__(self):
        return f"BestStart(of {self._bests.shape[0]} chunks)"


def _finish_best(results, sign, finalize, args):
    return _best_of(sign, finalize(results, *args))


def _rebuild_best(dsk, sign, rebuild, args, rename=None):
    return BestStart(rebuild(dsk, *args, rename=rename), sign)


def minimize_batch(fun, X0, args=(), *, chunks=None, threads=None, **options):
    """:func:`gdfast.minimize_batch` over the row chunks of ``X0``, one Dask task per chunk.

    Parameters
    ----------
    fun :
        As for :func:`gdfast.minimize_batch`: a built-in objective (its per-start data is
        sliced with the chunks), a Python callable (sent with cloudpickle), a
        :class:`SharedLibrary`, a :class:`NumbaCFunc` or a Numba ``@cfunc``.  A raw function
        pointer (ctypes, cffi, ``scipy.LowLevelCallable``) is refused: it is an address in
        this process only.
    X0 : dask.array or array_like, shape (m, n)
        The starts.  Chunked along rows only; a NumPy array is split into ``chunks`` rows.
    args : tuple
        As for :func:`gdfast.minimize_batch`: an array whose first dimension is m (a dask
        array chunked along its first dimension as X0's rows, or a NumPy array, which is
        split likewise) holds a row per start; anything else is shared by every start.
    chunks : int, optional
        Rows per chunk when X0 is not a dask array (default: about 4 chunks per thread of
        the current ``distributed`` client's workers, or of this machine's cores).
    threads : int, optional
        OpenMP threads per task; default the worker's thread count (``nthreads`` of a
        ``distributed`` worker; all cores under Dask's local schedulers).
    **options :
        Every other keyword of :func:`gdfast.minimize_batch` (``jac``, ``method``, ``lr``,
        ``max_iter``, ``gtol``, ``step_rule``, ``bounds``, ``state``, ...), except
        ``callback`` and ``history``.  A ``state`` holding arrays with a row per start (a
        batch's ``result.state``, NumPy or dask arrays) is split with the chunks.

    Returns
    -------
    BatchResult
        Dask arrays, a ``best`` reduction, and ``compute()``.

    Everything is checked before any task is submitted: X0 chunked along its columns, per-start
    data chunked differently from X0's rows, a raw pointer as ``fun`` and invalid options
    raise here, naming the argument.
    """
    dask, da = _dask()
    from gdfast._batch import minimize_batch as batch
    _check_options(options, batch)
    fun, jac = portable(fun, options.get("jac"))
    if jac is not None or "jac" in options:
        options["jac"] = jac
    X = _starts(X0, chunks, da)
    m, n = X.shape
    row_chunks = X.chunks[0]
    if not isinstance(args, tuple):
        args = (args,)
    args = tuple(_per_start(a, m, row_chunks, f"args[{k}]", da) for k, a in enumerate(args))
    state = options.pop("state", None)
    if isinstance(state, dict) and np.ndim(state.get("t")) == 1:     # a batch's: per start
        state = {k: _per_start(v, m, row_chunks, f"state[{k!r}]", da)
                 for k, v in state.items()}
    _check_first_chunk(batch, fun, n, row_chunks[0], args, state, options)
    layout = _state_layout(batch, n, options)
    sign = -1.0 if _maximizing(options) else 1.0

    # one task per chunk runs it: its inputs are the chunk of X0 and of each per-start array
    # (flattened to 2-D); everything else travels once, as one delayed constant
    per_start = []
    slots = []
    for a in args:
        if isinstance(a, da.Array):
            slots.append(("rows", len(per_start), a.shape[1:]))
            per_start.append(a)
        else:
            slots.append(("shared", a, None))
    state_slots = None
    if isinstance(state, dict):
        state_slots = {}
        for k, v in state.items():
            if isinstance(v, da.Array):
                state_slots[k] = ("rows", len(per_start), v.shape[1:])
                per_start.append(v)
            else:
                state_slots[k] = ("shared", v, None)
    else:
        state_slots = state          # None, or checked in _check_first_chunk
    dtype = _record_dtype(n, layout)
    const = dask.delayed((fun, tuple(slots), state_slots, options, threads), pure=True,
                         traverse=False)
    flats = [a.reshape(m, -1) if a.ndim != 2 else a for a in per_start]
    rec = _run_layer(X, flats, const)
    res = BatchResult({k: _field(rec, k, dtype, row_chunks) for k, _, _ in _FIELDS})
    res["state"] = (None if layout is None else
                    {k: _field(rec, "state_" + k, dtype, row_chunks) for k in layout})
    best_dtype = np.dtype([("row", np.int64), ("fun", np.float64), ("x", np.float64, (n,))])
    bests = _layer(_block_best, "gdfast-best-start-", [rec], best_dtype,
                   lambda i, lo, hi: ((rec.name, i), lo, sign), row_chunks, ones=True)
    res["best"] = BestStart(bests, sign)
    return res


def _run_layer(X, flats, const):
    """The chunks' runs, one task per chunk, as a dask array whose chunks are dicts of the
    chunk's fields (internal: read only by _get_field and _block_best): a layer of its own,
    so that the fields and the best start, which all read it, never run a chunk twice."""
    return _layer(_run_block, "gdfast-minimize-batch-", [X, *flats, const], np.dtype(object),
                  lambda i, lo, hi: (lo, hi, (X.name, i, 0), *[(a.name, i, 0) for a in flats],
                                     const.key), X.chunks[0])


def _layer(func, prefix, dependencies, dtype, task_args, row_chunks, ones=False):
    """A 1-D dask array of records, chunk i computed as func(*task_args(i, lo, hi)) over the
    row chunks (one record per chunk with ``ones``)."""
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph
    name = prefix + tokenize(func.__name__, [getattr(d, "name", getattr(d, "key", None))
                                             for d in dependencies], row_chunks)
    dsk = {}
    lo = 0
    for i, rows in enumerate(row_chunks):
        dsk[(name, i)] = (func, *task_args(i, lo, lo + rows))
        lo += rows
    graph = HighLevelGraph.from_collections(name, dsk, dependencies=dependencies)
    chunks = ((1,) * len(row_chunks),) if ones else (tuple(row_chunks),)
    return da.Array(graph, name, chunks=chunks, dtype=dtype, meta=np.empty((0,), dtype))


def _record_dtype(n, layout):
    """The fields of a chunk's result, and the state's as state_<key>, with their dtypes and
    trailing shapes (a record of one start)."""
    fields = [(k, dtype, (n,)) if wide else (k, dtype) for k, dtype, wide in _FIELDS]
    for k, (dtype, tail) in (layout or {}).items():
        fields.append(("state_" + k, dtype, tail) if tail else ("state_" + k, dtype))
    return np.dtype(fields)


def _field(rec, name, dtype, row_chunks):
    """A field of the chunks' results as a dask array (its trailing dimensions whole)."""
    tail = dtype[name].shape
    base = dtype[name].base
    if not tail:
        return rec.map_blocks(_get_field, name, dtype=base, meta=np.empty((0,), base))
    return rec.map_blocks(_get_field, name, dtype=base, new_axis=list(range(1, 1 + len(tail))),
                          chunks=(row_chunks,) + tuple((d,) for d in tail),
                          meta=np.empty((0,) * (1 + len(tail)), base))


def _get_field(block, name):
    return block[name]


def _run_block(lo, hi, X0, *per_start_and_const):
    """One task: the batch of starts lo .. hi - 1 (X0 their rows): a dict of its fields."""
    from gdfast._batch import minimize_batch as batch
    *per_start, const = per_start_and_const
    fun, slots, state_slots, options, threads = const

    def take(slot):
        kind, value, tail = slot
        return per_start[value].reshape((-1,) + tail) if kind == "rows" else value

    if hasattr(fun, "_take_starts"):
        fun = fun._take_starts(lo, hi)
    args = tuple(take(slot) for slot in slots)
    state = state_slots
    if isinstance(state_slots, dict):
        state = {k: take(slot) for k, slot in state_slots.items()}
    with _RUN_LOCK:
        res = batch(fun, X0, args, threads=_task_threads(threads), state=state, **options)
    out = {k: res[k] for k, _, _ in _FIELDS}
    for k, v in (res.get("state") or {}).items():
        out["state_" + k] = v
    return out


def _block_best(rec, lo, sign):
    """A chunk's best start (its row in X0, f, x) as one record (row -1: none), picked as
    minimize_batch picks it."""
    out = np.zeros(1, np.dtype([("row", np.int64), ("fun", np.float64),
                                ("x", np.float64, rec["x"].shape[1:])]))
    f = rec["fun"]
    finite = np.flatnonzero(np.isfinite(f))
    if finite.size == 0:
        out["row"] = -1
        return out
    i = finite[np.argmin(sign * f[finite])]          # the first of the least
    out["row"], out["fun"], out["x"] = lo + i, f[i], rec["x"][i]
    return out


def _best_of(sign, bests):
    """The batch's best start from each chunk's: the least finite f (the greatest when
    maximizing), the first such row on a tie, as minimize_batch picks it."""
    best, x, f = -1, None, None
    for rec in bests:                   # one record per chunk, in row order
        if rec["row"] >= 0 and (best < 0 or sign * rec["fun"] < sign * f):
            best, x, f = int(rec["row"]), rec["x"].copy(), float(rec["fun"])
    return OptimizeResult(best=best, x_best=x, fun_best=f)


def _task_threads(threads):
    if threads is not None:
        return threads
    try:
        from distributed import get_worker
        worker = get_worker()
    except (ImportError, ValueError):     # not in a distributed worker: all cores
        return None
    return worker.state.nthreads


def _check_options(options, batch):
    """minimize_batch's keywords only, callback and history refused."""
    names = set(inspect.signature(batch).parameters) - {"fun", "X0", "args", "threads"}
    for name in options:
        if name in _NOT_ON_DASK:
            raise ValueError(f"{name} is not supported by gdfast.dask.minimize_batch "
                             f"({_NOT_ON_DASK[name]}); run gdfast.minimize_batch on the "
                             "chunks that need it")
        if name not in names:
            raise TypeError(f"minimize_batch() got an unexpected keyword argument {name!r}")


def _starts(X0, chunks, da):
    """X0 as a dask array (m, n) chunked along rows only."""
    if isinstance(X0, da.Array):
        if X0.ndim != 2:
            raise ValueError(f"X0 must be 2-D (m starts, n coordinates), got shape {X0.shape}")
        if any(np.isnan(c) for c in X0.shape):
            raise ValueError("X0 has unknown chunk sizes: call X0.compute_chunk_sizes() first")
        if len(X0.chunks[1]) != 1:
            raise ValueError(f"X0 is chunked along its columns (chunks {X0.chunks[1]}): each "
                             "task needs whole rows (starts); rechunk with X0.rechunk({1: -1})")
        if X0.shape[0] == 0 or X0.shape[1] == 0:
            raise ValueError(f"X0 must be non-empty, got shape {X0.shape}")
        return X0
    from gdfast._validate import as_matrix
    X = as_matrix(X0, "X0")
    if X.shape[0] == 0:
        raise ValueError("X0 must have at least one row (start)")
    if chunks is None:          # about 4 tasks per thread of the cluster
        chunks = max(1, -(-X.shape[0] // (4 * _cluster_threads())))
    else:
        from gdfast.optimizers import positive_int
        chunks = positive_int(chunks, "chunks")
    return da.from_array(X, chunks=(chunks, -1))


def _cluster_threads():
    """The threads of the current distributed client's workers, else this machine's cores."""
    try:
        from distributed import get_client
        return max(1, sum(get_client().nthreads().values()))
    except (ImportError, ValueError):
        import os
        return os.cpu_count() or 1


def _per_start(a, m, row_chunks, name, da):
    """An argument with a row per start as a dask array chunked as X0's rows; others as
    they are (shared)."""
    if isinstance(a, da.Array):
        if a.ndim == 0 or a.shape[0] != m:
            raise ValueError(f"{name} has shape {a.shape}: a dask array argument must have "
                             f"a row per start of X0 (a first dimension of {m}); pass data "
                             "shared by every start as a NumPy array")
        if a.chunks[0] != row_chunks:
            raise ValueError(f"{name} is chunked along its first dimension as "
                             f"{a.chunks[0]}, X0's rows as {row_chunks}: chunk it the "
                             f"same way ({name}.rechunk({{0: X0.chunks[0]}}))")
        return a.rechunk({i: -1 for i in range(1, a.ndim)}) if a.ndim > 1 else a
    if isinstance(a, np.ndarray) and a.ndim >= 1 and a.shape[0] == m and m > 1:
        return da.from_array(a, chunks=(row_chunks,) + a.shape[1:])
    return a


def _check_first_chunk(batch, fun, n, rows, args, state, options):
    """Everything minimize_batch checks before it runs, on a stand-in for the first chunk:
    its rows of per-start data as zeros (or the built-in's own rows)."""
    from gdfast._config import CONTROLS, prepare_batch
    import dask.array as da

    def stand_in(a):
        return np.zeros((rows,) + a.shape[1:], a.dtype) if isinstance(a, da.Array) else a

    chunk_fun = fun._take_starts(0, rows) if hasattr(fun, "_take_starts") else fun
    names = ("jac", "vectorized", "fd_step", "method", "lr", "max_iter", "gtol", "ftol",
             "xtol", "max_fev", "callback_every", "history", "step_rule", "options", "bounds",
             "clip_norm", "clip_value", "maximize")
    defaults = inspect.signature(batch).parameters
    values = {k: options.get(k, defaults[k].default) for k in names}
    controls = {k: options[k] for k in CONTROLS if options.get(k) is not None}
    # (a SharedLibrary is loaded here too, so that a wrong path or symbol fails now; each
    # task checks the gradient at its own first row, check_gradient, on its real data)
    prepare_batch(chunk_fun, np.zeros((rows, n)), tuple(stand_in(a) for a in args),
                  *values.values(), controls, options.get("noise_stop", False))
    if state is not None and not isinstance(state, dict):
        raise TypeError("state must be a dict (a result.state) for gdfast.dask.minimize_batch")


def _state_layout(batch, n, options):
    """{key: (dtype, trailing shape)} of result.state for these options (None: no state):
    from a run of no iterations on a stand-in objective."""
    from gdfast.objectives import Quadratic
    keep = {k: v for k, v in options.items()
            if k not in ("jac", "vectorized", "fd_step", "state")}
    keep["max_iter"] = 0
    res = batch(Quadratic(np.ones(n)), np.zeros((1, n)), threads=1, **keep)
    state = res.get("state")
    if state is None:
        return None
    return {k: (v.dtype, v.shape[1:]) for k, v in state.items()}


def _maximizing(options):
    if options.get("maximize"):
        return True
    rule = options.get("method")
    return bool(getattr(rule, "maximize", False))


# ---- random starts --------------------------------------------------------------------------

def random_starts(m, low, high, *, seed=None, chunks="auto"):
    """m starts drawn uniformly from the box [low, high) (vectors of length n, or scalars
    with ``low`` of length n), as a dask array generated chunk by chunk on the workers.

    Row i depends only on ``seed`` and i: rows are drawn in tiles of 4,096 from
    ``numpy.random.default_rng([seed, tile])``, so any chunking gives the same starts.
    ``seed=None`` draws one seed here, for every chunk.
    """
    _, da = _dask()
    from gdfast.optimizers import positive_int
    m = positive_int(m, "m")
    lo = np.atleast_1d(np.asarray(low, dtype=np.float64))
    hi = np.atleast_1d(np.asarray(high, dtype=np.float64))
    if lo.ndim != 1 or hi.ndim != 1:
        raise ValueError("low and high must be scalars or vectors")
    lo, hi = np.broadcast_arrays(lo, hi)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(lo <= hi)):
        raise ValueError("low and high must be finite with low <= high")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be None or an integer >= 0, got {seed!r}")
    n = lo.shape[0]
    template = da.empty((m, n), chunks=(chunks, -1))
    return template.map_blocks(_starts_block, lo=lo.copy(), hi=hi.copy(), seed=int(seed),
                               dtype=np.float64)


def _starts_block(block, lo, hi, seed, block_info=None):
    first, last = block_info[None]["array-location"][0]
    return _tiles(first, last, lo, hi, seed)


def _tiles(first, last, lo, hi, seed):
    """Rows first .. last - 1 of random_starts."""
    out = np.empty((last - first, lo.shape[0]))
    t = first // _TILE
    while t * _TILE < last:
        tile = np.random.default_rng([seed, t]).uniform(lo, hi, (_TILE, lo.shape[0]))
        a, b = max(first, t * _TILE), min(last, (t + 1) * _TILE)
        out[a - first:b - first] = tile[a - t * _TILE:b - t * _TILE]
        t += 1
    return out


# ---- landscape ------------------------------------------------------------------------------

def plane(fun, center=None, d1=None, d2=None, *, chunks=None, args=(), vectorized=False,
          threads=None, **options):
    """:func:`gdfast.landscape.plane` with the grid's rows (betas) as chunks, one task each.

    ``options`` are plane's (``directions``, ``groups``, ``path``, ``span``, ``resolution``,
    ``seed``); the directions are made here, once.  ``chunks``: grid rows per task (default:
    the rows split into 8 tasks).  Returns a ``Plane``
    whose ``values`` is a dask array (len(betas), len(alphas)) chunked by rows; its values
    equal the in-process plane's bit for bit.
    """
    dask, da = _dask()
    from gdfast import landscape
    from gdfast.optimizers import positive_int
    fun, _ = portable(fun)
    frame = landscape._plane_frame(center, d1, d2, options.pop("directions", None),
                                   options.pop("groups", None), options.pop("path", None),
                                   options.pop("span", None), options.pop("resolution", 101),
                                   options.pop("seed", None))
    if options:
        raise TypeError(f"plane() got an unexpected keyword argument {next(iter(options))!r}")
    landscape._objective(fun, frame.center.shape[0], "center", args, vectorized, threads)
    rb, ra = len(frame.betas), len(frame.alphas)
    step = positive_int(chunks, "chunks") if chunks is not None else max(1, -(-rb // 8))
    const = dask.delayed((fun, frame, args, vectorized, threads), pure=True, traverse=False)
    rows = da.arange(rb, chunks=step)
    frame.values = rows.map_blocks(_plane_block, const=const, new_axis=[1],
                                   chunks=(rows.chunks[0], (ra,)), dtype=np.float64,
                                   meta=np.empty((0, 0)))
    return frame


def _plane_block(index, const):
    """One task: the rows index[0] .. index[-1] of the plane's values."""
    from gdfast import landscape
    fun, frame, args, vectorized, threads = const
    objective, nthreads = landscape._objective(fun, frame.center.shape[0], "center", args,
                                               vectorized, _task_threads(threads))
    with _RUN_LOCK:
        return landscape._plane_rows(objective, frame, int(index[0]), int(index[-1]) + 1,
                                     nthreads)
