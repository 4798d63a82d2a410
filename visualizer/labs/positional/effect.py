"""Does attention know word order? One real nn.MultiheadAttention, five ways of telling it positions.

A sentence and a reordering of it (same tokens, another order) go through the same embedding and the
same attention module, once per scheme:

    none        x = LN(e)                                  no position at all
    sinusoidal  x = LN(√E·e + PE_sin)                      added, scaled as in Vaswani et al.
    learned     x = LN(e + PE_MiniLM)                      added, as BERT/MiniLM do
    rope        x = LN(e); q, k turned by RoPE per head    inside attention
    alibi       x = LN(e); logits − m_h·|i − j|            inside attention (as attn_mask)

e are token embeddings N(0, 1/E) (the Transformer's initialisation; MiniLM's own word embeddings have
about that scale), so token and position signals are of similar size in both additive schemes, and
LN (a layer norm without parameters) hands every scheme inputs of the same size.

If the reordering is a permutation P (token i of sentence 2 is token perm[i] of sentence 1), then
without positions A₂ = P A₁ Pᵀ exactly (up to float rounding): attention is blind to order.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from visualizer.core.errors import ConfigError
from visualizer.labs.positional.config import MAX_TOKENS, SCHEMES
from visualizer.labs.positional.encodings import (alibi_bias, alibi_slopes, apply_rope, rope_cos_sin,
                                                  sinusoidal_table)


def tokenize(text: str) -> list[str]:
    """Split on whitespace; text without any (Chinese, Japanese…) is split per character."""
    text = text.strip()
    if any(ch.isspace() for ch in text):
        return text.split()
    return list(text)


def reordered(tokens: list[str]) -> list[str]:
    """The default reordering: the tokens reversed (rotated by one if that changes nothing)."""
    out = tokens[::-1]
    return out if out != tokens else tokens[1:] + tokens[:1]


def match_permutation(tokens: list[str], tokens2: list[str], option: str = "text2") -> list[int]:
    """perm with tokens2[i] == tokens[perm[i]] (repeated tokens matched in order), or ConfigError."""
    free: dict[str, list[int]] = {}
    for j, t in enumerate(tokens):
        free.setdefault(t, []).append(j)
    perm = []
    for t in tokens2:
        if not free.get(t):
            break
        perm.append(free[t].pop(0))
    if len(perm) != len(tokens) or len(tokens2) != len(tokens):
        raise ConfigError(option, f"must hold the same tokens as --text in another order: "
                                  f"{' | '.join(tokens)}  vs  {' | '.join(tokens2)} "
                                  f"(leave it empty to use --text reversed)")
    return perm


def sentences(text: str, text2: str, text2_default: str, text_default: str):
    """(tokens, tokens2, perm) from the options; ConfigError for unusable input."""
    tokens = tokenize(text)
    if len(tokens) < 2:
        raise ConfigError("text", "needs at least two tokens to reorder")
    if len(tokens) > MAX_TOKENS:
        raise ConfigError("text", f"has {len(tokens)} tokens; at most {MAX_TOKENS} are shown")
    auto = not text2.strip() or (text2 == text2_default and text != text_default)
    tokens2 = reordered(tokens) if auto else tokenize(text2)
    return tokens, tokens2, match_permutation(tokens, tokens2)


class PositionProbe(nn.Module):
    """Token embeddings + one nn.MultiheadAttention, run with each position scheme in turn."""

    def __init__(self, vocab_size: int, learned_table: torch.Tensor, heads: int, base: float):
        super().__init__()
        width = learned_table.shape[1]
        self.heads, self.base = heads, base
        self.embed = nn.Embedding(vocab_size, width)
        nn.init.normal_(self.embed.weight, std=width ** -0.5)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=True)
        self.register_buffer("learned", learned_table.detach().clone())            # (512, E)
        self.register_buffer("slopes", alibi_slopes(heads))                         # (H,)

    @property
    def width(self) -> int:
        return self.attn.embed_dim

    def inputs(self, ids: torch.Tensor, scheme: str) -> torch.Tensor:
        """(1, T, E) the attention's input under `scheme`."""
        e = self.embed(ids)[None]                                                   # (1, T, E)
        T = ids.shape[0]
        if scheme == "sinusoidal":
            pe = sinusoidal_table(T, self.width, device=e.device)                   # (T, E)
            e = math.sqrt(self.width) * e + pe
        elif scheme == "learned":
            e = e + self.learned[:T]
        return F.layer_norm(e, (self.width,))

    def weights(self, ids: torch.Tensor, scheme: str) -> torch.Tensor:
        """(H, T, T) attention weights of every head under `scheme`."""
        if scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}")
        x = self.inputs(ids, scheme)
        if scheme == "rope":
            return self.manual_weights(x, rope=True)
        mask = alibi_bias(self.slopes, ids.shape[0], device=x.device) if scheme == "alibi" else None
        _, w = self.attn(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False)
        return w[0]                                                                 # (H, T, T)

    def manual_weights(self, x: torch.Tensor, rope: bool = False, bias: torch.Tensor | None = None) -> torch.Tensor:
        """The module's own computation written out (its in_proj weights), with RoPE turning q and k
        per head. Without RoPE it equals nn.MultiheadAttention's weights (a test checks it)."""
        T, H = x.shape[1], self.heads
        dh = self.width // H
        q, k, _ = F.linear(x[0], self.attn.in_proj_weight, self.attn.in_proj_bias).chunk(3, dim=-1)  # (T, E) each
        q = q.view(T, H, dh).transpose(0, 1)                                        # (H, T, dh)
        k = k.view(T, H, dh).transpose(0, 1)                                        # (H, T, dh)
        if rope:
            cos, sin = rope_cos_sin(T, dh, self.base, device=x.device)              # (T, dh/2)
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        logits = q @ k.transpose(-1, -2) / math.sqrt(dh)                            # (H, T, T)
        if bias is not None:
            logits = logits + bias
        return torch.softmax(logits, dim=-1)


def permutation_deviation(a1: torch.Tensor, a2: torch.Tensor, perm: list[int]) -> float:
    """max |A₂ − P A₁ Pᵀ| over heads, with (P A Pᵀ)[i, j] = A[perm[i], perm[j]]."""
    p = torch.as_tensor(perm, device=a1.device)
    expected = a1[:, p][:, :, p]                                                    # (H, T, T)
    return float((a2 - expected).abs().max())
