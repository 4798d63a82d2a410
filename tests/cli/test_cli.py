"""The command line: list, export (figures, data, animation) and clear errors with exit 2."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage

from tests.support import TEST_EXPLAINER
from visualizer import cli
from visualizer.core import registry


@pytest.fixture(autouse=True)
def with_test_explainer(monkeypatch):
    monkeypatch.setattr(registry, "EXPLAINERS", (TEST_EXPLAINER,) + registry.EXPLAINERS)


def run(*args):
    return cli.main(list(args))


def test_list_names_every_explainer_and_its_options(capsys):
    assert run("list") == 0
    out = capsys.readouterr().out
    for explainer in registry.EXPLAINERS:
        assert explainer.id in out
    assert "--features INT [1..64]" in out and "--lr FLOAT" in out


def test_export_writes_figures_and_data(tmp_path, capsys):
    outs = [tmp_path / n for n in ("f.png", "f.svg", "f.pdf", "d.npz", "d.csv", "d.json")]
    args = ["export", "regression", "--features", "5", "--steps", "40", "--seed", "3", "--size", "640x400"]
    for out in outs:
        args += ["--out", str(out)]
    assert run(*args) == 0
    assert all(o.exists() and o.stat().st_size > 0 for o in outs)
    image = QImage(str(outs[0]))
    assert (image.width(), image.height()) == (1280, 800)  # 640×400 at the default 2×
    assert outs[1].read_text().lstrip().startswith("<?xml")
    assert outs[2].read_bytes().startswith(b"%PDF")
    with np.load(outs[3]) as data:
        assert data["weights"].shape == (1, 5) and len(data["loss"]) == 40
        info = json.loads(str(data["__info__"]))
        assert info["step"] == 40
    doc = json.loads(outs[5].read_text())
    assert doc["arrays"]["weights"]["shape"] == [1, 5]
    header = outs[4].read_text().splitlines()[0]
    assert header == "array,i0,i1,value"


def test_export_is_reproducible_with_a_seed(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    assert run("export", "regression", "--steps", "10", "--seed", "5", "--out", str(a)) == 0
    assert run("export", "regression", "--steps", "10", "--seed", "5", "--out", str(b)) == 0
    with np.load(a) as x, np.load(b) as y:
        np.testing.assert_array_equal(x["loss"], y["loss"])


def test_export_animation_gif(tmp_path):
    import imageio.v3 as iio

    out = tmp_path / "train.gif"
    assert run("export", "regression", "--steps", "30", "--frames", "4", "--size", "400x300",
               "--out", str(out)) == 0
    frames = iio.imread(out, index=None)
    assert frames.shape[0] == 4 and frames.shape[1:3] == (300, 400)   # an animation is 1× unless asked
    assert run("export", "regression", "--steps", "30", "--frames", "3", "--size", "400x300", "--scale", "2",
               "--out", str(out)) == 0
    assert iio.imread(out, index=None).shape[:3] == (3, 600, 800)
    assert sorted(os.listdir(tmp_path)) == ["train.gif"]


def test_a_gan_gif_keeps_the_d_loss_blue_in_every_frame(tmp_path):
    """One palette for the whole GIF: the D-loss curve is the theme's blue (#0072B2) in the last
    frame too, not the teal an adaptive per-frame palette made of it."""
    from PIL import Image

    out = tmp_path / "gan.gif"
    assert run("export", "gan", "--width", "16", "--depth", "1", "--batch", "32", "--steps", "30",
               "--frames", "4", "--size", "640x400", "--out", str(out)) == 0
    has_global, local = gif_colour_tables(out.read_bytes())
    assert has_global and local == [False] * 4      # one palette: no frame brings its own colour table
    im = Image.open(out)
    assert im.n_frames == 4
    for i in range(1, 4):
        im.seek(i)
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
        blue = (pixels == (0x00, 0x72, 0xB2)).all(axis=1).sum()
        assert blue > 30, f"only {blue} pixels of the D-loss blue in frame {i}"


def gif_colour_tables(data: bytes) -> tuple[bool, list[bool]]:
    """(has a global colour table, [has a local colour table] per frame), read from the GIF blocks."""
    assert data[:6] in (b"GIF87a", b"GIF89a")
    flags, pos = data[10], 13
    if flags & 0x80:
        pos += 3 * (2 << (flags & 7))
    local = []
    while pos < len(data) and data[pos] != 0x3B:
        if data[pos] == 0x21:                       # an extension: label, then sub-blocks
            pos += 2
        else:                                       # an image: descriptor, [local table], LZW size, sub-blocks
            assert data[pos] == 0x2C
            packed = data[pos + 9]
            local.append(bool(packed & 0x80))
            pos += 10 + (3 * (2 << (packed & 7)) if packed & 0x80 else 0) + 1
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    return bool(flags & 0x80), local


@pytest.mark.parametrize("args, words", [
    (["--features", "0"], "--features: must be at least 1"),
    (["--features", "many"], "--features: expected a whole number"),
    (["--colour", "red"], "--colour: unknown option for regression"),
    (["--show", "bananas"], "--show: must be one of weights, loss"),
    (["--size", "10x10"], "--size"),
    (["--scale", "9"], "--scale: must be between 1 and 4"),
])
def test_bad_options_exit_2_with_one_line_naming_the_option(tmp_path, capsys, args, words):
    assert run("export", "regression", *args, "--out", str(tmp_path / "f.png")) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err
    assert list(tmp_path.iterdir()) == []


def test_bad_outputs_exit_2(tmp_path, capsys):
    assert run("export", "regression") == 2
    assert "--out" in capsys.readouterr().err
    assert run("export", "regression", "--out", str(tmp_path / "f.docx")) == 2
    assert "unknown format '.docx'" in capsys.readouterr().err
    assert run("export", "regression", "--out", str(tmp_path / "missing" / "f.png")) == 2
    assert "does not exist" in capsys.readouterr().err
    assert run("export", "nosuch", "--out", "f.png") == 2
    assert "unknown explainer 'nosuch'" in capsys.readouterr().err


def test_an_explainer_not_built_yet_exits_2(monkeypatch, capsys):
    import dataclasses

    unbuilt = dataclasses.replace(registry.get("gnn"), ready=False)
    monkeypatch.setattr(registry, "EXPLAINERS",
                        tuple(unbuilt if e.id == "gnn" else e for e in registry.EXPLAINERS))
    assert run("export", "gnn", "--out", "f.png") == 2
    assert "not built yet" in capsys.readouterr().err
    assert run("list") == 0
    assert "(coming soon)" in capsys.readouterr().out


def test_python_dash_m_runs_the_same_cli(tmp_path):
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)  # the CLI picks the offscreen platform by itself
    done = subprocess.run([sys.executable, "-m", "visualizer", "list"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "attention" in done.stdout
    done = subprocess.run([sys.executable, "-m", "visualizer", "export", "attention", "--bogus", "1",
                           "--out", str(tmp_path / "f.png")], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 2 and "--bogus" in done.stderr


class _Terminal:
    """A stderr that says it is a terminal and keeps what is written to it."""

    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_long_work_shows_a_progress_bar_on_a_terminal_only():
    from visualizer.cli import ProgressBar

    for tty in (True, False):
        out = _Terminal(tty)
        bar = ProgressBar(3000, 40, stream=out)
        bar.start -= 5.0                       # five seconds in: the bar is due
        bar.show(1500, 20)
        bar.end()
        if tty:
            assert "step 1500/3000" in out.text and "frame 20/40" in out.text and "5 s left" in out.text
            assert out.text.endswith("\n")
        else:
            assert out.text == ""              # a pipe or a log gets nothing
