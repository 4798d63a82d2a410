"""Fixtures of the reliability suite: real bad files and model folders, built once per session,
and `run_cli`, which calls the CLI's main in-process and checks what every row must hold."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from visualizer import cli

MINILM_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


def minilm_source() -> Path:
    from visualizer.labs.pretrained import minilm_folder

    return minilm_folder()


def model_folder(root: Path, name: str, files=MINILM_FILES, weights: bool = True) -> Path:
    """A copy of the bundled MiniLM folder (small files copied, the weights linked)."""
    src = minilm_source()
    folder = root / name
    folder.mkdir()
    for f in files:
        shutil.copy(src / f, folder / f)
    if weights:
        os.symlink(src / "model.safetensors", folder / "model.safetensors")
    return folder


class Evil:
    """Unpickling this runs code: it would create the marker file. The app must never do so."""

    marker = ""

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('ran')",))


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory) -> dict:
    """{name: path} of every bad (and a few good) input file or folder the rows refer to."""
    root = tmp_path_factory.mktemp("inputs")
    f: dict[str, str] = {"root": str(root)}

    def text(name: str, content: str | bytes) -> None:
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        f[name] = str(path)

    # GAN point files
    text("huge.csv", "x,y\n1e308,-1e308\n-1e308,1e308\n0,0\n")
    text("nan.csv", "x,y\n1,2\nnan,3\n4,5\n")
    text("inf.csv", "1,2\ninf,3\n")
    text("three.csv", "1,2,3\n4,5,6\n")
    text("word.csv", "x,y\n1,2\n3,banana\n")
    text("empty.csv", "")
    text("one.csv", "x,y\n1,2\n")
    text("same.csv", "1,1\n1,1\n1,1\n")
    text("latin1.csv", b"x,y\n1,2\n\xe9\xff,3\n")
    text("good.csv", "x,y\n" + "\n".join(f"{i % 7},{(i * 3) % 5}" for i in range(40)) + "\n")
    (root / "folder.png").mkdir()
    f["folder.png"] = str(root / "folder.png")
    (root / "folder.csv").mkdir()
    f["folder.csv"] = str(root / "folder.csv")
    # graph files
    text("garbage.gml", "graph [ node [ id 1 ")
    text("garbage.graphml", "<graphml><graph><node id='a'/>")
    text("garbage.json", "{not json")
    text("list.json", "[1, 2, 3]")
    text("empty.edgelist", "")
    text("words.edgelist", "a b c d\n")
    text("one.edgelist", "0 1\n")
    text("graph.xyz", "0 1\n1 2\n")
    text("binary.gexf", b"\x00\x01\x02\xff\xfe")
    # LSTM corpora and weights
    text("binary.txt", bytes(range(256)) * 8)
    text("empty.txt", "")
    text("tiny.txt", "ab")
    text("weights.txt", "not weights")
    text("text.safetensors", "hello, not a tensor file")
    text("text.pt", "hello, not a torch file")
    (root / "corpus_dir").mkdir()
    f["corpus_dir"] = str(root / "corpus_dir")
    # settings files
    text("garbage.ini", b"\x00\xff[General\nexplainer=\x00\x01\nfont_scale=banana\ntheme=neon\n")
    text("values.ini", "[General]\nexplainer=nosuch\ntheme=purple\nfont_scale=nan\nlanguage=xx\npng_scale=99\n"
                       "lesson_visible=perhaps\ngeometry=@ByteArray(garbage)\n")
    # model folders
    models = root / "models"
    models.mkdir()
    f["model_good"] = str(model_folder(models, "good"))
    folder = model_folder(models, "list")
    (folder / "config.json").write_text("[1, 2]", encoding="utf-8")
    f["model_list"] = str(folder)
    folder = model_folder(models, "badjson")
    (folder / "config.json").write_text("{\"model_type\": ", encoding="utf-8")
    f["model_badjson"] = str(folder)
    folder = model_folder(models, "notype")
    (folder / "config.json").write_text("{\"hidden_size\": 8}", encoding="utf-8")
    f["model_notype"] = str(folder)
    folder = model_folder(models, "textweights", weights=False)
    (folder / "model.safetensors").write_text("this is text, not weights", encoding="utf-8")
    f["model_textweights"] = str(folder)
    f["model_noweights"] = str(model_folder(models, "noweights", weights=False))
    f["model_notokenizer"] = str(model_folder(models, "notokenizer", files=("config.json",)))
    (models / "noconfig").mkdir()
    f["model_noconfig"] = str(models / "noconfig")
    import torch

    Evil.marker = str(root / "PICKLE_RAN")
    f["pickle_marker"] = Evil.marker
    for name, zipped in (("pickle_zip", True), ("pickle_legacy", False)):
        folder = model_folder(models, name, weights=False)
        torch.save({"embeddings.weight": torch.zeros(2, 2), "payload": Evil()}, folder / "pytorch_model.bin",
                   _use_new_zipfile_serialization=zipped)
        f[f"model_{name}"] = str(folder)
    torch.save({"weight_ih_l0": torch.zeros(4, 4), "payload": Evil()}, root / "evil.pt")
    f["evil.pt"] = str(root / "evil.pt")
    return f


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def outdir(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def run_cli(capsys):
    """run_cli(argv) -> Result: cli.main in-process, with what it printed; asserts the rules every
    row shares: an exit status, never a traceback, an error as exactly one line."""

    def run(argv: list[str]) -> Result:
        capsys.readouterr()
        try:
            code = cli.main([str(a) for a in argv])
        except SystemExit as exc:  # pragma: no cover - main must not raise it; this would fail below
            code = f"SystemExit({exc.code})"
        out, err = capsys.readouterr()
        assert isinstance(code, int), f"main raised {code} instead of returning"
        assert "Traceback" not in out + err, err
        assert "weights_only=False" not in err, "never advise unpickling"
        if code != 0:
            lines = [line for line in err.splitlines() if line.strip()]
            assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
        return Result(code, out, err)

    return run


def leftovers(folder: Path) -> list[str]:
    """Every entry in the folder, hidden ones (.part, .probe, .old) included."""
    return sorted(os.listdir(folder))


def subprocess_env(**extra) -> dict:
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2]) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


PYTHON = sys.executable
