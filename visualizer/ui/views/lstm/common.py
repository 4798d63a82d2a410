"""Words and small helpers shared by the LSTM view's panels (Qt-free apart from colours).

Frames carry facts (property ids, gate letters, task ids); the view writes the words for them,
through tr(), so both languages say the same thing."""

from __future__ import annotations

import html

import numpy as np

from visualizer.ui.i18n import tr

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
TASK_WORDS = {"charlm": "character language model", "adding": "adding problem", "copy": "copy task",
              "brackets": "bracket matching"}
PROPERTY_WORDS = {"in_string": "inside a string", "bracket_depth": "bracket depth", "indent": "indentation level",
                  "line_pos": "position in the line", "target": "the task's target", "marker": "marked number",
                  "value": "input value", "recall": "recall phase", "position": "position in the sequence"}
QUANTITY_WORDS = {"h": "hidden state h", "c": "cell state c", "i": "input gate i", "f": "forget gate f",
                  "g": "candidate g", "o": "output gate o", "r": "reset gate r", "z": "update gate z",
                  "n": "candidate n", "x": "input x"}
PAGE_TITLES = {"cell": "Cell diagram", "heatmap": "Heatmap", "trace": "Unit trace", "finder": "Unit finder",
               "train": "Training", "compare": "RNN vs GRU vs LSTM", "sample": "Sample"}
GATE_QUANTITIES = ("i", "f", "g", "o", "r", "z", "n")
#: quantities that live in [0, 1] (sigmoid gates): a sequential colour map from 0 to 1
SIGMOID = ("i", "f", "o", "r", "z")
#: quantities that live in [−1, 1] (tanh): a diverging map from −1 to 1
TANH = ("g", "n", "h")


def cell_name(info: dict) -> str:
    return CELL_NAMES.get(info.get("cell", "lstm"), str(info.get("cell", "")).upper())


def selection(frame, options: dict) -> tuple[int, int, int]:
    """0-based (t, layer, unit) from the 1-based view options, clamped to the frame."""
    L, T, H = frame["h"].shape
    t = min(max(int(options.get("t", 1)), 1), max(T, 1)) - 1
    layer = min(max(int(options.get("layer", 1)), 1), L) - 1
    unit = min(max(int(options.get("unit", 1)), 1), H) - 1
    return t, layer, unit


def has_quantity(frame, q: str) -> bool:
    if q in ("h", "x"):
        return True
    if q == "c":
        return "c" in frame.arrays
    return q in frame.info.get("gate_names", [])


def missing_note(frame, q: str, shown: str) -> str:
    """Why a quantity cannot be drawn for this cell (and what is drawn instead)."""
    cell = cell_name(frame.info)
    return tr("The {cell} has no {quantity}; showing {shown} instead.").format(
        cell=cell, quantity=tr(QUANTITY_WORDS[q]), shown=tr(QUANTITY_WORDS[shown]))


def quantity_series(frame, q: str, layer: int) -> np.ndarray:
    """(T, n) values of quantity q at one layer (x: the vectors fed to that layer)."""
    if q == "h":
        return frame["h"][layer]
    if q == "c":
        return frame["c"][layer]
    if q == "x":
        return frame["inputs"] if layer == 0 else frame["h"][layer - 1]
    g = list(frame.info.get("gate_names", [])).index(q)
    return frame["gates"][layer, :, g, :]


def levels_of(q: str, values: np.ndarray) -> tuple[float, float]:
    if q in SIGMOID:
        return 0.0, 1.0
    if q in TANH:
        return -1.0, 1.0
    finite = values[np.isfinite(values)]
    m = float(np.abs(finite).max()) if finite.size else 1.0
    return -(m or 1.0), (m or 1.0)


def cmap_of(q: str, theme) -> str:
    return theme.sequential if q in SIGMOID else theme.diverging


def token_label(token: str) -> str:
    """A token as an axis label: whitespace made visible."""
    return {" ": "␣", "\n": "↵", "\t": "⇥"}.get(token, token)


def token_labels(tokens) -> list[str]:
    return [token_label(str(t)) for t in tokens]


def shown_token(frame, t: int) -> str:
    tokens = frame["tokens"]
    return token_label(str(tokens[t])) if 0 <= t < len(tokens) else ""


def colored_text(tokens, values, lo: float, hi: float, cmap, *, current: int = -1, separator: str = "",
                 accent: str = "#2563eb") -> str:
    """Rich text: each token on a background coloured by its value (the LSTMVis look); the
    current step boxed in the accent colour. Newlines break the line (shown as ↵)."""
    values = np.asarray(values, dtype=np.float64)
    frac = np.clip((values - lo) / (hi - lo), 0, 1) if hi != lo else np.full(values.shape, 0.5)
    frac = np.where(np.isfinite(frac), frac, 0.5)
    rgb = cmap.map(frac, mode="float")[:, :3] if len(frac) else np.zeros((0, 3))
    parts = []
    for k, token in enumerate(tokens):
        token = str(token)
        r, g, b = (int(round(255 * v)) for v in rgb[k])
        ink = "#111111" if (0.299 * r + 0.587 * g + 0.114 * b) / 255 > 0.55 else "#f5f5f5"
        shown = token_label(token) if token in ("\n", "\t") else token
        text = html.escape(shown).replace(" ", "&nbsp;")
        style = f"background-color:rgb({r},{g},{b}); color:{ink};"
        if k == current:
            style += f" border:2px solid {accent}; text-decoration:underline; font-weight:bold;"
        parts.append(f'<span style="{style}">{text}</span>')
        if token == "\n":
            parts.append("<br>")
        elif separator:
            parts.append(separator)
    return "".join(parts)
