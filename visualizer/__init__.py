"""visualizer: run real neural-network modules live and see inside them."""

__version__ = "0.1.0"
