"""A pretrained Hugging Face transformer's attention, read out honestly.

The weights come from the model itself (eager attention, output_attentions=True). For the
neuron view, forward hooks on each layer's query/key projections capture the real q and k
vectors, and a pre-hook on the attention module captures the additive mask it was given;
`softmax(q·k·scale + mask)` is checked against the model's own weights before it is shown.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from visualizer.core.errors import ConfigError
from visualizer.core.frame import Frame
from visualizer.labs.pretrained import MINILM, load_pretrained

MAX_TOKENS = 512
NEURON_TOLERANCE = 1e-4


def readable_token(piece: str) -> str:
    """'##ing' -> 'ing', 'Ġcat' -> 'cat', '▁cat' -> 'cat', 'Ċ' -> '⏎'; a bare space marker -> '␣'."""
    if piece.startswith("##") and len(piece) > 2:
        piece = piece[2:]
    piece = piece.replace("Ċ", "⏎").replace("ĉ", "⇥")
    stripped = piece.replace("Ġ", "").replace("▁", "")
    if not stripped and piece:
        return "␣"
    return stripped


def model_title(model, name_or_folder: str) -> str:
    if name_or_folder == MINILM:
        return "all-MiniLM-L6-v2"
    return Path(os.path.expanduser(name_or_folder)).resolve().name or str(name_or_folder)


def max_tokens(model, tokenizer) -> int:
    config = model.config
    limit = MAX_TOKENS
    for attr in ("max_position_embeddings", "n_positions"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            limit = min(limit, value)
    return limit


class _QK:
    """Where a layer's query and key vectors come from: a hookable projection and how to read it."""

    def __init__(self, attention: nn.Module, modules: list[nn.Module], split):
        self.attention = attention
        self.modules = modules
        self.split = split  # list of projection outputs -> (q, k), each (B, T, all_head)


def _has(module: nn.Module, *names: str) -> bool:
    return all(isinstance(getattr(module, n, None), nn.Module) for n in names)


def find_qk(model) -> list[_QK]:
    """One entry per self-attention layer, in order, for the layouts this app knows:
    BERT-like (query/key), GPT-2 (c_attn), DistilBERT (q_lin/k_lin), most others (q_proj/k_proj)."""
    found = []
    for module in model.modules():
        if getattr(module, "is_cross_attention", False):
            continue
        if _has(module, "query", "key"):
            found.append(_QK(module, [module.query, module.key], lambda outs: (outs[0], outs[1])))
        elif _has(module, "c_attn") and hasattr(module, "split_size"):
            size = module.split_size
            found.append(_QK(module, [module.c_attn], lambda outs, s=size: tuple(outs[0].split(s, dim=-1)[:2])))
        elif _has(module, "q_lin", "k_lin"):
            found.append(_QK(module, [module.q_lin, module.k_lin], lambda outs: (outs[0], outs[1])))
        elif _has(module, "q_proj", "k_proj"):
            found.append(_QK(module, [module.q_proj, module.k_proj], lambda outs: (outs[0], outs[1])))
    return found


