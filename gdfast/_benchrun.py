"""``python -m gdfast bench``: run the workloads of :mod:`gdfast.benchmarks` without pytest.

Each row (workload, implementation) is set up, called once and checked against the workload's
reference (a wrong answer is reported as FAILED and not timed), then timed with
``time.perf_counter`` over repeated rounds (garbage collector off; a round repeats very fast
calls so that it lasts about a millisecond).  The table shows the median time per call, the
interquartile range, and the ratio gdfast / baseline of medians from the same run.
"""
import datetime
import gc
import json
import math
import os
import platform
import sys
import time

import numpy as np

from gdfast import benchmarks as B

QUICK = dict(budget=0.4, min_rounds=5, max_rounds=500)      # seconds of timing per row
FULL = dict(budget=1.0, min_rounds=5, max_rounds=1000)
ROUND_TARGET = 1e-3          # a round lasts at least this long (repeating fast calls)


def measure(fn, budget, min_rounds, max_rounds):
    """Time ``fn()`` (already called once) for about ``budget`` seconds: at least
    ``min_rounds`` and at most ``max_rounds`` rounds.  Returns the seconds per call of each round
    and the number of calls per round."""
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    inner = max(1, min(10_000, int(ROUND_TARGET / once))) if once > 0 else 10_000
    times = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        deadline = time.perf_counter() + budget
        while len(times) < min_rounds or (len(times) < max_rounds
                                          and time.perf_counter() < deadline):
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            times.append((time.perf_counter() - t0) / inner)
    finally:
        if was_enabled:
            gc.enable()
    return times, inner


def run_row(workload, impl, problem, timing):
    """Set up, check and (if the check passed or does not apply) time one row; returns the
    row's record (a dict, as saved in the JSON file)."""
    row = dict(group=workload.group, impl=impl.name, kind=impl.kind,
               size=workload.size(problem.quick), check="FAILED", max_err=None, message="",
               median=None, q1=None, q3=None, min=None, max=None, rounds=0, calls_per_round=0)
    try:
        fn = B.prepare(workload, impl, problem)
        out = fn()
        chk = B.check(workload, impl, problem, out)
    except Exception as exc:                       # a crashing row is a failure, not a number
        row["message"] = f"{type(exc).__name__}: {exc}"
        return row
    row.update(check=chk.label, message=chk.message,
               max_err=None if math.isnan(chk.max_err) else chk.max_err)
    if chk.ok is False:
        return row
    times, inner = measure(fn, **timing)
    q1, med, q3 = np.percentile(times, [25, 50, 75])
    row.update(median=float(med), q1=float(q1), q3=float(q3), min=float(min(times)),
               max=float(max(times)), rounds=len(times), calls_per_round=inner)
    return row


def add_ratios(selection, rows):
    """Set ``ratio`` (gdfast median / this row's median) on every baseline row whose gdfast
    row was timed."""
    by_key = {(r["group"], r["impl"]): r for r in rows}
    for workload, impls in selection:
        for impl in impls:
            row = by_key[(workload.group, impl.name)]
            ref = workload.gdfast_impl(impl)
            row["vs"] = None if ref is None else ref.name
            row["ratio"] = None
            if ref is None:
                continue
            g = by_key.get((workload.group, ref.name))
            if g and g["median"] and row["median"]:
                row["ratio"] = g["median"] / row["median"]


