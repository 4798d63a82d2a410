"""The LSTM solves the adding problem where the plain RNN does not (the lesson's pinned
configuration: T = 30, hidden 32, batch 64, Adam 1e-2, gradient clip 1)."""

import pytest
import torch

from visualizer.labs.lstm.lab import LSTMLab

PINNED = {"task": "adding", "length": 30, "hidden": 32, "batch": 64, "lr": 1e-2, "clip": 1.0}
STEPS = 600


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/labs/conftest.py


def held_out_mse(lab):
    gen = torch.Generator()
    gen.manual_seed(12345)
    x, y = lab.task.batch(1000, gen)
    with torch.no_grad():
        return float(lab.task.loss(lab.model(x), y))


def test_the_lstm_solves_the_adding_problem_where_the_rnn_stays_at_chance():
    result = {}
    for cell in ("lstm", "rnn"):
        lab = LSTMLab(seed=1, cell=cell, **PINNED)
        for _ in range(STEPS):
            lab.step()
        result[cell] = held_out_mse(lab)
    assert result["lstm"] < 0.02, result          # well under the 0.167 of always answering 1
    assert result["rnn"] > 0.12, result           # near it
    f = lab.snapshot()
    assert f.info["baseline_loss"] == pytest.approx(1 / 6)
