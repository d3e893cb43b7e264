"""``progress=``: a tqdm bar over a run (the ``progress`` extra), fed by the loop.

The loop reports at the pacer's clock reads, at most every 0.1 s (``PROGRESS_SECONDS`` in
src/_descent.pyx), so that a bar costs nothing measurable per iteration; tqdm draws it.
"""
import math

__all__ = ["Bar", "progress_bar"]


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError("progress=True needs tqdm: pip install 'gdfast[progress]'",
                          name="tqdm") from exc
    return tqdm


class Bar:
    """A tqdm bar counting iterations (one run), starts finished (a batch) or points (a
    grid), with f and |g| shown beside it for one run."""

    def __init__(self, total, unit, desc, options):
        self.bar = _tqdm()(total=total, unit=unit, desc=desc, dynamic_ncols=True,
                           **options)

    def __call__(self, done, f=None, gnorm=None):
        """Move the bar to ``done``, showing f and the gradient's max-norm when given."""
        if f is not None:
            self.bar.set_postfix_str(f"f={f:.6g}, |g|={gnorm:.3g}", refresh=False)
        self.bar.update(done - self.bar.n)

    def close(self):
        self.bar.close()


def progress_bar(progress, total, unit, desc):
    """``progress=`` as a Bar, or None: False / None (off), True, or a dict of tqdm keyword
    arguments (``file=``, ``desc=``, ``mininterval=``, ...)."""
    if progress is None or progress is False:
        return None
    if progress is True:
        options = {}
    elif isinstance(progress, dict):
        options = dict(progress)
    else:
        raise TypeError(f"progress must be True, False or a dict of tqdm options, got "
                        f"{type(progress).__name__}")
    desc = options.pop("desc", desc)
    total = options.pop("total", total if total is not None and math.isfinite(total)
                        else None)
    return Bar(total, unit, desc, options)