class PretrainedAttention:
    """Tokenizes the text, runs the model once, keeps attentions and (when checkable) q and k."""

    def __init__(self, name_or_folder: str, text: str, device: torch.device):
        self.name = name_or_folder
        self.model, self.tokenizer = load_pretrained(name_or_folder)
        self.title = model_title(self.model, name_or_folder)
        self.device = device
        self._run(text)

    def _run(self, text: str) -> None:
        tokenizer, model = self.tokenizer, self.model
        if not text.strip():
            raise ConfigError("text", "is empty: type a sentence to see how its tokens attend to each other")
        limit = max_tokens(model, tokenizer)
        full = tokenizer(text, add_special_tokens=True)["input_ids"]
        enc = tokenizer(text, truncation=True, max_length=limit, return_tensors="pt")
        ids = enc["input_ids"]
        if ids.shape[1] == 0:
            raise ConfigError("text", "gives no tokens with this model's tokenizer")
        self.n_total = len(full)
        self.pieces = tokenizer.convert_ids_to_tokens(ids[0].tolist())
        self.ids = ids[0].numpy().copy()
        model_device = next(model.parameters()).device
        if model_device != self.device:
            # the loader caches one CPU copy; a GPU lab works on its own copy
            model = _device_copy(self.name, self.device)
        inputs = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}

        qk = find_qk(model)
        n_layers = getattr(model.config, "num_hidden_layers", None) or getattr(model.config, "n_layer", None)
        captured: dict[int, list] = {i: [] for i in range(len(qk))}
        masks: dict[int, torch.Tensor | None] = {}
        handles = []
        try:
            for li, entry in enumerate(qk):
                for m in entry.modules:
                    handles.append(m.register_forward_hook(
                        lambda mod, args, out, li=li: captured[li].append(out.detach())))
                handles.append(entry.attention.register_forward_pre_hook(
                    lambda mod, args, kwargs, li=li: masks.__setitem__(li, kwargs.get("attention_mask")),
                    with_kwargs=True))
            with torch.no_grad():
                try:
                    out = model(**inputs, output_attentions=True)
                except (ValueError, TypeError, RuntimeError) as exc:
                    raise ConfigError("model", f"{self.title} could not read this text on its own (is it an "
                                               f"encoder-decoder model? those are not supported): {exc}") from None
        finally:
            for h in handles:
                h.remove()
        if not out.attentions:
            raise ConfigError("model", f"{self.title} returned no attention weights (it may not support eager attention)")
        attentions = torch.stack([a[0] for a in out.attentions]).float()   # (L, nh, T, T)
        # fresh arrays on every run, never changed afterwards: snapshots can hand them out as they are
        self.attentions = attentions.cpu().numpy().copy()
        self.layers, self.heads, T, _ = self.attentions.shape

        self.queries = self.keys = self.neuron_mask = None
        self.scale = None
        self.neuron_note = ""
        self.neuron_error = None
        if len(qk) != self.layers or (n_layers and len(qk) != n_layers):
            self.neuron_note = "The neuron view does not know where this model keeps its query and key vectors."
            return
        qs, ks, ms = [], [], []
        for li, entry in enumerate(qk):
            q, k = entry.split(captured[li])                           # (1, T, all_head) each
            hs = q.shape[-1] // self.heads
            qs.append(q[0].view(T, self.heads, hs).transpose(0, 1))    # (nh, T, hs)
            ks.append(k[0].view(T, self.heads, hs).transpose(0, 1))
            ms.append(_mask_of(masks.get(li), T))
        scale = getattr(qk[0].attention, "scaling", None)
        if not isinstance(scale, (int, float)):
            scale = 1.0 / float(np.sqrt(qs[0].shape[-1]))
        queries = torch.stack(qs).float()                              # (L, nh, T, hs)
        keys = torch.stack(ks).float()
        neuron_mask = torch.stack(ms)                                  # (L, T, T) True = masked
        # the check that keeps the neuron view honest: these q, k give the model's own weights.
        # A misread layout (rotary positions, another scaling) shows in every layer, so the first
        # and the last layer are checked on each run (the tests check them all).
        check = sorted({0, len(qk) - 1})
        scores = (queries[check] @ keys[check].transpose(-2, -1)) * scale
        if bool(neuron_mask.any()):
            scores = scores.masked_fill(neuron_mask[check][:, None].to(scores.device), float("-inf"))
        error = float((torch.softmax(scores, -1) - attentions[check].to(scores.device)).abs().max())
        self.neuron_error = error
        if not error <= NEURON_TOLERANCE:
            self.neuron_note = ("The neuron view is off for this model: its query and key vectors, as captured, "
                                f"do not reproduce its attention (max difference {error:.2g}).")
            return
        self.queries = queries.cpu().numpy().copy()
        self.keys = keys.cpu().numpy().copy()
        self.neuron_mask = neuron_mask.cpu().numpy().copy()
        self.scale = float(scale)

    def snapshot(self, step: int) -> Frame:
        tokens = np.array(self.pieces, dtype=str)      # the tokenizer's own tokens: "##s" stays "##s"
        arrays = {
            "tokens": tokens,
            "token_labels": np.array([readable_token(p) for p in self.pieces], dtype=str),  # what the figure writes
            "token_ids": self.ids.astype(np.int64),
            "attentions": self.attentions,          # float32 (L, nh, T, T), a copy made by _run
        }
        if self.queries is not None:
            arrays["queries"] = self.queries        # float32 (L, nh, T, hs)
            arrays["keys"] = self.keys
            arrays["neuron_mask"] = self.neuron_mask  # bool (L, T, T), True = masked
        T = len(tokens)
        note = ""
        if self.n_total > T:
            note = f"The text has {self.n_total} tokens; only the first {T} are shown (this model reads at most {T})."
        info = {
            "mode": "pretrained", "model": self.title, "source": self.name, "layers": self.layers,
            "heads": self.heads, "tokens": T, "total_tokens": self.n_total, "truncated": self.n_total > T,
            "note": note, "neuron": self.queries is not None, "neuron_note": self.neuron_note,
            "scale": self.scale, "neuron_max_error": self.neuron_error,
        }
        return Frame("pretrained", step, arrays, info)


def _mask_of(mask, T: int) -> torch.Tensor:
    """The additive (or boolean keep) mask an attention layer received, as (T, T) True = masked."""
    if mask is None or not isinstance(mask, torch.Tensor):
        return torch.zeros(T, T, dtype=torch.bool)
    m = mask
    while m.dim() > 2:
        m = m[0]
    m = m.expand(T, T) if m.shape != (T, T) else m
    if m.dtype == torch.bool:
        return (~m).cpu()
    return (m < -1e4).cpu()


_copies: dict = {}


def _device_copy(name: str, device: torch.device):
    key = (name, str(device))
    if key not in _copies:
        import copy

        model, _ = load_pretrained(name)
        _copies.clear()  # keep at most one extra copy alive
        _copies[key] = copy.deepcopy(model).to(device).eval()
    return _copies[key]
