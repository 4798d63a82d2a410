"""Step-through mode: every stage reproduces nn.MultiheadAttention, masks do what they say."""

import math

import numpy as np
import pytest
import torch

from visualizer.core.errors import ConfigError
from visualizer.core.writers import write_data
from visualizer.labs.attention.config import OPTIONS, parse_mask, split_words, toggle_mask_cell
from visualizer.labs.attention.lab import AttentionLab

TOL = 1e-5
CASES = [
    dict(),                                                     # defaults: dim 8, 2 heads, no mask
    dict(dim=12, heads=3, causal=True),
    dict(dim=16, heads=4, pad_to=14, custom_mask="2:3 5:1 5:2"),
    dict(dim=6, heads=1, causal=True, pad_to=13, custom_mask="2:1 13:2", text="A short one, with commas!"),
]


def reference_stages(frame):
    """Multi-head attention recomputed here from the frame's parameters alone (float64)."""
    x = torch.tensor(frame["x"], dtype=torch.float64)
    w = torch.tensor(frame["in_proj_weight"], dtype=torch.float64)
    b = torch.tensor(frame["in_proj_bias"], dtype=torch.float64)
    wo = torch.tensor(frame["out_proj_weight"], dtype=torch.float64)
    bo = torch.tensor(frame["out_proj_bias"], dtype=torch.float64)
    mask = torch.tensor(frame["mask"])
    T, d = x.shape
    nh = frame.info["heads"]
    hs = d // nh
    q, k, v = (x @ w[i * d:(i + 1) * d].T + b[i * d:(i + 1) * d] for i in range(3))
    q, k, v = (t.reshape(T, nh, hs).permute(1, 0, 2) for t in (q, k, v))
    scores = torch.einsum("htc,hsc->hts", q, k)
    scaled = scores / math.sqrt(hs)
    masked = scaled.masked_fill(mask, float("-inf"))
    weights = torch.softmax(masked, dim=-1)
    context = weights @ v
    concat = context.permute(1, 0, 2).reshape(T, d)
    output = concat @ wo.T + bo
    return dict(q=q, k=k, v=v, scores=scores, scaled=scaled, masked=masked, weights=weights,
                context=context, concat=concat, output=output)


def module_from_frame(frame):
    """A fresh nn.MultiheadAttention loaded with the frame's parameters: PyTorch alone."""
    d = frame["x"].shape[1]
    mha = torch.nn.MultiheadAttention(d, frame.info["heads"], batch_first=True)
    mha.load_state_dict({
        "in_proj_weight": torch.tensor(frame["in_proj_weight"]), "in_proj_bias": torch.tensor(frame["in_proj_bias"]),
        "out_proj.weight": torch.tensor(frame["out_proj_weight"]), "out_proj.bias": torch.tensor(frame["out_proj_bias"]),
    })
    return mha.eval()


@pytest.mark.parametrize("options", CASES)
def test_every_stage_reproduces_the_module(options):
    frame = AttentionLab(model="mha", seed=3, **options).snapshot()
    ref = reference_stages(frame)
    for name in ("q", "k", "v", "scores", "scaled", "context", "concat"):
        assert np.allclose(frame[name], ref[name].numpy(), atol=TOL), name
    finite = np.isfinite(frame["masked"])
    assert np.array_equal(finite, ~frame["mask"][None].repeat(frame.info["heads"], 0))
    assert np.allclose(frame["masked"][finite], ref["masked"].numpy()[finite], atol=TOL)
    # the weights and output the view shows are the module's own, and the hand-made stages give them
    assert np.abs(frame["weights"] - ref["weights"].numpy()).max() <= TOL
    assert np.abs(frame["output"] - ref["output"].numpy()).max() <= TOL

    mha = module_from_frame(frame)
    x = torch.tensor(frame["x"])[None]
    with torch.no_grad():
        out, w = mha(x, x, x, attn_mask=torch.tensor(frame["mask"]), need_weights=True, average_attn_weights=False)
        out2, w2 = mha(x, x, x, attn_mask=torch.tensor(frame["attn_mask"]),
                       key_padding_mask=torch.tensor(frame["key_padding_mask"])[None],
                       need_weights=True, average_attn_weights=False)
    for o, ww in ((out, w), (out2, w2)):
        assert np.abs(o[0].numpy() - frame["output"]).max() <= TOL
        assert np.abs(ww[0].numpy() - frame["weights"]).max() <= TOL


@pytest.mark.parametrize("options", CASES)
def test_rows_sum_to_one_and_masked_keys_get_nothing(options):
    frame = AttentionLab(model="mha", **options).snapshot()
    w = frame["weights"]                                             # (nh, T, T)
    assert np.allclose(w.sum(-1), 1.0, atol=1e-6)
    assert np.all(w[:, frame["mask"]] == 0.0)
    T = len(frame["tokens"])
    n_real = frame.info["real_tokens"]
    assert np.all(w[:, :, n_real:] == 0.0)                           # padding keys
    if options.get("causal"):
        assert np.all(w[:, np.triu(np.ones((T, T), dtype=bool), 1)] == 0.0)
    for q, k in parse_mask(options.get("custom_mask", "")):
        if q < T and k < T:
            assert np.all(w[:, q, k] == 0.0)


