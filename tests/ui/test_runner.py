"""Runner semantics on a small real lab: build, play/pause, step once, live parameters,
errors, NaN halts, abort, and frame coalescing."""

import multiprocessing
import os

import numpy as np
import pytest

from tests.support import RUNNER_TIMEOUT as TIMEOUT
from tests.support import Consumer, sync
from tests.support_labs import RegressionLab
from visualizer.core.worker import LAB_FRAME_BUDGET, LAB_FRAME_WAIT_MAX, TIMELINE_EVERY, LabLoop
from visualizer.ui.runner import ERROR, PAUSED, READY, RUNNING, STOPPED, LabRunner


def test_first_frame_is_numpy_and_lab_waits_paused(qtbot, make_runner):
    runner, consumer = make_runner()
    frame = consumer.frames[0]
    assert frame.kind == "regression" and frame.step == 0
    assert all(isinstance(a, np.ndarray) for a in frame.arrays.values())
    assert runner.state == PAUSED and not runner.playing
    assert sync(qtbot, runner) == 0  # nothing steps before Play


def test_play_then_pause_stops_stepping(qtbot, make_runner):
    runner, consumer = make_runner()
    runner.play()
    qtbot.waitUntil(lambda: runner.steps_done >= 50, timeout=TIMEOUT)
    assert runner.state == RUNNING
    runner.pause()
    paused_at = sync(qtbot, runner)
    assert runner.state == PAUSED
    assert sync(qtbot, runner) == paused_at == runner.ask("get", "steps")
    qtbot.waitUntil(lambda: consumer.frames[-1].step == paused_at, timeout=TIMEOUT)


def test_step_once_takes_exactly_one_step(qtbot, make_runner):
    runner, consumer = make_runner()
    for expected in (1, 2, 3):
        runner.step_once()
        assert sync(qtbot, runner) == expected
    qtbot.waitUntil(lambda: consumer.frames[-1].step == 3, timeout=TIMEOUT)
    assert len(consumer.frames[-1]["loss"]) == 3


def test_learning_rate_changes_between_steps_while_running(qtbot, make_runner):
    runner, _ = make_runner(lr=0.05)
    runner.play()
    qtbot.waitUntil(lambda: runner.steps_done >= 20, timeout=TIMEOUT)
    runner.set_params({"lr": 0.001})
    changed_at = sync(qtbot, runner)
    qtbot.waitUntil(lambda: runner.steps_done >= changed_at + 20, timeout=TIMEOUT)
    runner.pause()
    sync(qtbot, runner)
    seen = runner.ask("get", "lr_seen")
    assert set(seen[:changed_at]) == {0.05}
    assert set(seen[changed_at:]) == {0.001}  # every step after the change, none before
    assert runner.ask("get", "steps") > changed_at  # a live change does not reset training


def test_build_option_change_rebuilds_and_resets(qtbot, make_runner):
    runner, consumer = make_runner(features=4)
    for _ in range(3):
        runner.step_once()
    runner.set_params({"features": 7})
    assert sync(qtbot, runner) == 0
    qtbot.waitUntil(lambda: consumer.frames[-1]["weights"].shape == (1, 7), timeout=TIMEOUT)


def test_reset_with_seed_is_reproducible(qtbot, make_runner):
    runner, _ = make_runner()
    runner.reset(seed=7)
    for _ in range(5):
        runner.step_once()
    sync(qtbot, runner)
    first = runner.ask("get", "losses")
    runner.reset(seed=7)
    for _ in range(5):
        runner.step_once()
    sync(qtbot, runner)
    assert runner.ask("get", "losses") == first


def test_error_in_a_lab_is_reported_and_the_runner_survives(qtbot, make_runner):
    runner, consumer = make_runner(fail_at=5)
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT) as failed:
        runner.play()
    message = failed.args[0]
    assert "Step 5" in message and "RuntimeError" in message and "deliberate failure" in message
    assert runner.state == PAUSED and not runner.playing
    assert runner.is_alive()
    runner.set_params({"fail_at": 0})
    runner.play()
    qtbot.waitUntil(lambda: runner.lab_steps >= 10, timeout=TIMEOUT)


def test_nan_loss_halts_training_with_a_message(qtbot, make_runner):
    runner, _ = make_runner(nan_at=3)
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT) as failed:
        runner.play()
    assert "NaN" in failed.args[0] and "step 3" in failed.args[0]
    assert runner.state == PAUSED and runner.ask("get", "steps") == 2
    runner.reset()
    assert sync(qtbot, runner) == 0


def test_a_lab_that_cannot_be_built_reports_why(qtbot):
    runner = LabRunner(RegressionLab, options={"features": 0}, name="regression")
    consumer = Consumer(runner)
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT) as failed:
        runner.start()
    assert "--features" in failed.args[0] and "at least 1" in failed.args[0]
    qtbot.waitUntil(lambda: runner.state == ERROR, timeout=TIMEOUT)
    with qtbot.waitSignal(runner.frame_ready, timeout=TIMEOUT):
        runner.set_params({"features": 3})  # a corrected option builds the lab
    assert consumer.frames[-1]["weights"].shape == (1, 3)
    assert runner.stop()


