"""Every row of the reliability table through the CLI's main, in-process: the exit status, the
phrase, one line, no traceback, and nothing left in the output folder."""

from __future__ import annotations

import importlib.util

import pytest

from tests.reliability.conftest import leftovers
from tests.reliability.rows import ROWS


def expand(args: list[str], fixtures: dict, out) -> list[str]:
    expanded = []
    for arg in args:
        if arg.startswith("@"):
            name, _, rest = arg[1:].partition("/")
            arg = fixtures[name] + (f"/{rest}" if rest else "")
        expanded.append(arg.replace("{out}", str(out)))
    return expanded


def _id(row) -> str:
    return row.values[0] if hasattr(row, "values") else row[0]


def test_the_table_is_large_and_its_ids_unique():
    ids = [_id(row) for row in ROWS]
    assert len(ids) >= 100
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name, args, code, phrase", ROWS, ids=[_id(row) for row in ROWS])
def test_row(name, args, code, phrase, fixtures, outdir, run_cli):
    result = run_cli(expand(args, fixtures, outdir))
    assert result.code == code, result.err
    assert phrase in result.err, result.err
    outs = [a for a, prev in zip(args[1:], args) if prev == "--out" and a.startswith("{out}/")]
    written = sorted(a.split("/", 1)[1] for a in outs) if code == 0 else []
    assert leftovers(outdir) == written        # hidden .part/.probe/.old files included
    import os

    assert not os.path.exists(fixtures["pickle_marker"]), "a pickle in a model file was run"


def test_mp4_without_its_writer_is_refused_before_any_work(fixtures, outdir, run_cli):
    if importlib.util.find_spec("imageio_ffmpeg") is not None:
        pytest.skip("imageio-ffmpeg is installed here: MP4 can be written")
    result = run_cli(["export", "attention", "--out", f"{outdir}/f.png", "--out", f"{outdir}/f.mp4"])
    assert result.code == 2 and "imageio-ffmpeg" in result.err
    assert leftovers(outdir) == []
