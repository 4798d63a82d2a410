"""The LSTM explainer's view (Qt and numpy; never torch)."""

from visualizer.ui.views.lstm.view import LSTMView

__all__ = ["LSTMView"]
