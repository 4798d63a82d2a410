"""The attention explainer's view (registry path: visualizer.ui.views.attention:AttentionView)."""

from visualizer.ui.views.attention.view import AttentionView

__all__ = ["AttentionView"]
