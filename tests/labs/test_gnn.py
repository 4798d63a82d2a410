"""The GNN lab: real PyG layers checked against formulas written out in numpy, captured
messages that add up to the layer's own output, seeded training, the karate result, the NPZ."""

import json

import networkx as nx
import numpy as np
import pytest
import torch

from visualizer.core.errors import ConfigError, TrainingHalted
from visualizer.core.writers import write_data
from visualizer.labs.gnn.lab import GNNLab

TOL = 1e-5


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # tests/labs/conftest.py


def trained(steps=5, **options):
    lab = GNNLab(seed=0, **options)
    for _ in range(steps):
        lab.step()
    return lab, lab.snapshot()


def relu(a):
    return np.maximum(a, 0.0)


def gcn_matrix(edge_index, n):
    """D̂^−½ Â D̂^−½ with Â = A + I, as a dense numpy matrix (row = target)."""
    A = np.zeros((n, n))
    A[edge_index[1], edge_index[0]] = 1.0
    A_hat = A + np.eye(n)
    d = A_hat.sum(axis=1)
    return A_hat / np.sqrt(d)[:, None] / np.sqrt(d)[None, :]


def layer_inputs(f, layers):
    """What each layer was given: x, then relu(h) of the layer before (activation relu)."""
    return [f["x"].astype(np.float64)] + [relu(f[f"h_l{k}"].astype(np.float64)) for k in range(layers - 1)]


# ---- the layers against their formulas ------------------------------------------------------------
def test_gcn_layer_outputs_equal_the_normalised_adjacency_formula():
    lab, f = trained(model="gcn", layers=3, hidden=8)
    n = len(f["node_names"])
    S = gcn_matrix(f["edge_index"], n)
    for k, X in enumerate(layer_inputs(f, 3)):
        W, b = f[f"layer{k}.lin.weight"].astype(np.float64), f[f"layer{k}.bias"].astype(np.float64)
        np.testing.assert_allclose(f[f"h_l{k}"], S @ X @ W.T + b, atol=TOL, rtol=0)


def gat_reference(X, W, a_src, a_dst, edge_index, n, heads, width, slope=0.2):
    """The GAT paper: e_ij = LeakyReLU(a_srcᵀ W x_j + a_dstᵀ W x_i) over j ∈ N(i) ∪ {i},
    α_ij = softmax_j(e_ij); returns α as a dict {(j, i): (H,)} and the per-head sums."""
    Z = (X @ W.T).reshape(n, heads, width)                       # (N, H, C)
    s = (Z * a_src.reshape(1, heads, width)).sum(-1)             # (N, H)
    t = (Z * a_dst.reshape(1, heads, width)).sum(-1)
    alpha, out = {}, np.zeros((n, heads, width))
    nbrs = {i: [i] for i in range(n)}
    for j, i in zip(edge_index[0], edge_index[1]):
        nbrs[int(i)].append(int(j))
    for i, js in nbrs.items():
        e = s[js] + t[i][None, :]                                # (m, H)
        e = np.where(e > 0, e, slope * e)
        w = np.exp(e - e.max(axis=0))
        w = w / w.sum(axis=0)
        for j, wj in zip(js, w):
            alpha[(j, i)] = wj
        out[i] = (w[:, :, None] * Z[js]).sum(0)
    return alpha, out


def test_gat_attention_equals_the_papers_formula_from_the_layers_own_parameters():
    heads, hidden = 3, 4
    lab, f = trained(model="gat", heads=heads, hidden=hidden, layers=2)
    n = len(f["node_names"])
    X = f["x"].astype(np.float64)
    alpha, out = gat_reference(X, f["layer0.lin.weight"].astype(np.float64), f["layer0.att_src"].astype(np.float64),
                               f["layer0.att_dst"].astype(np.float64), f["edge_index"], n, heads, hidden)
    aei, got = f["attention_edge_index"], f["attention_l0"]
    assert aei.shape[1] == f["edge_index"].shape[1] + n and got.shape == (aei.shape[1], heads)
    for e, (j, i) in enumerate(zip(aei[0], aei[1])):
        np.testing.assert_allclose(got[e], alpha[(int(j), int(i))], atol=TOL, rtol=0)
    np.testing.assert_allclose(f["h_l0"], out.reshape(n, heads * hidden) + f["layer0.bias"], atol=TOL, rtol=0)
    # the last layer averages its heads
    X1 = relu(f["h_l0"].astype(np.float64))
    C = f["h_l1"].shape[1]
    _, out1 = gat_reference(X1, f["layer1.lin.weight"].astype(np.float64), f["layer1.att_src"].astype(np.float64),
                            f["layer1.att_dst"].astype(np.float64), f["edge_index"], n, heads, C)
    np.testing.assert_allclose(f["h_l1"], out1.mean(axis=1) + f["layer1.bias"], atol=TOL, rtol=0)


