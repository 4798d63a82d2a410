"""File → Save session / Open session in the window: the lab's state comes from its process,
the file is written by the window, and reopening shows the same figure and continues the run."""

import pytest

from tests.support_labs import assert_same_frame

from visualizer.ui.app import MainWindow

TIMEOUT = 60_000
SMALL = {"width": 32, "depth": 2, "batch": 64}


@pytest.fixture
def gan_window(qtbot):
    win = MainWindow(explainer="gan")
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    qtbot.waitUntil(lambda: win.runner is not None and win.view is not None and win.view.frame is not None,
                    timeout=TIMEOUT)
    win.apply_options(SMALL)
    qtbot.waitUntil(lambda: win.runner.ask("get", "options.width") == 32, timeout=TIMEOUT)
    yield win
    win.close()


def steps_of(qtbot, win, n):
    for _ in range(n):
        win.step_once()
    target = win.runner.ask("get", "steps")
    qtbot.waitUntil(lambda: win.view.frame.step == target, timeout=TIMEOUT)
    return target


def test_a_saved_session_reopens_the_same_figure_and_continues_the_same_run(qtbot, gan_window, tmp_path):
    win = gan_window
    steps_of(qtbot, win, 5)
    win.controls.seed_box.setValue(0)
    saved_frame = win.view.frame
    path = tmp_path / "demo.vis"
    assert win.sessions.save_to(path)
    qtbot.waitUntil(lambda: not win.sessions.saving, timeout=TIMEOUT)
    assert win.sessions.saved_path == path and path.stat().st_size > 0, win.last_error
    assert [p.name for p in tmp_path.iterdir()] == ["demo.vis"]      # no temporary file left
    after_save = steps_of(qtbot, win, 3)
    continued = win.view.frame                                        # the run had it not been saved

    win.open_explainer("positional")                                  # somewhere else in between
    qtbot.waitUntil(lambda: win.view.frame is not None, timeout=TIMEOUT)
    assert win.sessions.open_file(path)
    qtbot.waitUntil(lambda: win.explainer.id == "gan" and win.view.frame is not None, timeout=TIMEOUT)
    assert win.view.frame.step == 5
    assert_same_frame(win.view.frame, saved_frame)
    assert win.session.options["width"] == 32 and win.options_panel.widgets["width"].value() == 32
    assert steps_of(qtbot, win, 3) == after_save
    assert_same_frame(win.view.frame, continued)


def test_a_bad_session_file_is_said_and_changes_nothing(qtbot, gan_window, tmp_path):
    win = gan_window
    runner = win.runner
    bad = tmp_path / "broken.vis"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert not win.sessions.open_file(bad)
    assert "broken.vis" in win.last_error
    assert win.runner is runner and win.explainer.id == "gan"


def test_rewind_goes_back_to_a_kept_step_and_a_branch_can_be_undone(qtbot, gan_window):
    win = gan_window
    last = steps_of(qtbot, win, 12)
    qtbot.waitUntil(lambda: win.timeline.isVisible() and win.timeline.steps[-1] == last, timeout=TIMEOUT)
    at_last = win.view.frame
    kept = win.timeline.steps
    back = kept[len(kept) // 2]
    win.timeline.rewind_requested.emit(back)
    qtbot.waitUntil(lambda: win.view.frame.step == back, timeout=TIMEOUT)
    assert win.runner.state == "paused" and win.timeline.rewound_to == back
    steps_of(qtbot, win, 2)                                          # playing on: a new branch
    qtbot.waitUntil(lambda: win.timeline.undo.isVisible(), timeout=TIMEOUT)
    assert max(win.timeline.steps) == back + 2
    win.timeline.undo.click()
    qtbot.waitUntil(lambda: win.view.frame.step == last, timeout=TIMEOUT)
    assert_same_frame(win.view.frame, at_last)                             # the old future, exactly
    assert not win.timeline.undo.isVisible()


def test_the_timeline_bar_shows_each_report_of_the_current_runner_only(qtbot, gan_window, monkeypatch):
    """The lab's process spaces its reports out while training (tests/ui/test_runner.py)."""
    win = gan_window
    binding = win._binding
    shown = []
    monkeypatch.setattr(win.timeline, "show_timeline", shown.append)
    report = lambda step: {"steps": [0, step], "rewound_to": None, "can_undo": False, "bytes": 0}   # noqa: E731
    binding.timeline(report(4))
    assert shown[-1]["steps"][-1] == 4
    binding.runner = None                    # the runner was replaced: a report still queued is dropped
    binding.timeline(report(5))
    assert shown[-1]["steps"][-1] == 4
