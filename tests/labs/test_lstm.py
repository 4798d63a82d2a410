"""The LSTM lab: gates and states recomputed from a real module's weights equal the module's
outputs; the gradient norm equals autograd on an independent unroll; runs repeat for a seed;
bad corpora and bad checkpoints are refused with a ConfigError naming the problem."""

import pickle

import numpy as np
import pytest
import torch
from torch import nn

from visualizer.core.errors import ConfigError
from visualizer.core.writers import write_data
from visualizer.labs.lstm import finder
from visualizer.labs.lstm.config import OPTIONS
from visualizer.labs.lstm.gates import grad_norm, unroll
from visualizer.labs.lstm.lab import LSTMLab
from visualizer.labs.lstm.tasks import text_properties

SMALL = {"task": "adding", "length": 12, "hidden": 8, "batch": 16}


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/labs/conftest.py


# ---- gates and states equal the module's own outputs -------------------------------------------
def reference_layer(kind, module, k, x):
    """Step the library's own cell (nn.LSTMCell / GRUCell / RNNCell) with layer k's weights,
    and write the gates out of the weights with explicit slices (an independent reference)."""
    H = module.hidden_size
    cls = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "rnn": nn.RNNCell}[kind]
    cell = cls(x.shape[1], H)
    W_ih, W_hh = getattr(module, f"weight_ih_l{k}"), getattr(module, f"weight_hh_l{k}")
    b_ih, b_hh = getattr(module, f"bias_ih_l{k}"), getattr(module, f"bias_hh_l{k}")
    with torch.no_grad():
        cell.weight_ih.copy_(W_ih)
        cell.weight_hh.copy_(W_hh)
        cell.bias_ih.copy_(b_ih)
        cell.bias_hh.copy_(b_hh)
    h = torch.zeros(1, H)
    c = torch.zeros(1, H)
    hs, cs, gs = [], [], []
    with torch.no_grad():
        for t in range(x.shape[0]):
            xt = x[t:t + 1]
            def part(j, W, b, v):
                return v @ W[j * H:(j + 1) * H].T + b[j * H:(j + 1) * H]
            if kind == "lstm":
                pre = [part(j, W_ih, b_ih, xt) + part(j, W_hh, b_hh, h) for j in range(4)]
                gs.append(torch.stack([torch.sigmoid(pre[0]), torch.sigmoid(pre[1]), torch.tanh(pre[2]),
                                       torch.sigmoid(pre[3])])[:, 0])
                h, c = cell(xt, (h, c))
                cs.append(c[0])
            elif kind == "gru":
                r = torch.sigmoid(part(0, W_ih, b_ih, xt) + part(0, W_hh, b_hh, h))
                z = torch.sigmoid(part(1, W_ih, b_ih, xt) + part(1, W_hh, b_hh, h))
                n = torch.tanh(part(2, W_ih, b_ih, xt) + r * part(2, W_hh, b_hh, h))
                gs.append(torch.stack([r, z, n])[:, 0])
                h = cell(xt, h)
            else:
                h = cell(xt, h)
            hs.append(h[0])
    return torch.stack(hs), (torch.stack(cs) if cs else None), (torch.stack(gs) if gs else None)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("seed", [0, 1])
def test_recomputed_gates_h_and_c_equal_the_module(kind, layers, seed):
    torch.manual_seed(seed)
    module = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](5, 7, layers, batch_first=True)
    x = torch.randn(11, 5)
    traces = unroll(module, x)
    with torch.no_grad():
        out = module(x[None])
    hn = out[1][0] if kind == "lstm" else out[1]
    assert torch.allclose(traces[-1].h, out[0][0], atol=1e-5)          # the module's output sequence
    inp = x
    for k, tr in enumerate(traces):
        assert torch.allclose(tr.h[-1], hn[k, 0], atol=1e-5)            # the module's final h per layer
        if kind == "lstm":
            assert torch.allclose(tr.c[-1], out[1][1][k, 0], atol=1e-5)  # and final c
        h_ref, c_ref, g_ref = reference_layer(kind, module, k, inp)
        assert torch.allclose(tr.x, inp, atol=1e-6)
        assert torch.allclose(tr.h, h_ref, atol=1e-5)
        if kind == "lstm":
            assert torch.allclose(tr.c, c_ref, atol=1e-5)
            assert tr.gates.shape == (11, 4, 7)
            assert torch.allclose(tr.gates, g_ref, atol=1e-5)
        elif kind == "gru":
            assert tr.gates.shape == (11, 3, 7)
            assert torch.allclose(tr.gates, g_ref, atol=1e-5)
        else:
            assert tr.gates is None and tr.c is None
        inp = h_ref


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_the_frame_holds_the_modules_own_outputs(cell):
    lab = LSTMLab(seed=3, cell=cell, layers=2, **SMALL)
    for _ in range(3):
        lab.step()
    f = lab.snapshot()
    with torch.no_grad():
        out, state = lab.model.rnn(torch.tensor(f["inputs"])[None])
    assert np.allclose(f["h"][-1], out[0].numpy(), atol=1e-5)
    hn = state[0] if cell == "lstm" else state
    assert np.allclose(f["h"][:, -1], hn[:, 0].numpy(), atol=1e-5)
    if cell == "lstm":
        assert np.allclose(f["c"][:, -1], state[1][:, 0].numpy(), atol=1e-5)