# ---- message → aggregate → update, for the selected node ------------------------------------------
MODELS = [("gcn", "auto"), ("gat", "auto"), ("sage", "mean"), ("sage", "max"), ("sage", "sum"),
          ("gin", "sum"), ("gin", "mean")]


@pytest.mark.parametrize("model,aggr", MODELS)
def test_captured_messages_aggregate_and_update_to_the_layer_output(model, aggr):
    layers = 3
    lab, f = trained(model=model, aggr=aggr, layers=layers, hidden=6, heads=2, node="5")
    node = int(f["node"])
    assert f["node_names"][node] == "5"
    ei = f["edge_index"]
    neighbours = sorted(ei[0, ei[1] == node].tolist())
    inputs = layer_inputs(f, layers)
    for k in range(layers):
        msgs = f[f"messages_l{k}"].astype(np.float64)
        src = f[f"message_sources_l{k}"]
        agg = f[f"aggregate_l{k}"].astype(np.float64)
        h = f[f"h_l{k}"][node].astype(np.float64)
        X = inputs[k]
        np.testing.assert_allclose(f[f"root_l{k}"], X[node], atol=TOL, rtol=0)
        np.testing.assert_allclose(f[f"update_l{k}"], h, atol=0, rtol=0)
        out = h if k == layers - 1 else relu(h)
        np.testing.assert_allclose(f[f"out_l{k}"], out, atol=TOL, rtol=0)
        if model in ("gcn", "gat"):      # the self-loop the layer adds is one of the rows
            assert sorted(src.tolist()) == sorted(neighbours + [node])
        else:
            assert sorted(src.tolist()) == neighbours
        # messages: an independent reference from the layer's parameters
        if model == "gcn":
            W = f[f"layer{k}.lin.weight"].astype(np.float64)
            S = gcn_matrix(ei, len(X))
            np.testing.assert_allclose(f[f"message_coef_l{k}"], S[node, src], atol=TOL, rtol=0)
            np.testing.assert_allclose(msgs, S[node, src][:, None] * (X[src] @ W.T), atol=TOL, rtol=0)
        elif model == "gat":
            W = f[f"layer{k}.lin.weight"].astype(np.float64)
            H = msgs.shape[1]
            Z = (X[src] @ W.T).reshape(len(src), H, -1)
            coef = f[f"message_coef_l{k}"].astype(np.float64)           # α (m, H)
            np.testing.assert_allclose(coef.sum(axis=0), np.ones(H), atol=TOL)
            np.testing.assert_allclose(msgs, coef[:, :, None] * Z, atol=TOL, rtol=0)
        else:
            np.testing.assert_allclose(msgs, X[src], atol=TOL, rtol=0)  # the raw neighbour vectors
        # aggregate
        reduce = {"gcn": "sum", "gat": "sum"}.get(model, aggr)
        expected = {"sum": msgs.sum(0), "mean": msgs.mean(0), "max": msgs.max(0)}[reduce]
        np.testing.assert_allclose(agg, expected, atol=TOL, rtol=0)
        # update: what the layer makes of the aggregate equals its output
        if model == "gcn":
            update = agg + f[f"layer{k}.bias"]
        elif model == "gat":
            last = k == layers - 1
            update = (agg.mean(0) if last else agg.reshape(-1)) + f[f"layer{k}.bias"]
        elif model == "sage":
            update = (agg @ f[f"layer{k}.lin_l.weight"].T.astype(np.float64) + f[f"layer{k}.lin_l.bias"]
                      + X[node] @ f[f"layer{k}.lin_r.weight"].T.astype(np.float64))
        else:
            z = (1.0 + float(f[f"layer{k}.eps"].item())) * X[node] + agg
            z = relu(z @ f[f"layer{k}.nn.0.weight"].T.astype(np.float64) + f[f"layer{k}.nn.0.bias"])
            update = z @ f[f"layer{k}.nn.2.weight"].T.astype(np.float64) + f[f"layer{k}.nn.2.bias"]
        np.testing.assert_allclose(update, h, atol=TOL, rtol=0)


