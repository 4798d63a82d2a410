"""The positional-encoding explainer's view (Qt and numpy; never torch)."""

from visualizer.ui.views.positional.view import PositionalView

__all__ = ["PositionalView"]
