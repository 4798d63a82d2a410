"""A few rows as real processes: what only a whole process shows (a segfault in Qt's teardown, a
file-size limit, an unwritable folder as the CI's root user, a clean exit after a figure)."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess

import pytest

from tests.reliability.conftest import PYTHON, leftovers, subprocess_env


def visualizer(*args, fsize: int | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    def limit():  # in the child only: a disk that fills after `fsize` bytes per file
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    return subprocess.run([PYTHON, "-m", "visualizer", *map(str, args)], capture_output=True, text=True,
                          env=subprocess_env(), timeout=timeout, preexec_fn=limit if fsize else None)


def assert_clean(done: subprocess.CompletedProcess, code: int, phrase: str = "") -> None:
    assert done.returncode >= 0, f"killed by signal {-done.returncode} (a crash)\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-2000:]
    assert done.returncode == code, done.stderr[-2000:]
    if code:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and phrase in lines[0], done.stderr[-2000:]


@pytest.fixture
def unwritable(tmp_path):
    """A folder no file can be created in, also for root (CI): immutable where root can say so,
    else read-only by permissions."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                            capture_output=True).returncode:
            pytest.skip("running as root where a folder cannot be made immutable")
        yield folder
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


def test_huge_csv_values_end_in_one_line_not_a_traceback_or_a_segfault(fixtures, outdir):
    done = visualizer("export", "gan", "--distribution", fixtures["huge.csv"], "--width", "8", "--depth", "1",
                      "--batch", "8", "--out", outdir / "f.png")
    assert_clean(done, 2, "rescale the data")
    assert leftovers(outdir) == []


def test_a_full_disk_after_the_view_is_built_exits_1_and_leaves_nothing(outdir):
    """The figure and the data are rendered, then the writes hit a 16 KB file-size limit: one line,
    exit 1, no crash in Qt's teardown, and neither the outputs nor their .part files stay."""
    done = visualizer("export", "attention", "--size", "640x400", "--out", outdir / "f.png",
                      "--out", outdir / "f.json", fsize=16_384)
    assert_clean(done, 1, "File too large")
    assert leftovers(outdir) == []


def test_an_unwritable_folder_is_found_before_any_training(unwritable, outdir):
    """Ten million steps would never finish within the timeout: the refusal comes first."""
    done = visualizer("export", "gan", "--steps", "10000000", "--width", "8", "--depth", "1", "--batch", "8",
                      "--out", outdir / "f.npz", "--out", unwritable / "f.png", timeout=120)
    assert_clean(done, 2, "cannot write into the folder")
    assert leftovers(outdir) == [] and leftovers(unwritable) == []


def test_a_figure_and_an_animation_exit_cleanly(outdir):
    done = visualizer("export", "attention", "--model", "train", "--steps", "4", "--frames", "3",
                      "--size", "400x300", "--out", outdir / "f.png", "--out", outdir / "f.gif")
    assert_clean(done, 0)
    assert done.stderr == ""          # no Qt chatter ("propagateSizeHints"), no warnings
    assert leftovers(outdir) == ["f.gif", "f.png"]