def test_receptive_field_is_the_k_hop_neighbourhood():
    lab, f = trained(steps=0, graph="lesmis", layers=3, node="Valjean")
    G = nx.les_miserables_graph()
    dist = nx.single_source_shortest_path_length(G, "Valjean", cutoff=3)
    names = f["node_names"].tolist()
    expected = np.array([dist.get(n, -1) for n in names])
    assert np.array_equal(f["hops"], expected)
    assert f["field_size"].tolist() == [sum(1 for d in dist.values() if d <= k + 1) for k in range(3)]


def test_over_smoothing_measures_match_their_formulas():
    lab, f = trained(steps=0, graph="lesmis", model="gcn", layers=6)
    names = f["node_names"]
    deg = f["degree"].astype(np.float64)
    ei = f["edge_index"]
    reps = [f["x"]] + [f[f"h_l{k}"] for k in range(6)]
    for k, R in enumerate(r.astype(np.float64) for r in reps):
        U = R / np.linalg.norm(R, axis=1, keepdims=True)
        D = np.linalg.norm(U[:, None, :] - U[None, :, :], axis=-1)
        n = len(names)
        assert f["smooth_distance"][k] == pytest.approx(D.sum() / (n * (n - 1)), abs=1e-5)
        Xn = R / np.sqrt(1 + deg)[:, None]
        energy = ((Xn[ei[0]] - Xn[ei[1]]) ** 2).sum() / n
        assert f["smooth_dirichlet"][k] == pytest.approx(energy, rel=1e-4)
        assert f["smooth_dirichlet_rel"][k] == pytest.approx(energy / ((R ** 2).sum() / n), rel=1e-4)
    # an untrained deep GCN blurs the nodes together, layer after layer (over-smoothing)
    assert f["smooth_distance"][6] < 0.5 * f["smooth_distance"][1]
    assert f["smooth_dirichlet_rel"][6] < 0.2 * f["smooth_dirichlet_rel"][1]


def test_embeddings_are_the_principal_components():
    lab, f = trained(model="gcn", hidden=8)
    h = f["h_l0"].astype(np.float64)
    c = h - h.mean(0)
    w, V = np.linalg.eigh(c.T @ c)
    ref = c @ V[:, ::-1][:, :2]
    np.testing.assert_allclose(np.abs(f["emb_l0"]), np.abs(ref), atol=1e-6)
    np.testing.assert_allclose(f["emb_var_l0"], w[::-1][:2] / w.sum(), atol=1e-9)
    assert f["emb_l1"].shape == (34, 2) and np.array_equal(f["emb_nodes"], np.arange(34))


# ---- training ---------------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_training():
    def run(seed, **o):
        lab = GNNLab(seed=seed, model="gat", features="random", dropout=0.3, **o)
        for _ in range(15):
            lab.step()
        return lab.snapshot()
    a, b, c = run(4), run(4), run(5)
    for name in ("loss", "acc_train", "acc_test", "x", "train_mask", "h_l1", "pos", "attention_l0"):
        assert np.array_equal(a[name], b[name]), name
    assert not np.array_equal(a["loss"], c["loss"]) and not np.array_equal(a["train_mask"], c["train_mask"])
    lab = GNNLab(seed=4, model="gat", features="random", dropout=0.3)
    for _ in range(15):
        lab.step()
    lab.reset(4)
    for _ in range(15):
        lab.step()
    assert np.array_equal(lab.snapshot()["loss"], a["loss"])


def test_a_snapshot_is_the_eval_forward_and_training_goes_on_in_train_mode():
    """The lab switches modes only where dropout makes them differ; a snapshot with dropout is
    the eval-mode forward (no dropout), and the next step trains with dropout again."""
    assert not GNNLab(seed=0, hidden=4).model.modes_differ()
    lab = GNNLab(seed=0, hidden=4, dropout=0.5)
    assert lab.model.modes_differ()
    lab.step()
    f = lab.snapshot()
    assert lab.model.training
    lab.model.eval()
    with torch.no_grad():
        ref = lab.model(lab.x, lab.edge_index)
    lab.model.train()
    np.testing.assert_allclose(f[f"h_l{lab.options['layers'] - 1}"], ref.numpy(), atol=1e-6)
    torch.manual_seed(1)
    with torch.no_grad():
        noisy = lab.model(lab.x, lab.edge_index)
    assert not torch.allclose(noisy, ref)              # in train mode, dropout is on


