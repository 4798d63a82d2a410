"""`visualizer export gnn`: the figure and the NPZ the issue names, with their shapes; GAT adds its
attention; bad values and a missing graph file exit 2 naming the option; --node picks the node."""

import numpy as np
import pytest
from PySide6.QtGui import QImage

from visualizer import cli

TINY = ["--graph", "karate", "--hidden", "4", "--steps", "3"]


def test_export_writes_the_figure_and_the_frames_arrays(tmp_path, capsys):
    png, npz = tmp_path / "g.png", tmp_path / "g.npz"
    code = cli.main(["export", "gnn", *TINY, "--size", "1280x720", "--scale", "1",
                     "--out", str(png), "--out", str(npz)])
    assert code == 0, capsys.readouterr().err
    image = QImage(str(png))
    assert not image.isNull() and image.width() == 1280
    with np.load(npz) as data:
        N, E, H, C = 34, 156, 4, 2
        assert data["node_names"].shape == (N,) and str(data["node_names"][0]) == "0"
        node = int(data["node"])
        assert data["node"].shape == () and node == int(np.argmax(np.bincount(data["edge_index"][0])))
        assert data["edge_index"].shape == (2, E) and (data["edge_index"][0] != data["edge_index"][1]).all()
        assert data["x"].shape == (N, N)
        assert data["h_l0"].shape == (N, H) and data["h_l1"].shape == (N, C)
        assert data["pos"].shape == (N, 2) and np.abs(data["pos"]).max() <= 1.0 + 1e-9
        assert data["labels"].shape == (N,) and data["train_mask"].shape == (N,)
        assert data["train_mask"].dtype == bool and data["pred"].shape == (N,)
        for name in ("loss", "acc_train", "acc_test"):
            assert data[name].shape == (3,) and np.isfinite(data[name]).all()
        m = int((data["edge_index"][1] == node).sum()) + 1          # in-edges and GCN's self-loop
        assert data["messages_l0"].shape == (m, H)
        assert data["message_sources_l0"].shape == (m,) and node in data["message_sources_l0"]
        assert data["aggregate_l0"].shape == (H,)
        assert "layer0.lin.weight" in data and "layer0.bias" in data


def test_gat_adds_its_attention(tmp_path, capsys):
    npz = tmp_path / "a.npz"
    code = cli.main(["export", "gnn", *TINY, "--model", "gat", "--heads", "2", "--edges", "attention",
                     "--out", str(npz)])
    assert code == 0, capsys.readouterr().err
    with np.load(npz) as data:
        N, E = 34, 156
        assert data["attention_edge_index"].shape == (2, E + N)
        assert data["attention_l0"].shape == (E + N, 2)
        m = int((data["edge_index"][1] == int(data["node"])).sum()) + 1
        assert data["messages_l0"].shape == (m, 2, 4) and data["aggregate_l0"].shape == (2, 4)
        assert "layer0.att_src" in data


@pytest.mark.parametrize("args, option", [
    (["--layers", "9"], "layers"),
    (["--graph", "no_such_graph.gml"], "graph"),
])
def test_bad_values_exit_2_naming_the_option(tmp_path, capsys, args, option):
    code = cli.main(["export", "gnn", "--graph", "karate", *args, "--out", str(tmp_path / "x.npz")])
    err = capsys.readouterr().err
    assert code == 2 and option in err and "error" in err
    assert not (tmp_path / "x.npz").exists()


def test_node_picks_the_graphs_own_id(tmp_path, capsys):
    npz = tmp_path / "v.npz"
    code = cli.main(["export", "gnn", "--graph", "lesmis", "--node", "Valjean", "--hidden", "4",
                     "--steps", "1", "--out", str(npz)])
    assert code == 0, capsys.readouterr().err
    with np.load(npz) as data:
        assert str(data["node_names"][int(data["node"])]) == "Valjean"
