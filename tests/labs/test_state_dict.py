"""Lab.state_dict / load_state_dict: a lab restored from its state shows the same frame and
goes on with the same run, bit for bit; a state that does not fit is refused and changes nothing."""

import numpy as np
import pytest

from visualizer.core import state as st
from tests.support_labs import assert_same_frame

# (explainer, lab class path, options, steps before the save, steps after): tiny, so it runs fast
CASES = {
    "attention-mha": ("visualizer.labs.attention.lab:AttentionLab",
                      dict(model="mha", dim=4, heads=2, text="the cat sat", causal=True), 0, 0),
    "attention-train": ("visualizer.labs.attention.lab:AttentionLab",
                        dict(model="train", dim=8, heads=2, length=4, task="sort"), 3, 3),
    "positional-sinusoidal": ("visualizer.labs.positional.lab:PositionalLab",
                              dict(kind="sinusoidal", positions=8, dim=8), 0, 0),
    "positional-rope": ("visualizer.labs.positional.lab:PositionalLab",
                        dict(kind="rope", positions=12, dim=8, position=3, offset=2), 4, 3),
    "positional-alibi": ("visualizer.labs.positional.lab:PositionalLab",
                         dict(kind="alibi", positions=6, heads=2), 0, 0),
    "lstm-adding": ("visualizer.labs.lstm.lab:LSTMLab",
                    dict(task="adding", cell="lstm", hidden=6, batch=4, length=6), 3, 3),
    "lstm-compare": ("visualizer.labs.lstm.lab:LSTMLab",
                     dict(task="brackets", compare=True, hidden=4, batch=3, length=5), 2, 2),
    "gan-ring8": ("visualizer.labs.gan.lab:GANLab",
                  dict(distribution="ring8", width=8, depth=1, batch=16), 3, 3),
    "gan-wgan-d-only": ("visualizer.labs.gan.lab:GANLab",
                        dict(distribution="moons", width=8, depth=1, batch=16, loss="wgan-gp", phase="d",
                             optimizer="sgd"), 2, 2),
    "gan-drawn": ("visualizer.labs.gan.lab:GANLab",
                  dict(distribution="custom", custom_points="0,0;1,1;2,0;1,-1", width=8, depth=1, batch=16), 2, 2),
    "gnn-gcn-dropout": ("visualizer.labs.gnn.lab:GNNLab",
                        dict(graph="karate", model="gcn", hidden=4, dropout=0.5), 3, 3),
    "gnn-gat": ("visualizer.labs.gnn.lab:GNNLab",
                dict(graph="grid", nodes=16, model="gat", hidden=2, heads=2, layout="pivotmds"), 2, 2),
}


def lab_class(path):
    import importlib

    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def make(case, **over):
    path, options, _, _ = CASES[case]
    lab = lab_class(path)(seed=3, **{**options, **over})
    if hasattr(lab, "throttle"):
        lab.throttle = False     # the LSTM reuses stale internals by wall time otherwise
    return lab


def through_plain_data(state: dict) -> dict:
    """What a session file keeps: flattened to arrays + JSON metadata and back."""
    import json

    arrays, meta = st.flatten(state)
    meta = json.loads(json.dumps(meta))
    return st.unflatten({k: np.array(v) for k, v in arrays.items()}, meta)


def perturb_global_rngs():
    import random

    import torch

    torch.rand(7)
    np.random.rand(5)
    random.random()


@pytest.mark.parametrize("case", sorted(CASES))
def test_restored_lab_shows_the_same_frame_and_continues_the_same_run(case, one_torch_thread):
    _, _, before, after = CASES[case]
    lab = make(case)
    for _ in range(before):
        lab.step()
    saved = through_plain_data(lab.state_dict())
    frame = lab.snapshot()

    perturb_global_rngs()              # whatever ran in between, the restored lab picks up where it was
    again = make(case)
    again.load_state_dict(saved)
    assert again.steps == lab.steps == before
    assert_same_frame(frame, again.snapshot())

    # the unsaved run goes on; the process-wide generators are the saved ones again (load set them)
    for _ in range(after):
        lab.step()
    expected = lab.snapshot()
    again.load_state_dict(saved)       # the restored run: from the state, generators included
    for _ in range(after):
        again.step()
    assert_same_frame(expected, again.snapshot())


