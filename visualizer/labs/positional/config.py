"""Options of the positional-encoding explainer (torch-free: the CLI and the control panel read
them before torch is imported)."""

from __future__ import annotations

import re

from visualizer.core.errors import ConfigError
from visualizer.core.options import Option, OptionSet

KINDS = ("sinusoidal", "learned", "rope", "alibi", "effect")
SCHEMES = ("none", "sinusoidal", "learned", "rope", "alibi")  # compared in the "effect" kind

LEARNED_POSITIONS = 512   # rows of all-MiniLM-L6-v2's position_embeddings
LEARNED_DIM = 384         # its width
EFFECT_DIM = LEARNED_DIM  # the effect experiment's model width (so the learned table adds directly)
MAX_TOKENS = 32
MAX_ALIBI_VALUES = 4_194_304  # heads × positions² kept per ALiBi frame (bias and two logit sets)

DEFAULT_TEXT = "北京到上海的机票"
DEFAULT_TEXT2 = "上海到北京的机票"


def parse_dims(text: str) -> list[int]:
    """'0 1, 16 17' -> [0, 1, 16, 17]; ConfigError on anything but non-negative whole numbers."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        raise ConfigError("curve_dims", f"expected dimension numbers separated by spaces or commas, got {text!r}") from None
    if any(d < 0 for d in dims):
        raise ConfigError("curve_dims", "dimension numbers start at 0")
    if len(dims) > 8:
        raise ConfigError("curve_dims", f"at most 8 curves are drawn; got {len(dims)}")
    return dims


def _check(v: dict) -> None:
    kind = v["kind"]
    parse_dims(v["curve_dims"])
    if kind in ("sinusoidal", "rope") and v["dim"] % 2:
        what = "sin and cos fill dimension pairs" if kind == "sinusoidal" else "RoPE rotates dimension pairs"
        raise ConfigError("dim", f"must be even for {kind} ({what}); got {v['dim']}")
    if kind == "learned" and v["positions"] > LEARNED_POSITIONS:
        raise ConfigError("positions", f"all-MiniLM-L6-v2 learned only {LEARNED_POSITIONS} positions "
                                       f"(a learned table has no row beyond its end); got {v['positions']}")
    if kind == "alibi" and v["heads"] * v["positions"] ** 2 > MAX_ALIBI_VALUES:
        most = int((MAX_ALIBI_VALUES / v["heads"]) ** 0.5)
        raise ConfigError("positions", f"ALiBi keeps one {v['positions']}×{v['positions']} bias matrix per head; "
                                       f"with {v['heads']} heads use at most {most} positions")
    if kind == "effect":
        if EFFECT_DIM % v["heads"]:
            raise ConfigError("heads", f"the effect experiment's model is {EFFECT_DIM} wide; the number of heads "
                                       f"must divide it (1, 2, 3, 4, 6, 8, 12, 16, 24, 32...), got {v['heads']}")
        if (EFFECT_DIM // v["heads"]) % 2:
            raise ConfigError("heads", f"RoPE needs an even head width; {EFFECT_DIM} / {v['heads']} is odd")
        if not v["text"].strip():
            raise ConfigError("text", "type a sentence")


OPTIONS = OptionSet(
    [
        Option("kind", "choice", "sinusoidal",
               "which scheme to show (effect: the same attention with every scheme, on a sentence and a reordering)",
               choices=KINDS),
        Option("positions", "int", 64, "number of positions P", minimum=1, maximum=2048,
               when=("kind", ("sinusoidal", "learned", "rope", "alibi"))),
        Option("dim", "int", 128, "encoding width D (sinusoidal) or head width (RoPE); the learned table is "
                                  "384 wide", minimum=2, maximum=1024,
               when=("kind", ("sinusoidal", "rope"))),
        Option("heads", "int", 8, "number of attention heads (ALiBi slopes; effect experiment)",
               minimum=1, maximum=64, when=("kind", ("alibi", "effect"))),
        Option("base", "float", 10000.0, "frequency base: ω_i = base^(−2i/D) (sinusoidal and RoPE θ_i)",
               minimum=2.0, maximum=1e7, when=("kind", ("sinusoidal", "rope"))),
        Option("causal", "bool", False, "ALiBi as in the paper's decoder: keys after the query are masked",
               when=("kind", ("alibi",))),
        Option("text", "str", DEFAULT_TEXT, "sentence for the effect experiment (split on spaces, "
                                            "or per character when it has none)", max_length=200, allow_empty=False,
               when=("kind", ("effect",))),
        Option("text2", "str", DEFAULT_TEXT2, "the same tokens in another order; when empty (or left at its "
                                              "default after the first sentence changed): the first sentence reversed",
               max_length=200, when=("kind", ("effect",))),
        # ---- view options: only what is drawn changes -----------------------------------------------
        Option("pair", "int", 16, "frequency pair i shown on the circle / RoPE plane (θ_i = base^(−2i/D))",
               role="view", minimum=0, maximum=511, when=("kind", ("sinusoidal", "rope"))),
        Option("shift", "int", 4, "shift k: PE(p+k) is PE(p) rotated by ω_i·k", role="view", minimum=1, maximum=2047,
               when=("kind", ("sinusoidal",))),
        Option("curve_dims", "str", "8 9 32 33", "dimensions drawn as curves against position",
               role="view", max_length=80, when=("kind", ("sinusoidal", "learned"))),
        Option("train_length", "int", 48, "training length marker: positions from here on are extrapolation "
                                          "(0: no marker)", role="view", minimum=0, maximum=2048,
               when=("kind", ("sinusoidal", "learned"))),
        Option("similarity", "choice", "cosine", "position similarity shown: cosine or raw dot product PEᵢ·PEⱼ",
               role="view", choices=("cosine", "dot"), when=("kind", ("sinusoidal", "learned"))),
        Option("position", "int", 10, "RoPE: query position m on the plane (Play advances it one per step)",
               role="live", minimum=0, maximum=2047, when=("kind", ("rope",))),
        Option("offset", "int", 3, "RoPE: the key sits at n = m − offset", role="live", minimum=0, maximum=2047,
               when=("kind", ("rope",))),
        Option("head", "int", 1, "head shown (ALiBi, effect)", role="view", minimum=1, maximum=64,
               when=("kind", ("alibi", "effect"))),
    ],
    check=_check,
)


def view_ranges(values: dict, frame) -> dict:
    """The highest value each counted view option can take for this frame (the CLI refuses more,
    instead of the view clamping it silently): {name: (highest, what it counts)}."""
    kind, info = values["kind"], frame.info
    ranges = {}
    if kind in ("sinusoidal", "rope"):
        pairs = int(info.get("dim", values["dim"])) // 2
        ranges["pair"] = (pairs - 1, f"a width of {pairs * 2} has {pairs} frequency pairs, counted from 0")
    if kind == "sinusoidal":
        ranges["shift"] = (max(1, values["positions"] - 1), f"there are {values['positions']} positions")
    if kind in ("alibi", "effect"):
        heads = int(info.get("heads", values["heads"]))
        ranges["head"] = (heads, f"there are {heads} heads, counted from 1")
    return ranges
