"""Train mode: a seeded tiny transformer learns reversal, and its attention finds the mirror."""

import numpy as np
import pytest
import torch

from visualizer.core.errors import ConfigError, TrainingHalted
from visualizer.labs.attention.lab import AttentionLab
from visualizer.labs.attention.tiny import History, SelfAttention, make_targets


def test_reversal_is_learned_and_attention_finds_the_mirror(one_torch_thread):
    lab = AttentionLab(model="train", task="reverse", seed=0, dim=16, heads=2, length=8, lr=1e-2)
    accuracy = 0.0
    for _ in range(12):                       # at most 600 steps; it usually needs about 100
        for _ in range(50):
            lab.step()
        accuracy, att = lab.engine.evaluate()
        if accuracy >= 0.97:
            break
    assert accuracy >= 0.95
    T = 8
    mirror = att[-1][:, np.arange(T), T - 1 - np.arange(T)]            # (nh, T): weight on key T-1-i
    best = mirror.mean(axis=1).argmax()
    assert mirror[best].mean() >= 0.5
    assert np.mean(att[-1][best].argmax(axis=-1) == T - 1 - np.arange(T)) >= 0.9
    frame = lab.snapshot()
    assert frame.kind == "train" and frame.info["steps"] == lab.steps
    assert np.array_equal(frame["sample_prediction"], frame["sample_target"])
    assert frame["attentions"].shape == (1, 2, T, T)
    assert np.allclose(frame["attentions"].sum(-1), 1.0, atol=1e-5)
    assert frame["history_loss"][-1] < frame["history_loss"][0]


def test_learning_rate_is_live_and_other_options_rebuild():
    lab = AttentionLab(model="train")
    for _ in range(3):
        lab.step()
    lab.set_param("lr", 0.0123)
    assert lab.engine.optimizer.param_groups[0]["lr"] == 0.0123 and lab.steps == 3
    assert lab.snapshot().info["lr"] == 0.0123
    lab.set_param("task", "sort")
    assert lab.steps == 0 and lab.engine.task == "sort"


def test_targets():
    x = torch.tensor([[3, 1, 2]])
    assert make_targets("reverse", x).tolist() == [[2, 1, 3]]
    assert make_targets("copy", x).tolist() == [[3, 1, 2]]
    assert make_targets("sort", x).tolist() == [[1, 2, 3]]


def test_explicit_attention_matches_torch_sdpa():
    torch.manual_seed(0)
    attn = SelfAttention(16, 4)
    x = torch.randn(2, 5, 16)
    y = attn(x)
    q, k, v = attn.c_attn(x).split(16, dim=2)
    q, k, v = (t.view(2, 5, 4, 4).transpose(1, 2) for t in (q, k, v))
    ref = torch.nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(2, 5, 16)
    assert torch.allclose(y, attn.c_proj(ref), atol=1e-5)
    assert torch.allclose(attn.last_att.sum(-1), torch.ones(2, 4, 5), atol=1e-6)


def test_nan_loss_halts_training_with_a_message():
    lab = AttentionLab(model="train")
    with torch.no_grad():
        lab.engine.model.lm_head.weight.fill_(float("nan"))
    with pytest.raises(TrainingHalted) as err:
        lab.step()
    assert "learning rate" in str(err.value)


def test_history_stays_bounded_and_spans_the_run():
    h = History(capacity=10)
    for step in range(1, 1001):
        h.add(step, loss=1.0 / step)
    arrays = h.arrays()
    assert len(arrays["history_step"]) <= 10
    assert arrays["history_step"][0] == 1 and arrays["history_step"][-1] == 1000
    assert arrays["history_loss"][-1] == pytest.approx(1e-3)
    assert len(arrays["history_loss"]) == len(arrays["history_step"])


def test_train_heads_are_limited():
    with pytest.raises(ConfigError) as err:
        AttentionLab(model="train", heads=8)
    assert err.value.option == "heads"