# ---- the gradient norm through time ------------------------------------------------------------
@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_grad_norm_equals_autograd_on_an_independent_unroll(kind):
    torch.manual_seed(4)
    module = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](3, 6, 2, batch_first=True)
    head = nn.Linear(6, 1)
    x = torch.randn(9, 3)
    target = torch.tensor(0.7)
    got = grad_norm(module, head, lambda o: (o[0] - target) ** 2, x)
    # reference: the library's cells, stepped one at a time with the top layer's weights
    one = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind](3, 6, 1, batch_first=True)
    with torch.no_grad():
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(one, f"{n}_l0").copy_(getattr(module, f"{n}_l0"))
        below = one(x[None])[0][0]                                      # layer 0's h, (T, 6)
    cls = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "rnn": nn.RNNCell}[kind]
    cell = cls(6, 6)
    with torch.no_grad():
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, n).copy_(getattr(module, f"{n}_l1"))
    h = torch.zeros(1, 6)
    c = torch.zeros(1, 6)
    hs = []
    for t in range(9):
        if kind == "lstm":
            h, c = cell(below[t:t + 1], (h, c))
        else:
            h = cell(below[t:t + 1], h)
        hs.append(h)
    loss = (head(hs[-1])[0, 0] - target) ** 2
    ref = torch.stack([g.norm() for g in torch.autograd.grad(loss, hs)])
    assert torch.allclose(got, ref, rtol=1e-4, atol=1e-7)
    assert got[-1] > 0 and got[0] > 0


def test_the_frames_grad_norm_is_for_the_loss_at_the_last_step():
    lab = LSTMLab(seed=0, **SMALL)
    lab.step()
    f = lab.snapshot()
    x = torch.tensor(f["inputs"])
    y = torch.tensor(f["target"][-1], dtype=torch.float32)
    ref = grad_norm(lab.model.rnn, lab.model.head, lambda o: (o[0] - y) ** 2, x)
    assert np.allclose(f["grad_norm"], ref.numpy(), rtol=1e-5)


# ---- reproducibility ---------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_run_and_compare_matches_single_runs():
    a, b = LSTMLab(seed=5, **SMALL), LSTMLab(seed=5, **SMALL)
    for _ in range(15):
        a.step()
        b.step()
    assert np.array_equal(a.snapshot()["loss"], b.snapshot()["loss"])
    c = LSTMLab(seed=6, **SMALL)
    for _ in range(15):
        c.step()
    assert not np.array_equal(a.snapshot()["loss"], c.snapshot()["loss"])
    both = LSTMLab(seed=5, compare=True, **SMALL)
    for _ in range(15):
        both.step()
    f = both.snapshot()
    assert f.kind == "compare"
    assert np.array_equal(f["loss_lstm"], a.snapshot()["loss"])
    assert np.array_equal(f["loss"], f["loss_lstm"])


def test_reset_repeats_the_run():
    lab = LSTMLab(seed=2, task="brackets", length=16, hidden=8, batch=8)
    for _ in range(10):
        lab.step()
    first = lab.snapshot()["loss"].copy()
    lab.reset(2)
    assert len(lab.snapshot()["loss"]) == 0
    for _ in range(10):
        lab.step()
    assert np.array_equal(lab.snapshot()["loss"], first)


