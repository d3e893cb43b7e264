"""Sphinx directive ``.. bench-table:: FILE.json``: the performance table of a
``gdfast bench --json FILE.json`` run (one row per implementation: gdfast, then its baselines
with the ratio gdfast / baseline of the same run), and a line saying where and when it ran."""
import json
import os

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList


def _time(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def table_lines(data):
    """The reStructuredText of the table (a list-table) for the loaded JSON ``data``."""
    m = data["machine"]
    run = "gdfast bench" + (" --quick" if m.get("quick") else "")
    lines = [f"``{run}`` on {m['cpu_count']} cores, {m['date'][:10]}, load average "
             f"{m['loadavg'][0]:.2f} at the start; Python {m['python']}, NumPy {m['numpy']}, "
             f"SciPy {m.get('scipy') or '-'}, Numba {m.get('numba') or '- (its rows skipped)'}. "
             f"The run took {m['seconds']:.0f} s.",
             "",
             ".. list-table::",
             "   :header-rows: 1",
             "",
             "   * - workload (size)",
             "     - implementation",
             "     - median",
             "     - IQR",
             "     - gdfast / this",
             "     - check"]
    group = None
    for r in data["rows"]:
        workload = f"``{r['group']}`` ({r['size']})" if r["group"] != group else ""
        group = r["group"]
        median = _time(r["median"]) if r.get("median") else "-"
        iqr = f"{100 * (r['q3'] - r['q1']) / r['median']:.1f}%" if r.get("median") else ""
        ratio = "" if r.get("ratio") is None else f"{r['ratio']:.3g}x"
        lines += [f"   * - {workload}", f"     - {r['impl']}", f"     - {median}",
                  f"     - {iqr}", f"     - {ratio}", f"     - {r['check']}"]
    return lines


class BenchTable(Directive):
    required_arguments = 1

    def run(self):
        env = self.state.document.settings.env
        rel, path = env.relfn2path(self.arguments[0])
        env.note_dependency(rel)
        try:
            with open(path) as fh:
                data = json.load(fh)
            lines = table_lines(data)
        except (OSError, ValueError, KeyError) as exc:
            raise self.error(f"bench-table: cannot read {rel}: {exc!r}")
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source=os.path.basename(path)),
                                self.content_offset, node)
        return node.children


def setup(app):
    app.add_directive("bench-table", BenchTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
