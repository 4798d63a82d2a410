"""The GNN: a stack of real PyTorch Geometric layers, nothing re-implemented.

    x (N, F) → layer0 → act → dropout → layer1 → act → … → layer{L−1} → logits (N, C)

    gcn   GCNConv(in, out)                        self-loops added, D̂^−½ Â D̂^−½ normalisation
    gat   GATConv(in, hidden, heads, concat=True) in hidden layers (output hidden·heads wide),
          GATConv(in, C, heads, concat=False)     in the last one (the heads averaged)
    sage  SAGEConv(in, out, aggr)                 lin_l(aggregate of x_j) + lin_r(x_i)
    gin   GINConv(MLP(in → hidden → out), aggr, train_eps=True)   MLP((1 + ε) x_i + aggregate)

The layers are the model's submodules `layer0` … `layer{L−1}`, so `model.state_dict()` names
each parameter "layer{k}." + its name in that conv's own state_dict (the NPZ names).
Layers are always given a plain `edge_index` tensor: PyG's fused sparse path would skip the
message / aggregate hooks that capture.py relies on.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import GATConv, GCNConv, GINConv, SAGEConv

ACTIVATIONS = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "none": nn.Identity,
}
#: what the aggregation is called for each model (for the view)
DEFAULT_AGGR = {"gcn": "sum", "gat": "sum", "sage": "mean", "gin": "sum"}


def resolve_aggr(model: str, aggr: str) -> str:
    if model in ("sage", "gin") and aggr != "auto":
        return aggr
    return DEFAULT_AGGR[model]


class GNN(nn.Module):
    def __init__(self, model: str, in_dim: int, hidden: int, n_classes: int, layers: int, heads: int = 1,
                 aggr: str = "auto", activation: str = "relu", dropout: float = 0.0):
        super().__init__()
        self.kind = model
        self.n_layers = layers
        self.heads = heads if model == "gat" else 1
        self.aggr = resolve_aggr(model, aggr)
        self.dropout = dropout
        self.act = ACTIVATIONS[activation]()
        self.widths = [in_dim]          # the width of each layer's input, then of the logits
        size = in_dim
        for k in range(layers):
            last = k == layers - 1
            out = n_classes if last else hidden
            if model == "gcn":
                # the graph never changes under a model (a new graph builds a new one): the layer keeps
                # its D̂^−½ Â D̂^−½ between calls instead of adding self-loops and degrees every forward
                conv = GCNConv(size, out, cached=True)
                size = out
            elif model == "gat":
                conv = GATConv(size, out, heads=self.heads, concat=not last)
                size = out if last else out * self.heads
            elif model == "sage":
                conv = SAGEConv(size, out, aggr=self.aggr)
                size = out
            elif model == "gin":
                mlp = nn.Sequential(nn.Linear(size, hidden), ACTIVATIONS[activation](), nn.Linear(hidden, out))
                conv = GINConv(mlp, train_eps=True, aggr=self.aggr)
                size = out
            else:  # pragma: no cover - the options restrict model
                raise ValueError(f"unknown model {model!r}")
            self.add_module(f"layer{k}", conv)
            self.widths.append(size)

    def modes_differ(self) -> bool:
        """Whether train() and eval() compute differently: dropout anywhere (the model's, GAT's on
        α) or a normalisation layer. Where they do not, the lab need not switch (Module.train walks
        every submodule in Python: ~0.3 ms a call, a fifth of a karate training step)."""
        return any(float(getattr(m, "dropout", 0) or 0) > 0 or isinstance(m, nn.modules.batchnorm._NormBase)
                   for m in self.modules())

    def convs(self) -> list[nn.Module]:
        return [getattr(self, f"layer{k}") for k in range(self.n_layers)]

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor, record: dict | None = None) -> torch.Tensor:
        """Logits (N, C). With `record` (a dict), also keeps per layer the input (`inputs`), the
        output before the activation (`h`, GAT heads concatenated) and, for GAT, the attention
        coefficients with the self-loops the layer added (`attention`: (edge_index′, α (E′, H)))."""
        if record is not None:
            record.update(inputs=[], h=[], attention=[])
        for k, conv in enumerate(self.convs()):
            x = F.dropout(x, p=self.dropout, training=self.training)
            if record is not None:
                record["inputs"].append(x)
            if self.kind == "gat" and record is not None:
                h, (ei, alpha) = conv(x, edge_index, return_attention_weights=True)
                record["attention"].append((ei, alpha))
            else:
                h = conv(x, edge_index)
            if record is not None:
                record["h"].append(h)
            x = h if k == self.n_layers - 1 else self.act(h)
        return x
