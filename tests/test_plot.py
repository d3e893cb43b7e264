"""gdfast.plot renders real pictures headlessly; python -m gdfast demo writes its PNGs."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import gdfast
from gdfast import landscape as L
from gdfast.objectives import Himmelblau, Quadratic, Rastrigin

matplotlib = pytest.importorskip("matplotlib")
import matplotlib.image  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def assert_picture(path, min_std=0.05):
    """A PNG that exists, reads back, and is not blank (pixel values vary)."""
    assert os.path.getsize(path) > 1000
    img = matplotlib.image.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    rgb = img[..., :3]
    assert rgb.std() > min_std, "the picture is (nearly) blank"
    # several distinct colors: more than axes and text on white
    assert len(np.unique((rgb.reshape(-1, 3) * 255).astype(int), axis=0)) > 50


@pytest.fixture
def lecture_run():
    return gdfast.minimize(Quadratic([6.0, 2.0]), [1, 1], lr=0.1, gtol=1e-6, history=True)


def test_contour_of_function_with_path(tmp_path, lecture_run):
    out = tmp_path / "quad.png"
    fig = gdfast.plot.contour(lambda v: 3 * v[0] ** 2 + v[1] ** 2, path=lecture_run,
                              xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), resolution=81, save=out)
    assert isinstance(fig, Figure)
    assert_picture(out)
    ax = fig.axes[0]
    assert ax.get_xlim() == (-1.5, 1.5)
    # the path is drawn: a line through every iterate
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(lecture_run.history)]
    assert lines
    np.testing.assert_allclose(lines[0].get_xydata(), lecture_run.history.x)


def test_filled_contour_of_plane_with_pca_path(tmp_path):
    obj = Rastrigin(20)
    x0 = np.full(20, 0.3)
    res = gdfast.minimize(obj, x0, lr=1e-3, max_iter=300, history=True)
    pl = L.plane(obj, path=res, resolution=41)
    out = tmp_path / "pca.png"
    fig = gdfast.plot.contour(pl, filled=True, save=str(out), title="PCA plane")
    assert_picture(out)
    assert fig.axes[0].get_title() == "PCA plane"
    ev = pl.explained_variance                  # Li et al.: the shares on the axes
    assert fig.axes[0].get_xlabel() == f"1st PCA direction: {100 * ev[0]:.1f}% of the variance"
    assert fig.axes[0].get_ylabel() == f"2nd PCA direction: {100 * ev[1]:.1f}%"


def test_contour_many_paths_log_levels_limits_from_paths(tmp_path):
    runs = [gdfast.minimize(Himmelblau(), x0, lr=0.01, history=True)
            for x0 in ([0.0, 0.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0])]
    out = tmp_path / "h.png"
    gdfast.plot.contour(Himmelblau(), path=runs, log=True, filled=True, arrows=False,
                        labels=["a", "b", "c", "d"], save=out)
    assert_picture(out)


def test_surface(tmp_path, lecture_run):
    out = tmp_path / "surface.png"
    pl = L.grid(Quadratic([6.0, 2.0]), (-1.5, 1.5), (-1.5, 1.5), resolution=41,
                path=lecture_run)
    fig = gdfast.plot.surface(pl, save=out)
    assert fig.axes[0].name == "3d"
    assert_picture(out)


def test_line_plot(tmp_path):
    a, b = np.full(10, 0.5), np.zeros(10)
    out = tmp_path / "line.png"
    fig = gdfast.plot.line_plot(Rastrigin(10), a, b, save=out)
    assert_picture(out, min_std=0.02)
    ln = L.line(Rastrigin(10), a, b, span=(-1, 2))
    fig2 = gdfast.plot.line_plot(ln, logy=False)
    np.testing.assert_allclose(fig2.axes[0].get_lines()[0].get_ydata(), ln.values)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_draw_into_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    out = gdfast.plot.contour(Himmelblau(), xlim=(-5, 5), ylim=(-5, 5), resolution=21, ax=ax,
                              colorbar=False)
    assert out is fig and len(fig.axes) == 1


def test_plot_bad_input():
    with pytest.raises(ValueError, match="give xlim and ylim"):
        gdfast.plot.contour(Himmelblau())
    with pytest.raises(TypeError, match="data must be"):
        gdfast.plot.contour(42, xlim=(0, 1), ylim=(0, 1))
    with pytest.raises(ValueError, match="path must have 2 columns"):
        gdfast.plot.contour(Himmelblau(), path=np.zeros((3, 4)), xlim=(0, 1), ylim=(0, 1))
    with pytest.raises(ValueError, match="give a and b"):
        gdfast.plot.line_plot(Himmelblau())
    with pytest.raises(ValueError, match="log=True needs positive"):
        gdfast.plot.contour(lambda v: -1.0 - v @ v, xlim=(0, 1), ylim=(0, 1), log=True,
                            resolution=5)


def test_headless_subprocess_without_display(tmp_path):
    """No DISPLAY, no MPLBACKEND: the demo still writes both pictures and says where."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                             "MPLBACKEND")}
    import gdfast
    # the gdfast under test (an install, or an in-place build), from a neutral directory
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(gdfast.__file__)))
    outdir = tmp_path / "pics"
    proc = subprocess.run([sys.executable, "-m", "gdfast", "demo", "--out", str(outdir)],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "a1 = [0.4 0.8]" in proc.stdout               # the existing demo output is kept
    for name in ("gdfast_quadratic.png", "gdfast_himmelblau.png"):
        path = outdir / name
        assert str(path) in proc.stdout
        assert_picture(path)
    assert "4 minima" in proc.stdout
    assert proc.stderr == ""
