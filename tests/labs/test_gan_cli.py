"""`visualizer export gan` end to end for data (no Qt needed): the arrays of the issue, and a
bad CSV of points ending in exit status 2 with the reason in words."""

import numpy as np

from visualizer.cli import main

FAST = ["--width", "16", "--depth", "1", "--batch", "32"]


def test_export_gan_writes_the_frame_arrays(tmp_path, capsys):
    out = tmp_path / "g.npz"
    assert main(["export", "gan", "--distribution", "ring8", "--steps", "25", "--seed", "3",
                 "--lr-d", "0.001", "--k-d", "2", "--loss", "least-squares", *FAST, "--out", str(out)]) == 0
    with np.load(out) as data:
        for name in ("d_loss", "g_loss", "d_real", "d_fake", "step"):
            assert data[name].shape == (25,), name
        assert data["real"].shape[1] == 2 and data["fake"].shape[1] == 2
        n = len(data["grid_x"])
        assert data["decision"].shape == (n, len(data["grid_y"]))
        assert list(data["metric_step"]) == [0, 20] and data["modes_covered"].shape == (2,)
        assert data["high_quality"].shape == (2,)
        info = str(data["__info__"])
        assert '"loss": "least-squares"' in info and '"lr_d": 0.001' in info and '"k_d": 2' in info
    again = tmp_path / "again.npz"
    main(["export", "gan", "--distribution", "ring8", "--steps", "25", "--seed", "3",
          "--lr-d", "0.001", "--k-d", "2", "--loss", "least-squares", *FAST, "--out", str(again)])
    with np.load(out) as a, np.load(again) as b:
        assert np.array_equal(a["d_loss"], b["d_loss"])          # the same seed, the same run


def test_export_gan_from_a_csv_of_points(tmp_path):
    csv = tmp_path / "pts.csv"
    csv.write_text("x,y\n" + "\n".join(f"{np.cos(a):.4f},{np.sin(a):.4f}" for a in np.linspace(0, 6, 40)))
    out = tmp_path / "g.npz"
    assert main(["export", "gan", "--distribution", str(csv), "--steps", "3", *FAST, "--out", str(out)]) == 0
    with np.load(out) as data:
        assert "modes_covered" not in data.files and data["fake"].shape[1] == 2


def test_a_bad_csv_exits_with_status_2_and_says_why(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,four\n")
    status = main(["export", "gan", "--distribution", str(bad), "--steps", "3", "--out", str(tmp_path / "g.npz")])
    assert status == 2
    err = capsys.readouterr().err
    assert "--distribution" in err and "row 3" in err and "'four' is not a number" in err
    assert not (tmp_path / "g.npz").exists()
