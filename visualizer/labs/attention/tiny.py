"""A tiny transformer encoder, written out minGPT style, learning toy digit tasks live.

Encoder-only: the input is a sequence of digits, the model predicts the output digit at
every position at once, attending in both directions (no causal mask). Reversal is then a
pure routing problem — position i must look at position T-1-i — and the anti-diagonal
appears in the attention map within a few hundred steps.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from visualizer.core.errors import TrainingHalted
from visualizer.core.frame import Frame

VOCAB = 10          # the digits 0-9
BATCH = 64
HISTORY = 600       # curve points kept; older ones are thinned, so the whole run stays visible


class SelfAttention(nn.Module):
    """Multi-head self-attention with every intermediate in plain sight."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.n_head = heads
        self.c_attn = nn.Linear(dim, 3 * dim)   # query, key, value for all heads, in one matmul
        self.c_proj = nn.Linear(dim, dim)
        self.last_att: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.size()                                                       # batch, tokens, embedding
        q, k, v = self.c_attn(x).split(C, dim=2)                                 # (B, T, C) each
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)          # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)          # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)          # (B, nh, T, hs)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))          # (B, nh, T, T)
        att = F.softmax(att, dim=-1)                                             # (B, nh, T, T), rows sum to 1
        self.last_att = att.detach()
        y = att @ v                                                              # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)                         # (B, T, C) heads side by side
        return self.c_proj(y)                                                    # (B, T, C)


