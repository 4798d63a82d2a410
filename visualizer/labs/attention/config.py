"""Options of the attention explainer (torch-free: the control panel and the CLI read them first).

One `model` option picks what is looked at:
  mha     one real nn.MultiheadAttention, step by step, over a sentence you type
  minilm  the pretrained all-MiniLM-L6-v2 (6 layers x 12 heads), loaded offline
  train   a tiny transformer learning a toy task (reverse / copy / sort digits) live
  PATH    any local Hugging Face model folder (BERT-, GPT-2-style): same views as minilm

Everything a person counts is 1-based here (layer 1, head 1, token 1), as the view labels them.
"""

from __future__ import annotations

import re

from visualizer.core.errors import ConfigError
from visualizer.core.options import Option, OptionSet
from visualizer.labs.pretrained import MINILM, looks_like_model_folder

MHA, TRAIN = "mha", "train"
MODELS = (MHA, MINILM, TRAIN)
TASKS = ("reverse", "copy", "sort")
STAGES = ("all", "x", "q", "k", "v", "scores", "scaled", "masked", "weights", "context", "concat", "output")
PANELS = ("model", "head", "heatmap", "neuron")
LEVELS = ("max", "unit")

MAX_MHA_TOKENS = 32   # the step-through draws every stage of every token; longer text is cut
MAX_TRAIN_HEADS = 4
PAD = "[PAD]"

DEFAULT_TEXT = "The cat sat on the mat because it was tired."


class _ModelsBut(tuple):
    """For Option.when: every `model` value except some (a model folder path cannot be listed).
    Iterating gives the names the CLI help prints."""

    def __new__(cls, shown, excluded):
        self = super().__new__(cls, shown)
        self.excluded = tuple(excluded)
        return self

    def __contains__(self, value) -> bool:
        return value not in self.excluded


WITH_TEXT = _ModelsBut(("mha", "minilm", "PATH"), (TRAIN,))       # every model that reads a sentence
PRETRAINED = _ModelsBut(("minilm", "PATH"), (MHA, TRAIN))         # MiniLM or a model folder

