"""Pretrained mode: MiniLM's attention equals transformers' own output; q·k reproduces it;
a local BERT- or GPT-2-style folder works the same way. Offline: no hub is ever reached."""

import numpy as np
import pytest
import torch

from visualizer.core.errors import ConfigError
from visualizer.labs.attention.hf import readable_token
from visualizer.labs.attention.lab import AttentionLab
from visualizer.labs.pretrained import load_pretrained

TOL = 1e-5
TEXT = "The cat sat on the mat because it was tired of unbelievable tokenization."


@pytest.fixture(scope="module")
def minilm():
    return load_pretrained("minilm")   # cached for the whole test session


@pytest.fixture(scope="module")
def minilm_frame(minilm):
    return AttentionLab(model="minilm", text=TEXT).snapshot()


def reference_attentions(model, tokenizer, text, **kw):
    enc = tokenizer(text, return_tensors="pt", **kw)
    with torch.no_grad():
        out = model(**enc, output_attentions=True, output_hidden_states=True)
    return enc, out


def test_minilm_attentions_equal_transformers_own(minilm, minilm_frame):
    model, tokenizer = minilm
    enc, out = reference_attentions(model, tokenizer, TEXT)
    ref = torch.stack([a[0] for a in out.attentions]).numpy()
    att = minilm_frame["attentions"]
    assert att.dtype == np.float32 and att.shape == (6, 12, enc["input_ids"].shape[1], enc["input_ids"].shape[1])
    assert np.abs(att - ref).max() <= TOL
    assert list(minilm_frame["token_ids"]) == enc["input_ids"][0].tolist()
    assert np.allclose(att.sum(-1), 1.0, atol=1e-5)


def test_neuron_view_q_k_reproduce_the_weights(minilm, minilm_frame):
    f = minilm_frame
    model, tokenizer = minilm
    assert f.info["neuron"] and f.info["neuron_max_error"] <= TOL
    q, k, mask, scale = f["queries"], f["keys"], f["neuron_mask"], f.info["scale"]
    assert q.shape == (6, 12, len(f["tokens"]), 32) and scale == pytest.approx(32 ** -0.5)
    scores = np.einsum("lhqd,lhkd->lhqk", q.astype(np.float64), k.astype(np.float64)) * scale
    scores = np.where(mask[:, None], -np.inf, scores)
    soft = np.exp(scores - scores.max(-1, keepdims=True))
    soft /= soft.sum(-1, keepdims=True)
    assert np.abs(soft - f["attentions"]).max() <= TOL
    # and q, k are the model's own projections of each layer's input
    _, out = reference_attentions(model, tokenizer, TEXT)
    for layer in (0, 3, 5):
        h = out.hidden_states[layer]
        sa = model.encoder.layer[layer].attention.self
        with torch.no_grad():
            q_ref = sa.query(h)[0].view(-1, 12, 32).transpose(0, 1).numpy()
            k_ref = sa.key(h)[0].view(-1, 12, 32).transpose(0, 1).numpy()
        assert np.abs(q[layer] - q_ref).max() <= 1e-4
        assert np.abs(k[layer] - k_ref).max() <= 1e-4


def test_tokens_are_the_tokenizers_own_and_labels_are_readable(minilm_frame):
    labels = list(minilm_frame["token_labels"])
    tokens = list(minilm_frame["tokens"])
    assert labels[0] == "[CLS]" and labels[-1] == "[SEP]"
    assert any(p.startswith("##") for p in tokens)
    assert not any(t.startswith("##") for t in labels)
    assert labels == [readable_token(t) for t in tokens]
    assert minilm_frame["tokens"].dtype.kind == "U" and minilm_frame["token_labels"].dtype.kind == "U"


def test_exported_tokens_equal_the_tokenizers(minilm, minilm_frame, tmp_path):
    from visualizer.core.writers import write_data

    _, tokenizer = minilm
    expected = tokenizer.convert_ids_to_tokens(list(minilm_frame["token_ids"]))
    assert list(minilm_frame["tokens"]) == expected
    written = write_data(minilm_frame, tmp_path / "d.npz")
    with np.load(written) as data:
        assert list(data["tokens"]) == expected


