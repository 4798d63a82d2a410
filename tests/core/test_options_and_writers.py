"""Options validation and the atomic data writers."""

import json
import os

import numpy as np
import pytest

from visualizer.core.errors import ConfigError, ExportError
from visualizer.core.frame import Frame
from visualizer.core.options import Option, OptionSet
from visualizer.core.writers import atomic_write, write_data


def test_option_coercion_and_ranges():
    dim = Option("dim", "int", 8, "size", minimum=2, maximum=64)
    assert dim.coerce("16") == 16
    with pytest.raises(ConfigError, match="--dim: must be at most 64"):
        dim.coerce(65)
    with pytest.raises(ConfigError, match="--dim: expected a whole number"):
        dim.coerce("eight")
    lr = Option("lr", "float", 0.1, "learning rate")
    with pytest.raises(ConfigError, match="finite"):
        lr.coerce("nan")
    flag = Option("causal", "bool", False, "mask")
    assert flag.coerce("yes") is True and flag.coerce("off") is False
    text = Option("text", "str", "hi", "text", allow_empty=False, max_length=5)
    with pytest.raises(ConfigError, match="must not be empty"):
        text.coerce("  ")
    with pytest.raises(ConfigError, match="at most 5"):
        text.coerce("toolong")


def test_choice_with_other_values():
    model = Option("model", "choice", "a", "model", choices=("a", "b"), accept_other=lambda v: v.startswith("/"))
    assert model.coerce("/some/folder") == "/some/folder"
    with pytest.raises(ConfigError, match="must be one of a, b"):
        model.coerce("c")


def test_option_set_cross_check():
    def check(values):
        if values["dim"] % values["heads"]:
            raise ConfigError("heads", f"must divide --dim {values['dim']}")

    options = OptionSet([Option("dim", "int", 8, "d"), Option("heads", "int", 2, "h")], check=check)
    assert options.validate({"heads": "4"}) == {"dim": 8, "heads": 4}
    with pytest.raises(ConfigError, match="--heads: must divide"):
        options.validate({"heads": 3})
    with pytest.raises(ConfigError, match="unknown option"):
        options.validate({"colour": 1})


FRAME = Frame("demo", 7, {"w": np.array([[1.0, np.nan], [3.0, 4.0]], dtype=np.float32),
                          "tokens": np.array(["a", "b"]), "s": np.array(2.5)}, {"loss": float("nan")})


