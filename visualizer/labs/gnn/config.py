"""The GNN explainer's options (torch-free: the control panel and the CLI read them first).

build  graph, nodes, blocks, degree, mixing, class_attr, features, feature_dim, model, layers,
       hidden, heads, aggr, activation, dropout, labelled, labelled_nodes, layout
live   lr, weight_decay, node  (`node` is live, not view: the lab captures the messages of
       the selected node only, so the lab must hear which node that is)
view   phase, layer, color_by, color_dim, head, emb_layer, edges, show_labels
"""

from __future__ import annotations

import os
from pathlib import Path

from visualizer.core.errors import ConfigError
from visualizer.core.options import Option, OptionSet

BUILTIN = ("karate", "lesmis", "florentine", "davis")
GENERATED = ("sbm", "grid", "tree", "ba")
GRAPHS = BUILTIN + GENERATED
MODELS = ("gcn", "gat", "sage", "gin")
FEATURES = ("auto", "onehot", "degree", "random", "attributes")
AGGRS = ("auto", "sum", "mean", "max")
ACTIVATIONS = ("relu", "elu", "leaky_relu", "tanh", "none")
LAYOUTS = ("auto", "spring", "pivotmds")
PHASES = ("message", "aggregate", "update")
COLOR_BY = ("class", "prediction", "embedding")
EDGE_STYLES = ("plain", "attention")

#: file suffixes `--graph` accepts besides the built-in names, and the reader each one means
GRAPH_SUFFIXES = {
    ".gml": "gml", ".graphml": "graphml", ".xml": "graphml", ".gexf": "gexf",
    ".net": "pajek", ".paj": "pajek", ".pajek": "pajek", ".json": "json",
    ".edgelist": "edgelist", ".edges": "edgelist", ".el": "edgelist", ".txt": "edgelist",
    ".csv": "edgelist", ".tsv": "edgelist", ".adjlist": "adjlist",
}
#: attributes used as classes when --class-attr is not given, first found wins
AUTO_CLASS_ATTRS = ("club", "group", "class")
MAX_ONEHOT = 5000          # one-hot features up to this many nodes (an N × N matrix)
MAX_LABELLED_NODES = 200_000  # characters in --labelled-nodes


def looks_like_graph_file(value: str) -> bool:
    """What `--graph` accepts besides the built-in names: a path with a graph file suffix."""
    if not isinstance(value, str) or not value.strip():
        return False
    return Path(value.strip()).suffix.lower() in GRAPH_SUFFIXES


def parse_node_list(text: str, option: str = "labelled_nodes") -> list[str]:
    """Node ids as the view or the CLI writes them: "0,33" (commas; blanks around ids ignored)."""
    ids = [part.strip() for part in text.split(",")]
    if not text.strip():
        return []
    if any(not i for i in ids):
        raise ConfigError(option, f"an empty node id in {text[:60]!r}: write ids separated by commas, e.g. 0,33")
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ConfigError(option, f"node {i!r} is listed twice")
        seen.add(i)
    return ids


