"""The GNN explainer's view (Qt and numpy; never torch)."""

from visualizer.ui.views.gnn.view import GNNView

__all__ = ["GNNView"]
