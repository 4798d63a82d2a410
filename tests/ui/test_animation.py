"""File → Export animation: frames stream from the running lab into a GIF of the asked length and
the figure's size; Cancel and failures leave no file behind."""

import os

from PIL import Image

TIMEOUT = 60_000


def test_a_training_run_becomes_a_gif_of_the_asked_frames(qtbot, window, tmp_path):
    path = tmp_path / "run.gif"
    start = window.view.frame.step
    size = window.view.figure_widget().size()               # the first frame's; later ones keep it
    assert window.animation.start(path, frames=5, every=3, fps=10)
    qtbot.waitUntil(lambda: not window.animation.running, timeout=TIMEOUT)
    assert window.animation.written == path, window.last_error
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask     # an ordinary file, not mkstemp's 0600
    with Image.open(path) as gif:
        assert gif.n_frames == 5
        assert gif.size == (size.width(), size.height())
    assert window.view.frame.step == start + 4 * 3          # 3 training steps between frames


def test_cancel_leaves_nothing_behind(qtbot, window, tmp_path):
    path = tmp_path / "long.gif"
    assert window.animation.start(path, frames=500, every=1, fps=10)
    qtbot.waitUntil(lambda: window.animation.progress is not None and window.animation.progress.value() >= 2,
                    timeout=TIMEOUT)
    from PySide6.QtWidgets import QPushButton

    window.animation.progress.findChild(QPushButton).click()   # the dialog's Cancel button
    assert not window.animation.running
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_target_or_a_static_view_is_said(qtbot, window, tmp_path):
    assert not window.animation.start(tmp_path / "missing" / "a.gif", frames=3)
    assert "does not exist" in window.last_error
    assert not window.animation.start(tmp_path / "a.png", frames=3)
    assert ".gif or .mp4" in window.last_error
    assert list(tmp_path.iterdir()) == []
    window.apply_options({"static": True})
    qtbot.waitUntil(lambda: not window.runner.continuous, timeout=TIMEOUT)
    assert not window.animation.start(tmp_path / "b.gif", frames=3)
    assert "nothing to animate" in window.last_error