OPTIONS_LIST = [
    # ---- the graph (build: rebuild + reset with the seed) ------------------------------------
    Option("graph", "choice", "karate",
           "graph: karate (Zachary's karate club), lesmis (Les Misérables co-occurrence), "
           "florentine (Florentine families), davis (Davis southern women), generated with the seed: "
           "sbm (stochastic block model), grid, tree, ba (Barabási–Albert), or a FILE "
           "(.gml .graphml .gexf .net .json .edgelist/.txt/.csv .adjlist)",
           choices=GRAPHS, accept_other=looks_like_graph_file),
    Option("nodes", "int", 120, "number of nodes of a generated graph", minimum=4, maximum=200_000,
           when=("graph", GENERATED)),
    Option("blocks", "int", 4, "communities (blocks) of the stochastic block model", minimum=2, maximum=20,
           when=("graph", ("sbm",))),
    Option("degree", "float", 6.0, "average degree of a generated sbm or ba graph", minimum=1.0, maximum=50.0,
           step=0.5, when=("graph", ("sbm", "ba"))),
    Option("mixing", "float", 0.1, "fraction of a node's edges that leave its block (sbm)", minimum=0.0,
           maximum=1.0, step=0.05, when=("graph", ("sbm",))),
    Option("class_attr", "str", "",
           "node attribute holding the classes; empty = club, group or class where present, "
           "else the graph's communities (Louvain, seeded; spectral clustering above 20000 edges)",
           max_length=200),
    Option("features", "choice", "auto",
           "input features: onehot (up to 5000 nodes), degree, random, attributes (the numeric node "
           "attributes); auto = attributes where present, else onehot, else random",
           choices=FEATURES),
    Option("feature_dim", "int", 16, "width of random features", minimum=1, maximum=512,
           when=("features", ("random", "auto"))),
    # ---- the model --------------------------------------------------------------------------
    Option("model", "choice", "gcn", "layer type: gcn (GCNConv), gat (GATConv), sage (SAGEConv), gin (GINConv)",
           choices=MODELS),
    Option("layers", "int", 2, "message-passing layers", minimum=1, maximum=6),
    Option("hidden", "int", 16, "hidden width of each layer (per head for GAT)", minimum=1, maximum=256),
    Option("heads", "int", 2, "attention heads (GAT)", minimum=1, maximum=8, when=("model", ("gat",))),
    Option("aggr", "choice", "auto", "aggregation of SAGE / GIN: sum, mean or max; auto = the layer's own "
           "default (SAGE mean, GIN sum)", choices=AGGRS, when=("model", ("sage", "gin"))),
    Option("activation", "choice", "relu", "activation between layers", choices=ACTIVATIONS),
    Option("dropout", "float", 0.0, "dropout on each layer's input while training", minimum=0.0, maximum=0.9,
           step=0.05),
    # ---- the task ---------------------------------------------------------------------------
    Option("labelled", "int", 1, "labelled (training) nodes per class, chosen with the seed", minimum=1,
           maximum=1000),
    Option("labelled_nodes", "str", "", "the labelled nodes by id, e.g. 0,33 (set by clicking); "
           "empty = --labelled per class, chosen with the seed", max_length=MAX_LABELLED_NODES, panel=False),
    Option("layout", "choice", "auto", "node positions: spring (seeded, small graphs), pivotmds (any size); "
           "auto = spring up to 1000 nodes, else pivotmds", choices=LAYOUTS),
    # ---- training (live: applied between steps) ---------------------------------------------
    Option("lr", "float", 0.01, "learning rate (Adam)", role="live", minimum=0.0, maximum=10.0, step=0.001),
    Option("weight_decay", "float", 5e-4, "weight decay (L2 regularization)", role="live", minimum=0.0,
           maximum=1.0, step=0.0001),
    Option("node", "str", "", "the selected node, by its id in the graph (karate 0–33, Valjean in "
           "lesmis); empty = the node of highest degree", role="live", max_length=500),
    # ---- what the view shows ----------------------------------------------------------------
    Option("phase", "choice", "message", "message-passing phase shown: message, aggregate or update",
           role="view", choices=PHASES),
    Option("layer", "int", 0, "message-passing layer shown (0 = the first)", role="view", minimum=0, maximum=5),
    Option("color_by", "choice", "class", "node colour: class, prediction, or one embedding dimension",
           role="view", choices=COLOR_BY),
    Option("color_dim", "int", 0, "embedding dimension shown as colour", role="view", minimum=0, maximum=2047,
           when=("color_by", ("embedding",))),
    Option("head", "int", -1, "GAT head shown (-1 = the mean over heads)", role="view", minimum=-1, maximum=7,
           when=("model", ("gat",))),
    Option("emb_layer", "int", -1, "layer of the embedding-space plot (-1 = the last)", role="view",
           minimum=-1, maximum=5),
    Option("edges", "choice", "plain", "edge drawing: plain, or width and colour by GAT attention α",
           role="view", choices=EDGE_STYLES),
    Option("show_labels", "bool", True, "node ids on the graph", role="view"),
]


def _check(values: dict) -> None:
    graph = values["graph"]
    if graph not in GRAPHS:
        path = Path(os.path.expanduser(graph.strip()))
        if not path.is_file():
            raise ConfigError("graph", f"the graph file '{graph}' does not exist")
    if values["class_attr"].strip() == "label":
        raise ConfigError("class_attr", "'label' is a node's name (GML, GEXF), not a class; "
                                        "name the attribute that holds the classes")
    if (graph in GENERATED and values["features"] == "onehot" and _generated_size(values) > MAX_ONEHOT):
        raise ConfigError("features", f"one-hot features need an N × N matrix; use them up to {MAX_ONEHOT} "
                                      "nodes, and degree or random features for larger graphs")
    if values["model"] == "gat" and values["hidden"] * values["heads"] > 2048:
        raise ConfigError("hidden", "hidden × heads must be at most 2048")
    parse_node_list(values["labelled_nodes"])


def _generated_size(values: dict) -> int:
    n = values["nodes"]
    if values["graph"] == "grid":
        side = max(2, round(n ** 0.5))
        return side * side
    return n


OPTIONS = OptionSet(OPTIONS_LIST, check=_check)


def view_ranges(values: dict, frame) -> dict:
    """The highest value each counted view option can take for this frame (the CLI refuses more,
    instead of the view clamping it silently): {name: (highest, what it counts)}."""
    info = frame.info
    layers = int(info["layers"])
    ranges = {"layer": (layers - 1, f"--layers is {layers}, counted from 0"),
              "emb_layer": (layers - 1, f"--layers is {layers}, counted from 0; -1 = the last")}
    widths = info.get("widths") or []
    if len(widths) > 1:
        shown = widths[min(max(int(values.get("layer", 0)), 0), len(widths) - 2) + 1]
        ranges["color_dim"] = (shown - 1, f"the shown layer has {shown} dimensions, counted from 0")
    if info.get("model") == "gat":
        ranges["head"] = (int(info["heads"]) - 1, f"--heads is {info['heads']}, counted from 0; -1 = the mean")
    return ranges