# one CJK ideograph per token, words, or single punctuation marks
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_]+(?:'[^\W_]+)?|[^\w\s]|_+")


def split_words(text: str) -> list[str]:
    """The step-through's own tokenizer: lower-cased words and punctuation, one CJK character each."""
    return [w.lower() for w in _WORD.findall(text)]


def mode_of(model: str) -> str:
    """"mha", "train" or "pretrained" (MiniLM or a model folder)."""
    return model if model in (MHA, TRAIN) else "pretrained"


def parse_mask(spec: str) -> list[tuple[int, int]]:
    """'2:3, 4:1' -> [(1, 2), (3, 0)]: 1-based (query:key) pairs to 0-based cells."""
    cells = []
    for part in re.split(r"[\s,;]+", spec.strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)[:\-x](\d+)", part)
        if m is None:
            raise ConfigError("custom_mask", f"'{part}' is not a query:key pair; write cells like '2:3 4:1' "
                                             "(query token 2 may not look at key token 3; 1 = first token)")
        q, k = int(m.group(1)), int(m.group(2))
        if q < 1 or k < 1:
            raise ConfigError("custom_mask", f"'{part}': tokens are counted from 1")
        cells.append((q - 1, k - 1))
    return sorted(set(cells))


def format_mask(cells) -> str:
    return " ".join(f"{q + 1}:{k + 1}" for q, k in sorted(set(cells)))


def toggle_mask_cell(spec: str, query: int, key: int) -> str:
    """The custom-mask text with the 0-based cell (query, key) switched on or off."""
    cells = set(parse_mask(spec))
    cells ^= {(int(query), int(key))}
    return format_mask(cells)


def mask_click(mask, custom_mask, query: int, key: int) -> tuple[str, str]:
    """What a click on the cell (query, key) of the step-through does, by the lab's mask rule.

    `mask` is the combined mask drawn (padding, causal and hand-masked cells), `custom_mask` the
    hand-masked cells alone (both T × T booleans, 0-based). Returns ("toggle", the new custom-mask
    text), ("fixed", "") for a cell the padding or the causal mask hides, or ("last_key", "") when
    unmasking is not the case and masking would leave the query no key to look at."""
    query, key = int(query), int(key)
    if mask[query][key] and not custom_mask[query][key]:
        return "fixed", ""
    row = [bool(v) for v in mask[query]]
    row[key] = not bool(custom_mask[query][key])
    if all(row):
        return "last_key", ""
    cells = [(q, k) for q, r in enumerate(custom_mask) for k, v in enumerate(r) if v]
    return "toggle", toggle_mask_cell(format_mask(cells), query, key)


def mha_layout(options: dict) -> tuple[list[str], int, int]:
    """(tokens incl. padding, number of real tokens, number of words before the cut)."""
    words = split_words(options["text"])
    n_words = len(words)
    words = words[:MAX_MHA_TOKENS]
    total = max(len(words), int(options["pad_to"]))
    return words + [PAD] * (total - len(words)), len(words), n_words


def combined_mask(options: dict, n_tokens: int, n_real: int):
    """Boolean (T x T) list of lists: True where a query may not look at a key."""
    cells = set(parse_mask(options["custom_mask"]))
    rows = []
    for i in range(n_tokens):
        row = []
        for j in range(n_tokens):
            row.append(j >= n_real or (options["causal"] and j > i) or (i, j) in cells)
        rows.append(row)
    return rows


def _check(values: dict) -> None:
    mode = mode_of(values["model"])
    if mode != TRAIN and not values["text"].strip():
        raise ConfigError("text", "is empty: type a sentence to see how its tokens attend to each other")
    if mode in (MHA, TRAIN) and values["dim"] % values["heads"]:
        raise ConfigError("heads", f"the embedding size {values['dim']} must split evenly into heads: "
                                   f"{values['heads']} heads do not divide {values['dim']}")
    if mode == TRAIN and values["heads"] > MAX_TRAIN_HEADS:
        raise ConfigError("heads", f"the tiny transformer has 1 to {MAX_TRAIN_HEADS} heads; got {values['heads']}")
    parse_mask(values["custom_mask"])  # a malformed mask is an error in every mode
    if mode == MHA:  # cells beyond the sentence are kept but do not apply
        tokens, n_real, _ = mha_layout(values)
        if n_real == 0:
            raise ConfigError("text", "has no words to attend over (only spaces or symbols the step-through skips)")
        mask = combined_mask(values, len(tokens), n_real)
        for i, row in enumerate(mask):
            if all(row):
                raise ConfigError("custom_mask", f"query token {i + 1} ('{tokens[i]}') would have every key masked; "
                                                 "softmax over nothing is undefined — leave at least one key open")


OPTIONS = OptionSet([
    Option("model", "choice", MHA,
           "what to look at: mha = one nn.MultiheadAttention step by step; minilm = the pretrained "
           "all-MiniLM-L6-v2; train = a tiny transformer learning a task live; or a local Hugging Face model folder",
           choices=MODELS, accept_other=looks_like_model_folder),
    Option("text", "str", DEFAULT_TEXT, "the sentence whose tokens attend to each other (mha, minilm, model folder)",
           max_length=20000,
           when=("model", WITH_TEXT)),
    Option("dim", "int", 8, "embedding size of the step-through and of the tiny transformer", minimum=2, maximum=64,
           when=("model", (MHA, TRAIN))),
    Option("heads", "int", 2, "number of attention heads (mha: 1-8; train: 1-4)", minimum=1, maximum=8,
           when=("model", (MHA, TRAIN))),
    Option("causal", "bool", False, "sequence (causal) mask: a token sees only itself and earlier tokens (mha)",
           when=("model", (MHA,))),
    Option("pad_to", "int", 0, "pad the sentence with [PAD] tokens to this length; the padding mask hides them "
                               "(0 = no padding; mha)", minimum=0, maximum=MAX_MHA_TOKENS + 16,
           when=("model", (MHA,))),
    Option("custom_mask", "str", "", "extra masked cells as query:key pairs, e.g. '2:3 4:1' (1 = first token; "
                                     "click cells in the view to edit; mha)", max_length=4000,
           when=("model", (MHA,))),
    Option("task", "choice", "reverse", "what the tiny transformer learns (train)", choices=TASKS,
           when=("model", (TRAIN,))),
    Option("length", "int", 8, "digits per training sequence (train)", minimum=3, maximum=16,
           when=("model", (TRAIN,))),
    Option("layers", "int", 1, "transformer layers of the tiny transformer (train)", minimum=1, maximum=2,
           when=("model", (TRAIN,))),
    Option("lr", "float", 3e-3, "learning rate of the tiny transformer; changes apply while it trains",
           role="live", minimum=1e-5, maximum=0.5, step=5e-4,
           when=("model", (TRAIN,))),
    Option("stage", "choice", "all", "which step-through stage to show large (all = the whole pipeline; mha)",
           role="view", choices=STAGES,
           when=("model", (MHA,))),
    Option("panel", "choice", "model", "pretrained view: model (all heads), head (token lines), heatmap, neuron (q·k)",
           role="view", choices=PANELS,
           when=("model", PRETRAINED)),
    Option("layer", "int", 1, "layer to show (1 = first)", role="view", minimum=1, maximum=64,
           when=("model", PRETRAINED)),
    Option("head", "int", 1, "head to show (1 = first; 0 = the layer's average)", role="view", minimum=0, maximum=64,
           when=("model", WITH_TEXT)),
    Option("query", "int", 1, "query token of the neuron view (1 = first token)", role="view", minimum=1, maximum=1024,
           when=("model", PRETRAINED)),
    Option("levels", "choice", "max", "colour scale of attention weights: max = 0 to each matrix's largest weight; "
                                      "unit = 0 to 1", role="view", choices=LEVELS),
], check=_check)


def view_ranges(values: dict, frame) -> dict:
    """The highest value each counted view option can take for this frame (the CLI refuses more,
    instead of the view clamping it silently): {name: (highest, what it counts)}."""
    info = frame.info
    if info.get("mode") == "pretrained":
        return {"layer": (info["layers"], f"{info['model']} has {info['layers']} layers"),
                "head": (info["heads"], f"{info['model']} has {info['heads']} heads; 0 = the average"),
                "query": (info["tokens"], f"the text has {info['tokens']} tokens")}
    if info.get("mode") == MHA:
        return {"head": (info["heads"], f"--heads is {info['heads']}; 0 = the average")}
    return {}