def test_karate_with_one_labelled_node_per_community():
    """The lesson's claim: GCN, PyG's four communities, one labelled node each, 200 steps."""
    lab = GNNLab(seed=0, graph="karate", class_attr="community", labelled=1, model="gcn")
    f0 = lab.snapshot()
    assert f0["train_mask"].sum() == 4 and f0["test_mask"].sum() == 30
    assert sorted(f0["labels"][f0["train_mask"]].tolist()) == [0, 1, 2, 3]
    for _ in range(200):
        lab.step()
    f = lab.snapshot()
    assert f["acc_train"][-1] == 1.0
    assert lab.accuracy()["test"] >= 0.8            # measured: 0.833 (25 of 30) with seed 0
    assert len(f["loss"]) == 200 and f["loss"][-1] < f["loss"][0]
    # the accuracies against the frame's own predictions and masks, in numpy
    right = f["pred"] == f["labels"]
    assert lab.accuracy() == {"train": right[f["train_mask"]].mean(), "test": right[f["test_mask"]].mean()}
    lab.step()                                      # dropout 0: a step's accuracy is of the weights it started from
    g = lab.snapshot()
    assert (g["acc_train"][-1], g["acc_test"][-1]) == (right[f["train_mask"]].mean(), right[f["test_mask"]].mean())


def test_labelled_nodes_chosen_by_the_user():
    lab = GNNLab(seed=0, labelled_nodes="0, 33")
    f = lab.snapshot()
    assert np.flatnonzero(f["train_mask"]).tolist() == [0, 33] and f.info["labelled_from"] == "user"
    with pytest.raises(ConfigError) as err:
        GNNLab(seed=0, labelled_nodes="0,99")
    assert err.value.option == "labelled_nodes"
    with pytest.raises(ConfigError) as err:
        GNNLab(seed=0, labelled_nodes="0,,1")
    assert err.value.option == "labelled_nodes"


def test_live_learning_rate_and_selected_node():
    lab = GNNLab(seed=0)
    assert lab.snapshot().info["node"] == "33"              # highest degree
    lab.set_param("lr", 0.05)
    assert lab.optimizer.param_groups[0]["lr"] == 0.05
    lab.step()
    lab.set_param("node", "0")
    f = lab.snapshot()
    assert int(f["node"]) == 0 and lab.steps == 1            # no reset
    with pytest.raises(ConfigError) as err:
        lab.set_param("node", "nobody")
    assert err.value.option == "node" and lab.snapshot().info["node"] == "0"


def test_a_nan_halts_training_before_the_step_is_counted():
    lab = GNNLab(seed=0)
    lab.step()
    with torch.no_grad():
        lab.model.layer0.lin.weight.fill_(float("nan"))
    with pytest.raises(TrainingHalted):
        lab.step()
    assert lab.steps == 1
    lab.reset(0)
    lab.step()
    assert lab.steps == 1


def test_bad_values_are_refused_naming_the_option():
    for options, name in (({"model": "mlp"}, "model"), ({"layers": 7}, "layers"), ({"heads": 9}, "heads"),
                          ({"node": "99"}, "node"), ({"features": "attributes"}, "features"),
                          ({"class_attr": "colour"}, "class_attr")):
        with pytest.raises(ConfigError) as err:
            GNNLab(seed=0, **options)
        assert err.value.option == name, options


# ---- the frame and the NPZ ---------------------------------------------------------------------------
def npz_names(model, layers, params):
    names = {"node_names", "node", "edge_index", "x", "pos", "labels", "train_mask", "pred", "loss",
             "acc_train", "acc_test"}
    names |= {f"h_l{k}" for k in range(layers)} | set(params)
    names |= {f"{a}_l{k}" for k in range(layers) for a in ("messages", "message_sources", "aggregate")}
    if model == "gat":
        names |= {"attention_edge_index"} | {f"attention_l{k}" for k in range(layers)}
    return names


