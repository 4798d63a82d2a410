"""Rewind: checkpoints are the lab's exact state (a rewound run continues bit for bit as the
original did), the ring stays within its memory budget by thinning, and a branch can be undone."""

import pytest

from tests.support_labs import assert_same_frame

from visualizer.core.timeline import Timeline, state_bytes
from visualizer.core.worker import LabLoop
from visualizer.labs.gan.lab import GANLab

SMALL = {"width": 16, "depth": 2, "batch": 32}


def run_with_checkpoints(lab, timeline, steps):
    frames = {}
    for _ in range(steps):
        lab.step()
        if timeline.due(lab.steps):
            timeline.add(lab.steps, lab.session_state())
        frames[lab.steps] = lab.snapshot()
    return frames


def test_a_rewound_lab_is_the_lab_it_was_and_goes_on_the_same(one_torch_thread):
    lab = GANLab(seed=0, **SMALL)
    timeline = Timeline(overhead=0)
    timeline.add(0, lab.session_state())
    frames = run_with_checkpoints(lab, timeline, 20)
    lab.load_session_state(timeline.at(8))
    assert_same_frame(lab.snapshot(), frames[8])                 # the checkpoint did not follow the training
    for _ in range(7):
        lab.step()
    assert_same_frame(lab.snapshot(), frames[15])                # and the run goes on as it did


def test_the_ring_thins_to_its_budget_and_keeps_the_whole_run(one_torch_thread):
    lab = GANLab(seed=0, **SMALL)
    one = state_bytes(lab.session_state())
    timeline = Timeline(budget_bytes=12 * one, overhead=0)
    run_with_checkpoints(lab, timeline, 60)
    steps = timeline.steps()
    assert timeline.bytes <= timeline.budget
    assert steps[0] == 1 and steps[-1] > 60 - timeline.every   # the first and a recent one stay
    assert 3 <= len(steps) <= 12 and timeline.every > 1


def test_branching_drops_the_future_and_undo_puts_it_back(one_torch_thread):
    lab = GANLab(seed=0, **SMALL)
    timeline = Timeline(overhead=0)
    frames = run_with_checkpoints(lab, timeline, 12)
    lab.load_session_state(timeline.at(5))
    assert timeline.branch(5) and timeline.steps() == [1, 2, 3, 4, 5]
    lab.set_params({"lr_d": 0.01})                   # the new branch trains differently
    run_with_checkpoints(lab, timeline, 3)
    assert timeline.steps()[-1] == 8 and timeline.can_undo
    last, state = timeline.undo_branch()
    assert last == 12 and timeline.steps() == list(range(1, 13)) and not timeline.can_undo
    loop = LabLoop(None, GANLab, device="cpu", seed=0, options={}, max_fps=30, ui_budget=0.2, threads=1,
                   name="gan", window_pid=0)
    loop.lab, loop._send = lab, lambda *message: None
    loop._load_checkpoint(state)               # the lr of that time comes back with it
    assert lab.options["lr_d"] == 0.002
    assert_same_frame(lab.snapshot(), frames[12])


def test_a_missing_checkpoint_is_named():
    timeline = Timeline()
    with pytest.raises(KeyError, match="no checkpoint at step 3"):
        timeline.at(3)


def test_a_cheap_checkpoint_still_waits_its_minimum_interval(monkeypatch):
    """The pause after a checkpoint is cost / overhead, but never under min_interval: a lab whose
    state is captured in well under a millisecond does not pay for 30 checkpoints a second."""
    import visualizer.core.timeline as timeline_module

    clock = [100.0]
    monkeypatch.setattr(timeline_module.time, "perf_counter", lambda: clock[0])
    timeline = Timeline(overhead=0.02, min_interval=0.1)
    timeline.add(1, {"arrays": {}, "meta": {}}, cost=0.0005)   # cost / overhead alone: 25 ms
    clock[0] += 0.05
    assert not timeline.due(2)
    clock[0] += 0.051
    assert timeline.due(2)
    timeline.add(2, {"arrays": {}, "meta": {}}, cost=0.01)      # an expensive one: 0.5 s pause
    clock[0] += 0.3
    assert not timeline.due(3)
    clock[0] += 0.21
    assert timeline.due(3)