def test_npz_json_csv_hold_exactly_the_arrays(tmp_path):
    write_data(FRAME, tmp_path / "d.npz")
    with np.load(tmp_path / "d.npz") as data:
        np.testing.assert_array_equal(data["w"], FRAME["w"])
        assert list(data["tokens"]) == ["a", "b"] and data["w"].dtype == np.float32
        assert json.loads(str(data["__info__"]))["step"] == 7
    write_data(FRAME, tmp_path / "d.json")
    doc = json.loads((tmp_path / "d.json").read_text())
    assert doc["arrays"]["w"]["data"] == [[1.0, None], [3.0, 4.0]] and doc["info"]["loss"] is None
    write_data(FRAME, tmp_path / "d.csv")
    rows = (tmp_path / "d.csv").read_text().splitlines()
    assert rows[0] == "array,i0,i1,value" and "w,1,0,3.0" in rows and "tokens,1,,b" in rows and "s,,,2.5" in rows


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def broken(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left"):
        atomic_write(target, broken)
    assert target.read_bytes() == b"old"  # the earlier file is intact
    assert sorted(os.listdir(tmp_path)) == ["out.bin"]  # and no temporary file is left


def test_writer_errors_are_clear(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        write_data(FRAME, tmp_path / "nope" / "d.npz")
    with pytest.raises(ExportError, match="unknown data format"):
        write_data(FRAME, tmp_path / "d.xlsx")
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(ExportError, match="it is a folder"):
        write_data(FRAME, tmp_path / "dir.npz")


def test_relevance_follows_another_option():
    lr = Option("lr", "float", 0.1, "learning rate", when=("model", ("train",)))
    assert lr.relevant({"model": "train"}) and not lr.relevant({"model": "mha"})
    assert Option("dim", "int", 8, "d").relevant({})


def test_written_files_get_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_data(FRAME, tmp_path / "d.npz")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600


# ---- issue 13: sizes refused up front, targets checked before work, all-or-nothing outputs ----
def test_unrenderable_sizes_are_refused_with_the_limit():
    from visualizer.core.writers import MAX_SIDE, check_image_size

    assert check_image_size(8000, 8000, 2) == (16000, 16000)        # 256 Mpx: the largest allowed
    with pytest.raises(ExportError, match=f"at most {MAX_SIDE} pixels a side and 256 Mpx"):
        check_image_size(8000, 8000, 4)                            # the case that segfaulted
    with pytest.raises(ExportError, match="32000×32000 pixels"):
        check_image_size(8000, 8000, 4, "the figure")
    with pytest.raises(ExportError, match="Mpx"):
        check_image_size(16000, 16384, 1.01)


def test_a_target_is_checked_for_real_before_any_work(tmp_path):
    from visualizer.core.writers import check_target

    assert check_target(tmp_path / "f.png") == tmp_path / "f.png"
    assert os.listdir(tmp_path) == []                   # the probe file is gone
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        check_target(tmp_path / "dir.png")
    with pytest.raises(ExportError, match="does not exist"):
        check_target(tmp_path / "no" / "f.png")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        check_target(tmp_path / "file" / "f.png")
    with pytest.raises(ExportError, match="cannot write into the folder '/proc'"):
        check_target("/proc/visualizer-test.png")       # no file can be created there, even as root


def test_staged_outputs_are_all_or_nothing(tmp_path):
    """The second rename fails for real (its target became a folder after the checks): the first
    target gets its old content back, the new one is removed, and no hidden file stays."""
    from visualizer.core.errors import WriteError
    from visualizer.core.writers import Staged

    old, new, blocked = tmp_path / "a.npz", tmp_path / "b.csv", tmp_path / "c.json"
    old.write_bytes(b"the earlier export")
    with pytest.raises(WriteError, match="c.json.*no output was written"):
        with Staged([old, new, blocked]) as stage:
            for target in (old, new, blocked):
                with open(stage.tmp(target), "w") as fh:
                    fh.write(f"new {target.name}")
            blocked.mkdir()
            (blocked / "keep").write_text("a folder in the way")
            stage.commit()
    assert old.read_bytes() == b"the earlier export"
    assert not new.exists()
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "c.json"]   # c.json: the folder that blocked it

    with Staged([old, new]) as stage:                    # and when nothing blocks, all are written
        for target in (old, new):
            with open(stage.tmp(target), "w") as fh:
                fh.write(f"new {target.name}")
        stage.commit()
    assert old.read_text() == "new a.npz" and new.read_text() == "new b.csv"
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b.csv", "c.json"]


def test_a_failed_stage_leaves_no_temporary_file(tmp_path):
    from visualizer.core.writers import Staged

    with pytest.raises(RuntimeError):
        with Staged([tmp_path / "f.png", tmp_path / "g.gif"]) as stage:
            stage.tmp(tmp_path / "f.png")
            stage.tmp(tmp_path / "g.gif")
            assert len(os.listdir(tmp_path)) == 2        # hidden .part files while writing
            raise RuntimeError("rendering failed")
    assert os.listdir(tmp_path) == []


def _plot_frame(k: int, h: int = 200, w: int = 320) -> np.ndarray:
    """A plot-like RGB frame in theme colours: white paper, grey axes, a blue curve that grows."""
    rgb = np.full((h, w, 3), 255, np.uint8)
    rgb[h - 20, 10:] = (107, 114, 128)
    rgb[:, 10] = (107, 114, 128)
    xs = np.arange(10, 10 + 3 * k)
    xs = xs[xs < w]
    ys = (h // 2 + 40 * np.sin(xs / 17)).astype(int)
    rgb[ys, xs] = (0x00, 0x72, 0xB2)                     # Okabe-Ito blue: the D loss
    rgb[ys + 1, xs] = (0x00, 0x72, 0xB2)
    return rgb


def test_gif_frames_stream_with_one_palette_and_exact_theme_colours(tmp_path):
    from PIL import Image

    from visualizer.core.writers import GifStream

    path = tmp_path / "a.gif"
    frames = [_plot_frame(k) for k in range(0, 60, 6)]
    sizes = []
    with GifStream(str(path), fps=10, colours=("#ffffff", "#6b7280", "#0072B2")) as gif:
        for f in frames:
            gif.append(f)
            sizes.append(path.stat().st_size)             # each frame is in the file once appended
    assert all(b > a for a, b in zip(sizes, sizes[1:]))
    im = Image.open(path)
    assert im.n_frames == len(frames) and im.info["loop"] == 0 and im.info["duration"] == 100
    for i, expected in enumerate(frames):
        im.seek(i)
        got = np.asarray(im.convert("RGB"))
        np.testing.assert_array_equal(got, expected)     # the blue stays exactly blue in every frame
    data = path.read_bytes()
    assert data.count(b"\x21\xf9") == len(frames)        # one graphics control block per frame
    assert len(data) < 0.2 * frames[0].nbytes            # only the changed rectangle of each frame is stored


def test_a_gif_of_100_frames_at_1280x800_is_small(tmp_path):
    from visualizer.core.writers import GifStream

    path = tmp_path / "big.gif"
    with GifStream(str(path), fps=10, colours=("#ffffff", "#6b7280", "#0072B2")) as gif:
        for k in range(100):
            gif.append(_plot_frame(k, 800, 1280))
    assert path.stat().st_size < 1_000_000
