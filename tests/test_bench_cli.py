"""python -m gdfast bench: every row checked then timed, one table, --json / --compare / --plot /
--filter, a wrong answer reported as FAILED with a non-zero exit status.  No timing assertions.

The runs are subprocesses from a neutral directory with PYTHONPATH pointing at the gdfast
being tested, as a user runs the command."""
import inspect
import json
import os
import subprocess
import sys

import pytest

import gdfast
from gdfast import _benchrun, benchmarks as B


def bench(tmp_path, *args, env_extra=None):
    """Run ``python -m gdfast bench ARGS`` in ``tmp_path``; returns the CompletedProcess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(gdfast.__file__)))
    env.pop(B.BREAK_ENV, None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "gdfast", "bench", *args], capture_output=True,
                          text=True, env=env, timeout=300, cwd=tmp_path)


def block(out, group):
    """The table lines of ``group``: from its header to the next group or the rule."""
    lines = out.splitlines()
    start = next(k for k, ln in enumerate(lines) if ln.startswith(f"{group} ("))
    rest = []
    for ln in lines[start + 1:]:
        if ln.startswith("---") or any(ln.startswith(f"{w.group} (") for w in B.WORKLOADS):
            break
        rest.append(ln)
    return rest


def row_line(out, group, name):
    """The table line of implementation ``name`` in ``group``."""
    return next(ln for ln in block(out, group) if ln.startswith(name))


@pytest.fixture(scope="module")
def quadratic_run(tmp_path_factory):
    """One quick run of the quadratic workloads, saved as JSON."""
    tmp = tmp_path_factory.mktemp("bench")
    proc = bench(tmp, "--quick", "--filter", "quadratic", "--json", "out.json")
    return tmp, proc


def test_quick_quadratic_table_and_json(quadratic_run):
    tmp, proc = quadratic_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    selection = B.select("quadratic")
    assert {w.group for w, _ in selection} == {"quadratic-descent", "quadratic-solve",
                                               "lowlevel-quadratic"}
    for w, impls in selection:
        assert w.group in out
        for impl in impls:
            assert " ok (" in row_line(out, w.group, impl.name)
    assert "FAILED" not in out
    assert "fd-rosenbrock" not in out                 # the filter
    n = sum(len(impls) for _, impls in selection)
    assert f"{n}/{n}" in proc.stderr and f"{n} rows done in" in proc.stderr   # tqdm's bar

    data = json.loads((tmp / "out.json").read_text())
    assert data["machine"]["quick"] is True
    rows = {(r["group"], r["impl"]): r for r in data["rows"]}
    assert len(rows) == sum(len(impls) for _, impls in selection)
    for (group, name), r in rows.items():
        assert r["check"] == "ok"
        assert r["median"] > 0 and r["q1"] <= r["median"] <= r["q3"] and r["rounds"] >= 3
        if r["kind"] == "gdfast":
            assert r["ratio"] is None
        else:
            g = rows[(group, r["vs"])]
            assert r["ratio"] == pytest.approx(g["median"] / r["median"])
    assert rows[("quadratic-descent", "gdfast")]["max_err"] == 0.0       # bit for bit
    assert rows[("quadratic-descent", "plain C loop (gradient, then step)")]["kind"] == "C"


def test_compare(quadratic_run, tmp_path):
    tmp, _ = quadratic_run
    proc = bench(tmp_path, "--quick", "--filter", "quadratic-solve", "--compare",
                 str(tmp / "out.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "new/old" in proc.stdout
    for ln in block(proc.stdout, "quadratic-solve"):
        if not ln.lstrip().startswith("note"):
            assert ln.rstrip().endswith("x"), ln          # a new/old ratio on every row


def test_wrong_answer_is_failed_and_not_timed(tmp_path):
    proc = bench(tmp_path, "--quick", "--filter", "quadratic-solve", "--json", "bad.json",
                 env_extra={B.BREAK_ENV: "quadratic-solve/gdfast (built-in"})
    assert proc.returncode == 1
    assert "FAILED" in row_line(proc.stdout, "quadratic-solve", "gdfast (built-in Quadratic)")
    assert "FAILED quadratic-solve / gdfast (built-in Quadratic): " in proc.stdout
    rows = {r["impl"]: r for r in json.loads((tmp_path / "bad.json").read_text())["rows"]}
    bad = rows["gdfast (built-in Quadratic)"]
    assert bad["check"] == "FAILED" and bad["median"] is None and bad["max_err"] > 1e-4
    assert rows["gdfast (Python f and jac)"]["check"] == "ok"       # only the broken row
    assert rows["NumPy loop (same rule, same gtol)"]["ratio"] is None   # no number against it


def test_filter_without_match(tmp_path):
    proc = bench(tmp_path, "--quick", "--filter", "no-such-workload")
    assert proc.returncode == 2
    assert "no workload matches" in proc.stderr


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    proc = bench(tmp_path, "--quick", "--filter", "quadratic-solve", "--plot", "r.png")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "r.png").stat().st_size > 1000


def test_plot_without_matplotlib(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)          # import fails
    rows = [dict(group="g", impl="C", kind="C", ratio=1.5)]
    assert _benchrun.plot(rows, tmp_path / "x.png") is False
    assert "needs matplotlib" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_registry_is_consistent():
    for w in B.WORKLOADS:
        kinds = [i.kind for i in w.impls]
        assert kinds[0] == "gdfast" and set(kinds) <= set(B.KINDS), w.group
        assert len({i.name for i in w.impls}) == len(w.impls)
        for impl in w.impls:
            w.gdfast_impl(impl)                            # the ratio's gdfast row exists
        if isinstance(w.reference, str):
            w.impl(w.reference)
        assert os.path.exists(os.path.join(os.path.dirname(__file__), "..", "bench",
                                           w.pytest_file)), w.group
    assert len({w.group for w in B.WORKLOADS}) == len(B.WORKLOADS)


def test_check_reports_errors():
    w = B.QUADRATIC_SOLVE
    p = w.setup(True)
    impl = w.impls[0]
    assert B.check(w, impl, p, [0.0, 0.0]).ok
    bad = B.check(w, impl, p, [0.0, 1e-6])
    assert bad.ok is False and bad.max_err == pytest.approx(1e-6) and bad.label == "FAILED"
    assert B.check(w, impl, p, [float("nan"), 0.0]).ok is False
    assert B.check(w, impl, p, [0.0, 0.0, 0.0]).ok is False              # shape
    floor = B.F10.impl("floor: the 2,000 calls of f alone")
    assert B.check(B.F10, floor, B.F10.setup(True), None).label == "n/a"


def test_every_function_documented():
    for mod in (B, _benchrun):
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ == mod.__name__:
                assert fn.__doc__, f"{mod.__name__}.{name}"
