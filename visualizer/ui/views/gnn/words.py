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


def loading_words(facts: dict) -> str:
    """The build's progress in words (facts from visualizer.labs.gnn.progress), "" if none."""
    from visualizer.ui.i18n import tr

    if not facts.get("loading_active"):
        return ""
    stage = facts.get("loading_stage", "")
    done, total = int(facts.get("loading_done", 0)), int(facts.get("loading_total", 0))
    nodes = int(facts.get("loading_nodes", 0))
    if stage == "parse":
        what = (tr("reading the graph file: line {done} of {total}").format(done=f"{done:,}", total=f"{total:,}")
                if total else tr("reading the graph file"))
    elif stage == "communities":
        what = (tr("finding communities (spectral clustering): {done} of {total} numbers of communities tried")
                .format(done=done, total=total) if total else tr("finding communities (Louvain)"))
    elif stage == "layout":
        what = (tr("laying out {nodes} nodes (PivotMDS): pivot {done} of {total}").format(
            nodes=f"{nodes:,}", done=done, total=total) if total
            else tr("laying out {nodes} nodes (spring layout)").format(nodes=f"{nodes:,}"))
    elif stage == "model":
        what = tr("building the model")
    else:
        what = tr("reading the graph")
    return tr("Loading, step {step} of {steps}: {what} · {seconds} s").format(
        step=facts.get("loading_step", 1), steps=facts.get("loading_steps", 5), what=what,
        seconds=f"{float(facts.get('loading_elapsed_s', 0.0)):.0f}")
