"""Words the GNN page shows for the lab's names (each passed through tr() where drawn)."""

from __future__ import annotations

from visualizer.labs.gnn.config import PHASES

MODEL_WORDS = {"gcn": "GCN (GCNConv)", "gat": "GAT (GATConv)", "sage": "GraphSAGE (SAGEConv)",
               "gin": "GIN (GINConv)"}
PHASE_WORDS = {"message": "message", "aggregate": "aggregate", "update": "update"}
AGGR_WORDS = {"sum": "sum", "mean": "mean", "max": "max"}
ACTIVATION_WORDS = {"relu": "ReLU", "elu": "ELU", "leaky_relu": "leaky ReLU", "tanh": "tanh", "none": "none"}
GRAPH_WORDS = {"karate": "Zachary's karate club", "lesmis": "Les Misérables co-occurrence",
               "florentine": "Florentine families", "davis": "Davis southern women",
               "sbm": "stochastic block model", "grid": "grid", "tree": "tree", "ba": "Barabási–Albert"}
COLOR_WORDS = {"class": "class", "prediction": "prediction", "embedding": "embedding dimension"}

TABLES = (MODEL_WORDS, PHASE_WORDS, AGGR_WORDS, ACTIVATION_WORDS, GRAPH_WORDS, COLOR_WORDS)


def steps_of(layers: int) -> list[tuple[int, str]]:
    """The (layer, phase) pairs ◀ ▶ walk through: message → aggregate → update, layer by layer."""
    return [(k, p) for k in range(max(1, layers)) for p in PHASES]