def _bar(total, err):
    """The rows' progress bar (tqdm, the ``progress`` extra), or None without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        print("(pip install 'gdfast[progress]' for a progress bar)", file=err)
        return None
    return tqdm(total=total, unit="row", file=err, dynamic_ncols=True)


def fmt_time(t):
    """Seconds in a readable unit (``1.23 ms``)."""
    if t is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def fmt_row(r, old=None):
    """The table cells of one row (and its new/old ratio when ``old`` is given)."""
    spread = "-" if r["median"] is None else f"{100 * (r['q3'] - r['q1']) / r['median']:.1f}%"
    ratio = "" if r.get("ratio") is None else f"{r['ratio']:.3g}x"
    check = r["check"]
    if r["max_err"] is not None and check != "n/a":
        check += f" ({r['max_err']:.1e})"
    cells = [r["impl"], r["kind"], fmt_time(r["median"]), spread, ratio, check]
    if old is not None:
        o = old.get((r["group"], r["impl"]))
        cells.append(f"{r['median'] / o['median']:.3g}x"
                     if o and o.get("median") and r["median"] else "-")
    return cells


def table(selection, rows, old=None, out=None):
    """Print the results: one block per workload, one line per implementation."""
    out = sys.stdout if out is None else out      # looked up per call: redirections apply
    header = ["implementation", "kind", "median", "IQR", "gdfast/this", "check (max |err|)"]
    if old is not None:
        header.append("new/old")
    by_key = {(r["group"], r["impl"]): r for r in rows}
    body = {w.group: [fmt_row(by_key[(w.group, i.name)], old) for i in impls]
            for w, impls in selection}
    widths = [max([len(header[k])] + [len(c[k]) for cells in body.values() for c in cells])
              for k in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line, file=out)
    print("-" * len(line), file=out)
    for workload, _ in selection:
        first = next(r for r in rows if r["group"] == workload.group)
        print(f"{workload.group} ({first['size']}): {workload.title}", file=out)
        for cells in body[workload.group]:
            print("  ".join(c.ljust(w) if k < 2 or k == 5 else c.rjust(w)
                            for k, (c, w) in enumerate(zip(cells, widths))).rstrip(), file=out)
        for impl in (i for i in _impls(selection, workload) if i.note):
            print(f"    note ({impl.name}): {impl.note}", file=out)
    print("-" * len(line), file=out)
    print("median: time per call; IQR: interquartile range of the rounds, % of the median; "
          "gdfast/this: ratio of medians in this run\n(below 1: gdfast is faster); check: the "
          "answer against the workload's reference, before timing.", file=out)
    for r in rows:
        if r["check"] == "FAILED":
            print(f"FAILED {r['group']} / {r['impl']}: {r['message']}", file=out)


def _impls(selection, workload):
    """The implementations selected for ``workload``."""
    return next(impls for w, impls in selection if w is workload)


def machine_info(quick):
    """What the JSON file records about the run."""
    import gdfast
    info = dict(gdfast=gdfast.__version__, python=platform.python_version(),
                numpy=np.__version__, platform=platform.platform(),
                machine=platform.machine(), cpu_count=os.cpu_count(),
                date=datetime.datetime.now().isoformat(timespec="seconds"), quick=quick)
    for mod in ("scipy", "numba"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = None
    try:
        info["loadavg"] = list(os.getloadavg())
    except OSError:
        info["loadavg"] = None
    return info


def plot(rows, path):
    """Draw the ratios gdfast / baseline as a horizontal bar chart (log scale) into ``path``.
    Returns False (with a message) when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        print("--plot needs matplotlib: pip install 'gdfast[plot]'", file=sys.stderr)
        return False
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    bars = [r for r in rows if r.get("ratio")]
    colors = {"C": "tab:blue", "NumPy": "tab:orange", "SciPy": "tab:green",
              "Numba": "tab:purple"}
    fig = Figure(figsize=(10, 0.32 * len(bars) + 1.5))
    ax = fig.add_subplot()
    ypos = np.arange(len(bars))[::-1]
    ax.barh(ypos, [r["ratio"] for r in bars], color=[colors.get(r["kind"], "gray")
                                                     for r in bars])
    ax.set_yticks(ypos, [f"{r['group']}: {r['impl']}"[:70] for r in bars], fontsize=7)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_xlabel("time of gdfast / time of the baseline (below 1: gdfast is faster)")
    ax.set_title("gdfast against its baselines (medians of one run)")
    handles = [matplotlib.patches.Patch(color=c, label=k) for k, c in colors.items()]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True


def run(quick=False, filter="", json_path=None, compare=None, plot_path=None,
        out=None, err=None):
    """Run the selected workloads, print the table, save/compare/plot as asked.  Returns the
    exit status: 0, or 1 when a check failed, 2 when nothing matched ``filter``."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    selection = B.select(filter)
    if not selection:
        print(f"no workload matches {filter!r}; groups: "
              + ", ".join(w.group for w in B.WORKLOADS), file=err)
        return 2
    old = None
    if compare:
        with open(compare) as fh:
            saved = json.load(fh)
        old = {(r["group"], r["impl"]): r for r in saved["rows"]}
        if saved.get("machine", {}).get("quick") != quick:
            print(f"note: {compare} was a {'quick' if saved['machine'].get('quick') else 'full'}"
                  f" run; the sizes differ, so new/old compares different work", file=out)
    info = machine_info(quick)
    timing = QUICK if quick else FULL
    total = sum(len(impls) for _, impls in selection)
    print(f"gdfast {info['gdfast']} bench{' --quick' if quick else ''}: {total} rows, "
          f"{info['cpu_count']} cores, load average {_load(info)}, Python {info['python']}, "
          f"NumPy {info['numpy']}, SciPy {info['scipy'] or '-'}, Numba {info['numba'] or '-'}",
          file=out)
    skipped = [f"{w.group}/{i.name} ({i.kind} not installed)" for w in B.WORKLOADS
               if w in [s[0] for s in selection] for i in w.impls if not i.available()]
    rows = []
    start = time.perf_counter()
    bar = _bar(total, err)
    for workload, impls in selection:
        problem = workload.setup(quick)
        problem.quick = quick
        for impl in impls:
            if bar is not None:
                bar.set_description_str(f"{workload.group}: {impl.name}")
            rows.append(run_row(workload, impl, problem, timing))
            if bar is not None:
                bar.update(1)
        del problem
    if bar is not None:
        bar.set_description_str("done")
        bar.close()
    print(f"{total} rows done in {time.perf_counter() - start:.1f} s", file=err)
    add_ratios(selection, rows)
    info["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    info["seconds"] = time.perf_counter() - start
    table(selection, rows, old, out)
    if skipped:
        print("skipped: " + "; ".join(skipped), file=out)
    print(f"{info['seconds']:.1f} s; load average at the end {_load(info, 'loadavg_end')}",
          file=out)
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(dict(machine=info, rows=rows), fh, indent=1)
        print(f"saved {json_path}", file=out)
    if plot_path and plot(rows, plot_path):
        print(f"plotted {plot_path}", file=out)
    return 1 if any(r["check"] == "FAILED" for r in rows) else 0


def _load(info, key="loadavg"):
    """The 1-minute load average recorded in ``info`` as text."""
    return "-" if not info.get(key) else f"{info[key][0]:.2f}"