# ---- the unit finder ---------------------------------------------------------------------------
def test_the_unit_finder_ranks_a_planted_in_string_unit_first():
    text = 'x = "abc" + f(\'q\', "hello world") # "t"\ny = [\'ok\', "no"]\n' * 3
    props = text_properties(text)
    assert props["in_string"][text.index("abc")] == 1 and props["in_string"][0] == 0
    quote_signal = torch.tensor(props["in_string"], dtype=torch.float32)
    torch.manual_seed(0)
    E, H, planted = 6, 16, 11
    x = torch.randn(len(text), E) * 0.3
    x[:, 0] = quote_signal                          # input channel 0 carries "inside quotes"
    module = nn.LSTM(E, H, 2, batch_first=True)
    with torch.no_grad():
        for k in range(2):
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(module, f"{n}_l{k}").mul_(0.3)
        W, b = module.weight_ih_l1, module.bias_ih_l1
        W[:, :] *= 0.1
        module.weight_hh_l1[planted::H].zero_()      # the planted unit has no recurrence ...
        b[planted] = 6.0                             # i open
        b[H + planted] = -6.0                        # f shut: no memory of the past
        b[3 * H + planted] = 6.0                     # o open
        module.weight_ih_l0[2 * H + 0].zero_()
        module.weight_ih_l0[2 * H + 0, 0] = 4.0      # layer 0 unit 0: g follows channel 0
        module.bias_ih_l0[0] = 6.0
        module.bias_ih_l0[H] = -6.0
        module.bias_ih_l0[3 * H] = 6.0
        module.weight_hh_l0[0::H].zero_()
        W[2 * H + planted] = 0.0
        W[2 * H + planted, 0] = 4.0                  # ... and copies layer 0's unit 0 into its g
    traces = unroll(module, x)
    acts = torch.stack([t.h for t in traces]).numpy()
    values = np.stack([props[n] for n in ("in_string", "bracket_depth", "indent", "line_pos")])
    r, constant = finder.correlations(values, acts)
    layer, unit, top_r = finder.rank(r)
    assert (layer[0, 0], unit[0, 0]) in ((1, planted), (0, 0))
    assert top_r[0, 0] > 0.95
    ranked = list(zip(layer[0], unit[0]))
    assert (1, planted) in ranked[:2] and (0, 0) in ranked[:2]
    assert constant.tolist() == [False, False, True, False]     # no indented line in this text


def test_a_constant_property_has_no_correlation():
    r, constant = finder.correlations(np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]]), np.random.rand(1, 3, 4))
    assert constant.tolist() == [True, False] and np.all(r[0] == 0)


# ---- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("values, option", [
    ({"hidden": 0}, "hidden"), ({"layers": 9}, "layers"), ({"task": "copy", "length": 8}, "length"),
    ({"corpus": "/no/such/file.txt"}, "corpus"), ({"weights": "/no/such/w.safetensors"}, "weights"),
    ({"cell": "transformer"}, "cell"),
])
def test_bad_options_name_the_option(values, option):
    with pytest.raises(ConfigError) as err:
        OPTIONS.validate(values)
    assert err.value.option == option


def test_bad_corpora_are_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "data.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 ".encode("latin-1") * 50)
    short = tmp_path / "short.txt"
    short.write_text("abc")
    for path, words in ((empty, "empty"), (binary, "binary"), (latin, "UTF-8"), (short, "characters")):
        with pytest.raises(ConfigError, match=words) as err:
            LSTMLab(corpus=str(path), task="charlm", length=8)
        assert err.value.option == "corpus"


def test_a_users_corpus_trains_and_unknown_characters_are_counted(tmp_path):
    corpus = tmp_path / "poem.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog. " * 40, encoding="utf-8")
    lab = LSTMLab(seed=0, corpus=str(corpus), task="charlm", length=16, hidden=8, batch=4, text="the fox: ZZ!")
    lab.step()
    f = lab.snapshot()
    assert "".join(f["tokens"]) == "the fox: ZZ!"
    assert f.info["unknown_chars"] == 4 and f["unknown"].sum() == 4      # ":", "Z", "Z", "!"
    assert f["token_ids"][f["unknown"]].tolist() == [0, 0, 0, 0]
    assert f.info["corpus"] == "poem.txt" and len(f["sample"]) == LSTMLab.SAMPLE


def test_bad_checkpoints_are_refused(tmp_path):
    wrong = nn.LSTM(3, 5)   # the adding task feeds 2 inputs
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in wrong.state_dict().items()}, str(tmp_path / "wrong.safetensors"))
    with pytest.raises(ConfigError, match=r"weight_ih_l0.*\(20, 3\).*\(32, 2\)") as err:
        LSTMLab(task="adding", hidden=8, weights=str(tmp_path / "wrong.safetensors"))
    assert err.value.option == "weights"

    gru = nn.GRU(2, 8)
    torch.save(gru.state_dict(), tmp_path / "gru.pt")
    with pytest.raises(ConfigError, match="GRU"):
        LSTMLab(task="adding", hidden=8, weights=str(tmp_path / "gru.pt"))

    class Evil:
        def __reduce__(self):
            return (print, ("unpickled!",))
    with open(tmp_path / "evil.pt", "wb") as fh:
        pickle.dump({"weight_ih_l0": Evil()}, fh)
    with pytest.raises(ConfigError, match="unpickled|refused"):
        LSTMLab(task="adding", hidden=8, weights=str(tmp_path / "evil.pt"))

    text = tmp_path / "notes.safetensors"
    text.write_text("these are not weights")
    with pytest.raises(ConfigError, match="safetensors"):
        LSTMLab(task="adding", hidden=8, weights=str(text))


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_weights_saved_from_a_real_lstm_load_and_reproduce_its_outputs(tmp_path, suffix):
    torch.manual_seed(9)
    theirs = nn.LSTM(2, 8, 2, batch_first=True)
    path = tmp_path / f"mine{suffix}"
    state = {f"lstm.{k}": v.contiguous() for k, v in theirs.state_dict().items()}
    if suffix == ".safetensors":
        from safetensors.torch import save_file
        save_file(state, str(path))
    else:
        torch.save(state, path)
    lab = LSTMLab(task="adding", hidden=8, layers=2, weights=str(path))
    f = lab.snapshot()
    with torch.no_grad():
        out, (hn, cn) = theirs(torch.tensor(f["inputs"])[None])
    assert np.allclose(f["h"][-1], out[0].numpy(), atol=1e-5)
    assert np.allclose(f["c"][:, -1], cn[:, 0].numpy(), atol=1e-5)
    assert np.array_equal(f["weight_hh_l1"], theirs.weight_hh_l1.detach().numpy())
    assert f.info["weights"] == path.name


