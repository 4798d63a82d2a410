"""Gates and states recomputed from a recurrent module's own weights, one time step at a time.

Pure functions: they take an nn.LSTM / nn.GRU / nn.RNN (tanh) and one sequence x (T, input_size)
and return, per layer k, with W = weight_{ih,hh}_l{k}, b = bias_{ih,hh}_l{k} (the modules' order):

    LSTM  [i f g o] = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh;  i, f, o = σ(·), g = tanh(·)
          c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
    GRU   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
          n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)

The input projection W_ih x_t + b_ih is computed for all t at once; the loop over t does only
the recurrent product, vectorized over units. h_0 = c_0 = 0 unless given.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class LayerTrace:
    x: torch.Tensor                  # (T, in)   the layer's input
    h: torch.Tensor                  # (T, H)    h_t
    c: torch.Tensor | None           # (T, H)    c_t (LSTM)
    gates: torch.Tensor | None       # (T, G, H) i f g o (LSTM) / r z n (GRU)


def cell_kind(module: nn.Module) -> str:
    if isinstance(module, nn.LSTM):
        return "lstm"
    if isinstance(module, nn.GRU):
        return "gru"
    if isinstance(module, nn.RNN):
        if module.nonlinearity != "tanh":
            raise ValueError("only the tanh RNN is supported")
        return "rnn"
    raise TypeError(f"not a recurrent module: {type(module).__name__}")


def _weights(module: nn.Module, k: int):
    W_ih = getattr(module, f"weight_ih_l{k}")
    W_hh = getattr(module, f"weight_hh_l{k}")
    if module.bias:
        return W_ih, W_hh, getattr(module, f"bias_ih_l{k}"), getattr(module, f"bias_hh_l{k}")
    return W_ih, W_hh, torch.zeros_like(W_ih[:, 0]), torch.zeros_like(W_hh[:, 0])


def unroll_layer(kind: str, W_ih, W_hh, b_ih, b_hh, x: torch.Tensor, h0=None, c0=None,
                 keep: list | None = None) -> LayerTrace:
    """One layer over x (T, in). `keep`, if given, receives each h_t tensor as computed (so a
    caller with grad enabled can ask autograd for ∂L/∂h_t)."""
    T = x.shape[0]
    H = W_hh.shape[1]
    xp = torch.addmm(b_ih, x, W_ih.t())                  # (T, G·H): all input projections at once
    W_hh_t = W_hh.t()
    h = x.new_zeros(H) if h0 is None else h0
    c = x.new_zeros(H) if c0 is None else c0
    hs, cs, gs = [], [], []
    for t in range(T):
        hp = h @ W_hh_t + b_hh                           # (G·H,)
        if kind == "lstm":
            a = xp[t] + hp
            i, f, g, o = a.view(4, H).unbind(0)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            cs.append(c)
            gs.append(torch.stack((i, f, g, o)))
        elif kind == "gru":
            xr, xz, xn = xp[t].view(3, H).unbind(0)
            hr, hz, hn = hp.view(3, H).unbind(0)
            r = torch.sigmoid(xr + hr)
            z = torch.sigmoid(xz + hz)
            n = torch.tanh(xn + r * hn)
            h = (1 - z) * n + z * h
            gs.append(torch.stack((r, z, n)))
        else:
            h = torch.tanh(xp[t] + hp)
        hs.append(h)
        if keep is not None:
            keep.append(h)
    return LayerTrace(x, torch.stack(hs), torch.stack(cs) if cs else None, torch.stack(gs) if gs else None)


def unroll(module: nn.Module, x: torch.Tensor) -> list[LayerTrace]:
    """Every layer of `module` over one sequence x (T, input_size), no gradient."""
    kind = cell_kind(module)
    traces = []
    with torch.no_grad():
        inp = x
        for k in range(module.num_layers):
            tr = unroll_layer(kind, *_weights(module, k), inp)
            traces.append(tr)
            inp = tr.h
    return traces


def grad_norm(module: nn.Module, head, last_loss, x: torch.Tensor, last_step: int | None = None,
              traces: list[LayerTrace] | None = None) -> torch.Tensor:
    """‖∂L/∂h_t‖ for the last layer's h_t, t = 0..T−1, where L = last_loss(head(h_s)) is the loss
    at step s = last_step (default T − 1). Only the last layer is unrolled with autograd: the
    layers below do not depend on its h. Entries after s are 0 (h_t cannot change L there).
    `traces` (from unroll) saves recomputing the layers below."""
    kind = cell_kind(module)
    T = x.shape[0]
    s = T - 1 if last_step is None else last_step
    top = module.num_layers - 1
    if traces is None:
        traces = unroll(module, x)
    inp = traces[top].x.detach()
    out = torch.zeros(T)
    if s < 0:
        return out
    with torch.enable_grad():
        keep: list[torch.Tensor] = []
        unroll_layer(kind, *_weights(module, top), inp[: s + 1], keep=keep)
        loss = last_loss(head(keep[s]))
        grads = torch.autograd.grad(loss, keep)
    out[: s + 1] = torch.stack([g.norm() for g in grads]).detach().cpu()
    return out
