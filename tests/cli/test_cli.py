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
    assert frames.shape[0] == 4 and frames.shape[1:3] == (600, 800)


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