def test_static_lab_does_not_play(qtbot, make_runner):
    runner, _ = make_runner(static=True)
    assert runner.state == READY
    runner.play()
    runner.step_once()
    assert sync(qtbot, runner) == 0


def test_frames_are_coalesced_until_drawn(qtbot, make_runner):
    runner, consumer = make_runner(consume=False)
    runner.play()
    qtbot.waitUntil(lambda: runner.steps_done >= 300, timeout=TIMEOUT)
    assert len(consumer.frames) == 1  # nothing new is sent until the first is drawn
    runner.frame_consumed()
    qtbot.waitUntil(lambda: len(consumer.frames) == 2, timeout=TIMEOUT)
    assert consumer.frames[1].step > 0


def test_stop_while_running_joins_within_a_second(qtbot):
    runner = LabRunner(RegressionLab, name="regression")
    consumer = Consumer(runner)
    with qtbot.waitSignal(runner.frame_ready, timeout=TIMEOUT):
        runner.start()
    runner.play()
    qtbot.waitUntil(lambda: runner.steps_done > 10, timeout=TIMEOUT)
    assert runner.stop(timeout=1.0)
    assert not runner.is_alive() and runner.state == STOPPED
    assert consumer.errors == []


def test_slow_drawing_spaces_frames_out_while_training():
    loop = LabLoop(None, RegressionLab, device="cpu", seed=0, options={}, max_fps=30, ui_budget=0.2,
                   threads=1, name="regression", window_pid=0)
    assert loop._frame_interval() == pytest.approx(1 / 30)
    loop._handle("consumed", 0.3)  # a page built while idle is not counted
    assert loop._frame_interval() == pytest.approx(1 / 30)
    loop._playing = True
    loop._handle("consumed", 0.1)  # the view took 100 ms to draw a streamed frame
    assert loop._frame_interval() == pytest.approx(0.5)  # training: drawing ≤ 20 % of the time
    loop._handle("consumed", 0.001)
    assert loop._frame_interval() == pytest.approx(0.7 * 0.1 / 0.2 + 0.3 * 0.001 / 0.2)


def test_rewind_reports_come_a_few_times_a_second_while_training_and_at_once_when_paused():
    """Checkpoints come up to ~30×/s while training; the window hears of them TIMELINE_EVERY
    apart (the latest), and of a step taken by hand or a pause at once."""
    loop = LabLoop(None, RegressionLab, device="cpu", seed=0, options={}, max_fps=30, ui_budget=0.2,
                   threads=1, name="regression", window_pid=0)
    sent = []
    loop._send = lambda *message: sent.append(message)
    loop.timeline.overhead = 0                 # a checkpoint after every step
    assert loop._build()
    reports = lambda: [m[1][-1] for m in sent if m[0] == "timeline"]   # noqa: E731 - the newest kept step
    sent.clear()                               # the build's report (step 0) was just sent
    loop._playing = True
    for _ in range(3):
        loop._step()
    loop._report_owed_timeline()               # not due yet
    assert reports() == []
    loop._timeline_sent -= TIMELINE_EVERY      # TIMELINE_EVERY later
    loop._report_owed_timeline()
    assert reports() == [3]
    loop._step()
    loop._playing = False                      # paused: what is owed is said at once
    loop._report_owed_timeline()
    assert reports() == [3, 4]
    loop._step(by_hand=True)
    assert reports() == [3, 4, 5]


def test_slow_frame_making_spaces_frames_out_while_training():
    """Cheap drawing must not turn into more snapshots than training: making frames takes at
    most LAB_FRAME_BUDGET of the lab's time while it plays."""
    here, there = multiprocessing.Pipe()
    loop = LabLoop(here, RegressionLab, device="cpu", seed=0, options={}, max_fps=1000, ui_budget=0.2,
                   threads=1, name="regression", window_pid=os.getpid())
    assert loop._build()
    snapshot = loop.lab.snapshot

    def slow_snapshot():                       # a few ms of real work, like a large model's capture
        m = np.random.default_rng(0).standard_normal((250, 250))
        for _ in range(20):
            m = np.tanh(m @ m.T / 250)
        return snapshot()

    loop.lab.snapshot = slow_snapshot
    loop._emit()
    assert loop._emit_cost == 0 and loop._frame_interval() == pytest.approx(1 / 1000)   # paused: a one-off
    loop._playing = True
    loop._frame_pending = False
    loop._emit()
    assert loop._emit_cost > 0.001
    assert loop._frame_interval() == pytest.approx(loop._emit_cost / LAB_FRAME_BUDGET)
    loop._emit_cost = 0.4                      # a 100k-node graph's snapshot: still a frame every 2 s
    assert loop._frame_interval() == pytest.approx(LAB_FRAME_WAIT_MAX)
    while there.poll():
        there.recv()
    here.close()
    there.close()
