"""`visualizer export lstm`: the figure and the NPZ the issue names, with their shapes; bad values
exit 2 naming the option; --compare adds the three cells' curves."""

import numpy as np
import pytest
from PySide6.QtGui import QImage

from visualizer import cli

TINY = ["--task", "adding", "--hidden", "8", "--length", "12", "--batch", "8"]


def test_export_writes_the_figure_and_the_frames_arrays(tmp_path, capsys):
    png, npz = tmp_path / "l.png", tmp_path / "l.npz"
    code = cli.main(["export", "lstm", *TINY, "--steps", "5", "--page", "heatmap", "--quantity", "f",
                     "--size", "800x500", "--scale", "1", "--out", str(png), "--out", str(npz)])
    assert code == 0, capsys.readouterr().err
    image = QImage(str(png))
    assert not image.isNull() and image.width() == 800
    with np.load(npz) as data:
        T, L, H = 12, 1, 8
        assert data["tokens"].shape == (T,) and any(str(t).endswith("*") for t in data["tokens"])
        assert data["inputs"].shape == (T, 2)
        assert data["h"].shape == (L, T, H) and data["c"].shape == (L, T, H)
        assert data["gates"].shape == (L, T, 4, H)
        assert data["weight_ih_l0"].shape == (4 * H, 2) and data["weight_hh_l0"].shape == (4 * H, H)
        assert data["grad_norm"].shape == (T,)
        assert data["loss"].shape == (5,) and np.isfinite(data["loss"]).all()


@pytest.mark.parametrize("args, option", [
    (["--hidden", "0"], "hidden"),
    (["--layers", "9"], "layers"),
])
def test_bad_values_exit_2_naming_the_option(tmp_path, capsys, args, option):
    code = cli.main(["export", "lstm", *TINY, *args, "--out", str(tmp_path / "x.npz")])
    err = capsys.readouterr().err
    assert code == 2 and option in err and "error" in err
    assert not (tmp_path / "x.npz").exists()


def test_a_missing_corpus_exits_2(tmp_path, capsys):
    missing = tmp_path / "no_such.txt"
    code = cli.main(["export", "lstm", "--task", "charlm", "--corpus", str(missing), "--out", str(tmp_path / "x.npz")])
    err = capsys.readouterr().err
    assert code == 2 and "corpus" in err and "no_such.txt" in err


def test_compare_writes_the_three_cells(tmp_path, capsys):
    npz, png = tmp_path / "c.npz", tmp_path / "c.png"
    code = cli.main(["export", "lstm", *TINY, "--compare", "--steps", "3", "--page", "compare",
                     "--size", "640x400", "--scale", "1", "--out", str(npz), "--out", str(png)])
    assert code == 0, capsys.readouterr().err
    with np.load(npz) as data:
        for cell in ("rnn", "gru", "lstm"):
            assert data[f"loss_{cell}"].shape == (3,)
            assert data[f"grad_norm_{cell}"].shape == (12,)
    assert not QImage(str(png)).isNull()