class Block(nn.Module):
    """Pre-norm transformer block: attention and an MLP, each with a residual connection."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))                                          # (B, T, C)
        x = x + self.mlp(self.ln_2(x))                                           # (B, T, C)
        return x


class TinyTransformer(nn.Module):
    def __init__(self, dim: int, heads: int, layers: int, length: int, vocab: int = VOCAB):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)          # token embedding
        self.wpe = nn.Embedding(length, dim)         # learned positional embedding
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(dim)
        self.lm_head = nn.Linear(dim, vocab)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        B, T = idx.size()
        pos = torch.arange(T, device=idx.device)                                  # (T,)
        x = self.wte(idx) + self.wpe(pos)                                        # (B, T, C)
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))                                        # (B, T, vocab)

    def attention_maps(self) -> torch.Tensor:
        """The weights of the last forward pass: (layers, B, nh, T, T)."""
        return torch.stack([b.attn.last_att for b in self.blocks])


def make_targets(task: str, x: torch.Tensor) -> torch.Tensor:
    if task == "reverse":
        return x.flip(1)
    if task == "copy":
        return x.clone()
    if task == "sort":
        return x.sort(dim=1).values
    raise ValueError(task)


class History:
    """Bounded curve history: when full, every other point is dropped and the stride doubles."""

    def __init__(self, capacity: int = HISTORY):
        self.capacity = capacity
        self.stride = 1
        self.steps: list[int] = []
        self.values: dict[str, list[float]] = {}
        self._pending = 0
        self._last: tuple | None = None

    def add(self, step: int, **values: float) -> None:
        self._last = (step, values)
        self._pending += 1
        if self._pending < self.stride:
            return
        self._pending = 0
        self.steps.append(step)
        for name, v in values.items():
            self.values.setdefault(name, []).append(v)
        if len(self.steps) >= self.capacity:
            self.steps = self.steps[::2]
            self.values = {k: v[::2] for k, v in self.values.items()}
            self.stride *= 2

    def arrays(self) -> dict[str, np.ndarray]:
        """The kept points, plus the latest one (so a curve always reaches the current step)."""
        steps, values = list(self.steps), {k: list(v) for k, v in self.values.items()}
        if self._last is not None and (not steps or steps[-1] != self._last[0]):
            steps.append(self._last[0])
            for name, v in self._last[1].items():
                values.setdefault(name, []).append(v)
        out = {"history_step": np.array(steps, dtype=np.int64)}
        for name, v in values.items():
            out[f"history_{name}"] = np.array(v, dtype=np.float32)
        return out


    # ---- state (a session file) ------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"capacity": self.capacity, "stride": self.stride, "pending": self._pending,
                "steps": np.array(self.steps, dtype=np.int64),
                "values": {k: np.array(v, dtype=np.float64) for k, v in self.values.items()},
                "last": None if self._last is None else [self._last[0], dict(self._last[1])]}

    def check_state(self, state, where: str = "history") -> None:
        from visualizer.core.state import StateError

        ok = (isinstance(state, dict) and state.get("capacity") == self.capacity
              and isinstance(state.get("stride"), int) and isinstance(state.get("pending"), int)
              and isinstance(state.get("steps"), np.ndarray) and state["steps"].ndim == 1
              and isinstance(state.get("values"), dict)
              and all(isinstance(v, np.ndarray) and v.shape == state["steps"].shape for v in state["values"].values())
              and (state.get("last") is None or (isinstance(state["last"], list) and len(state["last"]) == 2)))
        if not ok:
            raise StateError(f"{where} is not a curve history of {self.capacity} points")

    def load_state_dict(self, state: dict) -> None:
        self.stride, self._pending = int(state["stride"]), int(state["pending"])
        self.steps = [int(s) for s in state["steps"].tolist()]
        self.values = {k: [float(x) for x in v.tolist()] for k, v in state["values"].items()}
        last = state["last"]
        self._last = None if last is None else (int(last[0]), {k: float(v) for k, v in last[1].items()})


class Trainer:
    def __init__(self, options: dict, seed: int, device: torch.device):
        self.device = device
        self.task = options["task"]
        self.length = int(options["length"])
        self.dim, self.heads, self.layers = int(options["dim"]), int(options["heads"]), int(options["layers"])
        self.model = TinyTransformer(self.dim, self.heads, self.layers, self.length).to(device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=float(options["lr"]), weight_decay=0.0)
        self.generator = torch.Generator().manual_seed(seed)
        sample_gen = torch.Generator().manual_seed(seed + 7919)
        self.sample = torch.randint(0, VOCAB, (1, self.length), generator=sample_gen)
        self.history = History()
        self.loss = float("nan")
        self.accuracy = 0.0
        self.steps = 0

    def state_parts(self) -> dict:
        return {"model": self.model, "optimizer": self.optimizer, "generator": self.generator,
                "history": self.history}

    def extra_state(self) -> dict:
        return {"loss": self.loss, "accuracy": self.accuracy, "steps": self.steps}

    def check_extra_state(self, extra: dict) -> None:
        from visualizer.core.state import StateError

        if not isinstance(extra.get("steps"), int) or not all(isinstance(extra.get(k), float) for k in ("loss", "accuracy")):
            raise StateError("extra: the tiny transformer's loss, accuracy or step count is missing")

    def load_extra_state(self, extra: dict) -> None:
        self.loss, self.accuracy, self.steps = float(extra["loss"]), float(extra["accuracy"]), int(extra["steps"])

    def set_lr(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = float(lr)

    def batch(self, size: int = BATCH) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.randint(0, VOCAB, (size, self.length), generator=self.generator)
        return x.to(self.device), make_targets(self.task, x).to(self.device)

    def step(self) -> None:
        self.model.train()
        x, y = self.batch()
        logits = self.model(x)                                                   # (B, T, vocab)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        if not torch.isfinite(loss):
            raise TrainingHalted(f"the loss became {loss.item()} at step {self.steps + 1}: the learning rate "
                                 f"({self.optimizer.param_groups[0]['lr']:g}) is probably too high; lower it and reset")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps += 1
        self.loss = float(loss.detach())
        self.accuracy = float((logits.detach().argmax(-1) == y).float().mean())
        self.history.add(self.steps, loss=self.loss, accuracy=self.accuracy)

    @torch.no_grad()
    def evaluate(self, n: int = 512) -> tuple[float, np.ndarray]:
        """Token accuracy on n fresh sequences, and the mean attention maps over them (L, nh, T, T)."""
        self.model.eval()
        g = torch.Generator().manual_seed(123_456)
        x = torch.randint(0, VOCAB, (n, self.length), generator=g).to(self.device)
        y = make_targets(self.task, x)
        acc = float((self.model(x).argmax(-1) == y).float().mean())
        att = self.model.attention_maps().mean(dim=1)
        return acc, att.cpu().numpy().copy()

    @torch.no_grad()
    def snapshot(self, step: int) -> Frame:
        self.model.eval()
        x = self.sample.to(self.device)
        pred = self.model(x).argmax(-1)                                          # (1, T)
        att = self.model.attention_maps()[:, 0]                                  # (L, nh, T, T)
        target = make_targets(self.task, x)
        arrays = {
            **self.history.arrays(),
            "attentions": att.cpu().numpy().astype(np.float32, copy=True),
            "sample_input": x[0].cpu().numpy().copy(),
            "sample_target": target[0].cpu().numpy().copy(),
            "sample_prediction": pred[0].cpu().numpy().copy(),
            "tokens": np.array([str(int(t)) for t in x[0].cpu()], dtype=str),
        }
        info = {
            "mode": "train", "model": "tiny transformer", "task": self.task, "length": self.length,
            "dim": self.dim, "heads": self.heads, "layers": self.layers, "steps": self.steps,
            "loss": self.loss, "accuracy": self.accuracy,
            "lr": float(self.optimizer.param_groups[0]["lr"]), "note": "",
        }
        return Frame("train", step, arrays, info)