@pytest.mark.parametrize("piece, label", [("##ing", "ing"), ("Ġcat", "cat"), ("▁cat", "cat"), ("Ġ", "␣"),
                                          ("Ċ", "⏎"), ("[CLS]", "[CLS]"), ("##", "##")])
def test_readable_token(piece, label):
    assert readable_token(piece) == label


def test_long_text_is_truncated_and_says_so(minilm):
    text = " ".join(["word"] * 700)
    frame = AttentionLab(model="minilm", text=text).snapshot()
    assert len(frame["tokens"]) == 512 and frame["attentions"].shape[-1] == 512
    assert frame.info["truncated"] and frame.info["total_tokens"] == 702
    assert "512" in frame.info["note"] and "702" in frame.info["note"]
    assert frame["tokens"][-1] == "[SEP]"


def test_empty_text_is_a_clear_error(minilm):
    for text in ("", "   \n"):
        with pytest.raises(ConfigError) as err:
            AttentionLab(model="minilm", text=text)
        assert err.value.option == "text" and "empty" in err.value.message


def test_text_edit_recomputes(minilm):
    lab = AttentionLab(model="minilm", text="hello world")
    a = lab.snapshot()
    lab.set_params({"text": "hello there world"})
    b = lab.snapshot()
    assert len(b["tokens"]) == len(a["tokens"]) + 1 and not lab.continuous


# ---- bring your own model --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory, minilm):
    from transformers import BertConfig, BertModel

    folder = tmp_path_factory.mktemp("tiny-bert")
    _, tokenizer = minilm
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=4, intermediate_size=64, max_position_embeddings=40)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2Model, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-gpt2")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([TEXT, "the quick brown fox jumps over the lazy dog"] * 20, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>")
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=fast.vocab_size, n_embd=32, n_layer=2, n_head=4, n_positions=24)
    GPT2Model(config).save_pretrained(folder)
    return folder


@pytest.mark.parametrize("which", ["tiny_bert", "tiny_gpt2"])
def test_a_local_model_folder_works_like_minilm(which, request):
    folder = str(request.getfixturevalue(which))
    lab = AttentionLab(model=folder, text="the cat sat on the mat")
    frame = lab.snapshot()
    model, tokenizer = load_pretrained(folder)
    _, out = reference_attentions(model, tokenizer, "the cat sat on the mat")
    ref = torch.stack([a[0] for a in out.attentions]).numpy()
    assert frame["attentions"].shape == (2, 4) + ref.shape[-2:]
    assert np.abs(frame["attentions"] - ref).max() <= TOL
    assert frame.info["neuron"], frame.info["neuron_note"]
    assert frame.info["neuron_max_error"] <= TOL
    assert frame.info["model"] == folder.rstrip("/").rsplit("/", 1)[-1]
    assert not any(t.startswith(("Ġ", "##")) for t in frame["token_labels"])
    if which == "tiny_gpt2":
        T = ref.shape[-1]
        upper = np.triu(np.ones((T, T), dtype=bool), 1)
        assert np.all(frame["attentions"][:, :, upper] == 0)        # GPT-2 is causal ...
        assert np.array_equal(frame["neuron_mask"][0], upper)       # ... and the neuron view knows it
        assert "cat" in list(frame["token_labels"]) and "Ġcat" in list(frame["tokens"])


def test_a_local_model_folder_is_truncated_at_its_own_limit(tiny_gpt2):
    frame = AttentionLab(model=str(tiny_gpt2), text=" ".join(["cat"] * 60)).snapshot()
    assert len(frame["tokens"]) == 24 and frame.info["truncated"]


def test_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(ConfigError) as err:
        AttentionLab(model=str(tmp_path), text="hi")
    assert err.value.option == "model"
