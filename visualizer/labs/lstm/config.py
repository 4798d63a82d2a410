"""The LSTM explainer's options (torch-free: the control panel and the CLI read them first).

build  cell, task, corpus, length, hidden, layers, batch, weights, compare
live   lr, clip, temperature, text, source   (text: the characters stepped through, charlm)
view   page, t, layer, unit, quantity, property, animate

t, layer and unit count from 1, as the screen does; the frame's arrays are 0-based
(array index = value − 1). A view clamps t and unit to the sequence and the hidden size.
"""

from __future__ import annotations

import os
from pathlib import Path

from visualizer.core.errors import ConfigError
from visualizer.core.options import Option, OptionSet

CELLS = ("lstm", "gru", "rnn")
TASKS = ("charlm", "adding", "copy", "brackets")
#: the gates each cell has, in the order of the frame's `gates` axis 2 (the modules' own order)
GATES = {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n"), "rnn": ()}
#: sequence length used when --length is 0
AUTO_LENGTH = {"charlm": 64, "adding": 30, "copy": 20, "brackets": 30}
COPY_SYMBOLS = 5          # symbols to remember in the copy task (so its length is at least 11)
MAX_LENGTH = 500
MAX_TEXT = 2000
PAGES = ("cell", "heatmap", "trace", "finder", "train", "compare", "sample")
QUANTITIES = ("h", "c", "i", "f", "g", "o", "r", "z", "n", "x")
#: unit-finder property ids (facts; the view words them): which exist depends on the task
PROPERTIES = {
    "charlm": ("in_string", "bracket_depth", "indent", "line_pos"),
    "adding": ("target", "marker", "value"),
    "copy": ("recall", "position"),
    "brackets": ("bracket_depth", "target"),
}
ALL_PROPERTIES = ("in_string", "bracket_depth", "indent", "line_pos", "target", "marker", "value",
                  "recall", "position")

DEFAULT_TEXT = '''def greet(names, sep=", "):
    """Say hello to everyone."""
    if not names:
        return "nobody (yet)"
    parts = [f"hello {n!r}" for n in names]
    return sep.join(parts) + "!"

print(greet(["ada", 'bob'], sep=" & "))
'''


def effective_length(values: dict) -> int:
    return values["length"] or AUTO_LENGTH[values["task"]]


OPTIONS_LIST = [
    # ---- the model and its task (build: rebuild + reset with the seed) ------------------------
    Option("cell", "choice", "lstm", "recurrent cell: lstm (nn.LSTM), gru (nn.GRU) or rnn (nn.RNN, tanh)",
           choices=CELLS),
    Option("task", "choice", "charlm",
           "what it learns: charlm (next character of a text), adding (sum of two marked numbers), "
           "copy (recall symbols after a delay), brackets (which bracket is open)", choices=TASKS),
    Option("corpus", "str", "", "UTF-8 text file for charlm; empty = the Python standard library's source",
           max_length=4096, when=("task", ("charlm",))),
    Option("length", "int", 0, "sequence length T of the task (charlm: the training window); "
           "0 = automatic (charlm 64, adding 30, copy 20, brackets 30)", minimum=0, maximum=MAX_LENGTH),
    Option("hidden", "int", 64, "hidden units per layer", minimum=4, maximum=256),
    Option("layers", "int", 1, "stacked recurrent layers", minimum=1, maximum=3),
    Option("batch", "int", 64, "sequences per training batch", minimum=1, maximum=1024),
    Option("weights", "str", "", "your own weights: a .safetensors or .pt state_dict of an "
           "nn.LSTM / nn.GRU / nn.RNN (loaded with weights_only; never unpickled)", max_length=4096),
    Option("compare", "bool", False, "train rnn, gru and lstm side by side on the same task, data and seed"),
    # ---- training (live) -----------------------------------------------------------------------
    Option("lr", "float", 1e-2, "Adam learning rate", role="live", minimum=0.0, maximum=1.0, step=0.001),
    Option("clip", "float", 1.0, "gradient clipping: largest gradient norm per step (0 = off)", role="live",
           minimum=0.0, maximum=1000.0, step=0.1),
    Option("temperature", "float", 0.8, "sampling temperature of the character model", role="live",
           minimum=0.05, maximum=5.0, step=0.05, when=("task", ("charlm",))),
    Option("text", "str", DEFAULT_TEXT, "the text stepped through (charlm); characters the model never "
           "saw become the unknown symbol", role="live", max_length=MAX_TEXT, when=("task", ("charlm",))),
    Option("source", "choice", "text", "what is stepped through (charlm): your text, or a sample the "
           "model generates after it", role="live", choices=("text", "sample"), when=("task", ("charlm",))),
    # ---- what the view shows -------------------------------------------------------------------
    Option("page", "choice", "cell", "panel shown: cell diagram, heatmaps, one unit's trace, unit finder, "
           "training curves, rnn/gru/lstm comparison, samples", role="view", choices=PAGES),
    Option("t", "int", 1, "time step shown (1 = first)", role="view", minimum=1, maximum=MAX_TEXT + 200),
    Option("layer", "int", 1, "layer shown (1 = the first, nearest the input)", role="view", minimum=1, maximum=3),
    Option("unit", "int", 1, "hidden unit shown (1 = the first)", role="view", minimum=1, maximum=256),
    Option("quantity", "choice", "h", "quantity shown: h, c, a gate (i f g o; GRU r z n) or the input x",
           role="view", choices=QUANTITIES),
    Option("property", "choice", "in_string", "unit finder: the property of the input units are ranked by",
           role="view", choices=ALL_PROPERTIES),
    Option("animate", "bool", False, "step the shown time step through the sequence by itself", role="view"),
]


def _check_file(option: str, value: str) -> None:
    if not value.strip():
        return
    path = Path(os.path.expanduser(value.strip()))
    if not path.exists():
        raise ConfigError(option, f"the file '{value}' does not exist")
    if not path.is_file():
        raise ConfigError(option, f"'{value}' is not a file")


def _check(v: dict) -> None:
    length = effective_length(v)
    if v["task"] == "copy" and length < 2 * COPY_SYMBOLS + 1:
        raise ConfigError("length", f"the copy task shows {COPY_SYMBOLS} symbols, waits, then recalls them: "
                                    f"it needs a length of at least {2 * COPY_SYMBOLS + 1}, got {length}")
    if length < 2:
        raise ConfigError("length", f"must be at least 2, got {length}")
    if v["task"] == "charlm":
        _check_file("corpus", v["corpus"])
        if v["corpus"].strip():
            from visualizer.labs.lstm.corpus import sniff_text_file
            sniff_text_file(v["corpus"])
    _check_file("weights", v["weights"])
    if v["weights"].strip() and v["compare"]:
        raise ConfigError("compare", "compares three freshly initialised cells; it cannot start from --weights")
    if v["weights"].strip():
        suffix = Path(v["weights"].strip()).suffix.lower()
        if suffix not in (".safetensors", ".pt", ".pth", ".bin"):
            raise ConfigError("weights", f"expected a .safetensors or .pt file, got '{suffix or v['weights']}'")


OPTIONS = OptionSet(OPTIONS_LIST, check=_check)


def view_ranges(values: dict, frame) -> dict:
    """The highest value each counted view option can take for this frame (the CLI refuses more,
    instead of the view clamping it silently): {name: (highest, what it counts)}."""
    info = frame.info
    ranges = {"layer": (info["layers"], f"--layers is {info['layers']}"),
              "unit": (info["hidden"], f"--hidden is {info['hidden']}")}
    if "T" in info:
        ranges["t"] = (info["T"], f"the sequence has {info['T']} time steps")
    return ranges
