"""Message → aggregate → update for one node, captured with PyG's own MessagePassing hooks.

For each layer, three hooks watch one forward pass:
    propagate pre-hook   the edge_index the layer propagates over (GCN and GAT have added
                         their self-loops by then), so we know which rows target the node
    message hook         the messages of those edges, exactly as the layer computed them:
                         GCN  norm_ij · (W x_j)            (after the linear map)
                         GAT  α_ij^h · (W^h x_j)  per head (after the linear map)
                         SAGE, GIN  x_j                    (the raw neighbour vectors)
                         plus each edge's coefficient: GCN's norm, GAT's α (E_i × heads)
    aggregate hook       the aggregation at the node (sum / mean / max; GAT: per head)
The update is what the layer makes of the aggregate: its output for the node (before the
activation), computed by the layer itself and kept by models.GNN's record.

Only rows that target the selected node are copied, so capturing costs one forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class LayerCapture:
    sources: torch.Tensor | None = None     # (m,) the sending row of each message
    messages: torch.Tensor | None = None    # (m, W) or GAT (m, H, W)
    coef: torch.Tensor | None = None        # GCN (m,) norm; GAT (m, H) α; else None
    aggregate: torch.Tensor | None = None   # (W,) or GAT (H, W)
    _positions: torch.Tensor | None = field(default=None, repr=False)


class NodeCapture:
    """Context manager: `with NodeCapture(model.convs(), node) as cap: model(x, ei)`; then
    cap.layers[k] holds layer k's sources, messages, coefficients and aggregate for `node`."""

    def __init__(self, convs, node: int):
        self.convs = list(convs)
        self.node = int(node)
        self.layers = [LayerCapture() for _ in self.convs]
        self._handles = []

    def __enter__(self) -> "NodeCapture":
        for k, conv in enumerate(self.convs):
            self._handles += [
                conv.register_propagate_forward_pre_hook(self._pre(k)),
                conv.register_message_forward_hook(self._message(k)),
                conv.register_aggregate_forward_hook(self._aggregate(k)),
            ]
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _pre(self, k: int):
        def hook(module, inputs):
            edge_index = inputs[0]
            if not isinstance(edge_index, torch.Tensor) or edge_index.is_sparse:
                raise TypeError("capture needs a plain edge_index tensor (fused sparse paths skip the hooks)")
            positions = (edge_index[1] == self.node).nonzero().flatten()
            cap = self.layers[k]
            cap._positions = positions
            cap.sources = edge_index[0, positions].detach().clone()
        return hook

    def _message(self, k: int):
        def hook(module, inputs, out):
            cap = self.layers[k]
            pos = cap._positions
            cap.messages = out[pos].detach().clone()
            kwargs = inputs[0]
            if "alpha" in kwargs and kwargs["alpha"] is not None:         # GAT
                cap.coef = kwargs["alpha"][pos].detach().clone()
            elif "edge_weight" in kwargs and kwargs["edge_weight"] is not None:   # GCN
                cap.coef = kwargs["edge_weight"][pos].detach().clone()
        return hook

    def _aggregate(self, k: int):
        def hook(module, inputs, out):
            self.layers[k].aggregate = out[self.node].detach().clone()
        return hook
