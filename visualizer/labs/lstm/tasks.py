"""The training tasks. Each draws its batches from a torch.Generator on the CPU (so a seed
gives the same data on every device) and scores the model's outputs.

    charlm    next character of a text: inputs are token ids (B, T), embedded by the model;
              cross-entropy over every step. The shown sequence is the `text` option.
    adding    T pairs (value ~ U(0, 1), marker ∈ {0, 1}); exactly two markers, one in each half;
              the answer at the last step is the sum of the two marked values; MSE at the last
              step. Always answering 1 scores 2/12 = 0.167 (the variance of the sum).
    copy      COPY_SYMBOLS symbols out of 8, blanks, a go marker, then the symbols must be recalled
              in order over the last COPY_SYMBOLS steps; cross-entropy over those steps (chance ln 8).
    brackets  ( ) [ ] and a filler x, always well nested (depth ≤ 6); at every step the class of
              the innermost open bracket: 0 none, 1 "(", 2 "["; cross-entropy over every step.

loss(out, y) is the training loss; last_loss(out_last, y) the loss at the last scored step of
one sequence (what grad_norm differentiates).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from visualizer.labs.lstm.config import COPY_SYMBOLS


class Task:
    name = ""
    input_size = 0        # width of the vectors fed to layer 0 (charlm: set by the embedding)
    n_out = 1
    categorical = True    # inputs are token ids (charlm) or float vectors
    loss_kind = "cross_entropy"
    baseline = float("nan")   # the loss of a model that learned nothing useful

    def __init__(self, length: int):
        self.T = length

    def batch(self, B: int, gen: torch.Generator):
        raise NotImplementedError

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def last_step(self, T: int) -> int:
        return T - 1

    def last_loss(self, out_last: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def tokens(self, x: torch.Tensor, y) -> list[str]:
        raise NotImplementedError

    def shown_targets(self, y, T: int) -> np.ndarray:
        raise NotImplementedError

    def properties(self, x: torch.Tensor, y) -> dict[str, np.ndarray]:
        raise NotImplementedError


class Adding(Task):
    name = "adding"
    input_size = 2
    n_out = 1
    categorical = False
    loss_kind = "mse"
    baseline = 1.0 / 6.0

    def batch(self, B, gen):
        T = self.T
        values = torch.rand(B, T, generator=gen)
        half = max(1, T // 2)
        first = torch.randint(0, half, (B,), generator=gen)
        second = torch.randint(half, T, (B,), generator=gen)
        marks = torch.zeros(B, T)
        rows = torch.arange(B)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        x = torch.stack([values, marks], -1)               # (B, T, 2)
        y = (values * marks).sum(1)                        # (B,)
        return x, y

    def loss(self, out, y):
        return F.mse_loss(out[:, -1, 0], y)

    def last_loss(self, out_last, y):
        return (out_last[0] - y.reshape(())) ** 2

    def tokens(self, x, y):
        return [f"{float(v):.2f}" + ("*" if m > 0.5 else "") for v, m in x.tolist()]

    def shown_targets(self, y, T):
        out = np.full(T, np.nan)
        out[-1] = float(y)
        return out

    def properties(self, x, y):
        v, m = x[:, 0].numpy().astype(np.float64), x[:, 1].numpy().astype(np.float64)
        return {"target": np.cumsum(v * m), "marker": m, "value": v}


class Copy(Task):
    name = "copy"
    K = COPY_SYMBOLS
    ALPHABET = 8
    BLANK, GO = 8, 9
    input_size = 10
    n_out = 8
    categorical = False
    baseline = math.log(8)
    LETTERS = "ABCDEFGH_>"

    def batch(self, B, gen):
        T, K = self.T, self.K
        y = torch.randint(0, self.ALPHABET, (B, K), generator=gen)
        ids = torch.full((B, T), self.BLANK, dtype=torch.long)
        ids[:, :K] = y
        ids[:, T - K - 1] = self.GO
        return F.one_hot(ids, self.input_size).float(), y

    def loss(self, out, y):
        K = self.K
        return F.cross_entropy(out[:, -K:, :].reshape(-1, self.n_out), y.reshape(-1))

    def last_loss(self, out_last, y):
        return F.cross_entropy(out_last.reshape(1, -1), y.reshape(-1)[-1:])

    def tokens(self, x, y):
        return [self.LETTERS[i] for i in x.argmax(-1).tolist()]

    def shown_targets(self, y, T):
        out = np.full(T, np.nan)
        out[-self.K:] = np.asarray(y, dtype=np.float64).reshape(-1)
        return out

    def properties(self, x, y):
        T = x.shape[0]
        recall = np.zeros(T)
        recall[T - self.K:] = 1.0
        return {"recall": recall, "position": np.arange(T) / max(1, T - 1)}


class Brackets(Task):
    name = "brackets"
    SYMBOLS = "()[]x"
    MAX_DEPTH = 6
    input_size = 5
    n_out = 3

    def batch(self, B, gen):
        T, D = self.T, self.MAX_DEPTH
        stack = torch.zeros(B, D + 1, dtype=torch.long)   # open bracket types (1 "(", 2 "["); [0] = none
        depth = torch.zeros(B, dtype=torch.long)
        ids = torch.empty(B, T, dtype=torch.long)
        y = torch.empty(B, T, dtype=torch.long)
        rows = torch.arange(B)
        for t in range(T):
            u = torch.rand(B, generator=gen)
            kind = torch.randint(1, 3, (B,), generator=gen)
            close = (u < 0.4) & (depth > 0) | (depth >= D)
            open_ = ~close & (u < 0.8)
            top = stack[rows, depth]
            sym = torch.where(close, 2 * top - 1, torch.where(open_, 2 * kind - 2, torch.full_like(kind, 4)))
            depth = torch.where(close, depth - 1, depth)
            depth = torch.where(open_, depth + 1, depth)
            stack[rows, depth] = torch.where(open_, kind, stack[rows, depth])
            ids[:, t] = sym
            y[:, t] = stack[rows, depth] * (depth > 0)
        return F.one_hot(ids, self.input_size).float(), y

    def loss(self, out, y):
        return F.cross_entropy(out.reshape(-1, self.n_out), y.reshape(-1))

    def last_loss(self, out_last, y):
        return F.cross_entropy(out_last.reshape(1, -1), y.reshape(-1)[-1:])

    def tokens(self, x, y):
        return [self.SYMBOLS[i] for i in x.argmax(-1).tolist()]

    def shown_targets(self, y, T):
        return np.asarray(y, dtype=np.float64).reshape(-1)

    def properties(self, x, y):
        sym = x.argmax(-1).numpy()
        step = np.where(sym % 2 == 0, 1, -1) * (sym < 4)
        return {"bracket_depth": np.cumsum(step).astype(np.float64),
                "target": np.asarray(y, dtype=np.float64).reshape(-1)}


class CharLM(Task):
    name = "charlm"
    n_out = 0          # the vocabulary size, set by the lab
    categorical = True
    EMBED = 32
    input_size = EMBED

    def __init__(self, length, corpus):
        super().__init__(length)
        self.corpus = corpus
        self.n_out = corpus.vocab_size
        self.baseline = math.log(corpus.vocab_size)
        self.ids = torch.from_numpy(np.array(corpus.ids))

    def batch(self, B, gen):
        T = self.T
        start = torch.randint(0, len(self.ids) - T - 1, (B,), generator=gen)
        w = self.ids[start[:, None] + torch.arange(T + 1)]    # (B, T + 1)
        return w[:, :-1], w[:, 1:]

    def loss(self, out, y):
        return F.cross_entropy(out.reshape(-1, self.n_out), y.reshape(-1))

    def last_step(self, T):
        return T - 2       # the last character has no successor to predict

    def last_loss(self, out_last, y):
        return F.cross_entropy(out_last.reshape(1, -1), y.reshape(-1)[-1:])

    def shown_targets(self, y, T):
        out = np.full(T, np.nan)
        out[:T - 1] = np.asarray(y, dtype=np.float64).reshape(-1)[:T - 1]
        return out

    def properties(self, x, y):
        raise NotImplementedError   # charlm properties are read from the text: text_properties()


def text_properties(text: str) -> dict[str, np.ndarray]:
    """Per character, the state after reading it:
    in_string      1 inside a '…' or "…" literal (from the opening quote up to, not including, the
                   closing one; backslash escapes respected; triple quotes count as one quote run)
    bracket_depth  nesting of ( [ { outside strings
    indent         leading spaces of the character's line (a tab counts 4)
    line_pos       the character's column in its line (0 = first)"""
    T = len(text)
    in_string = np.zeros(T)
    depth = np.zeros(T)
    indent = np.zeros(T)
    line_pos = np.zeros(T)
    quote, escaped, d, col = "", False, 0, 0
    i = 0
    line_start = 0
    line_indent = _indent(text, 0)
    while i < T:
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif text.startswith(quote, i):
                for k in range(len(quote) - 1):     # the rest of a closing triple quote
                    in_string[i + k] = 1.0
                    depth[i + k], indent[i + k], line_pos[i + k] = d, line_indent, col + k
                i += len(quote) - 1
                col += len(quote) - 1
                quote = ""
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
        elif ch in "([{":
            d += 1
        elif ch in ")]}":
            d = max(0, d - 1)
        if i < T:
            in_string[i] = 1.0 if quote else 0.0
            depth[i], indent[i], line_pos[i] = d, line_indent, col
        col += 1
        if ch == "\n":
            col = 0
            line_start = i + 1
            line_indent = _indent(text, line_start)
            if len(quote) == 1:    # a one-quote string does not survive a line end
                quote = ""
        i += 1
    if len(quote) == 3:
        pass
    return {"in_string": in_string, "bracket_depth": depth, "indent": indent, "line_pos": line_pos}


def _indent(text: str, start: int) -> int:
    n = 0
    for ch in text[start:]:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4
        else:
            break
    return n


def make_task(task: str, length: int, corpus=None) -> Task:
    if task == "charlm":
        return CharLM(length, corpus)
    return {"adding": Adding, "copy": Copy, "brackets": Brackets}[task](length)
