"""Step-through: one real nn.MultiheadAttention over the embeddings of a typed sentence.

Every stage is computed from the module's own parameters (in_proj_weight, out_proj) so it
can be shown, and the attention weights and output drawn are the ones the module returns
(need_weights=True, average_attn_weights=False). The tests prove the stages agree with it.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch
from torch import nn

from visualizer.core.frame import Frame
from visualizer.labs.attention.config import PAD, combined_mask, mha_layout, parse_mask


def sinusoidal_positions(length: int, dim: int) -> torch.Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...)   # (T, d)"""
    pos = torch.arange(length, dtype=torch.float32)[:, None]                      # (T, 1)
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, dtype=torch.float32) / dim)  # (d/2,)
    pe = torch.zeros(length, dim)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)[:, : dim // 2]
    return pe


def word_embedding(vocab: list[str], dim: int, seed: int) -> nn.Embedding:
    """An nn.Embedding over `vocab` whose row for a word depends only on (word, seed, dim):
    editing the rest of the sentence does not change the vector of "cat"."""
    emb = nn.Embedding(len(vocab), dim)
    with torch.no_grad():
        for i, word in enumerate(vocab):
            g = torch.Generator().manual_seed((seed * 1_000_003 + zlib.crc32(word.encode("utf-8"))) % 2**63)
            emb.weight[i] = 0.0 if word == PAD else torch.randn(dim, generator=g)
    return emb


class StepThrough:
    """Builds the module and runs it once; `stages()` recomputes each intermediate by hand."""

    def __init__(self, options: dict, seed: int, device: torch.device):
        self.device = device
        self.dim, self.heads = int(options["dim"]), int(options["heads"])
        self.tokens, self.n_real, n_words = mha_layout(options)
        self.n_words = n_words
        T = len(self.tokens)
        self.vocab = [PAD] + sorted(set(self.tokens[: self.n_real]))
        ids = torch.tensor([self.vocab.index(t) for t in self.tokens])
        self.embedding = word_embedding(self.vocab, self.dim, seed).to(device)
        self.positions = sinusoidal_positions(T, self.dim).to(device)
        # the module is created after Lab.reset seeded torch: same seed, same weights
        self.mha = nn.MultiheadAttention(self.dim, self.heads, batch_first=True).to(device).eval()

        custom = np.zeros((T, T), dtype=bool)
        for q, k in parse_mask(options["custom_mask"]):
            if q < T and k < T:
                custom[q, k] = True
        self.custom_mask = custom
        self.causal = bool(options["causal"])
        causal = np.triu(np.ones((T, T), dtype=bool), 1) if self.causal else np.zeros((T, T), dtype=bool)
        self.attn_mask = causal | custom                               # (T, T) True = may not attend
        self.key_padding_mask = np.arange(T) >= self.n_real            # (T,)   True = padding key
        self.mask = np.array(combined_mask(options, T, self.n_real), dtype=bool)

        with torch.no_grad():
            self.x = (self.embedding(ids.to(device)) + self.positions)[None]   # (1, T, d)
            self.output, self.weights = self.mha(
                self.x, self.x, self.x,
                key_padding_mask=torch.as_tensor(self.key_padding_mask, device=device)[None],
                attn_mask=torch.as_tensor(self.attn_mask, device=device),
                need_weights=True, average_attn_weights=False,
            )                                                          # (1, T, d), (1, nh, T, T)

    @torch.no_grad()
    def stages(self) -> dict[str, torch.Tensor]:
        """Each intermediate of multi-head attention, from the module's own parameters."""
        d, nh = self.dim, self.heads
        hs = d // nh
        x = self.x[0]                                                  # (T, d)
        T = x.shape[0]
        w, b = self.mha.in_proj_weight, self.mha.in_proj_bias          # (3d, d), (3d,)
        q = x @ w[:d].T + b[:d]                                        # (T, d)
        k = x @ w[d:2 * d].T + b[d:2 * d]
        v = x @ w[2 * d:].T + b[2 * d:]
        q = q.view(T, nh, hs).transpose(0, 1)                          # (nh, T, hs)
        k = k.view(T, nh, hs).transpose(0, 1)
        v = v.view(T, nh, hs).transpose(0, 1)
        scores = q @ k.transpose(-2, -1)                               # (nh, T, T)
        scaled = scores / math.sqrt(hs)
        additive = torch.zeros(T, T, device=x.device)
        additive[torch.as_tensor(self.mask, device=x.device)] = float("-inf")
        masked = scaled + additive                                     # (nh, T, T), −∞ where masked
        weights = torch.softmax(masked, dim=-1)                        # (nh, T, T), rows sum to 1
        context = weights @ v                                          # (nh, T, hs)
        concat = context.transpose(0, 1).reshape(T, d)                 # (T, d)
        output = concat @ self.mha.out_proj.weight.T + self.mha.out_proj.bias  # (T, d)
        return dict(q=q, k=k, v=v, scores=scores, scaled=scaled, masked=masked, weights=weights,
                    context=context, concat=concat, output=output)

    def snapshot(self, step: int) -> Frame:
        s = self.stages()

        def np_(t):
            return t.detach().cpu().numpy().copy()

        arrays = {
            "tokens": np.array(self.tokens, dtype=str),
            "x": np_(self.x[0]),
            "in_proj_weight": np_(self.mha.in_proj_weight),
            "in_proj_bias": np_(self.mha.in_proj_bias),
            "out_proj_weight": np_(self.mha.out_proj.weight),
            "out_proj_bias": np_(self.mha.out_proj.bias),
            "q": np_(s["q"]), "k": np_(s["k"]), "v": np_(s["v"]),
            "scores": np_(s["scores"]), "scaled": np_(s["scaled"]), "masked": np_(s["masked"]),
            # what the module itself returned: these are what the view shows
            "weights": np_(self.weights[0]),
            "context": np_(s["context"]), "concat": np_(s["concat"]),
            "output": np_(self.output[0]),
            "mask": self.mask.copy(),
            "attn_mask": self.attn_mask.copy(),
            "key_padding_mask": self.key_padding_mask.copy(),
            "custom_mask": self.custom_mask.copy(),
        }
        notes = []
        if self.n_words > self.n_real:
            notes.append(f"The text has {self.n_words} tokens; the step-through shows the first {self.n_real}.")
        info = {
            "mode": "mha", "model": "nn.MultiheadAttention", "dim": self.dim, "heads": self.heads,
            "head_dim": self.dim // self.heads, "tokens": len(self.tokens), "real_tokens": self.n_real,
            "padding": len(self.tokens) - self.n_real, "causal": self.causal,
            "custom_cells": int(self.custom_mask.sum()), "words": self.n_words, "note": " ".join(notes),
        }
        return Frame("mha", step, arrays, info)