# ---- the frame and its export ------------------------------------------------------------------
@pytest.mark.parametrize("task, cell", [("adding", "lstm"), ("copy", "gru"), ("brackets", "rnn"), ("charlm", "lstm")])
def test_the_frame_holds_the_documented_arrays_and_round_trips_through_npz(tmp_path, task, cell):
    lab = LSTMLab(seed=1, task=task, cell=cell, layers=2, hidden=8, batch=4, text="if (a == 'b'):\n    x")
    for _ in range(2):
        lab.step()
    f = lab.snapshot()
    T, L, H = len(f["tokens"]), 2, 8
    width = {"adding": 2, "copy": 10, "brackets": 5, "charlm": 32}[task]
    assert f["inputs"].shape == (T, width)
    assert f["h"].shape == (L, T, H)
    assert ("c" in f.arrays) == (cell == "lstm")
    G = {"lstm": 4, "gru": 3, "rnn": 0}[cell]
    if G:
        assert f["gates"].shape == (L, T, G, H)
    else:
        assert "gates" not in f.arrays
    if cell == "lstm":
        assert f["c"].shape == (L, T, H)
    assert f["grad_norm"].shape == (T,) and f["loss"].shape == (2,) and f["loss_step"].tolist() == [1, 2]
    for name, p in lab.model.rnn.state_dict().items():
        assert np.array_equal(f[name], p.numpy())
    if task == "adding":
        assert T == 30 and sum(tok.endswith("*") for tok in f["tokens"]) == 2
    if task == "charlm":
        assert "".join(f["tokens"]) == "if (a == 'b'):\n    x"
    out = write_data(f, tmp_path / "l.npz")
    with np.load(out) as z:
        for name, a in f.arrays.items():
            assert np.array_equal(z[name], a, equal_nan=a.dtype.kind == "f"), name


def test_compare_frame_has_three_curves_and_profiles():
    lab = LSTMLab(seed=0, compare=True, **SMALL)
    for _ in range(3):
        lab.step()
    f = lab.snapshot()
    T = len(f["tokens"])
    for cell in ("rnn", "gru", "lstm"):
        assert f[f"loss_{cell}"].shape == (3,)
        assert f[f"grad_norm_{cell}"].shape == (T,)
    assert np.array_equal(f["grad_norm"], f["grad_norm_lstm"])


def test_snapshots_are_cached_between_steps_and_text_edits_refresh_them():
    lab = LSTMLab(seed=0, task="charlm", hidden=8, batch=4, length=16, text="abc")
    lab.step()
    a = lab.snapshot()
    assert lab.snapshot()["h"] is a["h"]
    lab.set_param("text", "abcd")
    assert "".join(lab.snapshot()["tokens"]) == "abcd"
    lab.set_param("source", "sample")
    f = lab.snapshot()
    assert len(f["tokens"]) == 4 + LSTMLab.SAMPLE and f.info["sample_start"] == 4


def test_a_nan_loss_halts_training():
    from visualizer.core.errors import TrainingHalted
    lab = LSTMLab(seed=0, **SMALL)
    with torch.no_grad():
        lab.model.head.weight.fill_(float("nan"))
    with pytest.raises(TrainingHalted, match="NaN"):
        lab.step()
    assert lab.steps == 0


def test_text_properties():
    p = text_properties('a("x[y]", 1)\n  b\n')
    assert p["in_string"].tolist()[:9] == [0, 0, 1, 1, 1, 1, 1, 0, 0]
    assert p["bracket_depth"].tolist()[:3] == [0, 1, 1] and p["bracket_depth"][11] == 0
    assert p["indent"][15] == 2 and p["line_pos"][15] == 2
