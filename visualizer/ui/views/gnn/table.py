"""The selected node's message table for one layer and phase: what the heatmap shows.

message    one row per incoming message (its source's name; the self-loop GCN / GAT add is a
           row), the columns the message's dimensions; beside it the coefficient column
           (GCN's norm 1/√(d̂_i d̂_j), GAT's α). GAT: the shown head, or every head side by side.
aggregate  the aggregate vector (GAT: one row per head), with how it was formed
update     the layer's output at the node before and after the activation (the last layer:
           the logits and their softmax)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from visualizer.ui.i18n import tr
from visualizer.ui.views.gnn.words import ACTIVATION_WORDS, AGGR_WORDS


@dataclass
class Table:
    values: np.ndarray
    rows: list[str]
    cols: list[str]
    title: str
    coef: np.ndarray | None = None          # (m, c) beside the messages, or None
    coef_cols: list[str] = field(default_factory=list)
    coef_title: str = ""
    how: str = ""                            # a sentence for the facts


def head_of(frame, options) -> int:
    """The GAT head shown: −1 (all / the mean) or a valid head index."""
    heads = int(frame.info.get("heads", 1))
    head = int(options.get("head", -1))
    return head if 0 <= head < heads else -1


def source_names(frame, layer: int) -> list[str]:
    names = frame["node_names"]
    node = int(frame["node"])
    out = []
    for s in np.asarray(frame[f"message_sources_l{layer}"]):
        name = str(names[int(s)])
        out.append(tr("{name} (self)").format(name=name) if int(s) == node else name)
    return out


def message_table(frame, options, layer: int) -> Table:
    info = frame.info
    model = info.get("model", "gcn")
    messages = np.asarray(frame[f"messages_l{layer}"])
    rows = source_names(frame, layer)
    m = len(rows)
    coef = frame.arrays.get(f"message_coef_l{layer}")
    node_name = info.get("node", "")
    if messages.ndim == 3:                                    # GAT (m, H, W)
        H, W = messages.shape[1], messages.shape[2]
        head = head_of(frame, options)
        alpha = np.asarray(coef, dtype=np.float64).reshape(m, H)
        if head >= 0:
            values = messages[:, head, :]
            cols = [str(j) for j in range(W)]
            coef_v, coef_cols = alpha[:, head:head + 1], ["α"]
            which = tr("head {head}").format(head=head + 1)
            how = tr("each message is a neighbour's vector after the layer's linear map, times its attention α")
        else:
            values = messages.reshape(m, H * W)
            cols = [f"{h + 1}:{j}" for h in range(H) for j in range(W)]
            coef_v, coef_cols = alpha, [f"α{h + 1}" for h in range(H)]
            which = tr("heads 1–{heads}").format(heads=H)
            how = tr("each message is a neighbour's vector after the layer's linear map, times its attention α; "
                     "the {heads} heads side by side (columns head:dimension)").format(heads=H)
        title = tr("Messages into {node} (layer {layer}): α · W x_j, {which}").format(
            node=node_name, layer=layer + 1, which=which)
        return Table(values, rows, cols, title, coef_v, coef_cols, tr("α"), how)
    W = messages.shape[1]
    cols = [str(j) for j in range(W)]
    if model == "gcn":
        title = tr("Messages into {node} (layer {layer}): norm · W x_j").format(
            node=node_name, layer=layer + 1)
        how = tr("each message is a neighbour's vector after the layer's linear map, times 1/√(d̂_i d̂_j); "
                 "the self-loop the layer adds is one of the rows")
        c = None if coef is None else np.asarray(coef, dtype=np.float64).reshape(m, 1)
        return Table(messages, rows, cols, title, c, [tr("norm")], tr("norm"), how)
    title = tr("Messages into {node} (layer {layer}): raw x_j").format(
        node=node_name, layer=layer + 1)
    how = tr("{model} sends each neighbour's input vector as it is; the linear maps come in the update").format(
        model="GraphSAGE" if model == "sage" else "GIN")
    return Table(messages, rows, cols, title, how=how)


def aggregate_table(frame, options, layer: int) -> Table:
    info = frame.info
    model = info.get("model", "gcn")
    agg = np.asarray(frame[f"aggregate_l{layer}"])
    m = len(np.asarray(frame[f"message_sources_l{layer}"]))
    node_name = info.get("node", "")
    if agg.ndim == 2:                                         # GAT (H, W)
        rows = [tr("head {head}").format(head=h + 1) for h in range(agg.shape[0])]
        values = agg
        how = tr("per head, Σ_j α_ij · W x_j over {m} messages (the α of each head sum to 1)").format(m=m)
    else:
        rows = [tr("aggregate")]
        values = agg.reshape(1, -1)
        aggr = info.get("aggregation", "sum")
        if model == "gcn":
            how = tr("Σ_j norm_ij · W x_j: the sum of the {m} messages").format(m=m)
        else:
            how = {"sum": tr("the sum of the {m} messages, dimension by dimension"),
                   "mean": tr("the mean of the {m} messages, dimension by dimension"),
                   "max": tr("the largest of the {m} messages in each dimension")}.get(
                aggr, tr("the sum of the {m} messages, dimension by dimension")).format(m=m)
    cols = [str(j) for j in range(values.shape[1])]
    word = tr(AGGR_WORDS.get(info.get("aggregation", "sum"), "sum")) if model != "gat" else tr("weighted sum")
    title = tr("Aggregate at {node} (layer {layer}): {how}").format(node=node_name, layer=layer + 1, how=word)
    return Table(values, rows, cols, title, how=how)


def update_formula(frame, layer: int) -> str:
    info = frame.info
    model = info.get("model", "gcn")
    L = int(info.get("layers", 1))
    last = layer == L - 1
    if model == "gcn":
        f = tr("h = aggregate + b")
    elif model == "gat":
        f = tr("h = mean of the heads + b") if last else tr("h = the heads side by side + b")
    elif model == "sage":
        f = tr("h = W₁ · aggregate + W₂ · x_i + b")
    else:
        f = tr("h = MLP((1 + ε) · x_i + aggregate)")
    if last:
        return f + " · " + tr("the last layer has no activation: h are the logits")
    act = tr(ACTIVATION_WORDS.get(info.get("activation", "relu"), info.get("activation", "")))
    return f + " · " + tr("then {activation}").format(activation=act)


def update_table(frame, options, layer: int) -> Table:
    info = frame.info
    L = int(info.get("layers", 1))
    node_name = info.get("node", "")
    h = np.asarray(frame[f"update_l{layer}"], dtype=np.float64)
    if layer == L - 1:
        prob = np.asarray(frame["prob"])[int(frame["node"])]
        values = np.stack([h, prob])
        rows = [tr("logits h"), tr("softmax")]
        names = [str(c) for c in info.get("class_names", [])]
        cols = names if len(names) == len(h) else [str(j) for j in range(len(h))]
    else:
        out = np.asarray(frame[f"out_l{layer}"], dtype=np.float64)
        act = tr(ACTIVATION_WORDS.get(info.get("activation", "relu"), info.get("activation", "")))
        values = np.stack([h, out])
        rows = [tr("h"), tr("{activation}(h)").format(activation=act)]
        cols = [str(j) for j in range(len(h))]
    title = tr("Update at {node} (layer {layer}): the new vector").format(node=node_name, layer=layer + 1)
    return Table(values, rows, cols, title, how=update_formula(frame, layer))


def table_for(frame, options, layer: int, phase: str) -> Table:
    if phase == "aggregate":
        return aggregate_table(frame, options, layer)
    if phase == "update":
        return update_table(frame, options, layer)
    return message_table(frame, options, layer)
