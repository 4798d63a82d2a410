"""GNN graphs (torch-free): readers round-trip what networkx writes, bad files are refused with
a message that names the option and says what is wrong and where, classes and layouts."""

import json
import subprocess
import sys

import networkx as nx
import numpy as np
import pytest

from visualizer.core.errors import ConfigError
from visualizer.labs.gnn.config import OPTIONS
from visualizer.labs.gnn.graphs import KARATE_COMMUNITIES, load_graph, sbm_edges
from visualizer.labs.gnn.layout import layout, pivot_mds


def load(graph, seed=0, **options):
    return load_graph(OPTIONS.validate({"graph": str(graph), **options}), seed)


def edge_set(g):
    ei = g.edge_index
    return {tuple(sorted((g.names[u], g.names[v]))) for u, v in zip(ei[0], ei[1])}


def karate():
    return nx.karate_club_graph()


KARATE_EDGES = {tuple(sorted((str(u), str(v)))) for u, v in karate().edges()}
KARATE_CLUB = [karate().nodes[i]["club"] for i in range(34)]


def write_csv(G, path):
    path.write_text("source,target\n" + "".join(f"{u},{v}\n" for u, v in G.edges()))


WRITERS = {
    "gml": lambda G, p: nx.write_gml(G, p),
    "graphml": lambda G, p: nx.write_graphml(G, p),
    "gexf": lambda G, p: nx.write_gexf(G, p),
    "net": lambda G, p: nx.write_pajek(G, p),
    "json": lambda G, p: p.write_text(json.dumps(nx.node_link_data(G, edges="links"))),
    "edgelist": lambda G, p: nx.write_edgelist(G, p),                   # with its data column
    "txt": lambda G, p: nx.write_edgelist(G, p, data=False),
    "csv": write_csv,
    "adjlist": lambda G, p: nx.write_adjlist(G, p),
}
KEEPS_ATTRIBUTES = ("gml", "graphml", "gexf", "net", "json")


# ---- round trips ----------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", list(WRITERS))
def test_readers_round_trip_what_networkx_writes(tmp_path, suffix):
    path = tmp_path / f"karate.{suffix}"
    WRITERS[suffix](karate(), path)
    g = load(path)
    assert g.source == "file" and g.num_nodes == 34 and g.num_edges == 2 * 78
    assert sorted(g.names.tolist(), key=int) == [str(i) for i in range(34)]
    assert edge_set(g) == KARATE_EDGES
    if suffix in KEEPS_ATTRIBUTES:      # the club attribute comes back and becomes the classes
        assert g.classes_from == "attribute" and g.class_attr == "club"
        assert g.class_names == ["Mr. Hi", "Officer"]
        club = {name: c for name, c in zip(g.names, g.labels)}
        assert [g.class_names[club[str(i)]] for i in range(34)] == KARATE_CLUB
    else:                               # no attributes in these formats: communities, and it says so
        assert g.classes_from == "communities" and g.class_attr is None


def test_string_ids_with_spaces_round_trip_in_structured_formats(tmp_path):
    G = nx.les_miserables_graph()
    for suffix in ("gml", "graphml", "gexf", "json"):
        path = tmp_path / f"lesmis.{suffix}"
        WRITERS[suffix](G, path)
        g = load(path)
        assert set(g.names) == set(G.nodes) and g.num_edges == 2 * G.number_of_edges()


def test_gml_label_is_the_name_never_the_class(tmp_path):
    path = tmp_path / "g.gml"
    path.write_text('graph [\n node [ id 0 label "alice" group "a" ]\n node [ id 1 label "bob" group "b" ]\n'
                    ' node [ id 2 label "carol" group "a" ]\n edge [ source 0 target 1 ]\n'
                    ' edge [ source 1 target 2 ]\n]\n')
    g = load(path)
    assert g.names.tolist() == ["alice", "bob", "carol"]
    assert g.class_attr == "group" and g.labels.tolist() == [0, 1, 0]
    with pytest.raises(ConfigError) as err:
        OPTIONS.validate({"graph": str(path), "class_attr": "label"})
    assert err.value.option == "class_attr"


def test_gml_without_labels_uses_the_ids(tmp_path):
    path = tmp_path / "ids.gml"
    path.write_text("graph [\n node [ id 7 ]\n node [ id 9 ]\n edge [ source 7 target 9 ]\n]\n")
    assert load(path).names.tolist() == ["7", "9"]