def test_padding_and_masks_are_in_the_frame():
    frame = AttentionLab(model="mha", text="one two three", pad_to=5, causal=True, custom_mask="3:1").snapshot()
    assert list(frame["tokens"]) == ["one", "two", "three", "[PAD]", "[PAD]"]
    assert list(frame["key_padding_mask"]) == [False, False, False, True, True]
    assert frame["custom_mask"][2, 0] and frame["custom_mask"].sum() == 1
    assert frame["mask"][0, 1] and not frame["mask"][1, 0] and frame["mask"][2, 0]
    assert frame.info["padding"] == 2 and frame.info["causal"]
    assert frame["x"].dtype == np.float32 and frame["weights"].shape == (2, 5, 5)


def test_exported_npz_is_enough_to_reproduce_with_pytorch(tmp_path):
    frame = AttentionLab(model="mha", dim=12, heads=3, pad_to=13, custom_mask="4:2").snapshot()
    path = write_data(frame, tmp_path / "mha.npz")
    data = np.load(path)
    assert data["tokens"].dtype.kind == "U"

    class F:
        arrays = {k: data[k] for k in data.files}
        info = {"heads": 3}

        def __getitem__(self, k):
            return self.arrays[k]

    mha = module_from_frame(F())
    x = torch.tensor(data["x"])[None]
    with torch.no_grad():
        out, w = mha(x, x, x, attn_mask=torch.tensor(data["mask"]), need_weights=True, average_attn_weights=False)
    assert np.abs(out[0].numpy() - data["output"]).max() <= TOL
    assert np.abs(w[0].numpy() - data["weights"]).max() <= TOL


def test_same_word_same_embedding_whatever_the_sentence():
    a = AttentionLab(model="mha", text="the cat sat").snapshot()
    b = AttentionLab(model="mha", text="a big cat").snapshot()
    from visualizer.labs.attention.mha import sinusoidal_positions

    pe = sinusoidal_positions(3, 8).numpy()
    assert np.allclose(a["x"][1] - pe[1], b["x"][2] - pe[2], atol=1e-6)   # "cat"


def test_sinusoidal_positions_formula():
    from visualizer.labs.attention.mha import sinusoidal_positions

    pe = sinusoidal_positions(7, 6).numpy()
    pos, i = 5, 2
    assert pe[pos, 2 * i] == pytest.approx(math.sin(pos / 10000 ** (2 * i / 6)), abs=1e-6)
    assert pe[pos, 2 * i + 1] == pytest.approx(math.cos(pos / 10000 ** (2 * i / 6)), abs=1e-6)
    assert sinusoidal_positions(4, 5).shape == (4, 5)                  # odd sizes work too


def test_long_text_is_cut_and_says_so():
    frame = AttentionLab(model="mha", text=" ".join(f"w{i}" for i in range(50))).snapshot()
    assert len(frame["tokens"]) == 32
    assert "50" in frame.info["note"] and "32" in frame.info["note"]


def test_words_and_cjk_split():
    assert split_words("Don't panic, 42!") == ["don't", "panic", ",", "42", "!"]
    assert split_words("注意力机制") == ["注", "意", "力", "机", "制"]


@pytest.mark.parametrize("values, option", [
    (dict(text="   "), "text"),
    (dict(text="!!!", pad_to=0), None),                               # punctuation is a token: fine
    (dict(dim=10, heads=3), "heads"),
    (dict(custom_mask="1:1 1:2 1:3", text="a b c"), "custom_mask"),   # every key of a query masked
    (dict(custom_mask="2-x"), "custom_mask"),
    (dict(custom_mask="0:1"), "custom_mask"),
    (dict(model="/no/such/folder"), "model"),
])
def test_bad_options_say_which_and_why(values, option):
    if option is None:
        AttentionLab(model="mha", **values)
        return
    with pytest.raises(ConfigError) as err:
        AttentionLab(**{"model": "mha", **values})
    assert err.value.option == option
    assert err.value.message


def test_mask_cells_toggle_and_out_of_range_cells_are_ignored():
    assert toggle_mask_cell("", 1, 2) == "2:3"
    assert toggle_mask_cell("2:3 4:1", 1, 2) == "4:1"
    frame = AttentionLab(model="mha", text="a b c", custom_mask="9:9 2:1").snapshot()
    assert frame["custom_mask"].sum() == 1


def test_rebuild_after_a_click_changes_only_that_cell():
    lab = AttentionLab(model="mha", seed=1)
    before = lab.snapshot()
    lab.set_params({"custom_mask": toggle_mask_cell("", 0, 1)})
    after = lab.snapshot()
    assert np.array_equal(before["x"], after["x"])
    assert np.array_equal(before["in_proj_weight"], after["in_proj_weight"])
    assert after["weights"][:, 0, 1].max() == 0 and before["weights"][:, 0, 1].min() > 0
    assert np.allclose(before["weights"][:, 1:], after["weights"][:, 1:])


def test_options_have_the_flags_the_cli_uses():
    flags = {o.flag for o in OPTIONS}
    assert {"--model", "--text", "--dim", "--heads", "--causal", "--pad-to", "--layer", "--head",
            "--custom-mask", "--task", "--lr", "--panel", "--stage", "--query"} <= flags
    assert {o.name for o in OPTIONS.by_role("view")} == {"stage", "panel", "layer", "head", "query", "levels"}
    assert OPTIONS["lr"].role == "live"
    assert not {"seed", "steps", "device", "out"} & {o.name for o in OPTIONS}


def test_only_training_is_continuous():
    assert not AttentionLab(model="mha").continuous
    assert AttentionLab(model="train").continuous