@pytest.mark.parametrize("model", ["gcn", "gat", "sage", "gin"])
def test_the_frame_holds_the_npz_arrays_with_their_names_and_shapes(model, tmp_path):
    layers, hidden, heads = 2, 5, 3
    lab, f = trained(steps=3, model=model, layers=layers, hidden=hidden, heads=heads)
    params = {name: p.shape for name, p in lab.model.state_dict().items()}
    assert all(name.startswith(("layer0.", "layer1.")) for name in params)
    names = npz_names(model, layers, params)
    assert names <= set(f.arrays), names - set(f.arrays)
    N, E = 34, 156
    C = 2
    H = heads if model == "gat" else 1
    assert f["node_names"].shape == (N,) and f["node_names"].dtype.kind == "U"
    assert f["node"].shape == () and f["edge_index"].shape == (2, E) and f["x"].shape == (N, 34)
    assert f["pos"].shape == (N, 2) and f["labels"].shape == (N,) and f["train_mask"].dtype == bool
    assert f["pred"].shape == (N,) and f["loss"].shape == f["acc_train"].shape == f["acc_test"].shape == (3,)
    assert f["h_l0"].shape == (N, hidden * H) and f["h_l1"].shape == (N, C)
    for name, shape in params.items():
        assert f[name].shape == tuple(shape)
    m = 1 + int((f["edge_index"][1] == int(f["node"])).sum()) if model in ("gcn", "gat") else \
        int((f["edge_index"][1] == int(f["node"])).sum())
    in_width = {"gcn": hidden, "gat": hidden, "sage": N, "gin": N}[model]
    if model == "gat":
        assert f["messages_l0"].shape == (m, H, hidden) and f["aggregate_l0"].shape == (H, hidden)
        assert f["messages_l1"].shape == (m, H, C) and f["aggregate_l1"].shape == (H, C)
        assert f["attention_edge_index"].shape == (2, E + N) and f["attention_l1"].shape == (E + N, H)
    else:
        assert f["messages_l0"].shape == (m, in_width) and f["aggregate_l0"].shape == (in_width,)
    assert f["message_sources_l0"].shape == (m,)
    # data export writes them, and they come back
    path = write_data(f, tmp_path / "g.npz")
    with np.load(path) as data:
        assert names <= set(data.files)
        for name in names:
            np.testing.assert_array_equal(data[name], f[name])
        info = json.loads(str(data["__info__"]))
    assert info["kind"] == "gnn" and info["model"] == model and info["class_names"] == ["Mr. Hi", "Officer"]


def test_snapshot_is_cached_by_step_and_its_constant_arrays_are_read_only():
    lab = GNNLab(seed=0)
    a, b = lab.snapshot(), lab.snapshot()
    assert a["h_l0"] is b["h_l0"]
    assert not a["pos"].flags.writeable and not a["edge_index"].flags.writeable
    lab.step()
    assert lab.snapshot()["h_l0"] is not a["h_l0"]


def test_communities_are_flagged_when_the_graph_has_no_classes():
    lab = GNNLab(seed=1, graph="florentine")
    f = lab.snapshot()
    assert f.info["classes_from"] == "communities" and f.info["class_attr"] is None
    assert f.info["num_classes"] == len(f.info["class_names"]) >= 2


def test_the_lesson_is_valid_in_both_languages_and_plays_through():
    from pathlib import Path

    from visualizer.core.resources import parse_lesson, resources_dir
    from visualizer.labs.gnn.config import OPTIONS

    folder = Path(resources_dir()) / "lessons"
    en, zh = (parse_lesson(folder / f"gnn.{lang}.json", explainer="gnn") for lang in ("en", "zh_CN"))
    assert 8 <= len(en.steps) <= 12 and len(zh.steps) == len(en.steps)
    for a, b in zip(en.steps, zh.steps):
        assert a.options == b.options and a.view == b.view
        assert any("\u4e00" <= ch <= "\u9fff" for ch in b.text)
        OPTIONS.validate(a.options)
        assert all(OPTIONS[name].role == "view" for name in a.view)
        assert all(OPTIONS[name].role != "view" for name in a.options)
    # walked with Play pressed: every step's options apply to the lab as it stands after the last
    lab = GNNLab(seed=0, **en.steps[0].options)
    for step in en.steps:
        lab.set_params(step.options)
        for _ in range(3):
            lab.step()
        assert lab.snapshot().kind == "gnn"


def test_big_graph_frames_sample_the_embedding_and_keep_attention_near_the_node():
    class Big(GNNLab):              # the large-graph path, on a small graph
        BIG_NODES, EMB_SAMPLE, SMOOTH_SAMPLE = 50, 30, 40

    lab = Big(seed=0, graph="lesmis", model="gat", heads=2, layers=2, node="Valjean")
    f = lab.snapshot()
    assert f.info["big"] and f.info["attention_subset"] and f.info["smooth_sampled"]
    assert f["emb_nodes"].shape == (30,) and f["emb_l0"].shape == (30, 2)
    near = f["hops"] >= 0
    assert near[f["attention_edge_index"][1]].all()
    assert f["attention_l0"].shape == (f["attention_edge_index"].shape[1], 2)
    assert f["pos"].shape == (77, 2) and f["pred"].shape == (77,)