def test_self_loops_and_duplicates_are_dropped_and_counted(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("# a comment\na b\nb a\na a\nb c\n")
    g = load(path)
    assert g.names.tolist() == ["a", "b", "c"] and g.num_edges == 4
    assert g.facts["self_loops_removed"] == 1 and g.facts["duplicate_edges_merged"] == 1


def test_numeric_attributes_are_features_and_a_named_class_attribute_is_used(tmp_path):
    G = nx.path_graph(6)
    for i in G.nodes:
        G.nodes[i].update(weight=float(i) ** 2, kind="ab"[i % 2], name=f"n{i}")
    path = tmp_path / "attrs.graphml"
    nx.write_graphml(G, path)
    g = load(path, class_attr="kind")
    assert g.class_attr == "kind" and g.labels.tolist() == [0, 1, 0, 1, 0, 1]
    assert list(g.attributes) == ["weight"] and g.attributes["weight"].tolist() == [0, 1, 4, 9, 16, 25]


# ---- refused, with what and where ----------------------------------------------------------------
def refused(tmp_path, name, content, option="graph", **options):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load(path, **options)
    assert err.value.option == option
    return str(err.value)


def test_malformed_files_are_refused_saying_where(tmp_path):
    assert "line 3" in refused(tmp_path, "bad.json", '{"nodes": [\n {"id": 1},\n {"id": 2,,}\n]}')
    assert "line 3" in refused(tmp_path, "bad.graphml", '<?xml version="1.0"?>\n<graphml>\n<graph><node id="a">'
                                                        '</graph>\n</graphml>\n')
    assert "GML" in refused(tmp_path, "bad.gml", "graph [\n node [ id 0 label \n]\n")
    assert "line 3" in refused(tmp_path, "bad.txt", "a b\nb c\nlonely\n")
    assert "Vertices" in refused(tmp_path, "bad.net", "1 2\n2 3\n")
    assert "not a GraphML" in refused(tmp_path, "html.graphml", "<html><body/></html>")


def test_empty_graphs_are_refused(tmp_path):
    assert "empty" in refused(tmp_path, "empty.gml", "")
    assert "empty" in refused(tmp_path, "blank.csv", "\n  \n")
    assert "no edges" in refused(tmp_path, "comments.txt", "# nothing here\n")
    assert "no nodes" in refused(tmp_path, "nodes.json", '{"nodes": [], "links": []}')
    assert "no edges" in refused(tmp_path, "isolated.adjlist", "a\nb\nc\n")
    assert "no edges" in refused(tmp_path, "loops.txt", "a a\nb b\n")


def test_self_contradicting_files_are_refused(tmp_path):
    msg = refused(tmp_path, "dangling.json", '{"nodes": [{"id": 1}, {"id": 2}], "links": '
                                             '[{"source": 1, "target": 2}, {"source": 2, "target": 3}]}')
    assert "contradicts" in msg and "3" in msg and "link 2" in msg
    assert "twice" in refused(tmp_path, "dup.json", '{"nodes": [{"id": 1}, {"id": 1}], "links": []}')
    assert "twice" in refused(tmp_path, "dup.graphml", '<graphml><graph edgedefault="undirected"><node id="a"/>'
                                                       '<node id="a"/><node id="b"/><edge source="a" target="b"/>'
                                                       '</graph></graphml>')
    assert "not declared" in refused(tmp_path, "undeclared.gexf",
                                     '<gexf version="1.2"><graph defaultedgetype="undirected"><nodes>'
                                     '<node id="a"/></nodes><edges><edge id="0" source="a" target="z"/>'
                                     '</edges></graph></gexf>')
    assert "duplicated" in refused(tmp_path, "dup.gml", 'graph [ node [ id 0 label "x" ] node [ id 1 label "x" ] '
                                                        'edge [ source 0 target 1 ] ]')
    assert "declares 1" in refused(tmp_path, "count.net", "*Vertices 1\n1 \"a\"\n2 \"b\"\n*Edges\n1 2\n")
    assert "both called" in refused(tmp_path, "names.json", '{"nodes": [{"id": 1}, {"id": "1"}], '
                                                            '"links": [{"source": 1, "target": "1"}]}')


def test_binary_and_non_text_files_are_refused(tmp_path):
    assert "binary" in refused(tmp_path, "image.gml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "UTF-8" in refused(tmp_path, "latin.txt", "a b\nb \xe9t\xe9\n".encode("latin-1"))


def test_missing_and_unknown_files_are_refused_by_the_options(tmp_path):
    with pytest.raises(ConfigError) as err:
        OPTIONS.validate({"graph": str(tmp_path / "nowhere.gml")})
    assert err.value.option == "graph" and "does not exist" in str(err.value)
    with pytest.raises(ConfigError) as err:
        OPTIONS.validate({"graph": "picture.png"})
    assert err.value.option == "graph"


def test_bad_class_attributes_are_refused(tmp_path):
    G = nx.path_graph(30)
    for i in G.nodes:
        G.nodes[i].update(same="x", uid=f"u{i}")
    path = tmp_path / "p.graphml"
    nx.write_graphml(G, path)
    assert "no node" in refused(tmp_path, "k.graphml", open(path).read(), option="class_attr", class_attr="club")
    assert "one value" in refused(tmp_path, "k.graphml", open(path).read(), option="class_attr", class_attr="same")
    assert "not a class" in refused(tmp_path, "k.graphml", open(path).read(), option="class_attr", class_attr="uid")


# ---- classes of the built-in and generated graphs ------------------------------------------------
def test_karate_has_its_factions_and_pygs_four_communities():
    g = load("karate")
    assert g.class_attr == "club" and g.num_edges == 156 and g.class_names == ["Mr. Hi", "Officer"]
    g4 = load("karate", class_attr="community")
    assert g4.labels.tolist() == list(KARATE_COMMUNITIES) and g4.class_names == ["0", "1", "2", "3"]
    assert "community" not in g.attributes and "club" not in g.attributes


def test_graphs_without_classes_get_seeded_louvain_communities():
    a, b = load("florentine", seed=3), load("florentine", seed=3)
    assert a.classes_from == "communities" and a.class_attr is None
    assert np.array_equal(a.labels, b.labels) and a.labels.min() == 0 and len(a.class_names) >= 2
    counts = np.bincount(a.labels)
    assert list(counts) == sorted(counts, reverse=True)     # largest community first


def test_the_sbm_has_the_asked_degree_mixing_and_groups():
    src, dst, group = sbm_edges(2000, 4, 8.0, 0.2, seed=1)
    assert np.bincount(group).tolist() == [500] * 4
    assert abs(2 * len(src) / 2000 - 8.0) < 0.3
    assert abs((group[src] != group[dst]).mean() - 0.2) < 0.03
    g = load("sbm", nodes=400, blocks=4)
    assert g.class_attr == "group" and len(g.class_names) == 4
    assert np.array_equal(load("sbm", seed=5, nodes=400).edge_index, load("sbm", seed=5, nodes=400).edge_index)
    assert not np.array_equal(load("sbm", seed=5, nodes=400).edge_index, load("sbm", seed=6, nodes=400).edge_index)


@pytest.mark.parametrize("kind", ["grid", "tree", "ba"])
def test_generated_graphs(kind):
    g = load(kind, nodes=100)
    assert g.num_nodes == 100 and g.classes_from == "communities"
    if kind == "tree":
        assert g.num_edges == 2 * 99


def test_onehot_features_are_refused_for_big_generated_graphs():
    with pytest.raises(ConfigError) as err:
        OPTIONS.validate({"graph": "sbm", "nodes": 6000, "features": "onehot"})
    assert err.value.option == "features"


# ---- layouts ---------------------------------------------------------------------------------------
def test_spring_layout_is_seeded_and_fits_the_unit_square():
    g = load("karate")
    a, b = layout(g.edge_index, 34, "auto", seed=2), layout(g.edge_index, 34, "spring", seed=2)
    assert np.array_equal(a, b) and np.abs(a).max() <= 1.0 + 1e-12
    assert not np.array_equal(a, layout(g.edge_index, 34, "spring", seed=3))
    for seed in range(5):     # turned landscape, on its principal axes (a spring layout's own turn is random)
        pos = layout(g.edge_index, 34, "spring", seed=seed)
        assert np.ptp(pos[:, 0]) >= np.ptp(pos[:, 1])
        assert abs(np.cov(pos.T)[0, 1]) < 1e-9


def test_pivot_mds_recovers_a_2000_node_grid():
    side = 45
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side), ordering="sorted")
    ei = np.array(list(G.edges())).T
    ei = np.concatenate([ei, ei[::-1]], axis=1)
    pos = pivot_mds(ei, side * side, 50, seed=0)
    assert pos.shape == (side * side, 2) and np.isfinite(pos).all() and np.abs(pos).max() <= 1.0 + 1e-12
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, side * side, (2, 3000))
    hop = np.abs(i // side - j // side) + np.abs(i % side - j % side)
    drawn = np.linalg.norm(pos[i] - pos[j], axis=1)
    assert np.corrcoef(hop, drawn)[0, 1] > 0.9


def test_pivot_mds_handles_disconnected_graphs():
    ei = np.array([[0, 1, 2, 3], [1, 0, 3, 2]])
    pos = pivot_mds(ei, 5, 50, seed=0)
    assert pos.shape == (5, 2) and np.isfinite(pos).all()


def test_the_options_module_does_not_import_torch():
    code = ("import sys, visualizer.labs.gnn.config, visualizer.labs.gnn.graphs, visualizer.labs.gnn.layout; "
            "bad = [m for m in ('torch', 'torch_geometric') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_spectral_communities_recover_the_blocks_and_repeat_for_a_seed():
    from visualizer.labs.gnn.graphs import spectral_communities

    n = 3000
    src, dst, group = sbm_edges(n, 4, 10.0, 0.1, 7)
    key = np.unique(np.concatenate([src * n + dst, dst * n + src]))
    ei = np.stack([key // n, key % n])
    labels = spectral_communities(n, ei, seed=3)
    np.testing.assert_array_equal(labels, spectral_communities(n, ei, seed=3))
    assert labels.max() + 1 == 4 and (labels >= 0).all()
    for c in range(4):                       # each community is one block, up to a few strays
        members = group[labels == c]
        assert np.bincount(members).max() >= 0.95 * len(members)


def test_spectral_communities_leave_tiny_components_unlabelled():
    from visualizer.labs.gnn.graphs import spectral_communities

    n = 2000
    src, dst, _ = sbm_edges(1990, 2, 8.0, 0.05, 1)
    src, dst = np.concatenate([src, [1990, 1992]]), np.concatenate([dst, [1991, 1993]])  # 2 pairs, 6 isolated
    key = np.unique(np.concatenate([src * n + dst, dst * n + src]))
    labels = spectral_communities(n, np.stack([key // n, key % n]), seed=0)
    assert (labels[1990:] == -1).all() and (labels[:1990] >= 0).all()


def test_modularity_equals_networkx():
    from visualizer.labs.gnn.graphs import modularity

    G = nx.karate_club_graph()
    parts = nx.community.louvain_communities(G, seed=0)
    labels = np.empty(34, dtype=np.int64)
    for k, members in enumerate(parts):
        labels[list(members)] = k
    ei = np.array([(u, v) for u, v in G.edges] + [(v, u) for u, v in G.edges]).T
    assert modularity(ei, labels) == pytest.approx(nx.community.modularity(G, parts, weight=None), abs=1e-12)


def test_hop_distances_equal_scipys_shortest_paths():
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    from visualizer.labs.gnn.layout import hop_distances

    n = 500
    src, dst, _ = sbm_edges(n, 5, 2.5, 0.1, 4)          # sparse: several components
    A = csr_matrix((np.ones(2 * len(src)), (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
    for source in (0, 17, 499):
        want = shortest_path(A, unweighted=True, directed=False, indices=source)
        np.testing.assert_array_equal(hop_distances(A, source), want)
    assert np.isinf(want).any()


def test_a_big_file_reports_its_loading_stages_in_order(tmp_path):
    import visualizer.labs.gnn.graphs as graphs
    from visualizer.labs.gnn.progress import PROGRESS, STAGES

    n = 1200
    src, dst, _ = sbm_edges(n, 3, 20.0, 0.05, 2)         # > 10 000 edges, a ~70 kB file
    path = tmp_path / "big.txt"
    path.write_text("".join(f"{u} {v}\n" for u, v in zip(src.tolist(), dst.tolist())))
    seen = []
    stop = PROGRESS.listen(seen.append)
    old = graphs.PARSE_REPORT_BYTES, graphs.LOUVAIN_MAX_EDGES
    graphs.PARSE_REPORT_BYTES, graphs.LOUVAIN_MAX_EDGES = 1000, 1000   # the big-graph paths, small
    try:
        PROGRESS.begin(str(path))
        data = load_graph(OPTIONS.validate({"graph": str(path)}), 0)
        layout(data.edge_index, data.num_nodes, "pivotmds", 0)
        PROGRESS.end()
    finally:
        graphs.PARSE_REPORT_BYTES, graphs.LOUVAIN_MAX_EDGES = old
        stop()
    stages = [f["loading_stage"] for f in seen]
    order = [STAGES.index(s) for s in stages]
    assert order == sorted(order) and {"parse", "communities", "layout"} <= set(stages)
    assert all(0 <= f["loading_done"] <= max(f["loading_total"], f["loading_done"]) for f in seen)
    assert all(f["loading_done"] <= f["loading_total"] for f in seen if f["loading_total"])
    assert seen[-1]["loading_active"] is False and data.facts["communities_method"] == "spectral"
    assert PROGRESS.frame().kind == "gnn_loading"
