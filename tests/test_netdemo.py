"""The demo's network pictures (issue 17): the MLP trained on the spirals reaches 98% training
accuracy, reproducibly from its seed, and each of Li et al.'s figures is written and is no
blank image."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")      # in the test extra
import matplotlib                      # noqa: E402

matplotlib.use("Agg")
import matplotlib.image                # noqa: E402

from gdfast import _netdemo            # noqa: E402


def test_training_is_accurate_and_reproducible():
    X, y, mlp, x0, runs = _netdemo.train()
    assert _netdemo.accuracy(mlp, runs["Adam"].x, y) >= 0.98
    again = _netdemo.train()[4]
    np.testing.assert_array_equal(again["Adam"].x, runs["Adam"].x)
    assert runs["GD"].fun < mlp(x0)                 # GD beside it descends too


def test_figures_are_written_and_not_blank(tmp_path, capsys):
    paths = _netdemo.network_pictures(None, str(tmp_path))
    out = capsys.readouterr().out
    assert len(paths) == 5
    for path in paths:
        assert path in out or path.split("/")[-1] in out
        img = matplotlib.image.imread(path)[..., :3]
        assert img.shape[0] > 100 and img.shape[1] > 100
        # not blank: many distinct colors, not one flat background
        assert img.std() > 0.05 and len(np.unique(img.reshape(-1, 3), axis=0)) > 50, path
