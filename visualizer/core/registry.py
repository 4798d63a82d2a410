"""The explainers the app knows, by dotted paths, so nothing heavy is imported to list them.

`options` lives in a torch-free module (the control panel and the CLI read it before torch
is imported); `lab` and `view` are imported when the explainer opens.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Explainer:
    id: str
    title: str            # English; the UI translates it
    summary: str
    options: str          # "module:OPTIONS" (torch-free)
    lab: str              # "module:LabClass"
    view: str             # "module:ViewClass" (Qt)
    ready: bool = True

    def load_options(self):
        return _load(self.options)

    def load_lab(self):
        return _load(self.lab)

    def load_view(self):
        return _load(self.view)


def _load(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


EXPLAINERS: tuple[Explainer, ...] = (
    Explainer(
        "attention", "Attention",
        "Scaled dot-product and multi-head attention, step by step; a real pretrained "
        "transformer's heads; a tiny transformer learning to attend.",
        "visualizer.labs.attention.config:OPTIONS",
        "visualizer.labs.attention.lab:AttentionLab",
        "visualizer.ui.views.attention:AttentionView",
    ),
    Explainer(
        "positional", "Positional encoding",
        "Sinusoidal, learned, RoPE and ALiBi side by side, and what position does to attention.",
        "visualizer.labs.positional.config:OPTIONS",
        "visualizer.labs.positional.lab:PositionalLab",
        "visualizer.ui.views.positional:PositionalView",
    ),
    Explainer(
        "lstm", "LSTM",
        "Gate values and the cell state of a real LSTM, time step by time step.",
        "visualizer.labs.lstm.config:OPTIONS",
        "visualizer.labs.lstm.lab:LSTMLab",
        "visualizer.ui.views.lstm:LSTMView",
    ),
    Explainer(
        "gan", "GAN",
        "A real GAN training live: generator against discriminator, decision surface, mode collapse.",
        "visualizer.labs.gan.config:OPTIONS",
        "visualizer.labs.gan.lab:GANLab",
        "visualizer.ui.views.gan:GANView",
    ),
    Explainer(
        "gnn", "GNN",
        "Message passing on a graph: what each node hears from its neighbours, layer by layer.",
        "visualizer.labs.gnn.config:OPTIONS",
        "visualizer.labs.gnn.lab:GNNLab",
        "visualizer.ui.views.gnn:GNNView",
    ),
)


class LabFactory:
    """Builds an explainer's lab (in the lab's own process); picklable, so it can be sent there."""

    def __init__(self, explainer: Explainer):
        self.explainer = explainer

    def __call__(self, **kwargs):
        return self.explainer.load_lab()(**kwargs)

    def lab_class(self):
        return self.explainer.load_lab()


def get(explainer_id: str) -> Explainer:
    for explainer in EXPLAINERS:
        if explainer.id == explainer_id:
            return explainer
    known = ", ".join(e.id for e in EXPLAINERS)
    raise KeyError(f"unknown explainer {explainer_id!r}; known: {known}")


def ready() -> list[Explainer]:
    return [e for e in EXPLAINERS if e.ready]