def test_restored_run_equals_one_never_saved(one_torch_thread):
    """Train 4 steps straight through, or 2, save, restore into a fresh lab, 2 more: the same."""
    straight = make("gnn-gcn-dropout")
    for _ in range(2):
        straight.step()
    saved = through_plain_data(straight.state_dict())
    for _ in range(2):
        straight.step()
    resumed = make("gnn-gcn-dropout")
    resumed.load_state_dict(saved)     # also puts torch's global generator (dropout) where it was
    for _ in range(2):
        resumed.step()
    assert_same_frame(straight.snapshot(), resumed.snapshot())
    assert resumed.snapshot().arrays["loss"].shape == (4,)


def test_live_changes_survive(one_torch_thread):
    lab = make("gan-ring8")
    lab.step()
    lab.set_param("lr_g", 0.01)
    lab.set_param("optimizer", "sgd")
    lab.step()
    saved = through_plain_data(lab.state_dict())
    again = make("gan-ring8", lr_g=0.01, optimizer="sgd")
    again.load_state_dict(saved)
    frame = again.snapshot()
    assert list(frame.arrays["event_name"]) == ["lr_g", "optimizer"]
    assert_same_frame(lab.snapshot(), frame)


@pytest.mark.parametrize("case, other, phrase", [
    ("gan-ring8", dict(width=12), r"width = 8.*built with 12"),
    ("lstm-adding", dict(lr=0.5), r"lr = 0.01"),
    ("attention-train", dict(model="mha", text="a b"), r"model = 'train'"),
])
def test_a_state_from_other_options_is_refused_and_changes_nothing(case, other, phrase, one_torch_thread):
    lab = make(case)
    lab.step()
    saved = through_plain_data(lab.state_dict())
    target = make(case, **other)
    frame = target.snapshot()
    with pytest.raises(st.StateError, match=phrase):
        target.load_state_dict(saved)
    assert target.steps == 0
    assert_same_frame(frame, target.snapshot())


def test_weights_that_do_not_fit_are_refused_before_anything_is_loaded(one_torch_thread):
    import torch

    lab = make("gan-ring8")
    lab.step()
    saved = through_plain_data(lab.state_dict())
    saved["parts"]["D"]["net.2.weight"] = torch.zeros(1, 9)    # the last layer, one input too many
    target = make("gan-ring8")
    g_before = {k: v.clone() for k, v in target.G.state_dict().items()}
    with pytest.raises(st.StateError, match=r"parts/D/net.2.weight has shape \(1, 9\).*needs \(1, 8\)"):
        target.load_state_dict(saved)
    for k, v in target.G.state_dict().items():                 # G comes first: it was not touched either
        assert torch.equal(v, g_before[k])
    assert target.steps == 0


def test_a_state_of_another_lab_or_a_newer_version_is_refused(one_torch_thread):
    gan = make("gan-ring8")
    lstm = make("lstm-adding")
    with pytest.raises(st.StateError, match="GANLab"):
        lstm.load_state_dict(gan.state_dict())
    newer = gan.state_dict()
    newer["version"] = 99
    with pytest.raises(st.StateError, match="version 99"):
        gan.load_state_dict(newer)


def test_flatten_keeps_tensors_arrays_text_and_numbers():
    import torch

    state = {"a": torch.arange(3), "b": {"c": np.array([True, False]), "d": [1, 2.5, None, "x"]},
             "e": np.array([["p", "q"]]), "f": float("nan"), "g": torch.tensor(2.0)}
    arrays, meta = st.flatten(state)
    assert sorted(arrays) == ["a", "b/c", "g"] and arrays["g"].shape == ()
    back = st.unflatten(arrays, meta)
    assert torch.equal(back["a"], state["a"]) and back["g"].shape == ()
    assert back["b"]["c"].tolist() == [True, False] and back["b"]["d"] == [1, 2.5, None, "x"]
    assert back["e"].tolist() == [["p", "q"]] and np.isnan(back["f"])
    with pytest.raises(st.StateError, match="'x/y'"):
        st.flatten({"x": {"y": object()}})
    with pytest.raises(st.StateError, match="not in the file"):
        st.unflatten({}, meta)
