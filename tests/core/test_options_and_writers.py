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
