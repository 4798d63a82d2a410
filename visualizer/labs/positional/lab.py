"""The positional-encoding lab: every scheme computed on real numbers, one kind per frame.

    sinusoidal  the Vaswani table, its position similarity, its frequencies
    learned     all-MiniLM-L6-v2's trained position_embeddings, beside a sinusoidal table as wide
    rope        rotation angles, a query and a key turned at every position, the score matrix and the
                proof that it depends on m − n only, the long-range decay of q·k
    alibi       head slopes, bias matrices, a real attention module's logits with and without them
    effect      a sentence and its reordering through one nn.MultiheadAttention under every scheme

Everything is computed once in build(); snapshot() hands out the same read-only arrays, so it is cheap.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from visualizer.core.frame import Frame
from visualizer.core.lab import Lab
from visualizer.labs.positional.config import (DEFAULT_TEXT, DEFAULT_TEXT2, LEARNED_DIM, OPTIONS, SCHEMES)
from visualizer.labs.positional.effect import PositionProbe, permutation_deviation, sentences
from visualizer.labs.positional.encodings import (alibi_bias, alibi_slopes, apply_rope, frequencies, offset_spread,
                                                  rope_angles, rope_cos_sin, sinusoidal_table)

MODEL_NAME = "all-MiniLM-L6-v2"
ALIBI_HEAD_DIM = 16


def learned_table(device=None) -> torch.Tensor:
    """(512, 384) the trained position embeddings of all-MiniLM-L6-v2 (loaded offline, cached)."""
    from visualizer.labs.pretrained import load_pretrained

    model, _ = load_pretrained("minilm")
    return model.embeddings.position_embeddings.weight.detach().to(device)


def _np(t: torch.Tensor) -> np.ndarray:
    a = t.detach().cpu().numpy().copy()
    a.flags.writeable = False  # frames share these arrays: nobody may change them
    return a


def _const(a) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


def random_pairs(dim: int, device=None) -> torch.Tensor:
    """(D,) a vector whose coordinate pairs (i, i + D/2) point in random directions with length 1, so every
    pair is equally visible on the plane and adds between −1 and 1 to q·k."""
    phi = 2 * math.pi * torch.rand(dim // 2).to(device)  # (D/2,) drawn on the CPU: same on every device
    return torch.cat((torch.cos(phi), torch.sin(phi)))


def similarity(table: torch.Tensor):
    """(P, P) dot products PEᵢ·PEⱼ and their cosines."""
    dot = table @ table.T                                                   # (P, P)
    norm = table.norm(dim=1).clamp_min(1e-12)                               # (P,)
    return dot, dot / norm[:, None] / norm[None, :]


class PositionalLab(Lab):
    OPTIONS = OPTIONS

    def build(self) -> None:
        self.kind = self.options["kind"]
        self._arrays: dict[str, np.ndarray] = {}
        self._info: dict = {"device": self.device_label()}
        with torch.no_grad():
            getattr(self, f"_build_{self.kind}")()

    @property
    def continuous(self) -> bool:
        """RoPE plays: each step moves the query (and the key behind it) one position on."""
        return self.kind == "rope"

    @property
    def preferred_speed(self) -> float | None:
        return 10.0 if self.kind == "rope" else None  # the rotation is followable at ~10 positions/s

    def advance(self) -> None:
        if self.kind == "rope":
            self._rope_move(self._m + 1)

    def apply_live(self, name, value) -> None:
        if self.kind == "rope" and name in ("position", "offset"):
            self._rope_move(self.options["position"] if name == "position" else self._m)

    # ---- state (a session file): every table follows from the options and the seed; RoPE
    # also keeps where Play has moved the query to
    def extra_state(self) -> dict:
        return {"position": int(self._m)} if self.kind == "rope" else {}

    def check_extra_state(self, extra: dict) -> None:
        from visualizer.core.state import StateError

        if self.kind == "rope":
            m = extra.get("position")
            if not isinstance(m, int) or not 0 <= m < self.options["positions"]:
                raise StateError(f"extra/position must be a position below {self.options['positions']}, got {m!r}")

    def load_extra_state(self, extra: dict) -> None:
        if self.kind == "rope":
            self._rope_move(int(extra["position"]))

    def snapshot(self) -> Frame:
        return Frame(self.kind, self.steps, dict(self._arrays), dict(self._info))

    # ---- sinusoidal ------------------------------------------------------------------------------
    def _build_sinusoidal(self) -> None:
        P, D, base = self.options["positions"], self.options["dim"], self.options["base"]
        table = sinusoidal_table(P, D, base, self.device)                       # (P, D)
        dot, cos = similarity(table)
        self._arrays = {"encoding": _np(table), "similarity": _np(dot), "cosine": _np(cos),
                        "frequencies": _np(frequencies(D, base))}
        self._info.update(positions=P, dim=D, base=base)

    # ---- learned -----------------------------------------------------------------------------------
    def _build_learned(self) -> None:
        P = self.options["positions"]
        table = learned_table(self.device)[:P]                                  # (P, 384)
        sin = sinusoidal_table(P, LEARNED_DIM, self.options["base"], self.device)
        dot, cos = similarity(table)
        sdot, scos = similarity(sin)
        self._arrays = {"encoding": _np(table), "similarity": _np(dot), "cosine": _np(cos),
                        "sinusoidal_encoding": _np(sin), "sinusoidal_similarity": _np(sdot),
                        "sinusoidal_cosine": _np(scos)}
        self._info.update(positions=P, dim=LEARNED_DIM, model=MODEL_NAME, table_positions=512,
                          base=self.options["base"])

    # ---- RoPE --------------------------------------------------------------------------------------
    def _build_rope(self) -> None:
        P, D, base = self.options["positions"], self.options["dim"], self.options["base"]
        cos, sin = rope_cos_sin(P, D, base, self.device)                        # (P, D/2) each
        q = random_pairs(D, self.device)                                        # one query vector
        k = random_pairs(D, self.device)                                        # one key vector
        q_rot = apply_rope(q.expand(P, D), cos, sin)                            # (P, D): q at every position m
        k_rot = apply_rope(k.expand(P, D), cos, sin)                            # (P, D): k at every position n
        scores = q_rot @ k_rot.T                                                # (P, P): s[m, n]
        spread = offset_spread(scores)                                          # (2P−1,)
        ones = apply_rope(torch.ones(P, D, device=self.device), cos, sin)       # (P, D)
        by_offset = ones @ ones[0]                                              # (P,): q·k at offset d, q=k=1
        self._arrays = {
            "angles": _np(rope_angles(P, D, base)), "score_by_offset": _np(by_offset),
            "theta": _np(frequencies(D, base)), "q": _np(q), "k": _np(k),
            "q_rotated": _np(q_rot), "k_rotated": _np(k_rot), "scores": _np(scores), "offset_spread": _np(spread),
        }
        self._info.update(positions=P, dim=D, base=base, max_offset_deviation=float(spread.max()),
                          score_scale=float(scores.abs().max()))
        self._q, self._k, self._cos, self._sin, self._m = q, k, cos, sin, 0
        self._rope_move(self.options["position"])

    def _rope_move(self, m: int) -> None:
        """Show the query at position m and the key at n = m − offset: turn both with RoPE now.
        Positions wrap around; m never drops below the offset, so n stays a real position."""
        P = self.options["positions"]
        offset = min(self.options["offset"], P - 1)
        m = offset + (m - offset) % (P - offset) if m >= offset else offset
        n = m - offset
        cos, sin = self._cos, self._sin
        q_m = apply_rope(self._q[None], cos[m:m + 1], sin[m:m + 1])[0]          # (D,) q turned by m·θ
        k_n = apply_rope(self._k[None], cos[n:n + 1], sin[n:n + 1])[0]          # (D,) k turned by n·θ
        self._m = m
        self._arrays["q_at_m"], self._arrays["k_at_n"] = _np(q_m), _np(k_n)
        self._info.update(position=m, key_position=n, offset=offset, score=float(q_m @ k_n))

    # ---- ALiBi -------------------------------------------------------------------------------------
    def _build_alibi(self) -> None:
        P, H, causal = self.options["positions"], self.options["heads"], self.options["causal"]
        E = H * ALIBI_HEAD_DIM
        slopes = alibi_slopes(H).to(self.device)                                # (H,)
        bias = alibi_bias(slopes, P, causal=causal, device=self.device)         # (H, P, P)
        attn = nn.MultiheadAttention(E, H, batch_first=True).to(self.device).eval()
        x = torch.randn(P, E).to(self.device)  # the same input for both; drawn on the CPU: same on every device
        q, k, _ = nn.functional.linear(x, attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1)
        q = q.view(P, H, ALIBI_HEAD_DIM).transpose(0, 1)                        # (H, P, dh)
        k = k.view(P, H, ALIBI_HEAD_DIM).transpose(0, 1)                        # (H, P, dh)
        logits = q @ k.transpose(-1, -2) / math.sqrt(ALIBI_HEAD_DIM)            # (H, P, P)
        self._arrays = {"slopes": _np(slopes), "bias": _np(bias), "logits": _np(logits),
                        "biased_logits": _np(logits + bias)}
        self._info.update(positions=P, heads=H, causal=causal, head_dim=ALIBI_HEAD_DIM)

    # ---- effect on attention -----------------------------------------------------------------------
    def _build_effect(self) -> None:
        o = self.options
        tokens, tokens2, perm = sentences(o["text"], o["text2"], DEFAULT_TEXT2, DEFAULT_TEXT)
        vocab = sorted(set(tokens))
        index = {t: i for i, t in enumerate(vocab)}
        ids = torch.tensor([index[t] for t in tokens], device=self.device)      # (T,)
        ids2 = torch.tensor([index[t] for t in tokens2], device=self.device)    # (T,)
        probe = PositionProbe(len(vocab), learned_table(), o["heads"], o["base"]).to(self.device).eval()
        inverse = torch.argsort(torch.as_tensor(perm, device=self.device))
        first, second, aligned, deviation = [], [], [], []
        for scheme in SCHEMES:
            a1 = probe.weights(ids, scheme)                                     # (H, T, T)
            a2 = probe.weights(ids2, scheme)                                    # (H, T, T)
            first.append(a1)
            second.append(a2)
            aligned.append(a2[:, inverse][:, :, inverse])                       # back in sentence-1 order
            deviation.append(permutation_deviation(a1, a2, perm))
        self._arrays = {
            "tokens": _const(tokens), "tokens2": _const(tokens2), "perm": _const(np.asarray(perm, dtype=np.int64)),
            "schemes": _const(SCHEMES), "attention": _np(torch.stack(first)), "attention2": _np(torch.stack(second)),
            "attention2_aligned": _np(torch.stack(aligned)), "deviation": _const(np.asarray(deviation)),
        }
        self._info.update(heads=o["heads"], base=o["base"], text=" ".join(tokens), text2=" ".join(tokens2),
                          width=probe.width, deviation=dict(zip(SCHEMES, deviation)))
